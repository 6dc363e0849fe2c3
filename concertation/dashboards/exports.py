"""The dashboard's figures as a spreadsheet: one row per region (every measure) and, on a
second sheet or below in the CSV, one row per department (the measures counted by day)."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from concertation.core import tabular
from concertation.dashboards import figures

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
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
    sheets = tables(context)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        for i, (title, headers, rows) in enumerate(sheets):
            if i:
                writer.writerow([])
            writer.writerow([title])
            writer.writerow(headers)
            writer.writerows(tabular.row(r) for r in rows)
        body = ("\ufeff" + buffer.getvalue()).encode()
    else:
        book = Workbook()
        book.remove(book.active)
        for title, headers, rows in sheets:
            sheet = book.create_sheet(title)
            sheet.append(headers)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for r in rows:
                sheet.append(tabular.row(r))
            sheet.freeze_panes = "A2"
            sheet.column_dimensions["B"].width = 32
        book.properties.creator = "Concertation"
        book.properties.title = "Tableau de bord de la concertation"
        out = io.BytesIO()
        book.save(out)
        body = out.getvalue()
    name = "tableau-de-bord-organisateur" if context["organiser"] else "tableau-de-bord"
    answer = HttpResponse(body, content_type=FORMATS[fmt])
    answer["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return answer
