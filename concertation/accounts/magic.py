"""Sign-in by e-mail link, for participant accounts only: they need no password.

How a link is kept, so that nothing in the database lets its reader sign in:
- each request makes a `LoginToken` row holding a random nonce, the address, the page to go
  back to, when it was made and when it was used, and the SHA-256 of the link's secret;
- the secret is HMAC-SHA256(SECRET_KEY, nonce). The task that mails the link is given only
  the row's id and derives the secret again: the row, the task's arguments and the hash
  cannot produce it without SECRET_KEY, and a hash of 256 random-looking bits cannot be
  turned back into them;
- a click finds the row by the hash of the secret it carries, and takes it with one
  conditional UPDATE (not used yet, not expired): a second click, or two at once, find it
  used. A link lasts `LOGIN_LINK_MINUTES`.

Accounts with a role (an organiser's membership, a facilitation) or a staff flag never sign
in this way: their password (or ProConnect) is what protects a territory's work, and a link
would make it optional for whoever reads their mailbox once. The request page answers them
exactly as anyone else (nobody learns which addresses are organisers'); the mail tells them to
use the organisers' sign-in instead. The role is checked when the mail is sent and again at
the click, as a role may be given in between.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from concertation.accounts.models import LoginToken
from concertation.accounts.scope import role_holders
from concertation.core import links
from concertation.core.links import BadLink

_PURPOSE = b"concertation.login-token:"


def lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LINK_MINUTES)


def secret_for(nonce: str) -> str:
    return links.secret_for(_PURPOSE, nonce)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(email: str, next_url: str = "") -> LoginToken:
    """A new link's row for `email`, whatever the account (see the module's docstring)."""
    nonce = secrets.token_hex(32)
    return LoginToken.objects.create(
        token_hash=_hash(secret_for(nonce)), nonce=nonce, email=email.lower(),
        next_url=next_url[:500], created_at=timezone.now(),
    )


def login_url(token: LoginToken) -> str:
    return settings.SITE_URL + reverse("accounts:magic_login", args=[secret_for(token.nonce)])


def is_live(token: LoginToken, now: dt.datetime | None = None) -> bool:
    return token.used_at is None and token.created_at > (now or timezone.now()) - lifetime()


def has_role(email: str) -> bool:
    """Whether any account of this address may act in the back-office (or could be given a
    password-protected role by being staff)."""
    return role_holders().filter(email__iexact=email).exists()


def _reason(token: LoginToken | None) -> str:
    if token is None:
        return "Ce lien de connexion n’est pas valide : vérifiez qu’il est complet."
    if token.used_at is not None:
        return "Ce lien de connexion a déjà été utilisé : demandez-en un nouveau."
    return "Ce lien de connexion a expiré : demandez-en un nouveau."


def read(secret: str) -> LoginToken:
    """The link's row, if it may still sign someone in; otherwise BadLink says why."""
    token = LoginToken.objects.filter(token_hash=_hash(secret)).first()
    if token is None or not is_live(token):
        raise BadLink(_reason(token))
    return token


def use(secret: str) -> LoginToken:
    """Take the link: it signs in once. Raises BadLink if it was used meanwhile."""
    now = timezone.now()
    taken = LoginToken.objects.filter(
        token_hash=_hash(secret), used_at__isnull=True, created_at__gt=now - lifetime()
    ).update(used_at=now)
    token = LoginToken.objects.filter(token_hash=_hash(secret)).first()
    if not taken:
        raise BadLink(_reason(token))
    if has_role(token.email):
        raise BadLink("Ce compte se connecte par l’espace organisateur (mot de passe ou "
                           "ProConnect), pas par lien.")
    return token


def user_for(email: str):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("id").first()
    if user is None:
        user = User.objects.create_user(username=email[:150], email=email)
        user.set_unusable_password()
        user.save()
    return user


def prune(now: dt.datetime | None = None) -> int:
    """Drop the rows of links that can no longer be used."""
    since = (now or timezone.now()) - lifetime()
    deleted, _ = LoginToken.objects.filter(created_at__lte=since).delete()
    return deleted
