"""The national report: the consolidation (`consolidation.collect`) written as PDF, DOCX and
ODT with the same headings (through the regional report's writers), and as a table (XLSX, CSV)
through the one tabular writer. What the filters of the page keep is what the report says."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from concertation.core import tabular
from concertation.national.consolidation import Consolidation
from concertation.synthesis import report as regional

TITLE = "Rapport national : propositions des régions"
FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "xlsx": tabular.CONTENT_TYPES["xlsx"],
    "csv": tabular.CONTENT_TYPES["csv"],
}
HEADER = ["Thème national", "Région", "N° dans la synthèse régionale", "Intitulé",
          "Texte validé", "Décision de la CRSA", "Voix pour", "Voix contre", "Abstentions",
          "Suite donnée", "Mesure nationale", "Motif", "Contributions", "Dont fusionnées",
          "Journées", "Journées et ateliers", "Territoires", "Collèges", "Participants",
          "Votes d’accord", "Votes pas d’accord", "Votes passer", "Synthèse régionale",
          "Version", "Reçue le"]


def filters_line(data: Consolidation) -> str:
    f = data.filters
    parts = []
    if f.region:
        region = next((r.name for r in data.regions), f.region)
        parts.append(f"région {region}")
    if f.campaign:
        parts.append(f"concertation {data.transmissions[0].synthesis.campaign.title}"
                     if data.transmissions else f"concertation {f.campaign}")
    if f.theme:
        parts.append(f"thème « {f.theme} »")
    if f.outcome:
        from concertation.national.consolidation import OUTCOME_CHOICES

        parts.append(f"suite : {dict(OUTCOME_CHOICES)[f.outcome].lower()}")
    return "Filtres : " + ", ".join(parts) if parts else "Toutes les régions et tous les thèmes"


def summary_line(data: Consolidation) -> str:
    total = data.total
    return (f"{regional._plural(data.count, 'proposition validée', 'propositions validées')} "
            f"par les CRSA de {regional._plural(len(data.regions), 'région')}, issues de "
            f"{regional._plural(total.contributions + total.merged, 'contribution')} et de "
            f"{regional._plural(len(total.days), 'journée')} de concertation, portées par "
            f"{regional._plural(total.participants, 'participant')} (chacun compté une fois).")


def rows(data: Consolidation):
    for section in data.sections:
        for row in section.rows:
            d, p, f = row.decision, row.provenance, row.follow_up
            synthesis = row.transmission.synthesis
            yield [
                section.title, row.region.name, row.number, row.group.title, row.text,
                d.get_outcome_display(), d.votes_for, d.votes_against, d.abstentions,
                row.follow_up_label, f.measure if f else "", f.reason if f else "",
                p.contributions, p.merged, len(p.days), p.origins_line,
                ", ".join(t.name for t in p.health_territories)
                or ", ".join(x.name for x in p.departments),
                ", ".join(c.label for c in p.colleges), p.participants, p.votes_agree,
                p.votes_disagree, p.votes_pass, synthesis.title, synthesis.edition,
                timezone.localtime(row.transmission.received_at),
            ]


def outline(data: Consolidation):
    yield ("title", TITLE)
    yield ("p", filters_line(data))
    yield ("small", f"Document généré le {date_format(timezone.localtime(data.generated_at),
                                                       'j F Y à H:i')}")
    yield ("h1", "Synthèse")
    yield ("p", summary_line(data))
    yield ("table", (["Région", "Synthèse", "Version", "Reçue le"],
                     [[t.region.name, t.synthesis.title, t.synthesis.edition,
                       date_format(timezone.localtime(t.received_at), "j F Y")]
                      for t in data.transmissions]))
    yield ("h1", "Propositions par thème national")
    if not data.sections:
        yield ("p", "Aucune proposition transmise ne correspond à ces filtres.")
    for section in data.sections:
        yield ("h2", f"{section.title} ({regional._plural(len(section.rows), 'proposition')}, "
                     f"{regional._plural(section.regions, 'région')})")
        for row in section.rows:
            yield ("h3", f"{row.region.name} — {row.number}. {row.group.title}")
            yield ("p", row.text)
            yield ("small", f"Décision de la CRSA : {row.decision.get_outcome_display()}")
            yield ("small", f"Provenance : {row.provenance_line}")
            if row.provenance.origins_line:
                yield ("small", f"Journées et ateliers : {row.provenance.origins_line}")
            follow_up = row.follow_up
            yield ("small", f"Suite donnée : {row.follow_up_label}"
                            + (f" — {follow_up.measure}" if follow_up and follow_up.measure
                               else "")
                            + (f" — {follow_up.reason}" if follow_up and follow_up.reason
                               else ""))


def render_html(data: Consolidation) -> str:
    return render_to_string("national/report.html", {
        "data": data, "title": TITLE, "filters_line": filters_line(data),
        "summary_line": summary_line(data)})


def document(data: Consolidation, fmt: str) -> bytes:
    if fmt == "pdf":
        from weasyprint import HTML  # heavy import, only when a report is printed

        return HTML(string=render_html(data)).write_pdf()
    if fmt == "docx":
        return regional.write_docx(outline(data), TITLE)
    if fmt == "odt":
        return regional.write_odt(outline(data))
    if fmt in ("xlsx", "csv"):
        return tabular.write([tabular.Sheet("Propositions", HEADER, rows(data),
                                            widths=(28, 22, 8, 40, 60))], fmt, title=TITLE)
    raise ValueError(f"unknown format {fmt!r}")
