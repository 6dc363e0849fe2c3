"""The one outbox: every e-mail the site sends is a `core.OutgoingEmail` row, written in the
transaction of what it tells (a sign-up, a follow, a login link…) with its delivery task, and
kept until the mail server accepts it. Each attempt is counted and its error kept; a failure
is tried again with a growing delay, and a message that can never go (no address left, a
follower who unsubscribed, a login link past its time) is closed with the reason, not
retried. What each kind says is built at delivery time by its app (`BUILDERS`), from the row
and what it is about: no secret travels through the task table."""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.tasks.base import Task, TaskResultStatus
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from concertation.core import sql

logger = logging.getLogger(__name__)

# Each kind's message, built from its row: `builder(outgoing) -> EmailMessage`, raising
# `Undeliverable` when it can never go.
_REGISTRATION = "concertation.registrations.emails.build_message"
_FOLLOWER = "concertation.projects.emails.build_message"
BUILDERS = {
    "confirmation": _REGISTRATION, "waitlist": _REGISTRATION, "promoted": _REGISTRATION,
    "cancelled": _REGISTRATION, "changed": _REGISTRATION, "reminder": _REGISTRATION,
    "already": _REGISTRATION, "mailing": _REGISTRATION,
    "offer": _REGISTRATION, "offer_expired": _REGISTRATION,
    "follow_confirmation": _FOLLOWER, "invitation": _FOLLOWER, "digest": _FOLLOWER,
    "login_link": "concertation.accounts.tasks.build_login_link",
    "password_link": "concertation.accounts.passwords.build_password_link",
    "facilitation": "concertation.contributions.tasks.build_facilitation_invitation",
}

# A first delivery that has not run after this long is queued again by `retry_pending`
# (its task lost: a worker killed after taking it, a task row removed).
STALE_AFTER = dt.timedelta(minutes=10)


class Undeliverable(Exception):
    """This message can never go; its text says why, in French, for the row's last error."""


def retry_delay(attempts: int) -> dt.timedelta:
    # 1, 2, 4 … minutes, at most an hour: a mail server back within the day gets them all.
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 60))


def send(kind: str, **about: Any) -> Any:
    """Write the row of a mail of `kind` about one object (`registration=…`, `follower=…`,
    `login_token=…`, `user=…`, `facilitation=…`, and a digest's `update_ids`) and queue its
    delivery, both in the caller's transaction."""
    from concertation.core.models import OutgoingEmail

    outgoing = OutgoingEmail.objects.create(kind=kind, **about)
    queue(outgoing.pk)
    return outgoing


def queue(pk: int) -> None:
    """Enqueue the delivery of the row `pk`: in the caller's transaction on the database
    backend (both rows are kept or neither, one commit); after the commit on any other, which
    may run the task at once, before the row it reads is committed."""
    from django_tasks_db import DatabaseBackend

    if isinstance(deliver_email.get_backend(), DatabaseBackend):
        enqueue_in_transaction(deliver_email, pk)
    else:
        transaction.on_commit(lambda: deliver_email.enqueue(pk))


def close(outgoing: Any, reason: str) -> None:
    """Give up on a message that can never go: its last attempt, which keeps `retry_pending`
    from it (left pending, every daily run queued it again, forever)."""
    outgoing.attempts = max(outgoing.attempts, settings.EMAIL_MAX_ATTEMPTS)
    outgoing.last_error = reason[:2000]
    outgoing.save(update_fields=["attempts", "last_error"])


def attempt_delivery(outgoing: Any) -> str:
    """Sends `outgoing` (locked by the caller's transaction) and records the attempt on it.
    On failure, its delivery is enqueued again after the delay when the tasks backend can
    defer; otherwise `retry_pending` picks the row up again."""
    try:
        message = import_string(BUILDERS[outgoing.kind])(outgoing)
    except Undeliverable as reason:
        close(outgoing, str(reason))
        return "closed"
    outgoing.attempts += 1
    try:
        message.send()
    except Exception as error:  # any mail failure: keep the row, retry later
        outgoing.last_error = f"{type(error).__name__}: {error}"[:2000]
        outgoing.save(update_fields=["attempts", "last_error"])
        logger.warning("E-mail %s (%s) failed (attempt %s): %s", outgoing.pk, outgoing.kind,
                       outgoing.attempts, outgoing.last_error)
        if (outgoing.attempts < settings.EMAIL_MAX_ATTEMPTS
                and deliver_email.get_backend().supports_defer):
            run_after = timezone.now() + retry_delay(outgoing.attempts)
            pk = outgoing.pk
            transaction.on_commit(lambda: deliver_email.using(run_after=run_after).enqueue(pk))
        return "failed"
    outgoing.sent_at = timezone.now()
    outgoing.last_error = ""
    outgoing.save(update_fields=["attempts", "sent_at", "last_error"])
    return "sent"


NO_ADDRESS = "Aucune adresse (inscription effacée ou sans adresse) : courriel abandonné."
UNSUBSCRIBED = "Désabonné(e) : courriel abandonné."


def retry_pending(limit: int = 500) -> int:
    """Enqueue again every unsent e-mail that still has attempts left: those that failed,
    and those whose first delivery never ran (queued over `STALE_AFTER` ago). Those that can
    be seen never to go are closed first, in one statement each."""
    from concertation.core.models import OutgoingEmail

    unsent = OutgoingEmail.objects.filter(sent_at__isnull=True,
                                          attempts__lt=settings.EMAIL_MAX_ATTEMPTS)
    unsent.filter(registration__isnull=False, registration__email="").update(
        attempts=settings.EMAIL_MAX_ATTEMPTS, last_error=NO_ADDRESS)
    unsent.filter(follower__unsubscribed_at__isnull=False).update(
        attempts=settings.EMAIL_MAX_ATTEMPTS, last_error=UNSUBSCRIBED)
    pending = (unsent.filter(Q(attempts__gte=1) | Q(created_at__lt=timezone.now() - STALE_AFTER))
               .values_list("pk", flat=True)[:limit])
    count = 0
    for pk in pending:
        deliver_email.enqueue(pk)
        count += 1
    return count


# For `sql.insert_chain`: a task's arguments made of the primary key of an earlier row.
TASK_ARGUMENT = {
    "sql": "jsonb_build_object('args', jsonb_build_array({}), 'kwargs', '{{}}'::jsonb)",
    "python": lambda pk: {"args": [pk], "kwargs": {}},
}


def task_row(task: Task, args_kwargs: Any) -> Any:
    """The row `DatabaseBackend.enqueue` of django-tasks-db writes for `task`, not saved
    (its `set_run_after` signal included), for `sql.insert` or `sql.insert_chain`: a sign-up
    enqueues one e-mail, and the ORM's compilation of this insert cost more than the rest of
    the row's work. Send `announce(row, task)` once it is written.

    This and `announce` use the backend's internals (`_get_id`, `get_date_max`, its
    `TaskResult`): its version is pinned in requirements.txt and
    tests/core/test_tasks_db_contract.py checks what they rely on."""
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


@task
def deliver_email(outgoing_id: int) -> str:
    """The outbox's one background task, run by `manage.py worker`: sends the row if it is
    still unsent and may be tried again. Defined here, with what queues it, so that the
    outbox and its task are one module (`core/tasks.py` keeps the old path of queued rows)."""
    from concertation.core.models import OutgoingEmail

    with transaction.atomic():
        # Only the e-mail's row: locking what it is about (a registration's day) would stall
        # its sign-ups, and deadlock with them, for as long as the mail server takes.
        outgoing = OutgoingEmail.objects.select_for_update().filter(pk=outgoing_id).first()
        if outgoing is None or outgoing.sent_at is not None:
            return "nothing to do"
        if outgoing.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            return "closed"
        return attempt_delivery(outgoing)
