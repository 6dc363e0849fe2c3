"""The « Webhooks » pages in Chromium: an organiser adds a receiving endpoint (bad input gets
French messages and keeps what was typed; the secret is shown once), reads its delivery log,
removes it after the confirmation step; axe finds nothing at 1280 and 390 pixels."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concertation.api.models import WebhookDelivery, WebhookEndpoint
from tests.e2e.helpers import axe_violations, confirm, format_violations
from tests.factories import make_territory, organiser_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _no_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


@pytest.mark.parametrize("width", [1280, 390])
def test_add_read_and_remove_an_endpoint(site, width):
    user = organiser_of(make_territory("28"))
    page = site.page
    page.set_viewport_size({"width": width, "height": 900})
    site.goto("/compte/connexion/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(site.url("/espace-organisateur/"))
    site.goto("/espace-organisateur/api/jetons/")
    page.get_by_role("link", name="webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    _no_violations(page)

    page.get_by_label("Adresse de réception").fill("pas une adresse")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("Saisissez une URL valide.").first).to_be_visible()
    expect(page.get_by_label("Adresse de réception")).to_have_value("pas une adresse")
    _no_violations(page)

    page.get_by_label("Adresse de réception").fill("https://outil.example.org/hooks")
    page.get_by_label("Inscription créée").check()
    page.get_by_label("Restitution publiée").check()
    page.get_by_role("button", name="Ajouter").click()
    secret = page.get_by_label("Secret du point de réception")
    expect(secret).to_be_visible()
    endpoint = WebhookEndpoint.objects.get()
    assert secret.input_value() == endpoint.secret
    assert endpoint.events == ["registration.created", "restitution.published"]
    _no_violations(page)
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

    WebhookDelivery.objects.create(endpoint=endpoint, event="registration.created",
                                   attempts=1, last_status=503, last_error="Réponse HTTP 503")
    page.get_by_role("link", name="Journal des envois vers https://outil.example.org/hooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal des envois")
    expect(page.get_by_text("Réponse HTTP 503")).to_be_visible()
    _no_violations(page)

    page.get_by_role("link", name="Webhooks").last.click()
    page.get_by_role("button", name="Supprimer le point de réception").click()
    confirm(page, "Supprimer le point de réception")
    expect(page.get_by_text("Point de réception supprimé.")).to_be_visible()
    endpoint.refresh_from_db()
    assert not endpoint.active
    site.assert_healthy()
