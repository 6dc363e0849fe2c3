"""No input gives a 5xx: every form and query parameter the site shows each role, sent again
with hostile values (tests/fuzz/corpus.py, crawl.py).

Bounded in `make test`: FUZZ_SECONDS (default 6) shared by the roles, the pages in an order
drawn from FUZZ_SEED (printed, so that a failure can be replayed). `make fuzz` runs it long
(FUZZ_LONG=1): FUZZ_SECONDS for each role, passes over its pages with fields and values drawn
afresh each pass, what was tried printed per role (figures in docs/fuzz.md)."""

from __future__ import annotations

import os
import random
import time

import pytest

from tests.fuzz import corpus
from tests.fuzz.crawl import Fuzzer, Report
from tests.test_access_matrix import ROLES, build_world

pytestmark = pytest.mark.django_db


def test_no_hostile_input_gives_a_5xx(client, settings, capsys):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    seed = int(os.environ.get("FUZZ_SEED") or random.randrange(10**6))
    seconds = float(os.environ.get("FUZZ_SECONDS", "6"))
    thorough = os.environ.get("FUZZ_LONG") == "1"
    rng = random.Random(seed)
    values = list(corpus.TEXTS) + corpus.generated(rng, 40 if thorough else 10)
    world = build_world()
    total = Report()
    started = time.monotonic()
    roles = list(ROLES)
    rng.shuffle(roles)
    for index, role in enumerate(roles):
        # The long run gives each role its time; the bounded one shares it.
        budget = seconds if thorough else (seconds - (time.monotonic() - started)) / (
            len(roles) - index)
        fuzzer = Fuzzer(client, world, role, rng=rng, deadline=time.monotonic() + budget,
                        values=values)
        report = fuzzer.run()
        total.merge(report)
        if thorough:
            with capsys.disabled():
                print(f"\n{role} ({report.passes} passages complets) : {report.summary()}")
    with capsys.disabled():
        print(f"\nFuzz (graine {seed}, {time.monotonic() - started:.0f} s) : {total.summary()}")
        for failure in total.failures[:50]:
            print("  " + failure)
    assert total.requests > len(ROLES)
    assert not total.failures, (
        f"{len(total.failures)} réponses 5xx (FUZZ_SEED={seed} pour rejouer) :\n"
        + "\n".join(total.failures[:30]))
