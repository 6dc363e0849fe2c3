"""CSV input with encoding and delimiter detection, and one-line error reporting."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AnalysisError", "CsvHeader", "CsvTable", "read_csv", "read_header"]

csv.field_size_limit(2**31 - 1)


class AnalysisError(Exception):
    """A user-facing problem with the input; the CLI prints it on one line and exits 2."""


@dataclass(frozen=True)
class CsvTable:
    path: Path
    header: list[str]
    rows: list[list[str]]
    encoding: str
    header_line: int = 1  # file line of the header (rows start on the next line)

    def column(self, name: str) -> int:
        """Index of a column, or a one-line error naming it."""
        stripped = [h.strip() for h in self.header]
        if name in stripped:
            return stripped.index(name)
        lowered = [h.casefold() for h in stripped]
        if name.casefold() in lowered:
            return lowered.index(name.casefold())
        available = ", ".join(stripped) if stripped else "aucune"
        raise AnalysisError(
            f"colonne « {name} » absente de {self.path.name} (colonnes : {available})"
        )

    def line_of(self, row_index: int) -> int:
        """1-based line number of a data row, for error messages (assumes 1 line per row)."""
        return self.header_line + 1 + row_index


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise AnalysisError(f"encodage illisible dans {path.name} (UTF-16 invalide)") from exc
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    # Spreadsheet exports on French Windows are often cp1252; accept them when they decode
    # to printable text, otherwise refuse rather than guess.
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and "\x00" not in text and _mostly_printable(text):
        return text, "cp1252"
    line = raw[: utf8_error.start].count(b"\n") + 1
    raise AnalysisError(
        f"encodage illisible dans {path.name} (ligne {line} : ni UTF-8 ni Windows-1252)"
    )


def _mostly_printable(text: str) -> bool:
    sample = text[:100_000]
    bad = sum(1 for ch in sample if not ch.isprintable() and ch not in "\r\n\t")
    return bad <= max(1, len(sample) // 1000)


@dataclass(frozen=True)
class CsvHeader:
    header: list[str]
    delimiter: str
    encoding: str  # a Python codec name usable with open()


def read_header(path: str | Path) -> CsvHeader | None:
    """Header, delimiter and codec from the first bytes only, or None when unsure."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(65_536)
    except OSError:
        return None
    if not head.strip() or b"\x00" in head:
        return None
    codec = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        first = head.split(b"\n", 1)[0].decode(codec)
    except UnicodeDecodeError:
        return None
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    header = next(csv.reader([first.rstrip("\r")], delimiter=delimiter))
    return CsvHeader(header=header, delimiter=delimiter, encoding=codec)


def read_csv(path: str | Path, *, required: bool = True, keep_blank: bool = False) -> CsvTable:
    """Read a whole CSV file (comma, semicolon or tab separated, header on line 1).

    Rows whose cells are all blank are skipped unless ``keep_blank`` (for commands that
    promise one output row per input row).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise AnalysisError(f"fichier introuvable : {path}") from exc
    except OSError as exc:
        raise AnalysisError(f"lecture impossible de {path} : {exc.strerror}") from exc
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise AnalysisError(f"encodage illisible dans {path.name} (fichier binaire ?)")
    text, encoding = _decode(raw, path)
    if not text.strip():
        raise AnalysisError(f"fichier vide : {path.name}")
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader)
        rows = [row for row in reader if row and (keep_blank or any(c.strip() for c in row))]
    except csv.Error as exc:
        raise AnalysisError(f"CSV mal formé dans {path.name} : {exc}") from exc
    if required and not rows:
        raise AnalysisError(f"fichier vide : {path.name} (aucune ligne de données)")
    return CsvTable(path=path, header=header, rows=rows, encoding=encoding)
