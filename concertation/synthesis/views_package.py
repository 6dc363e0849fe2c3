"""Organiser page of the transmission package: request it, follow its generation, download
its files. `package` writes; these views parse and render."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from concertation.events.views.backoffice import organiser_required
from concertation.synthesis import package as packages
from concertation.synthesis import services
from concertation.synthesis.models import Package, Synthesis

SHOWN = 10  # packages listed, newest first


def _synthesis(request: HttpRequest, pk: int) -> Synthesis:
    # Outside the organiser's scope: 404, as for the other synthesis pages.
    syntheses = Synthesis.objects.select_related("campaign", "region", "health_territory",
                                                 "event", "previous")
    return get_object_or_404(services.visible_syntheses(request.scope, syntheses), pk=pk)


@organiser_required
def index(request: HttpRequest, pk: int) -> HttpResponse:
    synthesis = _synthesis(request, pk)
    try:
        edition = packages.validated_edition(synthesis)
    except packages.PackageError as exc:
        edition, refusal = None, " ".join(exc.messages)
    else:
        refusal = ""
    rows = list(Package.objects.filter(synthesis=edition).select_related("created_by")[:SHOWN]
                ) if edition else []
    pending = any(p.status in (Package.Status.QUEUED, Package.Status.RUNNING) for p in rows)
    context = {"synthesis": synthesis, "edition": edition, "refusal": refusal,
               "packages": rows, "pending": pending, "kinds": packages.FILES,
               "here": "Dossier de transmission"}
    if request.htmx:
        return render(request, "synthesis/backoffice/_packages.html", context)
    return render(request, "synthesis/backoffice/package.html", context)


@require_POST
@organiser_required
def request_package(request: HttpRequest, pk: int) -> HttpResponse:
    synthesis = _synthesis(request, pk)
    try:
        packages.request_package(scope=request.scope, user=request.user, synthesis=synthesis)
    except packages.PackageError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Le dossier de transmission est en préparation : il apparaît "
                                  "ci-dessous dès qu’il est prêt.")
    return redirect("synthesis_package:index", pk=synthesis.pk)


@organiser_required
def download(request: HttpRequest, pk: int, package_pk: int, kind: str) -> FileResponse:
    synthesis = _synthesis(request, pk)
    editions = {synthesis.pk}
    # From a new draft edition, the package of the edition it was started from.
    with contextlib.suppress(packages.PackageError):
        editions.add(packages.validated_edition(synthesis).pk)
    package = get_object_or_404(Package, pk=package_pk, synthesis_id__in=editions,
                                status=Package.Status.DONE)
    return _file_response(package, kind)


def _file_response(package: Package, kind: str) -> FileResponse:
    file_kind = packages.FILE_KINDS.get(kind)
    path = package.files.get(kind)
    if file_kind is None or not path or not default_storage.exists(path):
        raise Http404("Fichier introuvable.")
    return FileResponse(default_storage.open(path, "rb"), as_attachment=True,
                        filename=path.rsplit("/", 1)[-1], content_type=file_kind.content_type)
