"""Organiser page of the transmission package: request it, follow its generation, download
its files. `package` writes; these views parse and render."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required, role_required
from concertation.synthesis import package as packages
from concertation.synthesis.models import Package
from concertation.synthesis.selection import can_manage
from concertation.synthesis.views_common import synthesis_for_user

SHOWN = 10  # packages listed, newest first


@role_required("read")
def index(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk, area="read")
    try:
        edition = packages.validated_edition(synthesis)
    except packages.PackageError as exc:
        edition, refusal = None, " ".join(exc.messages)
    else:
        refusal = ""
    rows = list(Package.objects.filter(synthesis=edition).select_related("requested_by")[:SHOWN]
                ) if edition else []
    pending = any(p.pending for p in rows)
    context = {"synthesis": synthesis, "edition": edition, "refusal": refusal,
               "packages": rows, "pending": pending, "kinds": packages.FILES,
               "here": "Dossier de transmission",
               # The national and CRSA secretariats read the packages; the region makes them.
               "may_request": can_manage(request.scope, synthesis)}
    context["manages"] = context["may_request"]  # the breadcrumb links to the workspace
    if request.htmx:
        return render(request, "synthesis/backoffice/_packages.html", context)
    return render(request, "synthesis/backoffice/package.html", context)


@require_POST
@organiser_required
def request_package(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
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


@role_required("read")
def download(request: ScopedRequest, pk: int, package_pk: int, kind: str) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk, area="read")
    editions = {synthesis.pk}
    # From a new draft edition, the package of the edition it was started from.
    with contextlib.suppress(packages.PackageError):
        editions.add(packages.validated_edition(synthesis).pk)
    package = get_object_or_404(Package, pk=package_pk, synthesis_id__in=editions,
                                status=Package.Status.DONE)
    return packages.file_response(request, package, kind)
