"""Timed offers of a waiting list (issue 18): a freed seat is offered for N hours, then to
the next person; immediate promotion stays the default."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from concertation.core.models import OutgoingEmail
from concertation.registrations import services
from concertation.registrations.models import Registration, RegistrationStatus
from concertation.registrations.tokens import manage_url
from tests.concurrency import race
from tests.factories import EventFactory, applicant

pytestmark = pytest.mark.django_db


def _day(hours=24):
    event = EventFactory(open=True, capacity=1, waitlist_offer_hours=hours)
    first, second, third = (
        services.register(event=event, applicant=applicant(email=f"{n}@example.org",
                                                           first_name=n.title()),
                          workshops=[]).registration
        for n in ("alice", "bruno", "chloe"))
    return event, first, second, third


def _status(*registrations):
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def test_a_freed_seat_is_offered_then_passes_to_the_next_when_not_accepted(
        django_capture_on_commit_callbacks):
    event, first, second, third = _day(hours=24)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(first)
    assert _status(second, third) == ["offered", "waitlisted"]
    second.refresh_from_db()
    assert second.offer_expires_at == pytest.approx(
        timezone.now() + dt.timedelta(hours=24), abs=dt.timedelta(seconds=30))
    event.refresh_from_db()
    assert event.seats_taken == 1  # held for the offer: no sign-up can take it meanwhile
    late = services.register(event=event, applicant=applicant(email="late@example.org"),
                             workshops=[]).registration
    assert late.status == RegistrationStatus.WAITLISTED
    offer = [m for m in mail.outbox if m.to == ["bruno@example.org"]][-1]
    assert offer.subject.startswith("Une place vous est proposée")
    assert manage_url(second) in offer.body and "Accepter la place" in offer.body

    assert services.expire_offers(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert services.expire_offers(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert _status(second, third, late) == ["cancelled", "offered", "waitlisted"]
    kinds = list(OutgoingEmail.objects.filter(registration=second).values_list("kind",
                                                                               flat=True))
    assert kinds[-2:] == ["offer", "offer_expired"]
    with pytest.raises(services.RegistrationError, match="Le délai pour accepter"):
        services.accept_offer(second)


def test_accepting_in_time_confirms_and_twice_changes_nothing(client):
    event, first, second, _ = _day()
    services.cancel(first)
    response = client.post(reverse("registrations:accept_offer",
                                   args=[manage_url(second, absolute=False).split("/")[-2]]),
                           follow=True)
    assert "Place acceptée : votre inscription est confirmée." in response.content.decode()
    assert _status(second) == ["confirmed"]
    assert services.accept_offer(second).status == RegistrationStatus.CONFIRMED
    assert services.expire_offers(now=timezone.now() + dt.timedelta(days=2)) == 0
    event.refresh_from_db()
    assert event.seats_taken == 1


def test_the_offer_shows_on_the_personal_page_with_its_deadline(client):
    _, first, second, _ = _day(hours=6)
    services.cancel(first)
    page = client.get(manage_url(second, absolute=False)).content.decode()
    assert "Une place vous est réservée" in page and "Accepter la place" in page


def test_without_timed_offers_the_next_person_is_confirmed_at_once():
    _, first, second, _ = _day(hours=None)
    services.cancel(first)
    assert _status(second) == ["confirmed"]


def test_an_offer_never_runs_past_the_start_of_the_day():
    event = EventFactory(open=True, capacity=1, waitlist_offer_hours=48,
                         date=timezone.localdate() + dt.timedelta(days=1))
    a, b = (services.register(event=event, applicant=applicant(email=f"{n}@example.org"),
                              workshops=[]).registration for n in "ab")
    services.cancel(a)
    b.refresh_from_db()
    starts = timezone.make_aware(dt.datetime.combine(event.date, event.starts_at))
    assert b.status == "offered" and b.offer_expires_at <= starts


def test_the_reminders_chore_expires_offers_whose_task_was_lost():
    from django.core.management import call_command

    _, first, second, third = _day(hours=1)
    services.cancel(first)
    Registration.objects.filter(pk=second.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert "1 proposition(s) de place expirée(s)" in out.getvalue()
    assert _status(second, third) == ["cancelled", "offered"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_accepting_and_expiring_at_the_same_instant_give_one_outcome():
    for _ in range(5):
        _, first, second, third = _day(hours=1)
        services.cancel(first)
        deadline = Registration.objects.get(pk=second.pk).offer_expires_at
        just_before = deadline - dt.timedelta(seconds=1)
        errors = race(lambda r=second, at=just_before: services.accept_offer(r, now=at),
                      lambda at=deadline: services.expire_offers(now=at))
        statuses = _status(second, third)
        # Whichever locked the day first won; never both, never a seat counted twice.
        assert statuses in (["confirmed", "waitlisted"], ["cancelled", "offered"]), statuses
        assert len(errors) == (1 if statuses[0] == "cancelled" else 0)
        event = first.event
        event.refresh_from_db()
        assert event.seats_taken == 1
