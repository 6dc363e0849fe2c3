"""Capacity holds when many people sign up at the same instant (PostgreSQL only: SQLite
serialises every write anyway)."""

import threading

import pytest
from django.db import connection, connections

from concertation.registrations import services
from concertation.registrations.models import Registration, RegistrationStatus
from tests.concurrency import race
from tests.factories import EventFactory, WorkshopFactory, applicant

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the flush after a transactional test would drop the reference
    # territories that a data migration loaded.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ATTEMPTS = 40
SEATS = 9


def test_concurrent_sign_ups_never_exceed_capacity():
    event = EventFactory(open=True, capacity=SEATS)
    workshop = WorkshopFactory(event=event, capacity=SEATS * 2)
    barrier = threading.Barrier(ATTEMPTS)
    errors: list[BaseException] = []

    def sign_up(i: int) -> None:
        try:
            barrier.wait()
            services.register(event=event, applicant=applicant(email=f"p{i}@example.org"),
                              workshops=[workshop])
        except BaseException as error:  # reported below, never swallowed
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.CONFIRMED) == SEATS
    assert statuses.count(RegistrationStatus.WAITLISTED) == ATTEMPTS - SEATS


def test_concurrent_duplicates_of_one_email_take_one_seat():
    event = EventFactory(open=True, capacity=SEATS)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def sign_up() -> None:
        try:
            barrier.wait()
            services.register(event=event, applicant=applicant(email="same@example.org"),
                              workshops=[])
            outcomes.append("created")
        except services.AlreadyRegistered:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 9
    assert Registration.objects.filter(event=event).count() == 1


def _counters_match(event) -> None:
    event.refresh_from_db()
    confirmed = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
    assert event.seats_taken == confirmed.count()
    for workshop in event.workshops.all():
        assert workshop.seats_taken == confirmed.filter(workshops=workshop).count()


def test_concurrent_sign_ups_never_exceed_a_workshop_smaller_than_the_day():
    event = EventFactory(open=True, capacity=ATTEMPTS)
    small = [WorkshopFactory(event=event, capacity=4, title=f"Atelier {i}") for i in range(2)]
    errors = race(*[
        (lambda i=i: services.register(
            event=event, applicant=applicant(email=f"w{i}@example.org"),
            workshops=[small[i % 2]]))
        for i in range(ATTEMPTS)
    ])
    assert errors == []
    for workshop in small:
        assert Registration.objects.filter(
            workshops=workshop, status=RegistrationStatus.CONFIRMED).count() == 4
    assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 8
    _counters_match(event)


def test_seats_freed_during_a_burst_go_to_waiting_people_exactly():
    """Cancellations racing sign-ups to a full day: each freed seat goes to someone waiting
    (the cancellation promotes, or the sign-up's check after commit does), never beyond."""
    event = EventFactory(open=True, capacity=SEATS)
    holders = [services.register(event=event, applicant=applicant(email=f"h{i}@example.org"),
                                 workshops=[]).registration for i in range(SEATS)]
    event.refresh_from_db()  # full: the sign-ups below go straight to the waiting list
    cancelled = holders[:4]
    errors = race(
        *[(lambda r=r: services.cancel(r)) for r in cancelled],
        *[(lambda i=i: services.register(
            event=event, applicant=applicant(email=f"late{i}@example.org"), workshops=[]))
          for i in range(ATTEMPTS - 4)],
    )
    assert errors == []
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.CONFIRMED) == SEATS
    assert statuses.count(RegistrationStatus.CANCELLED) == 4
    assert statuses.count(RegistrationStatus.WAITLISTED) == ATTEMPTS - 4 - 4
    _counters_match(event)
