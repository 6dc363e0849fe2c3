"""The command line, run as a user would (``python -m concertation.analysis``)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from concertation.analysis.votes import read_moderated

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "concertation.analysis", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("erreur : ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"analysis-{name}.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def contributions(tmp_path: Path) -> Path:
    texts = [
        "Il faut plus de médecins dans les campagnes",
        "Il faut plus de médecins dans les campagnes",
        "Les déserts médicaux : plus de médecins à la campagne",
        "Les urgences de l'hôpital sont saturées",
        "Aux urgences, l'attente à l'hôpital est trop longue",
        "Rembourser les lunettes et les soins dentaires",
        "Mieux rembourser les soins dentaires",
        "",
    ] + [f"Autre idée sur la santé publique numéro {i}" for i in range(12)]
    path = tmp_path / "contributions.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")  # a spreadsheet-style export
        writer.writerow(["ref", "texte"])
        writer.writerows([f"c{i}", t] for i, t in enumerate(texts))
    return path


def test_cluster_command(contributions: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = run(
        "cluster", contributions, "--text-column", "texte", "--id-column", "ref",
        "--groups", "3", "--seed", "1", "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(payload, schema("cluster"))
    members = [m for g in payload["groups"] for m in g["members"]]
    assert sorted(members) == sorted(f"c{i}" for i in range(20))
    assert payload["parameters"]["k"] == 3
    assert ["c0", "c1"] in [d["members"][:2] for d in payload["duplicates"]]


def test_cluster_on_real_export(elf_rows: list[dict[str, str]], tmp_path: Path) -> None:
    path = tmp_path / "elf.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(elf_rows[0]))
        writer.writeheader()
        writer.writerows(elf_rows[:300])
    out = tmp_path / "out.json"
    result = run("cluster", path, "--text-column", "text", "--id-column", "id", "--out", out)
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(payload, schema("cluster"))
    assert len([m for g in payload["groups"] for m in g["members"]]) == 300


def test_cluster_errors(contributions: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    missing = run("cluster", contributions, "--text-column", "text", "--id-column", "ref",
                  "--out", out)  # fmt: skip
    assert_one_line_error(missing, "« text »", "contributions.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert_one_line_error(run("cluster", empty, "--out", out), "vide")
    header_only = tmp_path / "header.csv"
    header_only.write_text("id,text\n", encoding="utf-8")
    assert_one_line_error(run("cluster", header_only, "--out", out), "vide")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"id,text\n1,\x81\x8d\x8f\x90\x9d\xff\xfe\x00\x00\x01")
    assert_one_line_error(run("cluster", binary, "--out", out), "encodage")
    duplicated = tmp_path / "dup.csv"
    duplicated.write_text("id,text\n1,a\n2,b\n1,c\n", encoding="utf-8")
    assert_one_line_error(run("cluster", duplicated, "--out", out), "« 1 »", "ligne 4")
    assert_one_line_error(run("cluster", tmp_path / "absent.csv", "--out", out), "introuvable")
    assert not out.exists()


def test_cluster_accepts_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    path.write_bytes("id,text\n1,Hôpital de proximité\n2,Fermer l’hôpital\n".encode("cp1252"))
    out = tmp_path / "out.json"
    result = run("cluster", path, "--out", out)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["parameters"]["encoding"] == "cp1252"


def _write_votes(path: Path, rows: list[tuple[int, str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        for stamp, comment, voter, vote in rows:
            writer.writerow([stamp, "Mon Jan 01 00:00:00 CET 2024", comment, voter, vote])


def test_opinions_command(data_dir: Path, tmp_path: Path) -> None:
    folder = data_dir / "polis" / "canadian-electoral-reform"
    colleges = tmp_path / "colleges.csv"
    with colleges.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["voter-id", "college"])
        writer.writerows([str(i), "usagers" if i % 2 else "soignants"] for i in range(448))
    out = tmp_path / "opinions.json"
    result = run(
        "opinions", folder / "votes.csv", "--comments", folder / "comments.csv",
        "--colleges", colleges, "--bridging", "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(payload, schema("opinions"))
    assert len(payload["groups"]) == 2
    assert any(p["group"] is None for p in payload["participants"])
    assert set(payload["colleges"]["agreed"]) == {"usagers", "soignants"}
    # Colleges drawn at random from one population agree on the same comments.
    both = {c["comment"] for c in payload["colleges"]["agreed"]["usagers"]} & {
        c["comment"] for c in payload["colleges"]["agreed"]["soignants"]
    }
    assert set(payload["colleges"]["all_colleges"]) <= both
    assert payload["colleges"]["all_colleges"]
    moderated = read_moderated(folder / "comments.csv")
    ranked = [b["comment"] for b in payload["bridging"]]
    assert len(ranked) == len(set(ranked)) and not set(ranked) & moderated
    scores = [b["score"] for b in payload["bridging"]]
    assert scores == sorted(scores, reverse=True)


def test_opinions_errors(tmp_path: Path) -> None:
    out = tmp_path / "opinions.json"
    bad_vote = tmp_path / "votes.csv"
    _write_votes(bad_vote, [(1, "0", "a", "1"), (2, "1", "a", "2")])
    assert_one_line_error(run("opinions", bad_vote, "--out", out), "« 2 »", "ligne 3")
    no_column = tmp_path / "novote.csv"
    no_column.write_text("voter-id,comment-id\n1,2\n", encoding="utf-8")
    assert_one_line_error(run("opinions", no_column, "--out", out), "« vote »")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert_one_line_error(run("opinions", empty, "--out", out), "vide")
    assert_one_line_error(run("opinions", bad_vote, "--groups", "9", "--out", out))


def test_similarity_command(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    with pairs.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b"])
        writer.writerow(["Plus de médecins", "plus de médecins !"])
        writer.writerow(["Plus de médecins en ville", "Baisser les impôts"])
        writer.writerow(["", ""])  # blank rows still get their score: one per input row
    out = tmp_path / "scores.csv"
    result = run("similarity", pairs, "--out", out)
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["a"] for r in rows] == ["Plus de médecins", "Plus de médecins en ville", ""]
    assert float(rows[0]["similarity"]) == 1.0
    assert float(rows[1]["similarity"]) < 0.3


def test_similarity_errors(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    one_column = tmp_path / "one.csv"
    one_column.write_text("a\nx\n", encoding="utf-8")
    assert_one_line_error(run("similarity", one_column, "--out", out), "deux colonnes")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("a,b\nx,y\n", encoding="utf-8")
    missing = run("similarity", pairs, "--left-column", "gauche", "--out", out)
    assert_one_line_error(missing, "« gauche »")
    assert_one_line_error(run("similarity", "--out", out))  # argparse errors are one line too
