"""Whether the background queue moves: a task due for longer than `QUEUE_STALL_MINUTES`
means no worker takes them (stopped, or stuck). Said on the organisers' home page and by
`manage.py check_queue` for monitoring; a worker that died used to stop mail, packages and
analyses without a word."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class Stall:
    minutes: int  # how long the oldest due task has waited
    waiting: int  # tasks due now


def stall() -> Stall | None:
    """The queue's stall, or None when every due task is younger than the limit (two queries
    when stalled, one otherwise)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    limit = now - dt.timedelta(minutes=settings.QUEUE_STALL_MINUTES)
    due = DBTaskResult.objects.ready()
    # A task without a date is due from its enqueueing; a deferred one from its date.
    oldest = (due.filter(Q(run_after=get_date_max(), enqueued_at__lte=limit)
                         | Q(run_after__lte=limit))
              .order_by("enqueued_at").values_list("enqueued_at", "run_after").first())
    if oldest is None:
        return None
    enqueued_at, run_after = oldest
    since = enqueued_at if run_after == get_date_max() else run_after
    return Stall(minutes=int((now - since).total_seconds() // 60), waiting=due.count())
