"""Background work for registrations, run by `manage.py worker`."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.tasks import task

from concertation.core.outbox import attempt_delivery
from concertation.registrations.emails import build_message
from concertation.registrations.models import OutgoingEmail

# Set on a mail that can never go (its registration was erased, or taken by the secretariat
# without an address). The row is closed by giving it its last attempt, which is what keeps
# `retry_pending` from it: left pending, every daily run re-queued it, forever.
NO_ADDRESS = "Aucune adresse (inscription effacée ou sans adresse) : courriel abandonné."


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
            outgoing.attempts = max(outgoing.attempts, settings.EMAIL_MAX_ATTEMPTS)
            outgoing.last_error = NO_ADDRESS
            outgoing.save(update_fields=["attempts", "last_error"])
            return "no address"
        return attempt_delivery(outgoing, build_message, deliver_email)


def retry_pending(limit: int = 500) -> int:
    """Enqueue again every unsent e-mail that still has attempts left; close those left
    without an address."""
    unsent = OutgoingEmail.objects.filter(sent_at__isnull=True,
                                          attempts__lt=settings.EMAIL_MAX_ATTEMPTS)
    unsent.filter(registration__email="").update(attempts=settings.EMAIL_MAX_ATTEMPTS,
                                                 last_error=NO_ADDRESS)
    pending = unsent.values_list("pk", flat=True)[:limit]
    count = 0
    for pk in pending:
        deliver_email.enqueue(pk)
        count += 1
    return count
