"""Background work for projects, run by `manage.py worker`: follower e-mails, retried
like the registrations' ones."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from concertation.core.outbox import attempt_delivery
from concertation.projects.emails import build_message
from concertation.projects.models import ProjectEmail


@task
def deliver_project_email(outgoing_id: int) -> str:
    with transaction.atomic():
        outgoing = (ProjectEmail.objects.select_for_update(of=("self",))
                    .select_related("follower__project").filter(pk=outgoing_id).first())
        if outgoing is None or outgoing.sent_at is not None:
            return "nothing to do"
        if outgoing.follower.unsubscribed_at is not None:
            return "unsubscribed"
        return attempt_delivery(outgoing, build_message, deliver_project_email)


def retry_pending(limit: int = 500) -> int:
    """Enqueue again every unsent follower e-mail that still has attempts left: those that
    failed, and those whose first delivery never ran (queued over ten minutes ago)."""
    stale = timezone.now() - dt.timedelta(minutes=10)
    pending = ProjectEmail.objects.filter(
        Q(attempts__gte=1) | Q(created_at__lt=stale),
        sent_at__isnull=True, attempts__lt=settings.EMAIL_MAX_ATTEMPTS,
        follower__unsubscribed_at__isnull=True,
    ).values_list("pk", flat=True)[:limit]
    count = 0
    for pk in pending:
        deliver_project_email.enqueue(pk)
        count += 1
    return count
