"""Rate limits that stop abuse without locking people out, and a sign-up form that tells
nobody whether an address is registered (the e-mail tells its owner)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from concertation.registrations.models import Registration
from concertation.registrations.tokens import read_token
from tests.factories import EventFactory, WorkshopFactory, signup_form

pytestmark = pytest.mark.django_db

VENUE = "198.51.100.20"  # a venue's Wi-Fi: everyone behind one NAT


@pytest.fixture
def day():
    event = EventFactory(open=True, capacity=90)
    WorkshopFactory(event=event, capacity=45)
    return event


_form = signup_form


def _sign_up(client, event, ip=VENUE, **overrides):
    return client.post(reverse("registrations:register", args=[event.slug]),
                       _form(event, **overrides), REMOTE_ADDR=ip)


def _ask_link(client, email, ip=VENUE):
    return client.post(reverse("front:magic_request"), {"email": email}, REMOTE_ADDR=ip)


# --- Separate counters ---------------------------------------------------------------------


def test_login_link_requests_use_up_no_sign_ups_from_the_same_address(client, day, settings):
    settings.REGISTRATION_RATE_PER_IP = 3
    for n in range(3):
        page = _ask_link(client, f"p{n}@example.org").content.decode()
        assert "Consultez votre messagerie" in page
    for n in range(3):
        assert _sign_up(client, day, email=f"s{n}@example.org",
                        submission_token=f"t{n}").status_code == 302
    assert Registration.objects.count() == 3


def test_sign_ups_use_up_no_login_links_from_the_same_address(client, day, settings):
    settings.REGISTRATION_RATE_PER_IP = 2
    for n in range(2):
        _sign_up(client, day, email=f"s{n}@example.org", submission_token=f"t{n}")
    assert "Consultez votre messagerie" in _ask_link(client, "p@example.org").content.decode()


def test_login_links_have_their_own_limits(client, settings):
    settings.LINK_REQUEST_RATE_PER_IP = 2
    settings.LINK_REQUEST_RATE_PER_EMAIL = 2
    for ip in ("192.0.2.1", "192.0.2.2"):
        assert _ask_link(client, "lea@example.org", ip=ip).status_code == 200
    refused = _ask_link(client, "lea@example.org", ip="192.0.2.3").content.decode()
    assert "déjà été envoyés à cette adresse" in refused
    _ask_link(client, "a@example.org", ip="192.0.2.1")
    refused = _ask_link(client, "b@example.org", ip="192.0.2.1").content.decode()
    assert "Trop de demandes depuis cette connexion" in refused


def test_login_link_requests_for_an_address_never_block_its_owner_from_signing_up(
        client, day):
    for n in range(8):
        _ask_link(client, "camille@example.org", ip=f"192.0.2.{n + 1}")
    assert _sign_up(client, day, ip="203.0.113.9").status_code == 302
    assert Registration.objects.filter(email="camille@example.org").exists()


def test_sign_up_attempts_with_an_address_never_block_its_owner(
        client, day, settings, django_capture_on_commit_callbacks):
    """Someone submits another person's address over and over (here to a day already taken):
    the owner can still sign up to another day, and gets a bounded number of mails."""
    other = EventFactory(open=True, capacity=90)
    WorkshopFactory(event=other, capacity=45)
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(client, day, ip="192.0.2.1", submission_token="first")
        for n in range(8):
            _sign_up(client, day, ip=f"192.0.2.{n + 2}", submission_token=f"again-{n}")
    assert _sign_up(client, other, ip="203.0.113.9", submission_token="owner").status_code == 302
    assert Registration.objects.filter(email="camille@example.org").count() == 2
    reminders = [m for m in mail.outbox if m.subject.startswith("Vous êtes déjà inscrit(e)")]
    assert len(reminders) == settings.REGISTRATION_RATE_PER_EMAIL - 1


# --- No enumeration at sign-up -------------------------------------------------------------


def test_the_form_answers_alike_whether_or_not_the_address_is_registered(
        client, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new = _sign_up(client, day, email="camille@example.org", submission_token="t1")
    first = Registration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = _sign_up(client, day, email="Camille@example.org", submission_token="t2")
        other = _sign_up(client, day, email="dominique@example.org", submission_token="t3")
    assert new.status_code == again.status_code == other.status_code == 302
    assert new["Location"] == again["Location"] == other["Location"]
    assert Registration.objects.count() == 2
    page = client.get(again["Location"]).content.decode()
    assert "déjà inscrit" not in page and "Consultez votre messagerie" in page
    # The owner learns it by e-mail, with their own personal link.
    reminder = mail.outbox[-2]
    assert reminder.to == ["camille@example.org"]
    assert reminder.subject == f"Vous êtes déjà inscrit(e) : {day.title}"
    assert "vous étiez déjà inscrit(e)" in reminder.body
    token = re.search(r"/inscriptions/([^/\s]+)/", reminder.body).group(1)
    assert read_token(token) == first


def test_a_replayed_form_leads_to_the_same_registration_and_mails_once(
        client, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _sign_up(client, day)
        again = _sign_up(client, day)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Registration.objects.count() == 1
    assert len(mail.outbox) == 1  # the confirmation; a replay is not a second sign-up
