"""The CRSA secretariat's whole journey, with the mouse and with the keyboard only, on a desktop
and on a phone: signs in and lands on the syntheses it validates (its menu links no page it
would be refused), records the regional conference's decision on each proposal submitted by
the ARS (adopted, amended, rejected), each form bringing it back to its proposal, corrects a
count typed wrong, then closes the validation after the confirmation step."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from concertation.accounts.scope import Area, Scope
from concertation.contributions.models import Contribution
from concertation.events.models import Event
from concertation.synthesis import editing, services
from concertation.synthesis.models import Decision, Synthesis, SynthesisState
from concertation.territories.models import Region
from tests.e2e.journey import MODES, VIEWPORTS, Journey, output_folder

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Synthèse régionale Auvergne-Rhône-Alpes — CNR Santé 2022"
PROPOSALS = [
    "Faciliter l’accès à un médecin traitant pour les patients qui n’en ont pas",
    "Revaloriser les salaires des soignants à l’hôpital",
    "Développer le sport sur ordonnance",
]
AMENDED = ("Revaloriser les salaires et les gardes de nuit des soignants à l’hôpital et en "
           "établissement médico-social.")


def _submitted_by_the_region() -> Synthesis:
    """The ARS's regional synthesis of the demo's twelve days, three proposals written, and
    submitted to the CRSA, through the services as the ARS organiser does it."""
    region = Region.objects.get(code="84")
    area = Area(region_ids=frozenset({region.pk}))
    scope = Scope(manage=area, moderate=area, decide=area)
    user = get_user_model().objects.get(username="ars-ara")
    days = list(Event.objects.filter(slug__startswith="cnr-sante-2022-", department__region=region,
                                     kind=Event.Kind.CONSULTATION_DAY).order_by("date"))
    synthesis = services.create_synthesis(
        scope=scope, user=user, campaign=days[0].campaign, level="region", region=region,
        title=TITLE, days=days, validation_event=Event.objects.get(
            slug="cnr-sante-2022-restitution-auvergne-rhone-alpes"))
    for title in PROPOSALS:
        members = Contribution.objects.filter(event__in=days, text__startswith=title)
        group = editing.create_group(scope=scope, user=user, synthesis=synthesis, title=title,
                                     contribution_ids=[c.pk for c in members])
        editing.update_group(scope=scope, user=user, synthesis=synthesis, group=group,
                             title=title, kind="proposal", theme=members[0].theme,
                             text=f"{title}, en s’appuyant sur les initiatives des journées.")
    return services.transition(scope=scope, user=user, synthesis=synthesis,
                               target=SynthesisState.IN_VALIDATION)


@VIEWPORTS
@MODES
def test_crsa_secretariat_journey(demo, open_site, tmp_path_factory, mode, viewport):
    synthesis = _submitted_by_the_region()
    groups = {g.title: g for g in synthesis.groups.all()}
    me = Journey(open_site(), role="crsa", mode=mode, viewport=viewport,
                 folder=output_folder(tmp_path_factory))
    page = me.page
    me.login("crsa-ara", "/espace-organisateur/syntheses/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Synthèses")
    # Its menu leads to its own pages; none of the organisers' it would be refused.
    nav = page.locator("#navigation")  # behind the « Menu » button on a phone
    expect(nav.get_by_role("link", name="Synthèses à valider", exact=True,
                            include_hidden=True)).to_have_count(1)
    for refused in ("Mes journées", "Mes projets"):
        expect(nav.get_by_role("link", name=refused, exact=True, include_hidden=True)
               ).to_have_count(0)
    expect(page.get_by_role("link", name="Espace organisateur")).to_have_count(0)
    me.step("Les synthèses à valider")

    me.press(page.get_by_role("link", name=TITLE))
    expect(page.get_by_role("heading", level=1)).to_have_text("Validation avec la CRSA")
    pages = page.get_by_role("navigation", name="Pages de la synthèse")
    for refused in ("Espace de travail", "Liste consolidée", "Historique"):
        expect(pages.get_by_role("link", name=refused)).to_have_count(0)
    expect(page.get_by_text("0 décision enregistrée sur 3 ; 3 restantes.")).to_be_visible()
    me.step("Validation avec la CRSA")

    def decide(title: str, outcome: str, votes: tuple[int, int, int], *, amended: str = "",
               correct: bool = False, shot: str = "") -> None:
        group = groups[title]
        section = page.locator(f"#proposition-{group.pk}")
        if correct:
            summary = section.locator("summary", has_text="Corriger cette décision")
            me.press(summary)
            expect(section.locator("details")).to_have_attribute("open", "")
        me.choose(section.get_by_label(outcome, exact=True))
        for label, count in zip(("Voix pour", "Voix contre", "Abstentions"), votes, strict=True):
            me.fill(section.get_by_label(label), str(count))
        if amended:
            me.fill(section.get_by_label(re.compile("^Texte amendé")), amended)
        if shot:
            me.step(shot)
        button = "Enregistrer la correction" if correct else "Enregistrer la décision"
        me.press(section.get_by_role("button", name=re.compile(f"^{button}")))
        me.announced(f"Décision {'corrigée' if correct else 'enregistrée'} pour « {title} ».")
        # Back at the proposal just decided, not at the top of a long page.
        expect(page).to_have_url(re.compile(f"#proposition-{group.pk}$"))
        expect(section.get_by_role("heading", level=2)).to_be_in_viewport()
        expect(section.locator(".fr-alert").first).to_contain_text(f"{outcome} :")

    decide(PROPOSALS[0], "Adoptée", (13, 2, 3), shot="Enregistrer une décision")  # 31 typed 13
    decide(PROPOSALS[1], "Adoptée avec amendement", (25, 4, 6), amended=AMENDED)
    amended = page.locator(f"#proposition-{groups[PROPOSALS[1]].pk}")
    expect(amended.locator("ins").first).to_be_visible()
    expect(amended.locator("del").first).to_be_visible()
    me.step("Amendement enregistré")
    decide(PROPOSALS[2], "Rejetée", (8, 24, 3))

    # The count typed wrong on the first proposal, corrected while the validation is open.
    first = groups[PROPOSALS[0]]
    decide(PROPOSALS[0], "Adoptée", (31, 2, 3), correct=True, shot="Corriger une décision")
    assert Decision.objects.get(group=first).votes_for == 31

    # Every proposal has its decision: the validation is closed after the confirmation step.
    expect(page.get_by_text("3 décisions enregistrées sur 3 ; 0 restante.")).to_be_visible()
    me.press(page.get_by_role("button", name="Clore la validation"))
    expect(page.get_by_role("listitem").filter(
        has_text="Les décisions de la CRSA ne se corrigent plus.")).to_be_visible()
    me.confirm("Oui, clore la validation")
    me.announced("La validation est close.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Validation avec la CRSA")
    expect(page.locator(".fr-badge").first).to_have_text("Validée")
    me.step("Validation close")
    synthesis.refresh_from_db()
    assert synthesis.state == SynthesisState.VALIDATED
    me.site.assert_healthy()
