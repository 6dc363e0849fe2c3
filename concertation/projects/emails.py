"""Follower e-mails, French, HTML and text: the subscription link and the digest."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from concertation.projects.models import ProjectEmail, ProjectUpdate
from concertation.projects.tokens import confirm_url, unsubscribe_url

SUBJECTS = {
    ProjectEmail.Kind.CONFIRMATION: "Confirmez votre abonnement : {title}",
    ProjectEmail.Kind.INVITATION: "Suivre le projet : {title}",
    ProjectEmail.Kind.DIGEST: "Actualités du projet : {title}",
}


def build_message(outgoing: ProjectEmail) -> EmailMultiAlternatives:
    follower = outgoing.follower
    project = follower.project
    updates = list(ProjectUpdate.objects.filter(pk__in=outgoing.update_ids)
                   .order_by("published_on", "id"))
    unsubscribe = unsubscribe_url(follower)
    context = {
        "project": project,
        "follower": follower,
        "kind": outgoing.kind,
        "updates": updates,
        "confirm_url": confirm_url(follower) if outgoing.kind != ProjectEmail.Kind.DIGEST
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
