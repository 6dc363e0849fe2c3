"""URLs of the web benchmark: the whole site plus a minimal view, for `bench.web` only.

The minimal view answers "ok" through the same gunicorn process and the same middleware
stack as the real pages, so the ratio of their throughputs measures what the pages cost.
The minimal insert view (for `bench.signup`) takes a POST and inserts one small row, so the
sign-up burst is compared with the cheapest write the same server can do; its JSON sibling
(for `bench.checkin`) inserts one row per item of a JSON body, as a door sync writes.
The site itself has no such URL: only `bench/wsgi_bench.py` points Django at this module.
"""

import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from concertation.registrations.models import RegistrationAttempt
from concertation.urls import handler404, handler500  # noqa: F401 (Django reads them here)


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def minimal_json(request: HttpRequest) -> JsonResponse:
    """An empty page of the API's shape, for `bench.api`: what JSON costs with nothing read."""
    return JsonResponse({"results": [], "next": None})


@csrf_exempt
@require_POST
def minimal_insert(request: HttpRequest) -> HttpResponse:
    """One INSERT of a `RegistrationAttempt` row (autocommit), then "ok"."""
    RegistrationAttempt.objects.create(ip_hash="bench-minimal-insert",
                                       email_hash=request.POST.get("email", "")[:64])
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def minimal_insert_json(request: HttpRequest) -> JsonResponse:
    """For `bench.checkin`: a JSON body of items, one small row inserted per item in one
    transaction, and one answer per item: the cheapest write of as many rows as a door sync."""
    items = json.loads(request.body)["items"]
    with transaction.atomic():
        for item in items:
            RegistrationAttempt.objects.create(ip_hash="bench-minimal-insert-json",
                                               email_hash=str(item.get("tag", ""))[:64])
    return JsonResponse({"results": [{"outcome": "inserted"} for _ in items]})


urlpatterns = [
    path("__bench__/minimal/", minimal, name="bench-minimal"),
    path("__bench__/minimal-json/", minimal_json, name="bench-minimal-json"),
    path("__bench__/minimal-insert/", minimal_insert, name="bench-minimal-insert"),
    path("__bench__/minimal-insert-json/", minimal_insert_json,
         name="bench-minimal-insert-json"),
    path("", include("concertation.urls")),
]
