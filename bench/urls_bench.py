"""URLs of the web benchmark: the whole site plus a minimal view, for `bench.web` only.

The minimal view answers "ok" through the same gunicorn process and the same middleware
stack as the real pages, so the ratio of their throughputs measures what the pages cost.
The minimal insert view (for `bench.signup`) takes a POST and inserts one small row, so the
sign-up burst is compared with the cheapest write the same server can do.
The site itself has no such URL: only `bench/wsgi_bench.py` points Django at this module.
"""

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


urlpatterns = [
    path("__bench__/minimal/", minimal, name="bench-minimal"),
    path("__bench__/minimal-json/", minimal_json, name="bench-minimal-json"),
    path("__bench__/minimal-insert/", minimal_insert, name="bench-minimal-insert"),
    path("", include("concertation.urls")),
]
