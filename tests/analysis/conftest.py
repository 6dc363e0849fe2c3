"""Shared fixtures for the analysis tests (plain Python; no database is used)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

# The same rule as bench/analysis/corpus.py: CONCERTATION_SHARED_DATA, else ../shared/data.
DATA = Path(
    os.environ.get("CONCERTATION_SHARED_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared data absent ({DATA}); the real-data checks need it")
    return DATA


@pytest.fixture(scope="session")
def elf_rows(data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / "contributions" / "entendre-la-france-tagged.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
