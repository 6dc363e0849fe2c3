"""Snapshot tests of the generated documents: each is re-opened by its own library and its
text must show the expected headings and lines, in order."""

from __future__ import annotations

import io

import pytest

from concertation.synthesis import report
from tests.synthesis.package_data import (
    EXPECTED_LINES,
    assert_lines_in_order,
    validated_synthesis,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return report.collect(validated_synthesis()["synthesis"])


def test_collect_in_a_fixed_number_of_queries(django_assert_num_queries):
    synthesis = validated_synthesis()["synthesis"]
    # synthesis, groups, provenance (6, campaign already joined: 5), participation (4)
    with django_assert_num_queries(11):
        data = report.collect(synthesis)
    assert [s.title for s in data.themes] == ["Accès aux soins", "Prévention"]
    assert [p.number for s in data.themes for p in s.proposals] == [1, 2, 3]
    assert [p.title for p in data.others] == ["Fermer les urgences la nuit"]
    # The analysis suggestion nobody accepted is nowhere.
    assert all(p.title != "Suggestion écartée" for s in data.themes for p in s.proposals)


def test_pdf_text(data):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(report.pdf(data)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert_lines_in_order(text)
    assert len(reader.pages) >= 5  # cover, context, participation, proposals, annex
    assert reader.metadata.title == "Synthèse régionale Auvergne-Rhône-Alpes"


def test_pdf_charts_are_svg_with_accessible_titles(data):
    html = report.render_html(data)
    assert html.count("<svg") == 2
    assert "Participation par territoire de santé" in html
    assert "Ain : 2 inscrits, 1 présents" in html


def test_docx_text(data):
    from docx import Document

    document = Document(io.BytesIO(report.docx(data)))
    lines = [p.text for p in document.paragraphs]
    assert_lines_in_order("\n".join(lines))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == ["Contexte et méthode", "Participation", "Par territoire de santé",
                            "Par collège"]
    territories = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert territories == [["Territoire", "Inscrits", "Présents"], ["Ain", "2", "1"],
                           ["Isère", "1", "1"]]
    assert len(document.inline_shapes) == 2  # the two participation charts, as PNG
    descriptions = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert descriptions[0].startswith("Participation par territoire de santé : Ain : 2 inscrits")
    annex = [[c.text for c in row.cells] for row in document.tables[-1].rows]
    assert annex[1] == ["25 novembre 2022", "Journée de l’Ain", "Bourg-en-Bresse", "2", "1"]


def test_odt_text(data):
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H, P

    document = load(io.BytesIO(report.odt(data)))
    lines = [teletype.extractText(e) for e in document.text.childNodes
             if e.qname[1] in ("h", "p", "list")]
    assert_lines_in_order("\n".join(lines))
    headings = [teletype.extractText(h) for h in document.getElementsByType(H)]
    assert headings[0] == "Contexte et méthode"
    assert "Annexe : journées de concertation" in headings
    cells = [teletype.extractText(p) for p in document.getElementsByType(P)]
    assert "Bourg-en-Bresse" in cells
    from odf.draw import Image

    images = [i.getAttribute("href") for i in document.getElementsByType(Image)]
    assert images == ["Pictures/graphique1.png", "Pictures/graphique2.png"]


def test_outline_is_what_all_formats_share(data):
    kinds = [kind for kind, _ in report.outline(data)]
    assert kinds[0] == "title"
    texts = [payload for kind, payload in report.outline(data) if kind not in ("table", "chart")]
    assert_lines_in_order("\n".join(texts), EXPECTED_LINES)
