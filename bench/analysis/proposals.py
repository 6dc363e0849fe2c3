"""French evaluation sets of short proposals with known groups, built in code from
../shared/data (nothing copied into the repository).

Entendre la France answers (Grand Débat 2019) that people tagged with exactly one tag,
20 to 300 characters long and a single answer (no ``&&``), grouped by that tag; the
catch-all tags ("Autre / Passer", "en attente") are left out, and only tags with at least
20 such answers are kept. Two sizes of a regional consolidation are drawn with a fixed
seed: about 300 proposals in 10 tags, and up to 1,000 proposals in every kept tag.
These sets are used for reporting only, never to choose a parameter.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

EXCLUDED_TAGS = {"Autre / Passer", "en attente"}


def short_proposal_sets(data: Path, seed: int = 0) -> list[tuple[str, list[str], list[str]]]:
    path = data / "contributions" / "entendre-la-france-tagged.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_tag: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        text = r["text"].strip()
        if r["n_tags"] != "1" or "&&" in text or not 20 <= len(text) <= 300:
            continue
        if r["tags"] in EXCLUDED_TAGS:
            continue
        by_tag[r["tags"]].append(text)
    tags = sorted(t for t, texts in by_tag.items() if len(texts) >= 20)
    rng = np.random.default_rng(seed)
    out: list[tuple[str, list[str], list[str]]] = []
    small_tags = sorted(rng.choice(tags, size=min(10, len(tags)), replace=False).tolist())
    for name, chosen, per_tag, cap in (
        ("short-300", small_tags, 30, 300),
        ("short-1000", tags, 10_000, 1_000),
    ):
        pairs = [(text, tag) for tag in chosen for text in by_tag[tag][:per_tag]]
        if len(pairs) > cap:
            pick = np.sort(rng.choice(len(pairs), size=cap, replace=False))
            pairs = [pairs[i] for i in pick]
        out.append((name, [p[0] for p in pairs], [p[1] for p in pairs]))
    return out
