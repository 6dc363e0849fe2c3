"""Check-in at the venue and the attendance counts."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from concertation.events.models import Event, Workshop
from concertation.registrations.models import (
    AttendanceSummary,
    Registration,
    RegistrationStatus,
)
from concertation.registrations.services.base import RegistrationError


@transaction.atomic
def set_checked_in(registration: Registration, *, present: bool, user) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.CONFIRMED and present:
        raise RegistrationError("Seule une inscription confirmée peut être pointée.")
    if present and registration.checked_in_at is None:
        registration.checked_in_at, registration.checked_in_by = timezone.now(), user
    elif not present:
        registration.checked_in_at, registration.checked_in_by = None, None
    registration.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
    return registration


def attendance_counts(event: Event) -> dict:
    """Registered and present, overall, by college and by workshop (aggregates only)."""
    summary = AttendanceSummary.objects.filter(event=event).first()
    if summary is not None:
        return summary.counts
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
        "by_college": by_college,
        "by_workshop": by_workshop,
    }
