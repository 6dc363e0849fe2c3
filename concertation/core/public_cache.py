"""Whole-page cache for anonymous visitors of public pages.

Public pages are read far more than they change, and their content is the same for every
anonymous visitor. Each process keeps rendered pages in its local memory under the current
`PublicContentVersion`, read at most once a second per process.
Pages for signed-in users (whose header differs) and non-GET requests are never cached.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from concertation.core.models import PublicContentVersion

_HEADERS_KEPT = ("Content-Type", "Content-Disposition")
# The version is read from the database at most once a second per process: the query was most
# of a cached page's cost. Another process's change is seen within that second; this process's
# own changes at once (bump_public_content resets it).
VERSION_TTL_S = 1.0
_version = {"value": 0, "expires": 0.0}


def current_version() -> int:
    now = time.monotonic()
    if now >= _version["expires"]:
        value = PublicContentVersion.objects.filter(pk=1).values_list("version", flat=True).first()
        _version.update(value=value or 0, expires=now + VERSION_TTL_S)
    return _version["value"]


def bump_public_content() -> None:
    """Call from any service that changes public content, inside its transaction."""
    updated = PublicContentVersion.objects.filter(pk=1).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        PublicContentVersion.objects.get_or_create(pk=1, defaults={"version": 1})
    _version["expires"] = 0.0


def _cacheable(request: HttpRequest) -> bool:
    # A visitor with a session or a pending flash message ("Votre inscription est annulée")
    # gets a page of their own: it is neither served from nor stored in the cache.
    return (
        settings.PUBLIC_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
    )


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        # The date is part of the key because "upcoming" changes at midnight.
        key = "page:{}:{}:{}:{}".format(
            current_version(),
            timezone.localdate().isoformat(),
            "htmx" if request.headers.get("HX-Request") else "full",
            request.get_full_path(),
        )
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            headers = [(h, response[h]) for h in _HEADERS_KEPT if h in response]
            cache.set(key, (response.content, headers))
        return response

    return wrapper
