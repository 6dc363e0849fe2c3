"""The XLSX workbook of a synthesis: every proposal with its decision and provenance, every
contribution behind it, and the participation by day. Written in openpyxl's write-only mode
from the open-data files already on disk, so that memory stays flat whatever the size."""

from __future__ import annotations

import csv
from pathlib import Path

from concertation.core import tabular
from concertation.synthesis import opendata

# Header labels for the spreadsheet (the open-data files keep machine names).
SHEETS = (
    ("Propositions", "propositions", {
        "id": "N°", "synthese": "Synthèse", "version": "Version", "position": "Rang",
        "intitule": "Intitulé", "nature": "Nature", "theme": "Thème national",
        "texte_soumis": "Texte soumis à la CRSA", "texte_final": "Texte final",
        "decision": "Code décision", "decision_libelle": "Décision", "voix_pour": "Voix pour",
        "voix_contre": "Voix contre", "abstentions": "Abstentions",
        "contributions_citees": "Contributions citées",
        "contributions_fusionnees": "Contributions fusionnées",
        "contributions_en_ligne": "Dont en ligne", "journees": "Journées",
        "ateliers": "Journées et ateliers",
        "territoires": "Territoires", "departements": "Départements", "colleges": "Collèges",
        "participants": "Participants", "votes_pour": "Votes d’accord",
        "votes_contre": "Votes pas d’accord", "votes_neutres": "Votes passer",
    }),
    ("Contributions", "contributions", {}),
    ("Participation", "participation", {}),
)
INTEGER_TYPES = {"integer"}


def _cell_value(text: str, type_: str):
    if text == "":
        return None
    if type_ in INTEGER_TYPES:
        return int(text)
    # The CSV is already sanitised; once more costs nothing and keeps the sheet safe (an
    # already neutralised value starts with the apostrophe and is left as it is).
    return tabular.cell(text)


def _rows(path: Path, types: list[str]):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            yield [_cell_value(v, t) for v, t in zip(row, types, strict=True)]


def write(directory: Path, target: Path, title: str) -> None:
    """Build `target` from the CSV files of the open-data set in `directory`."""
    sheets = []
    for sheet_title, resource, labels in SHEETS:
        fields = opendata.RESOURCES[resource][1]
        path = directory / f"{resource}.csv"
        with open(path, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        sheets.append(tabular.Sheet(sheet_title, [labels.get(name, name) for name in header],
                                    _rows(path, [f["type"] for f in fields])))
    tabular.write_xlsx(sheets, title=title, target=target)
