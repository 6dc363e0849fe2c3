"""A huge milestone sheet is refused fast, with a French message: the XLSX is streamed and
reading stops at the row limit, a declared size past it is refused before reading, and so is
a workbook that would inflate past what a sheet of that many rows can hold."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from concertation.projects import imports
from concertation.projects.models import Milestone

pytestmark = pytest.mark.django_db

HEADER = ["projet", "intitule_projet", "etat_projet", "cle_jalon", "jalon", "date_prevue",
          "date_reelle", "statut_jalon", "poids", "preuve_lien", "preuve_note"]


def _sheet(rows: int, slug: str = "projet-x") -> bytes:
    """A workbook written in openpyxl's write-only mode, which declares no dimension: only
    reading the rows tells how many there are."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Jalons")
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append([slug, "", "", f"j-{i}", f"Jalon {i}", "", "", "Prévu", 1, "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _declaring(content: bytes, ref: str) -> bytes:
    """The same workbook with a `<dimension>` element claiming `ref`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # The schema puts the dimension after sheetPr, before sheetViews.
                data = data.replace(b"<sheetViews>",
                                    f'<dimension ref="{ref}"/><sheetViews>'.encode(), 1)
            target.writestr(item, data)
    return out.getvalue()


def test_a_sheet_past_the_row_limit_is_refused_while_streaming(monkeypatch):
    read = []
    original = imports._xlsx_rows

    def counting(content):
        for row in original(content):
            read.append(row)
            yield row

    monkeypatch.setattr(imports, "_xlsx_rows", counting)
    with pytest.raises(imports.SheetError, match=f"plus de {imports.MAX_ROWS} lignes"):
        imports.read_sheet("jalons.xlsx", _sheet(imports.MAX_ROWS + 1000))
    # The header, the rows up to the limit and the one past it: not the thousand after.
    assert len(read) == imports.MAX_ROWS + 2


def test_a_sheet_at_the_row_limit_reads():
    rows = imports.read_sheet("jalons.xlsx", _sheet(imports.MAX_ROWS))
    assert len(rows) == imports.MAX_ROWS and rows[-1][0] == imports.MAX_ROWS + 1


def test_a_declared_size_past_the_limit_is_refused_before_reading(monkeypatch):
    content = _declaring(_sheet(3), "A1:K1500001")

    def never(*args, **kwargs):
        raise AssertionError("rows read")

    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", never)
    with pytest.raises(imports.SheetError, match="1\u00a0500\u00a0001 lignes"):
        imports.read_sheet("jalons.xlsx", content)


def test_a_declared_size_within_the_limit_still_reads():
    rows = imports.read_sheet("jalons.xlsx", _declaring(_sheet(3), "A1:K4"))
    assert [line for line, _values in rows] == [2, 3, 4]


def test_a_workbook_inflating_past_the_cap_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(imports, "MAX_XLSX_INFLATED", 50_000)
    with pytest.raises(imports.SheetError, match="trop volumineux une fois décompressé"):
        imports.read_sheet("jalons.xlsx", _sheet(2000))


def test_the_import_page_says_so(client):
    from tests.factories import ProjectFactory, make_territory, organiser_of

    project = ProjectFactory(health_territory=make_territory("28"), in_progress=True)
    client.force_login(organiser_of(project.health_territory))
    response = client.post(reverse("projects_backoffice:import"), {
        "sheet": SimpleUploadedFile("jalons.xlsx", _sheet(imports.MAX_ROWS + 1, project.slug))})
    assert response.status_code == 400
    assert f"plus de {imports.MAX_ROWS} lignes" in response.content.decode()
    assert not Milestone.objects.exists()


def test_rows_past_the_limit_are_counted_before_openpyxl_sizes_the_sheet(monkeypatch):
    # Without a <dimension>, openpyxl parses the whole sheet when opening it: the rows are
    # counted in the XML first, and openpyxl never opens a workbook with too many.
    def never(*args, **kwargs):
        raise AssertionError("workbook opened")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    with pytest.raises(imports.SheetError, match="toutes feuilles comprises"):
        imports.read_sheet("jalons.xlsx", _sheet(imports.MAX_SCANNED_ROWS))
