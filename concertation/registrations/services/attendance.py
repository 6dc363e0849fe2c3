"""Check-in at the venue and the attendance counts.

The door's devices work without network (`static/js/door.js`): they keep the day's list
(`door_list`, only what the door needs), record arrivals and walk-ins locally under an id
of their own (a UUID made on the device), and send them when the network is back. `sync_door`
applies each exactly once: the id is unique in `DoorSync`, which keeps the answer given, so
a retry gets the same answer and changes nothing. The registration's row is locked while a
check-in is decided, so two devices pointing the same person give one arrival, and the second
is told so; a walk-in holds the day's row, as every change to its seats does."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import time_format

from concertation.accounts.scope import Scope
from concertation.events.models import Event, Workshop
from concertation.registrations.models import (
    AttendanceSummary,
    DoorSync,
    Registration,
    RegistrationStatus,
)
from concertation.registrations.services.base import RegistrationError, _lock, send_email

# A device's clock is trusted for the time of an offline arrival only within this much of
# the server's: beyond, the arrival is dated when it reached the server.
DEVICE_CLOCK_TRUSTED = dt.timedelta(hours=18)


@transaction.atomic
def set_checked_in(registration: Registration, *, present: bool, user: User) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.CONFIRMED and present:
        raise RegistrationError("Seule une inscription confirmée peut être pointée.")
    if present and registration.checked_in_at is None:
        registration.checked_in_at, registration.checked_in_by = timezone.now(), user
    elif not present:
        registration.checked_in_at, registration.checked_in_by = None, None
        registration.checked_in_offline, registration.checked_in_device_at = False, None
    registration.save(update_fields=["checked_in_at", "checked_in_by", "checked_in_offline",
                                     "checked_in_device_at", "updated_at"])
    return registration


def door_list(event: Event) -> list[dict[str, Any]]:
    """What a door device keeps of the day's registrations: name, code, status, college,
    workshops, and the arrival if any. Nothing else (no address, telephone nor answers)."""
    colleges = dict(event.campaign.college_choices)
    titles = dict(Workshop.objects.filter(event=event).values_list("pk", "title"))
    links: dict[int, list[str]] = {}
    for registration_id, workshop_id in Registration.workshops.through.objects.filter(
            registration__event=event).values_list("registration_id", "workshop_id"):
        links.setdefault(registration_id, []).append(titles[workshop_id])
    rows = (Registration.objects.filter(event=event, anonymised_at__isnull=True)
            .order_by("last_name", "first_name", "id")
            .values_list("pk", "code", "first_name", "last_name", "status", "college",
                         "organisation", "checked_in_at", "checked_in_offline"))
    return [
        {"code": code, "first_name": first, "last_name": last, "status": status,
         "college": colleges.get(college, college), "organisation": organisation,
         "workshops": links.get(pk, []),
         "checked_in_at": at.isoformat() if at else None, "offline": offline}
        for pk, code, first, last, status, college, organisation, at, offline in rows
    ]


@dataclass(frozen=True)
class DoorItem:
    """One arrival or walk-in as a device sent it, already checked for form."""

    client_id: uuid.UUID
    kind: str
    device_at: dt.datetime
    offline: bool
    code: str = ""
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    college: str = ""
    email: str = ""


def _answer(sync: DoorSync) -> dict[str, Any]:
    registration = sync.registration
    return {
        "client_id": str(sync.client_id), "outcome": sync.outcome, "message": sync.message,
        "code": registration.code if registration else "",
        "checked_in_at": registration.checked_in_at.isoformat()
        if registration and registration.checked_in_at else None,
    }


def _arrival_time(item: DoorItem, now: dt.datetime) -> dt.datetime:
    if item.offline and abs(now - item.device_at) <= DEVICE_CLOCK_TRUSTED:
        return min(item.device_at, now)
    return now


def _check_in(registration: Registration, item: DoorItem, user: User, now: dt.datetime
              ) -> tuple[str, str]:
    """Point the (locked) registration; the outcome and the French message for the device."""
    name = registration.full_name
    if registration.status == RegistrationStatus.CANCELLED:
        return (DoorSync.Outcome.REFUSED,
                f"{name} : inscription annulée, l’arrivée n’est pas enregistrée.")
    if registration.status != RegistrationStatus.CONFIRMED:
        return (DoorSync.Outcome.REFUSED,
                f"{name} : inscription en liste d’attente, sans place confirmée — l’arrivée "
                "n’est pas enregistrée.")
    if registration.checked_in_at is not None:
        at = time_format(timezone.localtime(registration.checked_in_at), "H:i")
        return (DoorSync.Outcome.ALREADY,
                f"{name} était déjà pointé(e) à {at} : une seule arrivée est comptée.")
    registration.checked_in_at, registration.checked_in_by = _arrival_time(item, now), user
    registration.checked_in_offline = item.offline
    registration.checked_in_device_at = item.device_at if item.offline else None
    registration.save(update_fields=["checked_in_at", "checked_in_by", "checked_in_offline",
                                     "checked_in_device_at", "updated_at"])
    suffix = " (hors ligne)" if item.offline else ""
    return DoorSync.Outcome.RECORDED, f"{name} : arrivée enregistrée{suffix}."


def _walk_in(event: Event, item: DoorItem, user: User, now: dt.datetime
             ) -> tuple[Registration, str, str]:
    """Sign up and point someone who came without registering (the day's row locked)."""
    if item.college not in dict(event.campaign.college_choices):
        raise RegistrationError("Choisissez le collège dans la liste.")
    if item.email:
        known = (Registration.objects.select_for_update().active()
                 .filter(event=event, email__iexact=item.email).first())
        if known is not None:
            # Registered after all (under the address given): their own registration counts.
            outcome, message = _check_in(known, item, user, now)
            return known, outcome, message
    registration = Registration.objects.create(
        event=event, status=RegistrationStatus.CONFIRMED, first_name=item.first_name,
        last_name=item.last_name, organisation=item.organisation, college=item.college,
        email=item.email, consent_processing=True, source=Registration.Source.DOOR,
        registered_by=user, created_at=now,
    )
    outcome, message = _check_in(registration, item, user, now)
    send_email(registration, "confirmation")
    from concertation.registrations.services.seats import _recount, seats_taken

    _recount(event)
    if event.capacity is not None and seats_taken(event)[0] > event.capacity:
        message = (f"{registration.full_name} : inscription sur place enregistrée, au-delà des "
                   f"{event.capacity} places prévues.")
    else:
        message = f"{registration.full_name} : inscription sur place enregistrée."
    return registration, outcome, message


def _apply(event: Event, item: DoorItem, user: User, now: dt.datetime) -> DoorSync:
    """Decide and record one item in one transaction: the registration locked (the day's
    row for a walk-in), its change and the `DoorSync` row written together. The same id sent
    twice at once: the second waits for the lock, then its row breaks the unique id, its
    transaction is rolled back whole, and it answers what the first recorded."""
    try:
        with transaction.atomic():
            registration = None
            if item.kind == DoorSync.Kind.WALK_IN:
                _lock(event)
                registration, outcome, message = _walk_in_or_refusal(event, item, user, now)
            else:
                registration = (Registration.objects.select_for_update()
                                .filter(event=event, code=item.code).order_by().first())
                if registration is None:
                    outcome, message = (
                        DoorSync.Outcome.REFUSED,
                        f"Aucune inscription à cette journée avec le code « {item.code} ».")
                else:
                    outcome, message = _check_in(registration, item, user, now)
            return DoorSync.objects.create(
                client_id=item.client_id, event=event, kind=item.kind, device_at=item.device_at,
                offline=item.offline, received_at=now, user=user, registration=registration,
                outcome=outcome, message=message[:300])
    except IntegrityError:
        return DoorSync.objects.select_related("registration").get(client_id=item.client_id)


def _walk_in_or_refusal(event: Event, item: DoorItem, user: User, now: dt.datetime
                        ) -> tuple[Registration | None, str, str]:
    try:
        return _walk_in(event, item, user, now)
    except RegistrationError as error:
        return None, DoorSync.Outcome.REFUSED, error.messages[0]


def sync_door(*, scope: Scope, event: Event, user: User, items: list[DoorItem],
              now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Apply a device's queued arrivals and walk-ins, each once and in its own transaction
    (one refused leaves the others), and give each its answer. Those already applied (a
    batch sent again after its answer was lost) are found in one query and left alone."""
    if not scope.can_manage_event(event):
        raise RegistrationError("Cette journée n’est pas dans votre périmètre.")
    now = now or timezone.now()
    known = {sync.client_id: sync for sync in DoorSync.objects.select_related("registration")
             .filter(client_id__in=[item.client_id for item in items])}
    return [_answer(known.get(item.client_id) or _apply(event, item, user, now))
            for item in items]


def attendance_counts(event: Event) -> dict[str, Any]:
    """Registered and present, overall, by college and by workshop (aggregates only)."""
    summary = AttendanceSummary.objects.filter(event=event).first()
    if summary is not None:
        counts: dict[str, Any] = summary.counts
        return counts
    active = Registration.objects.filter(event=event).exclude(status="cancelled")
    confirmed = active.filter(status=RegistrationStatus.CONFIRMED)
    colleges = dict(event.campaign.college_choices)
    by_college = [
        {"label": colleges.get(row["college"], row["college"]), "registered": row["n"],
         "present": row["present"]}
        for row in confirmed.values("college").annotate(
            n=Count("id"), present=Count("id", filter=Q(checked_in_at__isnull=False))
        ).order_by("college")
    ]
    by_workshop = [
        {"label": row["title"], "registered": row["n"], "present": row["present"],
         "capacity": row["capacity"]}
        for row in Workshop.objects.filter(event=event).annotate(
            n=Count("registrations", filter=Q(registrations__status="confirmed")),
            present=Count("registrations", filter=Q(registrations__status="confirmed",
                                                    registrations__checked_in_at__isnull=False)),
        ).values("title", "n", "present", "capacity")
    ]
    return {
        "registered": confirmed.count(),
        "waitlisted": active.filter(status=RegistrationStatus.WAITLISTED).count(),
        "present": confirmed.filter(checked_in_at__isnull=False).count(),
        "offline": confirmed.filter(checked_in_offline=True).count(),
        "by_college": by_college,
        "by_workshop": by_workshop,
    }
