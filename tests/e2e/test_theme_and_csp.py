"""The neutral theme drops the State's brand and font; no page breaks its own Content
Security Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import axe_violations, format_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BRAND = "République française"


def _rendered_text(locator) -> str:
    # The text as displayed: the brand block breaks its line with <br> and is set in capitals.
    return " ".join(locator.inner_text().split()).casefold()


def _load_with_fonts(site, path: str) -> None:
    site.goto(path)
    # Font files are fetched once the text that uses them is laid out.
    site.page.evaluate("document.fonts.ready.then(() => true)")


def test_neutral_theme_drops_the_state_brand_and_the_marianne_font(demo, open_site, settings):
    # The default theme: the State's brand block, and the Marianne font it is set in.
    state = open_site()
    _load_with_fonts(state, "/")
    for logo in (
        state.page.locator(".fr-header__logo .fr-logo"),
        state.page.locator("footer .fr-logo"),
    ):
        expect(logo).to_be_visible()
        assert _rendered_text(logo) == BRAND.casefold()
    # The check of the neutral theme below relies on this request being seen.
    assert any("Marianne" in url for url in state.watch.requests), state.watch.requests
    state.assert_healthy()

    # The context processor reads the setting on each request. A new browser: an empty cache.
    settings.THEME = "neutral"
    neutral = open_site()
    for path in ["/", "/agenda/", "/journees/cnr-sante-eure-et-loir-4/"]:
        _load_with_fonts(neutral, path)
        expect(neutral.page.locator("html")).to_have_class("theme-neutral")
        expect(neutral.page.locator(".fr-header__logo")).to_have_count(0)
        expect(neutral.page.locator(".fr-logo")).to_have_count(0)
        assert "république" not in _rendered_text(neutral.page.locator("body"))
        expect(neutral.page.locator(".fr-header__service-title")).to_be_visible()
    marianne = [url for url in neutral.watch.requests if "Marianne" in url]
    assert not marianne, marianne
    # Its own colours keep the contrasts of WCAG 2.1 AA.
    violations = axe_violations(neutral.page)
    assert not violations, format_violations("thème neutre", violations)
    neutral.assert_healthy()


def test_public_pages_break_no_content_security_policy(demo, site):
    page = site.page
    for path in [
        "/",
        "/agenda/",
        "/journees/cnr-sante-eure-et-loir-2024-12-12/",
        "/journees/cnr-sante-eure-et-loir-4/",
        "/journees/cnr-sante-eure-et-loir-4/inscription/",
        "/accessibilite/",
        "/mentions-legales/",
        "/donnees-personnelles/inscriptions/",
        "/compte/connexion/",
    ]:
        site.goto(path)
        expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    site.goto("/page-inconnue/", status=404)
    # htmx at work: the filters swap the results in.
    site.goto("/agenda/")
    page.get_by_label("Région").select_option(label="Centre-Val de Loire")
    expect(page.locator("#nombre-resultats")).to_have_text("4 journées")
    # The mobile menu and the breadcrumb, opened by the design system's script.
    page.set_viewport_size({"width": 375, "height": 800})
    site.goto("/journees/cnr-sante-eure-et-loir-4/")
    page.get_by_role("button", name="Voir le fil d’Ariane").click()
    expect(page.get_by_role("link", name="Agenda", exact=True)).to_be_visible()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()

    assert not site.watch.csp_violations, "\n".join(site.watch.csp_violations)
    site.assert_healthy()
