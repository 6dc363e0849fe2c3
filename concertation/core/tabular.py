"""The one writer of every tabular export (CSV, XLSX, open data), its cell sanitiser, and the
text cleaner of every sheet import.

`Sheet` is what an export says (a title, a header, rows, column widths); `write_xlsx` and
`write_csv` turn a list of them into a file the same way everywhere (bold frozen header,
openpyxl's write-only mode so that memory stays flat; a CSV with the byte-order mark that makes
spreadsheets read the accents right, dates as spreadsheets show them in France); `response`
answers the download.

An export must never fail on a stored value, and must never hand a spreadsheet a formula:
- openpyxl refuses the C0 control characters other than tab, newline and carriage return
  (XML 1.0 cannot hold them), so one `\\x0b` pasted from a word processor made a whole export
  answer 500. They are removed here by the one text cleaner (`core/text.py`), which forms
  apply on the way in; a value stored before it, or written past the forms, is cleaned again.
- A cell starting with `= + - @` (or tab, carriage return, which some spreadsheets skip before
  reading a formula) would run as a formula when the file is opened: it is prefixed with an
  apostrophe, which spreadsheets read as "text" (OWASP's advice on CSV injection). Leading
  spaces do not hide one: some importers trim them (LibreOffice's "trim spaces").
Only strings are touched: numbers, dates and None pass as they are."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from concertation.core.text import strip_controls as clean_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A value ready for a CSV or XLSX cell: text cleaned and never read as a formula."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.lstrip(" ").startswith(FORMULA_START) else value


def row(values: Iterable) -> list:
    return [cell(v) for v in values]


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def _local_zone():
    from django.utils import timezone

    return timezone.get_current_timezone()


@dataclass
class Sheet:
    """One table of an export: on its own sheet in XLSX, under its title in a CSV of several."""

    title: str
    header: Sequence[str]
    rows: Iterable[Iterable]
    widths: Sequence[float] = field(default_factory=tuple)  # of the first columns, in order
    bold_header: bool = True


def write_xlsx(sheets: Sequence[Sheet], *, title: str = "", target: Path | None = None
               ) -> bytes | None:
    """An XLSX workbook of `sheets` (written to `target` when given, else returned)."""
    book = Workbook(write_only=True)
    book.properties.creator = "Concertation"
    if title:
        book.properties.title = clean_text(title)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = book.create_sheet(clean_text(spec.title)[:31])
        for i, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        if spec.bold_header:
            sheet.freeze_panes = "A2"
        header = []
        for value in row(spec.header):
            head = WriteOnlyCell(sheet, value=value)
            if spec.bold_header:
                head.font = bold
            header.append(head)
        sheet.append(header)
        for values in spec.rows:
            cells = []
            for value in row(values):
                if isinstance(value, dt.date):
                    when = value
                    if isinstance(value, dt.datetime) and value.tzinfo is not None:
                        # A spreadsheet has no time zones: the time as read in France.
                        when = value.astimezone(_local_zone()).replace(tzinfo=None)
                    value = WriteOnlyCell(sheet, value=when)
                    value.number_format = (DATETIME_FORMAT if isinstance(when, dt.datetime)
                                           else DATE_FORMAT)
                cells.append(value)
            sheet.append(cells)
    if target is not None:
        book.save(target)
        return None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_local_zone())
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return cell(value)


def write_csv(sheets: Sequence[Sheet], *, delimiter: str = ";", bom: bool = True) -> bytes:
    """A CSV of `sheets`: one table as header and rows; several, each under its title, a blank
    line between them. Starts with a byte-order mark unless told (open data, read by
    programs)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for i, spec in enumerate(sheets):
        if len(sheets) > 1:
            if i:
                writer.writerow([])
            writer.writerow([cell(spec.title)])
        writer.writerow(row(spec.header))
        for values in spec.rows:
            writer.writerow([_csv_value(v) for v in values])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def write(sheets: Sequence[Sheet], fmt: str, *, title: str = "") -> bytes:
    if fmt == "xlsx":
        return write_xlsx(sheets, title=title)
    if fmt == "csv":
        return write_csv(sheets)
    raise ValueError(f"unknown tabular format {fmt!r}")


def response(sheets: Sequence[Sheet], fmt: str, filename: str, *, title: str = ""):
    """The download of `sheets` as `filename`.`fmt` (csv or xlsx)."""
    from django.http import HttpResponse

    answer = HttpResponse(write(sheets, fmt, title=title), content_type=CONTENT_TYPES[fmt])
    answer["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return answer


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable], *, delimiter: str = ";") -> bytes:
    """A CSV file of `rows` under `header` (one table)."""
    return write_csv([Sheet("", header, rows)], delimiter=delimiter)


def xlsx_bytes(sheet_title: str, header: Sequence[str], rows: Iterable[Iterable]) -> bytes:
    """A one-sheet XLSX file of `rows` under `header`."""
    return write_xlsx([Sheet(sheet_title, header, rows)])
