"""Unbounded input is refused at the door: form fields are bounded by their column (or a
sensible length), and a request body past the upload limit is refused from its
Content-Length, before anything is read or written to disk."""

from __future__ import annotations

import pytest
from django.conf import settings
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
