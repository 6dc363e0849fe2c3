"""The back-office page of an organiser's API tokens: make one (its text shown once, on the
answer to the form), see when each was last used and its recent uses, revoke one (after the
one confirmation step). Each organiser sees only their own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.api import tokens
from concertation.api.forms import TokenForm
from concertation.api.models import ApiToken, ApiTokenUse
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
