"""The open-data pages: « Données ouvertes », each table's CSV, its Table Schema and the DCAT
catalogue. Public, cached like the public pages (`public_page`), what an anonymous visitor may
see (`api/opendata.py`)."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from concertation.api import opendata
from concertation.core.public_cache import public_page


def _open(response: HttpResponse) -> HttpResponse:
    # Harvesters and previews (data.gouv.fr's) read these from other origins.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@public_page
def index(request: HttpRequest) -> HttpResponse:
    modified = opendata.modified_dates()
    datasets = [{"dataset": d, "modified": modified[d.slug]} for d in opendata.DATASETS]
    return render(request, "api/open_data.html", {"datasets": datasets,
                                                  "licence_url": opendata.LICENCE_URL})


@require_safe
@public_page
def download(request: HttpRequest, name: str) -> HttpResponse:
    table = opendata.TABLES.get(name)
    if table is None:
        raise Http404("Fichier inconnu")
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    dataset = next(d for d in opendata.DATASETS if table in d.tables)
    modified = dataset.modified()
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    return _open(response)


@require_safe
@public_page
def schema(request: HttpRequest, name: str) -> HttpResponse:
    table = next((t for t in opendata.TABLES.values() if t.schema_name == name), None)
    if table is None:
        raise Http404("Schéma inconnu")
    return _open(HttpResponse(table.schema_json(), content_type="application/json; charset=utf-8"))


@require_safe
@public_page
def catalogue(request: HttpRequest) -> HttpResponse:
    document = opendata.catalogue(opendata.modified_dates())
    return _open(HttpResponse(json.dumps(document, ensure_ascii=False, indent=1),
                              content_type="application/ld+json; charset=utf-8"))
