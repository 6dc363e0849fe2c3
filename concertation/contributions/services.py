"""The one write path for contributions: capture, moderation, votes, merges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from concertation.contributions.models import (
    MAX_PRIORITY_POINTS,
    MAX_TEXT,
    VISIBLE_STATES,
    VOTABLE_STATES,
    Comment,
    Contribution,
    ContributionState,
    ContributionTransition,
    Merge,
    MergeSource,
    PointAllocation,
    PriorityVote,
    PriorityVoteState,
    Vote,
)
from concertation.contributions.workflow import MERGEABLE_STATES, find, priority_step
from concertation.core import sql
from concertation.core.public_cache import bump_public_content
from concertation.events.models import Event, EventState, Workshop
from concertation.registrations.models import Registration, RegistrationStatus


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


@dataclass
class Captured:
    contribution: Contribution
    created: bool


CAPTURE_STATES = (EventState.REGISTRATION_OPEN, EventState.REGISTRATION_CLOSED,
                  EventState.PUBLISHED, EventState.HELD)


def capture(*, workshop: Workshop, user, text: str, client_id: str,
            college: str = "") -> Captured:
    """A proposal typed live by a facilitator. Idempotent on `client_id`: a resent entry
    (flaky venue Wi-Fi) returns the one already stored."""
    if not client_id or len(client_id) > 64:
        raise ContributionError("Identifiant de saisie manquant ou invalide.")
    existing = Contribution.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.workshop_id != workshop.pk:
            raise ContributionError("Cet identifiant de saisie appartient à un autre atelier.")
        return Captured(existing, created=False)
    event = workshop.event
    if event.state not in CAPTURE_STATES:
        raise ContributionError("La saisie est fermée pour cette journée.")
    text = clean_text(text)
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(
                campaign_id=event.campaign_id, theme_id=workshop.theme_id, text=text,
                origin=Contribution.Origin.WORKSHOP, event=event, workshop=workshop,
                department_id=event.department_id, health_territory_id=event.health_territory_id,
                entered_by=user, college=college,
                # Said aloud in the room and typed by the facilitator: public at once.
                state=ContributionState.PUBLISHED, client_id=client_id,
            )
    except IntegrityError:
        # The same entry arrived twice at the same instant: the first one won.
        return Captured(Contribution.objects.get(client_id=client_id), created=False)
    # Published at once: the public list (cached for visitors) must show it. Bumped after the
    # insert's commit, not inside it: every capture updates that one row, and facilitators
    # capturing at once queued on it for as long as each insert took to commit.
    bump_public_content()
    return Captured(contribution, created=True)


@transaction.atomic
def edit_text(*, contribution: Contribution, text: str, user) -> Contribution:
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.state in (ContributionState.MERGED, ContributionState.TRANSMITTED):
        raise ContributionError("Cette contribution ne peut plus être modifiée.")
    contribution.text = clean_text(text)
    contribution.save(update_fields=["text", "updated_at"])
    bump_public_content()
    return contribution


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


# A vote is the busiest write of a workshop (a room voting on the projected proposals), so it
# runs as hand-written statements (`core/sql.py`, prepared once per connection on PostgreSQL):
# through the ORM, compiling its queries cost several times what the database spends running
# them. Portable SQL: SQLite runs it too.
_CONTRIBUTION, _EVENT = Contribution._meta.db_table, Event._meta.db_table
_VOTE, _REGISTRATION = Vote._meta.db_table, Registration._meta.db_table
_COUNT_COLUMNS = {Vote.Value.AGREE: "agree_count", Vote.Value.DISAGREE: "disagree_count",
                  Vote.Value.PASS: "pass_count"}
# The day of a confirmed registration, if the signed link's id and code are its own.
_LINK_DAY = (f"SELECT r.event_id FROM {_REGISTRATION} r WHERE r.id = %s AND r.code = %s "
             "AND r.status = %s AND r.anonymised_at IS NULL")


def vote(*, contribution: Contribution | int, value: int, user=None, registration=None,
         college: str = "") -> None:
    """One vote per voter (an account or a registration) and contribution; voting again
    changes it. `contribution` is a contribution or its id."""
    if (user is None) == (registration is None):
        raise PermissionDenied("Un vote vient d’un compte ou d’une inscription.")
    pk = contribution if isinstance(contribution, int) else contribution.pk
    voter = ("user_id", user.pk) if user is not None else ("registration_id", registration.pk)
    _vote(pk, value, voter, college=college)


def vote_by_link(*, contribution_id: int, value: int, registration_id, code) -> None:
    """A participant's vote through their registration's signed link (`registration_id` and
    `code` read from it): only while the registration is confirmed, only on a proposal of its
    own day, with its college. Raises `Registration.DoesNotExist` for any other registration
    and `Contribution.DoesNotExist` for a proposal of another day.

    The link is checked by the same statement that counts the vote: a vote is the busiest
    write of a workshop, and a statement of its own cost as much as the count's."""
    _vote(contribution_id, value, ("registration_id", registration_id),
          link=(registration_id, code))


@transaction.atomic
def _vote(pk: int, value: int, voter: tuple[str, int], *, college: str = "",
          link: tuple[int, str] | None = None) -> None:
    if value not in Vote.Value.values:
        raise ContributionError("Vote inconnu : d’accord, pas d’accord ou passer.")
    voter_column, voter_id = voter
    counted = _COUNT_COLUMNS[value]
    # First the count, as if the vote were new (most are): this UPDATE checks that the
    # contribution takes votes and locks its row until the commit. So the same voter's other
    # tabs, and a merge or its undoing on this contribution, wait for this vote, and the vote
    # read below is the one really stored.
    count = (f"UPDATE {_CONTRIBUTION} SET {counted} = {counted} + 1 WHERE id = %s "
             f"AND state IN ({', '.join(['%s'] * len(VOTABLE_STATES))})")
    params = [pk, *VOTABLE_STATES]
    returning = f"(SELECT e.state FROM {_EVENT} e WHERE e.id = {_CONTRIBUTION}.event_id)"
    if link is not None:
        count += f" AND event_id = ({_LINK_DAY})"
        params += [*link, RegistrationStatus.CONFIRMED]
        returning += f", (SELECT r.college FROM {_REGISTRATION} r WHERE r.id = %s)"
        params.append(link[0])
    rows = sql.fetch(f"{count} RETURNING {returning}", params)
    if not rows:
        _refuse_vote(pk, link)
    if rows[0][0] == EventState.RESTITUTION_PUBLISHED:
        bump_public_content()  # the published restitution shows vote results
    if link is not None:
        college = rows[0][1]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # The unique (contribution, voter) constraint tells a first vote from a change.
    if sql.fetch(f"INSERT INTO {_VOTE} (contribution_id, {voter_column}, value, college, "
                 "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s) "
                 "ON CONFLICT DO NOTHING RETURNING id",
                 [pk, voter_id, value, college, now, now]):
        return
    stored = sql.fetch(f"SELECT id, value FROM {_VOTE} WHERE contribution_id = %s "
                       f"AND {voter_column} = %s", [pk, voter_id])
    if not stored:  # deleted in between, with its account or registration
        raise ContributionError("Votre vote n’a pas pu être enregistré : réessayez.")
    vote_id, previous = stored[0]
    if previous == value:
        # The same vote again: nothing changes, the count's increment included.
        transaction.set_rollback(True)
        return
    sql.execute(f"UPDATE {_VOTE} SET value = %s, updated_at = %s WHERE id = %s",
                [value, now, vote_id])
    uncounted = _COUNT_COLUMNS[previous]
    sql.execute(f"UPDATE {_CONTRIBUTION} SET {uncounted} = {uncounted} - 1 WHERE id = %s",
                [pk])


def _refuse_vote(pk: int, link: tuple[int, str] | None) -> NoReturn:
    """Why the contribution took no vote: the link's registration cannot vote, the
    contribution is unknown (or of another day than the link's), or closed to votes."""
    day = None
    if link is not None:
        days = sql.fetch(_LINK_DAY, [*link, RegistrationStatus.CONFIRMED])
        if not days:
            raise Registration.DoesNotExist("Seules les inscriptions confirmées votent.")
        day = days[0][0]
    found = sql.fetch(f"SELECT event_id FROM {_CONTRIBUTION} WHERE id = %s", [pk])
    if not found or (day is not None and found[0][0] != day):
        raise Contribution.DoesNotExist(f"Contribution {pk} introuvable.")
    raise ContributionError("Cette contribution n’est pas ouverte au vote.")


def vote_counts(contribution: Contribution) -> dict[str, int]:
    counts = contribution.votes.aggregate(
        agree=Count("id", filter=Q(value=1)), disagree=Count("id", filter=Q(value=-1)),
        passed=Count("id", filter=Q(value=0)),
    )
    return counts


def _recount(contribution: Contribution) -> None:
    counts = vote_counts(contribution)
    Contribution.objects.filter(pk=contribution.pk).update(
        agree_count=counts["agree"], disagree_count=counts["disagree"],
        pass_count=counts["passed"],
    )


@transaction.atomic
def recount_votes(contribution_ids) -> None:
    """Write the vote counts of these contributions from their votes: after votes went away
    outside these services (a voter's account or registration deleted outright, see
    `contributions.signals`). Locked in id order, as `merge` locks."""
    for contribution in (Contribution.objects.select_for_update()
                         .filter(pk__in=sorted(set(contribution_ids))).order_by("pk")):
        _recount(contribution)


@transaction.atomic
def merge(*, target: Contribution, sources: Sequence[Contribution], user,
          reason: str = "") -> Merge:
    """Merge `sources` into `target`. Each voter's vote is carried to the target unless that
    voter already voted there (nobody counts twice). Logged and reversible (`unmerge`)."""
    ids = sorted({c.pk for c in sources} | {target.pk})
    # Locked in the order of their ids, as `unmerge` does, so two merges never deadlock.
    locked = {c.pk: c for c in Contribution.objects.select_for_update().filter(pk__in=ids)
              .order_by("pk")}
    target = locked[target.pk]
    sources = [locked[c.pk] for c in sources if c.pk != target.pk]
    if not sources:
        raise ContributionError("Choisissez au moins deux contributions à fusionner.")
    for contribution in [target, *sources]:
        if contribution.state not in MERGEABLE_STATES:
            raise ContributionError(
                f"« {contribution} » ne peut pas être fusionnée dans son état "
                f"({contribution.get_state_display()})."
            )
    if any(c.campaign_id != target.campaign_id for c in sources):
        raise ContributionError("On ne fusionne que des contributions d’une même concertation.")
    record = Merge.objects.create(target=target, user=user, reason=reason.strip())
    voters_on_target = {(v.user_id, v.registration_id) for v in target.votes.all()}
    for source in sources:
        moved = []
        for source_vote in source.votes.all():
            key = (source_vote.user_id, source_vote.registration_id)
            if key in voters_on_target:
                continue
            copy = Vote.objects.create(
                contribution=target, user_id=source_vote.user_id,
                registration_id=source_vote.registration_id, value=source_vote.value,
                college=source_vote.college, created_at=source_vote.created_at,
            )
            voters_on_target.add(key)
            moved.append([copy.pk, source_vote.pk])
        MergeSource.objects.create(merge=record, contribution=source,
                                   previous_state=source.state, moved_votes=moved)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        _log(source, ContributionState.MERGED, user, f"Fusionnée dans #{target.pk}")
    _recount(target)
    return record


@transaction.atomic
def unmerge(*, merge_record: Merge, user) -> None:
    record = Merge.objects.select_for_update().get(pk=merge_record.pk)
    if record.undone_at is not None:
        raise ContributionError("Cette fusion a déjà été annulée.")
    source_records = list(record.sources.all())
    # The target and its sources locked in one go, in the order `merge` locks them: a vote
    # on the target waits until its copied votes are gone and its counts recounted, so the
    # recount misses no vote and no vote is changed while it is removed.
    ids = sorted({record.target_id, *(r.contribution_id for r in source_records)})
    locked = {c.pk: c for c in Contribution.objects.select_for_update().filter(pk__in=ids)
              .order_by("pk")}
    for source_record in source_records:
        Vote.objects.filter(pk__in=[pair[0] for pair in source_record.moved_votes]).delete()
        source = locked[source_record.contribution_id]
        source.merged_into = None
        source.save(update_fields=["merged_into", "updated_at"])
        _log(source, source_record.previous_state, user, f"Fusion dans #{record.target_id} annulée")
    record.undone_at, record.undone_by = timezone.now(), user
    record.save(update_fields=["undone_at", "undone_by"])
    _recount(record.target)


def provenance(contribution: Contribution) -> list[Contribution]:
    """The contribution and every contribution merged into it, however deep."""
    found, frontier = [contribution], [contribution.pk]
    while frontier:
        children = list(Contribution.objects.filter(merged_into_id__in=frontier)
                        .select_related("event", "workshop", "department", "health_territory"))
        found.extend(children)
        frontier = [c.pk for c in children]
    return found


@transaction.atomic
def submit_online(*, campaign, user, title: str, text: str, theme, department, college: str,
                  flagged: bool = False) -> Contribution:
    """A contribution typed on the platform. Published at once under post-moderation, unless
    it was flagged (personal health details), which always waits for a moderator."""
    if not campaign.online_open:
        raise ContributionError("Les contributions en ligne sont fermées pour cette concertation.")
    if theme is not None and theme.campaign_id != campaign.pk:
        raise ContributionError("Ce thème n’appartient pas à cette concertation.")
    publish = campaign.moderation == campaign.Moderation.POST and not flagged
    territory = department.health_territories.order_by("id").first()
    contribution = Contribution.objects.create(
        campaign=campaign, theme=theme, title=title.strip()[:200], text=clean_text(text),
        origin=Contribution.Origin.ONLINE, department=department, health_territory=territory,
        author=user, college=college,
    )
    if publish:
        _log(contribution, ContributionState.PUBLISHED, user, "Publication immédiate "
             "(modération a posteriori)")
    return contribution


MAX_COMMENT = 2000


def add_comment(*, contribution: Contribution, user, text: str, parent=None) -> Comment:
    text = (text or "").strip()
    if not text:
        raise ContributionError("Le commentaire est vide.")
    if len(text) > MAX_COMMENT:
        raise ContributionError(f"Le commentaire dépasse {MAX_COMMENT} caractères.")
    if contribution.state not in VISIBLE_STATES:
        raise ContributionError("Cette contribution n’est pas ouverte aux commentaires.")
    if parent is not None and parent.parent_id is not None:
        parent = parent.parent  # one level of replies: answer the thread's first comment
    return Comment.objects.create(contribution=contribution, author=user, text=text,
                                  parent=parent)


def similar_contributions(*, campaign, text: str, limit: int = 5) -> list[Contribution]:
    """Published contributions close to `text`: candidates from the full-text index, ranked
    by the analysis engine's pair similarity."""
    from concertation.contributions.search import search

    words = [w for w in text.split() if len(w) > 3][:30]
    if len(words) < 2:
        return []
    candidates = list(
        search(Contribution.objects.visible().filter(campaign=campaign), " ".join(words),
               any_word=True)
        .order_by("-agree_count")[:50]
    )
    if not candidates:
        return []
    from concertation.analysis.similarity import pair_similarity

    scores = pair_similarity([text] * len(candidates), [c.text for c in candidates])
    ranked = sorted(zip(scores, candidates, strict=True), key=lambda pair: -pair[0])
    return [c for score, c in ranked[:limit] if score >= SIMILAR_THRESHOLD]


# Pair similarity (0 to 1) above which a proposal is shown as close: chosen loose, since the
# person reading decides whether it says the same thing.
SIMILAR_THRESHOLD = 0.15


# --- Priority votes in workshops -----------------------------------------------------------

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


def _voter(user, registration) -> dict:
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
def open_priority_vote(*, workshop: Workshop, user, points: int) -> PriorityVote:
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
def allocate_points(*, priority_vote: PriorityVote, allocation: Mapping[int, int], user=None,
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


def my_points(priority_vote: PriorityVote, *, user=None, registration=None) -> dict[int, int]:
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
def close_priority_vote(*, priority_vote: PriorityVote, user) -> PriorityVote:
    priority_vote = PriorityVote.objects.select_for_update().get(pk=priority_vote.pk)
    if priority_step(priority_vote.state, PriorityVoteState.CLOSED) is None:
        raise ContributionError("Ce vote de priorité est déjà clos.")
    ranking, voters = priority_ranking(priority_vote)
    priority_vote.results = [vars(row) for row in ranking]
    priority_vote.voters = voters
    priority_vote.state = PriorityVoteState.CLOSED
    priority_vote.closed_by, priority_vote.closed_at = user, timezone.now()
    priority_vote.save(update_fields=["results", "voters", "state", "closed_by", "closed_at"])
    bump_public_content()  # the restitution and the projector show the frozen ranking
    return priority_vote
