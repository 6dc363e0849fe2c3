from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from concertation.accounts.access import role_home
from concertation.accounts.scope import scope_for
from concertation.campaigns.models import Campaign
from concertation.core import middleware
from concertation.core.public_cache import public_page
from concertation.core.uploads import UploadTooLarge
from concertation.events.models import Event

HOME_UPCOMING = 6


@require_safe
@public_page
def home(request: HttpRequest) -> HttpResponse:
    upcoming = Event.objects.public().upcoming().for_listing()[:HOME_UPCOMING]
    context = {
        "upcoming": upcoming,
        "campaigns": Campaign.objects.prefetch_related("themes").select_related("region"),
        "today": timezone.localdate(),
    }
    return render(request, "core/home.html", context)


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_safe
def legal(request: HttpRequest) -> HttpResponse:
    return render(request, "core/legal.html")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django could not read (a form past its size or field count, a file past its
    limit while it streamed in, a bad host): a French page, never the English default."""
    if isinstance(exception, RequestDataTooBig):
        return middleware.request_too_large(request,
                                            files=isinstance(exception, UploadTooLarge))
    return middleware.bad_request(request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A French page that says why, and where this person's own pages are."""
    reason = str(exception) if exception and str(exception) else ""
    home = role_home(scope_for(request.user)) if request.user.is_authenticated else None
    return render(request, "403.html", {"reason": reason, "role_home": home}, status=403)


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
