"""One numbering of the proposals in every format of the transmission package: the PDF, its
DOCX and ODT twins, the XLSX workbook and the open data give each proposal the same number, and
the PDF reads 1, 2, 3… from its first page to its last. Its cover says what the document is
(title, region, edition, date, CRSA session) and a table of contents follows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from concertation.events.models import Event
from concertation.synthesis import opendata, report, workbook
from concertation.territories.models import Department
from tests.factories import EventFactory, SynthesisGroupFactory, decide
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db

# Validated proposals by national theme (in the campaign's order, none last), each theme by
# place in the synthesis; then the others.
NUMBERED = [
    "Un médecin traitant pour chacun",
    "Des maisons de santé dans chaque canton",
    "Dépister tôt le diabète",
    "Le sport sur ordonnance",
    "Un guichet unique des aides",
    "Fermer les urgences la nuit",
]


@pytest.fixture
def synthesis():
    built = validated_synthesis()
    synthesis = built["synthesis"]
    prevention = built["groups"][2].theme
    # Placed first in the synthesis, but in the second theme, and one without a theme.
    early = SynthesisGroupFactory(synthesis=synthesis, title="Dépister tôt le diabète",
                                  theme=prevention, position=0, text="Dépister le diabète.")
    loose = SynthesisGroupFactory(synthesis=synthesis, title="Un guichet unique des aides",
                                  theme=None, position=0, text="Un guichet unique.")
    decide(early, "adopted", votes=(18, 4, 0))
    decide(loose, "adopted", votes=(22, 1, 0))
    synthesis.validation_event = EventFactory(
        campaign=synthesis.campaign, health_territory=None, past=True,
        department=Department.objects.get(code="69"), kind=Event.Kind.REGIONAL_RESTITUTION,
        title="Restitution régionale avec la CRSA", date=dt.date(2022, 12, 15))
    synthesis.save(update_fields=["validation_event"])
    return synthesis


def _pdf_text(synthesis) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(report.pdf(report.collect(synthesis))))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_every_format_numbers_the_proposals_alike(synthesis, tmp_path):
    data = report.collect(synthesis)
    numbered = {p.title: p.number for s in data.themes for p in s.proposals}
    numbered.update({p.title: p.number for p in data.others})
    assert numbered == {title: i for i, title in enumerate(NUMBERED, start=1)}

    # The PDF, from its first proposal to its last.
    flat = " ".join(_pdf_text(synthesis).split())
    body = flat[flat.index("Propositions validées par thème national Accès"):]
    seen = [int(n) for n in re.findall(r"(\d+)\. (?:" + "|".join(map(re.escape, NUMBERED))
                                       + ")", body)]
    assert seen == [1, 2, 3, 4, 5, 6]

    # The DOCX (its ODT twin writes the same outline).
    from docx import Document

    lines = [p.text for p in Document(io.BytesIO(report.docx(data))).paragraphs]
    for i, title in enumerate(NUMBERED, start=1):
        assert any(line.startswith(f"{i}. {title}") for line in lines), title

    # The open data and the workbook: the same number, rows in the same order.
    opendata.write(synthesis, tmp_path)
    with open(tmp_path / "propositions.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(int(r["position"]), r["intitule"]) for r in rows] == list(
        enumerate(NUMBERED, start=1))
    workbook.write(tmp_path, tmp_path / "classeur.xlsx", synthesis.title)
    sheet = load_workbook(tmp_path / "classeur.xlsx")["Propositions"]
    header = [c.value for c in sheet[1]]
    rank, title = header.index("Rang"), header.index("Intitulé")
    assert [(row[rank], row[title]) for row in sheet.iter_rows(min_row=2, values_only=True)] \
        == list(enumerate(NUMBERED, start=1))


def test_the_pdf_cover_and_table_of_contents(synthesis):
    text = _pdf_text(synthesis)
    flat = " ".join(text.split()).replace("- ", "-")
    cover = flat[:flat.index("Sommaire")]
    assert "Synthèse régionale Auvergne-Rhône-Alpes" in cover
    assert "Région : Auvergne-Rhône-Alpes" in cover
    assert "Version 1" in cover
    assert "Décisions de la CRSA : séance du 15 décembre 2022" in cover
    assert re.search(r"Document du \d{1,2} \w+ \d{4}", cover)
    contents = flat[flat.index("Sommaire"):flat.index("Contexte et méthode", flat.index(
        "Sommaire") + len("Sommaire Contexte et méthode"))]
    for entry in ("Contexte et méthode", "Participation", "Propositions validées par thème "
                  "national", "Accès aux soins (propositions 1 à 2)",
                  "Prévention (propositions 3 à 4)",
                  "Propositions hors thème national (proposition 5)",
                  "Propositions non retenues ou ajournées", "Annexe : journées de concertation"):
        assert re.search(re.escape(entry) + r" \.* ?\d+", contents), entry
