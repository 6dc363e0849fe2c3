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
