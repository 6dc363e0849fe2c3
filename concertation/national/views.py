"""The national space (inbox, a transmission's page and its actions) and the region's answer
from its back-office synthesis page. Views parse and render; `services` writes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from concertation.accounts.access import ScopedRequest, organiser_required, role_required
from concertation.campaigns.models import Campaign
from concertation.core import confirm
from concertation.core.params import int_param
from concertation.national import consolidation, services, versions
from concertation.national import report as national_report
from concertation.national.models import FollowUp, Transmission
from concertation.synthesis import package as packages
from concertation.synthesis import report
from concertation.territories.models import Region


def _transmission(request: ScopedRequest, pk: int) -> Transmission:
    return get_object_or_404(
        Transmission.objects.within(request.scope).select_related(
            "synthesis__region", "synthesis__campaign", "acknowledged_by", "sent_by",
            "previous__synthesis"), pk=pk)


def _refused(request: HttpRequest, error: Exception) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


@role_required("national")
def inbox(request: ScopedRequest) -> HttpResponse:
    rows = (Transmission.objects.within(request.scope)
            .select_related("synthesis__region", "synthesis__campaign", "acknowledged_by"))
    region = request.GET.get("region", "")
    campaign = request.GET.get("concertation", "")
    if region:
        rows = rows.filter(synthesis__region__code=region)
    if campaign:
        rows = rows.filter(synthesis__campaign__slug=campaign)
    return render(request, "national/inbox.html", {
        "transmissions": list(rows.order_by("-received_at", "-id")),
        "regions": Region.objects.order_by("name"), "region": region,
        "campaigns": Campaign.objects.filter(syntheses__transmission__isnull=False)
        .distinct().order_by("title"), "campaign": campaign,
    })


def _detail_context(request: HttpRequest, transmission: Transmission) -> dict:
    edition = transmission.synthesis
    data = report.collect(edition)
    follow_ups = {f.group_id: f for f in FollowUp.objects.filter(transmission=transmission)
                  .select_related("recorded_by")}
    for section in data.themes:
        for proposal in section.proposals:
            proposal.follow_up = answer = follow_ups.get(proposal.group.pk)
            # What the form shows: the current answer, or nothing yet.
            proposal.form_values = {
                "outcome": answer.outcome if answer else "",
                "measure": answer.measure if answer else "",
                "reason": answer.reason if answer else ""}
    package = packages.latest_package(edition)
    return {
        "transmission": transmission, "synthesis": edition, "report": data,
        "package": package,
        "downloads": [k for k in packages.FILES if package and k.key in package.files],
        "thread": list(transmission.messages.select_related("author")),
        "diff": versions.version_diff(transmission),
        "outcomes": FollowUp.Outcome.choices,
    }


@role_required("national")
def detail(request: ScopedRequest, pk: int) -> HttpResponse:
    transmission = _transmission(request, pk)
    return render(request, "national/detail.html", _detail_context(request, transmission))


@require_POST
@role_required("national")
def acknowledge(request: ScopedRequest, pk: int) -> HttpResponse:
    transmission = _transmission(request, pk)
    if not transmission.acknowledged and not confirm.confirmed(request):
        return confirm.ask(
            request, title="accuser réception de cette transmission",
            consequences=(
                "La région voit que le secrétariat national a reçu cette version, avec votre "
                "nom et la date.",
                "L’accusé de réception ne s’annule pas.",
            ),
            confirm_label="Oui, accuser réception", back=("national:detail", transmission.pk))
    try:
        services.acknowledge(scope=request.scope, user=request.user, transmission=transmission)
    except (services.NationalError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, "Réception accusée.")
    return redirect("national:detail", pk=transmission.pk)


@require_POST
@role_required("national")
def ask(request: ScopedRequest, pk: int) -> HttpResponse:
    transmission = _transmission(request, pk)
    try:
        services.ask(scope=request.scope, user=request.user, transmission=transmission,
                     text=request.POST.get("text", ""))
    except (services.NationalError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, "Question envoyée à la région.")
    return redirect(reverse("national:detail", args=[transmission.pk]) + "#echanges")


@require_POST
@role_required("national")
def follow_up(request: ScopedRequest, pk: int, group_pk: int) -> HttpResponse:
    transmission = _transmission(request, pk)
    try:
        services.record_follow_up(
            scope=request.scope, user=request.user, transmission=transmission, group=group_pk,
            outcome=request.POST.get("outcome", ""), measure=request.POST.get("measure", ""),
            reason=request.POST.get("reason", ""))
    except (services.NationalError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, "Suite donnée enregistrée.")
    # Back at the proposal just followed up, not at the top of a page of twenty.
    return redirect(reverse("national:detail", args=[transmission.pk])
                    + f"#proposition-{group_pk}")


PER_PAGE = 50


@require_safe
@role_required("national")
def consolidation_page(request: ScopedRequest) -> HttpResponse:
    filters, errors = consolidation.read_filters(request.GET)
    for error in errors:
        messages.error(request, error)
    data = consolidation.collect(filters, per_page=PER_PAGE,
                                 page_number=int_param(request.GET.get("page"), 1, min=1))
    query = filters.query()
    return render(request, "national/consolidation.html", {
        "data": data, "filters": filters, "query": urlencode(query),
        "regions": Region.objects.order_by("name"),
        "campaigns": Campaign.objects.filter(syntheses__transmission__isnull=False)
        .distinct().order_by("title"),
        "outcomes": consolidation.OUTCOME_CHOICES,
        "formats": [("pdf", "PDF"), ("docx", "Word, DOCX"), ("odt", "OpenDocument, ODT"),
                    ("xlsx", "tableur XLSX"), ("csv", "CSV")],
    })


@require_safe
@role_required("national")
def consolidation_report(request: ScopedRequest, fmt: str) -> HttpResponse:
    if fmt not in national_report.FORMATS:
        raise Http404("Format inconnu.")
    filters, _errors = consolidation.read_filters(request.GET)
    data = consolidation.collect(filters)
    answer = HttpResponse(national_report.document(data, fmt),
                          content_type=national_report.FORMATS[fmt])
    answer["Content-Disposition"] = f'attachment; filename="rapport-national.{fmt}"'
    return answer


@require_POST
@organiser_required
def answer(request: ScopedRequest, pk: int) -> HttpResponse:
    # `pk` is the synthesis edition: the region answers from that edition's page.
    transmission = get_object_or_404(
        Transmission.objects.within(request.scope).select_related("synthesis"),
        synthesis_id=pk)
    try:
        services.answer(scope=request.scope, user=request.user, transmission=transmission,
                        text=request.POST.get("text", ""))
    except (services.NationalError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, "Réponse envoyée au secrétariat national.")
    return redirect("synthesis_backoffice:workspace", pk=pk)
