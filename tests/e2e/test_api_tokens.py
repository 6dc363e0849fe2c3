"""The « Jetons d’API » page in Chromium: an organiser makes a token (its text shown once,
readable), sees it listed, revokes it after the confirmation step; axe finds nothing, at
1280 and at 390 pixels, and the form works from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concertation.api.models import ApiToken
from tests.e2e.helpers import axe_violations, confirm, format_violations
from tests.factories import make_territory, organiser_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(site, user) -> None:
    site.goto("/compte/connexion/")
    site.page.locator("#id_username").fill(user.username)
    site.page.locator("#id_password").fill("mot-de-passe-test")
    site.page.get_by_role("button", name="Se connecter").click()
    expect(site.page).to_have_url(site.url("/espace-organisateur/"))


def _no_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


@pytest.mark.parametrize("width", [1280, 390])
def test_make_and_revoke_a_token(site, width):
    user = organiser_of(make_territory("28"))
    site.page.set_viewport_size({"width": width, "height": 900})
    _login(site, user)
    site.goto("/espace-organisateur/api/jetons/")
    page = site.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Jetons d’API")
    _no_violations(page)

    # Empty name: a French message, nothing made.
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_text("Ce champ est obligatoire.").first).to_be_visible()
    assert not ApiToken.objects.exists()

    # From the keyboard: type the name, Enter submits.
    page.get_by_label("Nom du jeton").focus()
    page.keyboard.type("Logiciel d’accueil")
    page.keyboard.press("Enter")
    shown = page.get_by_label("Votre nouveau jeton")
    expect(shown).to_be_visible()
    raw = shown.input_value()
    assert raw.startswith("cct_")
    assert ApiToken.objects.get().name == "Logiciel d’accueil"
    _no_violations(page)
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

    site.goto("/espace-organisateur/api/jetons/")
    expect(page.get_by_text(raw)).to_have_count(0)
    page.get_by_role("button", name="Révoquer le jeton Logiciel d’accueil").click()
    confirm(page, "Révoquer le jeton")
    expect(page.get_by_text("Jeton « Logiciel d’accueil » révoqué.")).to_be_visible()
    expect(page.get_by_text("Révoqué le").first).to_be_visible()
    _no_violations(page)
    site.assert_healthy()
