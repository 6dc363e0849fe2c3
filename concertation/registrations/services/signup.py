"""Signing up: checks, the one-statement write of the sign-up's rows, replays and addresses
already registered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from concertation.core import sql
from concertation.core.models import OutgoingEmail
from concertation.core.outbox import TASK_ARGUMENT, announce, deliver_email, task_row
from concertation.events.models import Event, EventState, Workshop
from concertation.registrations import signals, signup_sql
from concertation.registrations.models import (
    Answer,
    CustomQuestion,
    Registration,
    RegistrationAttempt,
    RegistrationStatus,
)
from concertation.registrations.services.base import (
    AlreadyRegistered,
    RateLimited,
    RegistrationError,
    send_email,
    validate_workshops,
)
from concertation.registrations.services.limits import (
    IP_LIMIT,
    RATE_WINDOW,
    _attempt,
    _hash,
    _within_limits,
)
from concertation.registrations.services.seats import (
    _looks_full,
    _take_seat,
    promote_if_room,
)


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


def _check_open(event: Event) -> None:
    if event.state != EventState.REGISTRATION_OPEN or event.date < timezone.localdate():
        if event.state == EventState.CANCELLED:
            raise RegistrationError("Cette journée est annulée : les inscriptions sont fermées.")
        raise RegistrationError("Les inscriptions à cette journée ne sont pas ouvertes.")


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
            day = signup_sql.seats_sql(event.pk, key_share=True)
        written = sql.insert_chain(rows, only_if=within, also=day)
        if written is None:
            # Over the limit: nothing was written.
            raise RateLimited(IP_LIMIT)
        if (day is not None and written.capacity is not None
                and written.seats_taken >= written.capacity):
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
        signals.changed.send(sender=Registration, registration=registration, change="created")
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


def resend_confirmation(registration: Registration) -> None:
    kind = (OutgoingEmail.Kind.CONFIRMATION
            if registration.status == RegistrationStatus.CONFIRMED
            else OutgoingEmail.Kind.WAITLIST)
    with transaction.atomic():
        send_email(registration, kind)
