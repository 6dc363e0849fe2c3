"""The lifecycle of a synthesis: every allowed transition, in one table.

draft → in_validation (submitted to the CRSA) → validated → transmitted (frozen). A synthesis
goes back from in_validation to draft only while no decision has been recorded; once
transmitted, later work starts a new edition (`services.new_edition`)."""

from __future__ import annotations

from dataclasses import dataclass

from concertation.synthesis.models import SynthesisState as S


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    action: str  # the button label in the back-office
    help: str  # what the button does, shown next to it


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.IN_VALIDATION, "Soumettre à la CRSA",
               "Les propositions ne peuvent plus être modifiées ; la CRSA enregistre ses "
               "décisions."),
    Transition(S.IN_VALIDATION, S.DRAFT, "Revenir à la rédaction",
               "Possible tant qu’aucune décision n’a été enregistrée."),
    Transition(S.IN_VALIDATION, S.VALIDATED, "Clore la validation",
               "Possible quand chaque proposition retenue a sa décision."),
    Transition(S.VALIDATED, S.TRANSMITTED, "Marquer comme transmise au ministère",
               "Cette version est figée : toute modification ultérieure se fera dans une "
               "nouvelle version."),
)

# States in which groups, items and texts may be edited.
EDITABLE_STATES = frozenset({S.DRAFT})


def allowed_targets(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]


def find(source: str, target: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)
