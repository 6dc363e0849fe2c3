"""A participant's whole journey, with the mouse and with the keyboard only, on a desktop and on
a phone: finds a day in the agenda, registers, gets the personal link by mail (a real SMTP
server on the loopback), is checked in at the door, votes on the proposals of the day, reads
the restitution, and follows a labelled project."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from concertation.accounts.scope import scope_for
from concertation.contributions import services as contributions
from concertation.events import services as events
from concertation.events.models import Event
from concertation.registrations import services as registrations
from concertation.registrations.models import Registration
from tests.e2e.journey import MODES, VIEWPORTS, Journey, mail_through_smtp, output_folder

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "cnr-sante-eure-et-loir-4"
WORKSHOP = "Violence des usagers envers les professionnels"
PROPOSAL = "Installer des boutons d’alerte dans les cabinets isolés"
PROJECT = "plate-forme-accompagnement-professionnels-sante-eure-et-loir"


def _the_day_happens(event: Event, registration: Registration) -> None:
    """What the others do meanwhile: the organiser checks the participant in at the door, the
    facilitator captures a proposal in the workshop."""
    organiser = get_user_model().objects.get(username="cts28")
    registrations.set_checked_in(registration, present=True, user=organiser)
    facilitator = get_user_model().objects.get(username="animation28")
    contributions.capture(workshop=event.workshops.get(title=WORKSHOP), user=facilitator,
                          text=PROPOSAL, client_id="parcours-participant-1")


def _restitution_published(event: Event) -> None:
    organiser = get_user_model().objects.get(username="cts28")
    scope = scope_for(organiser)
    for target in ("held", "restitution_published"):
        event.refresh_from_db()
        events.transition(scope=scope, user=organiser, event=event, target=target)


@VIEWPORTS
@MODES
def test_participant_journey(demo, open_site, settings, live_server, tmp_path_factory,
                             mode, viewport):
    email = f"lucie.{mode}.{viewport['width']}@example.org"
    with mail_through_smtp(settings, live_server) as mailbox:
        me = Journey(open_site(), role="participant", mode=mode, viewport=viewport,
                     folder=output_folder(tmp_path_factory))
        page = me.page
        event = Event.objects.get(slug=DAY)

        # Finds a day of her region in the agenda.
        me.goto("/agenda/")
        me.select(page.get_by_label("Région"), "Centre-Val de Loire")
        me.press(page.get_by_role("button", name="Filtrer"))
        day_link = page.locator("#resultats").get_by_role("link", name=event.title)
        expect(day_link).to_be_visible()
        me.step("Trouver une journée dans l’agenda")
        me.press(day_link)
        expect(page.get_by_role("heading", level=1)).to_have_text(event.title)
        me.step("La page de la journée")

        # Registers.
        me.press(page.get_by_role("link", name="S’inscrire à la journée").first)
        me.fill(page.locator("#id_first_name"), "Lucie")
        me.fill(page.locator("#id_last_name"), "Fontaine")
        me.fill(page.locator("#id_email"), email)
        me.choose(page.get_by_label(re.compile("^Usager ou représentant des usagers")))
        me.choose(page.get_by_label(re.compile("^" + WORKSHOP)))
        me.choose(page.get_by_label(re.compile("^J’accepte que mes données soient traitées")))
        me.step("Le formulaire d’inscription rempli")
        me.press(page.get_by_role("button", name="Je m’inscris"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
        me.step("Inscription envoyée")

        # The personal link comes by mail.
        mail = mailbox.wait_to(email, "Inscription confirmée")
        me.goto(mail.link(r"/inscriptions/[^/]+/$").removeprefix(live_server.url))
        expect(page.get_by_role("heading", level=1)).to_have_text("Mon inscription")
        expect(page.locator("#statut")).to_have_text("Confirmée")
        me.step("Mon inscription, par le lien du courriel")

    # She comes: checked in at the door; the workshop's proposals appear.
    registration = Registration.objects.get(email=email)
    _the_day_happens(event, registration)
    page.reload()
    me.press(page.get_by_role("link", name="Voir et voter sur les propositions de la journée"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Les propositions de la journée")
    card = page.locator(".fr-card").filter(has_text=PROPOSAL)
    agree = card.get_by_role("button", name="D’accord", exact=True)
    me.press(agree)
    expect(agree).to_have_attribute("aria-pressed", "true")
    me.step("Voter sur les propositions")
    assert registration.votes.get().value == 1

    # After the day: the restitution on the day's page.
    _restitution_published(event)
    me.goto(f"/journees/{DAY}/")
    heading = page.get_by_role("heading", name="Restitution : pistes de travail")
    heading.scroll_into_view_if_needed()
    expect(heading).to_be_visible()
    me.step("Lire la restitution")

    # Follows a labelled project.
    with mail_through_smtp(settings, live_server) as mailbox:
        me.goto(f"/projets/{PROJECT}/")
        me.press(page.get_by_role("link", name="S’abonner aux actualités"))
        me.fill(page.locator("#id_email"), email)
        me.step("Suivre un projet")
        me.press(page.get_by_role("button", name="M’abonner"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre abonnement")
        mail = mailbox.wait_to(email, "")
        me.goto(mail.link(r"/abonnement/confirmer/").removeprefix(live_server.url))
        me.press(page.get_by_role("button", name="Confirmer mon abonnement"))
        me.announced("abonnement")
        me.step("Abonnement confirmé")
    me.site.assert_healthy()
