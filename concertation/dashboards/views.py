"""The dashboards: the public one (what the public pages show, for the nation) and the
organisers' one (the same figures within their scope, with their work in progress)."""

from __future__ import annotations

import unicodedata

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from concertation.accounts.access import ScopedRequest, role_required
from concertation.core.public_cache import public_page
from concertation.dashboards import charts, exports, figures, francemap
from concertation.dashboards.forms import DashboardForm
from concertation.territories.models import Department


def _sort_key(name: str) -> str:
    """French alphabetical order: « Île-de-France » between Hauts-de-France and La Réunion."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def _context(request: ScopedRequest, *, organiser: bool) -> dict:
    form = DashboardForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown; the filters that are valid still apply
    scope = request.scope if organiser else None
    filters = form.filters(scope)
    result = figures.compute(filters)
    measure = figures.MEASURES[form.value("mesure", "journees")]
    by_region = form.value("echelle", "region") == "region" or measure.finest == "region"
    departments = list(Department.objects.select_related("region").order_by("code"))
    regions = sorted(figures.regions_shown(filters), key=lambda r: _sort_key(r.name))
    names = {d.code: d.name for d in departments}
    region_names = {d.region.code: d.region.name for d in departments}
    region_of = {d.code: d.region.code for d in departments}
    values = (result.by_region if by_region else result.by_department).get(measure.code, {})
    if organiser:
        # An organiser's map shows only the regions they work in.
        shown = {r.code for r in regions}
        values = {k: v for k, v in values.items()
                  if (k if by_region else region_of.get(k)) in shown}
    drawing = francemap.draw(values=values, names=names, region_names=region_names,
                             region_of=region_of,
                             by_region=by_region, measure_label=measure.label)
    region_rows = [
        {"region": r,
         "values": [result.by_region.get(m, {}).get(r.code, 0) for m in figures.MEASURES],
         "work": [result.work.get(m, {}).get(r.code, 0) for m in figures.WORK_MEASURES]}
        for r in regions
    ]
    shown_codes = {r.code for r in regions}
    department_rows = [
        {"department": d, "values": [result.by_department.get(m, {}).get(d.code, 0)
                                     for m in ("journees", "participants", "contributions")]}
        for d in departments if d.region.code in shown_codes
    ]
    chart_box, bars = charts.month_bars(result.months)
    query = request.GET.copy()
    return {
        "form": form,
        "organiser": organiser,
        "national": bool(scope and scope.national),
        "figures": result,
        "measures": list(figures.MEASURES.values()),
        "work_measures": list(figures.WORK_MEASURES.items()),
        "measure": measure,
        "by_region": by_region,
        "map": drawing,
        "region_rows": region_rows,
        "department_rows": department_rows,
        "chart_box": chart_box,
        "bars": bars,
        "query": query.urlencode(),
        "totals": [(m.label, result.totals.get(m.code, 0)) for m in figures.MEASURES.values()],
        "work_totals": [(label, result.work_totals.get(code, 0))
                        for code, label in figures.WORK_MEASURES.items()],
    }


@require_safe
@public_page
def public(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/dashboard.html", _context(request, organiser=False))


@require_safe
@role_required("read")
def organiser(request: ScopedRequest) -> HttpResponse:
    return render(request, "dashboards/dashboard.html", _context(request, organiser=True))


def _export(request: HttpRequest, fmt: str, *, organiser: bool) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404("Format inconnu : csv ou xlsx.")
    context = _context(request, organiser=organiser)
    return exports.response(context, fmt)


@require_safe
@public_page
def public_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt, organiser=False)


@require_safe
@role_required("read")
def organiser_export(request: ScopedRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt, organiser=True)
