"""The lifecycle of a consultation day: every allowed transition, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from concertation.events.models import EventState as S


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    action: str  # the button label in the back-office


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.PUBLISHED, "Publier"),
    Transition(S.DRAFT, S.REGISTRATION_OPEN, "Publier et ouvrir les inscriptions"),
    Transition(S.PUBLISHED, S.REGISTRATION_OPEN, "Ouvrir les inscriptions"),
    Transition(S.REGISTRATION_OPEN, S.REGISTRATION_CLOSED, "Clore les inscriptions"),
    Transition(S.REGISTRATION_CLOSED, S.REGISTRATION_OPEN, "Rouvrir les inscriptions"),
    Transition(S.PUBLISHED, S.HELD, "Marquer comme tenue"),
    Transition(S.REGISTRATION_OPEN, S.HELD, "Marquer comme tenue"),
    Transition(S.REGISTRATION_CLOSED, S.HELD, "Marquer comme tenue"),
    Transition(S.HELD, S.RESTITUTION_PUBLISHED, "Publier la restitution"),
    Transition(S.DRAFT, S.CANCELLED, "Annuler"),
    Transition(S.PUBLISHED, S.CANCELLED, "Annuler"),
    Transition(S.REGISTRATION_OPEN, S.CANCELLED, "Annuler"),
    Transition(S.REGISTRATION_CLOSED, S.CANCELLED, "Annuler"),
)

# States in which the programme and practical details may still be edited.
EDITABLE_STATES = frozenset({S.DRAFT, S.PUBLISHED, S.REGISTRATION_OPEN, S.REGISTRATION_CLOSED})


def allowed_targets(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]


def is_allowed(source: str, target: str) -> bool:
    return any(t.source == source and t.target == target for t in TRANSITIONS)
