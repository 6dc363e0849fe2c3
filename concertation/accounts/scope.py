"""The one authorization mechanism: what a signed-in person may reach in the back-office.

Roles are data (`OrganiserMembership.role`, and `Facilitation` rows for workshops); `scope_for`
turns them into a `Scope`, an immutable value with one `Area` per kind of right:

- `manage`: organisers — an ARS member acts on the whole region, a CTS member on its health
  territory;
- `moderate`: organisers and moderators, over the same kind of area;
- `decide`: organisers and the CRSA secretariat (records the regional conference's decisions);
- `national`: the national secretariat reads what every region transmitted to it, and nothing
  that is still a region's draft;
- `workshop_ids`: the workshops a facilitator runs.

Every back-office object is fetched through its model's `within(scope)` QuerySet method
(`ScopedQuerySet` below), which applies the right `Area` to that model's own paths to a region
and a territory, so an object outside the scope is a 404; services that write take the scope
and check it again. No view compares ids by hand. `tests/test_access_matrix.py` requests every
URL pattern of the project as every role and compares the answer with one table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from concertation.accounts.models import Role
from concertation.territories.models import Department, HealthTerritory, Region

if TYPE_CHECKING:
    from concertation.events.models import Event

AreaName = Literal["manage", "moderate", "decide"]


@dataclass(frozen=True)
class Area:
    """Where one kind of right applies: whole regions, health territories, or everywhere."""

    region_ids: frozenset[int] = frozenset()
    territory_ids: frozenset[int] = frozenset()
    everywhere: bool = False

    def __bool__(self) -> bool:
        return self.everywhere or bool(self.region_ids or self.territory_ids)

    def q(self, region: Sequence[str], territory: Sequence[str]) -> Q:
        """The filter for a model whose region and territory ids sit at these paths (several
        paths: any of them matches, e.g. a contribution's own department or its day's)."""
        if self.everywhere:
            return Q()
        condition = Q(pk__in=[])
        for path in region:
            if self.region_ids:
                condition |= Q(**{f"{path}__in": self.region_ids})
        for path in territory:
            if self.territory_ids:
                condition |= Q(**{f"{path}__in": self.territory_ids})
        return condition

    def covers(self, region_id: int | None, territory_id: int | None) -> bool:
        return (self.everywhere or (region_id is not None and region_id in self.region_ids)
                or (territory_id is not None and territory_id in self.territory_ids))


NOWHERE = Area()
EVERYWHERE = Area(everywhere=True)


@dataclass(frozen=True)
class Scope:
    manage: Area = NOWHERE
    moderate: Area = NOWHERE
    decide: Area = NOWHERE
    national: bool = False
    user_id: int | None = None

    @cached_property
    def workshop_ids(self) -> frozenset[int]:
        """The workshops this person facilitates; read only when a page asks, so that an
        organiser's pages pay no query for it."""
        if self.user_id is None:
            return frozenset()
        facilitation = apps.get_model("contributions", "Facilitation")
        return frozenset(facilitation.objects.filter(user_id=self.user_id)
                         .values_list("workshop_id", flat=True))

    # The organiser's area, as most of the back-office reads it.
    @property
    def region_ids(self) -> frozenset[int]:
        return self.manage.region_ids

    @property
    def territory_ids(self) -> frozenset[int]:
        return self.manage.territory_ids

    @property
    def everything(self) -> bool:
        return self.manage.everywhere

    @property
    def is_organiser(self) -> bool:
        return bool(self.manage)

    def area(self, name: AreaName) -> Area:
        return getattr(self, name)

    def filter_events(self, events: QuerySet) -> QuerySet:
        return events.filter(self.manage.q(["department__region_id"], ["health_territory_id"]))

    def can_manage_event(self, event: Event) -> bool:
        return self.manage.covers(event.department.region_id, event.health_territory_id)

    def health_territories(self) -> QuerySet[HealthTerritory]:
        return HealthTerritory.objects.select_related("region").filter(
            self.manage.q(["region_id"], ["id"]))

    def departments(self) -> QuerySet[Department]:
        return Department.objects.select_related("region").filter(
            self.manage.q(["region_id"], ["health_territories__id"])).distinct()

    def regions(self) -> QuerySet[Region]:
        return Region.objects.filter(
            self.manage.q(["id"], ["health_territories__id"])).distinct()

    def can_use_territory(self, territory: HealthTerritory | None, department: Department) -> bool:
        """An event may be placed in this department / territory by this organiser."""
        if self.everything:
            return True
        if department.region_id in self.region_ids:
            return territory is None or territory.region_id == department.region_id
        # A CTS organiser must attach the event to their own territory.
        return territory is not None and territory.id in self.territory_ids


NO_SCOPE = Scope()

# Who holds a back-office role (or may be given one, being staff): such an account signs in with
# a password or ProConnect, never with a participant's e-mail link, and cannot erase itself.
HOLDS_A_ROLE = (Q(is_staff=True) | Q(is_superuser=True) | Q(memberships__isnull=False)
                | Q(facilitations__isnull=False))


def role_holders() -> QuerySet:
    return get_user_model().objects.filter(HOLDS_A_ROLE).distinct()


def holds_a_role(user: AbstractBaseUser) -> bool:
    return role_holders().filter(pk=user.pk).exists()


class ScopedQuerySet(QuerySet):
    """`Model.objects.within(scope)`: the rows of that model a scope reaches.

    A model's QuerySet names where its region and territory ids are (`scope_region`,
    `scope_territory`); a model with a rule of its own (a synthesis) overrides `within`."""

    scope_region: Sequence[str] = ()
    scope_territory: Sequence[str] = ()

    def within(self, scope: Scope, area: AreaName = "manage") -> QuerySet:
        return self.filter(scope.area(area).q(self.scope_region, self.scope_territory))


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    if user.is_superuser:
        return Scope(manage=EVERYWHERE, moderate=EVERYWHERE, decide=EVERYWHERE, national=True,
                     user_id=user.pk)
    areas: dict[str, tuple[set[int], set[int]]] = {
        name: (set(), set()) for name in ("manage", "moderate", "decide")}
    # Which areas each role grants: an organiser moderates and records decisions too.
    grants = {Role.ORGANISER: ("manage", "moderate", "decide"), Role.MODERATOR: ("moderate",),
              Role.CRSA: ("decide",)}
    national = False
    for role, agency_region, council_territory in user.memberships.values_list(
        "role", "agency__region_id", "council__territory_id"
    ):
        if role == Role.NATIONAL:
            national = True
            continue
        for name in grants.get(role, ()):
            regions, territories = areas[name]
            if agency_region:
                regions.add(agency_region)
            if council_territory:
                territories.add(council_territory)
    manage, moderate, decide = (
        Area(frozenset(areas[name][0]), frozenset(areas[name][1]))
        for name in ("manage", "moderate", "decide"))
    return Scope(manage=manage, moderate=moderate, decide=decide, national=national,
                 user_id=user.pk)
