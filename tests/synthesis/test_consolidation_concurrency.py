"""A double click that reaches the server twice at the same instant: one consolidation, one
detection; two "détecter à nouveau" at once: one more detection (PostgreSQL only: SQLite
serialises every write anyway). The tasks run for real after each commit (ImmediateBackend)."""

import pytest
from django.db import connection

from concertation.accounts.scope import scope_for
from concertation.synthesis import consolidation
from concertation.synthesis.models import DuplicateDetection, Synthesis, SynthesisGroup
from tests.concurrency import race
from tests.synthesis.workspace_world import build_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _consolidate(world, key: str):
    return lambda: consolidation.consolidate(
        scope=scope_for(world.ars), user=world.ars, campaign=world.campaign,
        region=world.ain.region, days=[world.day_ain, world.day_isere], includes_online=True,
        title="Consolidation régionale", validation_event=world.restitution, request_key=key)


def test_the_same_form_posted_twice_at_once_makes_one_consolidation():
    world = build_world()
    for round_ in range(3):
        assert race(_consolidate(world, f"cle-{round_}"), _consolidate(world, f"cle-{round_}")
                    ) == []
        [synthesis] = Synthesis.objects.filter(request_key=f"cle-{round_}")
        detection = DuplicateDetection.objects.get(synthesis=synthesis)
        assert (detection.attempt, detection.status, detection.found) == (1, "done", 2)
        assert SynthesisGroup.objects.filter(synthesis=synthesis).count() == 2


def test_two_requests_to_detect_again_at_once_run_one_detection():
    world = build_world()
    _consolidate(world, "cle")()
    synthesis = Synthesis.objects.get()
    scope = scope_for(world.ars)
    SynthesisGroup.objects.filter(synthesis=synthesis).delete()  # back to be sorted

    def detect():
        consolidation.redetect(scope=scope, user=world.ars, synthesis=synthesis)

    assert race(detect, detect) == []
    detection = DuplicateDetection.objects.get(synthesis=synthesis)
    # One new attempt, or two one after the other (the first finished before the second
    # asked); never two running at once, never the same suggestion twice.
    assert detection.attempt in (2, 3) and detection.status == "done"
    assert SynthesisGroup.objects.filter(synthesis=synthesis).count() == 2


def test_two_consolidations_of_the_same_title_at_once_both_get_a_page():
    world = build_world()
    for round_ in range(3):
        assert race(_consolidate(world, f"a-{round_}"), _consolidate(world, f"b-{round_}")) == []
    slugs = list(Synthesis.objects.values_list("slug", flat=True))
    assert len(slugs) == 6 and len(set(slugs)) == 6
    assert all(slug.startswith("consolidation-regionale-v1") for slug in slugs)
