"""Runs calls in threads released at the same instant, for the tests that prove a lock or a
constraint holds under concurrency (PostgreSQL: SQLite serialises every write anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def race(*calls: Callable[[], object]) -> list[BaseException]:
    """Starts every call at once, each in its own thread and database connection; returns the
    exceptions they raised (refusals and failures alike: the caller tells them apart)."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as error:  # reported to the caller, never swallowed
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
