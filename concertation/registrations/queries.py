"""The reads of a sign-up, in one hand-written statement (see `concertation.core.sql`).

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
# Public days only (what `Event.objects.public()` gives), with the campaign's colleges, whether
# the day has custom questions, and its workshops: one row per workshop, or one without.
_SQL = (
    "SELECT e.id, e.slug, e.state, e.date, e.capacity, e.seats_taken, e.campaign_id, "
    f"c.colleges, EXISTS (SELECT 1 FROM {_QUESTION} q WHERE q.event_id = e.id), "
    "w.id, w.event_id, w.position, w.title, w.capacity, w.seats_taken, w.starts_at "
    f"FROM {_EVENT} e INNER JOIN {_CAMPAIGN} c ON c.id = e.campaign_id "
    f"LEFT OUTER JOIN {_WORKSHOP} w ON w.event_id = e.id "
    "WHERE e.slug = %s AND e.is_public = %s AND e.state <> %s ORDER BY w.position, w.id"
)


def signup_event(slug: str) -> tuple[Event, list[Workshop]]:
    """The public day `slug` with what a sign-up needs (its other fields are deferred), its
    campaign's colleges, `has_questions`, and its workshops; 404 when there is none."""
    rows = sql.fetch(_SQL, [slug, True, EventState.DRAFT])
    if not rows:
        raise Http404("Aucune journée publique ne correspond.")
    first = rows[0]
    (event,) = sql.load(Event, EVENT_COLUMNS, [first[:7]])
    (campaign,) = sql.load(Campaign, ("id", "colleges"), [(first[6], first[7])])
    event.campaign = campaign
    event.has_questions = bool(first[8])
    workshops = sql.load(Workshop, WORKSHOP_COLUMNS, [row[9:] for row in rows
                                                      if row[9] is not None])
    for workshop in workshops:
        workshop.event = event
    return event, workshops
