"""The one background-job base: what every job launched from the back-office and run by a
task (an analysis, a duplicate detection, a transmission package, and what comes next) keeps
of itself, and the few writes that move it along.

A job's row is changed only by conditional `UPDATE`s on its status, so a cancellation (or a
newer attempt) between two steps is seen at the next step, a task replayed or run twice
claims nothing, and a worker that dies leaves a job that `is_stale()` tells apart. Each app
passes the rows the write is about (`Model.objects.filter(pk=…)`, narrowed further where it
needs, e.g. by attempt), and keeps its own fields (result, files, suggestions found).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

# What an error message on a job keeps at most.
ERROR_LENGTH = 2000


class JobStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminée"
    FAILED = "failed", "Échec"
    CANCELLED = "cancelled", "Annulée"


PENDING = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class BackgroundJob(models.Model):
    """Status, progress, cancellation, error, and who asked when; abstract."""

    Status = JobStatus

    status = models.CharField(max_length=20, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    step = models.CharField(max_length=200, blank=True)  # in French, for the organiser
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def is_stale(self, after: dt.timedelta) -> bool:
        """Queued or running for longer than any such job takes: its worker died, and a new
        request may start another."""
        return self.pending and self.requested_at < timezone.now() - after


class JobStopped(Exception):
    """The job is no longer running: cancelled, or replaced by a newer attempt."""


def error_message(error: BaseException) -> str:
    return f"{type(error).__name__} : {error}"[:ERROR_LENGTH]


def claim(rows: QuerySet, *, progress: int = 0, step: str = "") -> bool:
    """The task takes a queued job; False if it was cancelled, taken or run already."""
    return bool(rows.filter(status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), progress=progress, step=step))


def report_progress(rows: QuerySet, progress: int, step: str) -> None:
    """Record how far the task is; raise JobStopped if the job stopped running meanwhile."""
    if not rows.filter(status=JobStatus.RUNNING).update(progress=progress, step=step):
        raise JobStopped


def finish(rows: QuerySet, **fields) -> bool:
    """Close a running job as done, with the fields its app keeps (a result, files)."""
    return bool(rows.filter(status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, progress=100, finished_at=timezone.now(), **fields))


def fail(rows: QuerySet, error: str) -> bool:
    """Record a failure, kept for the organiser (who may relaunch)."""
    return bool(rows.filter(status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, error=error[:ERROR_LENGTH], finished_at=timezone.now()))


def cancel(rows: QuerySet, *, step: str = "Annulée à la demande") -> bool:
    """Ask a queued or running job to stop; a running one stops at its next step."""
    return bool(rows.filter(status__in=PENDING).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now(), step=step))
