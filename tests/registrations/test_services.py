import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from concertation.core.models import OutgoingEmail
from concertation.events.models import EventState
from concertation.registrations import services
from concertation.registrations.models import (
    Registration,
    RegistrationStatus,
)
from tests.factories import EventFactory, WorkshopFactory, applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    event = EventFactory(open=True, capacity=2)
    WorkshopFactory(event=event, title="Atelier A", capacity=2)
    WorkshopFactory(event=event, title="Atelier B", capacity=1)
    return event


def _register(event, email, workshop=None, **kwargs):
    workshops = [workshop] if workshop else []
    return services.register(event=event, applicant=applicant(email=email, **kwargs),
                             workshops=workshops).registration


def test_full_day_puts_people_on_the_waiting_list_and_cancellation_promotes(
    event, django_capture_on_commit_callbacks
):
    a = event.workshops.get(title="Atelier A")
    with django_capture_on_commit_callbacks(execute=True):
        first = _register(event, "un@example.org", a)
        second = _register(event, "deux@example.org", a)
        third = _register(event, "trois@example.org", a)
    assert [r.status for r in (first, second, third)] == [
        RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    assert [m.subject.split(" :")[0] for m in mail.outbox] == [
        "Inscription confirmée", "Inscription confirmée", "Liste d’attente"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.cancel(first)
    third.refresh_from_db()
    assert promoted == [third] and third.status == RegistrationStatus.CONFIRMED
    assert {m.to[0]: m.subject.split(" :")[0] for m in mail.outbox} == {
        "un@example.org": "Inscription annulée",
        "trois@example.org": "Une place s’est libérée",
    }


def test_workshop_capacity_is_separate_from_the_day(event):
    b = event.workshops.get(title="Atelier B")
    assert _register(event, "un@example.org", b).status == RegistrationStatus.CONFIRMED
    assert _register(event, "deux@example.org", b).status == RegistrationStatus.WAITLISTED


def test_promotion_skips_people_whose_workshop_is_still_full(event):
    a, b = event.workshops.get(title="Atelier A"), event.workshops.get(title="Atelier B")
    event.capacity = None
    event.save()
    in_b = _register(event, "b1@example.org", b)
    _register(event, "a1@example.org", a)
    _register(event, "a2@example.org", a)
    waiting_b = _register(event, "b2@example.org", b)
    waiting_a = _register(event, "a3@example.org", a)
    assert waiting_b.status == waiting_a.status == RegistrationStatus.WAITLISTED
    services.cancel(Registration.objects.get(email="a1@example.org"))
    waiting_a.refresh_from_db()
    waiting_b.refresh_from_db()
    assert waiting_a.status == RegistrationStatus.CONFIRMED
    assert waiting_b.status == RegistrationStatus.WAITLISTED
    services.cancel(in_b)
    waiting_b.refresh_from_db()
    assert waiting_b.status == RegistrationStatus.CONFIRMED


def test_same_email_twice_takes_no_second_seat(event):
    _register(event, "Camille@Example.org")
    with pytest.raises(services.AlreadyRegistered):
        _register(event, "camille@example.org")
    assert Registration.objects.count() == 1


def test_a_replayed_submission_returns_the_same_registration(event):
    kwargs = {"event": event, "applicant": applicant(), "workshops": [],
              "submission_token": "jeton-unique"}
    first = services.register(**kwargs)
    again = services.register(**kwargs)
    assert first.created and not again.created
    assert again.registration == first.registration
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("state", "message"),
    [(EventState.PUBLISHED, "pas ouvertes"), (EventState.REGISTRATION_CLOSED, "pas ouvertes"),
     (EventState.CANCELLED, "annulée")],
)
def test_no_registration_unless_open(state, message):
    event = EventFactory(state=state)
    with pytest.raises(services.RegistrationError, match=message):
        _register(event, "x@example.org")
    assert not Registration.objects.exists()


def test_missing_consent_or_foreign_workshop_changes_nothing(event):
    other = WorkshopFactory(event=EventFactory(open=True))
    with pytest.raises(services.RegistrationError, match="accord"):
        services.register(event=event, applicant=applicant(consent_processing=False),
                          workshops=[])
    with pytest.raises(services.RegistrationError, match="n’appartient pas"):
        services.register(event=event, applicant=applicant(), workshops=[other])
    assert not Registration.objects.exists()


def test_changing_workshop_respects_capacity_and_frees_the_old_seat(event):
    a, b = event.workshops.get(title="Atelier A"), event.workshops.get(title="Atelier B")
    event.capacity = None
    event.save()
    mover = _register(event, "m@example.org", a)
    _register(event, "b@example.org", b)
    with pytest.raises(services.RegistrationError, match="complet"):
        services.change_workshops(mover, [b])
    assert list(mover.workshops.all()) == [a]
    _register(event, "a2@example.org", a)
    waiting = _register(event, "a3@example.org", a)
    assert waiting.status == RegistrationStatus.WAITLISTED
    services.cancel(Registration.objects.get(email="b@example.org"))
    services.change_workshops(mover, [b])
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_mail_down_loses_no_registration_and_is_retried(
    event, monkeypatch, django_capture_on_commit_callbacks
):
    from concertation.core import outbox

    def down(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("serveur injoignable")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", down)
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(event, "un@example.org")
    assert Registration.objects.filter(pk=registration.pk).exists()
    outgoing = OutgoingEmail.objects.get()
    assert outgoing.sent_at is None and outgoing.attempts == 1
    assert "serveur injoignable" in outgoing.last_error
    monkeypatch.undo()
    assert outbox.retry_pending() == 1
    outgoing.refresh_from_db()
    assert outgoing.sent_at is not None and outgoing.attempts == 2
    assert len(mail.outbox) == 1


def test_confirmation_has_html_ics_qr_and_the_signed_link(event,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(event, "un@example.org")
    message = mail.outbox[0]
    assert message.alternatives[0].mimetype == "text/html"
    names = [a.filename for a in message.attachments]
    assert f"{event.slug}.ics" in names and f"inscription-{registration.code}.png" in names
    assert registration.code in message.body
    assert "/inscriptions/" in message.body


def test_check_in_is_idempotent_and_only_for_confirmed(event):
    registration = _register(event, "un@example.org")
    first = services.set_checked_in(registration, present=True, user=None).checked_in_at
    again = services.set_checked_in(registration, present=True, user=None).checked_in_at
    assert first == again is not None
    services.cancel(registration)
    with pytest.raises(ValidationError):
        services.set_checked_in(registration, present=True, user=None)


def test_anonymisation_keeps_the_counts(event):
    registration = _register(event, "un@example.org",
                             event.workshops.get(title="Atelier A"))
    services.set_checked_in(registration, present=True, user=None)
    before = services.attendance_counts(event)
    day_after_retention = event.date + dt.timedelta(days=31 * event.campaign.retention_months + 5)
    assert services.anonymise_expired(today=day_after_retention, dry_run=True)[0][1] == 1
    registration.refresh_from_db()
    assert registration.email == "un@example.org"
    services.anonymise_expired(today=day_after_retention, dry_run=False)
    registration.refresh_from_db()
    assert (registration.email, registration.last_name) == ("", "")
    assert registration.anonymised_at is not None
    assert services.attendance_counts(event) == before
    assert before["registered"] == 1 and before["present"] == 1


def test_link_request_limits_per_address_and_per_email(settings):
    settings.LINK_REQUEST_RATE_PER_IP = 3
    settings.LINK_REQUEST_RATE_PER_EMAIL = 2
    services.check_link_request_limit(ip="1.2.3.4", email="a@example.org")
    services.check_link_request_limit(ip="1.2.3.4", email="a@example.org")
    with pytest.raises(services.RateLimited, match="adresse"):
        services.check_link_request_limit(ip="5.6.7.8", email="a@example.org")
    services.check_link_request_limit(ip="1.2.3.4", email="b@example.org")
    with pytest.raises(services.RateLimited, match="connexion"):
        services.check_link_request_limit(ip="1.2.3.4", email="c@example.org")
