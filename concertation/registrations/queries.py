"""The reads of a sign-up, in two hand-written statements (see `concertation.core.sql`).

A burst of sign-ups is the one moment the site takes many writes at once; through the ORM,
reading the day with its campaign and its workshops cost more CPU than the writes."""

from __future__ import annotations

from django.http import Http404

from concertation.campaigns.models import Campaign
from concertation.core import sql
from concertation.events.models import Event, EventState, Workshop
from concertation.registrations.models import CustomQuestion

EVENT_COLUMNS = ("id", "slug", "state", "date", "capacity", "seats_taken", "campaign")
WORKSHOP_COLUMNS = ("id", "event", "position", "title", "capacity", "seats_taken", "starts_at")

_EVENT, _CAMPAIGN = Event._meta.db_table, Campaign._meta.db_table
_QUESTION, _WORKSHOP = CustomQuestion._meta.db_table, Workshop._meta.db_table
# Public days only (what `Event.objects.public()` gives), with the campaign's colleges and
# whether the day has custom questions.
_EVENT_SQL = (
    "SELECT e.id, e.slug, e.state, e.date, e.capacity, e.seats_taken, e.campaign_id, "
    f"c.colleges, EXISTS (SELECT 1 FROM {_QUESTION} q WHERE q.event_id = e.id) "
    f"FROM {_EVENT} e INNER JOIN {_CAMPAIGN} c ON c.id = e.campaign_id "
    "WHERE e.slug = %s AND e.is_public = %s AND e.state <> %s"
)
_WORKSHOPS_SQL = (
    "SELECT id, event_id, position, title, capacity, seats_taken, starts_at "
    f"FROM {_WORKSHOP} WHERE event_id = %s ORDER BY position, id"
)


def signup_event(slug: str) -> tuple[Event, list[Workshop]]:
    """The public day `slug` with what a sign-up needs (its other fields are deferred), its
    campaign's colleges, `has_questions`, and its workshops; 404 when there is none."""
    rows = sql.fetch(_EVENT_SQL, [slug, True, EventState.DRAFT])
    if not rows:
        raise Http404("Aucune journée publique ne correspond.")
    row = rows[0]
    (event,) = sql.load(Event, EVENT_COLUMNS, [row[:7]])
    (campaign,) = sql.load(Campaign, ("id", "colleges"), [(row[6], row[7])])
    event.campaign = campaign
    event.has_questions = bool(row[8])
    workshops = sql.load(Workshop, WORKSHOP_COLUMNS, sql.fetch(_WORKSHOPS_SQL, [event.pk]))
    for workshop in workshops:
        workshop.event = event
    return event, workshops
