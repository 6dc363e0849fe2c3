"""A facilitator captures ten proposals while the venue's network comes and goes, and each
arrives exactly once; a participant votes behind the signed link; the organiser merges two
duplicates, retains a work lead and publishes the restitution on the day's public page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from concertation.contributions.models import Contribution, ContributionState, Vote
from concertation.events.models import Event, EventState
from concertation.registrations import services
from concertation.registrations.tokens import make_token
from tests.e2e.helpers import confirm
from tests.factories import applicant

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "cnr-sante-eure-et-loir-4"
WORKSHOP = "Violence des usagers envers les professionnels"
KEPT = "Former les équipes d’accueil à la désescalade des conflits"
DUPLICATE = "Une formation à la désescalade pour les agents d’accueil"
PROPOSALS = [
    "Afficher les droits et devoirs des usagers dans chaque salle d’attente",
    "Créer un registre départemental des incidents, anonyme",
    KEPT,
    # Typed while the Wi-Fi is down.
    "Prévoir un temps d’échange entre soignants après chaque agression",
    DUPLICATE,
    "Installer des boutons d’alerte dans les cabinets isolés",
    "Associer les forces de l’ordre aux réunions du conseil territorial",
    # Back online.
    "Expliquer les délais d’attente aux urgences en temps réel",
    "Ouvrir une ligne d’écoute pour les professionnels victimes",
    "Former les usagers relais à la médiation",
]
OFFLINE = range(3, 7)


def test_capture_offline_vote_merge_and_publish_the_restitution(demo, open_site):
    event = Event.objects.get(slug=DAY)
    workshop = event.workshops.get(title=WORKSHOP)
    before = set(Contribution.objects.filter(workshop=workshop).values_list("pk", flat=True))

    # The facilitator, who has no organiser rights, signs in straight to the capture page.
    facilitator = open_site()
    page = facilitator.page
    capture_path = f"/animation/ateliers/{workshop.pk}/"
    facilitator.goto(f"/compte/connexion/?next={capture_path}")
    page.locator("#id_username").fill("animation28")
    page.locator("#id_password").fill("concertation-demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(facilitator.url(capture_path))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Atelier : {WORKSHOP}")

    field = page.get_by_label("Nouvelle proposition")
    status = page.locator("#etat-reseau")
    for i, text in enumerate(PROPOSALS):
        if i == OFFLINE.start:
            facilitator.context.set_offline(True)
        elif i == OFFLINE.stop:
            # Every entry typed offline waits in the browser, none was lost.
            expect(status).to_contain_text(re.compile(r"^\d saisie\(s\) en attente d’envoi"))
            facilitator.context.set_offline(False)
        field.fill(text)
        field.press("Enter")
        expect(field).to_have_value("")
        expect(page.locator("#saisies li").filter(has_text=text)).to_have_count(1)

    # Everything sent: the status line is empty, nothing is left pending.
    expect(status).to_have_text("")
    expect(page.locator("#saisies li.pending")).to_have_count(0)
    expect(page.locator("#nombre-saisies")).to_have_text(str(len(before) + 10))
    captured = Contribution.objects.filter(workshop=workshop).exclude(pk__in=before)
    texts = list(captured.values_list("text", flat=True))
    assert sorted(texts) == sorted(PROPOSALS), "chaque saisie arrive une fois et une seule"
    assert len(set(captured.values_list("client_id", flat=True))) == 10
    assert set(captured.values_list("state", flat=True)) == {ContributionState.PUBLISHED}

    # Reloaded, the page shows what the server holds, and the room's projector too.
    page.reload()
    expect(page.locator("#nombre-saisies")).to_have_text(str(len(before) + 10))
    facilitator.goto(f"/ateliers/{workshop.pk}/projection/")
    for text in PROPOSALS:
        expect(page.get_by_text(text, exact=True)).to_be_visible()
    facilitator.assert_healthy()

    # A registered participant votes through the link of their e-mail.
    registration = services.register(
        event=event,
        applicant=applicant(first_name="Inès", last_name="Roussel",
                            email="ines.roussel@example.org"),
        workshops=[workshop],
    ).registration
    participant = open_site()
    voter = participant.page
    participant.goto(f"/inscriptions/{make_token(registration)}/contributions/")
    expect(voter.get_by_role("heading", level=1)).to_have_text("Les propositions de la journée")
    for text, choice in [
        (KEPT, "D’accord"),
        (DUPLICATE, "D’accord"),
        (PROPOSALS[0], "Pas d’accord"),
        (PROPOSALS[1], "Passer"),
    ]:
        card = voter.locator(".fr-card").filter(has_text=text)
        button = card.get_by_role("button", name=choice, exact=True)
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    # Changing one's mind replaces the vote.
    card = voter.locator(".fr-card").filter(has_text=PROPOSALS[1])
    agree = card.get_by_role("button", name="D’accord", exact=True)
    agree.click()
    expect(agree).to_have_attribute("aria-pressed", "true")
    expect(card.get_by_role("button", name="Passer")).to_have_attribute("aria-pressed", "false")
    votes = dict(
        Vote.objects.filter(registration=registration).values_list("contribution__text", "value")
    )
    assert votes == {KEPT: 1, DUPLICATE: 1, PROPOSALS[0]: -1, PROPOSALS[1]: 1}
    participant.assert_healthy()

    # The organiser closes the day and builds the restitution.
    organiser = open_site()
    page = organiser.page
    organiser.login("cts28")
    organiser.goto(f"/espace-organisateur/journees/{event.pk}/")
    page.get_by_role("button", name="Marquer comme tenue").click()
    expect(page.locator("#etat")).to_have_text("Tenue")
    page.get_by_role("link", name="Contributions et restitution").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contributions et restitution")

    kept_row = page.get_by_role("row").filter(has_text=KEPT)
    duplicate_row = page.get_by_role("row").filter(has_text=DUPLICATE)
    for checkbox in (kept_row.get_by_role("checkbox"), duplicate_row.get_by_role("checkbox")):
        checkbox.check(force=True)  # the DSFR label draws the box over the input
        expect(checkbox).to_be_checked()
    kept_row.get_by_role("radio").check(force=True)
    expect(kept_row.get_by_role("radio")).to_be_checked()
    page.get_by_role("button", name="Fusionner la sélection").click()
    expect(page.get_by_role("status")).to_contain_text("1 contribution(s) fusionnée(s)")
    expect(duplicate_row).to_have_count(1)  # now only inside the kept row, as its source
    expect(kept_row).to_contain_text(f"↳ fusionnée : {DUPLICATE}")
    # The participant agreed with both: counted once.
    expect(kept_row).to_contain_text("1 pour, 0 contre, 0 passe")

    kept_row.get_by_role("button", name="Retenir comme piste de travail").click()
    expect(page.get_by_role("status")).to_contain_text("État de la contribution mis à jour.")
    expect(kept_row).to_contain_text("Retenue comme piste de travail")

    page.get_by_role("button", name="Publier la restitution").click()
    confirm(page, "Oui, publier la restitution")
    expect(page.locator("#etat")).to_have_text("Restitution publiée")
    assert Event.objects.get(pk=event.pk).state == EventState.RESTITUTION_PUBLISHED
    states = dict(
        Contribution.objects.filter(text__in=[KEPT, DUPLICATE]).values_list("text", "state")
    )
    assert states == {KEPT: ContributionState.RETAINED, DUPLICATE: ContributionState.MERGED}
    organiser.assert_healthy()

    # Anyone now reads the work leads on the day's public page.
    visitor = open_site()
    visitor.goto(f"/journees/{DAY}/")
    heading = visitor.page.get_by_role("heading", name="Restitution : pistes de travail")
    expect(heading).to_be_visible()
    lead = visitor.page.locator("#restitution ~ ol > li").filter(has_text=KEPT)
    expect(lead).to_contain_text("1 d’accord, 0 pas d’accord, 0 sans avis.")
    expect(lead.locator("summary")).to_have_text("Issue de 2 contributions")
    lead.locator("summary").click()
    expect(lead.get_by_text(DUPLICATE, exact=False)).to_be_visible()
    visitor.assert_healthy()
