"""One confirmation step before an irreversible action, the same for every one of them.

The button posts its form as usual. The view, once it has checked who may act and on what (so
that the page reveals nothing a 404 would hide), calls `ask` unless the post carries
`confirm=1`: the page answered says, in French, what will happen, and posts the same fields
again with `confirm=1`. Nothing is written by the first post, and no script is needed."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url

CONFIRM_FIELD = "confirm"
# Fields the confirmation form writes itself rather than copying them from the first post.
_OWN_FIELDS = frozenset({CONFIRM_FIELD, "csrfmiddlewaretoken"})


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRM_FIELD) == "1"


def reposted_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The first post's fields, to post again from a confirmation (or preview) page."""
    return [(name, value) for name, values in request.POST.lists()
            if name not in _OWN_FIELDS for value in values]


def ask(request: HttpRequest, *, title: str, consequences: Sequence[str], confirm_label: str,
        back: tuple, back_label: str = "Annuler et revenir") -> HttpResponse:
    """The confirmation page of the action `request` asked for. `title` completes « Confirmer :
    », `back` is where « cancel » leads: a URL name and its arguments, or a path."""
    fields = reposted_fields(request)
    return render(request, "core/confirm.html", {
        "title": title, "consequences": consequences, "confirm_label": confirm_label,
        "back_url": resolve_url(*back), "back_label": back_label, "fields": fields,
        "action": request.get_full_path(), "confirm_field": CONFIRM_FIELD,
    })
