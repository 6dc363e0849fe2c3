"""The write frame every change to a synthesis goes through: `begin` locks the row and refuses
a stale form (`expected_revision`, optimistic locking: nobody silently overwrites someone
else's change) or an edit of a frozen or submitted synthesis; `commit` bumps `revision`,
records a `SynthesisRevision` (French summary and a `snapshot` that history and diffs read)
and bumps the public content version when the synthesis is public."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from concertation.accounts.scope import AreaName, Scope
from concertation.core.public_cache import bump_public_content
from concertation.synthesis.models import (
    Decision,
    Synthesis,
    SynthesisGroup,
    SynthesisItem,
    SynthesisRevision,
    SynthesisState,
)
from concertation.synthesis.selection import check_scope
from concertation.synthesis.workflow import EDITABLE_STATES

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


def begin(scope: Scope, synthesis: Synthesis, expected_revision: int | None, *,
          edit: bool = True, area: AreaName = "manage") -> Synthesis:
    """Lock the synthesis and check that this write may happen on it now."""
    locked = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    check_scope(scope, locked, area)
    if locked.frozen:
        raise Frozen(FROZEN_MESSAGE)
    if expected_revision is not None and expected_revision != locked.revision:
        raise Conflict(CONFLICT_MESSAGE)
    if edit and locked.state not in EDITABLE_STATES:
        raise SynthesisError(NOT_EDITABLE_MESSAGE[locked.state])
    return locked


def check_editable(scope: Scope, synthesis: Synthesis,
                   expected_revision: int | None = None) -> None:
    """The refusals of `begin`, with the lock released at once: before slow work whose result
    a write will record (that write checks again under its own lock)."""
    with transaction.atomic():
        begin(scope, synthesis, expected_revision)


def commit(locked: Synthesis, user, summary: str) -> Synthesis:
    locked.revision += 1
    locked.save(update_fields=["revision", "state", "updated_at", "title", "introduction",
                               "validation_event", "is_public", "transmitted_at",
                               "transmitted_by"])
    SynthesisRevision.objects.create(synthesis=locked, number=locked.revision, user=user,
                                     summary=summary[:300], snapshot=snapshot(locked))
    if locked.is_public:
        bump_public_content()
    return locked


def group_of(locked: Synthesis, group: SynthesisGroup | int) -> SynthesisGroup:
    pk = group if isinstance(group, int) else group.pk
    try:
        return locked.groups.get(pk=pk)
    except SynthesisGroup.DoesNotExist:
        raise SynthesisError("Ce groupe n’existe plus dans cette synthèse.") from None


def next_position(locked: Synthesis) -> int:
    return (locked.groups.aggregate(m=Max("position"))["m"] or 0) + 1

