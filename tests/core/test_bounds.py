"""Unbounded input is refused at the door: form fields are bounded by their column (or a
sensible length), and a request body past the upload limit is refused from its
Content-Length, before anything is read or written to disk."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concertation.registrations.models import Registration
from tests.factories import EventFactory, ProjectFactory, make_territory, organiser_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(open=True, capacity=10)


def _form(**overrides):
    data = {"first_name": "Camille", "last_name": "Martin", "email": "camille@example.org",
            "organisation": "", "college": "usager", "accessibility_needs": "",
            "consent_processing": "on", "website": "", "submission_token": "jeton-1"}
    return data | overrides


def test_a_submission_token_longer_than_its_column_is_refused(client, event):
    response = client.post(reverse("registrations:register", args=[event.slug]),
                           _form(submission_token="x" * 10_000))
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_megabyte_of_accessibility_needs_is_refused(client, event):
    response = client.post(reverse("registrations:register", args=[event.slug]),
                           _form(accessibility_needs="a" * 1_000_000))
    assert response.status_code == 400
    assert "au plus 1000 caractères" in response.content.decode()
    assert not Registration.objects.exists()


def test_accessibility_needs_within_the_bound_register(client, event):
    response = client.post(reverse("registrations:register", args=[event.slug]),
                           _form(accessibility_needs="Accès en fauteuil " * 50))
    assert response.status_code == 302
    assert Registration.objects.get().accessibility_needs.startswith("Accès en fauteuil")


def test_a_body_past_the_limit_is_refused_before_it_is_read(client, monkeypatch):
    project = ProjectFactory(health_territory=make_territory("28"), in_progress=True)
    client.force_login(organiser_of(project.health_territory))

    def never(self):
        raise AssertionError("the body was read")

    from django.http.request import HttpRequest

    monkeypatch.setattr(HttpRequest, "_load_post_and_files", never)
    monkeypatch.setattr(HttpRequest, "read", never)
    # A 60 MB upload announced by its Content-Length; the body itself never gets read.
    response = client.generic("POST", reverse("projects_backoffice:import"), b"x",
                              content_type="multipart/form-data; boundary=b",
                              CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert response.status_code == 413
    page = response.content.decode()
    assert "Fichier trop volumineux" in page and "10 Mo" in page


def test_a_body_within_the_limit_goes_through(client, settings):
    settings.MAX_REQUEST_BODY = 2000
    response = client.post(reverse("accounts:login"), {"username": "x" * 3000})
    assert response.status_code == 413
    response = client.post(reverse("accounts:login"), {"username": "x"})
    assert response.status_code == 200


def test_request_body_limits_are_set():
    assert settings.MAX_REQUEST_BODY <= settings.MAX_DOCUMENT_SIZE + 1024 * 1024
    # Non-file fields never need more than Django's default (files are counted apart).
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440


@pytest.fixture
def written(monkeypatch):
    """The bytes of uploaded files written to a temporary file on disk, and those files."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    seen = {"bytes": 0, "files": []}
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        seen["bytes"] += len(raw_data)
        if self.file not in seen["files"]:
            seen["files"].append(self.file)
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    return seen


def test_a_file_past_the_limit_is_stopped_while_it_streams_in(client, settings, written):
    """Its Content-Length is within the body limit: before, all of it was written to a
    temporary file, then the form refused it."""
    from concertation.events.models import Document

    settings.MAX_DOCUMENT_SIZE = 200_000
    settings.MAX_REQUEST_BODY = 5_000_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000  # past this, to a temporary file on disk
    event = EventFactory()
    client.force_login(organiser_of(event.health_territory))
    big = SimpleUploadedFile("gros.pdf", b"%PDF-1.4\n" + b"0" * 1_000_000,
                             content_type="application/pdf")
    response = client.post(reverse("backoffice:add_document", args=[event.pk]),
                           {"title": "Gros", "file": big})
    assert response.status_code == 413 and response["Connection"] == "close"
    page = response.content.decode()
    assert "Fichier trop volumineux" in page and "Rien n’a été enregistré" in page
    assert not Document.objects.exists()
    # Reading stopped at the limit: what was written of the file is no more than the limit,
    # and its temporary file is gone.
    assert 0 < written["bytes"] <= settings.MAX_DOCUMENT_SIZE
    assert [f.closed for f in written["files"]] == [True]
    assert not os.path.exists(written["files"][0].name)


def test_a_file_within_the_limit_is_kept_whole(client, settings, written):
    from concertation.events.models import Document

    settings.MAX_DOCUMENT_SIZE = 200_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000
    event = EventFactory()
    client.force_login(organiser_of(event.health_territory))
    content = b"%PDF-1.4\n" + b"0" * 150_000 + b"\n%%EOF\n"
    response = client.post(reverse("backoffice:add_document", args=[event.pk]), {
        "title": "Programme",
        "file": SimpleUploadedFile("programme.pdf", content, content_type="application/pdf")})
    assert response.status_code == 302
    assert Document.objects.get().size == len(content) == written["bytes"]


def test_fields_past_the_form_limit_get_the_french_page(client, settings):
    """Django's own refusal (DATA_UPLOAD_MAX_MEMORY_SIZE) answered « Bad Request (400) » in
    English."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(reverse("accounts:login"), {"username": "x" * 2000})
    assert response.status_code == 413
    assert "Formulaire trop volumineux" in response.content.decode()


def test_too_many_fields_get_the_french_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = client.post(reverse("accounts:login"), {f"f{i}": "x" for i in range(20)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Demande illisible" in page and "Rien n’a été enregistré" in page
