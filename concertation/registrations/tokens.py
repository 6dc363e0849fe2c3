"""Signed personal links: whoever holds the link manages the registration, nobody else."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, reverse

from concertation.core import links
from concertation.registrations.models import Registration

SALT = "concertation.registration"


def make_token(registration: Registration) -> str:
    # Not compressed: zlib never shortens so small a payload (so links made with
    # `compress=True` were the same), and trying cost CPU on every sign-up.
    return links.sign({"r": registration.pk, "c": registration.code}, salt=SALT)


@cache
def _manage_path(script_prefix: str) -> tuple[str, str]:
    """The personal page's path around its token. Every sign-up makes one; `reverse` would
    walk the URL patterns each time. A token needs no quoting (URL-safe base64 and `:`)."""
    head, _, tail = reverse("registrations:manage", args=["TOKEN"]).partition("TOKEN")
    return head, tail


def manage_url(registration: Registration, absolute: bool = True) -> str:
    head, tail = _manage_path(get_script_prefix())
    path = f"{head}{make_token(registration)}{tail}"
    return settings.SITE_URL + path if absolute else path


def read_link(token: str) -> tuple[int, str]:
    """The registration's id and code a signed link carries, without reading the database
    (a vote checks them in its own statement); `links.BadLink` says why not."""
    data = links.read(token, salt=SALT, max_age=settings.REGISTRATION_LINK_DAYS * 86400)
    return data.get("r"), data.get("c")


def read_token(token: str) -> Registration:
    pk, code = read_link(token)
    registration = (
        Registration.objects.select_related("event__campaign", "event__department__region")
        .filter(pk=pk, code=code)
        .first()
    )
    if registration is None:
        raise links.BadLink("Cette inscription n’existe plus.")
    return registration


OPTOUT_SALT = "concertation.registration.optout"


def optout_url(registration: Registration) -> str:
    """The link in an organiser's message that stops the next ones (other than practical
    information about the day): signed apart from the personal link, which it does not
    open, and without an age limit, so that a message read late can still be refused."""
    token = links.sign({"r": registration.pk, "c": registration.code}, salt=OPTOUT_SALT)
    return settings.SITE_URL + reverse("registrations:optout", args=[token])


def read_optout(token: str) -> Registration:
    data = links.read(token, salt=OPTOUT_SALT)
    registration = (Registration.objects.select_related("event")
                    .filter(pk=data.get("r"), code=data.get("c")).first())
    if registration is None:
        raise links.BadLink("Cette inscription n’existe plus.")
    return registration
