"""Live workshop capture by facilitators, and the projector view for the room.

The capture page works without JavaScript (a plain form). With it, `static/js/capture.js`
keeps entries in the browser until the server has them: each entry carries its own id, so
sending it again after a network cut returns the stored entry instead of a duplicate."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from concertation.accounts.access import role_required
from concertation.accounts.scope import scope_for
from concertation.contributions import services
from concertation.contributions.models import Contribution, ContributionState
from concertation.events.models import Workshop


def _workshop_for_facilitator(request: HttpRequest, pk: int) -> Workshop:
    """The workshop if this person facilitates it or organises its day; 404 otherwise."""
    request.scope = scope = scope_for(request.user)
    return get_object_or_404(
        Workshop.objects.facilitated_by(scope).select_related(
            "event__campaign", "event__department", "theme"), pk=pk)


@role_required("facilitate")
def my_workshops(request: HttpRequest) -> HttpResponse:
    """A facilitator's home: the workshops they run, the coming ones first."""
    workshops = (Workshop.objects.filter(pk__in=request.scope.workshop_ids)
                 .select_related("event", "theme")
                 .order_by("-event__date", "starts_at", "position", "id"))
    today = timezone.localdate()
    rows = list(workshops)
    return render(request, "contributions/my_workshops.html", {
        "coming": [w for w in rows if w.event.date >= today][::-1],
        "past": [w for w in rows if w.event.date < today],
        "organiser": request.scope.is_organiser,
    })


def _entry(contribution: Contribution, created: bool) -> dict:
    return {"id": contribution.pk, "client_id": contribution.client_id,
            "text": contribution.text, "created": created}


@login_required
def capture_page(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = _workshop_for_facilitator(request, pk)
    entries = workshop.contributions.order_by("-created_at", "-id")
    return render(request, "contributions/capture.html", {
        "workshop": workshop, "event": workshop.event, "entries": entries,
        "client_id": uuid.uuid4().hex,
    })


@require_POST
@login_required
def capture_submit(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = _workshop_for_facilitator(request, pk)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        captured = services.capture(workshop=workshop, user=request.user,
                                    text=request.POST.get("text", ""),
                                    client_id=request.POST.get("client_id", ""))
    except services.ContributionError as exc:
        if wants_json:
            return JsonResponse({"error": exc.messages[0]}, status=400)
        from django.contrib import messages

        messages.error(request, exc.messages[0])
        return redirect("contributions:capture", pk=workshop.pk)
    if wants_json:
        return JsonResponse(_entry(captured.contribution, captured.created),
                            status=201 if captured.created else 200)
    return redirect("contributions:capture", pk=workshop.pk)


@require_POST
@login_required
def capture_edit(request: HttpRequest, pk: int, contribution_pk: int) -> HttpResponse:
    workshop = _workshop_for_facilitator(request, pk)
    contribution = get_object_or_404(Contribution, pk=contribution_pk, workshop=workshop)
    try:
        contribution = services.edit_text(contribution=contribution,
                                          text=request.POST.get("text", ""), user=request.user)
    except services.ContributionError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    return JsonResponse(_entry(contribution, False))


@require_safe
def projector(request: HttpRequest, pk: int) -> HttpResponse:
    """What the room sees on the wall: the workshop's proposals, newest first, refreshed."""
    workshop = get_object_or_404(
        Workshop.objects.select_related("event").exclude(event__state="draft")
        .filter(event__is_public=True), pk=pk,
    )
    entries = workshop.contributions.filter(
        state__in=[ContributionState.PUBLISHED, ContributionState.RETAINED]
    ).order_by("-created_at", "-id")
    if request.htmx:
        return render(request, "contributions/projector_list.html", {"entries": entries})
    from concertation.contributions.views.priority import _results_context, latest_priority_vote

    return render(request, "contributions/projector.html", {
        "workshop": workshop, "event": workshop.event, "entries": entries,
        **_results_context(latest_priority_vote(workshop)),
    })
