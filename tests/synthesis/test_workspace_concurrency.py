"""Two organisers save the same synthesis, read at the same revision, at the same instant:
one write wins, the other is refused with the conflict message, nothing is lost silently; and
two CRSA secretaries recording the same decision at once record it once (PostgreSQL only:
SQLite serialises every write anyway)."""

import pytest
from django.db import connection

from concertation.accounts.scope import scope_for
from concertation.synthesis import editing, revisions, services
from concertation.synthesis.models import Decision, SynthesisRevision
from tests.concurrency import race
from tests.synthesis.workspace_world import build_world, drafted, submitted

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROUNDS = 5


def test_two_saves_of_the_same_revision_one_wins_one_is_told():
    world = build_world()
    synthesis = drafted(world)
    group = synthesis.groups.first()
    scope = scope_for(world.ars)
    for round_ in range(ROUNDS):
        synthesis.refresh_from_db()
        read_at = synthesis.revision

        def save(text: str, read_at: int = read_at):
            return lambda: editing.update_group(
                scope=scope, user=world.ars, synthesis=synthesis, group=group.pk,
                title=group.title, kind="proposal", text=text, expected_revision=read_at)

        errors = race(save(f"A{round_}"), save(f"B{round_}"))
        assert len(errors) == 1 and isinstance(errors[0], revisions.Conflict), errors
        synthesis.refresh_from_db()
        group.refresh_from_db()
        assert synthesis.revision == read_at + 1
        assert group.text in (f"A{round_}", f"B{round_}")
        # The revision recorded is the one that won.
        last = SynthesisRevision.objects.get(synthesis=synthesis, number=synthesis.revision)
        assert last.snapshot["groups"][0]["text"] == group.text


def test_the_same_decision_recorded_twice_at_once_is_recorded_once():
    world = build_world()
    synthesis = submitted(world)
    scope = scope_for(world.ars)
    group = synthesis.groups.first()

    def decide(outcome: str):
        return lambda: services.record_decision(
            scope=scope, user=world.ars, synthesis=synthesis, group=group.pk, outcome=outcome,
            votes_for=10, votes_against=1, abstentions=0)

    # Two outcomes that both fit the count (10 for, 1 against): only "twice" can refuse one.
    errors = race(decide("adopted"), decide("postponed"))
    assert len(errors) == 1 and isinstance(errors[0], revisions.SynthesisError), errors
    assert "deux fois" in str(errors[0])
    assert Decision.objects.filter(group=group).count() == 1
