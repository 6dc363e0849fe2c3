"""Who may work on a synthesis, and which contributions it works from."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from concertation.accounts.scope import AreaName, Scope
from concertation.contributions.models import VISIBLE_STATES, Contribution
from concertation.synthesis.models import TERRITORIAL_LEVELS, Synthesis

Level = Synthesis.Level


# --- Permissions -------------------------------------------------------------------------------

def can_manage(scope: Scope, synthesis: Synthesis, area: AreaName = "manage") -> bool:
    """The object-level twin of `Synthesis.objects.within(scope)`, for a row already locked."""
    place = scope.area(area)
    return place.covers(synthesis.region_id, None) or (
        synthesis.level in TERRITORIAL_LEVELS and place.covers(None, synthesis.health_territory_id))


def check_scope(scope: Scope, synthesis: Synthesis, area: AreaName = "manage") -> None:
    if not can_manage(scope, synthesis, area):
        raise PermissionDenied("Cette synthèse n’est pas dans votre périmètre.")


# --- Selection -----------------------------------------------------------------------------

def source_contributions(synthesis: Synthesis) -> QuerySet[Contribution]:
    """The contributions a synthesis works from: published ones (merged ones are represented
    by their target) of its day, territory, region's chosen days, theme, and online ones when
    included."""
    contributions = Contribution.objects.filter(campaign_id=synthesis.campaign_id,
                                                state__in=VISIBLE_STATES)
    if synthesis.level == Level.EVENT:
        return contributions.filter(event_id=synthesis.event_id)
    area = Q()
    if synthesis.health_territory_id:
        area = Q(health_territory_id=synthesis.health_territory_id)
    elif synthesis.region_id:
        area = Q(department__region_id=synthesis.region_id) | Q(
            event__department__region_id=synthesis.region_id)
    if synthesis.level in (Level.REGION, Level.NATIONAL) and synthesis.pk:
        day_ids = list(synthesis.days.values_list("pk", flat=True))
        if day_ids:
            chosen = Q(event_id__in=day_ids)
            if synthesis.includes_online:
                chosen |= Q(origin=Contribution.Origin.ONLINE) & area
            return contributions.filter(chosen)
    if synthesis.level == Level.TERRITORY and not synthesis.includes_online:
        area &= Q(origin=Contribution.Origin.WORKSHOP)
    contributions = contributions.filter(area)
    if synthesis.theme_id:
        contributions = contributions.filter(theme_id=synthesis.theme_id)
    return contributions

