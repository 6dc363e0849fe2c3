"""The dashboard's figures as a spreadsheet: one row per region (every measure) and, on a
second sheet or below in the CSV, one row per department (the measures counted by day)."""

from __future__ import annotations

from django.http import HttpResponse

from concertation.core import tabular
from concertation.dashboards import figures

FORMATS = tabular.CONTENT_TYPES
DEPARTMENT_MEASURES = ("journees", "participants", "contributions")


def tables(context: dict) -> list[tuple[str, list[str], list[list]]]:
    organiser = context["organiser"]
    region_headers = ["Code région", "Région"] + [m.label for m in figures.MEASURES.values()]
    if organiser:
        region_headers += list(figures.WORK_MEASURES.values())
    region_rows = [[row["region"].code, row["region"].name, *row["values"],
                    *(row["work"] if organiser else [])] for row in context["region_rows"]]
    department_headers = ["Code département", "Département", "Région"] + [
        figures.MEASURES[m].label for m in DEPARTMENT_MEASURES]
    department_rows = [[row["department"].code, row["department"].name,
                        row["department"].region.name, *row["values"]]
                       for row in context["department_rows"]]
    return [("Régions", region_headers, region_rows),
            ("Départements", department_headers, department_rows)]


def response(context: dict, fmt: str) -> HttpResponse:
    sheets = [tabular.Sheet(title, headers, rows, widths=(14, 32))
              for title, headers, rows in tables(context)]
    name = "tableau-de-bord-organisateur" if context["organiser"] else "tableau-de-bord"
    return tabular.response(sheets, fmt, name, title="Tableau de bord de la concertation")
