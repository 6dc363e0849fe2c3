"""The duplicate detection of a regional consolidation, run by a background task: enqueued on
commit, run once per request, its suggestions the same as the synchronous code made, and never
undoing what the organiser did while it ran."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.tasks.signals import task_enqueued
from django.utils import timezone

from concertation.accounts.scope import scope_for
from concertation.synthesis import consolidation, duplicates, editing, revisions
from concertation.synthesis.models import DuplicateDetection, Synthesis, SynthesisGroup
from concertation.synthesis.tasks import detect_duplicates
from tests.factories import ContributionFactory, EventFactory, make_territory
from tests.synthesis.workspace_world import drafted, regional, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]

Status = DuplicateDetection.Status


def _consolidate(world, **kwargs) -> Synthesis:
    return consolidation.consolidate(
        scope=scope_for(world.ars), user=world.ars, campaign=world.campaign,
        region=world.ain.region, days=kwargs.pop("days", [world.day_ain, world.day_isere]),
        includes_online=True, title="Consolidation régionale",
        validation_event=world.restitution, **kwargs)


def _groups(synthesis) -> list[tuple]:
    return [(g.title, sorted(g.items.values_list("contribution_id", flat=True)), g.text,
             g.accepted) for g in synthesis.groups.order_by("position", "id")]


@pytest.fixture
def enqueued():
    """The tasks enqueued during the test, as (task name, arguments)."""
    seen: list[tuple[str, tuple]] = []

    def record(sender, task_result, **kwargs):
        seen.append((task_result.task.name, tuple(task_result.args)))

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


def test_the_synthesis_is_written_at_once_and_the_detection_enqueued_on_commit(
        world, django_capture_on_commit_callbacks, enqueued):
    with django_capture_on_commit_callbacks() as callbacks:
        synthesis = _consolidate(world)
    # Before the commit: the synthesis and its selection, no suggestion, a queued detection.
    assert set(synthesis.days.all()) == {world.day_ain, world.day_isere}
    assert synthesis.revision == 1 and not synthesis.groups.exists()
    detection = synthesis.detection
    assert (detection.status, detection.attempt, detection.requested_by) == (
        Status.QUEUED, 1, world.ars)
    assert len(callbacks) == 1 and enqueued == []
    callbacks[0]()  # the commit: enqueued, and run at once by the ImmediateBackend
    assert enqueued == [("detect_duplicates", (detection.pk, 1))]
    detection.refresh_from_db()
    assert (detection.status, detection.found, detection.progress) == (Status.DONE, 2, 100)
    assert detection.started_at and detection.finished_at
    synthesis.refresh_from_db()
    assert synthesis.revision == 2
    revision = synthesis.revisions.get(number=2)
    assert revision.summary == "Doublons détectés : 2 groupes suggérés"
    assert revision.user == world.ars


def _three_territories(world) -> None:
    """More proposals, in a third territory too, some said three times, some once."""
    rhone = make_territory("69")
    day_rhone = EventFactory(campaign=world.campaign, health_territory=rhone, past=True,
                             title="Journée du Rhône", date=dt.date(2022, 12, 9))
    for text in [
        "Faciliter l’accès à un médecin traitant pour tous les patients",
        "Créer des transports solidaires pour aller vers les lieux de soins",
        "Développer la télémédecine dans les zones rurales",
        "Renforcer l’éducation à la santé dès l’école primaire",
    ]:
        ContributionFactory(event=day_rhone, text=text)
    for text in ["Développer la télémédecine dans les territoires ruraux",
                 "Ouvrir des maisons de santé pluriprofessionnelles"]:
        ContributionFactory(event=world.day_ain, text=text)
    world.day_rhone = day_rhone


def test_the_suggestions_are_those_the_synchronous_code_made(
        world, django_capture_on_commit_callbacks):
    _three_territories(world)
    days = [world.day_ain, world.day_isere, world.day_rhone]
    with django_capture_on_commit_callbacks() as callbacks:
        synthesis = _consolidate(world, days=days)
    # What the request computed and wrote before (consolidation.suggestions, then the
    # suggestions added in that order), on the same data.
    expected = consolidation.suggestions(synthesis)
    assert len(expected) >= 3
    for callback in callbacks:
        callback()
    assert _groups(synthesis) == [(title, sorted(ids), text, False)
                                  for title, ids, text in expected]
    # The doctor, raised in the three territories, comes first.
    first = synthesis.groups.order_by("position").first()
    assert len(consolidation.suggestion_rows(synthesis)[0].territories) == 3
    assert "médecin traitant" in first.title


def test_a_second_request_while_one_is_queued_or_running_starts_nothing(
        world, django_capture_on_commit_callbacks, enqueued):
    scope = scope_for(world.ars)
    with django_capture_on_commit_callbacks() as callbacks:
        synthesis = _consolidate(world)
        again = consolidation.redetect(scope=scope, user=world.ars, synthesis=synthesis)
    assert len(callbacks) == 1 and again.attempt == 1
    # Running: still nothing more.
    DuplicateDetection.objects.filter(pk=again.pk).update(status=Status.RUNNING)
    with django_capture_on_commit_callbacks() as more:
        consolidation.redetect(scope=scope, user=world.ars, synthesis=synthesis)
    assert more == []
    DuplicateDetection.objects.filter(pk=again.pk).update(status=Status.QUEUED)
    callbacks[0]()
    groups = _groups(synthesis)
    assert len(groups) == 2
    # The same task delivered twice (a retried enqueue): the second finds its attempt done.
    revision = Synthesis.objects.get(pk=synthesis.pk).revision
    assert detect_duplicates.call(again.pk, 1) is None
    assert _groups(synthesis) == groups
    assert Synthesis.objects.get(pk=synthesis.pk).revision == revision
    assert len(enqueued) == 1


def test_the_same_creation_form_posted_twice_makes_one_synthesis(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _consolidate(world, request_key="cle-du-formulaire")
        second = _consolidate(world, request_key="cle-du-formulaire")
    assert first.pk == second.pk and Synthesis.objects.count() == 1
    assert len(callbacks) == 1 and len(_groups(first)) == 2
    # After the detection finished too: the replay neither creates nor detects again.
    with django_capture_on_commit_callbacks() as callbacks:
        assert _consolidate(world, request_key="cle-du-formulaire").pk == first.pk
    assert callbacks == [] and first.detection.attempt == 1
    # Another form (another key) is another consolidation.
    with django_capture_on_commit_callbacks(execute=True):
        other = _consolidate(world, request_key="autre-formulaire")
    assert other.pk != first.pk


def test_a_detection_ending_after_the_organiser_worked_keeps_their_work(
        world, django_capture_on_commit_callbacks):
    """The rule: the suggestions are made of contributions still in no group when they are
    written; a suggestion left with fewer than two is dropped; existing groups are untouched."""
    scope = scope_for(world.ars)
    ain, isere = world.contributions[:3], world.contributions[3:]
    with django_capture_on_commit_callbacks() as callbacks:
        synthesis = _consolidate(world)
    # While it runs, the organiser makes a group of the Ain's doctor proposal, and writes it.
    group = editing.create_group(scope=scope, user=world.ars, synthesis=synthesis,
                                  title="Médecin traitant", contribution_ids=[ain[0].pk])
    editing.update_group(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                          title="Médecin traitant", kind="proposal", text="Notre texte.")
    callbacks[0]()
    synthesis.refresh_from_db()
    group.refresh_from_db()
    assert (group.title, group.text, group.accepted) == ("Médecin traitant", "Notre texte.",
                                                         True)
    assert list(group.items.values_list("contribution_id", flat=True)) == [ain[0].pk]
    # The doctor pair lost its Ain half: not suggested; the sport pair is.
    assert [members for _, members, _, accepted in _groups(synthesis) if not accepted] == [
        sorted([ain[1].pk, isere[1].pk])]
    assert synthesis.detection.found == 1
    assert synthesis.revisions.get(number=synthesis.revision).summary == (
        "Doublons détectés : 1 groupe suggéré")


def test_detecting_again_adds_to_the_accepted_groups_without_touching_them(world):
    synthesis = drafted(world)
    before = _groups(synthesis)
    ContributionFactory(event=world.day_ain, text="Ouvrir une maison de santé dans le canton")
    ContributionFactory(event=world.day_isere,
                        text="Ouvrir une maison de santé dans chaque canton")
    scope = scope_for(world.ars)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        detection = consolidation.redetect(scope=scope, user=world.ars, synthesis=synthesis)
    detection.refresh_from_db()
    assert (detection.attempt, detection.status, detection.found) == (2, Status.DONE, 1)
    after = _groups(synthesis)
    assert after[:len(before)] == before
    [(title, members, _, accepted)] = after[len(before):]
    assert not accepted and title == "Ouvrir une maison de santé dans le canton"


def test_nothing_found_is_said_and_records_no_revision(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        synthesis = _consolidate(world, days=[world.day_isere])
    synthesis.refresh_from_db()
    assert (synthesis.detection.status, synthesis.detection.found) == (Status.DONE, 0)
    assert synthesis.revision == 1 and not synthesis.groups.exists()


def test_a_failure_is_recorded_in_french_and_a_relaunch_works(
        world, django_capture_on_commit_callbacks, monkeypatch):
    def broken(rows, progress=None):
        raise MemoryError("plus de mémoire")

    monkeypatch.setattr(consolidation, "duplicate_groups", broken)
    with django_capture_on_commit_callbacks(execute=True):
        synthesis = _consolidate(world)
    detection = DuplicateDetection.objects.get(synthesis=synthesis)
    assert detection.status == Status.FAILED
    assert detection.error == ("Erreur inattendue du moteur d’analyse (MemoryError : plus de "
                               "mémoire).")
    synthesis.refresh_from_db()
    assert synthesis.revision == 1 and not synthesis.groups.exists()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.redetect(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis)
    detection.refresh_from_db()
    assert (detection.attempt, detection.status, detection.error) == (2, Status.DONE, "")
    assert len(_groups(synthesis)) == 2


def test_a_synthesis_submitted_meanwhile_gets_no_suggestion(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        synthesis = _consolidate(world)
    Synthesis.objects.filter(pk=synthesis.pk).update(state="in_validation")
    callbacks[0]()
    detection = DuplicateDetection.objects.get(synthesis=synthesis)
    assert detection.status == Status.FAILED and "plus en rédaction" in detection.error
    assert not synthesis.groups.exists()


def test_a_stale_detection_can_be_relaunched_and_its_late_end_is_ignored(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        synthesis = _consolidate(world)
    detection = synthesis.detection
    # Its worker took it, then died: running for an hour.
    assert duplicates.start_detection(detection.pk, 1) is not None
    DuplicateDetection.objects.filter(pk=detection.pk).update(
        requested_at=timezone.now() - dt.timedelta(hours=1))
    synthesis = Synthesis.objects.select_related("detection").get(pk=synthesis.pk)
    assert synthesis.detection.stale
    with django_capture_on_commit_callbacks() as relaunched:
        assert consolidation.redetect(scope=scope_for(world.ars), user=world.ars,
                                      synthesis=synthesis).attempt == 2
    # The first worker's end arrives late: superseded, nothing written.
    with pytest.raises(duplicates.DetectionSuperseded):
        duplicates.finish_detection(detection, [("Doublon", [c.pk for c in
                                                            world.contributions[:2]])])
    callbacks[0]()  # the first enqueue again: its attempt is not current
    assert not synthesis.groups.exists()
    relaunched[0]()
    assert len(_groups(synthesis)) == 2


def test_only_the_region_s_ars_may_detect_and_not_on_a_frozen_synthesis(world):
    synthesis = regional(world)
    for user in (world.cts_ain, world.ars_elsewhere):
        with pytest.raises(PermissionDenied):
            consolidation.redetect(scope=scope_for(user), user=user, synthesis=synthesis)
    Synthesis.objects.filter(pk=synthesis.pk).update(state="transmitted")
    with pytest.raises(revisions.Frozen):
        consolidation.redetect(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis)
    assert synthesis.detection.attempt == 1
    assert SynthesisGroup.objects.filter(synthesis=synthesis).count() == 2
