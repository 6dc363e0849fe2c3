"""Signed links of followers: confirm a subscription (double opt-in), unsubscribe."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from concertation.core import links
from concertation.projects.models import Follower

CONFIRM_SALT = "concertation.projects.confirm"
UNSUBSCRIBE_SALT = "concertation.projects.unsubscribe"
# A confirmation link is for now; an unsubscribe link works as long as the e-mails come.
CONFIRM_MAX_AGE_S = 7 * 86400


def _token(follower: Follower, salt: str) -> str:
    return links.sign({"f": follower.pk, "e": follower.email}, salt=salt, compress=True)


def confirm_url(follower: Follower) -> str:
    return settings.SITE_URL + reverse("projects:confirm", args=[_token(follower, CONFIRM_SALT)])


def unsubscribe_url(follower: Follower, absolute: bool = True) -> str:
    path = reverse("projects:unsubscribe", args=[_token(follower, UNSUBSCRIBE_SALT)])
    return settings.SITE_URL + path if absolute else path


def read(token: str, *, purpose: str) -> Follower:
    """The follower a link is for; `links.BadLink` says why not."""
    salt, max_age = ((CONFIRM_SALT, CONFIRM_MAX_AGE_S) if purpose == "confirm"
                     else (UNSUBSCRIBE_SALT, None))
    data = links.read(token, salt=salt, max_age=max_age, expired=(
        "Ce lien a expiré : abonnez-vous à nouveau depuis la page du projet."))
    follower = (Follower.objects.select_related("project")
                .filter(pk=data.get("f"), email=data.get("e")).first())
    if follower is None:
        raise links.BadLink("Cet abonnement n’existe plus.")
    return follower
