"""Each moderation button says what it records: a person who clicks « Masquer » expects a
hidden contribution, and the lifecycle has none, only « Refusée »."""

import pytest
from django.urls import reverse

from concertation.contributions import services
from concertation.contributions.models import ContributionState, Report
from concertation.contributions.workflow import LIFECYCLE
from tests.factories import EventFactory, WorkshopFactory, organiser_of

pytestmark = pytest.mark.django_db


def test_every_button_to_a_refusal_says_refuse():
    to_rejected = [t for t in LIFECYCLE if t.target == ContributionState.REJECTED]
    assert to_rejected
    for transition in to_rejected:
        assert transition.action.startswith("Refuser"), transition


def test_the_day_page_offers_to_refuse_a_published_contribution_and_records_a_refusal(client):
    event = EventFactory(open=True)
    workshop = WorkshopFactory(event=event)
    contribution = services.capture(workshop=workshop, user=None, text="Un texte",
                                    client_id="lbl-1").contribution
    client.force_login(organiser_of(event.health_territory))
    page = client.get(reverse("contributions_backoffice:day", args=[event.pk])).content.decode()
    assert "Masquer" not in page
    assert "Refuser et retirer du site" in page
    assert "Motif du refus" in page
    client.post(reverse("contributions_backoffice:change_state", args=[event.pk, contribution.pk]),
                {"target": ContributionState.REJECTED, "reason": "Hors sujet"})
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.REJECTED
    page = client.get(reverse("contributions_backoffice:day", args=[event.pk])).content.decode()
    assert "Refusée" in page


def test_the_moderation_queue_offers_to_refuse_a_reported_contribution(client):
    event = EventFactory(open=True)
    workshop = WorkshopFactory(event=event)
    contribution = services.capture(workshop=workshop, user=None, text="Un texte signalé",
                                    client_id="lbl-2").contribution
    Report.objects.create(contribution=contribution, reason="Propos injurieux")
    client.force_login(organiser_of(event.health_territory))
    page = client.get(reverse("contributions_backoffice:moderation")).content.decode()
    assert "Un texte signalé" in page
    assert "Masquer" not in page
    assert "Refuser et retirer du site" in page
