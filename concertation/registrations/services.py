"""The one write path for registrations. Every function locks the day's row first, so seats
are counted and taken one sign-up at a time: capacity holds under concurrent sign-ups."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from concertation.events.models import Event, EventState, Workshop
from concertation.registrations.models import (
    Answer,
    AttendanceSummary,
    CustomQuestion,
    OutgoingEmail,
    Registration,
    RegistrationAttempt,
    RegistrationStatus,
)

RATE_WINDOW = dt.timedelta(hours=1)


class RegistrationError(ValidationError):
    """A sign-up or change that cannot be made; its message is shown as is."""


class AlreadyRegistered(RegistrationError):
    def __init__(self, registration: Registration):
        super().__init__(
            "Cette adresse électronique est déjà inscrite à cette journée : aucune seconde "
            "place n’a été prise. Vous pouvez recevoir à nouveau votre confirmation."
        )
        self.registration = registration


class RateLimited(RegistrationError):
    pass


@dataclass
class Applicant:
    first_name: str
    last_name: str
    email: str
    college: str
    organisation: str = ""
    phone: str = ""
    accessibility_needs: str = ""
    consent_processing: bool = False
    consent_mailings: bool = False
    consent_public_name: bool = False
    answers: dict[int, str] = field(default_factory=dict)


@dataclass
class Outcome:
    registration: Registration
    created: bool  # False when a replayed submission found its registration


def _hash(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


def check_rate_limit(*, ip: str, email: str, now: dt.datetime | None = None) -> None:
    """Refuse a burst of sign-ups from one address or for one e-mail, then record this one."""
    now = now or timezone.now()
    since = now - RATE_WINDOW
    recent = RegistrationAttempt.objects.filter(at__gte=since)
    ip_hash, email_hash = _hash(ip), _hash(email.lower())
    if recent.filter(ip_hash=ip_hash).count() >= settings.REGISTRATION_RATE_PER_IP:
        raise RateLimited("Trop d’inscriptions depuis cette connexion : réessayez dans une heure.")
    per_email = settings.REGISTRATION_RATE_PER_EMAIL
    if email and recent.filter(email_hash=email_hash).count() >= per_email:
        raise RateLimited("Trop de tentatives pour cette adresse : réessayez dans une heure.")
    RegistrationAttempt.objects.create(ip_hash=ip_hash, email_hash=email_hash, at=now)


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("campaign").get(pk=event.pk)


def seats_taken(event: Event, workshops: Sequence[Workshop] | None = None
                ) -> tuple[int, dict[int, int]]:
    """Confirmed seats of the day, and per workshop (only those given, when given)."""
    day = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count()
    links = Registration.workshops.through.objects.filter(
        registration__event=event, registration__status=RegistrationStatus.CONFIRMED
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


def send_email(registration: Registration, kind: str) -> None:
    if not registration.email:
        return
    outgoing = OutgoingEmail.objects.create(registration=registration, kind=kind)
    from concertation.registrations.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email.enqueue(outgoing.pk))


def validate_workshops(event: Event, workshops: Sequence[Workshop]) -> None:
    if any(w.event_id != event.pk for w in workshops):
        raise RegistrationError("Cet atelier n’appartient pas à cette journée.")
    slots = [w.starts_at for w in workshops]
    if len(slots) != len(set(slots)):
        raise RegistrationError("Choisissez un seul atelier par créneau horaire.")


def register(
    *,
    event: Event,
    applicant: Applicant,
    workshops: Sequence[Workshop],
    submission_token: str | None = None,
    registered_by=None,
) -> Outcome:
    # Checks that need no lock run first: sign-ups to one day wait for each other only for
    # the few queries that count seats and take one.
    if not applicant.consent_processing:
        raise RegistrationError("Votre accord pour le traitement de vos données est nécessaire.")
    validate_workshops(event, workshops)
    return _register_locked(event=event, applicant=applicant, workshops=workshops,
                            submission_token=submission_token, registered_by=registered_by)


@transaction.atomic
def _register_locked(*, event, applicant, workshops, submission_token, registered_by) -> Outcome:
    event = _lock(event)
    # Under the day's lock, these reads are authoritative: no other sign-up to this day runs.
    if submission_token:
        replay = Registration.objects.filter(submission_token=submission_token).first()
        if replay is not None:
            return Outcome(replay, created=False)
    if event.state != EventState.REGISTRATION_OPEN or event.date < timezone.localdate():
        if event.state == EventState.CANCELLED:
            raise RegistrationError("Cette journée est annulée : les inscriptions sont fermées.")
        raise RegistrationError("Les inscriptions à cette journée ne sont pas ouvertes.")
    if applicant.college not in dict(event.campaign.college_choices):
        raise RegistrationError("Choisissez un collège de la liste.")
    email = applicant.email.strip().lower()
    if email:
        existing = Registration.objects.active().filter(event=event, email=email).first()
        if existing is not None:
            raise AlreadyRegistered(existing)
    status = (RegistrationStatus.CONFIRMED
              if _fits(event, workshops, seats_taken(event, workshops))
              else RegistrationStatus.WAITLISTED)
    registration = Registration.objects.create(
        event=event, status=status, first_name=applicant.first_name.strip(),
        last_name=applicant.last_name.strip(), email=email, phone=applicant.phone,
        organisation=applicant.organisation.strip(), college=applicant.college,
        accessibility_needs=applicant.accessibility_needs.strip(),
        consent_processing=True, consent_mailings=applicant.consent_mailings,
        consent_public_name=applicant.consent_public_name,
        source=(Registration.Source.SECRETARIAT if registered_by
                else Registration.Source.ONLINE),
        registered_by=registered_by, submission_token=submission_token or None,
    )
    Registration.workshops.through.objects.bulk_create(
        [Registration.workshops.through(registration=registration, workshop=w) for w in workshops]
    )
    if any(text.strip() for text in applicant.answers.values()):
        _save_answers(registration, applicant.answers)
    kind = (OutgoingEmail.Kind.CONFIRMATION if status == RegistrationStatus.CONFIRMED
            else OutgoingEmail.Kind.WAITLIST)
    send_email(registration, kind)
    return Outcome(registration, created=True)


def _save_answers(registration: Registration, answers: dict[int, str]) -> None:
    questions = {q.pk: q for q in CustomQuestion.objects.filter(event=registration.event)}
    for question_id, text in answers.items():
        if question_id in questions:
            Answer.objects.update_or_create(
                registration=registration, question=questions[question_id],
                defaults={"text": text.strip()},
            )


def _promote(event: Event) -> list[Registration]:
    """Give freed seats to waiting people, in order of sign-up, skipping those whose
    workshops are still full."""
    promoted = []
    taken = seats_taken(event)
    for waiting in Registration.objects.waitlisted().filter(event=event).prefetch_related(
        "workshops"
    ):
        workshops = list(waiting.workshops.all())
        if not _fits(event, workshops, taken):
            if event.capacity is not None and taken[0] >= event.capacity:
                break
            continue
        waiting.status = RegistrationStatus.CONFIRMED
        waiting.promoted_at = timezone.now()
        waiting.save(update_fields=["status", "promoted_at", "updated_at"])
        send_email(waiting, OutgoingEmail.Kind.PROMOTED)
        promoted.append(waiting)
        taken = seats_taken(event)
    return promoted


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
    return _promote(event)


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
    if registration.status == RegistrationStatus.CONFIRMED:
        _, per_workshop = seats_taken(event)
        current = set(registration.workshops.values_list("id", flat=True))
        for workshop in workshops:
            if workshop.pk not in current and per_workshop.get(workshop.pk, 0) >= workshop.capacity:
                raise RegistrationError(f"L’atelier « {workshop.title} » est complet.")
    registration.workshops.set(workshops)
    send_email(registration, OutgoingEmail.Kind.CHANGED)
    _promote(event)
    registration.refresh_from_db()
    return registration


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


def resend_confirmation(registration: Registration) -> None:
    kind = (OutgoingEmail.Kind.CONFIRMATION
            if registration.status == RegistrationStatus.CONFIRMED
            else OutgoingEmail.Kind.WAITLIST)
    with transaction.atomic():
        send_email(registration, kind)


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


def personal_data(registration: Registration) -> dict:
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


def prune_rate_limit_records(now: dt.datetime | None = None) -> int:
    """Drop sign-up attempts older than the rate-limit window: they no longer count."""
    since = (now or timezone.now()) - RATE_WINDOW
    deleted, _ = RegistrationAttempt.objects.filter(at__lt=since).delete()
    return deleted
