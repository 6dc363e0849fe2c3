"""Reminders before a day (issue 18), on each day's own schedule (`DaySettings.reminder_days`,
by default 7 days and 1 day before), run by the chores (`send_reminders`, hourly with `serve`,
or a cron). A reminder is due from midnight of its day; each is mailed once: a registration
gets the latest reminder whose time has come if none went since that time. Someone who signs
up after a reminder's time skips it (their confirmation has just told them), except the last
one, which everybody gets."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from concertation.core.models import OutgoingEmail
from concertation.events.models import Event
from concertation.registrations.models import (
    DaySettings,
    Registration,
    RegistrationStatus,
    default_reminder_days,
)
from concertation.registrations.services.base import send_email

MAX_DAYS_BEFORE = 60
MAX_REMINDERS = 5


def parse_days(text: str) -> list[int]:
    """« 7, 1 » → [7, 1]: distinct whole numbers of days, largest first; ValueError with a
    French message otherwise."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        days = sorted({int(p) for p in parts}, reverse=True)
    except ValueError:
        raise ValueError("Indiquez des nombres entiers de jours, séparés par des virgules "
                         "(par exemple : 7, 1).") from None
    if any(d < 0 or d > MAX_DAYS_BEFORE for d in days):
        raise ValueError(f"Chaque rappel part entre 0 (le matin même) et {MAX_DAYS_BEFORE} "
                         "jours avant la journée.")
    if len(days) > MAX_REMINDERS:
        raise ValueError(f"{MAX_REMINDERS} rappels au plus.")
    return days


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def due_moment(event_date: dt.date, days: list[int], today: dt.date,
               ) -> tuple[dt.datetime, bool] | None:
    """The time of the latest reminder whose day has come, and whether it is the last one of
    the schedule; None before the first or after the day."""
    if event_date < today:
        return None
    passed = [d for d in days if event_date - dt.timedelta(days=d) <= today]
    if not passed:
        return None
    latest = min(passed)
    return _midnight(event_date - dt.timedelta(days=latest)), latest == min(days)


def send_due_reminders(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    events = Event.objects.filter(
        date__gte=today, date__lte=today + dt.timedelta(days=MAX_DAYS_BEFORE)).exclude(
        state="cancelled")
    schedules = dict(DaySettings.objects.filter(event__in=events)
                     .values_list("event_id", "reminder_days"))
    count = 0
    for event_id, event_date in events.values_list("pk", "date"):
        due = due_moment(event_date, schedules.get(event_id, default_reminder_days()), today)
        if due is None:
            continue
        moment, last = due
        sent_since = OutgoingEmail.objects.filter(
            registration=OuterRef("pk"), kind=OutgoingEmail.Kind.REMINDER,
            created_at__gte=moment)
        people = (Registration.objects.filter(
            event_id=event_id, status=RegistrationStatus.CONFIRMED,
            anonymised_at__isnull=True).exclude(email="")
            .filter(~Exists(sent_since)).select_related("event"))
        if not last:
            people = people.filter(created_at__lt=moment)
        for registration in people:
            with transaction.atomic():
                send_email(registration, OutgoingEmail.Kind.REMINDER)
            count += 1
    return count
