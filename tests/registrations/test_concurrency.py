"""Capacity holds when many people sign up at the same instant (PostgreSQL only: SQLite
serialises every write anyway)."""

import threading

import pytest
from django.db import connection, connections

from concertation.registrations import services
from concertation.registrations.models import Registration, RegistrationStatus
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
