"""Two guards at the door, before any view reads the request.

`RequestBodyLimitMiddleware`: request bodies past the upload limit are refused from their
Content-Length, before Django reads a byte: a 60 MB upload was streamed to a temporary file on
disk and only then refused by the form. Django never reads past the declared length, so the
header is what counts; a body without one (chunked) is not read at all under WSGI. Below that
limit, a file is stopped while it streams in (`core/uploads.py`).

`CleanTextMiddleware`: every query parameter and form field goes through the one text cleaner
(`core/text.py`) before a view sees it, whether the view reads it through a form or by hand
(the national secretariat's question, read from `request.POST`, answered 500 on PostgreSQL
for one NUL). A form holding NUL is refused whole with a French page (400), nothing written;
a query parameter loses it (a filter is read without it)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from concertation.core import text
from concertation.core.params import int_param

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def request_too_large(request: HttpRequest, *, files: bool = True) -> HttpResponse:
    """The French 413 page: a file past its limit, or (`files=False`) a form's fields past
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE."""
    response = render(request, "413.html", {
        "files": files, "limit_mb": settings.MAX_DOCUMENT_SIZE // (1024 * 1024),
    }, status=413)
    # The body stays unread: the connection cannot be reused for another request.
    response["Connection"] = "close"
    return response


def bad_request(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "400.html", {"reason": reason}, status=400)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A malformed header reads as 0, as Django itself reads it.
        length = int_param(request.META.get("CONTENT_LENGTH"), 0)
        if length > settings.MAX_REQUEST_BODY:
            return request_too_large(request)
        return self.get_response(request)


NUL_REASON = ("Le formulaire contient un caractère nul (\\0), qu’aucun texte ne peut contenir : "
              "il a sans doute été altéré en route. Rien n’a été enregistré ; revenez à la page "
              "précédente et saisissez le texte à nouveau.")


def _cleaned(data: QueryDict) -> QueryDict | None:
    """`data` with every key and value through the text cleaner, or None if nothing changes
    (the usual case: nothing is copied)."""
    def normalise(key: str) -> bool:
        return "password" not in key

    if all(text.is_clean(key) and all(text.is_clean(v, normalise=normalise(key)) for v in values)
           for key, values in data.lists()):
        return None
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(text.clean(key),
                        [text.clean(v, normalise=normalise(key)) for v in values])
    cleaned._mutable = False
    return cleaned


def _holds_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values)
               for key, values in data.lists())


class CleanTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return bad_request(request, "L’adresse demandée contient un caractère nul (\\0).")
        if (query := _cleaned(request.GET)) is not None:
            request.GET = query
        if request.method == "POST" and request.content_type in FORM_TYPES:
            # Reading the form here parses it once (a file past its limit raises here, and
            # Django answers through handler400); the CSRF check and the view read the same.
            if _holds_nul(request.POST):
                return bad_request(request, NUL_REASON)
            if (post := _cleaned(request.POST)) is not None:
                request.POST = post
        return self.get_response(request)
