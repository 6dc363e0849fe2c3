"""What every organiser page of a synthesis shares: the synthesis fetched through the
person's scope (404 outside it), the context of its steps, and a service call's outcome told
as a French message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from concertation.accounts.access import ScopedRequest
from concertation.accounts.scope import AreaName
from concertation.synthesis import (
    revisions,
)
from concertation.synthesis.models import (
    Decision,
    Synthesis,
    SynthesisGroup,
    SynthesisState,
)
from concertation.synthesis.workflow import EDITABLE_STATES


def synthesis_for_user(request: ScopedRequest, pk: int, *related: str,
                            area: AreaName | Literal["read"] = "manage") -> Synthesis:
    """The synthesis if this person may act on it (or, for "read", open it); 404 otherwise
    (others' work stays hidden)."""
    syntheses = (Synthesis.objects.readable(request.scope) if area == "read"
                 else Synthesis.objects.within(request.scope, area))
    return get_object_or_404(syntheses.select_related(
        "campaign", "region", "health_territory", "event", "theme", "validation_event",
        "previous", *related), pk=pk)


def error_text(error) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


def recorded_decision(group: SynthesisGroup) -> Decision | None:
    try:
        return group.decision
    except Decision.DoesNotExist:
        return None


def base_context(synthesis: Synthesis, *, manages: bool = True) -> dict:
    """What every page of a synthesis shows; `manages` is False for the CRSA's secretariat,
    whose pages link to none of those it would be refused (workspace, list, history)."""
    return {
        "synthesis": synthesis,
        "manages": manages,
        "editable": synthesis.state in EDITABLE_STATES,
        "steps": [(s.label, s.value == synthesis.state) for s in SynthesisState],
        "step_number": list(SynthesisState.values).index(synthesis.state) + 1,
        "step_count": len(SynthesisState.values),
        "next_step": (list(SynthesisState)[list(SynthesisState.values).index(synthesis.state)
                                           + 1].label
                      if synthesis.state != SynthesisState.TRANSMITTED else ""),
    }


def write(request: HttpRequest, synthesis: Synthesis, action: Callable[[], object],
           success: str) -> bool:
    """Run a service call; say what happened. False (with the French message) on refusal."""
    try:
        action()
    except revisions.SynthesisError as error:
        messages.error(request, error_text(error))
        return False
    except PermissionDenied as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True
