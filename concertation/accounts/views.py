from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from concertation.accounts import magic
from concertation.core import outbox
from concertation.core.forms import DsfrFormMixin
from concertation.core.links import BadLink
from concertation.core.models import OutgoingEmail
from concertation.registrations.network import client_ip
from concertation.registrations.services import RateLimited, check_link_request_limit


class MagicLinkForm(DsfrFormMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique", help_text="Format attendu : nom@domaine.fr",
        error_messages={"invalid": "Saisissez une adresse électronique valide, "
                                   "par exemple nom@domaine.fr."},
    )


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}):
        return value
    return ""


def request_link(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = MagicLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        try:
            check_link_request_limit(ip=client_ip(request), email=email)
        except RateLimited as exc:
            form.add_error(None, exc.messages[0])
        else:
            # The same work and the same page for every address, organisers' included: the
            # task decides what the mail says (see `magic.py`), so nobody learns who has a role.
            with transaction.atomic():
                token = magic.issue(email, next_url)
                # Through the outbox: a mail server down loses no link (it is tried again
                # while the link lasts), where it used to fail once, silently.
                outbox.send(OutgoingEmail.Kind.LOGIN_LINK, login_token=token)
            return render(request, "accounts/link_sent.html",
                          {"email": email, "minutes": settings.LOGIN_LINK_MINUTES})
    return render(request, "accounts/request_link.html",
                  {"form": form, "next": next_url, "minutes": settings.LOGIN_LINK_MINUTES})


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
    return redirect(_safe_next(request, found.next_url) or "contributions:list")
