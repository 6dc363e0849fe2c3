"""A day's documents follow the day's page: public once the day is published, before that
(and for a day withdrawn from the site) only to the organisers whose scope covers it; 404 to
anyone else, so a draft's existence does not leak."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from concertation.events.models import Document, EventState
from tests.downloads import PDF, assert_not_served, read
from tests.factories import (
    EventFactory,
    UserFactory,
    agency_organiser,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db

def _document(event) -> Document:
    return Document.objects.create(event=event, title="Programme de la journée", size=len(PDF),
                                   file=ContentFile(PDF, name="programme.pdf"))


def _url(document: Document) -> str:
    return reverse("events:document", args=[document.event.slug, document.pk,
                                            "programme.pdf"])


def _user(role: str, event):
    return {
        "anonymous": lambda: None,
        "user_without_membership": UserFactory,
        "cts_of_territory": lambda: organiser_of(event.health_territory),
        "ars_of_region": lambda: agency_organiser("24"),
        "cts_elsewhere": lambda: organiser_of(make_territory("69")),
        "ars_elsewhere": lambda: agency_organiser("84"),
    }[role]()


DRAFT_EXPECTED = {"anonymous": 404, "user_without_membership": 404, "cts_of_territory": 200,
                  "ars_of_region": 200, "cts_elsewhere": 404, "ars_elsewhere": 404}


@pytest.mark.parametrize("role", list(DRAFT_EXPECTED))
def test_a_draft_days_document_reaches_only_its_organisers(client, role):
    event = EventFactory(draft=True)
    document = _document(event)
    user = _user(role, event)
    if user:
        client.force_login(user)
    response = client.get(_url(document))
    assert response.status_code == DRAFT_EXPECTED[role]
    if response.status_code == 200:
        assert read(response) == PDF
    # The old guessable path serves nothing to anyone.
    assert_not_served(client, document.file.name)


def test_a_day_withdrawn_from_the_site_hides_its_documents(client):
    event = EventFactory(is_public=False)
    document = _document(event)
    assert client.get(_url(document)).status_code == 404
    client.force_login(organiser_of(event.health_territory))
    response = client.get(_url(document))
    assert response.status_code == 200 and read(response) == PDF


@pytest.mark.parametrize("state", [EventState.PUBLISHED, EventState.HELD,
                                   EventState.CANCELLED])
def test_a_public_days_document_reaches_anyone(client, state):
    event = EventFactory(state=state)
    document = _document(event)
    page = client.get(event.get_absolute_url()).content.decode()
    assert f'href="{_url(document)}"' in page
    response = client.get(_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="programme.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert read(response) == PDF


def test_a_url_that_does_not_match_the_document_is_a_404(client):
    event, other = EventFactory(), EventFactory()
    document = _document(event)
    args = [event.slug, document.pk]
    assert client.get(reverse("events:document", args=[*args, "autre.pdf"])).status_code == 404
    assert client.get(reverse("events:document", args=[other.slug, document.pk,
                                                       "programme.pdf"])).status_code == 404
    assert client.get(reverse("events:document", args=[event.slug, document.pk + 1,
                                                       "programme.pdf"])).status_code == 404
    assert client.post(_url(document)).status_code == 405


def test_the_back_office_links_a_drafts_document_to_its_view(client):
    event = EventFactory(draft=True)
    document = _document(event)
    client.force_login(organiser_of(event.health_territory))
    page = client.get(reverse("backoffice:manage", args=[event.pk])).content.decode()
    assert f'href="{_url(document)}"' in page
    assert "/media/" not in page


def test_handed_to_nginx_when_configured(client, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    event = EventFactory()
    document = _document(event)
    response = client.get(_url(document))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert response.content == b""
    # The check still happens in Django: a draft's document is not handed over.
    draft_document = _document(EventFactory(draft=True))
    response = client.get(_url(draft_document))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_query_count_for_a_public_document(client, django_assert_num_queries):
    document = _document(EventFactory())
    with django_assert_num_queries(1):  # the document, within a public day
        response = client.get(_url(document))
    assert response.status_code == 200 and read(response) == PDF
