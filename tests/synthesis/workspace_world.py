"""A small region for the synthesis workspace tests: two days (Ain, Isère) of one campaign in
Auvergne-Rhône-Alpes, the regional CRSA restitution, proposals that repeat across the two
territories, and the roles of the permission tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import TestCase

from concertation.accounts.scope import scope_for
from concertation.events.models import Event
from concertation.synthesis import consolidation, editing, services
from concertation.territories.models import Department
from tests.factories import (
    CampaignFactory,
    ContributionFactory,
    EventFactory,
    ThemeFactory,
    UserFactory,
    agency_organiser,
    make_territory,
    organiser_of,
)

AIN = [
    "Faciliter l’accès à un médecin traitant pour les patients qui n’en ont pas",
    "Développer le sport sur ordonnance dans le département",
    "Créer des transports solidaires vers les lieux de soins",
]
ISERE = [
    "Faciliter l’accès à un médecin traitant pour les patients qui n’en ont pas dans le "
    "département",
    "Développer le sport sur ordonnance",
    "Renforcer l’éducation à la santé à l’école",
]


@dataclass
class World:
    campaign: object
    theme: object
    ain: object
    isere: object
    day_ain: Event
    day_isere: Event
    restitution: Event
    contributions: list
    ars: object
    cts_ain: object
    ars_elsewhere: object
    cts_elsewhere: object
    outsider: object


def build_world() -> World:
    campaign = CampaignFactory()
    theme = ThemeFactory(campaign=campaign, title="Accès aux soins")
    ain, isere = make_territory("01"), make_territory("38")
    day_ain = EventFactory(campaign=campaign, health_territory=ain, past=True,
                           title="Journée de l’Ain", date=dt.date(2022, 11, 25))
    day_isere = EventFactory(campaign=campaign, health_territory=isere, past=True,
                             title="Journée de l’Isère", date=dt.date(2022, 12, 2))
    restitution = EventFactory(campaign=campaign, health_territory=None,
                               department=Department.objects.get(code="69"),
                               kind=Event.Kind.REGIONAL_RESTITUTION, past=True,
                               title="Restitution régionale avec la CRSA")
    contributions = [ContributionFactory(event=day_ain, text=t) for t in AIN]
    contributions += [ContributionFactory(event=day_isere, text=t) for t in ISERE]
    return World(
        campaign=campaign, theme=theme, ain=ain, isere=isere, day_ain=day_ain,
        day_isere=day_isere, restitution=restitution, contributions=contributions,
        ars=agency_organiser("84"), cts_ain=organiser_of(ain),
        ars_elsewhere=agency_organiser("24"), cts_elsewhere=organiser_of(make_territory("28")),
        outsider=UserFactory(),
    )


@pytest.fixture
def world() -> World:
    return build_world()


def regional(world: World, **kwargs):
    """The consolidation of the two days, as the ARS makes it, with its duplicate detection
    run as after the commit (the task enqueued on commit, run at once by the tests'
    ImmediateBackend)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        synthesis = consolidation.consolidate(
            scope=scope_for(world.ars), user=world.ars, campaign=world.campaign,
            region=world.ain.region, days=[world.day_ain, world.day_isere],
            includes_online=True, title="Consolidation régionale",
            validation_event=world.restitution, **kwargs)
    synthesis.refresh_from_db()
    return synthesis


def drafted(world: World):
    """A regional synthesis whose suggestions are accepted and whose texts are written."""
    synthesis = regional(world)
    scope = scope_for(world.ars)
    editing.accept_all(scope=scope, user=world.ars, synthesis=synthesis)
    for group in synthesis.groups.all():
        editing.update_group(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                              title=group.title, kind=group.kind, theme=world.theme,
                              text=f"Proposition : {group.title}.")
    synthesis.refresh_from_db()
    return synthesis


def submitted(world: World):
    synthesis = drafted(world)
    services.transition(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis,
                        target="in_validation")
    synthesis.refresh_from_db()
    return synthesis


def validated(world: World):
    synthesis = submitted(world)
    scope = scope_for(world.ars)
    for group in synthesis.groups.all():
        services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                                 outcome="adopted", votes_for=20, votes_against=3,
                                 abstentions=1)
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="validated")
    synthesis.refresh_from_db()
    return synthesis
