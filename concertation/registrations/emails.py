"""Registration e-mails: French, HTML and text, with the day's .ics and a QR code."""

from __future__ import annotations

import io

import qrcode
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from concertation.core.models import OutgoingEmail
from concertation.core.outbox import NO_ADDRESS, Undeliverable
from concertation.events.ics import event_calendar
from concertation.registrations.models import Registration
from concertation.registrations.tokens import manage_url, optout_url

SUBJECTS = {
    OutgoingEmail.Kind.CONFIRMATION: "Inscription confirmée : {title}",
    OutgoingEmail.Kind.WAITLIST: "Liste d’attente : {title}",
    OutgoingEmail.Kind.PROMOTED: "Une place s’est libérée : vous êtes inscrit(e) à {title}",
    OutgoingEmail.Kind.OFFER: "Une place vous est proposée : {title}",
    OutgoingEmail.Kind.OFFER_EXPIRED: "Place proposée non acceptée à temps : {title}",
    OutgoingEmail.Kind.CANCELLED: "Inscription annulée : {title}",
    OutgoingEmail.Kind.CHANGED: "Inscription modifiée : {title}",
    OutgoingEmail.Kind.REMINDER: "Rappel : {title}",
    OutgoingEmail.Kind.ALREADY: "Vous êtes déjà inscrit(e) : {title}",
}


def qr_png(text: str) -> bytes:
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def build_message(outgoing: OutgoingEmail) -> EmailMultiAlternatives:
    registration = (Registration.objects.select_related("event__campaign", "event__department")
                    .get(pk=outgoing.registration_id))
    if not registration.email:
        # Erased, or taken by the secretariat without an address.
        raise Undeliverable(NO_ADDRESS)
    event = registration.event
    if outgoing.kind == OutgoingEmail.Kind.MAILING:
        return _mailing(outgoing, registration)
    context = {
        "registration": registration,
        "event": event,
        "kind": outgoing.kind,
        "manage_url": manage_url(registration),
        "workshops": list(registration.workshops.all()),
        "site_url": settings.SITE_URL,
    }
    text = render_to_string("registrations/email/message.txt", context)
    html = render_to_string("registrations/email/message.html", context)
    message = EmailMultiAlternatives(
        subject=SUBJECTS[outgoing.kind].format(title=event.title),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[registration.email],
    )
    message.attach_alternative(html, "text/html")
    if outgoing.kind not in (OutgoingEmail.Kind.CANCELLED, OutgoingEmail.Kind.OFFER_EXPIRED):
        message.attach(f"{event.slug}.ics", event_calendar(event), "text/calendar")
    if registration.status == "confirmed" and outgoing.kind != OutgoingEmail.Kind.CANCELLED:
        message.attach(f"inscription-{registration.code}.png", qr_png(registration.code),
                       "image/png")
    return message


def _mailing(outgoing: OutgoingEmail, registration: Registration) -> EmailMultiAlternatives:
    """An organiser's message (`registrations.Mailing`), with the recipient's own link."""
    mailing = outgoing.mailing
    if not mailing.essential and not registration.consent_mailings:
        # Withdrawn between the sending and this attempt.
        raise Undeliverable("Envois des organisateurs refusés depuis : courriel abandonné.")
    optout = "" if mailing.essential else optout_url(registration)
    context = {"mailing": mailing, "event": registration.event, "registration": registration,
               "manage_url": manage_url(registration), "optout_url": optout}
    # One-click unsubscription by the mail program (RFC 2369 and 8058) for what may be refused.
    headers = {"List-Unsubscribe": f"<{optout}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"} if optout else {}
    message = EmailMultiAlternatives(
        subject=mailing.subject,
        body=render_to_string("registrations/email/mailing.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[registration.email], headers=headers)
    message.attach_alternative(render_to_string("registrations/email/mailing.html", context),
                               "text/html")
    return message
