"""Two allocations of one participant at the same instant (two tabs, a double tap) never add
up beyond the vote's points, and nothing is counted after the vote is closed (PostgreSQL
only: SQLite serialises every write anyway)."""

import pytest
from django.db import connection

from concertation.contributions import services
from concertation.contributions.models import PointAllocation, PriorityVote
from concertation.registrations.services import register
from tests.concurrency import race
from tests.factories import EventFactory, WorkshopFactory, applicant

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROUNDS = 10


def test_two_allocations_of_one_participant_never_add_up():
    workshop = WorkshopFactory(event=EventFactory(open=True))
    a, b = (services.capture(workshop=workshop, user=None, text=text,
                             client_id=f"c-{text}").contribution for text in ("A", "B"))
    vote = services.open_priority_vote(workshop=workshop, user=None, points=10)
    registration = register(event=workshop.event, applicant=applicant(),
                            workshops=[]).registration
    for _ in range(ROUNDS):
        errors = race(
            lambda: services.allocate_points(priority_vote=vote, allocation={a.pk: 10},
                                             registration=registration),
            lambda: services.allocate_points(priority_vote=vote, allocation={b.pk: 10},
                                             registration=registration),
        )
        assert errors == []
        assert services.my_points(vote, registration=registration) in ({a.pk: 10}, {b.pk: 10})


def test_nothing_is_counted_after_the_closing():
    workshop = WorkshopFactory(event=EventFactory(open=True))
    proposal = services.capture(workshop=workshop, user=None, text="A",
                                client_id="close-a").contribution
    registrations = [register(event=workshop.event, applicant=applicant(email=f"p{i}@x.org"),
                              workshops=[]).registration for i in range(8)]
    vote = services.open_priority_vote(workshop=workshop, user=None, points=5)
    calls = [lambda r=r: services.allocate_points(priority_vote=vote,
                                                  allocation={proposal.pk: 5}, registration=r)
             for r in registrations]
    errors = race(*calls, lambda: services.close_priority_vote(priority_vote=vote, user=None))
    assert all(isinstance(e, services.ContributionError) for e in errors), errors
    frozen = PriorityVote.objects.get()
    # What the frozen ranking says is exactly what was stored: no allocation slipped in after.
    stored = PointAllocation.objects.filter(priority_vote=vote).count()
    assert frozen.voters == stored == len(registrations) - len(errors)
    assert frozen.results[0]["points"] == 5 * stored
