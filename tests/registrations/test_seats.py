"""Seat counters on days and workshops: a sign-up takes its seat with conditional UPDATEs,
every other change recounts under the day's lock, and nothing else writes them."""

import importlib

import pytest
from django.db import connection
from django.urls import reverse

from concertation.core.models import OutgoingEmail
from concertation.events.models import Event, EventState, Workshop
from concertation.registrations import services
from concertation.registrations.models import (
    Registration,
    RegistrationAttempt,
    RegistrationStatus,
)
from tests.factories import EventFactory, WorkshopFactory, applicant, signup_form

pytestmark = pytest.mark.django_db


def _sign_up(event, email, workshops=(), **kwargs):
    return services.register(event=event, applicant=applicant(email=email),
                             workshops=list(workshops), **kwargs).registration


def _assert_counters_match(event):
    event.refresh_from_db()
    confirmed = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
    assert event.seats_taken == confirmed.count()
    for workshop in Workshop.objects.filter(event=event):
        assert workshop.seats_taken == confirmed.filter(workshops=workshop).count()


def test_counters_follow_sign_ups_cancellations_promotions_and_changes(
    django_capture_on_commit_callbacks
):
    event = EventFactory(open=True, capacity=3)
    a = WorkshopFactory(event=event, title="A", capacity=2)
    b = WorkshopFactory(event=event, title="B", capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        people = [_sign_up(event, f"p{i}@example.org", [a if i < 3 else b]) for i in range(5)]
    assert [p.status for p in people] == ["confirmed", "confirmed", "waitlisted",
                                          "confirmed", "waitlisted"]
    _assert_counters_match(event)
    assert (event.seats_taken, Workshop.objects.get(pk=a.pk).seats_taken) == (3, 2)

    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.cancel(people[0])
    assert promoted == [people[2]]  # the first in line whose workshop has a seat again
    _assert_counters_match(event)

    with django_capture_on_commit_callbacks(execute=True):
        services.change_workshops(people[1], [b])
    _assert_counters_match(event)
    assert Workshop.objects.get(pk=b.pk).seats_taken == 2


def test_a_seat_is_taken_from_fresh_counters_not_from_the_rows_the_request_read():
    event = EventFactory(open=True, capacity=1)
    stale = Event.objects.get(pk=event.pk)  # read while the seat is free
    first = _sign_up(event, "un@example.org")
    second = _sign_up(stale, "deux@example.org")
    assert (first.status, second.status) == ("confirmed", "waitlisted")
    assert list(OutgoingEmail.objects.filter(registration=second).values_list("kind", flat=True)
                ) == [OutgoingEmail.Kind.WAITLIST]
    _assert_counters_match(event)


def test_a_full_workshop_gives_back_the_day_seat_it_took():
    event = EventFactory(open=True, capacity=10)
    workshop = WorkshopFactory(event=event, capacity=1)
    stale = Workshop.objects.get(pk=workshop.pk)
    assert _sign_up(event, "un@example.org", [workshop]).status == "confirmed"
    assert _sign_up(event, "deux@example.org", [stale]).status == "waitlisted"
    _assert_counters_match(event)
    assert event.seats_taken == 1


def test_a_day_closed_since_the_request_read_it_takes_nobody(settings):
    event = EventFactory(open=True, capacity=5)
    Event.objects.filter(pk=event.pk).update(state=EventState.REGISTRATION_CLOSED)
    with pytest.raises(services.RegistrationError, match="pas ouvertes"):
        _sign_up(event, "un@example.org", ip="1.2.3.4")
    assert not Registration.objects.exists()
    assert RegistrationAttempt.objects.count() == 1  # a refused attempt still counts
    _assert_counters_match(event)


def test_a_seat_freed_while_someone_joined_the_waiting_list_goes_to_them(
    django_capture_on_commit_callbacks
):
    """The sign-up read a full day; a cancellation freed the seat before the entry was
    visible, so the cancellation could not promote it: the check after its commit does."""
    event = EventFactory(open=True, capacity=1)
    first = _sign_up(event, "un@example.org")
    stale = Event.objects.get(pk=event.pk)  # full
    services.cancel(first)  # nobody waiting yet: the seat stays free
    with django_capture_on_commit_callbacks(execute=True):
        late = _sign_up(stale, "deux@example.org")
    late.refresh_from_db()
    assert late.status == RegistrationStatus.CONFIRMED
    assert list(late.emails.values_list("kind", flat=True)) == [
        OutgoingEmail.Kind.WAITLIST, OutgoingEmail.Kind.PROMOTED]
    _assert_counters_match(event)


def test_no_check_after_commit_locks_a_full_day(django_capture_on_commit_callbacks,
                                                django_assert_num_queries):
    event = EventFactory(open=True, capacity=1)
    _sign_up(event, "un@example.org")
    event.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(event, "deux@example.org")
    # The check after commit: one read of the day's counter, no lock, no promotion.
    with django_assert_num_queries(1):
        assert services.promote_if_room(event.pk) == []


def test_saving_a_day_or_workshop_read_earlier_keeps_the_counters():
    event = EventFactory(open=True, capacity=5)
    workshop = WorkshopFactory(event=event, capacity=5)
    stale_event, stale_workshop = Event.objects.get(pk=event.pk), Workshop.objects.get(
        pk=workshop.pk)
    _sign_up(event, "un@example.org", [workshop])
    stale_event.title = "Nouveau titre"
    stale_event.save()
    stale_workshop.capacity = 6
    stale_workshop.save()
    event.refresh_from_db()
    workshop.refresh_from_db()
    assert (event.title, event.seats_taken) == ("Nouveau titre", 1)
    assert (workshop.capacity, workshop.seats_taken) == (6, 1)


def test_a_copied_day_or_workshop_starts_with_no_seat_taken():
    event = EventFactory(open=True, capacity=5)
    workshop = WorkshopFactory(event=event, capacity=5)
    _sign_up(event, "un@example.org", [workshop])
    copy = Event.objects.get(pk=event.pk)
    copy.pk, copy.slug = None, "copie"
    copy.save()
    workshop_copy = Workshop.objects.get(pk=workshop.pk)
    workshop_copy.pk, workshop_copy.event = None, copy
    workshop_copy.save()
    assert Event.objects.get(pk=copy.pk).seats_taken == 0
    assert Workshop.objects.get(pk=workshop_copy.pk).seats_taken == 0


def test_recount_and_the_migration_fill_counters_from_rows_written_directly():
    event = EventFactory(open=True, capacity=5)
    workshop = WorkshopFactory(event=event, capacity=5)
    for i in range(3):
        registration = Registration.objects.create(
            event=event, status=RegistrationStatus.CONFIRMED, first_name="A", last_name=str(i),
            email=f"p{i}@example.org", college="usager", consent_processing=True)
        registration.workshops.add(workshop)
    services.recount_seats(event)
    _assert_counters_match(event)
    assert event.seats_taken == 3

    Event.objects.update(seats_taken=0)
    Workshop.objects.update(seats_taken=0)
    migration = importlib.import_module(
        "concertation.registrations.migrations.0002_fill_seat_counters")
    from django.apps import apps

    migration.fill(apps, None)
    _assert_counters_match(event)
    assert event.seats_taken == 3


def test_sign_up_records_one_attempt_and_refusals_too(settings):
    settings.REGISTRATION_RATE_PER_IP = 2
    event = EventFactory(open=True, capacity=5)
    _sign_up(event, "un@example.org", ip="1.2.3.4")
    with pytest.raises(services.AlreadyRegistered):
        _sign_up(event, "un@example.org", ip="1.2.3.4")
    assert RegistrationAttempt.objects.count() == 2
    with pytest.raises(services.RateLimited, match="connexion"):
        _sign_up(event, "deux@example.org", ip="1.2.3.4")
    assert RegistrationAttempt.objects.count() == 2  # a refusal by the limit is not counted
    assert Registration.objects.count() == 1


@pytest.fixture
def day():
    event = EventFactory(open=True, capacity=90)
    WorkshopFactory(event=event, title="Atelier A", capacity=45)
    WorkshopFactory(event=event, title="Atelier B", capacity=45)
    return event


_form = signup_form


def test_sign_up_page_query_count(client, day, django_assert_num_queries):
    # the day with its campaign (and whether it has questions), its workshops with their
    # counters: no seat count
    with django_assert_num_queries(2):
        assert client.get(reverse("registrations:register", args=[day.slug])).status_code == 200


def test_sign_up_post_query_count(client, day, django_assert_num_queries,
                                  django_capture_on_commit_callbacks):
    # day with its campaign and workshops; then the transaction: the check of both rate
    # limits and the attempt, registration, its workshop and mail rows (one statement on
    # PostgreSQL, five elsewhere), seat of the day, seat of the workshop (savepoint and
    # release: the test's own transaction), the webhook endpoints listening (none here)
    url, data = reverse("registrations:register", args=[day.slug]), _form(day)
    rows = 1 if connection.vendor == "postgresql" else 5
    with django_assert_num_queries(6 + rows), django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, data)
    assert response.status_code == 302
    assert len(callbacks) == 1  # the mail task, on commit with the tests' immediate backend
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED


def test_sign_up_post_on_a_full_day_takes_no_seat_query(client, day, django_assert_num_queries,
                                                          django_capture_on_commit_callbacks):
    Event.objects.filter(pk=day.pk).update(seats_taken=90)
    # day and workshops; rate limits, attempt, registration, its workshop, mail row (one
    # statement on PostgreSQL; savepoint and release: the test's own transaction); the check
    # for a freed seat runs after commit; the webhook endpoints listening (none here)
    url, data = reverse("registrations:register", args=[day.slug]), _form(day)
    rows = 1 if connection.vendor == "postgresql" else 5
    with django_assert_num_queries(4 + rows), django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, data)
    assert response.status_code == 302
    # The mail task; and elsewhere than on PostgreSQL, the look for a freed seat after commit
    # (PostgreSQL reads the day's counters under a lock in the sign-up's own statement).
    assert len(callbacks) == (1 if connection.vendor == "postgresql" else 2)
    assert Registration.objects.get().status == RegistrationStatus.WAITLISTED


def test_rate_limit_uses_the_forwarded_address_only_behind_a_trusted_proxy(client, day,
                                                                          settings):
    settings.REGISTRATION_RATE_PER_IP = 1
    url = reverse("registrations:register", args=[day.slug])
    # Without TRUSTED_PROXIES the header is the client's word: both count against 127.0.0.1.
    client.post(url, _form(day, email="a@example.org", submission_token="t1"),
                HTTP_X_FORWARDED_FOR="10.0.0.1")
    response = client.post(url, _form(day, email="b@example.org", submission_token="t2"),
                           HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert "Trop d’inscriptions depuis cette connexion" in response.content.decode()
    settings.TRUSTED_PROXIES = services_networks("127.0.0.0/8")
    for n, address in enumerate(["10.0.0.3", "10.0.0.4"]):
        response = client.post(url, _form(day, email=f"c{n}@example.org",
                                          submission_token=f"u{n}"),
                               HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR="127.0.0.1")
        assert response.status_code == 302
    assert Registration.objects.count() == 3


def services_networks(*items):
    import ipaddress

    return tuple(ipaddress.ip_network(item) for item in items)
