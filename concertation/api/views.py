"""The back-office page of an organiser's API tokens: make one (its text shown once, on the
answer to the form), see when each was last used and its recent uses, revoke one (after the
one confirmation step). Each organiser sees only their own tokens."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.api import tokens
from concertation.api.forms import TokenForm, WebhookForm
from concertation.api.models import ApiToken, ApiTokenUse, WebhookEndpoint
from concertation.core import confirm

RECENT_USES = 20


def _page(request: ScopedRequest, form: TokenForm, *, created: str = "",
          status: int = 200) -> HttpResponse:
    own = ApiToken.objects.filter(user=request.user)
    response = render(request, "api/tokens.html", {
        "form": form, "created": created, "tokens": own,
        "uses": ApiTokenUse.objects.filter(token__user=request.user)
        .select_related("token")[:RECENT_USES],
    }, status=status)
    # The page that shows a new token's text is never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@organiser_required
def token_list(request: ScopedRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, raw = tokens.create(scope=request.scope, user=request.user,
                                   name=form.cleaned_data["name"])
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, form, status=400)
    messages.success(request, f"Jeton « {token.name} » créé.")
    return _page(request, TokenForm(), created=raw)


@require_POST
@organiser_required
def token_revoke(request: ScopedRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404("Jeton introuvable.")
    if token.revoked_at is not None:
        messages.info(request, f"Le jeton « {token.name} » était déjà révoqué.")
        return redirect("api_backoffice:tokens")
    if not confirm.confirmed(request):
        return confirm.ask(
            request, title=f"révoquer le jeton « {token.name} »",
            consequences=["Les outils qui l’utilisent recevront une erreur 401 dès maintenant.",
                          "Un jeton révoqué ne peut pas être réactivé : il faudra en créer "
                          "un nouveau."],
            confirm_label="Révoquer le jeton", back=("api_backoffice:tokens",))
    tokens.revoke(user=request.user, token_id=token.pk)
    messages.success(request, f"Jeton « {token.name} » révoqué.")
    return redirect("api_backoffice:tokens")


# Webhooks ----------------------------------------------------------------------------------

RECENT_DELIVERIES = 50


def _webhooks_page(request: ScopedRequest, form: WebhookForm, *, created=None,
                   status: int = 200) -> HttpResponse:
    response = render(request, "api/webhooks.html", {
        "form": form, "created": created,
        "endpoints": WebhookEndpoint.objects.filter(user=request.user, disabled_at=None),
    }, status=status)
    response["Cache-Control"] = "no-store"
    return response


@organiser_required
def webhook_list(request: ScopedRequest) -> HttpResponse:
    if request.method != "POST":
        return _webhooks_page(request, WebhookForm())
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _webhooks_page(request, form, status=400)
    endpoint = WebhookEndpoint.objects.create(
        user=request.user, url=form.cleaned_data["url"], events=form.cleaned_data["events"],
        secret=secrets.token_hex(32))
    messages.success(request, "Point de réception créé.")
    return _webhooks_page(request, WebhookForm(), created=endpoint)


def _own_endpoint(request: ScopedRequest, pk: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(user=request.user, pk=pk,
                                              disabled_at=None).first()
    if endpoint is None:
        raise Http404("Point de réception introuvable.")
    return endpoint


@organiser_required
def webhook_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    endpoint = _own_endpoint(request, pk)
    return render(request, "api/webhook_detail.html", {
        "endpoint": endpoint,
        "deliveries": endpoint.deliveries.all()[:RECENT_DELIVERIES],
    })


@require_POST
@organiser_required
def webhook_delete(request: ScopedRequest, pk: int) -> HttpResponse:
    endpoint = _own_endpoint(request, pk)
    if not confirm.confirmed(request):
        return confirm.ask(
            request, title=f"supprimer le point de réception {endpoint.url}",
            consequences=["Plus aucun événement n’y sera envoyé, ceux en attente compris.",
                          "Son journal des envois reste consultable par l’administrateur."],
            confirm_label="Supprimer le point de réception", back=("api_backoffice:webhooks",))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(disabled_at=timezone.now())
    messages.success(request, "Point de réception supprimé.")
    return redirect("api_backoffice:webhooks")
