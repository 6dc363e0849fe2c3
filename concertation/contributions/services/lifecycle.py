"""Contributions' lifecycle: the error every service raises, the text rule, and the one
transition function (locks the row, checks `workflow.py`, logs who and why)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from concertation.contributions.models import (
    MAX_TEXT,
    Contribution,
    ContributionState,
    ContributionTransition,
)
from concertation.contributions.workflow import find
from concertation.core.public_cache import bump_public_content


class ContributionError(ValidationError):
    pass


def clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ContributionError("Le texte de la contribution est vide.")
    if len(text) > MAX_TEXT:
        raise ContributionError(
            f"Le texte dépasse {MAX_TEXT} caractères ({len(text)}) : raccourcissez-le."
        )
    return text


@transaction.atomic
def transition(*, contribution: Contribution, target: str, user, reason: str = "") -> Contribution:
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    step = find(contribution.state, target)
    if step is None:
        raise ContributionError(
            f"Passage impossible de « {ContributionState(contribution.state).label} » "
            f"à « {ContributionState(target).label} »."
        )
    if step.needs_reason and not reason.strip():
        raise ContributionError("Indiquez le motif : il est conservé et montré à l’auteur.")
    _log(contribution, target, user, reason.strip())
    return contribution


def _log(contribution: Contribution, target: str, user, reason: str = "") -> None:
    ContributionTransition.objects.create(contribution=contribution, from_state=contribution.state,
                                          to_state=target, user=user, reason=reason)
    contribution.state = target
    contribution.save(update_fields=["state", "updated_at"])
    bump_public_content()
