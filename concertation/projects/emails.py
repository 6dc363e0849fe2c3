"""Follower e-mails, French, HTML and text: the subscription link and the digest."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from concertation.core.models import OutgoingEmail
from concertation.core.outbox import UNSUBSCRIBED, Undeliverable
from concertation.projects.models import Follower, ProjectUpdate
from concertation.projects.tokens import confirm_url, unsubscribe_url

SUBJECTS = {
    OutgoingEmail.Kind.FOLLOW_CONFIRMATION: "Confirmez votre abonnement : {title}",
    OutgoingEmail.Kind.INVITATION: "Suivre le projet : {title}",
    OutgoingEmail.Kind.DIGEST: "Actualités du projet : {title}",
}


def build_message(outgoing: OutgoingEmail) -> EmailMultiAlternatives:
    follower = Follower.objects.select_related("project").get(pk=outgoing.follower_id)
    if follower.unsubscribed_at is not None:
        raise Undeliverable(UNSUBSCRIBED)
    project = follower.project
    updates = list(ProjectUpdate.objects.filter(pk__in=outgoing.update_ids)
                   .order_by("published_on", "id"))
    unsubscribe = unsubscribe_url(follower)
    context = {
        "project": project,
        "follower": follower,
        "kind": outgoing.kind,
        "updates": updates,
        "confirm_url": confirm_url(follower) if outgoing.kind != OutgoingEmail.Kind.DIGEST
        else "",
        "unsubscribe_url": unsubscribe,
        "project_url": settings.SITE_URL + project.get_absolute_url(),
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[outgoing.kind].format(title=project.title),
        body=render_to_string("projects/email/message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[follower.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string("projects/email/message.html", context),
                               "text/html")
    return message
