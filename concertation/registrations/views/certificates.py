"""Certificates of attendance: a participant's own, from their personal link; all of a day's,
for its organisers, as one PDF or a zip of one PDF each."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.core.links import BadLink
from concertation.events.views.backoffice import _get_event_for_user
from concertation.registrations import certificates, exports
from concertation.registrations.models import DaySettings
from concertation.registrations.tokens import read_token

FORMATS = {"pdf": "application/pdf", "zip": "application/zip"}


def _attachment(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def my_certificate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        registration = read_token(token)
    except BadLink as exc:
        return render(request, "registrations/bad_link.html", {"reason": str(exc)}, status=404)
    settings = DaySettings.for_event(registration.event)
    if reason := certificates.refusal(registration, settings):
        # 409: the link is good, the certificate is not (yet) to be had.
        return render(request, "registrations/certificate_refused.html", {
            "reason": reason, "token": token, "event": registration.event}, status=409)
    pdf = certificates.certificates_pdf(registration.event, [registration], settings)
    return _attachment(pdf, "pdf", f"attestation-{registration.code}.pdf")


@organiser_required
def certificates_page(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    settings = DaySettings.for_event(event)
    people = certificates.attendees(event)
    count = people.count()
    fmt = request.GET.get("format", "")
    error = ""
    if fmt:
        if fmt not in FORMATS:
            error = "Choisissez un PDF unique ou une archive ZIP."
        elif not settings.can_certify:
            error = ("Indiquez d’abord le nom et la fonction du signataire dans les réglages "
                     "de la journée.")
        elif not count:
            error = ("Personne n’a été pointé à l’accueil de cette journée : aucune "
                     "attestation à établir.")
        else:
            exports.log_export(user=request.user, event=event,
                               what=f"Attestations de présence ({fmt.upper()})", rows=count,
                               filename=f"attestations-{event.slug}.{fmt}")
            build = (certificates.certificates_pdf if fmt == "pdf"
                     else certificates.certificates_zip)
            return _attachment(build(event, list(people), settings), fmt,
                               f"attestations-{event.slug}.{fmt}")
    return render(request, "registrations/organiser/certificates.html", {
        "event": event, "settings": settings, "count": count, "error": error,
    }, status=400 if error else 200)
