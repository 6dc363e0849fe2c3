"""Contributions' lifecycle: the error every service raises, the text rule, and the one
transition function (locks the row; `core.lifecycle` checks `workflow.py`, logs who and why)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from concertation.contributions import events
from concertation.contributions.models import MAX_TEXT, Contribution, ContributionState
from concertation.contributions.workflow import LIFECYCLE
from concertation.core.lifecycle import lock


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
def transition(*, contribution: Contribution, target: str, user: User,
               reason: str = "") -> Contribution:
    contribution = lock(contribution)
    LIFECYCLE.apply(contribution, target, user=user, reason=reason, error=ContributionError)
    _tell(contribution)
    return contribution


def _log(contribution: Contribution, target: str, user: User, reason: str = "") -> None:
    """A move the services make themselves on a row they hold, unchecked: merging and unmerging
    (outside the table on purpose, because they also move votes) and the immediate publication
    of an online contribution just written."""
    LIFECYCLE.apply(contribution, target, user=user, reason=reason, checked=False)
    _tell(contribution)


def _tell(contribution: Contribution) -> None:
    # The apps above (the organisers' webhooks) hear of a publication in its transaction.
    if contribution.state == ContributionState.PUBLISHED:
        events.published.send(sender=Contribution, contribution=contribution)
