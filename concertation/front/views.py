"""The site's own pages: home, accessibility, legal notice, the 403 page, and the request for
a login link by e-mail."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from concertation.accounts import magic
from concertation.accounts.access import role_home
from concertation.accounts.scope import scope_for
from concertation.accounts.views import safe_next
from concertation.campaigns.models import Campaign
from concertation.core import outbox
from concertation.core.forms import DsfrFormMixin
from concertation.core.models import OutgoingEmail
from concertation.core.public_cache import public_page
from concertation.events.models import Event
from concertation.registrations.network import client_ip
from concertation.registrations.services import RateLimited, check_link_request_limit

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


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A French page that says why, and where this person's own pages are."""
    reason = str(exception) if exception and str(exception) else ""
    home = role_home(scope_for(request.user)) if request.user.is_authenticated else None
    return render(request, "403.html", {"reason": reason, "role_home": home}, status=403)


class MagicLinkForm(DsfrFormMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        help_text="Format attendu : nom@domaine.fr",
        error_messages={
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr."
        },
    )


def request_link(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
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
            return render(
                request,
                "accounts/link_sent.html",
                {"email": email, "minutes": settings.LOGIN_LINK_MINUTES},
            )
    return render(
        request,
        "accounts/request_link.html",
        {"form": form, "next": next_url, "minutes": settings.LOGIN_LINK_MINUTES},
    )
