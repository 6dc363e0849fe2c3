"""Irreversible actions ask first: a post without `confirm=1` changes nothing and answers the
confirmation page (what will happen, in French, and the same fields posted again); with it,
the action is done. One shared step (`core.confirm`), tested here on each action."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from concertation.contributions import services as contributions
from concertation.contributions.models import PriorityVote
from concertation.events.models import Event, EventState
from concertation.registrations.models import Registration, RegistrationStatus
from concertation.registrations.services import register
from concertation.registrations.tokens import make_token
from concertation.synthesis.models import Synthesis, SynthesisState
from tests.factories import EventFactory, WorkshopFactory, applicant, organiser_of
from tests.synthesis.workspace_world import drafted, validated, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]


def _asks(response, *, title: str, button: str) -> str:
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<title>Confirmer : {title}" in page
    assert "Ce qui va se passer" in page
    assert f">{button}</button>" in page
    assert re.search(r'<input type="hidden" name="confirm" value="1">', page)
    return page


def test_cancelling_a_registration(client):
    event = EventFactory(open=True)
    registration = register(event=event, applicant=applicant(email="a@example.org"),
                            workshops=[]).registration
    url = reverse("registrations:cancel", args=[make_token(registration)])
    _asks(client.post(url), title="annuler votre inscription",
          button="Oui, annuler mon inscription")
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CONFIRMED
    client.post(url, {"confirm": "1"})
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CANCELLED


def test_closing_a_priority_vote(client):
    workshop = WorkshopFactory(event=EventFactory(open=True))
    contributions.capture(workshop=workshop, user=None, text="Une idée", client_id="pv-1")
    vote = contributions.open_priority_vote(workshop=workshop, user=None, points=10)
    client.force_login(organiser_of(workshop.event.health_territory))
    url = reverse("contributions:priority_close", args=[workshop.pk, vote.pk])
    _asks(client.post(url), title="clore le vote de priorité", button="Oui, clore le vote")
    assert PriorityVote.objects.get(pk=vote.pk).is_open
    client.post(url, {"confirm": "1"})
    assert not PriorityVote.objects.get(pk=vote.pk).is_open


def test_publishing_a_restitution(client):
    event = EventFactory(past=True)
    Event.objects.filter(pk=event.pk).update(state=EventState.HELD)
    client.force_login(organiser_of(event.health_territory))
    url = reverse("backoffice:change_state", args=[event.pk])
    page = _asks(client.post(url, {"target": EventState.RESTITUTION_PUBLISHED}),
                 title="publier la restitution", button="Oui, publier la restitution")
    # The first post's fields go along with the confirmation.
    assert '<input type="hidden" name="target" value="restitution_published">' in page
    assert Event.objects.get(pk=event.pk).state == EventState.HELD
    client.post(url, {"target": EventState.RESTITUTION_PUBLISHED, "confirm": "1"})
    assert Event.objects.get(pk=event.pk).state == EventState.RESTITUTION_PUBLISHED


def test_a_reversible_change_of_a_day_asks_nothing(client):
    event = EventFactory(past=True)
    client.force_login(organiser_of(event.health_territory))
    Event.objects.filter(pk=event.pk).update(state=EventState.REGISTRATION_OPEN)
    client.post(reverse("backoffice:change_state", args=[event.pk]),
                {"target": EventState.REGISTRATION_CLOSED})
    assert Event.objects.get(pk=event.pk).state == EventState.REGISTRATION_CLOSED


def test_submitting_a_synthesis_to_the_crsa(client, world):
    synthesis = drafted(world)
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:change_state", args=[synthesis.pk])
    fields = {"target": "in_validation", "revision": synthesis.revision}
    page = _asks(client.post(url, fields), title="soumettre la synthèse à la CRSA",
                 button="Oui, soumettre à la CRSA")
    assert f'<input type="hidden" name="revision" value="{synthesis.revision}">' in page
    assert Synthesis.objects.get(pk=synthesis.pk).state == SynthesisState.DRAFT
    response = client.post(url, {**fields, "confirm": "1"})
    assert response.status_code == 302
    assert Synthesis.objects.get(pk=synthesis.pk).state == SynthesisState.IN_VALIDATION


def test_transmitting_an_edition(client, world):
    synthesis = validated(world)
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:change_state", args=[synthesis.pk])
    fields = {"target": "transmitted", "revision": synthesis.revision}
    _asks(client.post(url, fields), title="marquer la version comme transmise au ministère",
          button="Oui, transmettre et figer cette version")
    assert Synthesis.objects.get(pk=synthesis.pk).state == SynthesisState.VALIDATED
    client.post(url, {**fields, "confirm": "1"})
    assert Synthesis.objects.get(pk=synthesis.pk).state == SynthesisState.TRANSMITTED


def test_no_confirmation_page_for_a_synthesis_outside_the_scope(client, world):
    synthesis = drafted(world)
    client.force_login(world.ars_elsewhere)
    response = client.post(reverse("synthesis_backoffice:change_state", args=[synthesis.pk]),
                           {"target": "in_validation", "revision": synthesis.revision})
    assert response.status_code == 404
