"""Personal data: the right of access, erasure, and anonymisation past the retention period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from concertation.events.models import Event
from concertation.registrations.models import (
    AttendanceSummary,
    Registration,
    RegistrationStatus,
)
from concertation.registrations.services.attendance import attendance_counts
from concertation.registrations.services.seats import cancel


def _anonymise(registration: Registration) -> None:
    registration.first_name = "Anonyme"
    registration.last_name = ""
    registration.email = ""
    registration.phone = ""
    registration.organisation = ""
    registration.accessibility_needs = ""
    registration.submission_token = None
    registration.anonymised_at = timezone.now()
    registration.save()
    registration.answers.all().delete()


@transaction.atomic
def erase(registration: Registration) -> None:
    """The participant's right to erasure: cancel if still active, then anonymise."""
    if registration.status != RegistrationStatus.CANCELLED and (
        registration.event.date >= timezone.localdate()
    ):
        cancel(registration)
        registration.refresh_from_db()
    _anonymise(registration)


def expired_events(today: dt.date) -> list[Event]:
    events = Event.objects.filter(
        registrations__isnull=False, registrations__anonymised_at__isnull=True, date__lt=today
    ).select_related("campaign").distinct()
    return [e for e in events if _add_months(e.date, e.campaign.retention_months) < today]


def _add_months(date: dt.date, months: int) -> dt.date:
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    day = min(date.day, 28)
    return dt.date(year, month, day)


def anonymise_expired(*, today: dt.date, dry_run: bool) -> list[tuple[Event, int]]:
    """Anonymise the registrations of days past their campaign's retention period, keeping
    the aggregate counts. Returns (day, registrations) for each day concerned."""
    done = []
    for event in expired_events(today):
        with transaction.atomic():
            registrations = list(
                Registration.objects.select_for_update(skip_locked=True)
                .filter(event=event, anonymised_at__isnull=True)
            )
            if not dry_run:
                AttendanceSummary.objects.update_or_create(
                    event=event, defaults={"counts": attendance_counts(event)}
                )
                for registration in registrations:
                    _anonymise(registration)
        done.append((event, len(registrations)))
    return done


def personal_data(registration: Registration) -> dict[str, Any]:
    """Everything the platform holds about this registration, for the right of access."""
    return {
        "journee": registration.event.title,
        "date": registration.event.date.isoformat(),
        "code": registration.code,
        "statut": registration.get_status_display(),
        "prenom": registration.first_name,
        "nom": registration.last_name,
        "adresse_electronique": registration.email,
        "telephone": registration.phone,
        "organisme": registration.organisation,
        "college": registration.college_label,
        "besoins_accessibilite": registration.accessibility_needs,
        "ateliers": [w.title for w in registration.workshops.all()],
        "consentements": {
            "traitement": registration.consent_processing,
            "envois_futurs": registration.consent_mailings,
            "nom_public": registration.consent_public_name,
        },
        "reponses": {a.question.label: a.text
                     for a in registration.answers.select_related("question")},
        "inscrit_le": registration.created_at.isoformat(),
        "arrivee": registration.checked_in_at.isoformat() if registration.checked_in_at else None,
        "courriels": [
            {"type": e.get_kind_display(), "cree": e.created_at.isoformat(),
             "envoye": e.sent_at.isoformat() if e.sent_at else None}
            for e in registration.emails.all()
        ],
    }
