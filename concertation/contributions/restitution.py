"""What a day's published restitution shows: the work leads of each workshop, with the
contributions merged into them and their vote results (the counts kept on each row), and the
frozen ranking of the workshop's last closed priority vote."""

from __future__ import annotations

from django.db.models import Prefetch

from concertation.contributions.models import (
    Contribution,
    ContributionState,
    PriorityVote,
    PriorityVoteState,
)
from concertation.events.models import Event

WORK_LEAD_STATES = (ContributionState.RETAINED, ContributionState.VALIDATED,
                    ContributionState.TRANSMITTED)


def work_leads(event: Event) -> list[tuple[str, list[Contribution], PriorityVote | None]]:
    """(workshop title, its work leads, its last closed priority vote or None), in the
    programme's order; a workshop appears if it has a work lead or a closed priority vote."""
    leads = (
        Contribution.objects.filter(event=event, state__in=WORK_LEAD_STATES)
        .select_related("workshop")
        .prefetch_related(Prefetch("merged_sources", queryset=Contribution.objects.select_related(
            "workshop").order_by("created_at")))
        .order_by("workshop__position", "-agree_count", "created_at")
    )
    priorities: dict[int, PriorityVote] = {}
    positions: dict[int | None, tuple] = {}
    titles: dict[int | None, str] = {}
    # Oldest first, so that the last closed vote of each workshop wins.
    for vote in (PriorityVote.objects.filter(workshop__event=event,
                                             state=PriorityVoteState.CLOSED)
                 .select_related("workshop").order_by("closed_at", "id")):
        priorities[vote.workshop_id] = vote
        positions[vote.workshop_id] = (vote.workshop.position, vote.workshop_id)
        titles[vote.workshop_id] = vote.workshop.title
    groups: dict[int | None, list[Contribution]] = {key: [] for key in priorities}
    for lead in leads:
        key = lead.workshop_id
        groups.setdefault(key, []).append(lead)
        if lead.workshop:
            positions[key], titles[key] = (lead.workshop.position, key), lead.workshop.title
        else:
            positions[key], titles[key] = (10**6, 0), "Plénière"
    order = sorted(groups, key=lambda key: positions[key])
    return [(titles[key], groups[key], priorities.get(key)) for key in order]
