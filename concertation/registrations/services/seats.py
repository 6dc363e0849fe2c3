"""Seats of a day and of its workshops, the waiting list and its promotions.

Seats: `Event.seats_taken` and `Workshop.seats_taken` count the confirmed registrations. Every
write to them holds the day's row: a sign-up takes its seat with a conditional UPDATE of that
row (the lock lasts until its commit, a few statements), and the other changes (cancellation,
promotion, change of workshop) lock it with SELECT … FOR UPDATE, count the registrations
themselves and write the counters back. So capacity holds under concurrent sign-ups, and a day
without room takes no lock at all.

A freed seat goes to the next person waiting who fits it: at once (confirmed, told by mail),
or, on a day with timed offers (`Event.waitlist_offer_hours`), offered to them by mail for
that many hours. An offered seat counts as taken (status `offered`); accepted in time it is
theirs, otherwise `expire_offers` closes their entry and offers it to the next person. Both
run under the day's lock, so an acceptance and the expiry of the same offer never both win."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.tasks import task
from django.utils import timezone

from concertation.core.models import OutgoingEmail
from concertation.events.models import Event, EventState, Workshop
from concertation.registrations import signals, signup_sql
from concertation.registrations.models import (
    Registration,
    RegistrationStatus,
)
from concertation.registrations.services.base import (
    RegistrationError,
    _lock,
    send_email,
    validate_workshops,
)

# The statuses that hold a seat: confirmed, and offered while the offer runs.
HOLDING = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


def seats_taken(event: Event, workshops: Sequence[Workshop] | None = None
                ) -> tuple[int, dict[int, int]]:
    """Seats held of the day, and per workshop (only those given, when given)."""
    day = Registration.objects.filter(event=event, status__in=HOLDING).count()
    links = Registration.workshops.through.objects.filter(
        registration__event=event, registration__status__in=HOLDING
    )
    if workshops is not None:
        if not workshops:
            return day, {}
        links = links.filter(workshop__in=workshops)
    per_workshop = dict(links.values("workshop_id").annotate(n=Count("id"))
                        .values_list("workshop_id", "n").order_by())
    return day, per_workshop


def _fits(event: Event, workshops: Iterable[Workshop], taken: tuple[int, dict[int, int]]) -> bool:
    day, per_workshop = taken
    if event.capacity is not None and day >= event.capacity:
        return False
    return all(per_workshop.get(w.pk, 0) < w.capacity for w in workshops)


def _take_seat(event: Event, workshops: Sequence[Workshop]) -> bool:
    """Take a seat of the day and of each workshop, all or none (hand-written statements:
    they run on every confirmed sign-up, see `registrations/signup_sql.py`)."""
    return signup_sql.take_seat(event.pk, [w.pk for w in workshops])


def _looks_full(event: Event, workshops: Sequence[Workshop]) -> bool:
    """From the rows read at the start of the request: no need to try for a seat."""
    if event.capacity is not None and event.seats_taken >= event.capacity:
        return True
    return any(w.seats_taken >= w.capacity for w in workshops)


def _offer_until(event: Event, now: dt.datetime) -> dt.datetime | None:
    """When an offer made now ends, on a day with timed offers: after its hours, and at the
    latest when the day starts; None when the seat is given at once (no timed offers, or the
    day about to start: no time left to wait for an answer)."""
    if not event.waitlist_offer_hours:
        return None
    starts = timezone.make_aware(dt.datetime.combine(event.date, event.starts_at))
    until = min(now + dt.timedelta(hours=event.waitlist_offer_hours), starts)
    return until if until > now + dt.timedelta(minutes=30) else None


def _promote(event: Event, now: dt.datetime | None = None) -> list[Registration]:
    """Give freed seats to waiting people, in order of sign-up, skipping those whose
    workshops are still full: confirmed at once, or offered for a while on a day with timed
    offers. Under the day's lock; the caller recounts afterwards."""
    promoted = []
    now = now or timezone.now()
    offer_until = _offer_until(event, now)
    taken = seats_taken(event)
    for waiting in Registration.objects.waitlisted().filter(event=event).prefetch_related(
        "workshops"
    ):
        workshops = list(waiting.workshops.all())
        if not _fits(event, workshops, taken):
            if event.capacity is not None and taken[0] >= event.capacity:
                break
            continue
        if offer_until is not None and waiting.email:
            waiting.status, waiting.offer_expires_at = RegistrationStatus.OFFERED, offer_until
            waiting.save(update_fields=["status", "offer_expires_at", "updated_at"])
            send_email(waiting, OutgoingEmail.Kind.OFFER)
            _expire_at(event.pk, offer_until)
        else:
            # Without an address, nobody could accept: the seat is given, as it always was.
            waiting.status = RegistrationStatus.CONFIRMED
            waiting.promoted_at = now
            waiting.save(update_fields=["status", "promoted_at", "updated_at"])
            send_email(waiting, OutgoingEmail.Kind.PROMOTED)
            signals.changed.send(sender=Registration, registration=waiting, change="promoted")
        promoted.append(waiting)
        taken = seats_taken(event)
    return promoted


def _recount(event: Event) -> None:
    """Write the day's and its workshops' counters from the confirmed registrations. Only
    under the day's lock: then no sign-up is taking a seat of this day."""
    confirmed = Registration.objects.filter(status__in=HOLDING)
    Event.objects.filter(pk=event.pk).update(seats_taken=Coalesce(Subquery(
        confirmed.filter(event=OuterRef("pk")).order_by().values("event")
        .annotate(n=Count("pk")).values("n")
    ), 0))
    links = Registration.workshops.through.objects.filter(
        registration__status__in=HOLDING)
    Workshop.objects.filter(event=event).update(seats_taken=Coalesce(Subquery(
        links.filter(workshop=OuterRef("pk")).order_by().values("workshop")
        .annotate(n=Count("pk")).values("n")
    ), 0))


@transaction.atomic
def recount_seats(event: Event) -> None:
    """Counters from the registrations, for rows written without this module (demo data)."""
    _recount(_lock(event))


def promote_if_room(event_id: int, workshop_ids: Sequence[int] | None = None
                    ) -> list[Registration]:
    """Promote waiting people if a seat is free: one unlocked read when there is none.
    Run after a waiting-list entry or a freed seat commits: whichever of the two commits last
    sees the other, so a seat never stays free while someone fitting it waits."""
    # Hand-written: it runs after every waiting-list sign-up, most of a burst.
    if signup_sql.day_is_full(event_id):
        return []
    if workshop_ids is not None and Workshop.objects.filter(
        pk__in=workshop_ids, seats_taken__lt=F("capacity")
    ).count() < len(workshop_ids):
        return []
    if not Registration.objects.waitlisted().filter(event_id=event_id).exists():
        return []
    with transaction.atomic():
        event = _lock(Event(pk=event_id))
        promoted = _promote(event)
        if promoted:
            _recount(event)
    return promoted


def _after_freeing(event: Event) -> None:
    # A waiting-list entry committing while this transaction ran was not seen by _promote.
    transaction.on_commit(lambda: promote_if_room(event.pk))


@transaction.atomic
def cancel(registration: Registration) -> list[Registration]:
    """Cancel a registration (idempotent) and promote whoever its seat fits."""
    event = _lock(registration.event)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    if event.date < timezone.localdate():
        raise RegistrationError("Cette journée est passée : l’inscription ne peut plus changer.")
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    send_email(registration, OutgoingEmail.Kind.CANCELLED)
    signals.changed.send(sender=Registration, registration=registration, change="cancelled")
    promoted = _promote(event)
    _recount(event)
    _after_freeing(event)
    return promoted


@transaction.atomic
def change_workshops(registration: Registration, workshops: Sequence[Workshop]) -> Registration:
    event = _lock(registration.event)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationError("Cette inscription est annulée.")
    if event.date < timezone.localdate() or event.state not in (
        EventState.REGISTRATION_OPEN, EventState.REGISTRATION_CLOSED, EventState.PUBLISHED
    ):
        raise RegistrationError("Les ateliers de cette journée ne peuvent plus être changés.")
    validate_workshops(event, workshops)
    if registration.status in HOLDING:
        _, per_workshop = seats_taken(event)
        current = set(registration.workshops.values_list("id", flat=True))
        for workshop in workshops:
            if workshop.pk not in current and per_workshop.get(workshop.pk, 0) >= workshop.capacity:
                raise RegistrationError(f"L’atelier « {workshop.title} » est complet.")
    registration.workshops.set(workshops)
    send_email(registration, OutgoingEmail.Kind.CHANGED)
    _promote(event)
    _recount(event)
    _after_freeing(event)
    registration.refresh_from_db()
    return registration


def _expire_at(event_id: int, when: dt.datetime) -> None:
    # Its own deferred task, at the offer's end; `send_reminders` (hourly) is the safety net
    # for a lost task or a backend that cannot defer.
    if expire_offers_task.get_backend().supports_defer:
        transaction.on_commit(
            lambda: expire_offers_task.using(run_after=when).enqueue(event_id))


@transaction.atomic
def accept_offer(registration: Registration, now: dt.datetime | None = None) -> Registration:
    """The person accepts the seat offered to them, from their personal link, in time."""
    now = now or timezone.now()
    event = _lock(registration.event)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status == RegistrationStatus.CONFIRMED:
        return registration  # accepted already (the button clicked twice)
    if registration.status != RegistrationStatus.OFFERED or (
            registration.offer_expires_at is not None and registration.offer_expires_at <= now):
        raise RegistrationError("Le délai pour accepter cette place est passé : elle a été "
                                "proposée à la personne suivante de la liste d’attente.")
    registration.status, registration.promoted_at = RegistrationStatus.CONFIRMED, now
    registration.save(update_fields=["status", "promoted_at", "updated_at"])
    send_email(registration, OutgoingEmail.Kind.PROMOTED)
    signals.changed.send(sender=Registration, registration=registration, change="promoted")
    _recount(event)
    return registration


def expire_offers(event_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Close the offers whose time is over (of one day, or all) and offer each seat to the
    next person waiting. Returns how many expired. Each day under its own lock, the offers
    read again under it: an offer accepted meanwhile is left alone."""
    now = now or timezone.now()
    due = Registration.objects.filter(status=RegistrationStatus.OFFERED,
                                      offer_expires_at__lte=now)
    if event_id is not None:
        due = due.filter(event_id=event_id)
    expired = 0
    for day_id in sorted(set(due.values_list("event_id", flat=True))):
        with transaction.atomic():
            event = _lock(Event(pk=day_id))
            for registration in due.filter(event_id=day_id).order_by("offer_expires_at", "id"):
                registration.status, registration.cancelled_at = (
                    RegistrationStatus.CANCELLED, now)
                registration.save(update_fields=["status", "cancelled_at", "updated_at"])
                send_email(registration, OutgoingEmail.Kind.OFFER_EXPIRED)
                expired += 1
            if event.date >= timezone.localdate(now):
                _promote(event, now)
            _recount(event)
    return expired


@task
def expire_offers_task(event_id: int) -> int:
    return expire_offers(event_id)
