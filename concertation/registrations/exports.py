"""Exports of a day's registrations: CSV and XLSX lists, and the attendance sheet as PDF."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from concertation.core import audit, tabular
from concertation.events.models import Event
from concertation.registrations.models import ExportLog, Registration

COLUMNS = [
    "Code", "Statut", "Prénom", "Nom", "Adresse électronique", "Téléphone", "Organisme",
    "Collège", "Ateliers", "Besoins d’accessibilité", "Inscription", "Source", "Arrivée",
    "Accepte les envois", "Nom public",
]


def log_export(*, user: Any, event: Event, what: str, rows: int, filename: str) -> ExportLog:
    """Every export of a day's personal data, from a screen or an API token: its row in the
    day's export log and its entry in the audit trail (`registrations.export`)."""
    log = ExportLog.objects.create(user=user, event=event, what=what, rows=rows)
    audit.record("registrations.export", event, user=user,
                 summary=f"Export : {what}, {rows} ligne{'s' if rows > 1 else ''}",
                 details={"what": what, "rows": rows, "file": filename})
    return log


def rows(registrations: list[Registration]) -> list[list[str]]:
    local = timezone.localtime
    out = []
    for r in registrations:
        out.append([
            r.code, r.get_status_display(), r.first_name, r.last_name, r.email, r.phone,
            r.organisation, r.college_label, " ; ".join(w.title for w in r.workshops.all()),
            r.accessibility_needs, local(r.created_at).strftime("%d/%m/%Y %H:%M"),
            r.get_source_display(),
            local(r.checked_in_at).strftime("%H:%M") if r.checked_in_at else "",
            "oui" if r.consent_mailings else "non", "oui" if r.consent_public_name else "non",
        ])
    return out


def to_csv(registrations: list[Registration]) -> bytes:
    return tabular.csv_bytes(COLUMNS, rows(registrations))


def to_xlsx(event: Event, registrations: list[Registration]) -> bytes:
    return tabular.write_xlsx(
        [tabular.Sheet("Inscriptions", COLUMNS, rows(registrations),
                       widths=(10, 18, 16, 18, 30, 14, 24, 30, 40, 30, 16, 16, 8, 10, 10))],
        title=f"Inscriptions — {event.title}")


def attendance_sheet_pdf(event: Event, groups: list[tuple[str, list[Registration]]]) -> bytes:
    from weasyprint import HTML  # heavy import, only when a sheet is printed

    html = render_to_string("registrations/attendance_sheet.html",
                            {"event": event, "groups": groups,
                             "total": sum(len(g[1]) for g in groups)})
    return HTML(string=html).write_pdf()
