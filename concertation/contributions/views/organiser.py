"""Organiser moderation of a day's contributions: publish, reject with a reason, retain as a
work lead, merge duplicates (and undo), then publish the restitution."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required, role_required
from concertation.contributions import services
from concertation.contributions.models import Contribution, ContributionState, Merge
from concertation.contributions.workflow import LIFECYCLE
from concertation.core.params import int_list, int_param
from concertation.events.views.backoffice import _get_event_for_user


@organiser_required
def day_contributions(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    # The vote counts are those kept on each row by the one vote write path (`services.votes`,
    # merges recount under their lock): never recounted here.
    contributions = (
        Contribution.objects.filter(event=event).exclude(state=ContributionState.MERGED)
    ).select_related("workshop").prefetch_related(
        Prefetch("merged_sources", queryset=Contribution.objects.only("id", "text",
                                                                      "merged_into_id")),
        Prefetch("merges", queryset=Merge.objects.filter(undone_at__isnull=True)),
    ).order_by("workshop__position", "created_at")
    groups: dict = {}
    for contribution in contributions:
        contribution.actions = (  # type: ignore[attr-defined]  # read by the template
            LIFECYCLE.allowed_targets(contribution.state))
        groups.setdefault(contribution.workshop, []).append(contribution)
    return render(request, "contributions/organiser/day.html", {
        "event": event, "groups": list(groups.items()),
        "can_publish_restitution": event.state == "held",
    })


@require_POST
@organiser_required
def change_state(request: ScopedRequest, pk: int, contribution_pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    contribution = get_object_or_404(Contribution, pk=contribution_pk, event=event)
    try:
        services.transition(contribution=contribution, target=request.POST.get("target", ""),
                            user=request.user, reason=request.POST.get("reason", ""))
    except services.ContributionError as exc:
        messages.error(request, exc.messages[0])
    except ValueError:
        messages.error(request, "Action inconnue.")
    else:
        messages.success(request, "État de la contribution mis à jour.")
    return redirect("contributions_backoffice:day", pk=event.pk)


@require_POST
@organiser_required
def merge(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    # A tampered id refuses the whole selection (the message below), never part of it.
    ids = int_list(request.POST.getlist("selected")) or []
    selected = list(Contribution.objects.filter(event=event, pk__in=ids))
    target_id = int_param(request.POST.get("target"))
    target = next((c for c in selected if c.pk == target_id), None)
    if len(selected) < 2 or target is None:
        messages.error(request, "Cochez au moins deux contributions et choisissez celle qui "
                                "les réunit.")
        return redirect("contributions_backoffice:day", pk=event.pk)
    try:
        services.merge(target=target, sources=selected, user=request.user,
                       reason=request.POST.get("reason", ""))
    except services.ContributionError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{len(selected) - 1} contribution(s) fusionnée(s) dans "
                                  f"« {target} ». Les votes ont été reportés.")
    return redirect("contributions_backoffice:day", pk=event.pk)


@require_POST
@organiser_required
def unmerge(request: ScopedRequest, pk: int, merge_pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    undo_merge(request, get_object_or_404(Merge, pk=merge_pk, target__event=event))
    return redirect("contributions_backoffice:day", pk=event.pk)


def undo_merge(request: ScopedRequest, record: Merge) -> None:
    """Undo a merge through the service and tell how it went (a day's page and the campaign's
    merge page both undo merges)."""
    try:
        services.unmerge(merge_record=record, user=request.user)
    except services.ContributionError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "La fusion est annulée : chaque contribution a retrouvé son "
                                  "état et ses votes.")


@role_required("moderate")
def moderation_queue(request: ScopedRequest) -> HttpResponse:
    """Online contributions waiting for a moderator (pre-moderation, flagged for health
    details) and reported ones, within the organiser's territories."""
    contributions = (Contribution.objects.within(request.scope, "moderate")
                     .select_related("campaign", "department", "theme"))
    pending = contributions.filter(state=ContributionState.SUBMITTED).order_by("created_at")
    reported = (contributions.filter(reports__handled_at__isnull=True)
                .annotate(open_reports=Count("reports", filter=Q(reports__handled_at__isnull=True)))
                .prefetch_related("reports").order_by("-open_reports").distinct())
    return render(request, "contributions/organiser/moderation.html",
                  {"pending": pending, "reported": reported})


@require_POST
@role_required("moderate")
def moderate(request: ScopedRequest, contribution_pk: int) -> HttpResponse:
    contribution = get_object_or_404(Contribution.objects.within(request.scope, "moderate"),
                                     pk=contribution_pk)
    target = request.POST.get("target", "")
    try:
        if target == "keep":
            contribution.reports.filter(handled_at__isnull=True).update(handled_at=timezone.now())
        else:
            services.transition(contribution=contribution, target=target, user=request.user,
                                reason=request.POST.get("reason", ""))
            contribution.reports.filter(handled_at__isnull=True).update(
                handled_at=timezone.now())
    except services.ContributionError as exc:
        messages.error(request, exc.messages[0])
    except ValueError:
        messages.error(request, "Action inconnue.")
    else:
        messages.success(request, "Décision de modération enregistrée.")
    return redirect("contributions_backoffice:moderation")
