"""Messages to a day's registrants (issue 18): written and scheduled by an organiser of the
day, sent at their time through the one outbox, one row per recipient. Who receives one is
decided at sending time (someone who cancelled in between gets nothing); a message that is
not practical information about the day goes only to those who accepted the organisers'
mailings."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from concertation.accounts.scope import Scope
from concertation.core import outbox
from concertation.core.models import OutgoingEmail
from concertation.events.models import Event, Workshop
from concertation.registrations.models import Mailing, Registration, RegistrationStatus
from concertation.registrations.services.base import RegistrationError

Audience = Mailing.Audience
# A message scheduled further ahead than this is surely a typing mistake in the year.
FURTHEST_AHEAD = dt.timedelta(days=366)


class MailingError(RegistrationError):
    """A message that cannot be scheduled or cancelled; its text is shown as is."""


def recipients(event: Event, audience: str, workshop: Workshop | None = None,
               essential: bool = False) -> QuerySet[Registration]:
    """Who a message with these settings reaches if sent now: those with an address (not
    erased nor anonymised) in the chosen group."""
    rows = Registration.objects.filter(event=event, anonymised_at__isnull=True).exclude(
        email="")
    if audience == Audience.WAITLISTED:
        rows = rows.filter(status=RegistrationStatus.WAITLISTED)
    else:
        rows = rows.filter(status=RegistrationStatus.CONFIRMED)
    if audience == Audience.WORKSHOP:
        rows = rows.filter(workshops=workshop)
    elif audience == Audience.PRESENT:
        rows = rows.filter(checked_in_at__isnull=False)
    elif audience == Audience.ABSENT:
        rows = rows.filter(checked_in_at__isnull=True)
    if not essential:
        rows = rows.filter(consent_mailings=True)
    return rows.order_by("pk")


def _check(scope: Scope, event: Event) -> None:
    if not scope.can_manage_event(event):
        raise MailingError("Cette journée n’est pas dans votre périmètre.")


def validate(event: Event, *, audience: str, workshop: Workshop | None,
             send_at: dt.datetime | None, now: dt.datetime) -> None:
    if audience not in Audience.values:
        raise MailingError("Choisissez les destinataires dans la liste.")
    if audience == Audience.WORKSHOP and (workshop is None or workshop.event_id != event.pk):
        raise MailingError("Choisissez l’atelier dont les inscrits recevront le message.")
    if send_at is not None:
        if send_at < now - dt.timedelta(minutes=1):
            raise MailingError("La date d’envoi est passée : choisissez une date à venir, "
                               "ou « Envoyer maintenant ».")
        if send_at > now + FURTHEST_AHEAD:
            raise MailingError("La date d’envoi est à plus d’un an : vérifiez l’année.")
    day_start = timezone.make_aware(dt.datetime.combine(event.date, event.starts_at))
    if audience in (Audience.PRESENT, Audience.ABSENT) and (send_at or now) < day_start:
        raise MailingError("Les personnes venues ou absentes ne sont connues qu’une fois la "
                           "journée commencée : choisissez une date d’envoi après son début.")


@transaction.atomic
def schedule(*, scope: Scope, event: Event, user: User, subject: str, body: str, audience: str,
             workshop: Workshop | None = None, essential: bool = False,
             send_at: dt.datetime | None = None) -> Mailing:
    """Write the message and queue its sending at `send_at` (now when None)."""
    _check(scope, event)
    now = timezone.now()
    validate(event, audience=audience, workshop=workshop, send_at=send_at, now=now)
    mailing = Mailing.objects.create(
        event=event, subject=subject, body=body, audience=audience,
        workshop=workshop if audience == Audience.WORKSHOP else None, essential=essential,
        send_at=send_at or now, created_by=user)
    if send_at is None:
        # Sent now: its outbox rows are written in this transaction, so the organiser is told
        # at once how many people it reaches (the mail itself leaves through the outbox).
        deliver(mailing.pk, now)
        mailing.refresh_from_db()
    elif send_mailing.get_backend().supports_defer:
        transaction.on_commit(lambda: send_mailing.using(run_after=send_at).enqueue(mailing.pk))
    # Otherwise (a backend that cannot defer) the hourly `send_due` sends it at its time.
    return mailing


@transaction.atomic
def cancel(*, scope: Scope, mailing: Mailing) -> Mailing:
    _check(scope, mailing.event)
    locked = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if locked.state != Mailing.State.SCHEDULED:
        raise MailingError("Ce message est déjà parti : il ne peut plus être annulé."
                           if locked.state == Mailing.State.SENT
                           else "Ce message est déjà annulé.")
    locked.state = Mailing.State.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["state", "cancelled_at"])
    return locked


def deliver(mailing_id: int, now: dt.datetime | None = None) -> int:
    """Send a due message: one outbox row per recipient, in one transaction with the
    message's state, so that a message is sent once even if its task runs twice."""
    now = now or timezone.now()
    with transaction.atomic():
        mailing = (Mailing.objects.select_for_update(of=("self",))
                   .select_related("event", "workshop")
                   .filter(pk=mailing_id).first())
        if mailing is None or mailing.state != Mailing.State.SCHEDULED or mailing.send_at > now:
            return 0
        count = 0
        for registration in recipients(mailing.event, mailing.audience, mailing.workshop,
                                       mailing.essential).only("pk"):
            outbox.send(OutgoingEmail.Kind.MAILING, registration=registration,
                        mailing=mailing)
            count += 1
        mailing.state, mailing.sent_at, mailing.recipients = Mailing.State.SENT, now, count
        mailing.save(update_fields=["state", "sent_at", "recipients"])
    return count


@task
def send_mailing(mailing_id: int) -> int:
    return deliver(mailing_id)


def send_due(now: dt.datetime | None = None) -> int:
    """Every scheduled message whose time has come (run hourly with the reminders): the
    safety net for a task lost or a backend that cannot defer."""
    now = now or timezone.now()
    due = Mailing.objects.filter(state=Mailing.State.SCHEDULED, send_at__lte=now)
    return sum(1 for pk in due.values_list("pk", flat=True) if deliver(pk, now))


def set_consent(registration: Registration, accept: bool) -> None:
    """The registrant's own choice, from their link: receive the organisers' messages other
    than practical information about the day, or not."""
    Registration.objects.filter(pk=registration.pk).update(consent_mailings=accept,
                                                           updated_at=timezone.now())
