"""The protected-download helper: headers, the hand-over to the front web server, and the end
of the public /media/ route."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from concertation.core.downloads import serve_file
from concertation.events.models import Document
from tests.downloads import PDF, assert_not_served
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

@pytest.fixture
def stored():
    return default_storage.save("syntheses/abc123/rapport été.pdf", ContentFile(PDF))


def _get():
    return RequestFactory().get("/")


def read(response) -> bytes:
    # Called directly, not through the test client: close the file as the server would.
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_streams_the_file_with_safe_headers(stored):
    response = serve_file(_get(), stored, content_type="application/pdf")
    assert read(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    # The accented name travels RFC 6266 style, never raw in the header.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''rapport%20%C3%A9t%C3%A9.pdf")
    assert "X-Accel-Redirect" not in response


def test_inline_only_for_harmless_types(stored):
    response = serve_file(_get(), stored, inline=True)
    read(response)
    assert response["Content-Disposition"].startswith("inline")
    html = default_storage.save("x/page.html", ContentFile(b"<script>alert(1)</script>"))
    response = serve_file(_get(), html, inline=True)
    read(response)
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["Content-Type"] == "text/html"


def test_filename_given_by_the_caller_is_cleaned(stored):
    response = serve_file(_get(), stored, filename="../../etc/pass\nwd.pdf")
    read(response)
    assert response["Content-Disposition"] == 'attachment; filename="passwd.pdf"'


def test_missing_file_is_a_404():
    from django.http import Http404

    with pytest.raises(Http404):
        serve_file(_get(), "syntheses/nothing/here.pdf")
    with pytest.raises(Http404):
        serve_file(_get(), "")


def test_accel_redirect_hands_the_file_to_nginx(settings, stored):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response = serve_file(_get(), stored, content_type="application/pdf")
    assert response["X-Accel-Redirect"] == (
        "/protected-media/syntheses/abc123/rapport%20%C3%A9t%C3%A9.pdf")
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_x_sendfile_gives_the_absolute_path(settings):
    settings.MEDIA_X_SENDFILE = True
    name = default_storage.save("documents/1/programme.pdf", ContentFile(PDF))
    response = serve_file(_get(), name)
    assert response["X-Sendfile"] == str(settings.MEDIA_ROOT / "documents/1/programme.pdf")
    assert response.content == b""
    # A path the header cannot carry as is: Django streams the file itself.
    accented = default_storage.save("documents/1/compte rendu été.pdf", ContentFile(PDF))
    response = serve_file(_get(), accented)
    assert "X-Sendfile" not in response
    assert read(response) == PDF


def test_the_old_public_media_path_is_gone(client):
    event = EventFactory()  # published: its page is public, its files go through its view
    document = Document.objects.create(event=event, title="Programme", size=len(PDF),
                                       file=ContentFile(PDF, name="programme.pdf"))
    assert client.get(event.get_absolute_url()).status_code == 200
    assert_not_served(client, document.file.name)
    assert client.get("/media/").status_code == 404
