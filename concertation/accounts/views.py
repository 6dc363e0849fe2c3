from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from concertation.accounts import magic
from concertation.core.links import BadLink


def safe_next(request: HttpRequest, value: str) -> str:
    """Where to go after signing in: a path of this site, or nowhere."""
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}):
        return value
    return ""


def _bad_link(request: HttpRequest, exc: BadLink) -> HttpResponse:
    return render(request, "accounts/bad_link.html", {"reason": str(exc)}, status=400)


def magic_login(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method != "POST":
            # A confirmation click, so that mail scanners opening links neither sign anyone in
            # nor spend the link.
            found = magic.read(token)
            return render(request, "accounts/confirm_login.html", {"email": found.email})
        # Spent first, in its own statement: a link refused below stays spent.
        found = magic.use(token)
        user = magic.user_for(found.email)
        if not user.is_active:
            raise BadLink("Ce compte est désactivé.")
    except BadLink as exc:
        return _bad_link(request, exc)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Vous êtes connecté(e).")
    return redirect(safe_next(request, found.next_url) or "contributions:list")
