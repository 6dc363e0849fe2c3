"""Labelled projects in the browser: an organiser turns a validated proposal into a project,
labels it, follows it through a milestone to delivery, and the public finds it; every public
and back-office page of projects passes axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from concertation.contributions.models import Contribution, ContributionState
from concertation.events.models import Event
from concertation.projects.models import Project
from tests.e2e.helpers import axe_violations, format_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "cnr-sante-eure-et-loir-2024-12-12"
PROPOSAL = "Former les équipes d’accueil à la désescalade des conflits"
PLATFORM = "plate-forme-accompagnement-professionnels-sante-eure-et-loir"


def _validated_proposal() -> Contribution:
    day = Event.objects.get(slug=DAY)
    workshop = day.workshops.order_by("position").last()
    return Contribution.objects.create(
        campaign=day.campaign, theme=workshop.theme, text=PROPOSAL, origin="workshop",
        event=day, workshop=workshop, department=day.department,
        health_territory=day.health_territory, state=ContributionState.VALIDATED)


def test_from_a_validated_proposal_to_a_delivered_project(demo, open_site):
    proposal = _validated_proposal()
    organiser = open_site()
    page = organiser.page
    organiser.login("cts28")
    page.get_by_role("link", name="Mes projets").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projets labellisés")
    page.get_by_role("link", name="Nouveau projet").click()

    page.locator("label", has_text=PROPOSAL).click()
    page.get_by_label("Intitulé").fill("Former à la désescalade les équipes d’accueil")
    page.get_by_label("Présentation").fill("Un plan de formation départemental.")
    page.locator("#id_region").select_option(label="Centre-Val de Loire")
    page.locator("#id_health_territory").select_option(label="Eure-et-Loir")
    page.get_by_label("Structure porteuse").fill("Conseil territorial de santé d’Eure-et-Loir")
    page.get_by_label("Co-pilotes").fill("Centre hospitalier de Chartres")
    page.get_by_role("button", name="Créer le projet").click()
    expect(page.locator("#etat")).to_have_text("Proposé")
    project = Project.objects.get(title="Former à la désescalade les équipes d’accueil")
    assert list(project.origin_contributions.all()) == [proposal]

    page.get_by_role("button", name="Labelliser").click()
    expect(page.locator("#etat")).to_have_text("Labellisé")
    page.get_by_role("button", name="Démarrer le projet").click()
    expect(page.locator("#etat")).to_have_text("En cours")

    # A milestone dated before the project's creation is refused, with what was typed kept.
    today = timezone.localdate()
    form = page.locator("form", has=page.get_by_role("button", name="Ajouter le jalon"))
    form.locator("#id_jalon-title").fill("Première session de formation")
    form.locator("#id_jalon-actual_date").fill("2020-01-01")
    form.locator("#id_jalon-status").select_option(label="Atteint")
    form.get_by_role("button", name="Ajouter le jalon").click()
    expect(page.get_by_text("précède la création du projet")).to_be_visible()
    assert not project.milestones.exists()
    form = page.locator("form", has=page.get_by_role("button", name="Ajouter le jalon"))
    expect(form.locator("#id_jalon-title")).to_have_value("Première session de formation")
    form.locator("#id_jalon-actual_date").fill(today.isoformat())
    form.get_by_role("button", name="Ajouter le jalon").click()
    expect(page.get_by_text("Avancement : 100 %")).to_be_visible()

    update = page.locator("form", has=page.get_by_role("button", name="Publier l’actualité"))
    update.locator("#id_actualite-title").fill("Première session tenue")
    update.locator("#id_actualite-text").fill("Vingt agents d’accueil formés.")
    update.get_by_role("button", name="Publier l’actualité").click()
    expect(page.get_by_text("L’actualité est publiée")).to_be_visible()

    page.get_by_role("button", name="Marquer comme réalisé").click()
    expect(page.locator("#etat")).to_have_text("Réalisé")
    organiser.assert_healthy()

    # The public finds it among delivered projects and sees where it came from.
    visitor = open_site()
    page = visitor.page
    visitor.goto("/")
    page.get_by_role("link", name="Projets labellisés").first.click()
    page.get_by_label("État").select_option(label="Réalisé")
    expect(page.locator("#nombre-resultats")).to_have_text("1 projet")
    expect(page).to_have_url(re.compile(r"etat=delivered"))
    page.get_by_role("link", name="Former à la désescalade les équipes d’accueil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Former à la désescalade les équipes d’accueil")
    expect(page.locator(".fr-badge", has_text="Réalisé").first).to_be_visible()
    expect(page.get_by_text("Avancement : 100 %")).to_be_visible()
    expect(page.get_by_role("link", name=PROPOSAL)).to_have_attribute(
        "href", f"/contributions/{proposal.pk}/")
    expect(page.locator("#origine ~ ul a").first).to_have_attribute("href", f"/journees/{DAY}/")
    expect(page.get_by_text("Première session tenue")).to_be_visible()
    expect(page.get_by_text("Centre hospitalier de Chartres")).to_be_visible()
    visitor.assert_healthy()


def test_list_filters_without_javascript(demo, open_site):
    site = open_site(javascript=False)
    site.goto("/projets/")
    site.page.get_by_label("Territoire de santé").select_option(label="Eure-et-Loir")
    site.page.get_by_role("button", name="Filtrer").click()
    expect(site.page.locator("#nombre-resultats")).to_have_text("2 projets")
    expect(site.page).to_have_url(re.compile(r"territoire=eure-et-loir"))


def _scan(site, path: str, reports: list[str], status: int = 200) -> None:
    site.goto(path, status=status)
    expect(site.page.locator("html")).to_have_attribute("data-fr-js", "true")
    if violations := axe_violations(site.page):
        reports.append(format_violations(path, violations))


def test_project_pages_have_no_wcag_violation(demo, open_site):
    reports: list[str] = []
    visitor = open_site()
    for path in ["/projets/", "/projets/?etat=in_progress&region=24", f"/projets/{PLATFORM}/",
                 "/projets/feuille-de-route-prevention-promotion-sante-eure-et-loir/",
                 f"/projets/{PLATFORM}/suivre/", "/projets/donnees/"]:
        _scan(visitor, path, reports)
    # The subscription form with an error, then sent.
    visitor.goto(f"/projets/{PLATFORM}/suivre/")
    visitor.page.get_by_label("Votre adresse électronique").fill("pas-une-adresse")
    visitor.page.get_by_role("button", name="M’abonner").click()
    expect(visitor.page.get_by_role("alert")).to_be_visible()
    if violations := axe_violations(visitor.page):
        reports.append(format_violations("abonnement en erreur", violations))

    organiser = open_site()
    organiser.login("cts28")
    project = Project.objects.get(slug=PLATFORM)
    milestone = project.milestones.first()
    for path in ["/espace-organisateur/projets/", "/espace-organisateur/projets/nouveau/",
                 f"/espace-organisateur/projets/{project.pk}/",
                 f"/espace-organisateur/projets/{project.pk}/modifier/",
                 f"/espace-organisateur/projets/{project.pk}/jalons/{milestone.pk}/",
                 "/espace-organisateur/projets/import/"]:
        _scan(organiser, path, reports)
    # The import page reporting bad rows.
    organiser.goto("/espace-organisateur/projets/import/")
    organiser.page.get_by_label("Feuille de jalons (CSV ou XLSX)").set_input_files(files=[{
        "name": "jalons.csv", "mimeType": "text/csv",
        "buffer": f"projet;cle_jalon;jalon;date_reelle\n{PLATFORM};x;X;31/02/2025\n".encode()}])
    organiser.page.get_by_role("button", name="Importer").click()
    expect(organiser.page.locator("#erreurs-import")).to_contain_text("Ligne 2 : date réelle")
    if violations := axe_violations(organiser.page):
        reports.append(format_violations("import en erreur", violations))
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    visitor.assert_healthy()
    organiser.assert_healthy()
