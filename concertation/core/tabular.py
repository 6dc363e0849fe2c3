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

from collections.abc import Iterable

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
