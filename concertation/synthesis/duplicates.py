"""The duplicate-detection job of a synthesis: asked for by the organiser, run by a background
task (`consolidation.run_detection`), its suggestions written under the synthesis's lock."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from concertation.core import jobs
from concertation.synthesis.editing import Suggestion, add_suggestions
from concertation.synthesis.models import DuplicateDetection, Synthesis
from concertation.synthesis.revisions import commit
from concertation.synthesis.workflow import EDITABLE_STATES

# The rule when the organiser works while it runs: the detection reads the contributions not
# yet grouped, and when it writes, under the synthesis's lock, it only adds suggestions made
# of those still in no group (accepted or suggested) at that moment; a suggestion left with
# fewer than two of them is dropped. It never touches an existing group, its contributions or
# its texts, so nothing the organiser did meanwhile is undone.

DETECTION_SUMMARY = "Doublons détectés"


# The detection attempt is no longer the current one (a stale attempt was relaunched).
DetectionSuperseded = jobs.JobStopped


def _attempt(detection_id: int, attempt: int):
    return DuplicateDetection.objects.filter(pk=detection_id, attempt=attempt)


def start_detection(detection_id: int, attempt: int) -> DuplicateDetection | None:
    """Claim a queued attempt for the task; None if it was already taken, or superseded."""
    if not jobs.claim(_attempt(detection_id, attempt), progress=5,
                      step="Lecture des contributions non classées"):
        return None
    return DuplicateDetection.objects.select_related("synthesis").get(pk=detection_id)


def detection_progress(detection: DuplicateDetection, progress: int, step: str) -> None:
    """Record how far the task is; raises DetectionSuperseded if its attempt is no longer the
    current one."""
    jobs.report_progress(_attempt(detection.pk, detection.attempt), progress, step)


@transaction.atomic
def finish_detection(detection: DuplicateDetection, suggestions: Sequence[Suggestion]) -> int:
    """Write the suggestions found (see the rule above) and close the attempt; the revision is
    recorded in the name of whoever asked. Returns the number of suggestions added."""
    locked = Synthesis.objects.select_for_update().get(pk=detection.synthesis_id)
    current = DuplicateDetection.objects.select_for_update().get(pk=detection.pk)
    if current.attempt != detection.attempt or current.status != \
            DuplicateDetection.Status.RUNNING:
        raise DetectionSuperseded
    if locked.frozen or locked.state not in EDITABLE_STATES:
        # Submitted to the CRSA (or frozen) while the detection ran: its proposals can no
        # longer change, so the suggestions are not added.
        _close_detection(current, DuplicateDetection.Status.FAILED, error=(
            "La synthèse n’est plus en rédaction : les suggestions n’ont pas été ajoutées."))
        return 0
    created = add_suggestions(locked, suggestions, min_size=2) if suggestions else 0
    if created:
        commit(locked, current.requested_by,
               f"{DETECTION_SUMMARY} : {created} groupe{'s' if created > 1 else ''} suggéré"
               f"{'s' if created > 1 else ''}")
    _close_detection(current, DuplicateDetection.Status.DONE, found=created)
    return created


def fail_detection(detection: DuplicateDetection, error: str) -> None:
    """Record a failure (in French, for the organiser, who may relaunch)."""
    jobs.fail(_attempt(detection.pk, detection.attempt), error)


def _close_detection(detection: DuplicateDetection, status: str, *, found: int | None = None,
                     error: str = "") -> None:
    detection.status, detection.found, detection.error = status, found, error
    detection.progress = 100 if status == DuplicateDetection.Status.DONE else detection.progress
    detection.step, detection.finished_at = "", timezone.now()
    detection.save(update_fields=["status", "found", "error", "progress", "step",
                                  "finished_at"])
