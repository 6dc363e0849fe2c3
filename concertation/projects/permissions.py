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


def filter_projects(scope: Scope, projects: QuerySet) -> QuerySet:
    if scope.everything:
        return projects
    if not scope.is_organiser:
        return projects.none()
    return projects.filter(Q(region_id__in=scope.region_ids)
                           | Q(health_territory_id__in=scope.territory_ids))


def can_manage(scope: Scope, project) -> bool:
    return can_place(scope, project.region_id, project.health_territory)


def can_place(scope: Scope, region_id: int | None, territory: HealthTerritory | None) -> bool:
    """A project may sit in this region and territory for this organiser."""
    if territory is not None and territory.region_id != region_id:
        return False
    if scope.everything:
        return True
    if region_id in scope.region_ids:
        return True
    return territory is not None and territory.pk in scope.territory_ids


def eligible_groups(scope: Scope) -> QuerySet[SynthesisGroup]:
    """Synthesis proposals the CRSA adopted (as is or amended), within the organiser's scope.
    National and thematic syntheses (no place) may be taken up by any organiser."""
    groups = SynthesisGroup.objects.filter(
        accepted=True, decision__outcome__in=ADOPTED_OUTCOMES
    ).select_related("synthesis", "decision")
    if scope.everything:
        return groups
    if not scope.is_organiser:
        return groups.none()
    regions, territories = scope.region_ids, scope.territory_ids
    unplaced = Q(synthesis__region__isnull=True, synthesis__health_territory__isnull=True,
                 synthesis__event__isnull=True)
    return groups.filter(
        unplaced
        | Q(synthesis__region_id__in=regions)
        | Q(synthesis__health_territory__region_id__in=regions)
        | Q(synthesis__health_territory_id__in=territories)
        | Q(synthesis__event__department__region_id__in=regions)
        | Q(synthesis__event__health_territory_id__in=territories)
    )


def eligible_contributions(scope: Scope) -> QuerySet[Contribution]:
    """Validated contributions and retained work leads of days within the organiser's scope."""
    contributions = Contribution.objects.filter(
        state__in=ORIGIN_CONTRIBUTION_STATES
    ).select_related("event")
    if scope.everything:
        return contributions
    if not scope.is_organiser:
        return contributions.none()
    regions, territories = scope.region_ids, scope.territory_ids
    return contributions.filter(
        Q(event__department__region_id__in=regions)
        | Q(event__health_territory_id__in=territories)
        | Q(department__region_id__in=regions)
        | Q(health_territory_id__in=territories)
    )

