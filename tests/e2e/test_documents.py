"""A day's document in Chromium: a visitor downloads it from the public page of a published day
(through its checked view, under its own name); the document of a draft is a 404 page to the
visitor, and its organiser downloads it from the back-office."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from concertation.events.models import Document
from tests.downloads import PDF
from tests.factories import EventFactory, organiser_of

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _document(event) -> Document:
    return Document.objects.create(event=event, title="Programme de la journée", size=len(PDF),
                                   file=ContentFile(PDF, name="programme.pdf"))


def test_public_and_draft_documents(open_site, tmp_path):
    published = EventFactory()
    public_document = _document(published)
    draft = EventFactory(draft=True)
    draft_document = _document(draft)

    visitor = open_site()
    visitor.goto(published.get_absolute_url())
    with visitor.page.expect_download() as info:
        visitor.page.get_by_role("link", name="Programme de la journée").click()
    assert info.value.suggested_filename == "programme.pdf"
    assert info.value.url.endswith(f"/documents/{public_document.pk}/programme.pdf")
    saved = tmp_path / "public.pdf"
    info.value.save_as(saved)
    assert Path(saved).read_bytes() == PDF
    # The draft's document answers the site's 404 page. (The stored path under /media/ is not
    # tried here: Django's live test server serves MEDIA_URL by itself, whatever the URLs say;
    # the view tests check that the project's URLs leave it unrouted.)
    visitor.goto(f"/journees/{draft.slug}/documents/{draft_document.pk}/programme.pdf",
                 status=404)
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Page non trouvée")
    visitor.assert_healthy()

    organiser = open_site()
    user = organiser_of(draft.health_territory)
    organiser.goto("/compte/connexion/")
    organiser.page.locator("#id_username").fill(user.username)
    organiser.page.locator("#id_password").fill("mot-de-passe-test")
    organiser.page.get_by_role("button", name="Se connecter").click()
    expect(organiser.page).to_have_url(organiser.url("/espace-organisateur/"))
    organiser.goto(f"/espace-organisateur/journees/{draft.pk}/")
    with organiser.page.expect_download() as info:
        # The back-office link has no download attribute: the attachment header decides.
        organiser.page.get_by_role("link", name="Programme de la journée").click()
    assert info.value.suggested_filename == "programme.pdf"
    saved = tmp_path / "draft.pdf"
    info.value.save_as(saved)
    assert Path(saved).read_bytes() == PDF
    organiser.assert_healthy()
