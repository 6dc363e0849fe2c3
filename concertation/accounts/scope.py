"""What an organiser may act on: the whole region for an ARS member, the health territory for a
CTS member. Every back-office query and permission check goes through `Scope`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from concertation.territories.models import Department, HealthTerritory, Region


@dataclass(frozen=True)
class Scope:
    region_ids: frozenset[int]
    territory_ids: frozenset[int]
    everything: bool = False

    @property
    def is_organiser(self) -> bool:
        return self.everything or bool(self.region_ids or self.territory_ids)

    def _event_filter(self) -> Q:
        return Q(department__region_id__in=self.region_ids) | Q(
            health_territory_id__in=self.territory_ids
        )

    def filter_events(self, events: QuerySet) -> QuerySet:
        if self.everything:
            return events
        if not self.is_organiser:
            return events.none()
        return events.filter(self._event_filter())

    def can_manage_event(self, event) -> bool:
        if self.everything:
            return True
        if event.department.region_id in self.region_ids:
            return True
        return event.health_territory_id is not None and (
            event.health_territory_id in self.territory_ids
        )

    def health_territories(self) -> QuerySet[HealthTerritory]:
        qs = HealthTerritory.objects.select_related("region")
        if self.everything:
            return qs
        return qs.filter(Q(region_id__in=self.region_ids) | Q(id__in=self.territory_ids))

    def departments(self) -> QuerySet[Department]:
        qs = Department.objects.select_related("region")
        if self.everything:
            return qs
        return qs.filter(
            Q(region_id__in=self.region_ids) | Q(health_territories__id__in=self.territory_ids)
        ).distinct()

    def regions(self) -> QuerySet[Region]:
        if self.everything:
            return Region.objects.all()
        return Region.objects.filter(
            Q(id__in=self.region_ids) | Q(health_territories__id__in=self.territory_ids)
        ).distinct()

    def can_use_territory(self, territory: HealthTerritory | None, department: Department) -> bool:
        """An event may be placed in this department / territory by this organiser."""
        if self.everything:
            return True
        if department.region_id in self.region_ids:
            return territory is None or territory.region_id == department.region_id
        # A CTS organiser must attach the event to their own territory.
        return territory is not None and territory.id in self.territory_ids


NO_SCOPE = Scope(frozenset(), frozenset())


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    if user.is_superuser:
        return Scope(frozenset(), frozenset(), everything=True)
    regions: set[int] = set()
    territories: set[int] = set()
    for agency_region, council_territory in user.memberships.values_list(
        "agency__region_id", "council__territory_id"
    ):
        if agency_region:
            regions.add(agency_region)
        if council_territory:
            territories.add(council_territory)
    return Scope(frozenset(regions), frozenset(territories))
