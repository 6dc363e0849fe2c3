"""The outbox's one background task, run by `manage.py worker` (see `core/outbox.py`)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.tasks import task

from concertation.core.models import OutgoingEmail
from concertation.core.outbox import attempt_delivery


@task
def deliver_email(outgoing_id: int) -> str:
    with transaction.atomic():
        # Only the e-mail's row: locking what it is about (a registration's day) would stall
        # its sign-ups, and deadlock with them, for as long as the mail server takes.
        outgoing = OutgoingEmail.objects.select_for_update().filter(pk=outgoing_id).first()
        if outgoing is None or outgoing.sent_at is not None:
            return "nothing to do"
        if outgoing.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            return "closed"
        return attempt_delivery(outgoing)
