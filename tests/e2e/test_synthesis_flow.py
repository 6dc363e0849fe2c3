"""The ARS organiser of Auvergne-Rhône-Alpes consolidates the region's twelve demo days,
rewrites a proposal, submits the synthesis to the CRSA, records its decisions (one adopted,
one amended, one rejected, the rest adopted), closes the validation and marks the synthesis
transmitted; every page of the way passes axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import re

import pytest
from django.tasks.signals import task_enqueued
from playwright.sync_api import expect

from concertation.events.models import Event
from concertation.synthesis.consolidation import run_detection
from concertation.synthesis.models import Decision, Synthesis, SynthesisGroup
from tests.e2e.helpers import axe_violations, confirm, format_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REWRITTEN = "Garantir à chaque patient un médecin traitant, en commençant par les malades " \
            "chroniques."
AMENDED = "Revaloriser les salaires et les carrières des soignants à l’hôpital."


def _accessible(site) -> None:
    violations = axe_violations(site.page)
    assert not violations, format_violations(site.page.url, violations)


def _decide(page, section, outcome: str, votes: tuple[int, int, int], amended: str = ""):
    section.get_by_label(outcome, exact=True).check(force=True)  # the DSFR label covers it
    section.get_by_label("Voix pour").fill(str(votes[0]))
    section.get_by_label("Voix contre").fill(str(votes[1]))
    section.get_by_label("Abstentions").fill(str(votes[2]))
    if amended:
        section.get_by_label(re.compile("^Texte amendé")).fill(amended)
    section.get_by_role("button", name=re.compile("^Enregistrer la décision")).click()
    expect(section.locator(".fr-alert")).to_contain_text(f"{outcome} :")


def test_consolidate_validate_and_transmit_the_region(demo, site, settings):
    # The detection's task is only recorded when enqueued, and run below by the test, as a
    # worker would: the workspace first shows it running, then htmx brings its suggestions.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    queued = []  # the live server's thread has its own backend: its signal tells

    def record(sender, task_result, **kwargs):
        queued.append(task_result)

    task_enqueued.connect(record)
    page = site.page
    site.login("ars-ara")
    page.get_by_role("link", name="Synthèses et consolidation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Synthèses")
    _accessible(site)

    # Consolidation: the campaign and region, then the twelve days (all ticked) and the CRSA.
    page.get_by_role("link", name="Consolidation régionale").click()
    page.get_by_label("Concertation").select_option(label="CNR Santé 2022")
    page.get_by_label("Région").select_option(label="Auvergne-Rhône-Alpes")
    page.get_by_role("button", name="Afficher les journées").click()
    days = page.locator("input[name=days]")
    expect(days).to_have_count(12)
    for i in range(12):
        expect(days.nth(i)).to_be_checked()
    restitution = Event.objects.get(slug="cnr-sante-2022-restitution-auvergne-rhone-alpes")
    expect(page.get_by_label("Séance de validation avec la CRSA")).to_have_value(
        str(restitution.pk))
    _accessible(site)
    page.get_by_role("button", name="Consolider et détecter les doublons").click()

    # The workspace at once, the detection running in the background.
    expect(page.locator(".fr-alert--success, .fr-notice").first).to_contain_text(
        "Consolidation créée")
    expect(page.get_by_role("heading", name="Détection des doublons en cours…")).to_be_visible()
    _accessible(site)
    synthesis = Synthesis.objects.get()
    assert not synthesis.groups.exists()
    task_enqueued.disconnect(record)
    [task] = queued
    assert task.task.name == "detect_duplicates"
    # The worker runs it (the lemmatiser loads on its first run: seconds on a loaded
    # machine); the page polls and shows the suggestions of proposals made in several
    # territories without a reload.
    assert run_detection(*task.args)
    suggested = synthesis.groups.filter(accepted=False).count()
    assert suggested >= 15
    expect(page.get_by_role("heading", name=f"Regroupements suggérés ({suggested})")
           ).to_be_visible()
    expect(page.locator("#detection-etat")).to_contain_text(
        f"Détection terminée : {suggested} regroupements suggérés")
    _accessible(site)
    page.get_by_role("button", name="Retenir toutes les suggestions").click()
    expect(page.get_by_role("heading", name=f"Groupes retenus ({suggested})")).to_be_visible()

    # The most widely raised proposal: rewrite it on its page.
    page.get_by_role("link", name="Liste consolidée").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(suggested)
    _accessible(site)
    first_title = rows.first.locator("td").nth(1).get_by_role("link").inner_text()
    territories = int(rows.first.locator("td").nth(2).locator("strong").inner_text())
    last_territories = int(rows.last.locator("td").nth(2).locator("strong").inner_text())
    assert territories >= last_territories and territories >= 5
    rows.first.locator("td").nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first_title)
    _accessible(site)
    page.get_by_label("Texte de la proposition").fill(REWRITTEN)
    page.get_by_role("button", name="Enregistrer le groupe").click()
    expect(page.locator(".fr-alert--success, .fr-notice").first).to_contain_text(
        "Le groupe est enregistré")

    # Submit to the CRSA, then record its decisions.
    page.get_by_role("button", name="Soumettre à la CRSA").click()
    confirm(page, "Oui, soumettre à la CRSA")
    expect(page.get_by_role("heading", level=1)).to_have_text("Validation avec la CRSA")
    _accessible(site)
    groups = list(synthesis.groups.order_by("position", "id"))
    first = next(g for g in groups if g.title == first_title)
    others = [g for g in groups if g.pk != first.pk]
    _decide(page, page.locator(f"#proposition-{first.pk}"), "Adoptée", (31, 2, 3))
    _decide(page, page.locator(f"#proposition-{others[0].pk}"), "Adoptée avec amendement",
            (25, 4, 6), amended=AMENDED)
    _decide(page, page.locator(f"#proposition-{others[1].pk}"), "Rejetée", (8, 24, 3))
    amended = page.locator(f"#proposition-{others[0].pk}")
    expect(amended.locator("ins").first).to_be_visible()
    expect(amended.locator("del").first).to_be_visible()
    _accessible(site)
    assert Decision.objects.filter(group__synthesis=synthesis).count() == 3
    for group in others[2:]:
        _decide(page, page.locator(f"#proposition-{group.pk}"), "Adoptée", (30, 1, 1))
    page.get_by_role("button", name="Clore la validation").click()
    confirm(page, "Oui, clore la validation")
    expect(page.locator(".fr-badge").first).to_have_text("Validée")

    page.get_by_role("button", name="Marquer comme transmise au ministère").click()
    confirm(page, "Oui, transmettre et figer cette version")
    expect(page.locator(".fr-alert--info").first).to_contain_text("elle est figée")
    _accessible(site)
    synthesis.refresh_from_db()
    assert synthesis.state == "transmitted" and synthesis.transmitted_at is not None
    decisions = Decision.objects.filter(group__synthesis=synthesis)
    assert decisions.count() == len(groups)
    assert decisions.get(group=first).original_text == REWRITTEN
    assert decisions.get(group=others[0]).final_text == AMENDED
    assert SynthesisGroup.objects.filter(synthesis=synthesis, accepted=False).count() == 0

    page.get_by_role("link", name="Historique").click()
    _accessible(site)
    page.get_by_role("button", name="Comparer").click()
    expect(page.get_by_role("heading", name=re.compile("^Différences"))).to_be_visible()
    expect(page.locator("main, #contenu").first).to_contain_text("Transmise au ministère")
    _accessible(site)
    site.assert_healthy()


def test_creation_form_and_its_errors_are_accessible(demo, site):
    page = site.page
    site.login("cts28")
    site.goto("/espace-organisateur/syntheses/nouvelle/")
    _accessible(site)
    page.get_by_label("Échelle").select_option(label="Journée")
    page.get_by_role("button", name="Créer la synthèse").click()
    expect(page.locator(".fr-alert--error")).to_be_visible()
    expect(page.locator("#id_title-erreurs")).to_contain_text("obligatoire")
    _accessible(site)
    page.get_by_label("Titre").fill("Synthèse de la 3e journée")
    page.get_by_role("button", name="Créer la synthèse").click()
    expect(page.locator(".fr-alert--error")).to_contain_text("Choisissez la journée")
    expect(page.get_by_label("Titre")).to_have_value("Synthèse de la 3e journée")
    site.assert_healthy()
