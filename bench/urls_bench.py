"""URLs of the web benchmark: the whole site plus a minimal view, for `bench.web` only.

The minimal view answers "ok" through the same gunicorn process and the same middleware
stack as the real pages, so the ratio of their throughputs measures what the pages cost.
The site itself has no such URL: only `bench/wsgi_bench.py` points Django at this module.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from concertation.urls import handler404, handler500  # noqa: F401 (Django reads them here)


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("__bench__/minimal/", minimal, name="bench-minimal"),
    path("", include("concertation.urls")),
]
