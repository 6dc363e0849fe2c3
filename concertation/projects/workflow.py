"""The label lifecycle of a project: every allowed transition, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from concertation.projects.models import ProjectState as S


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    action: str  # the button label in the back-office
    needs_reason: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.PROPOSED, S.LABELLED, "Labelliser"),
    Transition(S.LABELLED, S.IN_PROGRESS, "Démarrer le projet"),
    Transition(S.IN_PROGRESS, S.DELIVERED, "Marquer comme réalisé"),
    Transition(S.PROPOSED, S.ABANDONED, "Abandonner", needs_reason=True),
    Transition(S.LABELLED, S.ABANDONED, "Abandonner", needs_reason=True),
    Transition(S.IN_PROGRESS, S.ABANDONED, "Abandonner", needs_reason=True),
)

FINAL_STATES = frozenset({S.DELIVERED, S.ABANDONED})


def find(source: str, target: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def allowed_targets(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]
