"""The one write path for syntheses: creation, group editing, CRSA decisions, the lifecycle and
new editions.

Every write locks the synthesis row, refuses a stale form (`expected_revision`, optimistic
locking: nobody silently overwrites someone else's change), refuses edits of a frozen or
submitted synthesis, bumps `revision`, records a `SynthesisRevision` (French summary and a
snapshot that history and diffs read) and bumps the public content version when the synthesis
is public."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from concertation.accounts.scope import AreaName, Scope
from concertation.analysis_runs.models import AnalysisRun
from concertation.contributions.models import VISIBLE_STATES, Contribution, ContributionState
from concertation.core.public_cache import bump_public_content
from concertation.events.models import Event
from concertation.synthesis.models import (
    TERRITORIAL_LEVELS,
    Decision,
    DuplicateDetection,
    Synthesis,
    SynthesisGroup,
    SynthesisItem,
    SynthesisRevision,
    SynthesisState,
    SynthesisTransition,
)
from concertation.synthesis.workflow import EDITABLE_STATES, find

Level = Synthesis.Level

CONFLICT_MESSAGE = (
    "Quelqu’un d’autre a modifié cette synthèse entre-temps : vos modifications n’ont pas été "
    "enregistrées. Relisez la version actuelle ; ce que vous aviez saisi est conservé dans le "
    "formulaire."
)
FROZEN_MESSAGE = (
    "Cette version a été transmise au ministère : elle est figée et ne peut plus être modifiée. "
    "Créez une nouvelle version pour reprendre le travail."
)
NOT_EDITABLE_MESSAGE = {
    SynthesisState.IN_VALIDATION: "La synthèse est soumise à la CRSA : ses propositions ne "
    "peuvent plus être modifiées (revenez à la rédaction tant qu’aucune décision n’a été "
    "enregistrée).",
    SynthesisState.VALIDATED: "La synthèse est validée : ses propositions ne peuvent plus être "
    "modifiées.",
}


class SynthesisError(ValidationError):
    pass


class Conflict(SynthesisError):
    """The form was read at an older revision than the synthesis now has."""


class Frozen(SynthesisError):
    pass


# --- Permissions -------------------------------------------------------------------------------

def can_manage(scope: Scope, synthesis: Synthesis, area: AreaName = "manage") -> bool:
    """The object-level twin of `Synthesis.objects.within(scope)`, for a row already locked."""
    place = scope.area(area)
    return place.covers(synthesis.region_id, None) or (
        synthesis.level in TERRITORIAL_LEVELS and place.covers(None, synthesis.health_territory_id))


def _check_scope(scope: Scope, synthesis: Synthesis, area: AreaName = "manage") -> None:
    if not can_manage(scope, synthesis, area):
        raise PermissionDenied("Cette synthèse n’est pas dans votre périmètre.")


# --- Selection -----------------------------------------------------------------------------

def source_contributions(synthesis: Synthesis) -> QuerySet[Contribution]:
    """The contributions a synthesis works from: published ones (merged ones are represented
    by their target) of its day, territory, region's chosen days, theme, and online ones when
    included."""
    contributions = Contribution.objects.filter(campaign_id=synthesis.campaign_id,
                                                state__in=VISIBLE_STATES)
    if synthesis.level == Level.EVENT:
        return contributions.filter(event_id=synthesis.event_id)
    area = Q()
    if synthesis.health_territory_id:
        area = Q(health_territory_id=synthesis.health_territory_id)
    elif synthesis.region_id:
        area = Q(department__region_id=synthesis.region_id) | Q(
            event__department__region_id=synthesis.region_id)
    if synthesis.level in (Level.REGION, Level.NATIONAL) and synthesis.pk:
        day_ids = list(synthesis.days.values_list("pk", flat=True))
        if day_ids:
            chosen = Q(event_id__in=day_ids)
            if synthesis.includes_online:
                chosen |= Q(origin=Contribution.Origin.ONLINE) & area
            return contributions.filter(chosen)
    if synthesis.level == Level.TERRITORY and not synthesis.includes_online:
        area &= Q(origin=Contribution.Origin.WORKSHOP)
    contributions = contributions.filter(area)
    if synthesis.theme_id:
        contributions = contributions.filter(theme_id=synthesis.theme_id)
    return contributions


# --- Snapshots and the write frame -------------------------------------------------------------

def snapshot(synthesis: Synthesis) -> dict:
    """The state of a synthesis after a write: what history shows and diffs compare."""
    groups = list(synthesis.groups.select_related("theme").order_by("position", "id"))
    members: dict[int, list[int]] = {g.pk: [] for g in groups}
    for group_id, contribution_id in (SynthesisItem.objects.filter(synthesis=synthesis)
                                      .order_by("contribution_id")
                                      .values_list("group_id", "contribution_id")):
        members[group_id].append(contribution_id)
    decisions = {d.group_id: d for d in Decision.objects.filter(group__synthesis=synthesis)}
    return {
        "title": synthesis.title,
        "state": synthesis.state,
        "edition": synthesis.edition,
        "groups": [{
            "id": g.pk, "title": g.title, "kind": g.kind, "text": g.text,
            "theme": g.theme.title if g.theme else "", "accepted": g.accepted,
            "position": g.position, "contributions": members[g.pk],
            "decision": _decision_snapshot(decisions.get(g.pk)),
        } for g in groups],
    }


def _decision_snapshot(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    return {"outcome": decision.outcome, "votes_for": decision.votes_for,
            "votes_against": decision.votes_against, "abstentions": decision.abstentions,
            "amended_text": decision.amended_text}


def _begin(scope: Scope, synthesis: Synthesis, expected_revision: int | None, *,
           edit: bool = True, area: AreaName = "manage") -> Synthesis:
    """Lock the synthesis and check that this write may happen on it now."""
    locked = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    _check_scope(scope, locked, area)
    if locked.frozen:
        raise Frozen(FROZEN_MESSAGE)
    if expected_revision is not None and expected_revision != locked.revision:
        raise Conflict(CONFLICT_MESSAGE)
    if edit and locked.state not in EDITABLE_STATES:
        raise SynthesisError(NOT_EDITABLE_MESSAGE[locked.state])
    return locked


def check_editable(scope: Scope, synthesis: Synthesis,
                   expected_revision: int | None = None) -> None:
    """The refusals of `_begin`, with the lock released at once: before slow work whose result
    a write will record (that write checks again under its own lock)."""
    with transaction.atomic():
        _begin(scope, synthesis, expected_revision)


def _commit(locked: Synthesis, user, summary: str) -> Synthesis:
    locked.revision += 1
    locked.save(update_fields=["revision", "state", "updated_at", "title", "introduction",
                               "validation_event", "is_public", "transmitted_at",
                               "transmitted_by"])
    SynthesisRevision.objects.create(synthesis=locked, number=locked.revision, user=user,
                                     summary=summary[:300], snapshot=snapshot(locked))
    if locked.is_public:
        bump_public_content()
    return locked


def _group_of(locked: Synthesis, group: SynthesisGroup | int) -> SynthesisGroup:
    pk = group if isinstance(group, int) else group.pk
    try:
        return locked.groups.get(pk=pk)
    except SynthesisGroup.DoesNotExist:
        raise SynthesisError("Ce groupe n’existe plus dans cette synthèse.") from None


def _next_position(locked: Synthesis) -> int:
    return (locked.groups.aggregate(m=Max("position"))["m"] or 0) + 1


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise SynthesisError("Donnez un intitulé au groupe.")
    if len(title) > 200:
        raise SynthesisError(f"L’intitulé dépasse 200 caractères ({len(title)}).")
    return title


def _ids(contribution_ids: Iterable) -> list[int]:
    ids = sorted({int(pk) for pk in contribution_ids})
    if not ids:
        raise SynthesisError("Cochez au moins une contribution.")
    return ids


# --- Creation ----------------------------------------------------------------------------------

def unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "synthese"
    slug, n = base, 2
    while Synthesis.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def save_with_unique_slug(synthesis: Synthesis, title: str, attempts: int = 5) -> None:
    """Save a new synthesis under a free slug made from `title`. Two syntheses of the same
    title created at the same instant both find the slug free: the second one's insert then
    fails on the unique slug, and it takes the next one instead of failing."""
    for _ in range(attempts):
        synthesis.slug = unique_slug(title)
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on
                synthesis.save(force_insert=True)
        except IntegrityError:
            if not Synthesis.objects.filter(slug=synthesis.slug).exists():
                raise  # another constraint (the same form posted twice): the caller's to say
            continue
        return
    raise SynthesisError("Trop de synthèses portent ce titre en ce moment : réessayez.")


def _check_creation(scope: Scope, synthesis: Synthesis) -> None:
    level = synthesis.level
    if level == Level.EVENT:
        if synthesis.event is None:
            raise SynthesisError("Choisissez la journée de la synthèse.")
        if not scope.can_manage_event(synthesis.event):
            raise PermissionDenied("Cette journée n’est pas dans votre périmètre.")
    elif level == Level.TERRITORY:
        territory = synthesis.health_territory
        if territory is None:
            raise SynthesisError("Choisissez le territoire de santé de la synthèse.")
        if not (scope.everything or territory.pk in scope.territory_ids
                or territory.region_id in scope.region_ids):
            raise PermissionDenied("Ce territoire n’est pas dans votre périmètre.")
    elif level == Level.THEME and synthesis.theme is None:
        raise SynthesisError("Choisissez le thème de la synthèse.")
    if level in (Level.REGION, Level.NATIONAL) and synthesis.region is None \
            and not scope.everything:
        raise SynthesisError("Choisissez la région de la synthèse.")
    # A day's or a territory's synthesis takes its region from them (checked above); a
    # regional, national or regional theme synthesis is the ARS's.
    if synthesis.health_territory is None and synthesis.region_id is not None and not (
            scope.everything or synthesis.region_id in scope.region_ids):
        raise PermissionDenied("Seule l’ARS de la région peut faire cette synthèse.")
    if level == Level.THEME and synthesis.region is None and synthesis.health_territory is None \
            and not scope.everything:
        raise SynthesisError("Choisissez la région ou le territoire de la synthèse thématique.")
    if synthesis.theme is not None and synthesis.theme.campaign_id != synthesis.campaign_id:
        raise SynthesisError("Ce thème n’appartient pas à cette concertation.")
    if synthesis.event is not None and synthesis.event.campaign_id != synthesis.campaign_id:
        raise SynthesisError("Cette journée n’appartient pas à cette concertation.")


@transaction.atomic
def create_synthesis(*, scope: Scope, user, campaign, level: str, title: str, event=None,
                     health_territory=None, region=None, theme=None, days: Sequence[Event] = (),
                     includes_online: bool = False, validation_event: Event | None = None,
                     source_run: AnalysisRun | None = None,
                     introduction: str = "", request_key: str = "") -> Synthesis:
    """A new synthesis, empty or with an analysis run's groups as suggestions to accept."""
    if level not in Level.values:
        raise SynthesisError("Échelle de synthèse inconnue.")
    # The scope fields that permissions read: a day's synthesis belongs to its territory and
    # region, a territory's to its region.
    if event is not None:
        health_territory = health_territory or event.health_territory
        region = region or event.department.region
    if health_territory is not None:
        region = region or health_territory.region
    synthesis = Synthesis(
        campaign=campaign, level=level, event=event, health_territory=health_territory,
        region=region, theme=theme, title=(title or "").strip()[:200],
        includes_online=includes_online, validation_event=validation_event,
        source_run=source_run, introduction=introduction.strip(), created_by=user,
        request_key=request_key,
    )
    if not synthesis.title:
        raise SynthesisError("Donnez un titre à la synthèse.")
    _check_creation(scope, synthesis)
    for day in days:
        if day.campaign_id != campaign.pk or not scope.can_manage_event(day):
            raise SynthesisError(f"La journée « {day.title} » ne peut pas être consolidée ici.")
        if region is not None and day.department.region_id != region.pk:
            raise SynthesisError(f"La journée « {day.title} » n’est pas dans la région.")
    if validation_event is not None and (
            validation_event.kind != Event.Kind.REGIONAL_RESTITUTION
            or not scope.can_manage_event(validation_event)):
        raise SynthesisError("La séance de validation doit être une restitution régionale avec "
                             "la CRSA de votre périmètre.")
    if source_run is not None and (
            source_run.campaign_id != campaign.pk or source_run.status != AnalysisRun.Status.DONE
            or not AnalysisRun.objects.within(scope).filter(pk=source_run.pk).exists()):
        raise SynthesisError("Cette analyse n’est pas terminée ou porte sur une autre "
                             "concertation.")
    save_with_unique_slug(synthesis, f"{synthesis.title} v1")
    synthesis.days.set(days)
    summary = "Synthèse créée"
    if source_run is not None:
        groups = [g for g in (source_run.result or {}).get("groups", []) if not g["other"]]
        added = _add_suggestions(synthesis, [
            (g["label"][:200] or f"Groupe {g['id']}", g["members"]) for g in groups])
        summary += f" à partir de l’analyse n° {source_run.pk} ({added} groupes suggérés)"
    SynthesisTransition.objects.create(synthesis=synthesis, from_state=SynthesisState.DRAFT,
                                       to_state=SynthesisState.DRAFT, user=user, reason=summary)
    return _commit(synthesis, user, summary)


# A suggestion: its working title, its contributions, and optionally a first wording of its
# proposal (for near-duplicates, the common wording itself) for the organiser to rewrite.
Suggestion = tuple[str, Sequence[int]] | tuple[str, Sequence[int], str]


def _add_suggestions(synthesis: Synthesis, suggestions: Sequence[Suggestion], *,
                     min_size: int = 1) -> int:
    """Groups not yet accepted, each with the contributions still available: in the
    synthesis's selection and in no other group. A suggestion left with fewer than `min_size`
    of them is dropped."""
    available = set(source_contributions(synthesis).values_list("pk", flat=True))
    available -= set(synthesis.items.values_list("contribution_id", flat=True))
    position = _next_position(synthesis)
    created = 0
    items = []
    for title, members, *text in suggestions:
        members = [pk for pk in members if pk in available]
        if not members or len(members) < min_size:
            continue
        available.difference_update(members)
        group = SynthesisGroup.objects.create(synthesis=synthesis, title=title,
                                              text=text[0] if text else "",
                                              position=position, accepted=False)
        position += 1
        created += 1
        items.extend(SynthesisItem(synthesis=synthesis, group=group, contribution_id=pk)
                     for pk in members)
    SynthesisItem.objects.bulk_create(items)
    return created


# --- Duplicate detection (run by a background task) ----------------------------------------
#
# The rule when the organiser works while it runs: the detection reads the contributions not
# yet grouped, and when it writes, under the synthesis's lock, it only adds suggestions made
# of those still in no group (accepted or suggested) at that moment; a suggestion left with
# fewer than two of them is dropped. It never touches an existing group, its contributions or
# its texts, so nothing the organiser did meanwhile is undone.

DETECTION_SUMMARY = "Doublons détectés"


class DetectionSuperseded(Exception):
    """The detection attempt is no longer the current one (a stale attempt was relaunched)."""


@transaction.atomic
def request_detection(*, scope: Scope, user, synthesis: Synthesis) -> DuplicateDetection:
    """Queue a search for near-duplicates among the contributions not yet grouped; the task is
    enqueued once the transaction commits. While one is queued or running (and not stale),
    it is returned unchanged: a double click or a replayed form starts nothing. Asking
    changes none of the synthesis's content, so it records no revision and does not check
    the form's: the organiser's open forms stay valid until the suggestions are written."""
    locked = _begin(scope, synthesis, expected_revision=None)
    detection, _ = DuplicateDetection.objects.get_or_create(synthesis=locked)
    if detection.attempt and detection.pending and not detection.stale:
        return detection
    detection.attempt += 1
    detection.status = DuplicateDetection.Status.QUEUED
    detection.progress, detection.step, detection.found, detection.error = 0, "", None, ""
    detection.requested_by, detection.requested_at = user, timezone.now()
    detection.started_at = detection.finished_at = None
    detection.save()
    from concertation.synthesis.tasks import detect_duplicates

    pk, attempt = detection.pk, detection.attempt
    transaction.on_commit(lambda: detect_duplicates.enqueue(pk, attempt))
    return detection


def start_detection(detection_id: int, attempt: int) -> DuplicateDetection | None:
    """Claim a queued attempt for the task; None if it was already taken, or superseded."""
    claimed = DuplicateDetection.objects.filter(
        pk=detection_id, attempt=attempt, status=DuplicateDetection.Status.QUEUED,
    ).update(status=DuplicateDetection.Status.RUNNING, started_at=timezone.now(), progress=5,
             step="Lecture des contributions non classées")
    if not claimed:
        return None
    return DuplicateDetection.objects.select_related("synthesis").get(pk=detection_id)


def detection_progress(detection: DuplicateDetection, progress: int, step: str) -> None:
    """Record how far the task is; raises DetectionSuperseded if its attempt is no longer the
    current one."""
    updated = DuplicateDetection.objects.filter(
        pk=detection.pk, attempt=detection.attempt, status=DuplicateDetection.Status.RUNNING,
    ).update(progress=progress, step=step)
    if not updated:
        raise DetectionSuperseded


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
    created = _add_suggestions(locked, suggestions, min_size=2) if suggestions else 0
    if created:
        _commit(locked, current.requested_by,
                f"{DETECTION_SUMMARY} : {created} groupe{'s' if created > 1 else ''} suggéré"
                f"{'s' if created > 1 else ''}")
    _close_detection(current, DuplicateDetection.Status.DONE, found=created)
    return created


def fail_detection(detection: DuplicateDetection, error: str) -> None:
    """Record a failure (in French, for the organiser, who may relaunch)."""
    DuplicateDetection.objects.filter(
        pk=detection.pk, attempt=detection.attempt, status=DuplicateDetection.Status.RUNNING,
    ).update(status=DuplicateDetection.Status.FAILED, error=error[:2000],
             finished_at=timezone.now())


def _close_detection(detection: DuplicateDetection, status: str, *, found: int | None = None,
                     error: str = "") -> None:
    detection.status, detection.found, detection.error = status, found, error
    detection.progress = 100 if status == DuplicateDetection.Status.DONE else detection.progress
    detection.step, detection.finished_at = "", timezone.now()
    detection.save(update_fields=["status", "found", "error", "progress", "step",
                                  "finished_at"])


@transaction.atomic
def update_details(*, scope: Scope, user, synthesis: Synthesis, title: str, introduction: str,
                   validation_event: Event | None, expected_revision: int | None = None
                   ) -> Synthesis:
    locked = _begin(scope, synthesis, expected_revision)
    title = (title or "").strip()
    if not title:
        raise SynthesisError("Donnez un titre à la synthèse.")
    if validation_event is not None and (
            validation_event.kind != Event.Kind.REGIONAL_RESTITUTION
            or not scope.can_manage_event(validation_event)):
        raise SynthesisError("La séance de validation doit être une restitution régionale avec "
                             "la CRSA de votre périmètre.")
    locked.title, locked.introduction = title[:200], introduction.strip()
    locked.validation_event = validation_event
    return _commit(locked, user, "Titre, contexte et séance de validation modifiés")


# --- Groups ------------------------------------------------------------------------------------

@transaction.atomic
def accept_group(*, scope: Scope, user, synthesis: Synthesis, group, expected_revision=None
                 ) -> SynthesisGroup:
    locked = _begin(scope, synthesis, expected_revision)
    group = _group_of(locked, group)
    if group.accepted:
        raise SynthesisError(f"Le groupe « {group.title} » est déjà retenu.")
    group.accepted = True
    group.save(update_fields=["accepted"])
    _commit(locked, user, f"Groupe « {group.title} » retenu")
    return group


@transaction.atomic
def accept_all(*, scope: Scope, user, synthesis: Synthesis, expected_revision=None) -> int:
    locked = _begin(scope, synthesis, expected_revision)
    count = locked.groups.filter(accepted=False).update(accepted=True)
    if not count:
        raise SynthesisError("Aucune suggestion à retenir.")
    _commit(locked, user, f"{count} suggestion{'s' if count > 1 else ''} retenue"
                          f"{'s' if count > 1 else ''}")
    return count


@transaction.atomic
def dismiss_group(*, scope: Scope, user, synthesis: Synthesis, group, expected_revision=None
                  ) -> None:
    """Drop a suggestion: its contributions go back to those not yet grouped."""
    locked = _begin(scope, synthesis, expected_revision)
    group = _group_of(locked, group)
    if group.accepted:
        raise SynthesisError("Seule une suggestion peut être écartée ; un groupe retenu se vide "
                             "puis se supprime.")
    title = group.title
    group.delete()
    _commit(locked, user, f"Suggestion « {title} » écartée")


@transaction.atomic
def update_group(*, scope: Scope, user, synthesis: Synthesis, group, title: str, kind: str,
                 text: str, theme=None, expected_revision=None) -> SynthesisGroup:
    """Rename a group and write its proposal (or work lead)."""
    locked = _begin(scope, synthesis, expected_revision)
    group = _group_of(locked, group)
    title = _clean_title(title)
    if kind not in SynthesisGroup.Kind.values:
        raise SynthesisError("Nature inconnue : proposition ou piste de travail.")
    if theme is not None and theme.campaign_id != locked.campaign_id:
        raise SynthesisError("Ce thème n’appartient pas à cette concertation.")
    changes = []
    if title != group.title:
        changes.append(f"renommé « {group.title} » → « {title} »")
    if (text or "").strip() != group.text:
        changes.append("texte modifié")
    if kind != group.kind:
        changes.append(f"nature : {SynthesisGroup.Kind(kind).label.lower()}")
    if (theme.pk if theme else None) != group.theme_id:
        changes.append(f"thème : {theme.title if theme else 'aucun'}")
    if not changes:
        raise SynthesisError("Rien n’a changé.")
    group.title, group.kind, group.text, group.theme = title, kind, (text or "").strip(), theme
    group.save(update_fields=["title", "kind", "text", "theme"])
    _commit(locked, user, f"Groupe « {title} » : " + ", ".join(changes))
    return group


@transaction.atomic
def create_group(*, scope: Scope, user, synthesis: Synthesis, title: str,
                 contribution_ids: Iterable = (), expected_revision=None) -> SynthesisGroup:
    """A new accepted group, with contributions taken from wherever they are."""
    locked = _begin(scope, synthesis, expected_revision)
    group = SynthesisGroup.objects.create(synthesis=locked, title=_clean_title(title),
                                          position=_next_position(locked))
    ids = sorted({int(pk) for pk in contribution_ids})
    if ids:
        _place(locked, ids, group)
    _commit(locked, user, f"Groupe « {group.title} » créé"
                          + (f" avec {len(ids)} contribution{'s' if len(ids) > 1 else ''}"
                             if ids else ""))
    return group


def _place(locked: Synthesis, ids: list[int], group: SynthesisGroup | None) -> None:
    """Put contributions in `group` (None: back to those not grouped)."""
    allowed = set(source_contributions(locked).filter(pk__in=ids).values_list("pk", flat=True))
    allowed |= set(locked.items.filter(contribution_id__in=ids)
                   .values_list("contribution_id", flat=True))
    unknown = set(ids) - allowed
    if unknown:
        raise SynthesisError("Certaines contributions choisies ne font pas partie de cette "
                             "synthèse.")
    locked.items.filter(contribution_id__in=ids).delete()
    if group is not None:
        SynthesisItem.objects.bulk_create(
            SynthesisItem(synthesis=locked, group=group, contribution_id=pk) for pk in ids)


@transaction.atomic
def move_items(*, scope: Scope, user, synthesis: Synthesis, contribution_ids: Iterable,
               target=None, expected_revision=None) -> int:
    """Move contributions into `target` (a group of this synthesis), or out of every group
    when `target` is None."""
    locked = _begin(scope, synthesis, expected_revision)
    ids = _ids(contribution_ids)
    target_group = _group_of(locked, target) if target is not None else None
    _place(locked, ids, target_group)
    n = len(ids)
    what = f"{n} contribution{'s' if n > 1 else ''}"
    if target_group is None:
        _commit(locked, user, f"{what} retirée{'s' if n > 1 else ''} des groupes")
    else:
        _commit(locked, user, f"{what} placée{'s' if n > 1 else ''} dans « {target_group.title} »")
    return n


@transaction.atomic
def split_group(*, scope: Scope, user, synthesis: Synthesis, group, contribution_ids: Iterable,
                title: str, expected_revision=None) -> SynthesisGroup:
    """Move the chosen contributions of a group out into a new group."""
    locked = _begin(scope, synthesis, expected_revision)
    source = _group_of(locked, group)
    ids = _ids(contribution_ids)
    members = set(source.items.values_list("contribution_id", flat=True))
    if not set(ids) <= members:
        raise SynthesisError("Cochez des contributions de ce groupe.")
    if set(ids) == members:
        raise SynthesisError("Laissez au moins une contribution dans le groupe d’origine "
                             "(pour tout déplacer, renommez plutôt le groupe).")
    new = SynthesisGroup.objects.create(synthesis=locked, title=_clean_title(title),
                                        position=source.position, kind=source.kind,
                                        theme=source.theme, accepted=source.accepted)
    _place(locked, ids, new)
    _commit(locked, user, f"Groupe « {source.title} » scindé : {len(ids)} contribution"
                          f"{'s' if len(ids) > 1 else ''} dans « {new.title} »")
    return new


@transaction.atomic
def merge_groups(*, scope: Scope, user, synthesis: Synthesis, target, sources: Iterable,
                 expected_revision=None) -> SynthesisGroup:
    """Fold the source groups into the target group (their texts appended to its text)."""
    locked = _begin(scope, synthesis, expected_revision)
    target_group = _group_of(locked, target)
    source_groups = [_group_of(locked, g) for g in sources]
    source_groups = [g for g in source_groups if g.pk != target_group.pk]
    if not source_groups:
        raise SynthesisError("Choisissez au moins deux groupes à fusionner.")
    SynthesisItem.objects.filter(group__in=source_groups).update(group=target_group)
    texts = [target_group.text] + [g.text for g in source_groups]
    target_group.text = "\n\n".join(t for t in texts if t)
    target_group.accepted = True
    target_group.save(update_fields=["text", "accepted"])
    titles = ", ".join(f"« {g.title} »" for g in source_groups)
    for g in source_groups:
        g.delete()
    _commit(locked, user, f"{titles} fusionné{'s' if len(source_groups) > 1 else ''} dans "
                          f"« {target_group.title} »")
    return target_group


@transaction.atomic
def delete_group(*, scope: Scope, user, synthesis: Synthesis, group, expected_revision=None
                 ) -> None:
    locked = _begin(scope, synthesis, expected_revision)
    group = _group_of(locked, group)
    if group.items.exists():
        raise SynthesisError("Ce groupe contient encore des contributions : déplacez-les ou "
                             "retirez-les avant de le supprimer.")
    title = group.title
    group.delete()
    _commit(locked, user, f"Groupe « {title} » supprimé")


# --- Lifecycle ---------------------------------------------------------------------------------

def _ready_for_validation(locked: Synthesis) -> None:
    groups = list(locked.groups.all())
    pending = [g for g in groups if not g.accepted]
    if pending:
        raise SynthesisError(f"Retenez ou écartez d’abord les {len(pending)} suggestion"
                             f"{'s' if len(pending) > 1 else ''} restante"
                             f"{'s' if len(pending) > 1 else ''}.")
    if not groups:
        raise SynthesisError("La synthèse ne contient encore aucune proposition retenue.")
    untitled = [g.title for g in groups if not g.text.strip()]
    if untitled:
        raise SynthesisError("Rédigez le texte de chaque proposition avant de la soumettre ; "
                             f"il manque : « {untitled[0]} »"
                             + (f" et {len(untitled) - 1} autre"
                                f"{'s' if len(untitled) > 2 else ''}" if len(untitled) > 1
                                else "") + ".")


@transaction.atomic
def transition(*, scope: Scope, user, synthesis: Synthesis, target: str, reason: str = "",
               expected_revision: int | None = None) -> Synthesis:
    locked = _begin(scope, synthesis, expected_revision, edit=False)
    step = find(locked.state, target)
    if step is None:
        raise SynthesisError(
            f"Passage impossible de « {SynthesisState(locked.state).label} » à "
            f"« {SynthesisState(target).label} »." if target in SynthesisState.values
            else "État inconnu.")
    decided = Decision.objects.filter(group__synthesis=locked)
    if target == SynthesisState.IN_VALIDATION:
        _ready_for_validation(locked)
    elif target == SynthesisState.DRAFT and decided.exists():
        raise SynthesisError("La CRSA a déjà enregistré des décisions : la synthèse ne peut "
                             "plus revenir à la rédaction.")
    elif target == SynthesisState.VALIDATED:
        missing = locked.groups.filter(accepted=True, decision__isnull=True).count()
        if missing:
            raise SynthesisError(f"Il reste {missing} proposition{'s' if missing > 1 else ''} "
                                 "sans décision de la CRSA.")
        _carry_to_contributions(locked, user, ContributionState.VALIDATED)
    elif target == SynthesisState.TRANSMITTED:
        locked.transmitted_at, locked.transmitted_by = timezone.now(), user
        _carry_to_contributions(locked, user, ContributionState.TRANSMITTED)
        # The national inbox's row is written in this transaction, under this lock.
        from concertation.national import services as national

        national.receive(locked, user)
    SynthesisTransition.objects.create(synthesis=locked, from_state=locked.state,
                                       to_state=target, user=user, reason=reason.strip())
    locked.state = target
    return _commit(locked, user, f"{step.action}" + (f" : {reason.strip()}"
                                                    if reason.strip() else ""))


def _carry_to_contributions(locked: Synthesis, user, target: str) -> int:
    """The contributions cited by the proposals the CRSA adopted (as is or amended) become
    validated, then transmitted, through the contributions' own lifecycle, so that their
    authors see where they went. Those already there (cited by another synthesis) or that
    the contributions' workflow does not allow to move are left as they are."""
    from concertation.contributions import services as contributions
    from concertation.contributions.workflow import find as contribution_step

    adopted = (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED)
    cited = Contribution.objects.filter(
        pk__in=locked.items.filter(group__decision__outcome__in=adopted)
        .values("contribution_id")).order_by("pk")
    moved = 0
    reason = f"{ContributionState(target).label} avec la synthèse « {locked.title} » " \
             f"(version {locked.edition})"
    for contribution in cited:
        if contribution_step(contribution.state, target) is None:
            continue
        contributions.transition(contribution=contribution, target=target, user=user,
                                 reason=reason)
        moved += 1
    return moved


@transaction.atomic
def record_decision(*, scope: Scope, user, synthesis: Synthesis, group, outcome: str,
                    votes_for: int | None, votes_against: int | None,
                    abstentions: int | None, amended_text: str = "", note: str = "") -> Decision:
    """The CRSA's decision on one proposal, recorded once, with its vote count."""
    # No revision check: decisions on different proposals do not conflict (the texts voted on
    # cannot change while the synthesis is submitted), and recording one twice is refused below.
    locked = _begin(scope, synthesis, expected_revision=None, edit=False, area="decide")
    group = _group_of(locked, group)
    if locked.state != SynthesisState.IN_VALIDATION:
        raise SynthesisError("Les décisions s’enregistrent quand la synthèse est soumise à la "
                             "CRSA.")
    if Decision.objects.filter(group=group).exists():
        raise SynthesisError(f"Une décision est déjà enregistrée pour « {group.title} » : elle "
                             "ne peut pas être enregistrée deux fois.")
    if not group.accepted:
        raise SynthesisError("Cette suggestion n’a pas été retenue : elle n’est pas soumise "
                             "au vote.")
    amended_text = _checked_decision(group, outcome, votes_for, votes_against, abstentions,
                                     amended_text)
    decision = Decision.objects.create(
        group=group, outcome=outcome, votes_for=votes_for, votes_against=votes_against,
        abstentions=abstentions, original_text=group.text, amended_text=amended_text,
        note=(note or "").strip(), decided_by=user)
    _commit(locked, user, f"Décision de la CRSA sur « {group.title} » : "
                          f"{_decision_words(decision)}")
    return decision


def _checked_decision(group: SynthesisGroup, outcome: str, votes_for: int | None,
                      votes_against: int | None, abstentions: int | None,
                      amended_text: str) -> str:
    """Refuses a decision that is incomplete or that its own vote count contradicts; returns
    the amended text to keep (none unless the outcome is an amendment)."""
    if outcome not in Decision.Outcome.values:
        raise SynthesisError("Choisissez la décision : adoptée, adoptée avec amendement, "
                             "rejetée ou ajournée.")
    if votes_for is None or votes_against is None or abstentions is None:
        raise SynthesisError("Indiquez le décompte des voix : pour, contre et abstentions "
                             "(0 si aucune).")
    if min(votes_for, votes_against, abstentions) < 0:
        raise SynthesisError("Un nombre de voix ne peut pas être négatif.")
    # An adoption needs a majority of the votes cast (abstentions are not cast); a rejection
    # cannot have one. A postponement is decided apart from the count on the text.
    label = Decision.Outcome(outcome).label.lower()
    if outcome in (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED) and (
            votes_for <= votes_against):
        how = "plus" if votes_against > votes_for else "autant"
        raise SynthesisError(
            f"Une proposition « {label} » ne peut pas avoir {how} de voix contre "
            f"({votes_against}) que de voix pour ({votes_for}) : vérifiez la décision ou le "
            "décompte.")
    if outcome == Decision.Outcome.REJECTED and votes_for > votes_against:
        raise SynthesisError(
            f"Une proposition « {label} » ne peut pas avoir plus de voix pour ({votes_for}) que "
            f"de voix contre ({votes_against}) : vérifiez la décision ou le décompte.")
    amended_text = (amended_text or "").strip()
    if outcome != Decision.Outcome.AMENDED:
        return ""
    if not amended_text:
        raise SynthesisError("Une proposition adoptée avec amendement a besoin du texte "
                             "amendé.")
    if amended_text == group.text.strip():
        raise SynthesisError("Le texte amendé est identique au texte soumis.")
    return amended_text


def _decision_words(decision: Decision) -> str:
    n = decision.abstentions
    return (f"{decision.get_outcome_display().lower()} ({decision.votes_for} pour, "
            f"{decision.votes_against} contre, {n} abstention{'s' if n > 1 else ''})")


@transaction.atomic
def correct_decision(*, scope: Scope, user, synthesis: Synthesis, group, outcome: str,
                     votes_for: int | None, votes_against: int | None,
                     abstentions: int | None, amended_text: str = "",
                     note: str = "") -> Decision:
    """Corrects a decision recorded by mistake, while the synthesis is still before the CRSA:
    once the validation is closed the decisions are final. The revision keeps what it was."""
    locked = _begin(scope, synthesis, expected_revision=None, edit=False, area="decide")
    group = _group_of(locked, group)
    if locked.state != SynthesisState.IN_VALIDATION:
        raise SynthesisError("Une décision se corrige tant que la synthèse est soumise à la "
                             "CRSA ; la validation est close.")
    decision = Decision.objects.select_for_update().filter(group=group).first()
    if decision is None:
        raise SynthesisError(f"Il n’y a aucune décision à corriger pour « {group.title} ».")
    before = _decision_words(decision)
    decision.amended_text = _checked_decision(group, outcome, votes_for, votes_against,
                                              abstentions, amended_text)
    decision.outcome, decision.votes_for = outcome, votes_for
    decision.votes_against, decision.abstentions = votes_against, abstentions
    decision.note, decision.decided_by = (note or "").strip(), user
    decision.decided_at = timezone.now()
    decision.save()
    _commit(locked, user, f"Décision de la CRSA corrigée sur « {group.title} » : "
                          f"{before} → {_decision_words(decision)}")
    return decision


@transaction.atomic
def set_public(*, scope: Scope, user, synthesis: Synthesis, public: bool,
               expected_revision: int | None = None) -> Synthesis:
    """Show (or hide) a validated synthesis on the public site."""
    locked = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    _check_scope(scope, locked)
    if expected_revision is not None and expected_revision != locked.revision:
        raise Conflict(CONFLICT_MESSAGE)
    if public and locked.state not in (SynthesisState.VALIDATED, SynthesisState.TRANSMITTED):
        raise SynthesisError("Seule une synthèse validée peut être publiée.")
    if locked.is_public == public:
        raise SynthesisError("La synthèse est déjà publiée." if public
                             else "La synthèse n’est pas publiée.")
    locked.is_public = public
    bump_public_content()  # also when hiding: the public page must disappear
    return _commit(locked, user, "Publiée sur le site" if public else "Retirée du site public")


@transaction.atomic
def new_edition(*, scope: Scope, user, synthesis: Synthesis) -> Synthesis:
    """Start the next version of a transmitted synthesis, as a draft: its groups, their
    contributions and their final texts (amended where the CRSA amended them). Decisions
    belong to the transmitted version and stay there."""
    locked = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    _check_scope(scope, locked)
    if not locked.frozen:
        raise SynthesisError("Seule une version transmise ouvre une nouvelle version ; "
                             "celle-ci peut encore être modifiée.")
    if Synthesis.objects.filter(previous=locked).exists():
        raise SynthesisError("Une nouvelle version existe déjà : continuez-la.")
    edition = locked.edition + 1
    copy = Synthesis(
        campaign_id=locked.campaign_id, level=locked.level, event_id=locked.event_id,
        health_territory_id=locked.health_territory_id, region_id=locked.region_id,
        theme_id=locked.theme_id, title=locked.title, introduction=locked.introduction,
        includes_online=locked.includes_online, source_run_id=locked.source_run_id,
        validation_event_id=locked.validation_event_id, edition=edition, previous=locked,
        created_by=user,
    )
    save_with_unique_slug(copy, f"{locked.title} v{edition}")
    copy.days.set(locked.days.all())
    decisions = {d.group_id: d for d in Decision.objects.filter(group__synthesis=locked)}
    items = []
    for group in locked.groups.order_by("position", "id"):
        decision = decisions.get(group.pk)
        new = SynthesisGroup.objects.create(
            synthesis=copy, position=group.position, title=group.title, kind=group.kind,
            text=decision.final_text if decision else group.text, theme_id=group.theme_id,
            accepted=group.accepted)
        items.extend(SynthesisItem(synthesis=copy, group=new, contribution_id=pk)
                     for pk in group.items.values_list("contribution_id", flat=True))
    SynthesisItem.objects.bulk_create(items)
    SynthesisTransition.objects.create(synthesis=copy, from_state=SynthesisState.DRAFT,
                                       to_state=SynthesisState.DRAFT, user=user,
                                       reason=f"Nouvelle version après la version {locked.edition}")
    return _commit(copy, user, f"Version {edition} ouverte à partir de la version "
                               f"{locked.edition} transmise (textes définitifs repris)")
