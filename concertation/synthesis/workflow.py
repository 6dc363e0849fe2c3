"""The lifecycle of a synthesis: every allowed transition, in one table.

draft → in_validation (submitted to the CRSA) → validated → transmitted (frozen). A synthesis
goes back from in_validation to draft only while no decision has been recorded; once
transmitted, later work starts a new edition (`services.new_edition`)."""

from __future__ import annotations

from concertation.core.lifecycle import Lifecycle, Transition
from concertation.synthesis.models import SynthesisState as S
from concertation.synthesis.models import SynthesisTransition

LIFECYCLE = Lifecycle(S, (
    Transition(S.DRAFT, S.IN_VALIDATION, "Soumettre à la CRSA",
               "Les propositions ne peuvent plus être modifiées ; la CRSA enregistre ses "
               "décisions.",
               consequences=(
                   "Les groupes, les textes des propositions et leur classement ne se "
                   "modifient plus : la CRSA se prononce sur les textes tels qu’ils sont.",
                   "La page « Validation avec la CRSA » s’ouvre pour enregistrer chaque "
                   "décision et son décompte de voix.",
                   "Revenir à la rédaction reste possible tant qu’aucune décision n’est "
                   "enregistrée ; après la première, non.",
               ),
               confirm_title="soumettre la synthèse à la CRSA",
               confirm_label="Oui, soumettre à la CRSA"),
    Transition(S.IN_VALIDATION, S.DRAFT, "Revenir à la rédaction",
               "Possible tant qu’aucune décision n’a été enregistrée."),
    Transition(S.IN_VALIDATION, S.VALIDATED, "Clore la validation",
               "Possible quand chaque proposition retenue a sa décision.",
               consequences=(
                   "Les décisions de la CRSA ne se corrigent plus.",
                   "Le dossier de transmission peut alors être préparé et la synthèse "
                   "publiée sur le site.",
               ),
               confirm_title="clore la validation avec la CRSA",
               confirm_label="Oui, clore la validation"),
    Transition(S.VALIDATED, S.TRANSMITTED, "Marquer comme transmise au ministère",
               "Cette version est figée : toute modification ultérieure se fera dans une "
               "nouvelle version.",
               consequences=(
                   "Cette version est figée : ni ses propositions ni les décisions de la CRSA "
                   "ne changeront plus.",
                   "Les contributions citées par les propositions adoptées passent à l’état "
                   "« Transmise », visible dans la liste publique.",
                   "Toute reprise du travail se fera dans une nouvelle version, qui repartira "
                   "des textes définitifs de celle-ci.",
               ),
               confirm_title="marquer la version comme transmise au ministère",
               confirm_label="Oui, transmettre et figer cette version"),
), log=SynthesisTransition, subject="synthesis")

# States in which groups, items and texts may be edited.
EDITABLE_STATES = frozenset({S.DRAFT})

