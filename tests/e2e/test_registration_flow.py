"""A participant registers, gets the e-mail through a real SMTP server on the loopback, manages
the registration behind the signed link; a cancelled seat goes to the waiting list; at the
door the organiser checks someone in and prints the attendance sheet."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from concertation.events.models import Event
from concertation.registrations import services
from concertation.registrations.models import Registration, RegistrationStatus
from tests.e2e.helpers import confirm
from tests.smtp import Mailbox, smtp_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "cnr-sante-eure-et-loir-4"
FIRST_WORKSHOP = "Violence des professionnels envers les usagers"
SECOND_WORKSHOP = "Violence des usagers envers les professionnels"


@pytest.fixture
def mailbox(settings, live_server) -> Iterator[Mailbox]:
    """Django sends its mail over SMTP to a server listening on 127.0.0.1 for the test; links
    in the mail point at the live server."""
    with smtp_server() as (port, box):
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }
        settings.SITE_URL = live_server.url
        yield box


def _choose(page: Page, label: str) -> None:
    """Ticks the DSFR radio button whose label starts with `label`: its label covers it, so
    the label is what a person clicks."""
    page.locator("label.fr-label").filter(has_text=re.compile("^" + re.escape(label))).click()
    expect(page.get_by_label(re.compile("^" + re.escape(label)))).to_be_checked()


def _register(page: Page, *, first: str, last: str, email: str, workshop: str) -> None:
    page.goto(f"/journees/{DAY}/inscription/")
    page.locator("#id_first_name").fill(first)
    page.locator("#id_last_name").fill(last)
    page.locator("#id_email").fill(email)
    _choose(page, "Usager ou représentant des usagers")
    _choose(page, workshop)
    _choose(page, "J’accepte que mes données soient traitées")
    page.get_by_role("button", name="Je m’inscris").click()
    # The same page whether the address was new or already registered: the mail tells.
    expect(page).to_have_url(re.compile(rf"/journees/{DAY}/inscription/envoyee/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")


def test_register_by_mail_link_change_workshop_cancel_and_the_waiting_list_moves_up(
    demo, mailbox, open_site
):
    # 23 demo participants: one seat left for the day.
    Event.objects.filter(slug=DAY).update(capacity=24)

    alice = open_site()
    page = alice.page
    _register(
        page,
        first="Alice",
        last="Garnier",
        email="alice.garnier@example.org",
        workshop=FIRST_WORKSHOP,
    )
    confirmation = mailbox.wait_to("alice.garnier@example.org", "Inscription confirmée")
    assert "4e CNR Santé d’Eure-et-Loir" in confirmation.subject
    code = Registration.objects.get(email="alice.garnier@example.org").code
    assert f"Votre code d’inscription : {code}" in confirmation.text
    attachments = {
        part.get_filename(): part.get_content_type()
        for part in confirmation.message.iter_attachments()
    }
    assert attachments == {f"{DAY}.ics": "text/calendar", f"inscription-{code}.png": "image/png"}

    # Bob finds the day full: waiting list.
    bob = open_site()
    _register(
        bob.page,
        first="Bob",
        last="Lemaire",
        email="bob.lemaire@example.org",
        workshop=FIRST_WORKSHOP,
    )
    waiting = mailbox.wait_to("bob.lemaire@example.org", "Liste d’attente")
    assert "vous êtes inscrit(e) sur la liste d’attente" in waiting.text
    bob.page.goto(waiting.link(r"/inscriptions/[^/]+/$"))
    expect(bob.page.locator("#statut")).to_have_text("En liste d’attente")

    # Alice opens the link of her e-mail in a fresh browser, as from her mail client.
    link = confirmation.link(r"/inscriptions/[^/]+/$")
    assert link.startswith(alice.base_url)
    alice_mail_client = open_site()
    page = alice_mail_client.page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon inscription")
    expect(page.locator("#statut")).to_have_text("Confirmée")
    expect(page.get_by_text(f"Atelier : {FIRST_WORKSHOP}", exact=True)).to_be_visible()

    _choose(page, SECOND_WORKSHOP)
    page.get_by_role("button", name="Enregistrer mon choix").click()
    expect(page.get_by_role("status")).to_contain_text("Votre choix d’atelier est enregistré.")
    expect(page.get_by_text(f"Atelier : {SECOND_WORKSHOP}", exact=True)).to_be_visible()
    changed = mailbox.wait_to("alice.garnier@example.org", "Inscription modifiée")
    assert f"Atelier : {SECOND_WORKSHOP}" in changed.text

    page.get_by_role("button", name="Annuler mon inscription").click()
    confirm(page, "Oui, annuler mon inscription")
    expect(page.get_by_role("status")).to_contain_text("Votre inscription est annulée")
    expect(page.locator("#statut")).to_have_text("Annulée")
    expect(page.get_by_role("button", name="Annuler mon inscription")).to_have_count(0)
    mailbox.wait_to("alice.garnier@example.org", "Inscription annulée")

    # Her seat went to Bob, who hears of it by e-mail and sees it behind his own link.
    promoted = mailbox.wait_to("bob.lemaire@example.org", "Une place s’est libérée")
    assert "votre inscription à « 4e CNR Santé" in promoted.text
    bob.page.goto(promoted.link(r"/inscriptions/[^/]+/$"))
    expect(bob.page.locator("#statut")).to_have_text("Confirmée")
    expect(bob.page.locator(".registration-code")).to_have_text(
        Registration.objects.get(email="bob.lemaire@example.org").code
    )

    statuses = dict(
        Registration.objects.filter(email__endswith="@example.org").values_list("email", "status")
    )
    assert statuses == {
        "alice.garnier@example.org": RegistrationStatus.CANCELLED,
        "bob.lemaire@example.org": RegistrationStatus.CONFIRMED,
    }
    # Each e-mail was sent once, and the server got exactly those.
    assert sorted(m.subject.split(" :")[0] for m in mailbox.messages) == sorted(
        [
            "Inscription confirmée",
            "Liste d’attente",
            "Inscription modifiée",
            "Inscription annulée",
            "Une place s’est libérée",
        ]
    )
    for site in (alice, bob, alice_mail_client):
        site.assert_healthy()


def test_organiser_checks_in_prints_the_attendance_sheet_and_exports(demo, open_site):
    event = Event.objects.get(slug=DAY)
    outcome = services.register(
        event=event,
        applicant=services.Applicant(
            first_name="Zoé",
            last_name="Bérard",
            email="zoe.berard@example.org",
            college=event.campaign.college_choices[0][0],
            organisation="Maison de santé de Dreux",
            consent_processing=True,
        ),
        workshops=[event.workshops.get(title=FIRST_WORKSHOP)],
    )
    code = outcome.registration.code

    organiser = open_site()
    page = organiser.page
    organiser.login("cts28")
    organiser.goto(f"/espace-organisateur/journees/{event.pk}/")
    page.get_by_role("link", name="Inscriptions et émargement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscriptions")
    expect(page.get_by_role("row").filter(has_text="BÉRARD Zoé")).to_contain_text(code)

    page.get_by_role("link", name="Accueil et pointage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accueil et pointage")
    counter = page.locator("#compteur-presents")
    # « 0 présent » in French; Django's pluralize wrote « 0 présents ».
    expect(counter).to_have_text(re.compile(r"^\s*0 présents? sur 24 inscrits\s*$"))
    page.get_by_label("Code d’inscription").fill(code.lower())
    page.get_by_role("button", name="Pointer l’arrivée").click()
    expect(page.get_by_role("status")).to_contain_text("Zoé Bérard : arrivée enregistrée.")
    expect(counter).to_have_text("1 présent sur 24 inscrits")
    expect(page.get_by_role("listitem").filter(has_text="BÉRARD Zoé")).to_contain_text(
        "Présent(e) depuis"
    )
    assert Registration.objects.get(code=code).checked_in_at is not None

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Feuille d’émargement (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"emargement-{DAY}.pdf"
    pdf = PdfReader(download.path())
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Feuille d’émargement" in text
    assert event.title in " ".join(text.split())
    assert "BÉRARD" in text and code in text
    assert "24 personnes inscrites" in text

    page.get_by_role("link", name="Inscriptions", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename == f"inscriptions-{DAY}.xlsx"
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True)["Inscriptions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Code", "Statut", "Prénom", "Nom")
    assert len(rows) == 1 + 24
    (zoe,) = [row for row in rows if row[0] == code]
    assert zoe[1:5] == ("Confirmée", "Zoé", "Bérard", "zoe.berard@example.org")
    assert zoe[12] not in (None, "")  # arrival time
    organiser.assert_healthy()
