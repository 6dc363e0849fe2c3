"""Participation charts drawn on the server as SVG: the same markup serves the public pages
and the PDF report (WeasyPrint renders inline SVG), with no JavaScript library and nothing
to fetch. Each chart has a title and a description for screen readers, and the figures are
also given in a table next to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Design system colours: blue France for registrations, green for arrivals.
REGISTERED_COLOUR = "#000091"
PRESENT_COLOUR = "#18753c"
TEXT_COLOUR = "#161616"


@dataclass(frozen=True)
class Bar:
    label: str
    registered: int
    present: int


def bar_chart(title: str, bars: Sequence[Bar], *, chart_id: str, width: int = 640) -> SafeString:
    """Horizontal bars, two per row (registered, present), labels on the left."""
    label_width, row_height, bar_height, top, legend = 230, 34, 12, 8, 26
    plot = width - label_width - 60
    peak = max((b.registered for b in bars), default=0) or 1
    height = top + row_height * max(len(bars), 1) + legend
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="participation-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-titre {chart_id}-desc">',
        f'<title id="{chart_id}-titre">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(bars))}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = top + index * row_height
        label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + bar_height + 4}" text-anchor="end" '
                     f'font-size="12" fill="{TEXT_COLOUR}">{escape(label)}</text>')
        for offset, value, colour in ((0, bar.registered, REGISTERED_COLOUR),
                                      (bar_height + 2, bar.present, PRESENT_COLOUR)):
            length = round(plot * value / peak, 1)
            parts.append(f'<rect x="{label_width}" y="{y + offset}" width="{length}" '
                         f'height="{bar_height}" fill="{colour}"/>')
            parts.append(f'<text x="{label_width + length + 4}" y="{y + offset + 10}" '
                         f'font-size="11" fill="{TEXT_COLOUR}">{value}</text>')
    y = height - legend + 10
    parts.append(f'<rect x="{label_width}" y="{y}" width="12" height="12" '
                 f'fill="{REGISTERED_COLOUR}"/>')
    parts.append(f'<text x="{label_width + 16}" y="{y + 10}" font-size="12" '
                 f'fill="{TEXT_COLOUR}">Inscrits</text>')
    parts.append(f'<rect x="{label_width + 90}" y="{y}" width="12" height="12" '
                 f'fill="{PRESENT_COLOUR}"/>')
    parts.append(f'<text x="{label_width + 106}" y="{y + 10}" font-size="12" '
                 f'fill="{TEXT_COLOUR}">Présents</text>')
    parts.append("</svg>")
    # Every label went through escape(); the rest is numbers and constants.
    return mark_safe("".join(parts))


def describe(bars: Sequence[Bar]) -> str:
    if not bars:
        return "Aucune inscription enregistrée."
    return "; ".join(f"{b.label} : {b.registered} inscrits, {b.present} présents" for b in bars)


def participation_charts(participation, prefix: str = "participation") -> dict[str, SafeString]:
    """The charts of a `provenance.Participation`: by health territory and by college."""
    return {
        "by_territory": bar_chart(
            "Participation par territoire de santé",
            [Bar(r.label, r.registered, r.present) for r in participation.by_territory],
            chart_id=f"{prefix}-territoires"),
        "by_college": bar_chart(
            "Participation par collège",
            [Bar(r.label, r.registered, r.present) for r in participation.by_college],
            chart_id=f"{prefix}-colleges"),
    }


def bar_chart_png(bars: Sequence[Bar], *, width: int = 1280) -> bytes:
    """The same chart as a PNG image (twice the SVG's scale), for the DOCX and ODT copies of
    the report, whose editors do not all read SVG."""
    import io

    from PIL import Image, ImageDraw

    scale = width / 640
    label_width, row_height, bar_height, top, legend = (round(v * scale) for v in
                                                         (230, 34, 12, 8, 26))
    plot = width - label_width - round(60 * scale)
    peak = max((b.registered for b in bars), default=0) or 1
    height = top + row_height * max(len(bars), 1) + legend
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(round(12 * scale)), _font(round(11 * scale))
    for index, bar in enumerate(bars):
        y = top + index * row_height
        label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        draw.text((label_width - 8 * scale, y + bar_height), label, fill=TEXT_COLOUR, font=font,
                  anchor="rm")
        for offset, value, colour in ((0, bar.registered, REGISTERED_COLOUR),
                                      (bar_height + 2 * scale, bar.present, PRESENT_COLOUR)):
            length = plot * value / peak
            draw.rectangle((label_width, y + offset, label_width + max(length, 1),
                            y + offset + bar_height), fill=colour)
            draw.text((label_width + length + 4 * scale, y + offset + bar_height / 2),
                      str(value), fill=TEXT_COLOUR, font=small, anchor="lm")
    y = height - legend + 10 * scale
    for x, colour, text in ((label_width, REGISTERED_COLOUR, "Inscrits"),
                            (label_width + 90 * scale, PRESENT_COLOUR, "Présents")):
        draw.rectangle((x, y, x + 12 * scale, y + 12 * scale), fill=colour)
        draw.text((x + 16 * scale, y + 6 * scale), text, fill=TEXT_COLOUR, font=font,
                  anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _font(size: int):
    from PIL import ImageFont

    # DejaVu Sans (the PDF's font, installed with WeasyPrint's fonts) has the French accents;
    # Pillow's bundled font, the fallback, has not.
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)
