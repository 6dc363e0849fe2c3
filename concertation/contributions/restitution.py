"""What a day's published restitution shows: the work leads of each workshop, with the
contributions merged into them and their vote results."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from concertation.contributions.models import Contribution, ContributionState
from concertation.events.models import Event

WORK_LEAD_STATES = (ContributionState.RETAINED, ContributionState.VALIDATED,
                    ContributionState.TRANSMITTED)


def work_leads(event: Event) -> list[tuple[str, list[Contribution]]]:
    leads = (
        Contribution.objects.filter(event=event, state__in=WORK_LEAD_STATES)
        .select_related("workshop")
        .annotate(
            agree=Count("votes", filter=Q(votes__value=1)),
            disagree=Count("votes", filter=Q(votes__value=-1)),
            passed=Count("votes", filter=Q(votes__value=0)),
        )
        .prefetch_related(Prefetch("merged_sources", queryset=Contribution.objects.select_related(
            "workshop").order_by("created_at")))
        .order_by("workshop__position", "-agree", "created_at")
    )
    groups: dict[str, list[Contribution]] = {}
    for lead in leads:
        title = lead.workshop.title if lead.workshop else "Plénière"
        groups.setdefault(title, []).append(lead)
    return list(groups.items())
