"""iCalendar (RFC 5545) files: one event, or a feed of many."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as IcsEvent

from concertation.events.models import Event, EventState


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Concertation//Journées de concertation//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _component(event: Event) -> IcsEvent:
    url = settings.SITE_URL + event.get_absolute_url()
    component = IcsEvent()
    component.add("uid", f"event-{event.pk}@concertation")
    component.add("dtstamp", timezone.now())
    component.add("last-modified", event.updated_at)
    component.add("dtstart", event.start)
    component.add("dtend", event.end)
    component.add("summary", event.title)
    component.add("location", event.full_address)
    component.add("url", url)
    description = [event.summary, "", f"Programme et inscription : {url}"]
    component.add("description", "\n".join(description).strip())
    component.add(
        "status", "CANCELLED" if event.state == EventState.CANCELLED else "CONFIRMED"
    )
    return component


def event_calendar(event: Event) -> bytes:
    cal = _calendar(event.title)
    cal.add_component(_component(event))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_calendar(name: str, events: Iterable[Event]) -> bytes:
    cal = _calendar(name)
    for event in events:
        cal.add_component(_component(event))
    cal.add_missing_timezones()
    return cal.to_ical()
