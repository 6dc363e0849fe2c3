"""Passwords for accounts with a role: chosen (or chosen again) through a link mailed to the
account's address, never typed by someone else. The link is Django's password-reset token: it
is derived from the account's current password hash, last login and SECRET_KEY, so nothing
secret is stored, it stops working once the password is set, and it expires after
`PASSWORD_RESET_TIMEOUT`. Participants have no password: they sign in by e-mail link."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from concertation.accounts.scope import role_holders
from concertation.core import outbox
from concertation.core.forms import DsfrFormMixin
from concertation.core.models import OutgoingEmail
from concertation.core.outbox import Undeliverable


def set_password_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


def accounts_with_a_role(email: str) -> QuerySet:
    """The active accounts of this address that sign in with a password."""
    return role_holders().filter(email__iexact=email, is_active=True)


def build_password_link(outgoing: OutgoingEmail) -> EmailMultiAlternatives:
    """The mail giving an account with a role the link to choose its password (kind
    `password_link` of the outbox); the link is made here, the task table never holds it."""
    user = get_user_model().objects.filter(pk=outgoing.user_id, is_active=True).first()
    if user is None or not user.email or not accounts_with_a_role(user.email).filter(
            pk=user.pk).exists():
        raise Undeliverable("Compte désactivé, sans adresse ou sans rôle : courriel abandonné.")
    context = {"url": set_password_url(user), "username": user.get_username(),
               "days": settings.PASSWORD_RESET_TIMEOUT // 86400, "site_url": settings.SITE_URL}
    template = "accounts/email/password_link"
    message = EmailMultiAlternatives(
        subject="Choisir votre mot de passe", body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


class ChoosePasswordForm(DsfrFormMixin, SetPasswordForm):
    pass


class PasswordLinkForm(DsfrFormMixin, PasswordResetForm):
    """« Mot de passe oublié » and « Choisir mon mot de passe »: the page answers alike for
    every address; only an account with a role gets a mail, sent by a task that builds the
    link itself (the task table never holds it)."""

    email = forms.EmailField(
        label="Adresse électronique de votre compte", max_length=254,
        help_text="Format attendu : nom@domaine.fr",
        error_messages={"invalid": "Saisissez une adresse électronique valide, "
                                   "par exemple nom@domaine.fr."})

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            for user in accounts_with_a_role(self.cleaned_data["email"]):
                outbox.send(OutgoingEmail.Kind.PASSWORD_LINK, user=user)
