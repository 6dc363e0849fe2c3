"""The ARS organiser prepares the transmission package of a validated regional synthesis and
downloads it in Chromium: the PDF is rendered to images (pypdfium2), its pages are not blank
and its text has the expected headings; the workbook re-opens. The public then finds the
synthesis from the menu, with its charts and documents, and the participation chart of a day
whose restitution is published. axe-core finds no WCAG 2.1 A/AA violation on these pages."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import axe_violations, format_violations
from tests.factories import agency_organiser
from tests.synthesis.package_data import assert_lines_in_order, validated_synthesis

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEADINGS = ["Contexte et méthode", "Participation", "Par territoire de santé", "Par collège",
            "Propositions validées par thème national", "Accès aux soins",
            "1. Un médecin traitant pour chacun", "Prévention",
            "Annexe : journées de concertation"]


def _login(site, user) -> None:
    site.goto("/compte/connexion/")
    site.page.locator("#id_username").fill(user.username)
    site.page.locator("#id_password").fill("mot-de-passe-test")
    site.page.get_by_role("button", name="Se connecter").click()
    expect(site.page).to_have_url(site.url("/espace-organisateur/"))


def _non_blank_pages(pdf: bytes) -> list[float]:
    """Share of non-white pixels of each page, rendered at 50 dpi."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    shares = []
    try:
        for index in range(len(document)):
            image = document[index].render(scale=50 / 72).to_pil().convert("L")
            histogram = image.histogram()
            dark = sum(histogram[:200])
            shares.append(dark / (image.width * image.height))
    finally:
        document.close()
    return shares


def test_package_generated_downloaded_and_published(live_server, open_site, tmp_path):
    data = validated_synthesis(public=True)
    synthesis = data["synthesis"]
    organiser = open_site()
    page = organiser.page
    _login(organiser, agency_organiser("84"))
    violations = {}
    organiser.goto(f"/espace-organisateur/syntheses/{synthesis.pk}/dossier-de-transmission/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Dossier de transmission au ministère")
    violations["dossier"] = axe_violations(page)
    page.get_by_role("button", name="Préparer le dossier de la version 1").click()
    expect(page.get_by_text("Le dossier de transmission est en préparation")).to_be_visible()
    expect(page.locator("#dossiers .fr-badge").first).to_have_text("Prêt")
    violations["dossier prêt"] = axe_violations(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Rapport (PDF)").click()
    pdf = (tmp_path / "rapport.pdf")
    info.value.save_as(pdf)
    assert info.value.suggested_filename.endswith("-rapport.pdf")
    content = pdf.read_bytes()
    shares = _non_blank_pages(content)
    assert len(shares) >= 5
    assert all(share > 0.002 for share in shares), shares
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert_lines_in_order(text, HEADINGS)

    with page.expect_download() as info:
        page.get_by_role("link", name="Dossier complet (zip)").click()
    archive = tmp_path / "dossier.zip"
    info.value.save_as(archive)
    names = zipfile.ZipFile(archive).namelist()
    assert "donnees-ouvertes/datapackage.json" in names
    xlsx = next(n for n in names if n.endswith("propositions.xlsx"))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(zipfile.ZipFile(archive).read(xlsx)), read_only=True)
    assert book.sheetnames == ["Propositions", "Contributions", "Participation"]
    organiser.assert_healthy()

    visitor = open_site()
    visitor.goto("/")
    visitor.page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Synthèses").click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text(
        "Synthèses des concertations")
    violations["liste publique"] = axe_violations(visitor.page)
    visitor.page.get_by_role("link", name=synthesis.title, exact=True).click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text(synthesis.title)
    expect(visitor.page.get_by_role("img", name="Participation par collège")).to_be_visible()
    expect(visitor.page.get_by_role("heading", name="1. Un médecin traitant pour chacun")
           ).to_be_visible()
    violations["synthèse publique"] = axe_violations(visitor.page)
    # Each proposal opens onto the contributions at its origin (a native disclosure, no script).
    origins = visitor.page.locator("details", has=visitor.page.locator(
        "summary", has_text="Contributions à l’origine (3)"))
    cited = data["contributions"][0]
    origin_link = origins.get_by_role("link", name=f"Voir la contribution n° {cited.pk}")
    expect(origin_link).to_be_hidden()
    origins.locator("summary").click()
    expect(origins).to_have_attribute("open", "")
    expect(origin_link).to_be_visible()
    expect(origins.get_by_text("Contribution non publiée : son texte n’est pas affiché.")
           ).to_be_visible()
    violations["synthèse publique, contributions à l’origine"] = axe_violations(visitor.page)
    with visitor.page.expect_download() as info:
        visitor.page.get_by_role("link", name="Données ouvertes (CSV, JSON, schéma et notice, "
                                               "zip)").click()
    assert info.value.suggested_filename.endswith("donnees-ouvertes.zip")
    # From a proposal to the page of a contribution behind it, made online.
    online = visitor.page.locator("details", has=visitor.page.locator(
        "summary", has_text="Contributions à l’origine (1)")).first
    online.locator("summary").click()
    made_online = data["contributions"][2]
    online.get_by_role("link", name=f"Voir la contribution n° {made_online.pk}").click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Maisons de santé")
    # A day whose restitution is published shows its participation chart too.
    day = data["days"][0]
    day.state = "restitution_published"
    day.save()
    visitor.goto(day.get_absolute_url())
    expect(visitor.page.get_by_role("heading", name="Participation", exact=True)).to_be_visible()
    expect(visitor.page.get_by_role("img", name="Participation par collège")).to_be_visible()
    violations["journée restituée"] = axe_violations(visitor.page)
    visitor.assert_healthy()
    failing = {name: v for name, v in violations.items() if v}
    assert not failing, "\n".join(format_violations(name, v) for name, v in failing.items())
