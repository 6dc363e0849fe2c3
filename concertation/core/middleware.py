"""Request bodies past the upload limit are refused from their Content-Length, before Django
reads a byte: a 60 MB upload was streamed to a temporary file on disk and only then refused
by the form. Django never reads past the declared length, so the header is what counts; a
body without one (chunked) is not read at all under WSGI."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from concertation.core.params import int_param


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A malformed header reads as 0, as Django itself reads it.
        length = int_param(request.META.get("CONTENT_LENGTH"), 0)
        if length > settings.MAX_REQUEST_BODY:
            response = render(request, "413.html", {
                "limit_mb": settings.MAX_DOCUMENT_SIZE // (1024 * 1024),
            }, status=413)
            # The body stays unread: the connection cannot be reused for another request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
