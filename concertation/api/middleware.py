"""What every answer of the API shares, before any view runs: a rate limit per client
address (`429` with `Retry-After`), validators from the public content version (`ETag`, so
a client asking again with `If-None-Match` gets a `304` without a query beyond the
version's), the answers kept per content version as the public pages are, and CORS open
for reading."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse

from concertation.core.public_cache import current_version, public_page
from concertation.registrations.network import client_ip

PREFIX = "/api/"
# The organisers' endpoints answer each token's owner: never cached nor given an ETag, and
# not open to other origins' scripts (a token belongs in a server-side tool, not a page).
ORGANISER_PREFIX = "/api/v1/organiser/"
WINDOW = 60  # seconds
TOO_MANY = "Trop de requêtes depuis cette adresse : réessayez dans {seconds} s."


def _etag(request: HttpRequest, version: int) -> str:
    # The answer depends on the content version, the path and the query, nothing else (the
    # API answers anonymously, whoever asks).
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:16]
    return f'W/"{version}-{digest}"'


def _limited(request: HttpRequest) -> HttpResponse | None:
    now = time.time()
    window = math.floor(now / WINDOW)
    key = f"api-rate:{client_ip(request)}:{window}"
    cache.add(key, 0, WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this request alone
        count = 1
    if count <= settings.API_RATE_PER_MINUTE:
        return None
    seconds = max(1, math.ceil((window + 1) * WINDOW - now))
    response = JsonResponse({"detail": TOO_MANY.format(seconds=seconds)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # The API's answers are the same for everyone: kept like the public pages, per
        # content version and full path (`core/public_cache.py`), for anonymous clients.
        self.cached = public_page(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if request.path.startswith(ORGANISER_PREFIX):
            response = _limited(request) or self.get_response(request)
            response["Cache-Control"] = "private, no-store"
            return response
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = _limited(request) or self._answer(request)
            if response.status_code in (404, 405) and "json" not in response.get(
                    "Content-Type", ""):
                # Past the API's routes (an id that is not a number, a method it has not):
                # JSON, as its own answers, not the site's HTML page.
                detail = ("Introuvable ou non publié." if response.status_code == 404
                          else "Méthode non permise : l’API se lit seulement (GET).")
                allow = response.get("Allow")
                response = JsonResponse({"detail": detail}, status=response.status_code)
                if allow:
                    response["Allow"] = allow
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "If-None-Match, Accept"
        response["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        return response

    def _answer(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or "Authorization" in request.headers:
            # A public answer is the same with a token, but one request with a token is
            # never what another without it is served from.
            return self.get_response(request)
        etag = _etag(request, current_version())
        if etag in request.headers.get("If-None-Match", ""):
            response: HttpResponse = HttpResponseNotModified()
        else:
            response = self.cached(request)
            if response.status_code != 200:
                return response
        response["ETag"] = etag
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        response["Vary"] = "Accept-Encoding"
        return response
