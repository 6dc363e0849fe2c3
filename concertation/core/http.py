"""Request types for annotations: what the middleware adds to Django's request."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """Every request passes through django-htmx's middleware, which sets `htmx`.

    Only an annotation: at run time the request is Django's own."""

    htmx: HtmxDetails
