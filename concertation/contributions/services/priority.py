"""Priority votes in workshops: points shared among the proposals, ranking frozen at close."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from concertation.contributions.models import (
    MAX_PRIORITY_POINTS,
    VOTABLE_STATES,
    Contribution,
    PointAllocation,
    PriorityVote,
    PriorityVoteState,
)
from concertation.contributions.services.capture import CAPTURE_STATES
from concertation.contributions.services.lifecycle import ContributionError
from concertation.contributions.workflow import PRIORITY_LIFECYCLE
from concertation.core.lifecycle import lock
from concertation.core.public_cache import bump_public_content
from concertation.events.models import Workshop

MIN_PRIORITY_POINTS = 1


@dataclass
class Ranked:
    id: int
    text: str
    points: int
    supporters: int


def priority_proposals(priority_vote: PriorityVote):
    """The proposals a priority vote is about: the workshop's published ones (and work leads),
    as the room sees them on the projector."""
    return (Contribution.objects.filter(workshop_id=priority_vote.workshop_id,
                                        state__in=VOTABLE_STATES)
            .order_by("created_at", "id"))


def _voter(user: User, registration) -> dict:
    if (user is None) == (registration is None):
        raise PermissionDenied("Un vote vient d’un compte ou d’une inscription.")
    return {"user": user} if user is not None else {"registration": registration}


def parse_points(raw: Mapping[int, str], *, limit: int) -> dict[int, int]:
    """The points typed for each proposal (blank is 0). A clear French message for anything
    that is not a whole number between 0 and the limit."""
    allocation = {}
    for contribution_id, value in raw.items():
        value = (value or "").strip()
        if not value:
            continue
        try:
            points = int(value)
        except ValueError:
            raise ContributionError(
                f"« {value[:20]} » n’est pas un nombre de points : tapez un nombre entier."
            ) from None
        if points < 0:
            raise ContributionError("Les points ne peuvent pas être négatifs.")
        if points > limit:
            raise ContributionError(f"Une proposition reçoit au plus {limit} points.")
        if points:
            allocation[contribution_id] = points
    return allocation


@transaction.atomic
def open_priority_vote(*, workshop: Workshop, user: User, points: int) -> PriorityVote:
    """Opens a priority vote in a workshop with `points` per participant. The caller checked
    that `user` may facilitate the workshop."""
    if not MIN_PRIORITY_POINTS <= points <= MAX_PRIORITY_POINTS:
        raise ContributionError(
            f"Le nombre de points par participant va de {MIN_PRIORITY_POINTS} à "
            f"{MAX_PRIORITY_POINTS}."
        )
    # Locked so that two facilitators clicking at once open one vote, not two.
    # Only the workshop's row: a sign-up locks the day then its workshops, so taking the day
    # here too could deadlock with a burst of sign-ups.
    workshop = (Workshop.objects.select_for_update(of=("self",)).select_related("event")
                .get(pk=workshop.pk))
    if workshop.event.state not in CAPTURE_STATES:
        raise ContributionError("Le vote de priorité ne peut plus s’ouvrir pour cette journée.")
    if workshop.priority_votes.filter(state=PriorityVoteState.OPEN).exists():
        raise ContributionError("Un vote de priorité est déjà ouvert dans cet atelier.")
    if not Contribution.objects.filter(workshop=workshop, state__in=VOTABLE_STATES).exists():
        raise ContributionError("L’atelier n’a encore aucune proposition publiée à prioriser.")
    priority_vote = PriorityVote.objects.create(workshop=workshop, points=points,
                                                opened_by=user)
    bump_public_content()
    return priority_vote


@transaction.atomic
def allocate_points(*, priority_vote: PriorityVote, allocation: Mapping[int, int],
                    user: User | None = None,
                    registration=None) -> dict[int, int]:
    """Replaces the participant's allocation in the vote with `allocation` (proposal id →
    points). Refused, changing nothing, when the vote is closed, a proposal is not part of
    it, or the total exceeds the vote's points."""
    voter = _voter(user, registration)
    # The vote's row is the lock: allocations and the closing happen one after the other, so
    # nothing is counted after the results are frozen, and one participant's two tabs cannot
    # both add their points.
    priority_vote = PriorityVote.objects.select_for_update().get(pk=priority_vote.pk)
    if not priority_vote.is_open:
        raise ContributionError("Le vote de priorité est clos : les points ne peuvent plus "
                                "changer.")
    if registration is not None and registration.event_id != _event_id(priority_vote):
        raise PermissionDenied("Cette inscription est celle d’une autre journée.")
    if any(points < 0 for points in allocation.values()):
        raise ContributionError("Les points ne peuvent pas être négatifs.")
    allocation = {int(k): int(v) for k, v in allocation.items() if v}
    total = sum(allocation.values())
    if total > priority_vote.points:
        raise ContributionError(
            f"Vous avez réparti {total} points : le maximum est {priority_vote.points}. "
            f"Retirez-en {total - priority_vote.points}."
        )
    known = set(priority_proposals(priority_vote).filter(pk__in=allocation)
                .values_list("pk", flat=True))
    if set(allocation) - known:
        raise ContributionError("Une des propositions ne fait pas partie de ce vote.")
    PointAllocation.objects.filter(priority_vote=priority_vote, **voter).delete()
    PointAllocation.objects.bulk_create([
        PointAllocation(priority_vote=priority_vote, contribution_id=pk, points=points, **voter)
        for pk, points in allocation.items()
    ])
    return allocation


def _event_id(priority_vote: PriorityVote) -> int:
    return Workshop.objects.values_list("event_id", flat=True).get(pk=priority_vote.workshop_id)


def my_points(priority_vote: PriorityVote, *, user: User | None = None,
              registration=None) -> dict[int, int]:
    voter = _voter(user, registration)
    return dict(PointAllocation.objects.filter(priority_vote=priority_vote, **voter)
                .values_list("contribution_id", "points"))


def priority_ranking(priority_vote: PriorityVote) -> tuple[list[Ranked], int]:
    """The proposals ranked by points, then by number of supporters, and the number of voters.
    Frozen once the vote is closed; computed live (two queries) while it is open."""
    if not priority_vote.is_open:
        return [Ranked(**row) for row in priority_vote.results], priority_vote.voters
    mine = Q(point_allocations__priority_vote=priority_vote)
    rows = (priority_proposals(priority_vote)
            .annotate(total=Coalesce(Sum("point_allocations__points", filter=mine), 0),
                      supporters=Count("point_allocations", filter=mine))
            .order_by("-total", "-supporters", "created_at", "id")
            .values_list("id", "text", "total", "supporters"))
    voters = (PointAllocation.objects.filter(priority_vote=priority_vote)
              .values("user_id", "registration_id").distinct().count())
    return [Ranked(*row) for row in rows], voters


@transaction.atomic
def close_priority_vote(*, priority_vote: PriorityVote, user: User) -> PriorityVote:
    priority_vote = lock(priority_vote)
    if not PRIORITY_LIFECYCLE.is_allowed(priority_vote.state, PriorityVoteState.CLOSED):
        raise ContributionError("Ce vote de priorité est déjà clos.")
    ranking, voters = priority_ranking(priority_vote)
    priority_vote.results = [vars(row) for row in ranking]
    priority_vote.voters = voters
    priority_vote.closed_by, priority_vote.closed_at = user, timezone.now()
    # The restitution and the projector show the frozen ranking: the bump is in apply.
    PRIORITY_LIFECYCLE.apply(priority_vote, PriorityVoteState.CLOSED, user=user,
                             error=ContributionError,
                             update_fields=["results", "voters", "closed_by", "closed_at"])
    return priority_vote
