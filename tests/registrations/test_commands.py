import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from concertation.core.models import OutgoingEmail
from concertation.registrations import services
from concertation.registrations.models import Registration
from tests.factories import EventFactory, applicant

pytestmark = pytest.mark.django_db


def test_anonymise_command_is_a_dry_run_unless_told(capsys):
    event = EventFactory(open=True, date=timezone.localdate() + dt.timedelta(days=1))
    services.register(event=event, applicant=applicant(), workshops=[])
    EventFactory(past=True)  # a day without registrations is not listed
    event.date = timezone.localdate() - dt.timedelta(days=800)
    event.save()
    call_command("anonymise_registrations")
    assert "1 inscription(s) à anonymiser" in capsys.readouterr().out
    assert Registration.objects.get().email == "camille@example.org"
    call_command("anonymise_registrations", "--execute")
    assert "1 inscription(s) anonymisée(s)" in capsys.readouterr().out
    assert Registration.objects.get().email == ""


def test_reminders_go_once_to_confirmed_people_of_days_soon(
    capsys, django_capture_on_commit_callbacks
):
    soon = EventFactory(open=True, date=timezone.localdate() + dt.timedelta(days=1))
    later = EventFactory(open=True, date=timezone.localdate() + dt.timedelta(days=20))
    services.register(event=soon, applicant=applicant(email="bientot@example.org"),
                      workshops=[])
    services.register(event=later, applicant=applicant(email="plus-tard@example.org"),
                      workshops=[])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
        call_command("send_reminders")
    reminders = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.REMINDER)
    assert [r.registration.email for r in reminders] == ["bientot@example.org"]
    assert any(m.subject.startswith("Rappel") for m in mail.outbox)


def test_daily_chore_drops_expired_rate_limit_records(capsys):
    from concertation.accounts import magic
    from concertation.accounts.models import LoginToken
    from concertation.registrations.models import LinkRequest, RegistrationAttempt

    old = timezone.now() - dt.timedelta(hours=3)
    for at in (old, timezone.now()):
        services.check_link_request_limit(ip="1.2.3.4", email="a@example.org", now=at)
        RegistrationAttempt.objects.create(ip_hash="x", email_hash="y", at=at)
        LoginToken.objects.filter(pk=magic.issue("a@example.org").pk).update(created_at=at)
    call_command("send_reminders")
    assert "3 trace(s) de limitation effacée(s)" in capsys.readouterr().out
    assert RegistrationAttempt.objects.count() == LinkRequest.objects.count() == 1
    assert LoginToken.objects.count() == 1
