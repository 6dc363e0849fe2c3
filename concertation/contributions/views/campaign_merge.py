"""Merging duplicates across the days of a campaign: an ARS organiser finds, with a search,
the same proposal made in several days of the region (or online) and merges them; a CTS
organiser does the same within their health territory. The day's page merges within a day."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.accounts.scope import Scope
from concertation.campaigns.models import Campaign
from concertation.contributions import services
from concertation.contributions.models import Contribution, Merge, MergeSource
from concertation.contributions.search import search
from concertation.contributions.views.organiser import undo_merge
from concertation.contributions.workflow import MERGEABLE_STATES
from concertation.core.params import int_list, int_param
from concertation.events.models import Event

PAGE_SIZE = 50
RECENT_MERGES = 20


def _candidates(campaign: Campaign, scope: Scope) -> QuerySet:
    """The contributions an organiser may merge: of their region (ARS) or their health
    territory (CTS), whichever day or online."""
    return Contribution.objects.filter(campaign=campaign,
                                       state__in=MERGEABLE_STATES).within(scope)


@organiser_required
def campaign_merge(request: ScopedRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    scope: Scope = request.scope
    selected: set[str] = set()
    target_typed, reason = "", ""
    status = 200
    if request.method == "POST":
        selected = set(request.POST.getlist("selected"))
        target_typed = request.POST.get("target", "")
        reason = request.POST.get("reason", "")[:1000]
        error = _merge(request, campaign, scope, selected, target_typed, reason)
        if error is None:
            return redirect(request.get_full_path())
        messages.error(request, error)
        status = 400

    query = request.GET.get("q", "").strip()[:200]
    event_id = request.GET.get("journee", "")
    contributions = _candidates(campaign, scope)
    if query:
        contributions = search(contributions, query)
    if (day := int_param(event_id)) is not None:  # a bad filter is ignored
        contributions = contributions.filter(event_id=day)
    contributions = (contributions.select_related("event", "workshop", "health_territory",
                                                  "department")
                     .order_by("-agree_count", "-created_at", "-id"))
    page = Paginator(contributions, PAGE_SIZE).get_page(request.GET.get("page"))
    for contribution in page.object_list:
        contribution.checked = str(contribution.pk) in selected
        contribution.kept = str(contribution.pk) == target_typed
    days = scope.filter_events(Event.objects.filter(campaign=campaign)).order_by("date", "id")
    merges = (Merge.objects.filter(undone_at__isnull=True, target__in=Contribution.objects.filter(
        campaign=campaign).within(scope))
        .select_related("target__event", "target__workshop", "target__health_territory",
                        "target__department")
        .prefetch_related(Prefetch("sources", queryset=MergeSource.objects.select_related(
            "contribution__event", "contribution__workshop", "contribution__health_territory",
            "contribution__department")))
        .order_by("-at", "-id")[:RECENT_MERGES])
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "contributions/organiser/campaign_merge.html", {
        "campaign": campaign, "page": page, "query": params.urlencode(), "q": query,
        "days": days, "event_id": event_id,
        "region_wide": scope.everything or bool(scope.region_ids), "reason": reason,
        "merged": merges,
    }, status=status)


def _merge(request: HttpRequest, campaign: Campaign, scope: Scope, selected: set[str],
           target_typed: str, reason: str) -> str | None:
    """Merges the selection; the French message of a refusal, or None."""
    ids = set(int_list(selected) or [])
    target_id = int_param(target_typed)
    if len(ids) < 2 or target_id not in ids:
        return ("Cochez au moins deux contributions et choisissez celle qui les réunit.")
    chosen = list(_candidates(campaign, scope).filter(pk__in=ids))
    if len(chosen) != len(ids):
        return ("Une des contributions choisies est hors de votre périmètre, d’une autre "
                "concertation ou déjà fusionnée : rien n’a été fusionné.")
    target = next(c for c in chosen if c.pk == target_id)
    try:
        services.merge(target=target, sources=chosen, user=request.user, reason=reason)
    except services.ContributionError as exc:
        return exc.messages[0]
    days = {c.event_id for c in chosen}
    messages.success(request, f"{len(chosen) - 1} contribution{'s' if len(chosen) > 2 else ''} "
                              f"fusionnée{'s' if len(chosen) > 2 else ''} dans « {target} » "
                              f"({len(days)} origine{'s' if len(days) > 1 else ''}). Les votes "
                              "ont été reportés.")
    return None


@require_POST
@organiser_required
def campaign_unmerge(request: ScopedRequest, slug: str, merge_pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    targets = Contribution.objects.filter(campaign=campaign).within(request.scope)
    undo_merge(request, get_object_or_404(Merge, pk=merge_pk, target__in=targets))
    return redirect("contributions_backoffice:campaign_merge", slug=campaign.slug)
