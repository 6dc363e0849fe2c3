"""The bar chart of days held per month, drawn as SVG on the server (coordinates with a dot,
whatever the locale), with its table alternative built from the same rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")
WIDTH, HEIGHT, BAR, GAP, TOP, BASE = 640.0, 180.0, 18.0, 6.0, 12.0, 150.0


@dataclass(frozen=True)
class Bar:
    month: dt.date
    label: str
    days: int
    participants: int
    x: str
    y: str
    height: str
    text_x: str


def month_label(month: dt.date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def month_bars(months: list[tuple[dt.date, int, int]]) -> tuple[str, list[Bar]]:
    """The view box and the bars of the chart, one per month that held a day."""
    peak = max((days for _, days, _ in months), default=0)
    step = BAR + GAP
    width = max(WIDTH, len(months) * step + GAP)
    bars = []
    for i, (month, days, participants) in enumerate(months):
        height = (BASE - TOP) * days / peak if peak else 0.0
        x = GAP + i * step
        bars.append(Bar(month, month_label(month), days, participants, f"{x:.1f}",
                        f"{BASE - height:.1f}", f"{height:.1f}", f"{x + BAR / 2:.1f}"))
    return f"0 0 {width:.0f} {HEIGHT:.0f}", bars
