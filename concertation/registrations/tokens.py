"""Signed personal links: whoever holds the link manages the registration, nobody else."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from concertation.registrations.models import Registration

SALT = "concertation.registration"


class BadLink(Exception):
    pass


def make_token(registration: Registration) -> str:
    return signing.dumps({"r": registration.pk, "c": registration.code}, salt=SALT,
                         compress=True)


def manage_url(registration: Registration, absolute: bool = True) -> str:
    path = reverse("registrations:manage", args=[make_token(registration)])
    return settings.SITE_URL + path if absolute else path


def read_link(token: str) -> tuple[int, str]:
    """The registration's id and code a signed link carries, without reading the database
    (a vote checks them in its own statement)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.REGISTRATION_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        raise BadLink("Ce lien a expiré.") from None
    except signing.BadSignature:
        raise BadLink("Ce lien n’est pas valide : vérifiez qu’il est complet.") from None
    return data.get("r"), data.get("c")


def read_token(token: str) -> Registration:
    pk, code = read_link(token)
    registration = (
        Registration.objects.select_related("event__campaign", "event__department__region")
        .filter(pk=pk, code=code)
        .first()
    )
    if registration is None:
        raise BadLink("Cette inscription n’existe plus.")
    return registration
