"""The gate of every back-office view: who is signed in, and which kind of right the page
needs. The objects themselves are then fetched through `Model.objects.within(request.scope)`
(see `scope.py`), so the gate never has to know about ids."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from concertation.accounts.scope import Scope, scope_for
from concertation.core.http import HtmxRequest

Need = Literal["manage", "moderate", "decide", "read", "facilitate", "national"]

REFUSALS: dict[Need, str] = {
    "manage": "Cette page est réservée aux organisateurs d’une ARS ou d’un CTS.",
    "moderate": "Cette page est réservée aux organisateurs et aux modérateurs.",
    "decide": "Cette page est réservée aux organisateurs et au secrétariat de la CRSA.",
    "read": "Cette page est réservée aux organisateurs, au secrétariat de la CRSA et au "
            "secrétariat national.",
    "facilitate": "Cette page est réservée aux animateurs d’atelier et aux organisateurs.",
    "national": "Cette page est réservée au secrétariat national.",
}


class ScopedRequest(HtmxRequest):
    """What a view behind `role_required` receives: a signed-in person and their scope.

    Only an annotation: at run time the request is Django's own, with `scope` set by the
    decorator."""

    user: User  # type: ignore[assignment]  # narrower than HttpRequest's: signed in here
    scope: Scope


def allows(scope: Scope, need: Need) -> bool:
    if need == "read":
        return bool(scope.manage or scope.decide or scope.national)
    if need == "facilitate":
        return bool(scope.manage or scope.workshop_ids)
    if need == "national":
        return scope.national
    return bool(scope.area(need))


def role_required(need: Need) -> Callable[[Callable[..., HttpResponse]],
                                          Callable[..., HttpResponse]]:
    """Signed in (else the login page), with the right kind of role (else a French 403 page
    that says which). Sets `request.scope` for the view."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            scope = scope_for(request.user)
            request.scope = scope  # type: ignore[attr-defined]  # becomes a ScopedRequest
            if not allows(scope, need):
                raise PermissionDenied(REFUSALS[need])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


organiser_required = role_required("manage")


def role_home(scope: Scope) -> str | None:
    """The page a person lands on after signing in, by the first role they hold (an
    organiser's back-office, a facilitator's workshops, a moderator's queue, the list of
    syntheses for the CRSA and national secretariats); None without a role."""
    if scope.manage:
        return "backoffice:home"
    if scope.workshop_ids:
        return "contributions:my_workshops"
    if scope.moderate:
        return "contributions_backoffice:moderation"
    if scope.national and not scope.decide:
        return "national:inbox"
    if scope.decide or scope.national:
        return "synthesis_backoffice:index"
    return None
