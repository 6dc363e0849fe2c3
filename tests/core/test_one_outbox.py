"""Every mail kind goes through the one retried outbox (issue 16): a login link, a password
link or a facilitator's notice asked while the mail server is down is kept and sent once it
is back — they used to be sent once by a task and lost on failure, while the page said the
link was sent; a message that can never go is closed with its reason, not retried forever."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from concertation.core.models import OutgoingEmail
from concertation.core.outbox import retry_pending
from tests.factories import WorkshopFactory, make_territory, organiser_of
from tests.smtp import smtp_server

pytestmark = pytest.mark.django_db


def _smtp(settings, port: int) -> None:
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
    }}


def _closed_port() -> int:
    # A port nobody listens on: the connection is refused, as when the mail server is down.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _resend_when_back(settings, capture, address: str, subject: str):
    with smtp_server() as (port, mailbox):
        _smtp(settings, port)
        with capture(execute=True):
            assert retry_pending() == 1
        received = mailbox.wait_to(address, subject)
        assert len(mailbox.to(address)) == 1
    return received


def test_a_login_link_asked_while_mail_is_down_is_sent_when_it_is_back(
        client, settings, django_capture_on_commit_callbacks):
    _smtp(settings, _closed_port())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("front:magic_request"),
                               {"email": "lea@example.org", "next": "/contributions/"})
    assert response.status_code == 200
    outgoing = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.LOGIN_LINK)
    assert outgoing.sent_at is None and outgoing.attempts == 1
    assert "Connection refused" in outgoing.last_error or "ConnectionRefused" in outgoing.last_error

    received = _resend_when_back(settings, django_capture_on_commit_callbacks,
                                 "lea@example.org", "Votre lien de connexion")
    url = received.link(r"/compte/lien/")
    assert client.post(urlsplit(url).path)["Location"] == "/contributions/"
    outgoing.refresh_from_db()
    assert outgoing.sent_at is not None and outgoing.attempts == 2 and outgoing.last_error == ""


def test_a_login_link_past_its_minutes_is_closed_not_sent(
        client, settings, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from concertation.accounts.models import LoginToken

    _smtp(settings, _closed_port())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("front:magic_request"), {"email": "lea@example.org"})
    LoginToken.objects.update(created_at=timezone.now() - timezone.timedelta(hours=1))
    with smtp_server() as (port, mailbox):
        _smtp(settings, port)
        with django_capture_on_commit_callbacks(execute=True):
            retry_pending()
        assert mailbox.messages == []
    outgoing = OutgoingEmail.objects.get()
    assert outgoing.attempts >= settings.EMAIL_MAX_ATTEMPTS
    assert "expiré ou déjà utilisé" in outgoing.last_error
    assert retry_pending() == 0  # closed: never queued again


def test_a_password_link_asked_while_mail_is_down_is_sent_when_it_is_back(
        client, settings, django_capture_on_commit_callbacks):
    user = organiser_of(make_territory("28"))
    user.email = "orga@example.org"
    user.save()
    _smtp(settings, _closed_port())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "orga@example.org"})
    assert OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_LINK).attempts == 1
    _resend_when_back(settings, django_capture_on_commit_callbacks, "orga@example.org",
                      "Choisir votre mot de passe")


def test_a_facilitators_notice_is_kept_while_mail_is_down(
        settings, django_capture_on_commit_callbacks):
    from concertation.accounts.scope import scope_for
    from concertation.contributions import facilitation

    workshop = WorkshopFactory()
    organiser = organiser_of(workshop.event.health_territory)
    _smtp(settings, _closed_port())
    with django_capture_on_commit_callbacks(execute=True):
        facilitation.assign(scope=scope_for(organiser), workshop=workshop,
                            email="anim@example.org")
    outgoing = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.FACILITATION)
    assert outgoing.sent_at is None and outgoing.attempts == 1
    _resend_when_back(settings, django_capture_on_commit_callbacks, "anim@example.org", "")
