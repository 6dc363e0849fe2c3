"""The end of the chain in Chromium: the ARS transmits its validated regional synthesis, the
national secretariat finds it in its inbox, acknowledges receipt (after the confirmation
step), asks a question, records that a proposal is not retained with its reason; the ARS
answers from its synthesis page; the public page of the synthesis shows the follow-up. axe-core
finds no WCAG 2.1 A/AA violation on the new pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concertation.accounts.models import OrganiserMembership, Role
from tests.e2e.helpers import axe_violations, confirm, format_violations
from tests.factories import UserFactory, agency_organiser
from tests.synthesis.package_data import validated_synthesis

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _login(site, user, landing: str) -> None:
    site.goto("/compte/connexion/")
    site.page.locator("#id_username").fill(user.username)
    site.page.locator("#id_password").fill("mot-de-passe-test")
    site.page.get_by_role("button", name="Se connecter").click()
    expect(site.page).to_have_url(site.url(landing))


def _no_violations(site) -> None:
    violations = axe_violations(site.page)
    assert not violations, format_violations(site.page.url, violations)


def test_transmission_inbox_acknowledgment_thread_and_follow_up(live_server, open_site):
    data = validated_synthesis(public=True)
    synthesis = data["synthesis"]
    proposal = (synthesis.groups.filter(decision__outcome__in=["adopted", "amended"])
                .order_by("position", "id").first())
    national_user = UserFactory()
    OrganiserMembership.objects.create(user=national_user, role=Role.NATIONAL)

    region = open_site()
    _login(region, agency_organiser("84"), "/espace-organisateur/")
    workspace = f"/espace-organisateur/syntheses/{synthesis.pk}/"
    region.goto(workspace)
    region.page.get_by_role("button", name="Marquer comme transmise au ministère").click()
    confirm(region.page, "Oui, transmettre et figer cette version")
    expect(region.page.get_by_role("heading", name="Réception par le ministère")).to_be_visible()

    ministry = open_site()
    _login(ministry, national_user, "/espace-national/")
    page = ministry.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Transmissions reçues des régions")
    expect(page.get_by_text("À accuser")).to_be_visible()
    _no_violations(ministry)
    page.get_by_role("link", name=synthesis.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(synthesis.title)
    _no_violations(ministry)

    page.get_by_role("button", name="Accuser réception").click()
    confirm(page, "Oui, accuser réception")
    expect(page.get_by_text("Réception accusée", exact=True)).to_be_visible()
    page.get_by_label("Question à la région").fill("Combien de participants pour la 1re ?")
    page.get_by_role("button", name="Envoyer la question").click()
    expect(page.get_by_text("Combien de participants pour la 1re ?")).to_be_visible()
    page.locator(f"label[for=suite-{proposal.pk}-not_retained]").click()
    page.locator(f"#motif-{proposal.pk}").fill("Relève des négociations conventionnelles.")
    page.locator(f"#suite-{proposal.pk}").get_by_role(
        "button", name="Enregistrer la suite donnée").click()
    expect(page.get_by_text("Suite donnée enregistrée.")).to_be_visible()
    _no_violations(ministry)

    region.goto(workspace)
    expect(region.page.get_by_text("Combien de participants pour la 1re ?")).to_be_visible()
    region.page.get_by_label("Votre réponse").fill("Quarante-deux personnes présentes.")
    region.page.get_by_role("button", name="Répondre au secrétariat national").click()
    expect(region.page.get_by_text("Réponse envoyée au secrétariat national.")).to_be_visible()
    _no_violations(region)

    ministry.goto(page.url.split("#")[0])
    expect(page.get_by_text("Quarante-deux personnes présentes.")).to_be_visible()

    visitor = open_site()
    visitor.goto(f"/syntheses/{synthesis.slug}/")
    expect(visitor.page.get_by_role("heading", name="Suites données par le ministère")
           ).to_be_visible()
    expect(visitor.page.get_by_text("Relève des négociations conventionnelles.")).to_be_visible()
    _no_violations(visitor)
    for site in (region, ministry, visitor):
        site.assert_healthy()
