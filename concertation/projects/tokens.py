"""Signed links of followers: confirm a subscription (double opt-in), unsubscribe."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from concertation.projects.models import Follower

CONFIRM_SALT = "concertation.projects.confirm"
UNSUBSCRIBE_SALT = "concertation.projects.unsubscribe"
# A confirmation link is for now; an unsubscribe link works as long as the e-mails come.
CONFIRM_MAX_AGE_S = 7 * 86400


class BadLink(Exception):
    pass


def _token(follower: Follower, salt: str) -> str:
    return signing.dumps({"f": follower.pk, "e": follower.email}, salt=salt, compress=True)


def confirm_url(follower: Follower) -> str:
    return settings.SITE_URL + reverse("projects:confirm", args=[_token(follower, CONFIRM_SALT)])


def unsubscribe_url(follower: Follower, absolute: bool = True) -> str:
    path = reverse("projects:unsubscribe", args=[_token(follower, UNSUBSCRIBE_SALT)])
    return settings.SITE_URL + path if absolute else path


def read(token: str, *, purpose: str) -> Follower:
    salt, max_age = ((CONFIRM_SALT, CONFIRM_MAX_AGE_S) if purpose == "confirm"
                     else (UNSUBSCRIBE_SALT, None))
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink("Ce lien a expiré : abonnez-vous à nouveau depuis la page du projet.") \
            from None
    except signing.BadSignature:
        raise BadLink("Ce lien n’est pas valide : vérifiez qu’il est complet.") from None
    follower = (Follower.objects.select_related("project")
                .filter(pk=data.get("f"), email=data.get("e")).first())
    if follower is None:
        raise BadLink("Cet abonnement n’existe plus.")
    return follower
