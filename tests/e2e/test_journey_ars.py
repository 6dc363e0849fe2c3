"""The organiser of a regional health agency (ARS)'s whole journey, with the mouse and with the
keyboard only, on a desktop and on a phone: consolidates the region's twelve days into a
regional synthesis, keeps the groupings the duplicate detection suggests, rewrites the most
widely raised proposal on its page, then submits the synthesis to the CRSA after the
confirmation step; once the CRSA has closed the validation, transmits it to the ministry
(confirmation again: the version is then frozen)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.tasks.signals import task_enqueued
from playwright.sync_api import expect

from concertation.accounts.scope import scope_for
from concertation.national.models import Transmission
from concertation.synthesis import services
from concertation.synthesis.consolidation import run_detection
from concertation.synthesis.models import Synthesis, SynthesisState
from tests.e2e.journey import MODES, VIEWPORTS, Journey, output_folder

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REWRITTEN = ("Garantir à chaque patient un médecin traitant, en commençant par les malades "
             "chroniques.")


@VIEWPORTS
@MODES
def test_ars_organiser_journey(demo, open_site, tmp_path_factory, settings, mode, viewport):
    # The detection's task is recorded when enqueued and run below by the test, as the worker
    # would: the workspace shows it running, then htmx brings its suggestions.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    queued = []  # the live server's thread has its own backend: its signal tells

    def record(sender, task_result, **kwargs):
        queued.append(task_result)

    task_enqueued.connect(record)
    me = Journey(open_site(), role="organisateur-ars", mode=mode, viewport=viewport,
                 folder=output_folder(tmp_path_factory))
    page = me.page
    me.login("ars-ara", "/espace-organisateur/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes journées")
    me.press(page.get_by_role("link", name="Synthèses et consolidation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Synthèses")
    me.step("Les synthèses")

    # The campaign and the region, then its twelve days, all ticked, and the CRSA's session.
    me.press(page.get_by_role("link", name="Consolidation régionale"))
    me.select(page.get_by_label("Concertation"), "CNR Santé 2022")
    me.select(page.get_by_label("Région"), "Auvergne-Rhône-Alpes")
    me.press(page.get_by_role("button", name="Afficher les journées"))
    days = page.locator("input[name=days]")
    expect(days).to_have_count(12)
    for i in range(12):
        expect(days.nth(i)).to_be_checked()
    expect(page.get_by_label("Séance de validation avec la CRSA").locator(
        "option:checked")).to_contain_text("restitution régionale")
    me.step("Consolidation régionale : les journées")
    me.press(page.get_by_role("button", name="Consolider et détecter les doublons"))
    me.announced("Consolidation créée")
    expect(page.get_by_role("heading", name="Détection des doublons en cours…")).to_be_visible()
    me.step("Détection des doublons en cours")

    task_enqueued.disconnect(record)
    [task] = queued
    assert run_detection(*task.args)
    synthesis = Synthesis.objects.get()
    suggested = synthesis.groups.filter(accepted=False).count()
    assert suggested >= 15
    expect(page.get_by_role("heading", name=f"Regroupements suggérés ({suggested})")
           ).to_be_visible()
    me.announced(f"Détection terminée : {suggested} regroupements suggérés")
    me.step("Regroupements suggérés")
    me.press(page.get_by_role("button", name="Retenir toutes les suggestions"))
    me.announced("Toutes les suggestions sont retenues.")
    expect(page.get_by_role("heading", name=f"Groupes retenus ({suggested})")).to_be_visible()
    assert synthesis.groups.filter(accepted=False).count() == 0

    # The consolidated list, the most widely raised first: its proposal rewritten.
    me.press(page.get_by_role("navigation", name="Pages de la synthèse").get_by_role(
        "link", name="Liste consolidée"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(suggested)
    me.step("Liste consolidée")
    first = rows.first.get_by_role("link")
    title = first.inner_text()
    me.press(first)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    me.fill(page.get_by_label("Texte de la proposition"), REWRITTEN)
    me.step("Rédiger une proposition")
    me.press(page.get_by_role("button", name="Enregistrer le groupe"))
    me.announced("Le groupe est enregistré")
    assert synthesis.groups.get(title=title).text == REWRITTEN

    # Submitted to the CRSA after the confirmation step: the texts no longer change.
    me.press(page.get_by_role("navigation", name="Pages de la synthèse").get_by_role(
        "link", name="Espace de travail"))
    me.press(page.get_by_role("button", name="Soumettre à la CRSA"))
    expect(page.get_by_role("listitem").filter(
        has_text="la CRSA se prononce sur les textes tels qu’ils sont")).to_be_visible()
    me.confirm("Oui, soumettre à la CRSA")
    me.announced("La synthèse est soumise à la CRSA.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Validation avec la CRSA")
    expect(page.locator(".fr-badge").first).to_have_text("Soumise à la CRSA")
    me.step("Soumise à la CRSA")
    synthesis.refresh_from_db()
    assert synthesis.state == SynthesisState.IN_VALIDATION

    # The CRSA records its decisions and closes the validation (its own journey); the region
    # then transmits the validated synthesis to the ministry, after the confirmation step.
    crsa = get_user_model().objects.get(username="crsa-ara")
    for group in synthesis.groups.filter(accepted=True):
        services.record_decision(scope=scope_for(crsa), user=crsa, synthesis=synthesis,
                                 group=group, outcome="adopted", votes_for=30, votes_against=2,
                                 abstentions=1)
    services.transition(scope=scope_for(crsa), user=crsa, synthesis=synthesis,
                        target=SynthesisState.VALIDATED)
    me.press(page.get_by_role("navigation", name="Pages de la synthèse").get_by_role(
        "link", name="Espace de travail"))
    expect(page.locator(".fr-badge").first).to_have_text("Validée")
    me.press(page.get_by_role("button", name="Marquer comme transmise au ministère"))
    expect(page.get_by_role("listitem").filter(
        has_text="Cette version est figée")).to_be_visible()
    me.confirm("Oui, transmettre et figer cette version")
    me.announced("La synthèse est marquée comme transmise au ministère")
    expect(page.get_by_role("heading", name="Réception par le ministère")).to_be_visible()
    me.step("Transmise au ministère")
    synthesis.refresh_from_db()
    assert synthesis.state == SynthesisState.TRANSMITTED
    assert Transmission.objects.filter(synthesis=synthesis).exists()
    me.site.assert_healthy()
