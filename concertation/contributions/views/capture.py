"""Live workshop capture by facilitators, and the projector view for the room.

The capture page works without JavaScript (a plain form). With it, `static/js/capture.js`
keeps entries in the browser until the server has them: each entry carries its own id, so
sending it again after a network cut returns the stored entry instead of a duplicate."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_POST, require_safe

from concertation.accounts.access import ScopedRequest, role_required
from concertation.contributions import capture_service, services
from concertation.contributions.models import Contribution, ContributionState
from concertation.contributions.views.workshops import facilitated_workshop
from concertation.core.confirm import ask, confirmed
from concertation.core.http import HtmxRequest
from concertation.core.params import int_param
from concertation.core.qr import qr_svg
from concertation.events.models import Workshop


@role_required("facilitate")
def my_workshops(request: ScopedRequest) -> HttpResponse:
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
            "text": contribution.text, "created": created, "state": contribution.state}


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
def capture_page(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = facilitated_workshop(request, pk)
    entries = list(workshop.contributions.exclude(state=ContributionState.WITHDRAWN)
                   .order_by("-created_at", "-id"))
    # Without JavaScript, « Modifier » reloads the page with that entry's form open, and a
    # deletion comes back with its « Annuler la suppression » button.
    editing = int_param(request.GET.get("modifier"), min=1)
    removed_pk = int_param(request.GET.get("supprimee"), min=1)
    removed = (workshop.contributions.filter(pk=removed_pk, state=ContributionState.WITHDRAWN)
               .first() if removed_pk else None)
    return render(request, "contributions/capture.html", {
        "workshop": workshop, "event": workshop.event, "entries": entries,
        "editing": editing, "removed": removed, "client_id": uuid.uuid4().hex,
    })


@require_POST
@login_required
def capture_submit(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = facilitated_workshop(request, pk)
    try:
        captured = services.capture(workshop=workshop, user=request.user,
                                    text=request.POST.get("text", ""),
                                    client_id=request.POST.get("client_id", ""))
    except services.ContributionError as exc:
        return _refused(request, workshop, exc)
    if _wants_json(request):
        return JsonResponse(_entry(captured.contribution, captured.created),
                            status=201 if captured.created else 200)
    return redirect("contributions:capture", pk=workshop.pk)


def _refused(request: HttpRequest, workshop: Workshop, exc: services.ContributionError,
             **query) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": exc.messages[0]}, status=400)
    messages.error(request, exc.messages[0])
    return _back(workshop, **query)


def _back(workshop: Workshop, **query) -> HttpResponse:
    url = reverse("contributions:capture", args=[workshop.pk])
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _entry_of(workshop: Workshop, contribution_pk: int) -> Contribution:
    return get_object_or_404(Contribution, pk=contribution_pk, workshop=workshop)


@require_POST
@login_required
def capture_edit(request: HttpRequest, pk: int, contribution_pk: int) -> HttpResponse:
    workshop = facilitated_workshop(request, pk)
    contribution = _entry_of(workshop, contribution_pk)
    try:
        if contribution.state == ContributionState.WITHDRAWN:
            raise services.ContributionError(
                "Cette proposition a été supprimée : annulez la suppression pour la modifier.")
        contribution = services.edit_text(contribution=contribution,
                                          text=request.POST.get("text", ""), user=request.user)
    except services.ContributionError as exc:
        return _refused(request, workshop, exc, modifier=contribution.pk)
    if _wants_json(request):
        return JsonResponse(_entry(contribution, False))
    messages.success(request, "Proposition modifiée.")
    return _back(workshop)


@require_POST
@login_required
def capture_delete(request: HttpRequest, pk: int, contribution_pk: int) -> HttpResponse:
    """« Supprimer »: asks first (the page's own inline question, or the confirmation page
    without JavaScript), then withdraws the entry; « Annuler la suppression » restores it."""
    workshop = facilitated_workshop(request, pk)
    contribution = _entry_of(workshop, contribution_pk)
    if not confirmed(request):
        return ask(request, title="supprimer cette proposition de la saisie",
                   consequences=[
                       f"« {Truncator(contribution.text).chars(120)} » disparaîtra de la saisie, "
                       "de la vue projetée et des listes publiques.",
                       "Ses votes et son historique sont conservés : « Annuler la suppression » "
                       "la rétablit telle quelle.",
                   ],
                   confirm_label="Supprimer la proposition", back=("contributions:capture",
                                                                   workshop.pk))
    return _change_entry(request, workshop, contribution, capture_service.withdraw_entry,
                         "Proposition supprimée.", undo=True)


@require_POST
@login_required
def capture_restore(request: HttpRequest, pk: int, contribution_pk: int) -> HttpResponse:
    workshop = facilitated_workshop(request, pk)
    contribution = _entry_of(workshop, contribution_pk)
    return _change_entry(request, workshop, contribution, capture_service.restore_entry,
                         "Suppression annulée : la proposition est rétablie.")


def _change_entry(request: HttpRequest, workshop: Workshop, contribution: Contribution,
                  change, done: str, *, undo: bool = False) -> HttpResponse:
    """Deletion and its undo, answered alike: the entry as JSON to the page's script, or
    back to the capture page with the message (and, after a deletion, its « Annuler »)."""
    try:
        contribution = change(workshop=workshop, contribution=contribution, user=request.user)
    except services.ContributionError as exc:
        return _refused(request, workshop, exc)
    if _wants_json(request):
        return JsonResponse(_entry(contribution, False))
    messages.success(request, done)
    return _back(workshop, supprimee=contribution.pk) if undo else _back(workshop)


def _join_url(request: HttpRequest, workshop: Workshop, priority) -> str:
    """Where the QR code on the wall leads: the open priority vote if there is one, else the
    day's proposals, where a participant reads and votes."""
    if priority is not None and priority.is_open:
        path = reverse("contributions:priority_account", args=[priority.pk])
    else:
        path = f"{reverse('contributions:list')}?{urlencode({'event': workshop.event_id})}"
    return request.build_absolute_uri(path)


@login_required
@require_safe
def projector(request: HtmxRequest, pk: int) -> HttpResponse:
    """What the room sees on the wall: the workshop's proposals with their votes, newest
    first, the priority vote's ranking, refreshed every few seconds; the QR code to vote.
    Opened by the workshop's facilitators and the day's organisers (the laptop on the
    projector is theirs); the room reads it, it does not browse to it."""
    workshop = facilitated_workshop(request, pk)
    entries = workshop.contributions.filter(
        state__in=[ContributionState.PUBLISHED, ContributionState.RETAINED]
    ).order_by("-created_at", "-id")
    from concertation.contributions.views.priority import _results_context, latest_priority_vote

    live = {"workshop": workshop, "entries": entries,
            **_results_context(latest_priority_vote(workshop))}
    if request.htmx:
        return render(request, "contributions/projector_live.html", live)
    join = _join_url(request, workshop, live["priority"])
    return render(request, "contributions/projector.html", {
        **live, "event": workshop.event, "join_url": join,
        "join_short": join.split("://", 1)[-1], "join_qr": qr_svg(join),
    })
