"""A visitor browses the agenda, filters it, opens a day and adds it to their calendar."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THIRD_DAY = "3e CNR Santé d’Eure-et-Loir : les violences dans le système de santé"
PUBLIC_DAYS = 17  # the demo's 18 days, less the Eure-et-Loir draft
CENTRE_VAL_DE_LOIRE_DAYS = 4  # the Eure-et-Loir days, less the draft


def test_filter_by_region_with_htmx_open_a_day_and_download_its_ics(demo, site):
    page = site.page
    site.goto("/agenda/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda des journées de concertation")
    results = page.locator("#resultats")
    expect(results.locator("#nombre-resultats")).to_have_text(f"{PUBLIC_DAYS} journées")
    # The page must not reload: htmx swaps the results in place and pushes the URL.
    page.evaluate("window.sansRechargement = true")

    with page.expect_response(
        lambda r: "region=24" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.get_by_label("Région").select_option(label="Centre-Val de Loire")
    expect(results.locator("#nombre-resultats")).to_have_text(
        f"{CENTRE_VAL_DE_LOIRE_DAYS} journées"
    )
    expect(page).to_have_url(re.compile(r"/agenda/\?.*region=24"))
    assert page.evaluate("window.sansRechargement") is True
    expect(results.get_by_role("heading", name="Auvergne")).to_have_count(0)
    expect(
        results.get_by_role("link", name=re.compile("journée de concertation Isère"))
    ).to_have_count(0)

    results.get_by_role("link", name=THIRD_DAY).click()
    expect(page).to_have_url(site.url("/journees/cnr-sante-eure-et-loir-2024-12-12/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(THIRD_DAY)
    expect(page.get_by_text("5bis avenue Marcel Proust")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ajouter à mon agenda").click()
    download = download_info.value
    assert download.suggested_filename == "cnr-sante-eure-et-loir-2024-12-12.ics"
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == THIRD_DAY
    start = event.decoded("DTSTART")
    assert start == dt.datetime(2024, 12, 12, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert start.utcoffset() == dt.timedelta(hours=1)  # winter time in Paris
    assert event.decoded("DTEND") == dt.datetime(
        2024, 12, 12, 13, 0, tzinfo=ZoneInfo("Europe/Paris")
    )
    assert "5bis avenue Marcel Proust" in str(event["LOCATION"])
    assert "28000 Chartres" in str(event["LOCATION"])
    site.assert_healthy()


def test_filters_work_without_javascript(demo, open_site):
    site = open_site(javascript=False)
    page = site.page
    site.goto("/agenda/")
    page.get_by_label("Région").select_option(label="Auvergne-Rhône-Alpes")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"/agenda/\?region=84"))
    # 12 departmental days and the regional restitution.
    expect(page.locator("#nombre-resultats")).to_have_text("13 journées")
    expect(page.get_by_label("Région")).to_have_value("84")
    expect(page.get_by_role("link", name=re.compile("Eure-et-Loir"))).to_have_count(0)

    page.get_by_role("link", name="Réinitialiser").click()
    expect(page.locator("#nombre-resultats")).to_have_text(f"{PUBLIC_DAYS} journées")
    site.assert_healthy()
