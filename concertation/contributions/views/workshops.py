"""How the live-capture and priority-vote pages fetch their workshop."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from concertation.accounts.access import ScopedRequest
from concertation.accounts.scope import scope_for
from concertation.events.models import Workshop


def facilitated_workshop(request: HttpRequest, pk: int) -> Workshop:
    """The workshop if this person facilitates it or organises its day; 404 otherwise."""
    cast(ScopedRequest, request).scope = scope = scope_for(request.user)
    return get_object_or_404(
        Workshop.objects.facilitated_by(scope).select_related(
            "event__campaign", "event__department", "theme"), pk=pk)
