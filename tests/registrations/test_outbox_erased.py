"""An e-mail whose registration was erased (no address left) is closed, not retried: the
daily `send_reminders` re-queued it, and every one before it, forever."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from concertation.core import outbox
from concertation.core.models import OutgoingEmail
from concertation.core.outbox import deliver_email
from concertation.registrations import services
from tests.factories import EventFactory, applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased():
    """A sign-up whose mails never left (the mail server was down; the on-commit delivery of
    this test's transaction never runs), then erased at the participant's request."""
    event = EventFactory(open=True, date=timezone.localdate() + dt.timedelta(days=20))
    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[]).registration
    services.erase(registration)
    registration.refresh_from_db()
    assert registration.email == "" and OutgoingEmail.objects.filter(sent_at=None).exists()
    return registration


def test_send_reminders_closes_mails_without_an_address(erased, capsys):
    for _ in range(2):
        call_command("send_reminders")
        assert "0 courriel(s) relancé(s)" in capsys.readouterr().out
    for row in OutgoingEmail.objects.filter(registration=erased):
        assert row.sent_at is None and row.attempts >= settings.EMAIL_MAX_ATTEMPTS
        assert "Aucune adresse" in row.last_error
    assert mail.outbox == []


def test_the_delivery_task_closes_a_mail_without_an_address(erased):
    row = OutgoingEmail.objects.filter(registration=erased).first()
    assert deliver_email.call(row.pk) == "closed"
    row.refresh_from_db()
    assert row.attempts >= settings.EMAIL_MAX_ATTEMPTS and "Aucune adresse" in row.last_error
    call_command("send_reminders")
    row.refresh_from_db()
    assert row.attempts == settings.EMAIL_MAX_ATTEMPTS  # not tried again


def test_mails_with_an_address_are_still_retried(capsys):
    event = EventFactory(open=True, date=timezone.localdate() + dt.timedelta(days=20))
    services.register(event=event, applicant=applicant(), workshops=[])
    # Its delivery is queued: not queued again while it may still run…
    call_command("send_reminders")
    assert "0 courriel(s) relancé(s)" in capsys.readouterr().out
    # …but once it should have run long ago (its task lost with a killed worker), it is.
    OutgoingEmail.objects.update(created_at=timezone.now() - outbox.STALE_AFTER
                                 - dt.timedelta(minutes=1))
    call_command("send_reminders")
    assert "1 courriel(s) relancé(s)" in capsys.readouterr().out
