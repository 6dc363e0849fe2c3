"""Every statement of the hot paths goes through Django's cursor, so that an
`connection.execute_wrapper` hook (monitoring, a query guard) sees a sign-up and a vote
whole: the hand-written statements of `core/sql.py` as the ORM's, on both databases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concertation.contributions import services as contributions
from concertation.registrations.models import Registration, RegistrationStatus
from concertation.registrations.tokens import make_token
from tests.factories import EventFactory, WorkshopFactory, signup_form

pytestmark = pytest.mark.django_db

# Logged by Django around transactions, never run through a cursor: no wrapper sees them.
_NOT_STATEMENTS = {"BEGIN", "COMMIT", "ROLLBACK"}


class Seen:
    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


def _watched(run):
    """What the wrapper saw and what Django's query log holds, while `run()` runs."""
    seen = Seen()
    with CaptureQueriesContext(connection) as logged, connection.execute_wrapper(seen):
        run()
    statements = [q["sql"] for q in logged.captured_queries
                  if q["sql"].strip().upper() not in _NOT_STATEMENTS]
    return seen.statements, statements


def _first_words(statements):
    return [s.split(None, 2)[:2] for s in statements]


def test_a_sign_up_and_a_vote_pass_every_statement_through_the_wrappers(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    day = EventFactory(open=True, capacity=90)
    WorkshopFactory(event=day, capacity=45)
    workshop = WorkshopFactory(event=day, capacity=45)
    url = reverse("registrations:register", args=[day.slug])

    seen, logged = _watched(lambda: client.post(url, signup_form(day)))
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.workshops.count() == 1  # the form chose a workshop: seats taken too
    assert len(seen) == len(logged) and _first_words(seen) == _first_words(logged)
    table = Registration._meta.db_table
    # The hand-written ones among them: the day's read, the rows' write, the seats' UPDATEs.
    assert any("day_slug" in s for s in seen)
    assert any(f"INSERT INTO {table}" in s or f'INSERT INTO "{table}"' in s for s in seen)
    assert sum(s.startswith("UPDATE") and "seats_taken = seats_taken + 1" in s
               for s in seen) == 2

    proposal = contributions.capture(workshop=workshop, user=None, text="Former les équipes",
                                     client_id="c-wrapped").contribution
    vote = reverse("contributions:vote", args=[make_token(registration), proposal.pk])
    for value in ("1", "-1"):  # a first vote, then a change (its read, its uncount)
        seen, logged = _watched(lambda value=value: client.post(
            vote, {"value": value}, headers={"HX-Request": "true"}))
        assert len(seen) == len(logged) and _first_words(seen) == _first_words(logged)
        assert any(s.startswith("UPDATE") and "agree_count" in s for s in seen)
    proposal.refresh_from_db()
    assert (proposal.agree_count, proposal.disagree_count) == (0, 1)
