"""The one write path for registrations.

Seats: `Event.seats_taken` and `Workshop.seats_taken` count the confirmed registrations. Every
write to them holds the day's row: a sign-up takes its seat with a conditional UPDATE of that
row (the lock lasts until its commit, a few statements), and the other changes (cancellation,
promotion, change of workshop) lock it with SELECT … FOR UPDATE, count the registrations
themselves and write the counters back. So capacity holds under concurrent sign-ups, and a day
without room takes no lock at all."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from concertation.core import sql
from concertation.core.outbox import TASK_ARGUMENT, announce, enqueue_in_transaction, task_row
from concertation.events.models import Event, EventState, Workshop
from concertation.registrations.models import (
    Answer,
    AttendanceSummary,
    CustomQuestion,
    LinkRequest,
    OutgoingEmail,
    Registration,
    RegistrationAttempt,
    RegistrationStatus,
)

RATE_WINDOW = dt.timedelta(hours=1)


class RegistrationError(ValidationError):
    """A sign-up or change that cannot be made; its message is shown as is."""


class AlreadyRegistered(RegistrationError):
    """Shown as is to the secretariat only: the public form answers as for a new sign-up and
    mails the owner instead (`remind_registered`), so that it tells nobody who registered."""

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
    # False when the sign-up's own statement saw its day full with the day's row locked:
    # no seat can have been freed unseen, so there is no need to look again after commit.
    may_have_room: bool = True


def _hash(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


# Sign-ups and requests for a link by e-mail (login link, confirmation again) are counted
# apart (`RegistrationAttempt`, `LinkRequest`): a venue's attendees behind one NAT asking for
# login links leave its sign-ups alone, and the other way round. Neither count per e-mail
# address ever refuses a sign-up: anyone can type anyone's address, so such a limit would let
# them lock its owner out. Per address, sign-up attempts only bound how often an address
# already registered is mailed (`remind_registered`).
_ATTEMPTS_SQL = (
    f"SELECT COUNT(*) FROM {RegistrationAttempt._meta.db_table} WHERE ip_hash = %s AND at >= %s"
)


IP_LIMIT = "Trop d’inscriptions depuis cette connexion : réessayez dans une heure."
LINK_IP_LIMIT = "Trop de demandes depuis cette connexion : réessayez dans une heure."
LINK_EMAIL_LIMIT = ("Plusieurs liens ont déjà été envoyés à cette adresse dans l’heure : "
                    "utilisez le plus récent, ou réessayez plus tard.")


def _refuse_over_limits(ip_hash: str, now: dt.datetime) -> None:
    # The count stays near its limit, as refusals are not recorded.
    since = connection.ops.adapt_datetimefield_value(now - RATE_WINDOW)
    ((by_ip,),) = sql.fetch(_ATTEMPTS_SQL, [ip_hash, since])
    if by_ip >= settings.REGISTRATION_RATE_PER_IP:
        raise RateLimited(IP_LIMIT)


def _attempt(*, ip: str, email: str, now: dt.datetime | None = None) -> RegistrationAttempt:
    """Refuse a burst of sign-ups from one network address; return this attempt's record, not
    yet saved (refused attempts are not recorded, so a flood counts no further)."""
    now = now or timezone.now()
    ip_hash = _hash(ip)
    _refuse_over_limits(ip_hash, now)
    return RegistrationAttempt(ip_hash=ip_hash, email_hash=_hash(email.lower()), at=now)


def _within_limits(ip: str, email: str, now: dt.datetime) -> tuple[RegistrationAttempt, tuple]:
    """This sign-up's attempt (not saved) and an SQL condition: it stays within the limit.
    The sign-up's rows are written only if it holds, in the same statement (see
    `sql.insert_chain`), so a sign-up checks the limit without a query of its own."""
    ip_hash, email_hash = _hash(ip), _hash(email.lower())
    since = connection.ops.adapt_datetimefield_value(now - RATE_WINDOW)
    table = RegistrationAttempt._meta.db_table
    condition = f"(SELECT COUNT(*) FROM {table} WHERE ip_hash = %s AND at >= %s) < %s"
    params = [ip_hash, since, settings.REGISTRATION_RATE_PER_IP]
    return RegistrationAttempt(ip_hash=ip_hash, email_hash=email_hash, at=now), (condition,
                                                                                 params)


def check_link_request_limit(*, ip: str, email: str, now: dt.datetime | None = None) -> None:
    """Refuse a burst of requests for a link by e-mail from one network address or for one
    e-mail address, then record this one. Counted apart from sign-ups."""
    now = now or timezone.now()
    ip_hash, email_hash = _hash(ip), _hash(email.lower())
    counts = LinkRequest.objects.filter(at__gte=now - RATE_WINDOW).aggregate(
        by_ip=Count("pk", filter=Q(ip_hash=ip_hash)),
        by_email=Count("pk", filter=Q(email_hash=email_hash)),
    )
    if counts["by_ip"] >= settings.LINK_REQUEST_RATE_PER_IP:
        raise RateLimited(LINK_IP_LIMIT)
    if counts["by_email"] >= settings.LINK_REQUEST_RATE_PER_EMAIL:
        # The owner is not locked out: the links already sent to them still work.
        raise RateLimited(LINK_EMAIL_LIMIT)
    LinkRequest.objects.create(ip_hash=ip_hash, email_hash=email_hash, at=now)


def remind_registered(registration: Registration, now: dt.datetime | None = None) -> bool:
    """The public form was sent with the address of this registration (its owner who forgot,
    or someone else): mail its owner their personal link again, unless that address was
    tried more than REGISTRATION_RATE_PER_EMAIL times this hour (a flood mails no more).
    The form answers as for a new sign-up either way. Whether a mail was queued."""
    since = (now or timezone.now()) - RATE_WINDOW
    tried = RegistrationAttempt.objects.filter(
        email_hash=_hash(registration.email.lower()), at__gte=since).count()
    if tried > settings.REGISTRATION_RATE_PER_EMAIL:
        return False
    with transaction.atomic():
        send_email(registration, OutgoingEmail.Kind.ALREADY)
    return True


def _lock(event: Event) -> Event:
    # The day's row only, not its campaign's: other days of the campaign go on.
    return Event.objects.select_for_update(of=("self",)).select_related("campaign").get(
        pk=event.pk)


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
    _queue(OutgoingEmail.objects.create(registration=registration, kind=kind))


def _queue(outgoing: OutgoingEmail) -> None:
    from concertation.registrations.tasks import deliver_email

    if isinstance(deliver_email.get_backend(), DatabaseBackend):
        # The task row goes into the same transaction as the e-mail row: both are kept or
        # neither, and the sign-up pays one commit instead of two.
        enqueue_in_transaction(deliver_email, outgoing.pk)
    else:
        # Any other backend may run the task at once, before the rows it reads are committed.
        transaction.on_commit(lambda: deliver_email.enqueue(outgoing.pk))


def validate_workshops(event: Event, workshops: Sequence[Workshop]) -> None:
    if any(w.event_id != event.pk for w in workshops):
        raise RegistrationError("Cet atelier n’appartient pas à cette journée.")
    slots = [w.starts_at for w in workshops]
    if len(slots) != len(set(slots)):
        raise RegistrationError("Choisissez un seul atelier par créneau horaire.")


def _check_open(event: Event) -> None:
    if event.state != EventState.REGISTRATION_OPEN or event.date < timezone.localdate():
        if event.state == EventState.CANCELLED:
            raise RegistrationError("Cette journée est annulée : les inscriptions sont fermées.")
        raise RegistrationError("Les inscriptions à cette journée ne sont pas ouvertes.")


_EVENT, _WORKSHOP = Event._meta.db_table, Workshop._meta.db_table
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


def _take_seat(event: Event, workshops: Sequence[Workshop]) -> bool:
    """Take a seat of the day and of each workshop, all or none, in conditional UPDATEs
    (hand-written: they run on every confirmed sign-up, see concertation.core.sql).

    The day's UPDATE is the lock: it waits for a sign-up holding the row, then re-reads the
    count, and while this transaction lasts no other can take a seat of this day nor change
    its workshops' counters (every write to them holds the day's row). A day without room
    is not locked at all: its sign-ups go to the waiting list side by side."""
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    if not sql.execute(_TAKE_DAY_SEAT_SQL, [event.pk, EventState.REGISTRATION_OPEN, today]):
        return False
    if not workshops:
        return True
    ids = [w.pk for w in workshops]
    marks = ", ".join(["%s"] * len(ids))
    statement = _TAKE_WORKSHOP_SEATS_SQL.format(table=_WORKSHOP, ids=marks)
    if sql.execute(statement, ids + ids) == len(ids):
        return True
    sql.execute(_GIVE_BACK_DAY_SEAT_SQL, [event.pk])
    return False


def _looks_full(event: Event, workshops: Sequence[Workshop]) -> bool:
    """From the rows read at the start of the request: no need to try for a seat."""
    if event.capacity is not None and event.seats_taken >= event.capacity:
        return True
    return any(w.seats_taken >= w.capacity for w in workshops)


def register(
    *,
    event: Event,
    applicant: Applicant,
    workshops: Sequence[Workshop],
    submission_token: str | None = None,
    registered_by=None,
    ip: str | None = None,
) -> Outcome:
    """Sign someone up: confirmed if the day and each chosen workshop have a seat, otherwise
    on the waiting list. `event` and `workshops` are rows read by the caller (their seat
    counters tell whether trying for a seat is worth it); `ip` applies the rate limits."""
    now = timezone.now()
    attempt, within = (_within_limits(ip, applicant.email, now) if ip is not None
                       else (None, None))
    try:
        if not applicant.consent_processing:
            raise RegistrationError(
                "Votre accord pour le traitement de vos données est nécessaire.")
        _check_open(event)
        if applicant.college not in dict(event.campaign.college_choices):
            raise RegistrationError("Choisissez un collège de la liste.")
        validate_workshops(event, workshops)
        try:
            outcome = _register(event, applicant, workshops, submission_token, registered_by,
                                attempt, within)
        except IntegrityError:
            # The unique constraints caught a replayed form or an e-mail already signed up
            # (perhaps by a request running at the same instant): say which.
            outcome = _existing(event, applicant.email.strip().lower(), submission_token)
    except RateLimited:
        raise
    except RegistrationError:
        if ip is not None:
            # A refused sign-up still counts against the limits (unless it is over them).
            _attempt(ip=ip, email=applicant.email, now=now).save()
        raise
    if (outcome.created and outcome.registration.status == RegistrationStatus.WAITLISTED
            and outcome.may_have_room):
        # A seat freed while this sign-up was joining the waiting list would not have been
        # offered to it (the cancellation did not see it yet): look again once it is visible.
        ids = [w.pk for w in workshops]
        transaction.on_commit(lambda: promote_if_room(event.pk, ids))
    return outcome


def _register(event, applicant, workshops, submission_token, registered_by, attempt,
              within) -> Outcome:
    from concertation.registrations.tasks import deliver_email

    status = (RegistrationStatus.WAITLISTED if _looks_full(event, workshops)
              else RegistrationStatus.CONFIRMED)
    email = applicant.email.strip().lower()
    registration = Registration(
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
    # The rows of a sign-up, written by concertation.core.sql in one statement on PostgreSQL:
    # a burst of sign-ups is the site's busiest write, and through the ORM these inserts cost
    # several times the work PostgreSQL does for them (see bench/signup.py).
    rows = [attempt] if attempt is not None else []
    rows.append(registration)
    at = sql.Ref(len(rows) - 1)
    rows += [Registration.workshops.through(registration_id=at, workshop_id=w.pk)
             for w in workshops]
    outgoing = queued = None
    if email:
        outgoing = OutgoingEmail(registration_id=at, kind=(
            OutgoingEmail.Kind.CONFIRMATION if status == RegistrationStatus.CONFIRMED
            else OutgoingEmail.Kind.WAITLIST))
        rows.append(outgoing)
        if isinstance(deliver_email.get_backend(), DatabaseBackend):
            # The task's row is written with the e-mail's: both are kept or neither.
            queued = task_row(deliver_email, sql.Ref(len(rows) - 1, **TASK_ARGUMENT))
            rows.append(queued)
    answers = any(text.strip() for text in applicant.answers.values())
    # One statement is a transaction of its own; a seat to take or answers to write are not.
    # Written first, seat taken last: the day's row stays locked for two statements and the
    # commit. If no seat is left after all, the rows are turned into a waiting-list entry.
    alone = status == RegistrationStatus.WAITLISTED and not answers
    may_have_room = True
    with nullcontext() if alone and not connection.in_atomic_block else transaction.atomic():
        day = None
        if status == RegistrationStatus.WAITLISTED and connection.vendor == "postgresql":
            # The day's counters read under a key-share lock in the statement that writes the
            # entry (the lock its foreign key takes anyway: it holds back nothing but a
            # `SELECT … FOR UPDATE` of the day). Every change that frees a seat (cancellation,
            # change of workshop, promotion) first locks the day's row for update: either it
            # waits for this entry to commit, and its promotion sees it, or it commits first,
            # and this read waits for it and sees the seat it left. Only in that case is a
            # look after commit needed: most waiting-list sign-ups of a burst skip that query.
            day = (_SEATS_SQL + " FOR KEY SHARE", [event.pk])
        written = sql.insert_chain(rows, only_if=within, also=day)
        if written is None:
            # Over the limit: nothing was written.
            raise RateLimited(IP_LIMIT)
        if day is not None and written[0] is not None and written[1] >= written[0]:
            may_have_room = False
        if answers:
            _save_answers(registration, applicant.answers)
        if status == RegistrationStatus.CONFIRMED and not _take_seat(event, workshops):
            # Someone took the last seat since the request read the counters, or the day
            # closed.
            current = Event.objects.filter(pk=event.pk).values("state", "date").get()
            _check_open(Event(state=current["state"], date=current["date"]))
            registration.status = RegistrationStatus.WAITLISTED
            Registration.objects.filter(pk=registration.pk).update(status=registration.status)
            if outgoing is not None:
                outgoing.kind = OutgoingEmail.Kind.WAITLIST
                OutgoingEmail.objects.filter(pk=outgoing.pk).update(kind=outgoing.kind)
        if queued is not None:
            announce(queued, deliver_email)
        elif outgoing is not None:
            # Any other backend may run the task at once, before the rows it reads are
            # committed.
            transaction.on_commit(partial(deliver_email.enqueue, outgoing.pk))
    return Outcome(registration, created=True, may_have_room=may_have_room)


def _existing(event: Event, email: str, submission_token: str | None) -> Outcome:
    if submission_token:
        replay = Registration.objects.filter(submission_token=submission_token).first()
        if replay is not None:
            return Outcome(replay, created=False)
    existing = (Registration.objects.active().filter(event=event, email=email).first()
                if email else None)
    if existing is not None:
        raise AlreadyRegistered(existing)
    raise RegistrationError("Votre inscription n’a pas pu être enregistrée : réessayez.")


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
    workshops are still full. Under the day's lock; the caller recounts afterwards."""
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


def _recount(event: Event) -> None:
    """Write the day's and its workshops' counters from the confirmed registrations. Only
    under the day's lock: then no sign-up is taking a seat of this day."""
    confirmed = Registration.objects.filter(status=RegistrationStatus.CONFIRMED)
    Event.objects.filter(pk=event.pk).update(seats_taken=Coalesce(Subquery(
        confirmed.filter(event=OuterRef("pk")).order_by().values("event")
        .annotate(n=Count("pk")).values("n")
    ), 0))
    links = Registration.workshops.through.objects.filter(
        registration__status=RegistrationStatus.CONFIRMED)
    Workshop.objects.filter(event=event).update(seats_taken=Coalesce(Subquery(
        links.filter(workshop=OuterRef("pk")).order_by().values("workshop")
        .annotate(n=Count("pk")).values("n")
    ), 0))


@transaction.atomic
def recount_seats(event: Event) -> None:
    """Counters from the registrations, for rows written without this module (demo data)."""
    _recount(_lock(event))


_SEATS_SQL = f"SELECT capacity, seats_taken FROM {_EVENT} WHERE id = %s"


def promote_if_room(event_id: int, workshop_ids: Sequence[int] | None = None
                    ) -> list[Registration]:
    """Promote waiting people if a seat is free: one unlocked read when there is none.
    Run after a waiting-list entry or a freed seat commits: whichever of the two commits last
    sees the other, so a seat never stays free while someone fitting it waits."""
    # Hand-written: it runs after every waiting-list sign-up, most of a burst.
    day = sql.fetch(_SEATS_SQL, [event_id])
    if not day or (day[0][0] is not None and day[0][1] >= day[0][0]):
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
    if registration.status == RegistrationStatus.CONFIRMED:
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
    """Drop sign-up attempts and link requests older than the rate-limit window (they no
    longer count), and login links past their lifetime."""
    from concertation.accounts import magic

    since = (now or timezone.now()) - RATE_WINDOW
    deleted, _ = RegistrationAttempt.objects.filter(at__lt=since).delete()
    requests, _ = LinkRequest.objects.filter(at__lt=since).delete()
    return deleted + requests + magic.prune(now)
