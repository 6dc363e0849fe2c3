"""The background worker that survives its database: django-tasks-db's `db_worker` stops on
the first database error it does not expect (an SQLite `database is locked` past the busy
timeout while it records a result, a PostgreSQL connection lost), and nothing said so: mail,
packages and analyses stopped. This worker retries such errors with a growing delay inside
its loop, and records a task's outcome again until the database takes it."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, OperationalError, close_old_connections, connections
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

logger = logging.getLogger(__name__)

# Seconds between attempts: 1, 2, 4 … at most 30; a lock held for minutes costs no more than
# a wake-up every half-minute.
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0


def backoff(attempt: int) -> float:
    return min(FIRST_DELAY_S * 2 ** attempt, MAX_DELAY_S)


def _reset_connections() -> None:
    # A connection that failed mid-transaction is unusable until closed; the next query
    # opens a fresh one.
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):  # already broken: nothing more to close
            connection.close()


def retrying(action: Callable[..., Any], sleep: Callable[[float], None] = time.sleep,
             running: Callable[[], bool] = lambda: True) -> Callable[..., Any]:
    """`action`, attempted again after a database error until it succeeds (or the worker is
    asked to stop): used for the writes that record a task's outcome, which must not be lost
    once the task has run (its mail sent)."""

    def attempt(*args: Any, **kwargs: Any) -> Any:
        tries = 0
        while True:
            try:
                return action(*args, **kwargs)
            except DatabaseError as error:
                if not running():
                    raise
                delay = backoff(tries)
                logger.warning("Database error recording a task (%s); again in %.0f s",
                               error, delay)
                _reset_connections()
                sleep(delay)
                tries += 1

    return attempt


class SurvivingWorker(Worker):
    sleep = staticmethod(time.sleep)

    def run(self) -> None:
        failures = 0
        while self.running:
            try:
                super().run()
                return  # batch done, --max-tasks reached, or asked to stop
            except DatabaseError as error:
                delay = backoff(failures)
                failures += 1
                logger.warning("Worker: database error (%s); trying again in %.0f s",
                               error, delay)
                _reset_connections()
                self.sleep(delay)
                close_old_connections()

    def run_task(self, db_task_result: Any) -> None:
        # The task's own work commits in its own transactions; recording its outcome is a
        # separate write, retried here so that a lock at that moment neither kills the worker
        # nor leaves the task marked as running forever.
        def running() -> bool:
            return self.running

        set_failed = db_task_result.set_failed

        def failed(error: BaseException) -> None:
            if isinstance(error, OperationalError) and is_locked_database_exception(error):
                # The task could not get the database (its transaction rolled back, nothing
                # done): run it again later rather than marking it failed for good.
                requeue(db_task_result)
            else:
                set_failed(error)

        db_task_result.set_successful = retrying(db_task_result.set_successful, self.sleep,
                                                 running)
        db_task_result.set_failed = retrying(failed, self.sleep, running)
        super().run_task(db_task_result)


def requeue(db_task_result: Any) -> None:
    attempts = len(db_task_result.worker_ids)
    run_after = timezone.now() + dt.timedelta(seconds=backoff(attempts))
    DBTaskResult.objects.filter(pk=db_task_result.pk).update(
        status=TaskResultStatus.READY, run_after=run_after, started_at=None)
    logger.warning("Task %s met a locked database; queued again for %s",
                   db_task_result.pk, run_after)
