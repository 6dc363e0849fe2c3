"""The demo's people: its organisers (one password for all, `DEMO_PASSWORD`), a workshop's
facilitator, the moderator and the CRSA and national secretariats."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from concertation.accounts.models import OrganiserMembership
from concertation.events.models import Workshop
from concertation.territories.models import (
    Agency,
    HealthTerritory,
)

DEMO_PASSWORD = "concertation-demo"
DEMO_USERS = {
    # username: (first name, last name, membership: ("agency", region code) | ("council", slug))
    "cts28": ("Claire", "Martin", ("council", "eure-et-loir")),
    "ars-ara": ("Karim", "Benali", ("agency", "84")),
}


def add_organisers(territories: dict[str, HealthTerritory]) -> None:
    User = get_user_model()
    for username, (first, last, (kind, key)) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last,
                      "email": f"{username}@demo.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if kind == "agency":
            OrganiserMembership.objects.get_or_create(
                user=user, agency=Agency.objects.get(region__code=key)
            )
        else:
            council = HealthTerritory.objects.get(slug=key).council
            OrganiserMembership.objects.get_or_create(user=user, council=council)


def add_facilitator() -> None:
    """A workshop facilitator of the coming Eure-et-Loir day (no organiser rights)."""
    from concertation.contributions.models import Facilitation

    User = get_user_model()
    user, created = User.objects.get_or_create(
        username="animation28",
        defaults={"first_name": "Léa", "last_name": "Morel", "email": "animation28@demo.invalid"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    for workshop in Workshop.objects.filter(event__slug="cnr-sante-eure-et-loir-4"):
        Facilitation.objects.get_or_create(user=user, workshop=workshop)


def add_other_roles() -> None:
    """The moderator of Eure-et-Loir's online contributions and the CRSA secretariat of
    Auvergne-Rhône-Alpes: each role of the back-office has its demo account."""
    from concertation.accounts.models import Role

    User = get_user_model()
    people = [("moderation28", "Inès", "Garnier", Role.MODERATOR, "council", "eure-et-loir"),
              ("crsa-ara", "Paul", "Fabre", Role.CRSA, "agency", "84")]
    for username, first, last, role, kind, key in people:
        user, created = User.objects.get_or_create(username=username, defaults={
            "first_name": first, "last_name": last, "email": f"{username}@demo.invalid"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        place = ({"agency": Agency.objects.get(region__code=key)} if kind == "agency"
                 else {"council": HealthTerritory.objects.get(slug=key).council})
        OrganiserMembership.objects.get_or_create(user=user, role=role, **place)


# Proposals of the Auvergne-Rhône-Alpes days, by national theme (demo text, written for it).
