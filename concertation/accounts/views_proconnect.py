"""ProConnect sign-in pages: start, callback and logout (the protocol is in `proconnect.py`).

Without PROCONNECT_* settings these URLs answer 404. Whatever goes wrong on the way (a
replayed or forged callback, a token that does not verify, the provider down, an e-mail
with no invited account) ends on a French page with 400, 403 or 502, never a 500.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from concertation.accounts import proconnect

logger = logging.getLogger(__name__)


def _require_configured() -> None:
    if not proconnect.is_configured():
        raise Http404("ProConnect n’est pas configuré.")


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, {request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _error(request: HttpRequest, exc: proconnect.ProConnectError) -> HttpResponse:
    return render(
        request, "accounts/proconnect_error.html", {"message": exc.message}, status=exc.status
    )


@never_cache
@require_GET
def login_start(request: HttpRequest) -> HttpResponse:
    _require_configured()
    next_url = _safe_next(request, request.GET.get("next", ""))
    redirect_uri = request.build_absolute_uri(reverse("accounts:proconnect_callback"))
    try:
        url = proconnect.start(request, redirect_uri, next_url)
    except proconnect.ProConnectError as exc:
        return _error(request, exc)
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    _require_configured()
    try:
        identity, next_url = proconnect.finish(request)
        user = proconnect.user_for(identity)
    except proconnect.ProConnectError as exc:
        logger.info("ProConnect sign-in ended with %s: %s", exc.status, exc.message)
        return _error(request, exc)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # After login(), which may have started a new session: kept for the logout's id_token_hint.
    request.session[proconnect.SESSION_ID_TOKEN] = identity.id_token
    messages.success(request, "Vous êtes connecté(e) avec ProConnect.")
    return redirect(_safe_next(request, next_url) or settings.LOGIN_REDIRECT_URL)


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only); a session opened through ProConnect is then ended at the
    provider too, through its end-session endpoint with the ID token as id_token_hint, which
    sends the browser back to the home page."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(proconnect.SESSION_ID_TOKEN)
        response = super().post(request, *args, **kwargs)
        if id_token and proconnect.is_configured():
            back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
            url = proconnect.logout_url(id_token, post_logout_redirect_uri=back)
            if url:
                return HttpResponseRedirect(url)
        return response


class ProConnectLogoutView(LogoutView):
    def dispatch(self, request, *args, **kwargs):
        _require_configured()
        return super().dispatch(request, *args, **kwargs)
