from __future__ import annotations

import pytest

from tests.factories import (
    ContributionFactory,
    EventFactory,
    ProjectFactory,
    UserFactory,
    agency_organiser,
    make_territory,
    organiser_of,
)


@pytest.fixture
def territory(db):
    return make_territory("28")


@pytest.fixture
def day(territory):
    return EventFactory(past=True, health_territory=territory,
                        department=territory.departments.first())


@pytest.fixture
def work_lead(day):
    """A retained work lead of a day of the territory: a valid origin."""
    return ContributionFactory(event=day, state="retained", text="Créer une plate-forme "
                               "d’accompagnement des professionnels de santé")


@pytest.fixture
def roles(territory):
    """Every role of the permission tests, by name: CTS of the territory, ARS of its region
    (Centre-Val de Loire, 24), CTS and ARS elsewhere, signed-in user without membership."""
    return {
        "cts": organiser_of(territory),
        "ars": agency_organiser("24"),
        "other_cts": organiser_of(make_territory("69")),
        "other_ars": agency_organiser("84"),
        "member_less": UserFactory(),
    }


@pytest.fixture
def project(territory, work_lead):
    project = ProjectFactory(health_territory=territory, in_progress=True,
                             title="Plate-forme d’accompagnement")
    project.origin_contributions.add(work_lead)
    return project
