"""The dashboards in Chromium: the map of France drawn inside its frame, filters that work with
the keyboard, a phone-sized window, the national secretariat's version; axe finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concertation.accounts.models import OrganiserMembership, Role
from tests.e2e.helpers import axe_violations, format_violations
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e
live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def map_inside_its_frame(page) -> None:
    svg = page.locator("svg.dashboard-map__svg")
    frame = svg.bounding_box()
    assert frame and frame["width"] > 200
    shapes = svg.locator("path[data-code]")
    expect(shapes).to_have_count(96)
    for code in ("29", "2B", "67", "28"):
        box = svg.locator(f'path[data-code="{code}"]').bounding_box()
        assert box and box["width"] > 2, code
        right, bottom = frame["x"] + frame["width"], frame["y"] + frame["height"]
        assert frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= right + 1
        assert frame["y"] - 1 <= box["y"] and box["y"] + box["height"] <= bottom + 1


@live_db
@pytest.mark.parametrize("width", [1280, 390])
def test_public_dashboard(demo, site, width):
    site.page.set_viewport_size({"width": width, "height": 900})
    site.goto("/tableau-de-bord/")
    expect(site.page.locator("html")).to_have_attribute("data-fr-js", "true")
    map_inside_its_frame(site.page)
    # Auvergne-Rhône-Alpes held the demo's twelve days: its departments are coloured.
    fill = site.page.locator('path[data-code="69"]').get_attribute("fill")
    assert fill and fill.startswith("#")
    # Keyboard only: choose the measure and the scale, then submit.
    site.page.get_by_label("Mesure cartographiée").focus()
    site.page.keyboard.press("ArrowDown")  # participants
    site.page.get_by_label("Échelle de la carte").select_option("departement")
    site.page.get_by_role("button", name="Afficher").focus()
    site.page.keyboard.press("Enter")
    title = "Carte de France : participants présents par département"
    expect(site.page.get_by_role("heading", name=title)).to_be_visible()
    map_inside_its_frame(site.page)
    if violations := axe_violations(site.page):
        pytest.fail(format_violations("/tableau-de-bord/", violations))
    site.assert_healthy()


@live_db
def test_national_dashboard(demo, site):
    national_user = UserFactory()
    OrganiserMembership.objects.create(user=national_user, role=Role.NATIONAL)
    site.goto("/compte/connexion/")
    site.page.locator("#id_username").fill(national_user.username)
    site.page.locator("#id_password").fill("mot-de-passe-test")
    site.page.get_by_role("button", name="Se connecter").click()
    expect(site.page).to_have_url(site.url("/espace-national/"))
    site.page.get_by_role("link", name="Tableau de bord national").click()
    heading = site.page.get_by_role("heading", name="Tableau de bord national", exact=True)
    expect(heading).to_be_visible()
    work = site.page.get_by_role("heading", name="Travail en cours dans les régions")
    expect(work).to_be_visible()
    map_inside_its_frame(site.page)
    if violations := axe_violations(site.page):
        pytest.fail(format_violations("/espace-organisateur/tableau-de-bord/", violations))
    site.assert_healthy()
