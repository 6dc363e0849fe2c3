"""Milestone sheets: the exported sheet imports back, re-importing gives the same rows, and a
sheet with any bad row changes nothing and names every bad line in French."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from concertation.accounts.scope import scope_for
from concertation.projects import exports, imports, services
from concertation.projects.models import ImportLog, Milestone, Project, ProjectTransition
from tests.factories import MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HEADER = "projet;intitule_projet;etat_projet;cle_jalon;jalon;date_prevue;date_reelle;" \
         "statut_jalon;poids;preuve_lien;preuve_note"


def _run(user, name: str, content: bytes):
    rows = imports.read_sheet(name, content)
    return services.import_sheet(scope=scope_for(user), user=user, filename=name, rows=rows)


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _snapshot():
    return list(Milestone.objects.order_by("project", "key").values_list(
        "project__slug", "key", "title", "planned_date", "actual_date", "status", "weight",
        "evidence_url", "evidence_note"))


def test_import_creates_then_reimport_changes_nothing(project, roles):
    sheet = _csv(
        f"{project.slug};;;lancement;Lancement;01/03/2024;04/03/2024;Atteint;2;"
        "https://example.org/cr;Compte rendu",
        f"{project.slug};;;inauguration;Inauguration;2025-01-15;;prévu;;;",
    )
    log, errors = _run(roles["cts"], "jalons.csv", sheet)
    assert errors == []
    assert (log.created, log.updated, log.unchanged) == (2, 0, 0)
    first = _snapshot()
    assert first[1][1:7] == ("lancement", "Lancement", dt.date(2024, 3, 1),
                             dt.date(2024, 3, 4), "done", 2)
    for _ in range(2):
        log, errors = _run(roles["cts"], "jalons.csv", sheet)
        assert errors == [] and (log.created, log.updated, log.unchanged) == (0, 0, 2)
    assert _snapshot() == first
    assert Milestone.objects.count() == 2
    assert ImportLog.objects.count() == 3


def test_exported_xlsx_round_trips_and_an_edit_moves_progress(project, roles):
    MilestoneFactory(project=project, key="inauguration", title="Inauguration",
                     status="done", actual_date=dt.date(2025, 1, 15))
    MilestoneFactory(project=project, key="bilan", title="Bilan", status="in_progress")
    assert Project.objects.get(pk=project.pk).progress == 50
    content = exports.milestone_sheet(Project.objects.filter(pk=project.pk), "xlsx")
    before = _snapshot()
    log, errors = _run(roles["cts"], "jalons.xlsx", content)
    assert errors == [] and (log.created, log.updated, log.unchanged) == (0, 0, 2)
    assert _snapshot() == before
    # The organiser marks the last milestone as reached, in the spreadsheet.
    book = load_workbook(io.BytesIO(content))
    sheet = book["Jalons"]
    for row in sheet.iter_rows(min_row=2):
        if row[3].value == "bilan":
            row[6].value = dt.datetime(2026, 1, 20)
            row[7].value = "Atteint"
    buffer = io.BytesIO()
    book.save(buffer)
    log, errors = _run(roles["cts"], "jalons.xlsx", buffer.getvalue())
    assert errors == [] and (log.created, log.updated) == (0, 1)
    assert Project.objects.get(pk=project.pk).progress == 100


def test_csv_export_reads_back(project, roles):
    MilestoneFactory(project=project, key="a", title="=SOMME(A1)", status="planned")
    content = exports.milestone_sheet(Project.objects.filter(pk=project.pk), "csv")
    assert content.startswith("\ufeff".encode())
    assert b"'=SOMME(A1)" in content  # no formula runs in a spreadsheet
    rows = imports.read_sheet("export.csv", content)
    assert rows[0][1]["cle_jalon"] == "a"


def test_bad_rows_are_all_reported_and_nothing_changes(project, roles):
    MilestoneFactory(project=project, key="existant", title="Existant")
    before = _snapshot()
    sheet = _csv(
        f"{project.slug};;;nouveau;Nouveau jalon;01/03/2024;;Prévu;;;",      # line 2: fine
        "projet-inconnu;;;x;X;;;;;;",                                        # 3
        f"{project.slug};;;date;Date;32/13/2024;;;;;",                       # 4
        f"{project.slug};;;avant;Avant;;15/01/2024;Atteint;;;",             # 5
        f"{project.slug};;;statut;Statut;;;Fini;;;",                         # 6
        f"{project.slug};;;;Sans clé;;;;;;",                                 # 7
        f"{project.slug};;;nouveau;Doublon;;;;;;",                           # 8
        f"{project.slug};;;atteint;Atteint sans date;;;Atteint;;;",          # 9
        f"{project.slug};;;poids;Poids;;;;zéro;;",                           # 10
        f"{project.slug};;;lien;Lien;;;;;pas-un-lien;",                      # 11
        f"{project.slug};;Réalisé;etat;État;;;;;;",                          # 12: allowed
        f"{project.slug};;Labellisé;etat2;État 2;;;;;;",                     # 13: differs
    )
    log, errors = _run(roles["cts"], "jalons.csv", sheet)
    assert log is None
    lines = [int(e.split(" ")[1]) for e in errors]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13]
    text = "\n".join(errors)
    assert "Ligne 3 : projet « projet-inconnu » inconnu ou hors de votre territoire." in text
    assert "date prévue « 32/13/2024 » illisible (attendu JJ/MM/AAAA)" in text
    assert "précède la création du projet" in text
    assert "statut « Fini » inconnu" in text
    assert "clé du jalon manquante" in text
    assert "figure déjà ligne 2" in text
    assert "un jalon atteint doit avoir sa date réelle" in text
    assert "poids « zéro » invalide" in text
    assert "lien « pas-un-lien » invalide" in text
    assert "différent de celui de la ligne 12" in text
    assert _snapshot() == before
    assert Project.objects.get(pk=project.pk).state == "in_progress"
    assert not ImportLog.objects.exists()


def test_project_state_moves_one_allowed_step(project, roles):
    log, errors = _run(roles["cts"], "j.csv", _csv(
        f"{project.slug};;Réalisé;fin;Fin;;01/02/2025;Atteint;;;"))
    assert errors == [] and log.transitions == 1
    assert Project.objects.get(pk=project.pk).state == "delivered"
    transition = ProjectTransition.objects.get()
    assert transition.user == roles["cts"] and "j.csv" in transition.reason


@pytest.mark.parametrize(("state", "message"), [
    ("Labellisé", "passage de « En cours » à « Labellisé » impossible"),
    ("Abandonné", "l’abandon d’un projet se déclare dans l’espace organisateur"),
    ("Terminé", "état du projet « Terminé » inconnu"),
])
def test_project_state_errors(project, roles, state, message):
    log, errors = _run(roles["cts"], "j.csv", _csv(f"{project.slug};;{state};a;A;;;;;;"))
    assert log is None and message in errors[0]
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("role", ["other_cts", "other_ars", "member_less"])
def test_projects_outside_the_scope_are_unknown(project, roles, role):
    log, errors = _run(roles[role], "j.csv", _csv(f"{project.slug};;;a;A;;;;;;"))
    assert log is None
    assert errors == [f"Ligne 2 : projet « {project.slug} » inconnu ou hors de votre "
                      "territoire."]


def test_ars_of_the_region_imports(project, roles):
    log, errors = _run(roles["ars"], "j.csv", _csv(f"{project.slug};;;a;A;;;;;;"))
    assert errors == [] and log.created == 1


def test_abandoned_project_rows_are_refused(project, roles):
    Project.objects.filter(pk=project.pk).update(state="abandoned")
    log, errors = _run(roles["cts"], "j.csv", _csv(f"{project.slug};;;a;A;;;;;;"))
    assert log is None and "abandonné" in errors[0]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("jalons.ods", b"x", "Format non reconnu"),
    ("jalons.csv", b"", "vide"),
    ("jalons.csv", b"a;b\n1;2\n", "Colonne(s) manquante(s)"),
    ("jalons.xlsx", b"pas un classeur", "illisible"),
])
def test_unreadable_files(name, content, message):
    with pytest.raises(imports.SheetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        imports.read_sheet(name, content)


def test_windows_csv_with_commas_reads(project, roles):
    content = (HEADER.replace(";", ",") + "\n"
               + f"{project.slug},,,prevu,Jalon prévu,01/03/2024,,Prévu,,,\n").encode("cp1252")
    log, errors = _run(roles["cts"], "jalons.csv", content)
    assert errors == [] and Milestone.objects.get().title == "Jalon prévu"


def test_xlsx_written_by_hand_with_date_cells(project, roles):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";"))
    sheet.append([project.slug, None, None, "main", "Jalon", dt.datetime(2024, 5, 2), None,
                  "en cours", 1, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    log, errors = _run(roles["cts"], "main.xlsx", buffer.getvalue())
    assert errors == []
    milestone = Milestone.objects.get()
    assert (milestone.planned_date, milestone.status) == (dt.date(2024, 5, 2), "in_progress")


def test_empty_project_gets_a_starter_row(roles, territory):
    project = ProjectFactory(health_territory=territory, labelled=True)
    rows = exports.sheet_rows([project])
    assert rows == [[project.slug, project.title, "Labellisé", "", "", None, None, "", "", "",
                     ""]]


def test_project_without_milestones_round_trips_and_can_move_state(roles, territory):
    project = ProjectFactory(health_territory=territory, labelled=True)
    content = exports.milestone_sheet([project], "csv")
    log, errors = _run(roles["cts"], "j.csv", content)
    assert errors == [] and (log.created, log.updated, log.transitions) == (0, 0, 0)
    edited = content.decode("utf-8-sig").replace(";Labellisé;", ";En cours;").encode()
    log, errors = _run(roles["cts"], "j.csv", edited)
    assert errors == [] and log.transitions == 1
    assert Project.objects.get(pk=project.pk).state == "in_progress"
    assert not Milestone.objects.exists()
