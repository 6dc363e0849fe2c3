"""The one cell sanitiser of every tabular export (CSV, XLSX, open data) and the text cleaner
of every sheet import.

An export must never fail on a stored value, and must never hand a spreadsheet a formula:
- openpyxl refuses the C0 control characters other than tab, newline and carriage return
  (XML 1.0 cannot hold them), so one `\\x0b` pasted from a word processor made a whole export
  answer 500. They are removed here; vertical tab and form feed (Word's manual line and page
  breaks) become a space, so that the words they separated stay apart.
- A cell starting with `= + - @` (or tab, carriage return, which some spreadsheets skip before
  reading a formula) would run as a formula when the file is opened: it is prefixed with an
  apostrophe, which spreadsheets read as "text" (OWASP's advice on CSV injection). Leading
  spaces do not hide one: some importers trim them (LibreOffice's "trim spaces").
Only strings are touched: numbers, dates and None pass as they are."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BREAKS = str.maketrans({"\x0b": " ", "\x0c": " "})


def clean_text(value: str) -> str:
    """`value` without the control characters a spreadsheet file cannot hold (NUL included);
    tab, newline and carriage return are kept."""
    return ILLEGAL_CHARACTERS_RE.sub("", value.translate(_BREAKS))


def cell(value):
    """A value ready for a CSV or XLSX cell: text cleaned and never read as a formula."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.lstrip(" ").startswith(FORMULA_START) else value


def row(values: Iterable) -> list:
    return [cell(v) for v in values]


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable], *, delimiter: str = ";") -> bytes:
    """A CSV file of `rows` under `header`, every cell through `cell`. Starts with a byte-order
    mark, which makes spreadsheet software read the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for values in rows:
        writer.writerow(row(values))
    return ("\ufeff" + buffer.getvalue()).encode()


def xlsx_bytes(sheet_title: str, header: Sequence[str], rows: Iterable[Iterable]) -> bytes:
    """A one-sheet XLSX file of `rows` under `header`, written in openpyxl's write-only mode
    (memory stays flat however many rows), every cell through `cell`."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(clean_text(sheet_title)[:31])
    sheet.append(row(header))
    for values in rows:
        sheet.append(row(values))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
