"""The world of the two-server test, written into that test's own PostgreSQL database by a
process of its own (`python -m tests.core.two_servers_world setup|enqueue N`), and the task
its workers run. Prints what the test needs as JSON."""

from __future__ import annotations

import json
import os
import sys
import time

import django

if __name__ == "__main__":  # run as a program: the task below needs the settings
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.core.two_servers_settings")
    django.setup()

from django.tasks import task


@task()
def nap(seconds: float) -> int:
    """A job that takes a while, so that two workers both have some to take."""
    time.sleep(seconds)
    return os.getpid()


def setup() -> dict[str, object]:
    from concertation.events.models import EventState
    from tests.factories import EventFactory, WorkshopFactory, agency_organiser

    held = EventFactory(past=True, state=EventState.HELD)
    WorkshopFactory(event=held)
    region = held.department.region
    upcoming = EventFactory(state=EventState.PUBLISHED, department=held.department,
                            health_territory=held.health_territory)
    organiser = agency_organiser(region.code)
    return {"held": {"pk": held.pk, "url": held.get_absolute_url()},
            "upcoming": {"pk": upcoming.pk, "url": upcoming.get_absolute_url()},
            "username": organiser.username, "password": "mot-de-passe-test"}


def enqueue(count: int) -> list[str]:
    # By its module's name, not __main__'s, so that the workers find it.
    from tests.core.two_servers_world import nap as named

    return [str(named.enqueue(0.25).id) for _ in range(count)]


if __name__ == "__main__":
    what = sys.argv[1]
    print(json.dumps(setup() if what == "setup" else enqueue(int(sys.argv[2]))))
