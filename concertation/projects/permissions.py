"""Who manages a project, and which origins an organiser may build a project from.

The CTS organiser of the project's health territory and the ARS organisers of its region
manage it; a regional project (no territory) is the ARS's alone."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from concertation.accounts.scope import Scope
from concertation.contributions.models import Contribution, ContributionState
from concertation.synthesis.models import Decision, SynthesisGroup
from concertation.territories.models import HealthTerritory

ORIGIN_CONTRIBUTION_STATES = (ContributionState.VALIDATED, ContributionState.RETAINED)
ADOPTED_OUTCOMES = (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED)


def can_manage(scope: Scope, project) -> bool:
    return can_place(scope, project.region_id, project.health_territory)


def can_place(scope: Scope, region_id: int | None, territory: HealthTerritory | None) -> bool:
    """A project may sit in this region and territory for this organiser."""
    if territory is not None and territory.region_id != region_id:
        return False
    return scope.manage.covers(region_id, territory.pk if territory is not None else None)


def eligible_groups(scope: Scope) -> QuerySet[SynthesisGroup]:
    """Synthesis proposals the CRSA adopted (as is or amended), within the organiser's scope.
    National and thematic syntheses (no place) may be taken up by any organiser."""
    groups = SynthesisGroup.objects.filter(
        accepted=True, decision__outcome__in=ADOPTED_OUTCOMES
    ).select_related("synthesis", "decision")
    if not scope.is_organiser:
        return groups.none()
    unplaced = Q(synthesis__region__isnull=True, synthesis__health_territory__isnull=True,
                 synthesis__event__isnull=True)
    return groups.filter(unplaced | scope.manage.q(
        ["synthesis__region_id", "synthesis__health_territory__region_id",
         "synthesis__event__department__region_id"],
        ["synthesis__health_territory_id", "synthesis__event__health_territory_id"]))


def eligible_contributions(scope: Scope) -> QuerySet[Contribution]:
    """Validated contributions and retained work leads of days within the organiser's scope."""
    contributions = Contribution.objects.filter(
        state__in=ORIGIN_CONTRIBUTION_STATES
    ).select_related("event")
    return contributions.filter(scope.manage.q(
        ["event__department__region_id", "department__region_id"],
        ["event__health_territory_id", "health_territory_id"]))

