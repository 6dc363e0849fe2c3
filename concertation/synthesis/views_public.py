"""Public pages of the published syntheses: the list, a synthesis with its validated proposals,
their provenance and the contributions behind each, the participation charts, and the documents
of its transmission package."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from concertation.core.public_cache import public_page
from concertation.synthesis import package as packages
from concertation.synthesis import report, sources
from concertation.synthesis.models import Package, Synthesis


def published():
    return Synthesis.objects.published()


@require_safe
@public_page
def index(request: HttpRequest) -> HttpResponse:
    syntheses = list(published().select_related("campaign", "region", "health_territory",
                                                "event")
                     .order_by("-transmitted_at", "-updated_at", "-id"))
    # Each synthesis's documents, from its newest finished package: one query for them all.
    latest: dict[int, Package] = {}
    for package in (Package.objects.filter(synthesis__in=syntheses, status=Package.Status.DONE)
                    .only("synthesis_id", "files").order_by("-finished_at", "-id")):
        latest.setdefault(package.synthesis_id, package)
    for synthesis in syntheses:
        package = latest.get(synthesis.pk)
        synthesis.downloads = [kind for kind in packages.FILES
                               if package and kind.key in package.files and kind.key != "zip"]
    return render(request, "synthesis/public/index.html", {"syntheses": syntheses})


@require_safe
@public_page
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    synthesis = get_object_or_404(published(), slug=slug)
    data = report.collect(synthesis)
    package = packages.latest_package(synthesis)
    downloads = [kind for kind in packages.FILES if package and kind.key in package.files]
    return render(request, "synthesis/public/detail.html", {
        "report": data, "synthesis": data.synthesis, "method": report.method_text(data),
        "downloads": downloads, "sections": sources.proposal_rows(data),
    })


@require_safe
def download(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    # The rule of the synthesis's page: a synthesis withdrawn from the site (or never
    # published) has no public files either; its organisers download them from the
    # back-office.
    synthesis = get_object_or_404(published(), slug=slug)
    package = packages.latest_package(synthesis)
    if package is None:
        raise Http404("Aucun document publié pour cette synthèse.")
    return packages.file_response(request, package, kind)
