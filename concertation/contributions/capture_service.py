"""Deleting an entry at live capture, and undoing it.

A deletion is the lifecycle transition published → withdrawn (`workflow.py`), never a row
deleted: the entry keeps its votes, its point allocations and its log, drops out of every
list (withdrawn is not a visible state) and comes back whole with « Annuler la suppression »,
which is the transition back. Both go through `services.transition`, which locks the row and
logs who did it."""

from __future__ import annotations

from concertation.contributions import services
from concertation.contributions.models import Contribution, ContributionState
from concertation.events.models import Workshop

WITHDRAW_REASON = "Supprimée par l’animation pendant la saisie de l’atelier."
RESTORE_REASON = "Suppression annulée par l’animation."


def _check(workshop: Workshop, contribution: Contribution) -> None:
    # The view fetched the workshop through the facilitator's scope; the entry must be one
    # typed in that workshop, not any contribution whose id was put in the URL.
    if (contribution.workshop_id != workshop.pk
            or contribution.origin != Contribution.Origin.WORKSHOP):
        raise services.ContributionError("Cette proposition n’a pas été saisie dans cet atelier.")
    if workshop.event.state not in services.CAPTURE_STATES:
        raise services.ContributionError("La saisie est fermée pour cette journée.")


def withdraw_entry(*, workshop: Workshop, contribution: Contribution, user) -> Contribution:
    _check(workshop, contribution)
    if contribution.state != ContributionState.PUBLISHED:
        raise services.ContributionError(
            "Cette proposition ne peut plus être supprimée de la saisie : elle est "
            f"« {ContributionState(contribution.state).label} »."
        )
    return services.transition(contribution=contribution, target=ContributionState.WITHDRAWN,
                               user=user, reason=WITHDRAW_REASON)


def restore_entry(*, workshop: Workshop, contribution: Contribution, user) -> Contribution:
    _check(workshop, contribution)
    if contribution.state != ContributionState.WITHDRAWN:
        raise services.ContributionError("Cette proposition n’est pas supprimée.")
    return services.transition(contribution=contribution, target=ContributionState.PUBLISHED,
                               user=user, reason=RESTORE_REASON)
