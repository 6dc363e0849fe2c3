"""Organisers create a day, build its programme, roll it out, publish it; bad input is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from concertation.events.models import Event, EventState

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Journée de concertation e2e en Isère"
COPY_TITLE = "Journée e2e déclinée dans les territoires"
WORKSHOP = "Accès aux soins non programmés"


def _fill_day(
    page: Page,
    *,
    title: str,
    department: str,
    territory: str,
    date: dt.date,
    starts: str,
    ends: str,
) -> None:
    page.locator("#id_campaign").select_option(label="CNR Santé 2022")
    page.locator("#id_title").fill(title)
    page.locator("#id_summary").fill("Une matinée d’échanges ouverte à tous.")
    page.locator("#id_department").select_option(label=department)
    page.locator("#id_health_territory").select_option(label=territory)
    page.locator("#id_date").fill(date.isoformat())
    page.locator("#id_starts_at").fill(starts)
    page.locator("#id_ends_at").fill(ends)
    page.locator("#id_venue_name").fill("Maison des associations")
    page.locator("#id_venue_address").fill("2 rue des Lilas")
    page.locator("#id_venue_postcode").fill("38000")
    page.locator("#id_venue_city").fill("Grenoble")


def test_organiser_creates_programmes_duplicates_and_publishes_a_day(demo, open_site):
    organiser = open_site()
    page = organiser.page
    organiser.login("ars-ara")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes journées")

    page.get_by_role("link", name="Créer une journée").click()
    expect(page).to_have_url(organiser.url("/espace-organisateur/journees/nouvelle/"))
    date = timezone.localdate() + dt.timedelta(days=45)
    _fill_day(
        page,
        title=TITLE,
        department="Isère (38)",
        territory="Isère",
        date=date,
        starts="09:30",
        ends="12:30",
    )
    page.get_by_label("Le rôle et l’accès au médecin traitant (CNR Santé 2022)").check()
    page.get_by_role("button", name="Enregistrer").click()

    # Created as a draft, the organiser goes on with the programme.
    expect(page).to_have_url(re.compile(r"/espace-organisateur/journees/\d+/programme/$"))
    expect(page.get_by_role("status")).to_contain_text("La journée a été créée en brouillon.")
    event = Event.objects.get(title=TITLE)
    assert event.state == EventState.DRAFT
    assert (event.starts_at, event.ends_at) == (dt.time(9, 30), dt.time(12, 30))
    assert event.department.code == "38" and event.health_territory.slug == "isere"

    page.locator("#id_workshops-0-title").fill(WORKSHOP)
    page.locator("#id_workshops-0-theme").select_option(label="La permanence et l’accès aux soins")
    page.locator("#id_workshops-0-capacity").fill("25")
    page.locator("#id_workshops-0-starts_at").fill("10:30")
    page.locator("#id_workshops-0-ends_at").fill("12:00")
    page.get_by_role("button", name="Enregistrer le programme").click()
    expect(page).to_have_url(organiser.url(f"/espace-organisateur/journees/{event.pk}/"))
    expect(page.get_by_role("status")).to_contain_text("Le programme a été enregistré.")
    expect(page.get_by_text(f"Atelier : {WORKSHOP} (25 places")).to_be_visible()

    # Rolled out as drafts in two other territories of the region.
    page.get_by_role("link", name="Dupliquer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dupliquer « {TITLE} »")
    expect(page.locator("#id_title")).to_have_value(TITLE)
    page.locator("#id_title").fill(COPY_TITLE)
    page.get_by_label("Savoie", exact=True).check()
    page.get_by_label("Ain", exact=True).check()
    page.get_by_role("button", name="Créer les journées").click()
    expect(page).to_have_url(organiser.url("/espace-organisateur/"))
    expect(page.get_by_role("status")).to_contain_text("2 journée(s) créée(s) en brouillon")
    copies = Event.objects.filter(title=COPY_TITLE)
    assert sorted(copies.values_list("health_territory__slug", flat=True)) == ["ain", "savoie"]
    assert set(copies.values_list("state", flat=True)) == {EventState.DRAFT}
    assert all(copy.workshops.get().title == WORKSHOP for copy in copies)

    # The Savoie copy is published with its registrations open.
    savoie = page.get_by_role("row").filter(has=page.get_by_role("cell", name="Savoie", exact=True))
    savoie.get_by_role("link", name=COPY_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COPY_TITLE)
    expect(page.locator("#etat")).to_have_text("Brouillon")
    expect(page.get_by_role("button", name="Publier", exact=True)).to_be_visible()
    page.get_by_role("button", name="Publier et ouvrir les inscriptions").click()
    expect(page.get_by_role("status")).to_contain_text("État de la journée : Inscriptions ouvertes")
    expect(page.locator("#etat")).to_have_text("Inscriptions ouvertes")
    published = copies.get(health_territory__slug="savoie")
    published.refresh_from_db()
    assert published.state == EventState.REGISTRATION_OPEN

    # The public sees the published day, and none of the drafts.
    visitor = open_site()
    visitor.goto("/agenda/?region=84")
    results = visitor.page.locator("#resultats")
    expect(results.get_by_role("link", name=COPY_TITLE)).to_have_count(1)
    expect(results.get_by_role("link", name=TITLE)).to_have_count(0)
    results.get_by_role("link", name=COPY_TITLE).click()
    expect(visitor.page).to_have_url(visitor.url(published.get_absolute_url()))
    public = visitor.page.locator("main")
    expect(public.get_by_role("heading", level=1)).to_have_text(COPY_TITLE)
    expect(public.get_by_text(WORKSHOP)).to_be_visible()
    expect(public.get_by_text("Savoie, Auvergne-Rhône-Alpes")).to_be_visible()
    expect(public.get_by_role("link", name="S’inscrire à la journée")).to_be_visible()
    visitor.goto(Event.objects.get(title=TITLE).get_absolute_url(), status=404)

    # The organiser's manage page now links to it.
    page.reload()
    page.get_by_role("link", name="voir la page publique").click()
    expect(page).to_have_url(organiser.url(published.get_absolute_url()))
    organiser.assert_healthy()
    visitor.assert_healthy()


def test_end_before_start_is_refused_in_french_and_saves_nothing(demo, site):
    page = site.page
    site.login("cts28")
    before = Event.objects.count()
    site.goto("/espace-organisateur/journees/nouvelle/")
    _fill_day(
        page,
        title="Journée à l’envers",
        department="Eure-et-Loir (28)",
        territory="Eure-et-Loir",
        date=timezone.localdate() + dt.timedelta(days=10),
        starts="14:00",
        ends="10:00",
    )
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Le formulaire contient des erreurs : corrigez les champs signalés ci-dessous. "
        "Rien n’a été enregistré."
    )
    error = page.locator("#id_ends_at-erreurs")
    expect(error).to_have_text("L’heure de fin doit être postérieure à l’heure de début.")
    expect(page).to_have_url(site.url("/espace-organisateur/journees/nouvelle/"))
    # What was typed is kept, for the organiser to correct.
    expect(page.locator("#id_title")).to_have_value("Journée à l’envers")
    expect(page.locator("#id_ends_at")).to_have_value("10:00")
    assert Event.objects.count() == before
    assert not Event.objects.filter(title="Journée à l’envers").exists()
    site.assert_healthy()
