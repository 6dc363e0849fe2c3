"""The organiser of a territorial health council (CTS)'s whole journey, with the mouse and with
the keyboard only, on a desktop and on a phone: creates a day and its programme, opens its
registrations, gives a workshop its facilitator, then on a day held moderates the proposals,
merges two duplicates, publishes the restitution after the confirmation step, and writes to
those who came with the ready-made message, checked in its preview before it is sent."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from concertation.contributions.models import Contribution, ContributionState, Facilitation
from concertation.events.models import Event, EventState
from concertation.registrations.models import Mailing, Registration
from concertation.registrations.services import mailings
from tests.e2e.journey import MODES, VIEWPORTS, Journey, output_folder

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HELD_DAY = "cnr-sante-eure-et-loir-2024-12-12"
TITLE = "Journée de concertation de Dreux"
WORKSHOP = "Accès aux soins non programmés"
KEPT = "Créer un numéro unique pour signaler une agression à l’accueil"
DUPLICATE = "Un numéro unique pour signaler les agressions aux accueils"
OTHER = "Former les élus locaux à la prévention des violences"


def _proposals_of_the_held_day() -> Event:
    day = Event.objects.get(slug=HELD_DAY)
    workshop = day.workshops.order_by("position").first()
    for text in (KEPT, DUPLICATE, OTHER):
        Contribution.objects.create(
            campaign=day.campaign, theme=workshop.theme, text=text, origin="workshop",
            event=day, workshop=workshop, department=day.department,
            health_territory=day.health_territory, state=ContributionState.PUBLISHED)
    # Three of those who came accepted the organisers' mailings when they registered.
    came = day.registrations.filter(checked_in_at__isnull=False).order_by("pk")[:3]
    Registration.objects.filter(pk__in=[r.pk for r in came]).update(consent_mailings=True)
    return day


@VIEWPORTS
@MODES
def test_cts_organiser_journey(demo, open_site, tmp_path_factory, mode, viewport):
    held = _proposals_of_the_held_day()
    me = Journey(open_site(), role="organisateur-cts", mode=mode, viewport=viewport,
                 folder=output_folder(tmp_path_factory))
    page = me.page
    me.login("cts28", "/espace-organisateur/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes journées")
    me.step("Mes journées")

    # A new day, then its programme.
    me.press(page.get_by_role("link", name="Créer une journée"))
    date = timezone.localdate() + dt.timedelta(days=40)
    me.select(page.locator("#id_campaign"), "CNR Santé 2022")
    me.fill(page.locator("#id_title"), TITLE)
    me.fill(page.locator("#id_summary"), "Une matinée d’échanges ouverte à tous.")
    me.select(page.locator("#id_department"), "Eure-et-Loir (28)")
    me.select(page.locator("#id_health_territory"), "Eure-et-Loir")
    me.fill(page.locator("#id_date"), date.isoformat())
    me.fill(page.locator("#id_starts_at"), "09:30")
    me.fill(page.locator("#id_ends_at"), "12:30")
    me.fill(page.locator("#id_venue_name"), "Salle des fêtes")
    me.fill(page.locator("#id_venue_address"), "1 place Métézeau")
    me.fill(page.locator("#id_venue_postcode"), "28100")
    me.fill(page.locator("#id_venue_city"), "Dreux")
    me.step("Créer une journée")
    me.press(page.get_by_role("button", name="Enregistrer", exact=True))
    me.announced("La journée a été créée en brouillon.")
    me.fill(page.locator("#id_workshops-0-title"), WORKSHOP)
    me.select(page.locator("#id_workshops-0-theme"), "La permanence et l’accès aux soins")
    me.fill(page.locator("#id_workshops-0-capacity"), "25")
    me.fill(page.locator("#id_workshops-0-starts_at"), "10:30")
    me.fill(page.locator("#id_workshops-0-ends_at"), "12:00")
    me.step("Le programme")
    me.press(page.get_by_role("button", name="Enregistrer le programme"))
    me.announced("Le programme a été enregistré.")
    me.step("La page de la journée")

    # Published, registrations open.
    me.press(page.get_by_role("button", name="Publier et ouvrir les inscriptions"))
    me.announced("État de la journée : Inscriptions ouvertes")
    expect(page.locator("#etat")).to_have_text("Inscriptions ouvertes")
    event = Event.objects.get(title=TITLE)
    assert event.state == EventState.REGISTRATION_OPEN

    # A facilitator for the workshop, by e-mail.
    me.press(page.get_by_role("link", name="Animateurs des ateliers"))
    me.fill(page.get_by_label(re.compile("^Adresse électronique de l’animateur")),
            "marc.petit@example.org")
    me.fill(page.locator("#id_first_name"), "Marc")
    me.fill(page.locator("#id_last_name"), "Petit")
    me.press(page.get_by_role("button", name="Ajouter l’animateur"))
    me.announced("marc.petit@example.org anime désormais")
    me.step("Les animateurs des ateliers")
    assert Facilitation.objects.filter(workshop__event=event,
                                       user__email="marc.petit@example.org").exists()

    # After a day held: moderate, merge, publish the restitution.
    me.goto("/espace-organisateur/")
    me.press(page.get_by_role("link", name=held.title).first)
    me.press(page.get_by_role("link", name="Contributions et restitution"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contributions et restitution")
    other = page.get_by_role("row").filter(has_text=OTHER)
    me.press(other.get_by_role("button", name="Valider", exact=True))
    me.announced("État de la contribution mis à jour.")
    expect(page.get_by_role("row").filter(has_text=OTHER)).to_contain_text("Validée")
    me.step("Modérer les contributions")

    kept, duplicate = (Contribution.objects.get(text=t) for t in (KEPT, DUPLICATE))
    me.choose(page.locator(f"#sel-{kept.pk}"))
    me.choose(page.locator(f"#sel-{duplicate.pk}"))
    me.choose(page.locator(f"#garder-{kept.pk}"))
    me.step("Choisir les doublons à fusionner")
    form = page.locator("form").filter(has=page.locator(f"#sel-{kept.pk}"))
    me.press(form.get_by_role("button", name="Fusionner la sélection"))
    me.announced("1 contribution(s) fusionnée(s)")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == kept.pk

    me.press(page.get_by_role("button", name="Publier la restitution"))
    me.confirm("Oui, publier la restitution")
    expect(page.locator("#etat")).to_have_text("Restitution publiée")
    me.step("Restitution publiée")
    held.refresh_from_db()
    assert held.state == EventState.RESTITUTION_PUBLISHED

    # Written to those who came: the ready-made message, checked as it will arrive, then sent.
    me.press(page.get_by_role("link", name="Envoyer la restitution aux participants"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Écrire aux inscrits")
    expect(page.get_by_label("Objet")).to_have_value(
        f"Restitution de la journée « {held.title} »")
    expect(page.get_by_label("Les personnes venues (pointées à l’accueil)")).to_be_checked()
    me.fill(page.get_by_label("Objet"), f"Restitution : {held.title}")
    me.step("Écrire aux inscrits")
    me.press(page.get_by_role("button", name="Prévisualiser le message"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vérifier le message avant de l’envoyer")
    present = mailings.recipients(held, Mailing.Audience.PRESENT).count()
    assert present > 0
    expect(page.locator("#nombre-destinataires")).to_have_text(
        f"{present} personne{'s' if present > 1 else ''}")
    expect(page.locator(".mail-preview")).to_contain_text(f"/journees/{held.slug}/#restitution")
    me.step("Vérifier le message")
    me.press(page.get_by_role("button", name=re.compile(f"^Envoyer à {present} personne")))
    me.announced(f"Message « Restitution : {held.title} » envoyé à {present} personne(s).")
    mailing = Mailing.objects.get(event=held)
    assert mailing.recipients == present == mailing.emails.count()
    me.step("Message envoyé")
    me.site.assert_healthy()
