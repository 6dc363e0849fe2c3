"""The end of the chain in Chromium: the ARS transmits its validated regional synthesis, the
national secretariat finds it in its inbox beside another region's, acknowledges receipt
(after the confirmation step), asks a question, records that a proposal is not retained with
its reason; the ARS answers from its synthesis page; the ministry reads both regions in the
national consolidation, filters it and downloads the national report (PDF, XLSX), then opens
the national dashboard with its map; the list of syntheses and the public page of the synthesis
show the documents and the follow-up. axe-core finds no WCAG 2.1 A/AA violation on any of these
pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from concertation.accounts.models import OrganiserMembership, Role
from tests.e2e.helpers import axe_violations, confirm, format_violations
from tests.factories import UserFactory, agency_organiser
from tests.national.test_consolidation import _second_region
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
    _second_region(data)  # Centre-Val de Loire's edition, transmitted before
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
    expect(page.get_by_text("À accuser")).to_have_count(2)  # both regions' editions
    expect(page.get_by_role("row").filter(has_text="Centre-Val de Loire")).to_be_visible()
    _no_violations(ministry)
    page.get_by_role("link", name=synthesis.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(synthesis.title)
    _no_violations(ministry)

    page.get_by_role("button", name="Accuser réception").click()
    confirm(page, "Oui, accuser réception")
    # The badge (the history below names the acknowledgment too).
    expect(page.locator(".fr-badge", has_text="Réception accusée")).to_be_visible()
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

    # The national consolidation: both regions side by side, by theme.
    ministry.goto("/espace-national/")
    page.get_by_role("link", name="Consolidation nationale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consolidation nationale des propositions")
    expect(page.get_by_text("5 propositions validées")).to_be_visible()
    cards = page.locator(".fr-card")
    expect(cards.filter(has_text="Centre-Val de Loire").first).to_be_visible()
    expect(cards.filter(has_text="Auvergne-Rhône-Alpes").first).to_be_visible()
    _no_violations(ministry)
    page.get_by_label("Suite donnée").select_option("not_retained")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("1 proposition validée")).to_be_visible()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Relève des négociations conventionnelles.")
    expect(cards.first).to_contain_text(proposal.title)
    _no_violations(ministry)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Rapport national (PDF)").click()
    assert pdf.value.suggested_filename == "rapport-national.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Rapport national (tableur XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx.value.path()).read_bytes()))["Propositions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == proposal.title  # what the filters kept
    assert rows[1][9] == "Non retenue"

    # The national dashboard and its map of France.
    ministry.goto("/espace-organisateur/tableau-de-bord/")
    expect(page.locator("svg").first).to_be_visible()
    _no_violations(ministry)

    visitor = open_site()
    visitor.goto("/syntheses/")
    expect(visitor.page.get_by_role("link", name=synthesis.title)).to_be_visible()
    _no_violations(visitor)
    visitor.goto(f"/syntheses/{synthesis.slug}/")
    expect(visitor.page.get_by_role("heading", name="Suites données par le ministère")
           ).to_be_visible()
    expect(visitor.page.get_by_text("Relève des négociations conventionnelles.")).to_be_visible()
    _no_violations(visitor)
    for site in (region, ministry, visitor):
        site.assert_healthy()
