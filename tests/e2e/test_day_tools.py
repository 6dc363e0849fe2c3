"""The organiser's tools for running a day (issue 18) in Chromium: badges, certificates of
attendance, the day's settings. Each page passes axe at zero, at 390 px too, and a form sent
with a bad choice comes back with a French message and what was chosen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from concertation.events.models import Event
from tests.e2e.helpers import axe_violations, format_violations

pytestmark = [pytest.mark.e2e,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _scan(site, reports: list[str], what: str) -> None:
    expect(site.page.locator("html")).to_have_attribute("data-fr-js", "true")
    if violations := axe_violations(site.page):
        reports.append(format_violations(what, violations))


def _scan_both(site, reports: list[str], what: str) -> None:
    """At 1280 px, then at 390 px (a phone), then back."""
    _scan(site, reports, what)
    site.page.set_viewport_size({"width": 390, "height": 844})
    _scan(site, reports, f"{what} à 390 px")
    site.page.set_viewport_size({"width": 1280, "height": 900})


def test_badges_page_refuses_a_missing_workshop_then_downloads_the_sheet(demo, site):
    site.login("cts28")
    event = Event.objects.get(slug="cnr-sante-eure-et-loir-4")
    path = f"/espace-organisateur/journees/{event.pk}/badges/"
    reports: list[str] = []
    page = site.page
    site.goto(path)
    _scan(site, reports, path)
    page.set_viewport_size({"width": 390, "height": 800})
    _scan(site, reports, f"{path} à 390 px")
    # By keyboard: the format, then « Les inscrits d’un atelier » without choosing one.
    page.get_by_label("Planche A4 de 8 étiquettes").check(force=True)
    page.get_by_role("radio", name="Les inscrits d’un atelier").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Télécharger les badges (PDF)").click()
    expect(page.get_by_text("Choisissez l’atelier dont vous imprimez les badges.")).to_be_visible()
    expect(page.get_by_label("Planche A4 de 8 étiquettes")).to_be_checked()
    expect(page.get_by_role("radio", name="Les inscrits d’un atelier")).to_be_checked()
    _scan(site, reports, f"{path} en erreur")
    page.get_by_label("Toutes les personnes inscrites").check(force=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger les badges (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()


def test_settings_certificates_and_needs_pages(demo, site):
    from django.conf import settings
    from django.utils import timezone

    from concertation.registrations.models import Registration
    from concertation.registrations.tokens import make_token, optout_url

    site.login("cts28")
    event = Event.objects.get(slug="cnr-sante-eure-et-loir-4")
    base = f"/espace-organisateur/journees/{event.pk}/"
    people = list(Registration.objects.filter(event=event, status="confirmed")[:2])
    came, absent = people
    Registration.objects.filter(pk=came.pk).update(
        checked_in_at=timezone.now(), accessibility_needs="Boucle magnétique")
    Registration.objects.filter(pk=absent.pk).update(checked_in_at=None)
    reports: list[str] = []
    page = site.page

    # Settings: a bad schedule comes back in French with what was typed.
    site.goto(f"{base}reglages/")
    _scan_both(site, reports, "réglages")
    page.get_by_label("Rappels par courriel").fill("7, la veille")
    page.get_by_label("Autres informations d’accessibilité").fill("Rampe côté parking")
    page.get_by_label("Nom du signataire des attestations").fill("Claire Martin")
    page.get_by_label("Fonction du signataire").fill("Présidente du CTS")
    page.get_by_role("button", name="Enregistrer les réglages").click()
    expect(page.get_by_text("Indiquez des nombres entiers de jours")).to_be_visible()
    expect(page.get_by_label("Autres informations d’accessibilité")).to_have_value(
        "Rampe côté parking")
    _scan_both(site, reports, "réglages en erreur")
    page.get_by_label("Rappels par courriel").fill("7, 1")
    page.locator("label[for=id_step_free_access_0]").click()
    page.get_by_role("button", name="Enregistrer les réglages").click()
    expect(page.get_by_text("Les réglages de la journée sont enregistrés.")).to_be_visible()

    # The day's page and its form show the declaration.
    for path in (f"/journees/{event.slug}/", f"/journees/{event.slug}/inscription/"):
        site.goto(path)
        expect(page.get_by_text("Accès de plain-pied ou par ascenseur : oui")).to_be_visible()
        _scan(site, reports, path)

    site.goto(f"{base}besoins-accessibilite/")
    expect(page.get_by_role("cell", name="Boucle magnétique")).to_be_visible()
    _scan_both(site, reports, "besoins d’accessibilité")
    site.goto(f"{base}attestations/")
    expect(page.get_by_text("Signataire : Claire Martin, Présidente du CTS")).to_be_visible()
    _scan(site, reports, "attestations")
    page.set_viewport_size({"width": 390, "height": 800})
    _scan(site, reports, "attestations à 390 px")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger les attestations").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # The participant's own: refused to who did not come, a PDF for who came.
    site.goto(f"/inscriptions/{make_token(absent)}/attestation.pdf", status=409)
    expect(page.get_by_role("alert")).to_contain_text("votre arrivée n’a pas été enregistrée")
    _scan_both(site, reports, "attestation refusée")
    # The signed opt-out link of an organiser's message, then its button.
    Registration.objects.filter(pk=came.pk).update(consent_mailings=True)
    site.goto(optout_url(came).removeprefix(settings.SITE_URL))
    _scan_both(site, reports, "ne plus recevoir")
    page.get_by_role("button", name="Ne plus recevoir les messages des organisateurs").click()
    expect(page.get_by_role("status")).to_contain_text("C’est fait")
    _scan_both(site, reports, "ne plus recevoir, fait")
    site.goto(f"/inscriptions/{make_token(came)}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mon attestation de présence (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and _ink(pdf) > 0.005
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()


def _ink(pdf: bytes) -> float:
    """Share of the first page's pixels that are not white paper, rendered at 50 dpi."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=50 / 72).to_pil().convert("L")
    finally:
        document.close()
    return sum(image.histogram()[:200]) / (image.width * image.height)


def test_messages_page_its_errors_and_its_preview_have_no_violation(demo, site):
    site.login("cts28")
    event = Event.objects.get(slug="cnr-sante-eure-et-loir-4")
    path = f"/espace-organisateur/journees/{event.pk}/messages/"
    reports: list[str] = []
    page = site.page
    site.goto(path)
    _scan(site, reports, path)
    page.locator("#id_subject").fill("Changement de salle")
    page.get_by_role("button", name="Prévisualiser le message").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#id_subject")).to_have_value("Changement de salle")
    _scan(site, reports, "messages en erreur")
    page.locator("#id_body").fill("La plénière aura lieu salle B.")
    page.get_by_label("Information pratique sur la journée").check(force=True)
    page.get_by_role("button", name="Prévisualiser le message").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérifier le message")
    _scan(site, reports, "aperçu du message")
    page.set_viewport_size({"width": 390, "height": 800})
    _scan(site, reports, "aperçu du message à 390 px")
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()
