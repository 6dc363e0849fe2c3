"""Certificates of attendance (issue 18): one A4 page per person checked in at the door,
signed with the name and role the organisers set in the day's settings, with the day, its
hours, its venue and its programme (talks, workshops, plenary; the person's own workshops
marked). Laid out once for a whole batch; a zip holds each page as its own PDF."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from concertation.events.models import Event
from concertation.registrations.models import DaySettings, Registration, RegistrationStatus


class CertificateError(Exception):
    """Why no certificate can be given; the text is shown as is."""


def refusal(registration: Registration, settings: DaySettings) -> str | None:
    """The French reason this registration gets no certificate, or None."""
    if registration.anonymised_at is not None:
        return "Cette inscription a été anonymisée : aucune attestation ne peut être établie."
    if registration.status != RegistrationStatus.CONFIRMED or registration.checked_in_at is None:
        return ("Aucune attestation de présence : votre arrivée n’a pas été enregistrée à "
                "l’accueil de la journée. Si vous y étiez, écrivez aux organisateurs.")
    if not settings.can_certify:
        return ("L’attestation n’est pas encore disponible : les organisateurs n’ont pas "
                "indiqué qui la signe. Réessayez plus tard.")
    return None


def attendees(event: Event):
    return (Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED,
                                        checked_in_at__isnull=False, anonymised_at__isnull=True)
            .select_related("event__campaign").prefetch_related("workshops")
            .order_by("last_name", "first_name", "id"))


def _document(event: Event, registrations: list[Registration], settings: DaySettings):
    from weasyprint import HTML  # heavy import, only when certificates are printed

    html = render_to_string("registrations/pdf/certificate.html", {
        "event": event, "people": [(r, {w.pk for w in r.workshops.all()})
                                   for r in registrations],
        "settings": settings, "talks": list(event.talks.all()),
        "workshops": list(event.workshops.all()), "issued": timezone.localdate(),
    })
    return HTML(string=html).render()


def certificates_pdf(event: Event, registrations: list[Registration],
                     settings: DaySettings) -> bytes:
    return _document(event, registrations, settings).write_pdf()


def _filename(registration: Registration) -> str:
    name = unicodedata.normalize("NFKD", f"{registration.last_name}-{registration.first_name}")
    name = re.sub(r"[^A-Za-z0-9-]+", "-", name.encode("ascii", "ignore").decode()).strip("-")
    return f"attestation-{name or 'participant'}-{registration.code}.pdf"


def certificates_zip(event: Event, registrations: list[Registration],
                     settings: DaySettings) -> bytes:
    document = _document(event, registrations, settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, registration in enumerate(registrations):
            archive.writestr(_filename(registration),
                             document.copy([document.pages[index]]).write_pdf())
    return buffer.getvalue()
