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
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from concertation.core.forms import DsfrFormMixin


def set_password_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


def accounts_with_a_role(email: str) -> QuerySet:
    """The active accounts of this address that sign in with a password: a membership, a
    workshop to facilitate, or a staff flag."""
    return get_user_model().objects.filter(
        Q(memberships__isnull=False) | Q(facilitations__isnull=False) | Q(is_staff=True),
        email__iexact=email, is_active=True).distinct()


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
        from concertation.accounts.tasks import send_password_link

        for user in accounts_with_a_role(self.cleaned_data["email"]):
            transaction.on_commit(lambda pk=user.pk: send_password_link.enqueue(pk))
