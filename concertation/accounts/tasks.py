from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from concertation.accounts import magic
from concertation.accounts.models import LoginToken


@task
def send_login_link(token_id: int) -> str:
    """Mail the link of this `LoginToken` row. Only the row's id travels through the task
    table: the link's secret is derived here again (see `magic.py`)."""
    token = LoginToken.objects.filter(pk=token_id).first()
    if token is None or not magic.is_live(token):
        return "nothing to do"
    context = {"minutes": settings.LOGIN_LINK_MINUTES, "site_url": settings.SITE_URL}
    if magic.has_role(token.email):
        # No link for an organiser or staff account: it says how to sign in instead, and the
        # row is spent so that it can never serve.
        LoginToken.objects.filter(pk=token.pk).update(used_at=timezone.now())
        template, subject = "accounts/email/sign_in_elsewhere", "Votre demande de connexion"
    else:
        context["url"] = magic.login_url(token)
        template, subject = "accounts/email/login_link", "Votre lien de connexion"
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[token.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()
    return "sent"

