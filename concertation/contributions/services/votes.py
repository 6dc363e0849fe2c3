"""Agree / disagree / pass votes, with their counts kept on the contribution's row."""

from __future__ import annotations

from typing import NoReturn

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from concertation.contributions.models import (
    VOTABLE_STATES,
    Contribution,
    Vote,
)
from concertation.contributions.services.lifecycle import ContributionError
from concertation.core import sql
from concertation.core.public_cache import bump_public_content
from concertation.events.models import Event, EventState
from concertation.registrations import link_sql
from concertation.registrations.models import Registration

# A vote is the busiest write of a workshop (a room voting on the projected proposals), so it
# runs as hand-written statements (`core/sql.py`, prepared once per connection on PostgreSQL):
# through the ORM, compiling its queries cost several times what the database spends running
# them. Portable SQL: SQLite runs it too.
# Columns are read by the names the statements give them; those of the registrations table
# are named by its app (`registrations/link_sql.py`).
_CONTRIBUTION, _EVENT = Contribution._meta.db_table, Event._meta.db_table
_VOTE = Vote._meta.db_table
_COUNT_COLUMNS = {Vote.Value.AGREE: "agree_count", Vote.Value.DISAGREE: "disagree_count",
                  Vote.Value.PASS: "pass_count"}


def vote(*, contribution: Contribution | int, value: int, user: User | None = None,
         registration=None,
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
    returning = (f"(SELECT e.state FROM {_EVENT} e WHERE e.id = {_CONTRIBUTION}.event_id)"
                 " AS day_state")
    if link is not None:
        day, day_params = link_sql.link_day(*link)
        count += f" AND event_id = ({day})"
        params += day_params
        of_link, link_params = link_sql.college(link[0])
        returning += f", ({of_link}) AS college"
        params += link_params
    rows = sql.fetch(f"{count} RETURNING {returning}", params)
    if not rows:
        _refuse_vote(pk, link)
    counted_row = rows[0]
    if counted_row.day_state == EventState.RESTITUTION_PUBLISHED:
        bump_public_content()  # the published restitution shows vote results
    if link is not None:
        college = counted_row.college
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # The unique (contribution, voter) constraint tells a first vote from a change.
    if sql.fetch(f"INSERT INTO {_VOTE} (contribution_id, {voter_column}, value, college, "
                 "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s) "
                 "ON CONFLICT DO NOTHING RETURNING id",
                 [pk, voter_id, value, college, now, now]):
        return
    stored = sql.fetch(f"SELECT id AS id, value AS value FROM {_VOTE} "
                       f"WHERE contribution_id = %s AND {voter_column} = %s", [pk, voter_id])
    if not stored:  # deleted in between, with its account or registration
        raise ContributionError("Votre vote n’a pas pu être enregistré : réessayez.")
    vote_id, previous = stored[0].id, stored[0].value
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
        days = sql.fetch(*link_sql.link_day(*link))
        if not days:
            raise Registration.DoesNotExist("Seules les inscriptions confirmées votent.")
        day = days[0].event_id
    found = sql.fetch(f"SELECT event_id AS event_id FROM {_CONTRIBUTION} WHERE id = %s", [pk])
    if not found or (day is not None and found[0].event_id != day):
        raise Contribution.DoesNotExist(f"Contribution {pk} introuvable.")
    raise ContributionError("Cette contribution n’est pas ouverte au vote.")


def vote_counts(contribution: Contribution) -> dict[str, int]:
    """The counts as stored on the contribution's row (read afresh): the one source every page
    shows, kept right by `_vote` and by the recounts of merges and deletions."""
    agree, disagree, passed = Contribution.objects.filter(pk=contribution.pk).values_list(
        "agree_count", "disagree_count", "pass_count").get()
    return {"agree": agree, "disagree": disagree, "passed": passed}


def counted_votes(contribution: Contribution) -> dict[str, int]:
    """The counts recounted from the votes themselves: what `_recount` writes on the row, and
    what the tests compare the stored counts with."""
    return contribution.votes.aggregate(
        agree=Count("id", filter=Q(value=1)), disagree=Count("id", filter=Q(value=-1)),
        passed=Count("id", filter=Q(value=0)),
    )


def _recount(contribution: Contribution) -> None:
    counts = counted_votes(contribution)
    Contribution.objects.filter(pk=contribution.pk).update(
        agree_count=counts["agree"], disagree_count=counts["disagree"],
        pass_count=counts["passed"],
    )


@transaction.atomic
def recount_votes(contribution_ids) -> None:
    """Write the vote counts of these contributions from their votes: after votes went away
    outside these services (a voter's account or registration deleted outright, see
    `contributions.signals`). Locked in id order, as `merge` locks. The counts are shown on
    public pages (the list, a contribution's page, a published restitution), which the
    deletion, made past the services, did not refresh: the public content version moves."""
    for contribution in (Contribution.objects.select_for_update()
                         .filter(pk__in=sorted(set(contribution_ids))).order_by("pk")):
        _recount(contribution)
    bump_public_content()
