"""The transmission report: one set of data (`collect`), written as PDF (WeasyPrint), DOCX
(python-docx) and ODT (odfpy) with the same headings, so that the ministry gets an editable
copy of exactly what the PDF says. Public pages read the same data."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from concertation.synthesis import charts, numbering, provenance
from concertation.synthesis.models import Decision, Synthesis, SynthesisGroup
from concertation.synthesis.numbering import VALIDATED_OUTCOMES

NO_THEME = "Propositions hors thème national"


@dataclass
class Proposal:
    number: int
    group: SynthesisGroup
    decision: Decision | None
    provenance: provenance.Provenance

    @property
    def title(self) -> str:
        return self.group.title

    @property
    def text(self) -> str:
        return self.decision.final_text if self.decision else self.group.text

    @property
    def amended(self) -> bool:
        return bool(self.decision and self.decision.outcome == Decision.Outcome.AMENDED)

    @property
    def outcome_label(self) -> str:
        return self.decision.get_outcome_display() if self.decision else "Sans décision"

    @property
    def vote_line(self) -> str:
        if not self.decision:
            return ""
        d = self.decision
        return (f"{d.votes_for} voix pour, {d.votes_against} contre, "
                f"{d.abstentions} abstention{'s' if d.abstentions > 1 else ''}")

    @property
    def provenance_line(self) -> str:
        return provenance_line(self.provenance)

    @property
    def places_line(self) -> str:
        p = self.provenance
        places = [t.name for t in p.health_territories] or [d.name for d in p.departments]
        return ", ".join(places)

    @property
    def colleges_line(self) -> str:
        return ", ".join(c.label for c in self.provenance.colleges)

    @property
    def origins_line(self) -> str:
        return self.provenance.origins_line


@dataclass
class ThemeSection:
    title: str
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def range_label(self) -> str:
        """« propositions 1 à 7 », for the table of contents."""
        first, last = self.proposals[0].number, self.proposals[-1].number
        if first == last:
            return f"proposition {first}"
        return f"propositions {first} à {last}" if last == first + len(self.proposals) - 1 \
            else "propositions " + ", ".join(str(p.number) for p in self.proposals)


@dataclass
class ReportData:
    synthesis: Synthesis
    generated_at: datetime.datetime
    participation: provenance.Participation
    charts: dict
    themes: list[ThemeSection]
    others: list[Proposal]  # rejected, postponed or undecided
    total: provenance.Provenance
    # The CRSA's session (the validation day), or failing one the day of its last decision.
    crsa_date: datetime.date | None = None

    @property
    def document_date(self) -> datetime.date:
        """The transmission's day, or the day the document was made before it."""
        s = self.synthesis
        return timezone.localtime(s.transmitted_at or self.generated_at).date()

    @property
    def place_label(self) -> str:
        """« Région : Auvergne-Rhône-Alpes » and the like, for the cover."""
        s = self.synthesis
        if s.region is not None:
            return f"Région : {s.region.name}"
        if s.health_territory is not None:
            return f"Territoire de santé : {s.health_territory.name}"
        if s.event is not None:
            return f"Journée : {s.event.title}"
        return s.get_level_display()

    @property
    def validated_count(self) -> int:
        return sum(len(t.proposals) for t in self.themes)

    @property
    def scope_label(self) -> str:
        s = self.synthesis
        place = (s.region.name if s.region is not None else s.health_territory.name
                 if s.health_territory is not None else s.event.title if s.event is not None
                 else "")
        return f"{s.get_level_display()} — {place}" if place else s.get_level_display()


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n <= 1 else (plural or word + 's')}"


def provenance_line(p: provenance.Provenance) -> str:
    parts = [
        _plural(p.contributions + p.merged, "contribution"),
        _plural(len(p.days), "journée"),
        _plural(len(p.health_territories) or len(p.departments), "territoire"),
        _plural(len(p.colleges), "collège"),
        _plural(p.participants, "participant"),
        _plural(p.votes, "vote"),
    ]
    if p.online:
        parts.insert(1, f"dont {p.online} en ligne")
    return " · ".join(parts)


def collect(synthesis: Synthesis) -> ReportData:
    """Everything the report shows, in a fixed number of queries."""
    synthesis = (Synthesis.objects.select_related("campaign", "region", "health_territory",
                                                  "event", "validation_event")
                 .get(pk=synthesis.pk))
    groups = list(synthesis.groups.filter(accepted=True).select_related("decision", "theme"))
    decisions = {g.pk: getattr(g, "decision", None) for g in groups}
    number_of = numbering.numbers(
        (g.pk, g.position, g.theme_id, g.theme.position if g.theme else None,
         d.outcome if (d := decisions[g.pk]) else None) for g in groups)
    groups.sort(key=lambda g: number_of[g.pk])
    figures = provenance.compute(synthesis)
    # In numbering order, themes come in the campaign's order, those without one last.
    themes: dict[object, ThemeSection] = {}
    others: list[Proposal] = []
    for group in groups:
        decision = decisions[group.pk]
        entry = Proposal(number_of[group.pk], group, decision, figures.for_group(group.pk))
        if decision is not None and decision.outcome in VALIDATED_OUTCOMES:
            key = group.theme_id
            if key not in themes:
                themes[key] = ThemeSection(group.theme.title if group.theme else NO_THEME)
            themes[key].proposals.append(entry)
        else:
            others.append(entry)
    sections = list(themes.values())
    participation = provenance.participation(synthesis)
    decided = [d.decided_at for d in decisions.values() if d is not None]
    crsa_date = (synthesis.validation_event.date if synthesis.validation_event is not None
                 else timezone.localtime(max(decided)).date() if decided else None)
    return ReportData(
        synthesis=synthesis, generated_at=timezone.now(), participation=participation,
        charts=charts.participation_charts(participation), themes=sections, others=others,
        total=figures.total, crsa_date=crsa_date,
    )


# -------------------------------------------------------------------------------- PDF


def render_html(data: ReportData) -> str:
    return render_to_string("synthesis/report/report.html",
                            {"report": data, "method": method_text(data)})


def pdf(data: ReportData) -> bytes:
    from weasyprint import HTML  # heavy import, only when a report is printed

    return HTML(string=render_html(data)).write_pdf()


# ------------------------------------------------------------ outline shared by DOCX and ODT


def outline(data: ReportData):
    """The report as a flat list of (kind, payload): heading levels 0–3, paragraphs, small
    print, bullet items, charts (title, bars) and tables. DOCX and ODT both write from this
    list, so that both say exactly what the PDF says."""
    s = data.synthesis
    yield ("title", s.title)
    yield ("p", f"{s.campaign.title} — {data.scope_label}")
    yield ("p", data.place_label)
    yield ("p", f"Version {s.edition} · {s.get_state_display()}"
                + (f" le {date_format(timezone.localtime(s.transmitted_at), 'j F Y')}"
                   if s.transmitted_at else ""))
    if data.crsa_date:
        yield ("p", f"Décisions de la CRSA : séance du {date_format(data.crsa_date, 'j F Y')}")
    yield ("p", f"Document du {date_format(data.document_date, 'j F Y')}")
    yield ("small", f"Document généré le {date_format(timezone.localtime(data.generated_at),
                                                       'j F Y à H:i')}")
    yield ("h1", "Contexte et méthode")
    for paragraph in (s.introduction or "").split("\n\n"):
        if paragraph.strip():
            yield ("p", paragraph.strip())
    yield ("p", method_text(data))
    yield ("h1", "Participation")
    part = data.participation
    yield ("p", f"{_plural(part.registered, 'personne inscrite', 'personnes inscrites')}, "
                f"{_plural(part.present, 'présente')} sur "
                f"{_plural(len(part.days), 'journée')}.")
    yield ("h2", "Par territoire de santé")
    yield ("chart", ("Participation par territoire de santé",
                     [charts.Bar(r.label, r.registered, r.present) for r in part.by_territory]))
    yield ("table", (["Territoire", "Inscrits", "Présents"],
                     [[r.label, r.registered, r.present] for r in part.by_territory]))
    yield ("h2", "Par collège")
    yield ("chart", ("Participation par collège",
                     [charts.Bar(r.label, r.registered, r.present) for r in part.by_college]))
    yield ("table", (["Collège", "Inscrits", "Présents"],
                     [[r.label, r.registered, r.present] for r in part.by_college]))
    yield ("h1", "Propositions validées par thème national")
    if not data.themes:
        yield ("p", "Aucune proposition n’a été validée.")
    for section in data.themes:
        yield ("h2", section.title)
        for proposal in section.proposals:
            yield ("h3", f"{proposal.number}. {proposal.title}")
            yield ("p", proposal.text)
            if proposal.amended and proposal.decision is not None:
                yield ("small", f"Texte soumis à la CRSA : {proposal.decision.original_text}")
            yield ("small", f"Décision : {proposal.outcome_label} ({proposal.vote_line})")
            yield ("small", f"Provenance : {proposal.provenance_line}")
            if proposal.places_line:
                yield ("small", f"Territoires : {proposal.places_line}")
            if proposal.colleges_line:
                yield ("small", f"Collèges : {proposal.colleges_line}")
            if proposal.origins_line:
                yield ("small", f"Journées et ateliers : {proposal.origins_line}")
    if data.others:
        yield ("h1", "Propositions non retenues ou ajournées")
        for proposal in data.others:
            yield ("li", f"{proposal.number}. {proposal.title} — {proposal.outcome_label}"
                         + (f" ({proposal.vote_line})" if proposal.vote_line else ""))
    yield ("h1", "Annexe : journées de concertation")
    yield ("table", (["Date", "Journée", "Lieu", "Inscrits", "Présents"],
                     [[date_format(d.date, "j F Y"), d.title, d.city, r.registered, r.present]
                      for d, r in part.days]))


def method_text(data: ReportData) -> str:
    s, total = data.synthesis, data.total
    count = _plural(total.contributions + total.merged, "contribution")
    days = _plural(len(total.days), "journée")
    text = f"Cette synthèse rassemble {count} issues de {days} de concertation"
    if total.online:
        text += f" et de {total.online} contribution{'s' if total.online > 1 else ''} en ligne"
    text += (f", portées par {_plural(total.participants, 'participant')}. Les contributions "
             "proches ont été regroupées, puis chaque proposition a été rédigée à partir de ses "
             "contributions sources")
    if s.validation_event is not None:
        text += (f" et soumise à la CRSA lors de la séance « {s.validation_event.title} » du "
                 f"{date_format(s.validation_event.date, 'j F Y')}")
    return text + ". Chaque proposition indique sa provenance : journées, territoires, " \
        "collèges, participants et votes."


# -------------------------------------------------------------------------------- DOCX


def docx(data: ReportData) -> bytes:
    return write_docx(outline(data), data.synthesis.title)


def write_docx(items, title: str) -> bytes:
    """A DOCX of an outline's items (see `outline`): the national report writes through it
    too."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    document.core_properties.title = title
    document.core_properties.language = "fr-FR"
    for kind, payload in items:
        if kind == "title":
            document.add_heading(payload, level=0)
        elif kind in ("h1", "h2", "h3"):
            document.add_heading(payload, level=int(kind[1]))
        elif kind == "p":
            document.add_paragraph(payload)
        elif kind == "small":
            run = document.add_paragraph().add_run(payload)
            run.font.size = Pt(9)
        elif kind == "li":
            document.add_paragraph(payload, style="List Bullet")
        elif kind == "chart":
            title, bars = payload
            shape = document.add_paragraph().add_run().add_picture(
                io.BytesIO(charts.bar_chart_png(bars)), width=Cm(16))
            # The alternative text screen readers give for the picture.
            shape._inline.docPr.set("descr", f"{title} : {charts.describe(bars)}")
        elif kind == "table":
            header, rows = payload
            table = document.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = str(text)
            for row in rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = str(value)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------- ODT


def odt(data: ReportData) -> bytes:
    return write_odt(outline(data))


def write_odt(items) -> bytes:
    """An ODT of an outline's items (see `outline`)."""
    from odf.draw import Frame, Image
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        ParagraphProperties,
        Style,
        TableColumnProperties,
        TextProperties,
    )
    from odf.svg import Desc
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    styles = {}
    for name, size, bold in (("Title", "20pt", True), ("Heading_20_1", "16pt", True),
                             ("Heading_20_2", "13pt", True), ("Heading_20_3", "11pt", True)):
        style = Style(name=name, family="paragraph")
        style.addElement(TextProperties(fontsize=size, fontweight="bold" if bold else "normal"))
        style.addElement(ParagraphProperties(margintop="0.3cm", marginbottom="0.15cm"))
        document.styles.addElement(style)
        styles[name] = style
    small = Style(name="Small", family="paragraph")
    small.addElement(TextProperties(fontsize="9pt"))
    document.styles.addElement(small)
    column = Style(name="Column", family="table-column")
    column.addElement(TableColumnProperties(columnwidth="4cm"))
    document.automaticstyles.addElement(column)
    body = document.text
    tables = charts_added = 0
    for kind, payload in items:
        if kind == "title":
            body.addElement(P(stylename=styles["Title"], text=payload))
        elif kind in ("h1", "h2", "h3"):
            level = int(kind[1])
            body.addElement(H(outlinelevel=level, stylename=styles[f"Heading_20_{level}"],
                              text=payload))
        elif kind == "p":
            body.addElement(P(text=payload))
        elif kind == "small":
            body.addElement(P(stylename=small, text=payload))
        elif kind == "li":
            items = List()
            item = ListItem()
            item.addElement(P(text=payload))
            items.addElement(item)
            body.addElement(items)
        elif kind == "chart":
            title, bars = payload
            charts_added += 1
            png = charts.bar_chart_png(bars)
            href = document.addPicture(f"Pictures/graphique{charts_added}.png", "image/png", png)
            width, height = _png_size(png)
            frame = Frame(width="16cm", height=f"{16 * height / width:.2f}cm",
                          anchortype="as-char", name=title)
            frame.addElement(Image(href=href))
            frame.addElement(Desc(text=f"{title} : {charts.describe(bars)}"))
            paragraph = P()
            paragraph.addElement(frame)
            body.addElement(paragraph)
        elif kind == "table":
            header, rows = payload
            tables += 1
            table = Table(name=f"Tableau{tables}")
            table.addElement(TableColumn(numbercolumnsrepeated=len(header), stylename=column))
            for row in [header, *rows]:
                tr = TableRow()
                for value in row:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                    tr.addElement(cell)
                table.addElement(tr)
            body.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _png_size(png: bytes) -> tuple[int, int]:
    # Width and height sit at bytes 16–24 of a PNG's header chunk.
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
