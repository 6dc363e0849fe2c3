from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from concertation.accounts.passwords import set_password_url
from concertation.contributions.models import Facilitation
from concertation.core.models import OutgoingEmail
from concertation.core.outbox import Undeliverable


def build_facilitation_invitation(outgoing: OutgoingEmail) -> EmailMultiAlternatives:
    """Tell a new facilitator which workshop they run and how to sign in (kind `facilitation`
    of the outbox); an account without a password yet gets the link to choose it (built here:
    the task table never holds it)."""
    facilitation = (Facilitation.objects.select_related("user", "workshop__event")
                    .filter(pk=outgoing.facilitation_id).first())
    if facilitation is None or not facilitation.user.email or not facilitation.user.is_active:
        raise Undeliverable("Animateur retiré, désactivé ou sans adresse : courriel abandonné.")
    user, workshop = facilitation.user, facilitation.workshop
    context = {
        "workshop": workshop, "event": workshop.event, "username": user.get_username(),
        "password_url": "" if user.has_usable_password() else set_password_url(user),
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "workshops_url": settings.SITE_URL + reverse("contributions:my_workshops"),
    }
    template = "contributions/email/facilitation"
    message = EmailMultiAlternatives(
        subject=f"Vous animez l’atelier « {workshop.title} »",
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
