"""Regional consolidation: the proposals of a region's days (and its online contributions) in
one synthesis, with the same proposal made in several territories detected by the analysis
engine (in a background task: `detect_duplicates`) and proposed as one group, and the
consolidated list sorted by breadth of support."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from concertation.accounts.scope import Scope
from concertation.contributions.models import Contribution
from concertation.events.models import Event
from concertation.synthesis import duplicates, editing, provenance, selection, services
from concertation.synthesis.models import DuplicateDetection, Synthesis, SynthesisGroup
from concertation.synthesis.revisions import begin

log = logging.getLogger(__name__)

# Near-duplicate thresholds for proposals written in different rooms: looser than the
# analysis page's (0.8 / 0.9), since the same idea is worded by different facilitators, and
# the organiser reviews every proposal anyway. On the demo's 144 proposals, 0.7 / 0.8 finds
# the 20 ideas behind them with their local wordings (0.8 / 0.9 splits them into 41 groups).
PAIR_THRESHOLD = 0.7
CANDIDATE_COSINE = 0.8
NEIGHBOURS = 20


Progress = Callable[[int, str], None]  # per cent, and the step in French


def duplicate_groups(rows: Sequence[tuple[int, str]], progress: Progress | None = None
                     ) -> list[list[int]]:
    """Groups (of contribution ids) of contributions that say the same thing, largest first."""
    if len(rows) < 2:
        return []
    if progress:  # the engine's first import in a worker takes seconds (numpy, scipy)
        progress(10, "Chargement du moteur d’analyse")
    from concertation.analysis import find_duplicates
    from concertation.analysis.vectors import LsaBackend

    texts = [text for _, text in rows]
    if progress:
        progress(20, "Analyse du vocabulaire des propositions")
    vectors = LsaBackend().embed(texts, seed=0)
    if progress:
        progress(60, "Comparaison des propositions deux à deux")
    found = find_duplicates(texts, vectors, None, threshold=PAIR_THRESHOLD,
                            candidate_cosine=CANDIDATE_COSINE, max_neighbours=NEIGHBOURS)
    return [[rows[i][0] for i in group.members] for group in found if len(group.members) > 1]


def _wording(texts: list[str]) -> tuple[str, str]:
    """The shortest wording, as the group's working title and first draft of its proposal
    (the organiser rewrites both)."""
    shortest = min(texts, key=lambda t: (len(t), t)).strip()
    title = shortest.rstrip(".")
    return (title if len(title) <= 200 else title[:199] + "…"), shortest


def suggestions(synthesis: Synthesis, progress: Progress | None = None
                ) -> list[editing.Suggestion]:
    """Groups to propose among the contributions not yet grouped, those raised in the most
    territories first."""
    grouped = synthesis.items.values("contribution_id")
    rows = list(selection.source_contributions(synthesis).exclude(pk__in=grouped)
                .order_by("pk").values_list("pk", "text", "health_territory_id",
                                            "event__health_territory_id"))
    texts = {pk: text for pk, text, *_ in rows}
    territory = {pk: own or day for pk, _, own, day in rows}
    found = duplicate_groups([(pk, text) for pk, text, *_ in rows], progress)
    found.sort(key=lambda ids: (-len({territory[i] for i in ids}), -len(ids), min(ids)))
    found_groups: list[editing.Suggestion] = []
    for ids in found:
        title, text = _wording([texts[i] for i in ids])
        found_groups.append((title, ids, text))
    return found_groups


def consolidate(*, scope: Scope, user, campaign, region, days: Sequence[Event],
                includes_online: bool, title: str, validation_event: Event | None = None,
                request_key: str = "") -> Synthesis:
    """A regional synthesis of the chosen days, written at once; the near-duplicates are
    looked for by a background task enqueued on commit, which adds them as suggestions.

    `request_key` is the creation form's random key: posting the same form again (a double
    click, a replayed request) returns the synthesis it already made, and starts nothing."""
    if request_key:
        existing = Synthesis.objects.filter(request_key=request_key, created_by=user).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            synthesis = services.create_synthesis(
                scope=scope, user=user, campaign=campaign, level=Synthesis.Level.REGION,
                title=title, region=region, days=days, includes_online=includes_online,
                validation_event=validation_event, request_key=request_key,
                introduction=f"Consolidation des propositions de {len(days)} journée"
                             f"{'s' if len(days) > 1 else ''}"
                             + (" et des contributions en ligne" if includes_online else "")
                             + ".")
            request_detection(scope=scope, user=user, synthesis=synthesis)
    except IntegrityError:
        # The same form posted twice at once: the other request created it first.
        existing = (Synthesis.objects.filter(request_key=request_key, created_by=user).first()
                    if request_key else None)
        if existing is None:
            raise
        return existing
    synthesis.refresh_from_db()
    return synthesis


def redetect(*, scope: Scope, user, synthesis: Synthesis,
             expected_revision: int | None = None) -> DuplicateDetection:
    """Look again, in the background, for near-duplicates among the contributions not yet
    grouped (the form's revision is not needed: asking changes nothing)."""
    return request_detection(scope=scope, user=user, synthesis=synthesis)


def run_detection(detection_id: int, attempt: int) -> int | None:
    """The task's body: claim the attempt, look for the duplicates, write them as suggestions.
    A failure is recorded on the detection, in French, never raised into the worker. Returns
    the number of suggestions added (None when the attempt was not this task's to run)."""
    detection = duplicates.start_detection(detection_id, attempt)
    if detection is None:
        return None  # already run, or replaced by a newer request
    started = time.perf_counter()
    try:
        found = suggestions(detection.synthesis,
                            lambda pc, step: duplicates.detection_progress(detection, pc, step))
        duplicates.detection_progress(detection, 90, "Enregistrement des suggestions")
        created = duplicates.finish_detection(detection, found)
    except duplicates.DetectionSuperseded:
        return None
    except Exception as error:  # recorded for the organiser, who may relaunch
        log.exception("duplicate detection %s (attempt %s) failed", detection_id, attempt)
        duplicates.fail_detection(detection, "Erreur inattendue du moteur d’analyse "
                                           f"({type(error).__name__} : {error}).")
        return None
    log.info("duplicate detection %s of synthesis %s: %s suggestions in %.2f s", detection_id,
             detection.synthesis_id, created, time.perf_counter() - started)
    return created


@dataclass
class SuggestionRow:
    group: SynthesisGroup
    contributions: list[tuple[Contribution, str]]  # with the territory that raised each
    territories: list[str]


def suggestion_rows(synthesis: Synthesis) -> list[SuggestionRow]:
    """The suggestions awaiting a decision, with the territories that raised each (two
    queries)."""
    groups = list(synthesis.groups.filter(accepted=False).order_by("position", "id"))
    members: dict[int, list[Contribution]] = defaultdict(list)
    for item in (synthesis.items.filter(group__accepted=False)
                 .select_related("contribution__event__health_territory",
                                 "contribution__health_territory")
                 .order_by("contribution_id")):
        members[item.group_id].append(item.contribution)
    rows = []
    for group in groups:
        contributions = [(c, _territory_name(c)) for c in members[group.pk]]
        names = {name for _, name in contributions if name}
        rows.append(SuggestionRow(group, contributions, sorted(names)))
    return rows


def _territory_name(contribution: Contribution) -> str:
    if contribution.health_territory_id:
        return contribution.health_territory.name
    if contribution.event_id and contribution.event.health_territory_id:
        return contribution.event.health_territory.name
    return ""


@dataclass
class ConsolidatedRow:
    group: SynthesisGroup
    provenance: provenance.Provenance


def consolidated_list(synthesis: Synthesis) -> list[ConsolidatedRow]:
    """The accepted proposals, the most widely supported first: territories, then colleges,
    then participants (then votes)."""
    groups = list(synthesis.groups.filter(accepted=True).select_related("theme", "decision"))
    computed = provenance.compute(synthesis)
    rows = [ConsolidatedRow(g, computed.for_group(g.pk)) for g in groups]
    rows.sort(key=lambda r: (tuple(-n for n in r.provenance.breadth), r.group.position,
                             r.group.pk))
    return rows


@transaction.atomic
def request_detection(*, scope: Scope, user, synthesis: Synthesis) -> DuplicateDetection:
    """Queue a search for near-duplicates among the contributions not yet grouped; the task is
    enqueued once the transaction commits. While one is queued or running (and not stale),
    it is returned unchanged: a double click or a replayed form starts nothing. Asking
    changes none of the synthesis's content, so it records no revision and does not check
    the form's: the organiser's open forms stay valid until the suggestions are written."""
    locked = begin(scope, synthesis, expected_revision=None)
    detection, _ = DuplicateDetection.objects.get_or_create(synthesis=locked)
    if detection.attempt and detection.pending and not detection.stale:
        return detection
    detection.attempt += 1
    detection.status = DuplicateDetection.Status.QUEUED
    detection.progress, detection.step, detection.found, detection.error = 0, "", None, ""
    detection.requested_by, detection.requested_at = user, timezone.now()
    detection.started_at = detection.finished_at = None
    detection.save()
    pk, attempt = detection.pk, detection.attempt
    transaction.on_commit(lambda: detect_duplicates.enqueue(pk, attempt))
    return detection


@task
def detect_duplicates(detection_id: int, attempt: int) -> int | None:
    """The background task looking for the near-duplicates of a synthesis (`run_detection`)."""
    return run_detection(detection_id, attempt)
