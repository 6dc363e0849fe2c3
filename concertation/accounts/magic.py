"""Sign-in by e-mail link: participants need no password. The link is signed, names the
address, and expires after 30 minutes; the account is created on first use."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

SALT = "concertation.magic-link"
MAX_AGE_S = 30 * 60


class BadMagicLink(Exception):
    pass


def login_url(email: str, next_url: str = "") -> str:
    token = signing.dumps({"e": email.lower(), "n": next_url}, salt=SALT)
    return settings.SITE_URL + reverse("accounts:magic_login", args=[token])


def read(token: str) -> tuple[str, str]:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_S)
    except signing.SignatureExpired:
        raise BadMagicLink("Ce lien de connexion a expiré : demandez-en un nouveau.") from None
    except signing.BadSignature:
        raise BadMagicLink("Ce lien de connexion n’est pas valide.") from None
    return data["e"], data.get("n") or ""


def user_for(email: str):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("id").first()
    if user is None:
        user = User.objects.create_user(username=email[:150], email=email)
        user.set_unusable_password()
        user.save()
    return user
