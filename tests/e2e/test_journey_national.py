"""The national secretariat's whole journey (`ministere`), with the mouse and with the keyboard
only, on a desktop and on a phone: finds the regional synthesis Auvergne-Rhône-Alpes
transmitted in its inbox, acknowledges receipt after the confirmation step, records what
became of a proposal (the page comes back to that proposal), asks the region a question, then
reads the national consolidation of every region's proposals by theme."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from concertation.accounts.scope import scope_for
from concertation.national.demo import _ministry_account
from concertation.national.models import FollowUp, Transmission
from concertation.synthesis import services
from concertation.synthesis.models import SynthesisState
from tests.e2e.journey import MODES, VIEWPORTS, Journey, output_folder
from tests.e2e.test_journey_crsa import PROPOSALS, TITLE, _submitted_by_the_region

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MEASURE = "Loi du 27 décembre 2023 visant à améliorer l’accès aux soins par l’engagement " \
          "territorial des professionnels"
QUESTION = "Combien de participants ont porté la proposition sur le médecin traitant ?"


def _transmitted_by_the_region() -> Transmission:
    """The CRSA adopted the three proposals; the ARS closed the validation and transmitted."""
    synthesis = _submitted_by_the_region()
    ars = get_user_model().objects.get(username="ars-ara")
    scope = scope_for(ars)
    for group in synthesis.groups.order_by("position", "pk"):
        services.record_decision(scope=scope, user=ars, synthesis=synthesis, group=group,
                                 outcome="adopted", votes_for=31, votes_against=2, abstentions=3)
    for target in (SynthesisState.VALIDATED, SynthesisState.TRANSMITTED):
        services.transition(scope=scope, user=ars, synthesis=synthesis, target=target)
    _ministry_account()
    return Transmission.objects.get(synthesis=synthesis)


@VIEWPORTS
@MODES
def test_national_secretariat_journey(demo, open_site, tmp_path_factory, mode, viewport):
    transmission = _transmitted_by_the_region()
    group = transmission.synthesis.groups.get(title=PROPOSALS[0])
    me = Journey(open_site(), role="ministere", mode=mode, viewport=viewport,
                 folder=output_folder(tmp_path_factory))
    page = me.page
    me.login("ministere", "/espace-national/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Transmissions reçues des régions")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("À accuser")
    me.step("Transmissions reçues")

    me.press(row.get_by_role("link", name=TITLE))
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    me.step("Une transmission")
    me.press(page.get_by_role("button", name="Accuser réception"))
    expect(page.get_by_role("listitem").filter(
        has_text="L’accusé de réception ne s’annule pas.")).to_be_visible()
    me.confirm("Oui, accuser réception")
    me.announced("Réception accusée.")
    # The badge (the history below names the acknowledgment too).
    expect(page.locator(".fr-badge", has_text="Réception accusée")).to_be_visible()
    transmission.refresh_from_db()
    assert transmission.acknowledged

    # What became of a proposal: retained in a national measure; back at that proposal.
    card = page.locator(f"#proposition-{group.pk}")
    me.choose(card.get_by_label("Retenue dans une mesure nationale"))
    me.fill(card.get_by_label(re.compile("^Mesure nationale")), MEASURE)
    me.step("Suite donnée à une proposition")
    me.press(card.get_by_role("button", name="Enregistrer la suite donnée"))
    me.announced("Suite donnée enregistrée.")
    expect(page).to_have_url(re.compile(f"#proposition-{group.pk}$"))
    expect(card.get_by_role("heading", level=4)).to_be_in_viewport()
    expect(card).to_contain_text(MEASURE)
    assert FollowUp.objects.get(transmission=transmission, group=group).measure == MEASURE

    # A question to the region, in the thread at the bottom of the page.
    me.fill(page.get_by_label("Question à la région"), QUESTION)
    me.press(page.get_by_role("button", name="Envoyer la question"))
    me.announced("Question envoyée à la région.")
    expect(page).to_have_url(re.compile("#echanges$"))
    expect(page.get_by_text(QUESTION)).to_be_visible()
    me.step("Question à la région")
    assert transmission.messages.filter(side="national").count() == 1

    # Every region's proposals side by side, by national theme, with their follow-up.
    me.menu("Transmissions reçues")
    me.press(page.get_by_role("link", name=re.compile("^Consolidation nationale")))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consolidation nationale des propositions")
    expect(page.locator("main")).to_contain_text(MEASURE)
    me.step("Consolidation nationale")
    me.site.assert_healthy()
