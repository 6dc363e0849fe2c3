"""The open data (`api/opendata.py`): the schema folders in the layout schema.data.gouv.fr
expects, each example and each live download valid against its schema.json (frictionless),
only what an anonymous visitor may see, no personal data, and the DCAT catalogue read as
JSON-LD with every dataset. `OPENDATA_WRITE_EXAMPLES=1` rewrites the committed examples from
this test world."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from concertation.api import opendata
from concertation.contributions.models import Contribution
from concertation.events.models import Event
from concertation.projects.models import Project
from tests.api import world as worlds

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
REQUIRED = ("schema.json", "README.md", "CHANGELOG.md", "exemple-valide.csv")


def _validate(path: Path, schema: dict) -> None:
    from frictionless import Resource, Schema, system

    with system.use_context(trusted=True):
        report = Resource(str(path), format="csv",
                          schema=Schema.from_descriptor(schema)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def _rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


@pytest.mark.parametrize("name", list(opendata.TABLES))
def test_schema_folder_is_complete_and_current(name):
    table = opendata.TABLES[name]
    folder = SCHEMAS / table.schema_name
    for required in REQUIRED:
        assert (folder / required).is_file(), f"{folder}/{required} manque"
    # The committed files are what the code describes (`manage.py opendata_schemas`).
    assert (folder / "schema.json").read_text(encoding="utf-8") == table.schema_json()
    assert (folder / "README.md").read_text(encoding="utf-8") == table.readme()
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    for key in ("name", "title", "description", "version", "licenses", "contributors",
                "fields", "primaryKey", "missingValues"):
        assert schema[key], key
    assert f"## {schema['version']}" in (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    for field in schema["fields"]:
        assert field["type"] and field["description"] and "example" in field, field["name"]
    with open(folder / "exemple-valide.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [f["name"] for f in schema["fields"]]
    _validate(folder / "exemple-valide.csv", schema)


@pytest.mark.parametrize("name", list(opendata.TABLES))
def test_each_fields_example_is_valid(name, tmp_path):
    table = opendata.TABLES[name]
    schema = table.schema()
    path = tmp_path / "examples.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f["name"] for f in schema["fields"]])
    writer.writerow([f["example"] for f in schema["fields"]])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    _validate(path, schema)


@pytest.fixture
def world(db):
    return worlds.build()


def test_the_command_writes_valid_folders_from_the_world(world, tmp_path):
    call_command("opendata_schemas", "--examples", output=str(tmp_path), stdout=io.StringIO())
    for table in opendata.TABLES.values():
        folder = tmp_path / table.schema_name
        assert _rows((folder / "exemple-valide.csv").read_bytes())
        _validate(folder / "exemple-valide.csv", table.schema())
    if os.environ.get("OPENDATA_WRITE_EXAMPLES") == "1":
        for table in opendata.TABLES.values():
            (SCHEMAS / table.schema_name / "exemple-valide.csv").write_bytes(
                (tmp_path / table.schema_name / "exemple-valide.csv").read_bytes())


def test_live_downloads_are_valid_and_only_public(client, world, tmp_path):
    contents = {}
    for name, table in opendata.TABLES.items():
        response = client.get(f"/donnees-ouvertes/{name}.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Access-Control-Allow-Origin"] == "*"
        path = tmp_path / f"{name}.csv"
        path.write_bytes(response.content)
        _validate(path, table.schema())
        contents[name] = response.content
    days = {r["identifiant"] for r in _rows(contents["journees"])}
    assert days == set(Event.objects.public().values_list("slug", flat=True))
    assert days == {e.slug for e in world.days["public"]}
    ids = {int(r["id"]) for r in _rows(contents["contributions"])}
    assert ids == set(Contribution.objects.visible().values_list("pk", flat=True))
    assert ids == {c.pk for c in world.contributions["listed"]}
    projects = {r["identifiant"] for r in _rows(contents["projets"])}
    assert projects == {p.slug for p in world.projects["public"]}
    assert projects == set(Project.objects.public().values_list("slug", flat=True))
    assert {r["projet"] for r in _rows(contents["jalons"])} <= projects
    # The proposals are those of the published syntheses' public pages (the API's numbers).
    shown = world.syntheses["public"][0]
    api = client.get(f"/api/v1/syntheses/{shown.slug}/").json()
    proposals = _rows(contents["propositions"])
    assert {(r["synthese"], int(r["position"])) for r in proposals} == {
        (shown.slug, p["number"]) for p in api["proposals"]}
    everything = b"".join(contents.values()).decode()
    for hidden in [*world.days["hidden"], *world.projects["hidden"]]:
        assert hidden.title not in everything
    for contribution in world.contributions["hidden"]:
        assert contribution.text not in everything
    for synthesis in world.syntheses["hidden"]:
        assert synthesis.slug not in everything
    # No personal data: the author of the online contributions is never named.
    for secret in ("auteure.secrete@example.org", "Bérénice", "Introuvable", "@"):
        assert secret not in everything


def test_catalogue_is_json_ld_with_every_dataset(client, world):
    from pyld import jsonld

    response = client.get("/donnees-ouvertes/catalogue.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"

    def no_fetch(url, options=None):
        raise AssertionError(f"the catalogue made a reader fetch {url}")

    expanded = jsonld.expand(response.json(), {"documentLoader": no_fetch})
    dcat, dct = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"
    [catalog] = expanded
    assert catalog["@type"] == [dcat + "Catalog"]
    datasets = catalog[dcat + "dataset"]
    assert [d[dct + "identifier"][0]["@value"] for d in datasets] == [
        d.slug for d in opendata.DATASETS]
    distributions = [dist for d in datasets for dist in d[dcat + "distribution"]]
    assert len(distributions) == len(opendata.TABLES)
    for d in datasets:
        assert d["@type"] == [dcat + "Dataset"]
        assert d[dct + "license"][0]["@id"] == opendata.LICENCE_URL
        assert d[dct + "modified"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    for dist in distributions:
        download = dist[dcat + "downloadURL"][0]["@id"]
        path = download.split("127.0.0.1:8000", 1)[1]
        assert client.get(path).status_code == 200
        schema = dist[dct + "conformsTo"][0]["@id"].split("127.0.0.1:8000", 1)[1]
        assert client.get(schema).json()["fields"]


def test_page_lists_every_dataset_with_licence_schema_and_download(client, world):
    html = client.get("/donnees-ouvertes/").content.decode()
    assert "Licence Ouverte 2.0" in html and "Dernière mise à jour" in html
    for table in opendata.TABLES.values():
        assert f'href="/donnees-ouvertes/{table.name}.csv"' in html
        assert f'href="/donnees-ouvertes/schemas/{table.schema_name}/schema.json"' in html
    assert 'href="/donnees-ouvertes/"' in client.get("/").content.decode()
    assert client.get("/donnees-ouvertes/inconnu.csv").status_code == 404
    assert client.get("/donnees-ouvertes/schemas/inconnu/schema.json").status_code == 404
