"""The lifecycle of a contribution: every allowed transition, in one table.

Merging and unmerging are not listed: only `services.merge` and `services.unmerge` move a
contribution into and out of the merged state, because they also move votes."""

from __future__ import annotations

from concertation.contributions.models import ContributionState as S
from concertation.contributions.models import ContributionTransition
from concertation.contributions.models import PriorityVoteState as P
from concertation.core.lifecycle import Lifecycle, Transition

LIFECYCLE = Lifecycle(S, (
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
), log=ContributionTransition, subject="contribution",
    reason_message="Indiquez le motif : il est conservé et montré à l’auteur.")
MERGEABLE_STATES = frozenset({S.SUBMITTED, S.PUBLISHED, S.RETAINED})


# A workshop's priority vote: opened, then closed once and for all (its results frozen). A new
# round is a new vote, so the restitution always cites the ranking the room saw.
PRIORITY_LIFECYCLE = Lifecycle(P, (
    Transition(P.OPEN, P.CLOSED, "Clore le vote"),
))
