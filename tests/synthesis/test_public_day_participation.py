"""The public page of a day whose restitution is published shows who took part, by college,
with a server-drawn chart; its query count stays constant."""

from __future__ import annotations

import datetime as dt

import pytest

from concertation.events.models import EventState
from concertation.registrations.models import AttendanceSummary
from tests.factories import EventFactory, RegistrationFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


def _day(registrations: int):
    event = EventFactory(past=True)
    event.state = EventState.RESTITUTION_PUBLISHED
    event.save()
    WorkshopFactory(event=event)
    for n in range(registrations):
        RegistrationFactory(event=event, college=["usager", "elu"][n % 2],
                            checked_in_at=dt.datetime(2022, 11, 25, 9, tzinfo=dt.UTC)
                            if n % 3 else None)
    RegistrationFactory(event=event, status="waitlisted")
    return event


@pytest.mark.parametrize("registrations", [2, 30])
def test_restitution_shows_participation_in_constant_queries(client, registrations,
                                                             django_assert_num_queries):
    event = _day(registrations)
    # event, talks, workshops, documents, themes, restitution (work leads, priority votes),
    # participation (attendance summary, registrations by college)
    # and the day's settings (venue accessibility)
    with django_assert_num_queries(10):
        page = client.get(event.get_absolute_url()).content.decode()
    assert f"{registrations} personnes inscrites" in page
    assert page.count('class="participation-chart"') == 1
    assert "Usager ou représentant des usagers" in page


def test_kept_counts_of_an_anonymised_day(client):
    event = _day(0)
    AttendanceSummary.objects.create(event=event, counts={"by_college": [
        {"label": "Élu", "registered": 12, "present": 9}]})
    page = client.get(event.get_absolute_url()).content.decode()
    assert "12 personnes inscrites, 9 présentes" in page


def test_no_participation_before_the_restitution_or_without_registrations(client):
    held = EventFactory(past=True)
    RegistrationFactory(event=held)
    assert "participation-chart" not in client.get(held.get_absolute_url()).content.decode()
    empty = _day(0)
    assert "participation-chart" not in client.get(empty.get_absolute_url()).content.decode()
