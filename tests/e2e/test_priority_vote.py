"""A workshop's priority vote in the browser: the facilitator opens it with 5 points per
participant, a participant spreads their points from their personal link (too many points
are refused, what they typed is kept), the projector's ranking follows live, and closing the
vote freezes it. axe-core finds no WCAG 2.1 A/AA violation on the pages involved."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from concertation.contributions import services as contributions
from concertation.contributions.models import PriorityVote
from concertation.events.models import Event
from concertation.registrations import services as registrations
from concertation.registrations.tokens import make_token
from tests.e2e.helpers import axe_violations, confirm, format_violations
from tests.factories import applicant

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "cnr-sante-eure-et-loir-4"
FIRST = "Former les équipes d’accueil à la désescalade des conflits"
SECOND = "Installer des boutons d’alerte dans les cabinets isolés"
THIRD = "Ouvrir une ligne d’écoute pour les professionnels victimes"


def test_participant_spreads_points_and_the_projector_ranks_them(demo, open_site):
    event = Event.objects.get(slug=DAY)
    workshop = event.workshops.order_by("position").first()
    facilitator_user = get_user_model().objects.get(username="animation28")
    for text in (FIRST, SECOND, THIRD):
        contributions.capture(workshop=workshop, user=facilitator_user, text=text,
                              client_id=uuid.uuid4().hex)
    found: dict[str, list] = {}

    # The facilitator opens the vote with 5 points per participant.
    facilitator = open_site()
    page = facilitator.page
    manage = f"/animation/ateliers/{workshop.pk}/priorites/"
    facilitator.goto(f"/compte/connexion/?next={manage}")
    page.locator("#id_username").fill("animation28")
    page.locator("#id_password").fill("concertation-demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(facilitator.url(manage))
    found["ouverture"] = axe_violations(page)
    page.get_by_label("Points par participant").fill("5")
    page.get_by_role("button", name="Ouvrir le vote").click()
    expect(page.get_by_role("status")).to_contain_text("5 points par participant")
    vote = PriorityVote.objects.get(workshop=workshop)

    # The room's projector, opened before anyone votes from the facilitator's laptop.
    room = open_site()
    projection = f"/ateliers/{workshop.pk}/projection/"
    room.goto(f"/compte/connexion/?next={projection}")
    room.page.locator("#id_username").fill("animation28")
    room.page.locator("#id_password").fill("concertation-demo")
    room.page.get_by_role("button", name="Se connecter").click()
    expect(room.page).to_have_url(room.url(projection))
    ranking = room.page.locator("#classement")
    expect(ranking).to_contain_text("Vote de priorité en cours")
    expect(ranking).to_contain_text("0 votant")

    # A participant opens their link, then the vote.
    registration = registrations.register(
        event=event, applicant=applicant(first_name="Inès", last_name="Roussel",
                                         email="ines.roussel@example.org"),
        workshops=[workshop]).registration
    participant = open_site()
    voter = participant.page
    participant.goto(f"/inscriptions/{make_token(registration)}/contributions/")
    voter.get_by_role("link", name=f"Répartir mes 5 points : atelier « {workshop.title} »").click()
    expect(voter.get_by_role("heading", level=1)).to_have_text(
        f"Vote de priorité : {workshop.title}")
    first, second, third = (voter.get_by_label(text) for text in (FIRST, SECOND, THIRD))
    first.fill("3")
    second.fill("3")
    expect(voter.locator("#points-restants")).to_have_text(
        "Vous dépassez de 1 point : retirez-en avant d’enregistrer.")
    voter.get_by_role("button", name="Enregistrer mes points").click()
    # Refused by the server: the message, and the figures as typed.
    expect(voter.get_by_role("alert")).to_have_text(
        "Vous avez réparti 6 points : le maximum est 5. Retirez-en 1.")
    expect(first).to_have_value("3")
    expect(second).to_have_value("3")
    found["répartition (erreur)"] = axe_violations(voter)
    second.fill("2")
    expect(voter.locator("#points-restants")).to_have_text("0 point restant sur 5.")
    voter.get_by_role("button", name="Enregistrer mes points").click()
    expect(voter.get_by_role("status")).to_contain_text("Vos 5 points sont enregistrés")
    expect(first).to_have_value("3")
    found["répartition"] = axe_violations(voter)

    # The projector follows without a reload: the first proposal leads with 3 points.
    expect(ranking).to_contain_text("1 votant")
    rows = ranking.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text(FIRST)
    expect(rows.nth(0)).to_contain_text("3")
    expect(rows.nth(1)).to_contain_text(SECOND)

    # She changes her mind: everything on the third.
    first.fill("")
    second.fill("")
    third.fill("5")
    voter.get_by_role("button", name="Enregistrer mes points").click()
    expect(voter.get_by_role("status")).to_contain_text("Vos 5 points sont enregistrés")
    expect(rows.nth(0)).to_contain_text(THIRD)
    found["projection"] = axe_violations(room.page)

    # The facilitator closes the vote: the ranking is frozen.
    page.reload()
    page.get_by_role("button", name="Clore le vote et arrêter le classement").click()
    confirm(page, "Oui, clore le vote")
    expect(page.get_by_role("status")).to_contain_text("Le vote est clos")
    found["clôture"] = axe_violations(page)
    vote.refresh_from_db()
    assert not vote.is_open and vote.results[0]["text"] == THIRD
    assert vote.results[0]["points"] == 5 and vote.voters == 1
    room.page.reload()
    expect(ranking).to_contain_text("Vote de priorité clos")
    expect(ranking.locator("tbody tr").nth(0)).to_contain_text(THIRD)
    voter.reload()
    expect(voter.get_by_text("Ce vote est clos : voici son classement.")).to_be_visible()

    for site in (facilitator, room, participant):
        site.assert_healthy()
        assert not site.watch.csp_violations, site.watch.csp_violations
        # No page left polling the live server while the next test sets up.
        site.page.goto("about:blank")
    report = "\n".join(format_violations(name, v) for name, v in found.items() if v)
    assert not report, report
