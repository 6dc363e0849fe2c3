"""A workshop facilitator's whole journey, with the mouse and with the keyboard only, on a
desktop and on a phone: signs in and lands on « Mes ateliers », captures the workshop's
proposals live (typed, Entrée adds), corrects one in place, deletes one and undoes it, opens the
projector view for the room (QR code drawn, large type, no site chrome), then opens the priority
vote, closes it after the confirmation step, and goes back to « Mes ateliers » from the menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concertation.contributions.models import Contribution, ContributionState, PriorityVote
from concertation.events.models import Event
from tests.e2e.journey import MODES, VIEWPORTS, Journey, output_folder

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "cnr-sante-eure-et-loir-4"
WORKSHOP = "Violence des usagers envers les professionnels"
FIRST = "Former les équipes d’accueil à la désescalade des conflits"
SECOND = "Installer des boutons d’alerte dans les cabinet isolés"
CORRECTED = "Installer des boutons d’alerte dans les cabinets isolés"


@VIEWPORTS
@MODES
def test_facilitator_journey(demo, open_site, tmp_path_factory, mode, viewport):
    workshop = Event.objects.get(slug=DAY).workshops.get(title=WORKSHOP)
    me = Journey(open_site(), role="animateur", mode=mode, viewport=viewport,
                 folder=output_folder(tmp_path_factory))
    page = me.page
    me.login("animation28", "/animation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes ateliers")
    me.step("Mes ateliers")

    # Live capture: the field has the focus, each proposal is typed and Entrée adds it.
    me.press(page.get_by_role("link", name=f"Saisie en direct — {WORKSHOP}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Atelier : {WORKSHOP}")
    field = page.get_by_label("Nouvelle proposition")
    expect(field).to_be_focused()
    entries = page.locator("#saisies > li")
    counter = page.locator("#nombre-saisies")
    before = int(counter.inner_text())
    for number, text in enumerate((FIRST, SECOND), start=1):
        me.fill(field, text)
        page.keyboard.press("Enter")
        # Acknowledged by the server: the entry has its id and its buttons, nothing waits.
        saved = entries.filter(has_text=text)
        expect(saved.get_by_role("link", name=f"Modifier : {text}")).to_be_visible()
        expect(field).to_have_value("")
        expect(field).to_be_focused()
        expect(counter).to_have_text(str(before + number))
    expect(page.locator("#etat-reseau")).to_have_text("")
    me.step("Saisie en direct")
    second = Contribution.objects.get(workshop=workshop, text=SECOND)
    assert Contribution.objects.filter(workshop=workshop, text=FIRST,
                                       state=ContributionState.PUBLISHED).exists()

    # A typo corrected in place: Entrée saves, the change is said.
    me.press(page.get_by_role("link", name=f"Modifier : {SECOND}"))
    editing = page.get_by_label("Modifier la proposition (Entrée enregistre, Échap annule)")
    expect(editing).to_be_focused()
    me.fill(editing, CORRECTED)
    me.step("Modifier une proposition")
    if me.keyboard:
        page.keyboard.press("Enter")
    else:
        me.press(page.locator(f"#saisie-{second.pk}").get_by_role("button", name="Enregistrer"))
    me.announced("Proposition modifiée.")
    expect(page.locator(f"#saisie-{second.pk} .capture-text")).to_have_text(CORRECTED)
    second.refresh_from_db()
    assert second.text == CORRECTED

    # Deleted after the question in place, then put back with « Annuler la suppression ».
    item = page.locator(f"#saisie-{second.pk}")
    me.press(item.get_by_role("button", name=f"Supprimer : {CORRECTED}"))
    expect(item).to_contain_text("Supprimer cette proposition ?")
    yes = item.get_by_role("button", name="Confirmer la suppression")
    expect(yes).to_be_in_viewport()
    me.step("Supprimer : la question")
    me.press(yes)
    me.announced("Proposition supprimée.")
    expect(counter).to_have_text(str(before + 1))
    second.refresh_from_db()
    assert second.state == ContributionState.WITHDRAWN
    me.step("Proposition supprimée")
    me.press(item.get_by_role("button", name="Annuler la suppression"))
    me.announced("Suppression annulée : la proposition est rétablie.")
    expect(item.locator(".capture-text")).to_have_text(CORRECTED)
    expect(counter).to_have_text(str(before + 2))
    second.refresh_from_db()
    assert second.state == ContributionState.PUBLISHED

    # The projector view: the room reads the proposals and scans the code to vote.
    me.press(page.get_by_role("link", name="Ouvrir la vue projetée pour la salle"))
    expect(page.get_by_role("heading", level=1)).to_have_text(WORKSHOP)
    expect(page.locator("header, footer, nav")).to_have_count(0)
    expect(page.locator("#projection")).to_contain_text(CORRECTED)
    qr = page.locator(".projector-qr svg")
    qr.scroll_into_view_if_needed()
    expect(qr).to_be_in_viewport()
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and abs(box["width"] - box["height"]) < 2, box
    # A QR code is dozens of dark modules, drawn as one path or as squares.
    drawn = qr.evaluate("""svg => svg.querySelectorAll('rect').length
                                  + [...svg.querySelectorAll('path')].reduce(
                                      (n, p) => n + (p.getAttribute('d') || '').length, 0)""")
    assert drawn > 100, drawn
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
        '.projector-main p, .projector-main li, .projector-main h1, .projector-main h2')]
        .filter(el => el.offsetParent && el.textContent.trim())
        .map(el => parseFloat(getComputedStyle(el).fontSize)))""")
    assert smallest >= 32, f"texte projeté de {smallest} px"
    me.step("Vue projetée")

    # The priority vote, opened then closed after the confirmation step.
    me.press(page.get_by_role("link", name="Retour à la saisie"))
    me.press(page.get_by_role("link", name="Vote de priorité par points"))
    me.fill(page.get_by_label("Points par participant"), "5")
    me.step("Ouvrir le vote de priorité")
    me.press(page.get_by_role("button", name="Ouvrir le vote"))
    me.announced("5 points par participant")
    vote = PriorityVote.objects.get(workshop=workshop)
    assert vote.is_open
    expect(page.locator("#classement")).to_contain_text("Vote de priorité en cours")
    me.step("Vote ouvert")
    me.press(page.get_by_role("button", name="Clore le vote et arrêter le classement"))
    expect(page.get_by_role("listitem").filter(
        has_text="Plus personne ne pourra donner ni changer ses points.")).to_be_visible()
    me.confirm("Oui, clore le vote")
    me.announced("Le vote est clos")
    vote.refresh_from_db()
    assert not vote.is_open
    me.step("Vote clos")

    # Back to the other workshops from the menu, on any page.
    me.menu("Mes ateliers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes ateliers")
    me.site.assert_healthy()
