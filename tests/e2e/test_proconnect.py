"""ProConnect in a real browser: the login page's button, the provider's pages, back to the
organisers' space, then the header's logout through the provider and home. Chromium checks
the site's Content Security Policy on the way (form-action covers the redirects to the
provider). The provider is the one of tests/oidc (a real OpenID provider on loopback)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.utils.csp import CSP
from playwright.sync_api import expect

from tests.factories import make_territory, organiser_of
from tests.oidc.conftest import oidc_provider  # noqa: F401 (the fixture, shared)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EMAIL = "dominique.agent@ars.sante.fr"


@pytest.fixture
def proconnect_site(settings, live_server, oidc_provider):  # noqa: F811
    client_id, client_secret = oidc_provider.register_client(live_server.url)
    settings.PROCONNECT_CLIENT_ID = client_id
    settings.PROCONNECT_CLIENT_SECRET = client_secret
    settings.PROCONNECT_DISCOVERY_URL = oidc_provider.discovery_url
    settings.PROCONNECT_ACR = ["eidas1"]
    # What settings.py adds when PROCONNECT_DISCOVERY_URL is set at start-up
    # (tests/oidc/test_settings.py checks it there).
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(oidc_provider.issuer))
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, origin]}
    return oidc_provider


def test_organiser_signs_in_and_out_through_proconnect_in_chromium(proconnect_site, site):
    organiser = organiser_of(make_territory())
    organiser.email = EMAIL
    organiser.save(update_fields=["email"])
    # Nothing past this machine: the site and the provider are both on loopback.
    site.context.route(re.compile(r"^(?!http://(localhost|127\.0\.0\.1)[:/])"),
                       lambda route: route.abort())

    site.goto("/compte/connexion/")
    site.page.get_by_role("button", name="S’identifier avec ProConnect").click()
    expect(site.page).to_have_url(re.compile(re.escape(proconnect_site.issuer) + "/interaction/"))
    site.page.get_by_label("Adresse électronique").fill(EMAIL)
    site.page.get_by_role("button", name="S’authentifier chez le fournisseur").click()

    expect(site.page).to_have_url(site.url("/espace-organisateur/"))
    expect(site.page.get_by_text("Vous êtes connecté(e) avec ProConnect.")).to_be_visible()

    site.page.get_by_role("button", name="Se déconnecter").click()
    expect(site.page).to_have_url(re.compile(re.escape(proconnect_site.issuer) + "/session/end"))
    site.page.get_by_role("button", name="Se déconnecter du fournisseur").click()
    expect(site.page).to_have_url(re.compile(re.escape(site.url("/")) + r"\?state="))

    site.goto("/espace-organisateur/")
    expect(site.page).to_have_url(re.compile(re.escape(site.url("/compte/connexion/"))))
    assert not site.watch.csp_violations, site.watch.csp_violations
    site.assert_healthy()
