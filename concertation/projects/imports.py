"""Milestone sheets (CSV or XLSX): reading, and checking every row before anything is written.

The sheet is the one `exports.milestone_sheet` writes, so an organiser downloads it, edits it
and imports it back. A milestone is identified by its project and its key: importing the same
sheet twice gives the same rows. Any bad row (unknown project, malformed date, unknown
status…) is reported with its line number and nothing is changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from concertation.core import tabular
from concertation.core.params import int_param
from concertation.projects.models import (
    Milestone,
    MilestoneStatus,
    Project,
    ProjectState,
    validate_milestone,
)
from concertation.projects.workflow import LIFECYCLE

# (column, header shown in the sheet). The first row of a sheet holds the headers.
COLUMNS = [
    ("projet", "projet"),
    ("intitule_projet", "intitule_projet"),
    ("etat_projet", "etat_projet"),
    ("cle_jalon", "cle_jalon"),
    ("jalon", "jalon"),
    ("date_prevue", "date_prevue"),
    ("date_reelle", "date_reelle"),
    ("statut_jalon", "statut_jalon"),
    ("poids", "poids"),
    ("preuve_lien", "preuve_lien"),
    ("preuve_note", "preuve_note"),
]
REQUIRED = ("projet", "cle_jalon")
MAX_ROWS = 5000
# Rows read at most, blank ones included, and what an XLSX may inflate to (a sheet of
# MAX_ROWS milestones with long notes is about 5 MB of XML).
MAX_SCANNED_ROWS = 2 * MAX_ROWS
MAX_XLSX_INFLATED = 16_000_000
# A row's start tag in a sheet's XML, with or without a namespace prefix.
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


class SheetError(Exception):
    """The file as a whole cannot be read: a French sentence for the organiser."""


TOO_MANY_ROWS = f"Le fichier compte plus de {MAX_ROWS} lignes : découpez-le."
NUL_MESSAGE = ("Caractère nul dans {where} : ce n’est pas une feuille CSV en texte (UTF-8 ou "
               "Windows) ni un XLSX valide. Enregistrez-la à nouveau depuis votre tableur au "
               "format CSV UTF-8 ou XLSX.")


@dataclass
class MilestoneChange:
    line: int
    project: Project
    key: str
    values: dict
    existing: Milestone | None


@dataclass
class Plan:
    changes: list[MilestoneChange] = field(default_factory=list)
    # project pk -> target state
    transitions: dict[int, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _fold(text: str) -> str:
    """Lower case, no accents, no surrounding spaces: how headers and labels are compared."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[\s’']+", " ", text).strip().lower()


STATUS_BY_NAME = {_fold(s.label): s.value for s in MilestoneStatus} | {
    s.value: s.value for s in MilestoneStatus}
STATE_BY_NAME = {_fold(s.label): s.value for s in ProjectState} | {
    s.value: s.value for s in ProjectState}


def read_sheet(name: str, content: bytes) -> list[tuple[int, dict[str, str | dt.date]]]:
    """The data rows with their line numbers in the file (the header is line 1).

    Rows are streamed and reading stops at the limit: a 440 KB XLSX can hold 1.5 million
    rows, and reading it whole took 31 s, past gunicorn's timeout."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        raw = _xlsx_rows(content)
    elif lowered.endswith(".csv"):
        raw = _csv_rows(content)
    else:
        raise SheetError("Format non reconnu : déposez un fichier .csv ou .xlsx.")
    with closing(raw):
        return _data_rows(raw)


def _data_rows(raw: Iterator[list]) -> list[tuple[int, dict[str, str | dt.date]]]:
    first = next(raw, None)
    if first is None:
        raise SheetError("Le fichier est vide.")
    header = [_fold(h or "").replace(" ", "_") for h in first]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SheetError("Colonne(s) manquante(s) en première ligne : " + ", ".join(missing)
                         + ". Partez de la feuille des jalons téléchargée depuis cette page.")
    known = {c for c, _ in COLUMNS}
    rows = []
    for index, cells in enumerate(raw, start=2):
        if index > MAX_SCANNED_ROWS:
            # Blank rows are skipped, but reading them is work too.
            raise SheetError(TOO_MANY_ROWS)
        values = {}
        for column, cell in zip(header, cells, strict=False):
            if column in known:
                if isinstance(cell, str):
                    if "\x00" in cell:
                        raise SheetError(NUL_MESSAGE.format(where=f"ligne {index}"))
                    # Other control characters (a line break pasted from a word processor)
                    # are dropped: they would reach the pages and break every export.
                    cell = tabular.clean_text(cell).strip()
                values[column] = cell
        if all(v in ("", None) for v in values.values()):
            continue
        rows.append((index, values))
        if len(rows) > MAX_ROWS:
            raise SheetError(TOO_MANY_ROWS)
    return rows


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    if b"\x00" in content:
        # Text never holds NUL: a UTF-16 export or a binary file renamed .csv. Refused whole,
        # since cleaning would import garbage.
        raise SheetError(NUL_MESSAGE.format(where="le fichier"))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet software on Windows saves CSV in its own code page.
        text = content.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(content: bytes) -> Iterator[list]:
    from openpyxl import load_workbook

    unreadable = SheetError("Le fichier XLSX est illisible : enregistrez-le à nouveau depuis "
                            "votre tableur.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        # An XLSX is a zip: what it inflates to bounds the work of reading it, whatever the
        # sheet declares (openpyxl loads the shared strings whole, before any row). zipfile
        # never inflates a member past its declared size.
        inflated = sum(item.file_size for item in archive.infolist())
        if inflated > MAX_XLSX_INFLATED:
            raise SheetError("Le classeur est trop volumineux une fois décompressé "
                             f"({inflated // 1_000_000} Mo) pour une feuille de {MAX_ROWS} "
                             "lignes au plus : découpez-le.")
        # openpyxl parses a sheet without a <dimension> whole to size it, element by element
        # (900,000 empty rows fit in 15 MB and took 4 s): count the rows first, as bytes.
        rows = sum(len(ROW_TAG.findall(archive.read(item)))
                   for item in archive.infolist() if item.filename.endswith(".xml"))
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError,
            NotImplementedError) as error:
        raise unreadable from error
    if rows > MAX_SCANNED_ROWS:
        raise SheetError(f"Le classeur compte {rows:,} lignes".replace(",", "\u00a0")
                         + " (toutes feuilles comprises) : une feuille de jalons en compte "
                         f"{MAX_ROWS} au plus. Découpez-la.")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise unreadable from error
    try:
        sheet = book.worksheets[0]
        declared = sheet.max_row  # from the sheet's <dimension>, when it has one
        if declared is not None and declared > MAX_SCANNED_ROWS:
            raise SheetError(f"Le classeur déclare {declared:,} lignes".replace(",", "\u00a0")
                             + f" : une feuille de jalons en compte {MAX_ROWS} au plus. "
                             "Découpez-la.")
        # Read the rows actually there: a declared size pads with empty rows when too large
        # and silently drops rows when too small.
        sheet.reset_dimensions()
        for cells in sheet.iter_rows(values_only=True):
            yield ["" if c is None else c if isinstance(c, dt.date) else str(c)
                   for c in cells]
    except SheetError:
        raise
    except Exception as error:  # a damaged sheet fails while streaming, not at opening
        raise unreadable from error
    finally:
        book.close()


def parse_date(value) -> dt.date | None:
    """A sheet's date: a spreadsheet date cell, JJ/MM/AAAA or AAAA-MM-JJ. Raises ValueError."""
    if value in ("", None):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def plan_import(rows, projects: dict[str, Project]) -> Plan:
    """Check every row against the (locked) projects the organiser manages, keyed by slug.
    Returns the changes to make, or the errors, each with its line number."""
    plan = Plan()
    seen: dict[tuple[int, str], int] = {}
    wanted_state: dict[int, tuple[str, int]] = {}
    existing = {
        (m.project_id, m.key): m
        for m in Milestone.objects.filter(project__in=list(projects.values()))
    }
    for line, values in rows:
        errors: list[str] = []
        slug = str(values.get("projet") or "").strip()
        project = projects.get(slug)
        if not slug:
            plan.errors.append(f"Ligne {line} : identifiant du projet manquant (colonne projet).")
            continue
        if project is None:
            plan.errors.append(
                f"Ligne {line} : projet « {slug} » inconnu ou hors de votre territoire.")
            continue
        if project.state == ProjectState.ABANDONED:
            plan.errors.append(f"Ligne {line} : le projet « {slug} » est abandonné, ses jalons "
                               "ne se modifient plus.")
            continue
        key = str(values.get("cle_jalon") or "").strip().lower()
        milestone_cells = [c for c, _ in COLUMNS[3:]]
        project_only = all(values.get(c) in ("", None) for c in milestone_cells)
        if project_only:
            # A project without milestones (the exported sheet lists it): its state only.
            pass
        elif not key:
            errors.append("clé du jalon manquante (colonne cle_jalon)")
        elif not KEY_RE.match(key):
            errors.append(f"clé « {key} » invalide : lettres minuscules sans accents, chiffres "
                          "et tirets, 60 caractères au plus")
        elif (project.pk, key) in seen:
            errors.append(f"le jalon « {key} » de ce projet figure déjà ligne "
                          f"{seen[(project.pk, key)]}")
        else:
            seen[(project.pk, key)] = line
        current = existing.get((project.pk, key))
        out: dict = {}
        if not project_only:
            out = _milestone_values(values, project, key, current, errors)
        state_text = str(values.get("etat_projet") or "").strip()
        if state_text:
            target = STATE_BY_NAME.get(_fold(state_text))
            if target is None:
                errors.append(f"état du projet « {state_text} » inconnu (attendu : "
                              + ", ".join(s.label for s in ProjectState) + ")")
            elif project.pk in wanted_state and wanted_state[project.pk][0] != target:
                errors.append(f"état du projet « {state_text} » différent de celui de la ligne "
                              f"{wanted_state[project.pk][1]}")
            elif target != project.state and project.pk not in wanted_state:
                step = LIFECYCLE.find(project.state, target)
                if step is None:
                    errors.append(f"passage de « {ProjectState(project.state).label} » à "
                                  f"« {ProjectState(target).label} » impossible")
                elif step.needs_reason:
                    errors.append("l’abandon d’un projet se déclare dans l’espace organisateur, "
                                  "avec son motif")
                else:
                    plan.transitions[project.pk] = target
            wanted_state.setdefault(project.pk, (target or "", line))
        if errors:
            plan.errors.append(f"Ligne {line} : " + " ; ".join(errors) + ".")
            continue
        if project_only:
            continue
        plan.changes.append(MilestoneChange(line=line, project=project, key=key, values=out,
                                            existing=current))
    if plan.errors:
        plan.changes, plan.transitions = [], {}
    return plan


def _milestone_values(values: dict, project: Project, key: str, current: Milestone | None,
                      errors: list[str]) -> dict:
    """The milestone fields a row sets, checked; problems go to `errors`."""
    out: dict = {}
    title = str(values.get("jalon") or "").strip()
    if title:
        if len(title) > 200:
            errors.append("intitulé du jalon trop long (200 caractères au plus)")
        out["title"] = title
    elif current is None:
        errors.append("intitulé du jalon manquant (colonne jalon)")
    for column, attribute, label in (("date_prevue", "planned_date", "date prévue"),
                                     ("date_reelle", "actual_date", "date réelle")):
        if column not in values:
            continue
        try:
            out[attribute] = parse_date(values[column])
        except ValueError:
            errors.append(f"{label} « {values[column]} » illisible (attendu JJ/MM/AAAA)")
    status_text = str(values.get("statut_jalon") or "").strip()
    if status_text:
        status = STATUS_BY_NAME.get(_fold(status_text))
        if status is None:
            errors.append(f"statut « {status_text} » inconnu (attendu : "
                          + ", ".join(s.label for s in MilestoneStatus) + ")")
        else:
            out["status"] = status
    weight_text = str(values.get("poids") or "").strip()
    if weight_text:
        # A spreadsheet may give a whole number as "2.0" (or "2,0"); "inf", "1e400" and
        # "nan" are floats too, and int() of them raised OverflowError (a 500).
        whole = re.sub(r"[.,]0+$", "", weight_text)
        weight = int_param(whole, min=1, max=1000)
        if weight is None:
            errors.append(f"poids « {weight_text[:20]} » invalide (nombre entier de 1 à 1000)")
        else:
            out["weight"] = weight
    if "preuve_lien" in values:
        link = str(values.get("preuve_lien") or "").strip()
        if link:
            try:
                URLValidator(schemes=["http", "https"])(link)
            except ValidationError:
                errors.append(f"lien « {link} » invalide (adresse http ou https attendue)")
        out["evidence_url"] = link
    if "preuve_note" in values:
        note = str(values.get("preuve_note") or "").strip()
        if len(note) > 300:
            errors.append("note de preuve trop longue (300 caractères au plus)")
        out["evidence_note"] = note
    if not errors:
        # The rules a form enforces, on the milestone as it would be after the import.
        candidate = Milestone(project=project, key=key, title=current.title if current else "")
        if current is not None:
            for attribute in ("planned_date", "actual_date", "status", "weight"):
                setattr(candidate, attribute, getattr(current, attribute))
        for attribute, value in out.items():
            setattr(candidate, attribute, value)
        try:
            validate_milestone(project, candidate)
        except ValidationError as error:
            errors.extend(m[0].lower() + m[1:].rstrip(".") for m in error.messages)
    return out
