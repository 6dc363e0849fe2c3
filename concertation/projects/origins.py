"""Where projects come from: their origin proposals and work leads, and through them the days,
territories and contributions, read in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from concertation.contributions.models import Contribution
from concertation.events.models import Event
from concertation.projects.models import Project
from concertation.synthesis.models import SynthesisGroup, SynthesisItem


@dataclass
class Origins:
    groups: list[SynthesisGroup] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    days: list[Event] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.groups) + len(self.contributions)


def origin_day_ids(project_ids: list[int]) -> dict[int, set[int]]:
    """For each project, the ids of the days its origins came from: the days of its origin
    contributions, and of the contributions and syntheses its origin proposals cite."""
    days: dict[int, set[int]] = {pk: set() for pk in project_ids}
    through = Project.origin_contributions.through.objects.filter(
        project_id__in=project_ids, contribution__event__isnull=False)
    for project_id, event_id in through.values_list("project_id", "contribution__event_id"):
        days[project_id].add(event_id)
    groups = Project.origin_groups.through.objects.filter(project_id__in=project_ids)
    for project_id, event_id in groups.filter(
            synthesisgroup__synthesis__event__isnull=False).values_list(
            "project_id", "synthesisgroup__synthesis__event_id"):
        days[project_id].add(event_id)
    group_projects: dict[int, set[int]] = {}
    for project_id, group_id in groups.values_list("project_id", "synthesisgroup_id"):
        group_projects.setdefault(group_id, set()).add(project_id)
    if group_projects:
        cited = SynthesisItem.objects.filter(group_id__in=group_projects,
                                             contribution__event__isnull=False)
        for group_id, event_id in cited.values_list("group_id", "contribution__event_id"):
            for project_id in group_projects[group_id]:
                days[project_id].add(event_id)
    return days


def origin_days(project_ids: list[int]) -> dict[int, list[Event]]:
    """Public origin days per project, oldest first (two queries beyond the links)."""
    ids = origin_day_ids(project_ids)
    wanted = set().union(*ids.values()) if ids else set()
    events = {e.pk: e for e in Event.objects.public().filter(pk__in=wanted)
              .select_related("health_territory", "department")}
    return {pk: sorted((events[i] for i in day_ids if i in events),
                       key=lambda e: (e.date, e.pk))
            for pk, day_ids in ids.items()}


def project_origins(project: Project) -> Origins:
    groups = list(project.origin_groups.select_related(
        "synthesis", "decision", "theme").order_by("synthesis__created_at", "position"))
    contributions = list(project.origin_contributions.select_related(
        "event", "workshop", "theme").order_by("event__date", "created_at"))
    days = origin_days([project.pk])[project.pk]
    territories = sorted({d.health_territory.name for d in days if d.health_territory})
    return Origins(groups=groups, contributions=contributions, days=days,
                   territories=territories)

