"""What the organiser's tools of a day (issue 18) hand out, followed in Chromium to where it
lands: the badge sheet and the certificates downloaded through the browser and rendered to
images (each label's band in its college's colour with the college written in it, the
certificate's ink, title colour and signed text), and a message to « Les personnes venues »
written in the browser and received over SMTP on loopback by exactly those checked in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from concertation.demo.people import DEMO_PASSWORD
from concertation.events.models import EventState
from concertation.registrations import badges
from concertation.registrations.models import DaySettings, Mailing, Registration
from concertation.registrations.services import set_checked_in
from concertation.registrations.tokens import make_token
from tests.e2e.helpers import axe_violations, format_violations
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    WorkshopFactory,
    make_territory,
    organiser_of,
)
from tests.smtp import Mailbox, smtp_server

pytestmark = [pytest.mark.e2e,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PEOPLE = 17
# Checked in at the door: every third person, and not the waiting list. Those of them who
# accepted the organisers' messages are the even ones.
PRESENT = {i for i in range(PEOPLE) if i % 3 != 1}


@pytest.fixture
def mailbox(settings, live_server) -> Iterator[Mailbox]:
    with smtp_server() as (port, box):
        settings.MAILERS = {"default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
        settings.SITE_URL = live_server.url
        yield box


@pytest.fixture
def day():
    """A day held this morning: 17 confirmed people in three colleges and two workshops,
    11 of them checked in, one on the waiting list and one who cancelled; signed
    certificates; an organiser of its territory who signs in with the demo password."""
    territory = make_territory("28")
    event = EventFactory(health_territory=territory, date=timezone.localdate(),
                         starts_at=dt.time(0, 0), ends_at=dt.time(23, 59),
                         state=EventState.HELD, title="Santé en Eure-et-Loir")
    workshops = (WorkshopFactory(event=event, title="Accès aux soins"),
                 WorkshopFactory(event=event, title="Prévention"))
    colleges = [code for code, _ in event.campaign.college_choices][:3]
    organiser = organiser_of(territory)
    organiser.username, organiser.first_name, organiser.last_name = "cts-day", "Claire", "Martin"
    organiser.set_password(DEMO_PASSWORD)
    organiser.save()
    people = []
    for i in range(PEOPLE):
        registration = RegistrationFactory(
            event=event, first_name=f"Prénom{i:02}", last_name=f"Nom{i:02}",
            email=f"p{i:02}@example.org", organisation=f"Organisme {i:02}",
            college=colleges[i % 3], consent_mailings=i % 2 == 0)
        registration.workshops.add(workshops[i % 2])
        if i in PRESENT:
            set_checked_in(registration, present=True, user=organiser)
        people.append(registration)
    RegistrationFactory(event=event, last_name="Attente", email="attente@example.org",
                        status="waitlisted", consent_mailings=True)
    RegistrationFactory(event=event, last_name="Annulée", email="annulee@example.org",
                        status="cancelled", consent_mailings=True)
    DaySettings.objects.create(event=event, signatory_name="Claire Martin",
                               signatory_role="Présidente du CTS d’Eure-et-Loir")
    return event, people, organiser


def _scan(site, reports: list[str], what: str) -> None:
    """axe at 1280 px, then at 390 px, then back to 1280 px."""
    page = site.page
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        if violations := axe_violations(page):
            reports.append(format_violations(f"{what} à {width} px", violations))
    page.set_viewport_size({"width": 1280, "height": 900})


def _render(pdf: bytes, page: int, dpi: float):
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[page].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def _page_texts(pdf: bytes) -> list[str]:
    """Each page's text as pdfium reads it (the same library that rendered it)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [" ".join(document[i].get_textpage().get_text_range().split())
                for i in range(len(document))]
    finally:
        document.close()


def _hex(pixel) -> str:
    return "#{:02x}{:02x}{:02x}".format(*pixel)


def test_the_badge_sheet_downloaded_in_chromium_shows_each_college_in_colour_and_words(
        day, site):
    event, people, _ = day
    site.login("cts-day")
    page = site.page
    site.goto(f"/espace-organisateur/journees/{event.pk}/badges/")
    page.get_by_label(re.compile("^Planche A4 de 14 étiquettes")).check(force=True)
    page.get_by_label("Toutes les personnes inscrites").check(force=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger les badges (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    texts = _page_texts(pdf)
    assert len(texts) == 2  # 17 badges: 14, then 3
    layout = badges.LAYOUTS["a4-2x7"]
    colleges = dict(event.campaign.college_choices)
    point = 72 / 25.4  # pixels per millimetre at 72 dpi
    checked = 0
    for sheet in range(2):
        image = _render(pdf, sheet, 72)
        on_sheet = people[sheet * layout.per_page:(sheet + 1) * layout.per_page]
        for person, (x, y) in zip(on_sheet, layout.positions(), strict=False):
            expected = badges.college_colour(event, person.college)
            # The band at the label's bottom, away from its words; white paper at its top.
            band = image.getpixel((round((x + 1) * point), round((y + layout.height - 1.5)
                                                                 * point)))
            paper = image.getpixel((round((x + 1) * point), round((y + 1) * point)))
            assert _hex(band) == expected, (person.full_name, _hex(band), expected)
            assert paper == (255, 255, 255), person.full_name
            # Not colour alone: the college's name is written on the badge, with the name,
            # organisation and workshop.
            assert person.full_name in texts[sheet]
            assert person.organisation in texts[sheet]
            assert f"Collège : {colleges[person.college]}" in texts[sheet]
            checked += 1
    assert checked == PEOPLE
    assert "Attente" not in " ".join(texts) and "Annulée" not in " ".join(texts)
    # Three colleges, three different band colours.
    assert len({badges.college_colour(event, p.college) for p in people}) == 3
    site.assert_healthy()


def test_certificates_downloaded_in_chromium_render_signed_pages_for_those_who_came(
        day, open_site):
    site = open_site()
    event, people, _ = day
    came, absent = people[0], people[1]
    assert 0 in PRESENT and 1 not in PRESENT
    site.login("cts-day")
    page = site.page
    site.goto(f"/espace-organisateur/journees/{event.pk}/attestations/")
    expect(page.get_by_text(f"{len(PRESENT)} personnes")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger les attestations").click()
    bulk = Path(download.value.path()).read_bytes()
    texts = _page_texts(bulk)
    # One page per person checked in, nobody else.
    assert len(texts) == len(PRESENT)
    assert sorted(t.split("atteste que ")[1].split(" (")[0].strip() for t in texts) == sorted(
        people[i].full_name for i in PRESENT)

    # The participant's own, from the personal link, in a browser of their own.
    participant = open_site()
    if True:
        participant.goto(f"/inscriptions/{make_token(came)}/")
        with participant.page.expect_download() as download:
            participant.page.get_by_role(
                "link", name="Télécharger mon attestation de présence (PDF)").click()
        pdf = Path(download.value.path()).read_bytes()
        (text,) = _page_texts(pdf)
        assert "Attestation de présence" in text
        assert "Claire Martin, Présidente du CTS d’Eure-et-Loir" in text
        assert f"atteste que {came.full_name}" in text
        assert "Fait à Chartres" in text
        image = _render(pdf, 0, 50)
        colours = image.getcolors(maxcolors=image.width * image.height)
        ink = sum(n for n, (r, g, b) in colours if r + g + b < 300)
        blue = sum(n for n, rgb in colours if rgb == (0, 0, 0x91))  # the title's colour
        assert 0.005 < ink / (image.width * image.height) < 0.3
        assert blue > 50
        # Someone who did not come gets the reason, not a certificate.
        participant.goto(f"/inscriptions/{make_token(absent)}/attestation.pdf", status=409)
        expect(participant.page.get_by_role("alert")).to_contain_text(
            "votre arrivée n’a pas été enregistrée")
        participant.assert_healthy()
    site.assert_healthy()


def test_a_message_to_those_checked_in_reaches_exactly_them_over_smtp(day, site, mailbox):
    event, people, _ = day
    present = {people[i].email for i in PRESENT}
    site.login("cts-day")
    page = site.page
    reports: list[str] = []
    messages = f"/espace-organisateur/journees/{event.pk}/messages/"

    # Practical information (the room changed) to « Les personnes venues »: all of them.
    site.goto(messages)
    page.locator("#id_subject").fill("Changement de salle")
    page.locator("#id_body").fill("L’atelier de l’après-midi a lieu salle B.")
    page.get_by_label("Les personnes venues (pointées à l’accueil)").check(force=True)
    page.get_by_label("Information pratique sur la journée").check(force=True)
    page.get_by_role("button", name="Prévisualiser le message").click()
    expect(page.locator("#nombre-destinataires")).to_have_text(f"{len(present)} personnes")
    expect(page.locator("pre.mail-preview")).to_contain_text("salle B.")
    _scan(site, reports, "aperçu, personnes venues")
    assert not mailbox.messages  # nothing leaves before the organiser says so
    page.get_by_role("button", name=f"Envoyer à {len(present)} personnes").click()
    expect(page.get_by_text(f"envoyé à {len(present)} personne(s)")).to_be_visible()
    for address in present:
        mailbox.wait_to(address, "Changement de salle")
    received = [m for m in mailbox.messages if m.subject == "Changement de salle"]
    addresses = [r.lower() for m in received for r in m.recipients]
    assert sorted(addresses) == sorted(present)  # each once, nobody else
    assert all("salle B." in m.text for m in received)
    expect(page.get_by_text(f"{len(present)} destinataires, {len(present)} remis au serveur "
                            "de courriel")).to_be_visible()

    # The restitution is published: the day's page offers to send it to those who came.
    from concertation.events.models import Event

    Event.objects.filter(pk=event.pk).update(state=EventState.RESTITUTION_PUBLISHED)
    site.goto(f"/espace-organisateur/journees/{event.pk}/")
    page.get_by_role("link", name="Envoyer la restitution aux participants").click()
    expect(page.locator("#id_subject")).to_have_value(
        "Restitution de la journée « Santé en Eure-et-Loir »")
    expect(page.get_by_label("Les personnes venues (pointées à l’accueil)")).to_be_checked()
    expect(page.get_by_label("Information pratique sur la journée")).not_to_be_checked()
    _scan(site, reports, "message de restitution prérempli")
    page.get_by_role("button", name="Prévisualiser le message").click()
    # Not practical information: only those who came and accepted the organisers' messages.
    consenting = {people[i].email for i in PRESENT if i % 2 == 0}
    expect(page.locator("#nombre-destinataires")).to_have_text(f"{len(consenting)} personnes")
    page.get_by_role("button", name=f"Envoyer à {len(consenting)} personnes").click()
    expect(page.get_by_text(f"envoyé à {len(consenting)} personne(s)")).to_be_visible()
    for address in consenting:
        mailbox.wait_to(address, "Restitution de la journée")
    restitution = [m for m in mailbox.messages if m.subject.startswith("Restitution")]
    assert sorted(r.lower() for m in restitution for r in m.recipients) == sorted(consenting)
    link = restitution[0].link(rf"/journees/{event.slug}/")
    site.goto(link.removeprefix(site.base_url))
    assert Mailing.objects.filter(event=event, state="sent").count() == 2
    assert [m.recipients for m in Mailing.objects.filter(event=event).order_by("pk")] == [
        len(present), len(consenting)]
    assert Registration.objects.filter(event=event, checked_in_at__isnull=False).count() \
        == len(present)
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()


def test_a_scheduled_message_is_cancelled_after_its_confirmation_page(day, site, mailbox):
    event, _, _ = day
    site.login("cts-day")
    page = site.page
    reports: list[str] = []
    site.goto(f"/espace-organisateur/journees/{event.pk}/messages/")
    _scan(site, reports, "écrire aux inscrits")
    later = timezone.localtime() + dt.timedelta(days=1)
    page.locator("#id_subject").fill("Questionnaire de satisfaction")
    page.locator("#id_body").fill("Dites-nous ce que vous avez pensé de la journée.")
    page.get_by_label("À une date choisie").check(force=True)
    page.locator("#id_send_date").fill(later.strftime("%Y-%m-%d"))
    # An impossible time: refused in French, what was typed kept.
    page.locator("#id_send_time").evaluate("e => e.type = 'text'")
    page.locator("#id_send_time").fill("25:99")
    page.get_by_role("button", name="Prévisualiser le message").click()
    expect(page.get_by_text("Saisissez une heure valide.")).to_be_visible()
    expect(page.locator("#id_subject")).to_have_value("Questionnaire de satisfaction")
    # Sent back as typed (the page's time field cannot display it, the markup holds it).
    expect(page.locator("#id_send_time")).to_have_attribute("value", "25:99")
    _scan(site, reports, "écrire aux inscrits, heure impossible")
    page.locator("#id_send_time").fill(later.strftime("%H:%M"))
    page.get_by_role("button", name="Prévisualiser le message").click()
    page.get_by_role("button", name="Programmer l’envoi").click()
    expect(page.get_by_text("programmé pour le")).to_be_visible()
    mailing = Mailing.objects.get(event=event)
    assert mailing.state == "scheduled"

    page.get_by_role("button", name="Annuler l’envoi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmer : ")
    _scan(site, reports, "confirmer l’annulation d’un envoi")
    mailing.refresh_from_db()
    assert mailing.state == "scheduled"  # nothing done before the confirmation
    page.get_by_role("button", name="Annuler l’envoi", exact=True).click()
    expect(page.get_by_text("L’envoi de « Questionnaire de satisfaction » est annulé.")) \
        .to_be_visible()
    mailing.refresh_from_db()
    assert mailing.state == "cancelled"
    assert not mailbox.messages
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()
