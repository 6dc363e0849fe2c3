"""Sending one row of an e-mail outbox (registrations' `OutgoingEmail`, projects'
`ProjectEmail`): the row is kept until the mail server accepts it, each attempt is counted and
its error kept, and a failure is retried later with a growing delay."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks.base import Task, TaskResultStatus
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.json import normalize_json

from concertation.core import sql

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> dt.timedelta:
    # 1, 2, 4 … minutes, at most an hour: a mail server back within the day gets them all.
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 60))


def attempt_delivery(outgoing: Any, build: Callable[[Any], EmailMessage], retry: Task) -> str:
    """Sends `outgoing` (locked by the caller's transaction) and records the attempt on it.
    On failure, `retry` is enqueued after the delay when the tasks backend can defer;
    otherwise the periodic `retry_pending` of its app picks the row up again."""
    outgoing.attempts += 1
    try:
        build(outgoing).send()
    except Exception as error:  # any mail failure: keep the row, retry later
        outgoing.last_error = f"{type(error).__name__}: {error}"[:2000]
        outgoing.save(update_fields=["attempts", "last_error"])
        logger.warning("%s %s failed (attempt %s): %s", type(outgoing).__name__, outgoing.pk,
                       outgoing.attempts, outgoing.last_error)
        if outgoing.attempts < settings.EMAIL_MAX_ATTEMPTS and retry.get_backend().supports_defer:
            run_after = timezone.now() + retry_delay(outgoing.attempts)
            pk = outgoing.pk
            transaction.on_commit(lambda: retry.using(run_after=run_after).enqueue(pk))
        return "failed"
    outgoing.sent_at = timezone.now()
    outgoing.last_error = ""
    outgoing.save(update_fields=["attempts", "sent_at", "last_error"])
    return "sent"


# For `sql.insert_chain`: a task's arguments made of the primary key of an earlier row.
TASK_ARGUMENT = {
    "sql": "jsonb_build_object('args', jsonb_build_array({}), 'kwargs', '{{}}'::jsonb)",
    "python": lambda pk: {"args": [pk], "kwargs": {}},
}


def task_row(task: Task, args_kwargs: Any) -> Any:
    """The row `DatabaseBackend.enqueue` of django-tasks-db writes for `task`, not saved
    (its `set_run_after` signal included), for `sql.insert` or `sql.insert_chain`: a sign-up
    enqueues one e-mail, and the ORM's compilation of this insert cost more than the rest of
    the row's work. Send `announce(row, task)` once it is written."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task.get_backend()
    _validate(task, backend)
    return DBTaskResult(
        id=backend._get_id(), args_kwargs=args_kwargs, priority=task.priority,
        task_path=task.module_path, queue_name=task.queue_name,
        run_after=task.run_after or get_date_max(), backend_name=backend.alias,
    )


@cache
def _validate(task: Task, backend: Any) -> None:
    # Once per task and backend: the check reads the function's signature, and a sign-up
    # burst enqueues the same task a thousand times.
    backend.validate_task(task)


def announce(row: Any, task: Task) -> None:
    """The backend's `task_enqueued` signal, for a row written by `task_row(task, …)`. Its
    result is the one `row.task_result` gives, made from `task` itself: that property finds
    the task again by its path and copies it, which validates it anew (it reads the
    function's signature), on every sign-up of a burst."""
    from django_tasks_db.backend import TaskResult
    from django_tasks_db.utils import normalize_uuid

    arguments = row.args_kwargs
    result = TaskResult(
        db_result=row, task=task, id=normalize_uuid(row.id), status=TaskResultStatus.READY,
        enqueued_at=row.enqueued_at, started_at=None, last_attempted_at=None,
        finished_at=None, args=arguments["args"], kwargs=arguments["kwargs"],
        backend=row.backend_name, errors=[], worker_ids=row.worker_ids,
    )
    task_enqueued.send(type(task.get_backend()), task_result=result)


def enqueue_in_transaction(task: Task, *args: Any) -> None:
    """`task.enqueue(*args)` on django-tasks-db's backend, in the caller's transaction."""
    row = sql.insert(task_row(task, normalize_json({"args": list(args), "kwargs": {}})))
    announce(row, task)
