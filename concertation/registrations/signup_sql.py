"""Every hand-written statement of a sign-up, the one hot path of this app (see
`concertation.core.sql`): the read of the day, the rate limit's count, the seats taken and
given back, and the day's counters read after a waiting-list entry.

A burst of sign-ups is the one moment the site takes many writes at once; through the ORM,
compiling these statements cost more CPU than running them (`make bench-signup`). Columns are
read by the names the statements give them. The write of a sign-up's rows is
`sql.insert_chain` in `services/signup.py`, which takes its condition and its extra read from
here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.http import Http404
from django.utils import timezone

from concertation.campaigns.models import Campaign
from concertation.core import sql
from concertation.events.models import Event, EventState, Workshop
from concertation.registrations.models import CustomQuestion, RegistrationAttempt

_EVENT, _CAMPAIGN = Event._meta.db_table, Campaign._meta.db_table
_QUESTION, _WORKSHOP = CustomQuestion._meta.db_table, Workshop._meta.db_table
_ATTEMPT = RegistrationAttempt._meta.db_table

# Public days only (what `Event.objects.public()` gives), with the campaign's colleges, whether
# the day has custom questions, and its workshops: one row per workshop, or one without.
# Each column is named after its model's field, with the prefix that `sql.load` takes.
_SIGNUP_EVENT_SQL = (
    "SELECT e.id AS day_id, e.slug AS day_slug, e.state AS day_state, e.date AS day_date, "
    "e.capacity AS day_capacity, e.seats_taken AS day_seats_taken, "
    "e.campaign_id AS day_campaign_id, c.id AS campaign_id, c.colleges AS campaign_colleges, "
    f"EXISTS (SELECT 1 FROM {_QUESTION} q WHERE q.event_id = e.id) AS has_questions, "
    "w.id AS workshop_id, w.event_id AS workshop_event_id, w.position AS workshop_position, "
    "w.title AS workshop_title, w.capacity AS workshop_capacity, "
    "w.seats_taken AS workshop_seats_taken, w.starts_at AS workshop_starts_at "
    f"FROM {_EVENT} e INNER JOIN {_CAMPAIGN} c ON c.id = e.campaign_id "
    f"LEFT OUTER JOIN {_WORKSHOP} w ON w.event_id = e.id "
    "WHERE e.slug = %s AND e.is_public = %s AND e.state <> %s ORDER BY w.position, w.id"
)


def signup_event(slug: str) -> tuple[Event, list[Workshop]]:
    """The public day `slug` with what a sign-up needs (its other fields are deferred), its
    campaign's colleges, `has_questions`, and its workshops; 404 when there is none."""
    rows = sql.fetch(_SIGNUP_EVENT_SQL, [slug, True, EventState.DRAFT])
    if not rows:
        raise Http404("Aucune journée publique ne correspond.")
    (event,) = sql.load(Event, rows[:1], prefix="day_")
    (event.campaign,) = sql.load(Campaign, rows[:1], prefix="campaign_")
    event.has_questions = bool(rows[0].has_questions)  # type: ignore[attr-defined]  # the form's
    workshops = sql.load(Workshop, rows, prefix="workshop_")  # none when the join found none
    for workshop in workshops:
        workshop.event = event
    return event, workshops


# The sign-ups from one network address within the rate limit's window.
_ATTEMPTS_SQL = f"SELECT COUNT(*) AS n FROM {_ATTEMPT} WHERE ip_hash = %s AND at >= %s"


def attempts_count(ip_hash: str, since: dt.datetime) -> tuple[str, list]:
    """The count of sign-ups from `ip_hash` since `since`, as SQL and its parameters: run
    alone (`attempts_from`) or as the condition of a sign-up's write."""
    return _ATTEMPTS_SQL, [ip_hash, connection.ops.adapt_datetimefield_value(since)]


def attempts_from(ip_hash: str, since: dt.datetime) -> int:
    return sql.fetch(*attempts_count(ip_hash, since))[0].n


_TAKE_DAY_SEAT_SQL = (
    f"UPDATE {_EVENT} SET seats_taken = seats_taken + 1 WHERE id = %s AND state = %s "
    "AND date >= %s AND (capacity IS NULL OR seats_taken < capacity)"
)
_GIVE_BACK_DAY_SEAT_SQL = f"UPDATE {_EVENT} SET seats_taken = seats_taken - 1 WHERE id = %s"
# All or none in one statement: no other writer runs, so the NOT EXISTS reads current rows.
_TAKE_WORKSHOP_SEATS_SQL = (
    "UPDATE {table} SET seats_taken = seats_taken + 1 WHERE id IN ({ids}) AND NOT EXISTS "
    "(SELECT 1 FROM {table} full_one WHERE full_one.id IN ({ids}) "
    "AND full_one.seats_taken >= full_one.capacity)"
)


def take_seat(event_id: int, workshop_ids: Sequence[int]) -> bool:
    """Take a seat of the day and of each workshop, all or none, in conditional UPDATEs.

    The day's UPDATE is the lock: it waits for a sign-up holding the row, then re-reads the
    count, and while this transaction lasts no other can take a seat of this day nor change
    its workshops' counters (every write to them holds the day's row). A day without room
    is not locked at all: its sign-ups go to the waiting list side by side."""
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    if not sql.execute(_TAKE_DAY_SEAT_SQL, [event_id, EventState.REGISTRATION_OPEN, today]):
        return False
    if not workshop_ids:
        return True
    ids = list(workshop_ids)
    marks = ", ".join(["%s"] * len(ids))
    statement = _TAKE_WORKSHOP_SEATS_SQL.format(table=_WORKSHOP, ids=marks)
    if sql.execute(statement, ids + ids) == len(ids):
        return True
    sql.execute(_GIVE_BACK_DAY_SEAT_SQL, [event_id])
    return False


# The day's counters: `capacity` and `seats_taken` columns of the row it returns.
_SEATS_SQL = (f"SELECT capacity AS capacity, seats_taken AS seats_taken FROM {_EVENT} "
              "WHERE id = %s")


def seats_sql(event_id: int, *, key_share: bool = False) -> tuple[str, list]:
    """The read of the day's counters, as SQL and its parameters; with `key_share`, under the
    lock a foreign key to the row takes anyway (see `services/signup.py`)."""
    return (_SEATS_SQL + " FOR KEY SHARE" if key_share else _SEATS_SQL), [event_id]


def day_is_full(event_id: int) -> bool:
    """Whether the day has no seat left (or is gone): one unlocked read."""
    rows = sql.fetch(*seats_sql(event_id))
    return not rows or (rows[0].capacity is not None
                        and rows[0].seats_taken >= rows[0].capacity)
