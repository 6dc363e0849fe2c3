"""Journeys driven the way a person drives them: the mouse clicks what is drawn on screen
(never `force=True`), at 1280 px and at 390 px wide, with a screenshot of each step in the
test's output folder (`E2E_SCREENSHOTS`, or pytest's temporary folder)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from concertation.contributions.models import Contribution, ContributionState
from concertation.events.models import Event, EventState
from tests.e2e.helpers import axe_violations, format_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A day of Auvergne-Rhône-Alpes whose workshops hold proposals in the demo.
ARA_DAY = "cnr-sante-2022-01"


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def click_like_a_person(page: Page, target: Locator) -> None:
    """Moves the mouse to the middle of what is drawn and presses there: a target of no size,
    or one off screen, cannot be clicked by anybody."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None, "élément absent de la page"
    assert box["width"] >= 12 and box["height"] >= 12, f"cible trop petite pour la souris : {box}"
    viewport = page.viewport_size
    assert viewport is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (
        f"cible hors de l’écran ({box['x']:.0f} + {box['width']:.0f} > {viewport['width']})")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_organiser_merges_duplicates_with_the_mouse(demo, open_site, shots, viewport):
    event = Event.objects.get(slug=ARA_DAY)
    workshop = event.workshops.order_by("position").first()
    kept, duplicate = Contribution.objects.filter(workshop=workshop).order_by("pk")[:2]
    organiser = open_site()
    page = organiser.page
    page.set_viewport_size(viewport)
    organiser.login("ars-ara")
    organiser.goto(f"/espace-organisateur/journees/{event.pk}/contributions/")
    kept_row = page.get_by_role("row").filter(has_text=kept.text)
    duplicate_row = page.get_by_role("row").filter(has_text=duplicate.text)

    # Each box and circle is clicked through its label, where the design system draws it.
    for row in (kept_row, duplicate_row):
        click_like_a_person(page, row.locator("label").filter(has_text="Sélectionner"))
        expect(row.get_by_role("checkbox")).to_be_checked()
    click_like_a_person(page, kept_row.locator("label").filter(has_text="Garder"))
    expect(kept_row.get_by_role("radio")).to_be_checked()
    page.screenshot(path=shots / f"fusion-{viewport['width']}-choix.png", full_page=False)

    form = page.locator("form").filter(has=kept_row)
    click_like_a_person(page, form.get_by_role("button", name="Fusionner la sélection"))
    expect(page.get_by_role("status")).to_contain_text("1 contribution(s) fusionnée(s)")
    page.screenshot(path=shots / f"fusion-{viewport['width']}-faite.png", full_page=False)
    duplicate.refresh_from_db()
    assert duplicate.state == ContributionState.MERGED
    assert duplicate.merged_into_id == kept.pk
    organiser.assert_healthy()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_moderation_buttons_are_on_screen_and_say_what_they_record(demo, open_site, shots,
                                                                   viewport):
    event = Event.objects.get(slug=ARA_DAY)
    validated, refused = Contribution.objects.filter(event=event).order_by("pk")[:2]
    organiser = open_site()
    page = organiser.page
    page.set_viewport_size(viewport)
    organiser.login("ars-ara")
    organiser.goto(f"/espace-organisateur/journees/{event.pk}/contributions/")
    # No sideways scrolling needed: the whole page is as wide as the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # Nor inside a table: a scrolled table hides its last column, where the actions are.
    overflowing = page.evaluate("""[...document.querySelectorAll('.fr-table__container')]
        .filter(c => c.scrollWidth > c.clientWidth + 1).length""")
    assert overflowing == 0, f"{overflowing} tableau(x) plus large(s) que la fenêtre"
    row = page.get_by_role("row").filter(has_text=validated.text)
    button = row.get_by_role("button", name="Valider", exact=True)
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport(ratio=1)
    page.screenshot(path=shots / f"moderation-{viewport['width']}.png", full_page=False)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    click_like_a_person(page, button)
    expect(page.get_by_role("status")).to_contain_text("État de la contribution mis à jour.")
    expect(page.get_by_role("row").filter(has_text=validated.text)).to_contain_text("Validée")

    # The button that takes a contribution off the site says it refuses it, as recorded.
    row = page.get_by_role("row").filter(has_text=refused.text)
    expect(row.get_by_role("button", name="Masquer")).to_have_count(0)
    row.get_by_label("Motif du refus").fill("Hors du sujet de l’atelier")
    click_like_a_person(page, row.get_by_role("button", name="Refuser et retirer du site"))
    expect(page.get_by_role("status")).to_contain_text("État de la contribution mis à jour.")
    expect(page.get_by_role("row").filter(has_text=refused.text)).to_contain_text("Refusée")
    refused.refresh_from_db()
    assert refused.state == ContributionState.REJECTED
    organiser.assert_healthy()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_publishing_a_restitution_asks_first(demo, open_site, shots, viewport):
    event = Event.objects.get(slug=ARA_DAY)
    organiser = open_site()
    page = organiser.page
    page.set_viewport_size(viewport)
    organiser.login("ars-ara")
    organiser.goto(f"/espace-organisateur/journees/{event.pk}/contributions/")
    click_like_a_person(page, page.get_by_role("button", name="Publier la restitution"))
    # The confirmation says what will happen; nothing is published yet.
    expect(page).to_have_title(re.compile(r"^Confirmer : publier la restitution"))
    expect(page.get_by_role("heading", name="Ce qui va se passer")).to_be_visible()
    expect(page.locator("main")).to_contain_text("ne reviendra pas en arrière")
    page.screenshot(path=shots / f"confirmation-{viewport['width']}.png", full_page=True)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    event.refresh_from_db()
    assert event.state == EventState.HELD
    # Going back changes nothing; asking again and confirming publishes.
    click_like_a_person(page, page.get_by_role("link", name="Non, revenir à la journée"))
    expect(page.locator("#etat")).to_have_text("Tenue")
    organiser.goto(f"/espace-organisateur/journees/{event.pk}/contributions/")
    click_like_a_person(page, page.get_by_role("button", name="Publier la restitution"))
    click_like_a_person(page, page.get_by_role("button", name="Oui, publier la restitution"))
    expect(page.locator("#etat")).to_have_text("Restitution publiée")
    event.refresh_from_db()
    assert event.state == EventState.RESTITUTION_PUBLISHED
    organiser.assert_healthy()


def _before_the_crsa(count: int = 21):
    """A regional synthesis of Auvergne-Rhône-Alpes submitted to the CRSA with `count`
    proposals, each citing one of the demo's contributions."""
    from concertation.synthesis.models import Synthesis, SynthesisState
    from concertation.territories.models import Region
    from tests.factories import SynthesisGroupFactory, cite

    day = Event.objects.get(slug=ARA_DAY)
    synthesis = Synthesis.objects.create(
        campaign=day.campaign, level=Synthesis.Level.REGION,
        region=Region.objects.get(code="84"), title="Synthèse régionale à valider",
        slug="synthese-regionale-a-valider", state=SynthesisState.IN_VALIDATION, revision=1)
    contributions = list(Contribution.objects.filter(department__region__code="84")
                         .order_by("pk")[:count])
    for i, contribution in enumerate(contributions):
        group = SynthesisGroupFactory(synthesis=synthesis, position=i,
                                      title=f"Proposition {i + 1}", text=contribution.text)
        cite(group, contribution)
    return synthesis


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_crsa_decisions_keep_the_page_at_the_proposal(demo, open_site, shots, viewport):
    synthesis = _before_the_crsa()
    group = synthesis.groups.get(position=14)
    organiser = open_site()
    page = organiser.page
    page.set_viewport_size(viewport)
    organiser.login("ars-ara")
    organiser.goto(f"/espace-organisateur/syntheses/{synthesis.pk}/validation/")
    section = page.locator(f"#proposition-{group.pk}")

    def decide(outcome: str, votes: tuple[int, int, int], button: str) -> None:
        click_like_a_person(page, section.locator("label").filter(has_text=outcome).first)
        for label, value in zip(("Voix pour", "Voix contre", "Abstentions"), votes,
                                strict=True):
            section.get_by_label(label).fill(str(value))
        click_like_a_person(page, section.get_by_role("button", name=re.compile(f"^{button}")))

    # An adoption with more votes against is refused next to its own form, on screen.
    decide("Adoptée", (3, 12, 0), "Enregistrer la décision")
    error = section.get_by_role("alert")
    expect(error).to_contain_text("plus de voix contre (12) que de voix pour (3)")
    expect(error).to_be_in_viewport()
    page.screenshot(path=shots / f"crsa-{viewport['width']}-erreur.png")
    # Recorded, the page stays at the proposal rather than the top.
    decide("Rejetée", (3, 12, 0), "Enregistrer la décision")
    expect(section.locator(".fr-alert")).to_contain_text("Rejetée : 3 pour, 12 contre")
    expect(section.get_by_role("heading", name=group.title)).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
    # The secretariat typed the counts the wrong way round: it corrects them.
    click_like_a_person(page, section.locator("summary"))
    decide("Adoptée", (12, 3, 0), "Enregistrer la correction")
    expect(section.locator(".fr-alert")).to_contain_text("Adoptée : 12 pour, 3 contre")
    expect(section.get_by_role("heading", name=group.title)).to_be_in_viewport()
    page.screenshot(path=shots / f"crsa-{viewport['width']}-corrigee.png")
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    assert group.decision.outcome == "adopted"
    organiser.assert_healthy()
