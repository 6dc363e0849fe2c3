"""The lifecycle of a contribution: every allowed transition, in one table.

Merging and unmerging are not listed: only `services.merge` and `services.unmerge` move a
contribution into and out of the merged state, because they also move votes."""

from __future__ import annotations

from dataclasses import dataclass

from concertation.contributions.models import ContributionState as S
from concertation.contributions.models import PriorityVoteState as P


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    action: str
    needs_reason: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.SUBMITTED, S.PUBLISHED, "Publier"),
    Transition(S.SUBMITTED, S.REJECTED, "Refuser", needs_reason=True),
    # The words say what is recorded (« Refusée »): there is no hidden state.
    Transition(S.PUBLISHED, S.REJECTED, "Refuser et retirer du site", needs_reason=True),
    Transition(S.REJECTED, S.PUBLISHED, "Rétablir"),
    Transition(S.PUBLISHED, S.RETAINED, "Retenir comme piste de travail"),
    Transition(S.RETAINED, S.PUBLISHED, "Ne plus retenir"),
    Transition(S.RETAINED, S.VALIDATED, "Valider"),
    Transition(S.PUBLISHED, S.VALIDATED, "Valider"),
    Transition(S.VALIDATED, S.TRANSMITTED, "Marquer comme transmise"),
    # Live capture: the facilitator deletes an entry and may undo it; a moderator may too.
    Transition(S.PUBLISHED, S.WITHDRAWN, "Supprimer de la saisie"),
    Transition(S.WITHDRAWN, S.PUBLISHED, "Rétablir"),
)
MERGEABLE_STATES = frozenset({S.SUBMITTED, S.PUBLISHED, S.RETAINED})


def find(source: str, target: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def allowed_targets(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]


# A workshop's priority vote: opened, then closed once and for all (its results frozen). A new
# round is a new vote, so the restitution always cites the ranking the room saw.
PRIORITY_TRANSITIONS: tuple[tuple[P, P, str], ...] = (
    (P.OPEN, P.CLOSED, "Clore le vote"),
)


def priority_step(source: str, target: str) -> str | None:
    return next((action for s, t, action in PRIORITY_TRANSITIONS
                 if s == source and t == target), None)
