"""Live capture: « Modifier » and « Supprimer » on every entry, the undo, and the projector
view for the room (its own chrome-less page, large type, QR code to vote)."""

import re

import pytest
from django.urls import reverse

from concertation.contributions import capture_service, services
from concertation.contributions.models import (
    Contribution,
    ContributionState,
    ContributionTransition,
    Facilitation,
    Vote,
)
from concertation.events.models import EventState
from tests.factories import EventFactory, UserFactory, WorkshopFactory

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def workshop():
    return WorkshopFactory(event=EventFactory(state=EventState.HELD))


@pytest.fixture
def facilitator(workshop):
    user = UserFactory()
    Facilitation.objects.create(user=user, workshop=workshop)
    return user


@pytest.fixture
def entry(workshop, facilitator):
    return services.capture(workshop=workshop, user=facilitator, text="Un cabinet à Ambert",
                            client_id="c-1").contribution


def urls(workshop, entry):
    return {name: reverse(f"contributions:capture_{name}", args=[workshop.pk, entry.pk])
            for name in ("edit", "delete", "restore")}


def test_each_entry_offers_modifier_and_supprimer(client, workshop, facilitator, entry):
    client.force_login(facilitator)
    page = client.get(reverse("contributions:capture", args=[workshop.pk])).content.decode()
    assert f'href="?modifier={entry.pk}#saisie-{entry.pk}"' in page
    assert urls(workshop, entry)["delete"] in page
    # The capture field has the focus on load, and the shortcuts are written on the page.
    assert re.search(r'<textarea[^>]*id="texte"[^>]*autofocus', page)
    assert "Raccourcis clavier" in page and "<kbd>Échap</kbd>" in page


def test_modifier_without_javascript_opens_the_form_in_place(client, workshop, facilitator,
                                                           entry):
    client.force_login(facilitator)
    page = client.get(reverse("contributions:capture", args=[workshop.pk]),
                      {"modifier": entry.pk}).content.decode()
    assert re.search(rf'<textarea[^>]*id="modifier-{entry.pk}"[^>]*autofocus', page)
    # Only one field has the focus: the new-entry field gives it up.
    assert not re.search(r'<textarea[^>]*id="texte"[^>]*autofocus', page)
    response = client.post(urls(workshop, entry)["edit"], {"text": "Deux cabinets à Ambert"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.text == "Deux cabinets à Ambert"
    assert "Proposition modifiée." in client.get(response["Location"]).content.decode()


def test_supprimer_asks_first_and_changes_nothing(client, workshop, facilitator, entry):
    client.force_login(facilitator)
    response = client.post(urls(workshop, entry)["delete"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "Supprimer la proposition" in page and "Un cabinet à Ambert" in page
    entry.refresh_from_db()
    assert entry.state == ContributionState.PUBLISHED


def test_delete_is_a_transition_keeping_votes_and_undo_restores(client, workshop, facilitator,
                                                                  entry):
    voter = UserFactory()
    services.vote(contribution=entry, value=Vote.Value.AGREE, user=voter)
    client.force_login(facilitator)
    response = client.post(urls(workshop, entry)["delete"], {"confirm": "1"})
    assert response.status_code == 302 and f"supprimee={entry.pk}" in response["Location"]
    entry.refresh_from_db()
    assert entry.state == ContributionState.WITHDRAWN
    assert Vote.objects.filter(contribution=entry).count() == 1 and entry.agree_count == 1
    log = ContributionTransition.objects.filter(contribution=entry).latest("id")
    assert (log.to_state, log.user) == (ContributionState.WITHDRAWN, facilitator)
    # Gone from the capture list, the projector and the public list; the undo is offered.
    page = client.get(response["Location"]).content.decode()
    assert 'id="saisies"' in page and f'id="saisie-{entry.pk}"' not in page
    assert "Annuler la suppression" in page and urls(workshop, entry)["restore"] in page
    wall = client.get(reverse("contributions:projector", args=[workshop.pk])).content.decode()
    assert "Un cabinet à Ambert" not in wall
    assert not Contribution.objects.visible().filter(pk=entry.pk).exists()

    response = client.post(urls(workshop, entry)["restore"], headers=JSON)
    assert response.status_code == 200 and response.json()["state"] == "published"
    entry.refresh_from_db()
    assert entry.state == ContributionState.PUBLISHED and entry.agree_count == 1


def test_json_delete_and_refusals(client, workshop, facilitator, entry):
    client.force_login(facilitator)
    response = client.post(urls(workshop, entry)["delete"], {"confirm": "1"}, headers=JSON)
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    # Twice: a clear French message, nothing changed.
    again = client.post(urls(workshop, entry)["delete"], {"confirm": "1"}, headers=JSON)
    assert again.status_code == 400 and "ne peut plus être supprimée" in again.json()["error"]
    edit = client.post(urls(workshop, entry)["edit"], {"text": "Autre"}, headers=JSON)
    assert edit.status_code == 400 and "annulez la suppression" in edit.json()["error"]
    entry.refresh_from_db()
    assert (entry.state, entry.text) == (ContributionState.WITHDRAWN, "Un cabinet à Ambert")


def test_an_entry_of_another_workshop_is_hidden(client, workshop, facilitator, entry):
    other = WorkshopFactory(event=workshop.event)
    client.force_login(facilitator)
    Facilitation.objects.create(user=facilitator, workshop=other)
    response = client.post(reverse("contributions:capture_delete", args=[other.pk, entry.pk]),
                           {"confirm": "1"})
    assert response.status_code == 404
    with pytest.raises(services.ContributionError):
        capture_service.withdraw_entry(workshop=other, contribution=entry, user=facilitator)
    entry.refresh_from_db()
    assert entry.state == ContributionState.PUBLISHED


def test_projector_has_its_own_page_large_type_and_a_qr_code(client, workshop, facilitator,
                                                             entry):
    client.force_login(facilitator)
    page = client.get(reverse("contributions:projector", args=[workshop.pk])).content.decode()
    assert "fr-header" not in page and "fr-footer" not in page
    assert "css/projector.css" in page and "js/projector.js" in page
    assert 'id="plein-ecran"' in page and "<script>" not in page  # CSP: no inline script
    svg = re.search(r'<svg [^>]*class="qr-code"[^>]*>.*?</svg>', page, re.S)
    assert svg and "style=" not in svg.group(0)
    join = f"testserver{reverse('contributions:list')}?event={workshop.event_id}"
    assert f'<p class="projector-url">{join}</p>' in page.replace("&amp;", "&")
    assert "0 pour · 0 contre" in page and 'hx-trigger="every 3s"' in page


def test_projector_qr_leads_to_the_open_priority_vote(client, workshop, facilitator, entry):
    vote = services.open_priority_vote(workshop=workshop, user=facilitator, points=5)
    client.force_login(facilitator)
    page = client.get(reverse("contributions:projector", args=[workshop.pk])).content.decode()
    path = reverse("contributions:priority_account", args=[vote.pk])
    assert f'<p class="projector-url">testserver{path}</p>' in page
    assert "Vote de priorité en cours" in page


def test_projector_is_for_the_workshop_team(client, workshop, entry):
    url = reverse("contributions:projector", args=[workshop.pk])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
