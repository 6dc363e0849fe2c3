"""The participation pages pass axe-core's WCAG 2.1 A/AA rules (the basis of RGAA 4): sign-up
and the participant's own pages, votes, live capture and projection, online contributions,
and the organiser's registration, check-in, contribution and moderation pages. Each test lists
every violation of every page it scanned before it fails."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from concertation.contributions import services as contributions
from concertation.events.models import Event, Workshop
from concertation.registrations import services as registrations
from concertation.registrations.tokens import make_token
from tests.e2e.helpers import Site, axe_violations, format_violations
from tests.factories import applicant

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "cnr-sante-eure-et-loir-4"
CAMPAIGN = "cnr-sante-eure-et-loir-2024"


@dataclass
class Participation:
    event: Event
    workshop: Workshop
    token: str
    online_pk: int


def _participation() -> Participation:
    """Something on every page scanned: a participant, captured and online proposals, one of
    them waiting for a moderator."""
    event = Event.objects.select_related("campaign", "department").get(slug=DAY)
    workshop = event.workshops.order_by("position").first()
    registration = registrations.register(
        event=event,
        applicant=applicant(first_name="Inès", last_name="Roussel",
                            email="ines.roussel@example.org"),
        workshops=[workshop],
    ).registration
    facilitator = get_user_model().objects.get(username="animation28")
    for text in (
        "Former les équipes d’accueil à la désescalade des conflits",
        "Afficher les droits et devoirs des usagers dans chaque salle d’attente",
    ):
        contributions.capture(
            workshop=workshop, user=facilitator, text=text, client_id=uuid.uuid4().hex
        )
    citizen = get_user_model().objects.create_user(
        "citoyenne", email="citoyenne@example.org", first_name="Nadia", last_name="Perrin"
    )
    common = {
        "campaign": event.campaign,
        "user": citizen,
        "theme": event.campaign.themes.first(),
        "department": event.department,
        "college": event.campaign.college_choices[0][0],
    }
    online = contributions.submit_online(
        title="Des médiateurs dans les services d’urgence",
        text="Recruter des médiateurs formés pour apaiser les tensions en salle d’attente.",
        **common,
    )
    contributions.submit_online(
        title="Mon expérience aux urgences",
        text="Après mon opération du genou, on m’a fait attendre six heures.",
        flagged=True,
        **common,
    )
    return Participation(event, workshop, make_token(registration), online.pk)


def _scan(site: Site, what: str) -> str | None:
    # The design system's script has set up its components (menu, modals).
    expect(site.page.locator("html")).to_have_attribute("data-fr-js", "true")
    violations = axe_violations(site.page)
    return format_violations(what, violations) if violations else None


def _scan_paths(site: Site, paths: list[str]) -> list[str]:
    reports = []
    for path in paths:
        site.goto(path)
        if report := _scan(site, path):
            reports.append(report)
    return reports


def test_participant_pages_have_no_wcag_violation(demo, site):
    data = _participation()
    register = f"/journees/{DAY}/inscription/"
    reports = _scan_paths(site, [register])

    # The form as it comes back with errors.
    site.page.get_by_role("button", name="Je m’inscris").click()
    expect(site.page.get_by_role("alert").first).to_be_visible()
    if report := _scan(site, "formulaire d’inscription en erreur"):
        reports.append(report)

    reports += _scan_paths(
        site,
        [
            f"/journees/{DAY}/inscription/envoyee/",
            f"/inscriptions/{data.token}/",
            f"/inscriptions/{data.token}/contributions/",
            "/contributions/",
            f"/contributions/{data.online_pk}/",
            f"/concertations/{CAMPAIGN}/",
            "/compte/lien/",
        ],
    )
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()


def test_capture_and_organiser_participation_pages_have_no_wcag_violation(demo, site):
    data = _participation()
    day = f"/espace-organisateur/journees/{data.event.pk}"
    site.login("cts28")
    reports = _scan_paths(
        site,
        [
            f"/animation/ateliers/{data.workshop.pk}/",
            f"{day}/inscriptions/",
            f"{day}/accueil/",
            f"{day}/participation/",
            f"{day}/contributions/",
            "/espace-organisateur/moderation/",
        ],
    )
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()
