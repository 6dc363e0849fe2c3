from __future__ import annotations

import csv
import json
import re

import pytest

from concertation.synthesis import opendata, workbook
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db


@pytest.fixture
def written(tmp_path):
    data = validated_synthesis()
    counts = opendata.write(data["synthesis"], tmp_path / "od")
    return data, tmp_path / "od", counts


def _rows(directory, name):
    with open(directory / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_validates_with_frictionless(written):
    from frictionless import Package, system

    _data, directory, counts = written
    assert counts == {"propositions": 4, "contributions": 5, "commentaires": 3,
                      "participation": 2}
    with system.use_context(trusted=True):
        report = Package(str(directory / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type",
                                         "note"])
    assert len(report.tasks) == 8  # four resources, each in CSV and in JSON


def test_frictionless_catches_a_broken_reference(written):
    from frictionless import Package, system

    _data, directory, _counts = written
    path = directory / "commentaires.csv"
    path.write_text(path.read_text(encoding="utf-8") + "999,123456,,orphelin,"
                    "2022-01-01T00:00:00Z\n", encoding="utf-8")
    with system.use_context(trusted=True):
        report = Package(str(directory / "datapackage.json")).validate()
    assert not report.valid
    assert "foreign-key" in {e.type for task in report.tasks for e in task.errors}


def test_contents(written):
    data, directory, _counts = written
    proposals = _rows(directory, "propositions")
    first = proposals[0]
    assert first["intitule"] == "Un médecin traitant pour chacun"
    assert (first["decision"], first["voix_pour"], first["participants"]) == ("adopted", "30",
                                                                              "4")
    assert first["territoires"] == "Ain; Isère"
    assert first["departements"] == "01; 38"
    # Where it comes from, day by day (these contributions name no workshop).
    assert re.fullmatch(r"Journée de l’Ain \(\d+ \w+ \d{4}\) ; Journée de l’Isère \(.+\)",
                        first["ateliers"])
    amended = proposals[1]
    assert amended["texte_soumis"] == "Ouvrir des maisons de santé."
    assert amended["texte_final"].startswith("Ouvrir une maison de santé pluriprofessionnelle")
    contributions = _rows(directory, "contributions")
    ids = [int(r["id"]) for r in contributions]
    a, b = data["contributions"][:2]
    assert data["hidden"].pk not in ids  # awaiting moderation: not opened
    assert ids == sorted(ids)
    merged = next(r for r in contributions if int(r["id"]) == b.pk)
    assert (merged["fusionnee_dans"], merged["proposition_id"]) == (str(a.pk),
                                                                    str(data["groups"][0].pk))
    assert merged["date_journee"] == "2022-12-02"
    online = next(r for r in contributions if r["origine"] == "online")
    # The CSV is opened in spreadsheets: a text that would run as a formula stays text.
    assert (online["journee"], online["college"], online["texte"]) == (
        "", "citoyen", "'=Des maisons de santé partout")
    comments = [r["texte"] for r in _rows(directory, "commentaires")]
    assert comments == ["Tout à fait d’accord", "Et en Isère aussi", "Le sport, c’est la santé"]
    json_rows = json.loads((directory / "contributions.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in json_rows] == ids
    # The JSON keeps the stored text as it is.
    assert "=Des maisons de santé partout" in [r["texte"] for r in json_rows]
    assert json_rows[0]["fusionnee_dans"] is None or isinstance(json_rows[0]["fusionnee_dans"],
                                                                 int)
    everything = "".join(p.read_text(encoding="utf-8") for p in directory.iterdir())
    assert not re.search(r"Participant\d", everything)  # registrations' names
    assert not re.search(r"Durand\d", everything)  # users' names


def test_readme_describes_every_field(written):
    _data, directory, _counts = written
    text = (directory / "LISEZMOI.md").read_text(encoding="utf-8")
    package = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert f"`{field['name']}`" in text
    assert "## contributions.csv / contributions.json" in text
    assert "(5 lignes)" in text


def test_workbook_reopens(written, tmp_path):
    from openpyxl import load_workbook

    data, directory, _counts = written
    target = tmp_path / "propositions.xlsx"
    workbook.write(directory, target, "Synthèse")
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["Propositions", "Contributions", "Participation"]
    rows = list(book["Propositions"].iter_rows(values_only=True))
    assert rows[0][:5] == ("N°", "Synthèse", "Version", "Rang", "Intitulé")
    assert rows[1][4] == "Un médecin traitant pour chacun"
    assert rows[1][11] == 30  # integers stay numbers
    assert "Journées et ateliers" in rows[0] and rows[0][0] == "N°"
    contributions = list(book["Contributions"].iter_rows(values_only=True))
    texts = [row[11] for row in contributions[1:]]
    # A text that a spreadsheet would run as a formula is kept as text.
    assert "'=Des maisons de santé partout" in texts
    assert len(contributions) == 6
    participation = list(book["Participation"].iter_rows(values_only=True))
    assert participation[1][:3] == (data["days"][0].slug, "Journée de l’Ain", "2022-11-25")
