from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from concertation.accounts import magic
from concertation.accounts.models import LoginToken
from concertation.core.models import OutgoingEmail
from concertation.core.outbox import Undeliverable


def build_login_link(outgoing: OutgoingEmail) -> EmailMultiAlternatives:
    """The mail of a `LoginToken` row (kind `login_link` of the outbox). Only the row's id
    travels through the task table: the link's secret is derived here again (see
    `magic.py`)."""
    token = LoginToken.objects.filter(pk=outgoing.login_token_id).first()
    if token is None:
        raise Undeliverable("Lien de connexion supprimé : courriel abandonné.")
    context = {"minutes": settings.LOGIN_LINK_MINUTES, "site_url": settings.SITE_URL}
    if magic.has_role(token.email):
        # No link for an organiser or staff account: it says how to sign in instead, and the
        # row is spent so that it can never serve (asked first: a retry finds it spent).
        LoginToken.objects.filter(pk=token.pk).update(used_at=timezone.now())
        template, subject = "accounts/email/sign_in_elsewhere", "Votre demande de connexion"
    elif not magic.is_live(token):
        # Past its minutes (the mail server was down that long) or already used.
        raise Undeliverable("Lien de connexion expiré ou déjà utilisé : courriel abandonné.")
    else:
        context["url"] = magic.login_url(token)
        template, subject = "accounts/email/login_link", "Votre lien de connexion"
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[token.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
