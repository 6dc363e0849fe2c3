"""The error pages: none of them may need a database or an app above `core`."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from concertation.core import middleware
from concertation.core.uploads import UploadTooLarge


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django could not read (a form past its size or field count, a file past its
    limit while it streamed in, a bad host): a French page, never the English default."""
    if isinstance(exception, RequestDataTooBig):
        return middleware.request_too_large(request,
                                            files=isinstance(exception, UploadTooLarge))
    return middleware.bad_request(request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database here: the error may come from them.
    import sys

    from django.db import OperationalError
    from django.template import loader
    from django_tasks_db.utils import is_locked_database_exception

    # Django calls this handler inside its `except`, wherever the error arose (a view, a
    # middleware saving the session): a write that waited the whole busy timeout for SQLite's
    # lock is no bug, and the person can send it again.
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError) and is_locked_database_exception(error):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "10"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
