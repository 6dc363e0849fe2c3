"""« Mon compte » for a signed-in participant: what the account holds, its download as JSON,
and the erasure of the account after an explicit confirmation (`front/privacy.py`)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from concertation.front import privacy

# Participants sign in by e-mail link; the page sends them there, and back.
_signed_in = login_required(login_url="front:magic_request")


@require_safe
@never_cache  # personal data: no shared or browser cache keeps a copy
@_signed_in
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/my_data.html", {
        "counts": privacy.summary(request.user),
    })


@require_safe
@never_cache
@_signed_in
def download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        json.dumps(privacy.personal_data(request.user), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-concertation.json"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@_signed_in
def erase(request: HttpRequest) -> HttpResponse:
    # GET shows what erasure does and the confirmation box; only a POST with the box ticked
    # erases, so neither a link followed nor a form sent by mistake can.
    refused = privacy.has_role(request.user)
    error = ""
    if request.method == "POST":
        if refused:
            return render(request, "accounts/erase.html",
                          {"refusal": privacy.REFUSAL, "error": ""}, status=403)
        if request.POST.get("confirm") != "oui":
            error = "Cochez la case de confirmation pour effacer votre compte."
        else:
            try:
                privacy.erase_account(request.user)
            except privacy.ErasureRefused as exc:  # a role given meanwhile
                return render(request, "accounts/erase.html",
                              {"refusal": str(exc), "error": ""}, status=403)
            # Signed out first: logging out empties the session, messages included.
            logout(request)
            messages.success(request, "Votre compte a été effacé. Vos contributions publiées "
                                      "restent visibles sans lien avec vous, et vos votes "
                                      "restent comptés de façon anonyme.")
            return redirect("front:home")
    return render(request, "accounts/erase.html",
                  {"refusal": privacy.REFUSAL if refused else "", "error": error},
                  status=400 if error else 200)
