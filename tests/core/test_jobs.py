"""The one background-job base (`core/jobs.py`): its conditional writes, through the three
jobs that use it, and the migration that moved their rows onto it."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from concertation.analysis_runs.models import AnalysisRun
from concertation.core import jobs
from concertation.synthesis.models import DuplicateDetection, Package
from tests.factories import CampaignFactory, SynthesisFactory, UserFactory

pytestmark = pytest.mark.django_db


def _run() -> AnalysisRun:
    return AnalysisRun.objects.create(campaign=CampaignFactory(), engine_version="test")


def test_a_job_is_claimed_once_and_a_cancellation_stops_it_at_its_next_step():
    run = _run()
    rows = AnalysisRun.objects.filter(pk=run.pk)
    assert jobs.claim(rows, step="Démarrage") and not jobs.claim(rows)
    jobs.report_progress(rows, 40, "À mi-chemin")
    assert jobs.cancel(rows) and not jobs.cancel(rows)
    with pytest.raises(jobs.JobStopped):
        jobs.report_progress(rows, 60, "Plus loin")
    # A failure or an end reported after the cancellation changes nothing.
    assert not jobs.fail(rows, "trop tard") and not jobs.finish(rows, result={})
    run.refresh_from_db()
    assert (run.status, run.progress, run.error, run.result) == ("cancelled", 40, "", None)
    assert run.finished and not run.pending and run.started_at <= run.finished_at


def test_a_failure_keeps_its_message_within_its_bound_and_a_done_job_is_at_100():
    package = Package.objects.create(synthesis=SynthesisFactory(), revision=0)
    rows = Package.objects.filter(pk=package.pk)
    assert jobs.claim(rows)
    assert jobs.fail(rows, jobs.error_message(ValueError("x" * 5000)))
    package.refresh_from_db()
    assert package.status == "failed" and package.error.startswith("ValueError : x")
    assert len(package.error) == jobs.ERROR_LENGTH
    detection = DuplicateDetection.objects.create(synthesis=SynthesisFactory(), attempt=1)
    rows = DuplicateDetection.objects.filter(pk=detection.pk)
    assert jobs.claim(rows) and jobs.finish(rows, found=3)
    detection.refresh_from_db()
    assert (detection.status, detection.progress, detection.found) == ("done", 100, 3)


def test_a_pending_job_is_stale_only_past_its_bound():
    run = _run()
    assert not run.is_stale(dt.timedelta(minutes=15))
    run.requested_at = timezone.now() - dt.timedelta(hours=1)
    assert run.is_stale(dt.timedelta(minutes=15))
    run.status = jobs.JobStatus.DONE
    assert not run.is_stale(dt.timedelta(minutes=15))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_onto_the_base_keeps_who_asked_and_when():
    """Rows written before the base (`created_by`, `created_at`) keep them as `requested_by`
    and `requested_at`."""
    before = [("analysis_runs", "0001_initial"), ("synthesis", "0002_duplicate_detection")]
    user = UserFactory()
    synthesis = SynthesisFactory()
    campaign = synthesis.campaign
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    asked = timezone.now() - dt.timedelta(days=3)
    old.get_model("analysis_runs", "AnalysisRun").objects.create(
        campaign_id=campaign.pk, engine_version="v", created_by_id=user.pk, created_at=asked,
        status="done")
    old.get_model("synthesis", "Package").objects.create(
        synthesis_id=synthesis.pk, revision=2, created_by_id=user.pk, created_at=asked,
        status="done", files={"pdf": "a.pdf"})
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    run = AnalysisRun.objects.get()
    package = Package.objects.get()
    assert (run.requested_by_id, run.requested_at, run.status) == (user.pk, asked, "done")
    assert (package.requested_by_id, package.requested_at, package.files) == (
        user.pk, asked, {"pdf": "a.pdf"})
