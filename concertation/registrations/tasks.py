"""Background work for registrations, run by `manage.py db_worker`."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.tasks.base import Task
from django.utils import timezone

from concertation.registrations.emails import build_message
from concertation.registrations.models import OutgoingEmail

logger = logging.getLogger(__name__)


def _retry_delay(attempts: int) -> dt.timedelta:
    # 1, 2, 4 … minutes, at most an hour: a mail server back within the day gets them all.
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 60))


@task
def deliver_email(outgoing_id: int) -> str:
    with transaction.atomic():
        # Only the e-mail's row: locking the joined day too would stall its sign-ups (and
        # deadlock with them) for as long as the mail server takes to answer.
        outgoing = (
            OutgoingEmail.objects.select_for_update(of=("self",))
            .select_related("registration__event__campaign", "registration__event__department")
            .filter(pk=outgoing_id)
            .first()
        )
        if outgoing is None or outgoing.sent_at is not None:
            return "nothing to do"
        if not outgoing.registration.email:
            return "no address"
        outgoing.attempts += 1
        try:
            build_message(outgoing).send()
        except Exception as error:  # any mail failure: keep the row, retry later
            outgoing.last_error = f"{type(error).__name__}: {error}"[:2000]
            outgoing.save(update_fields=["attempts", "last_error"])
            logger.warning("mail %s failed (attempt %s): %s", outgoing_id, outgoing.attempts,
                           outgoing.last_error)
            if outgoing.attempts < settings.EMAIL_MAX_ATTEMPTS:
                _schedule_retry(outgoing)
            return "failed"
        outgoing.sent_at = timezone.now()
        outgoing.last_error = ""
        outgoing.save(update_fields=["attempts", "sent_at", "last_error"])
    return "sent"


def _schedule_retry(outgoing: OutgoingEmail) -> None:
    retry: Task = deliver_email
    if retry.get_backend().supports_defer:
        run_after = timezone.now() + _retry_delay(outgoing.attempts)
        transaction.on_commit(lambda: retry.using(run_after=run_after).enqueue(outgoing.pk))
    # Backends that cannot defer (tests' immediate backend) leave it to retry_pending_emails.


def retry_pending(limit: int = 500) -> int:
    """Enqueue again every unsent e-mail that still has attempts left."""
    pending = OutgoingEmail.objects.filter(
        sent_at__isnull=True, attempts__lt=settings.EMAIL_MAX_ATTEMPTS
    ).values_list("pk", flat=True)[:limit]
    count = 0
    for pk in pending:
        deliver_email.enqueue(pk)
        count += 1
    return count
