import datetime as dt

import pytest
from django.urls import reverse

from concertation.demo import load_demo
from concertation.events.models import Event, EventState
from concertation.territories.models import Agency, Department, HealthTerritory, Region

pytestmark = pytest.mark.django_db


def test_reference_territories_are_complete():
    assert Region.objects.count() == 18
    assert Agency.objects.count() == 18
    assert Department.objects.count() == 101
    assert Department.objects.get(code="2A").region.name == "Corse"
    assert Department.objects.get(code="28").region.code == "24"
    assert Department.objects.filter(region__code="84").count() == 12


def test_demo_tells_the_seeds_story_and_loads_idempotently(client):
    today = dt.date(2026, 11, 23)
    first = load_demo(today)
    again = load_demo(today)
    assert again["events_created"] == 0
    assert again["events_total"] == first["events_total"]

    third = Event.objects.get(slug="cnr-sante-eure-et-loir-2024-12-12")
    assert (third.date, third.starts_at, third.ends_at) == (
        dt.date(2024, 12, 12), dt.time(9), dt.time(13))
    assert third.venue_name == "CCI Eure-et-Loir"
    assert third.venue_address == "5bis avenue Marcel Proust"
    assert [w.title for w in third.workshops.all()] == [
        "Violence des professionnels envers les usagers",
        "Violence des usagers envers les professionnels",
    ]
    assert "Rusch" in " ".join(t.speakers for t in third.talks.all())
    assert third.documents.count() == 1

    held = Event.objects.filter(department__code="28", state=EventState.HELD)
    assert {e.date for e in held} >= {dt.date(2022, 11, 25), dt.date(2024, 2, 1)}
    upcoming = Event.objects.get(slug="cnr-sante-eure-et-loir-4")
    assert upcoming.date > today and upcoming.state == EventState.REGISTRATION_OPEN

    ara = Event.objects.filter(department__region__code="84",
                               kind=Event.Kind.CONSULTATION_DAY)
    assert ara.count() == 12
    assert min(e.date for e in ara) == dt.date(2022, 11, 25)
    assert Event.objects.filter(kind=Event.Kind.REGIONAL_RESTITUTION,
                                date__month=12, date__year=2022).exists()
    assert HealthTerritory.objects.filter(region__code="84").count() == 12

    page = client.get(reverse("events:agenda"), {"region": "84"}).content.decode()
    assert page.count("CNR Santé — journée de concertation") == 12


def test_demo_organiser_can_sign_in_and_sees_the_eure_et_loir_days(client):
    load_demo(dt.date(2026, 11, 23))
    response = client.post(reverse("accounts:login"),
                           {"username": "cts28", "password": "concertation-demo"})
    assert response.status_code == 302
    page = client.get(reverse("backoffice:home")).content.decode()
    assert "3e CNR Santé d’Eure-et-Loir" in page
    assert "journée de concertation Ain" not in page


@pytest.mark.parametrize(("username", "landing"), [
    ("animation28", "contributions:my_workshops"),
    ("moderation28", "contributions_backoffice:moderation"),
    ("crsa-ara", "synthesis_backoffice:index"),
    ("ministere", "national:inbox"),
])
def test_each_demo_role_signs_in_and_lands_on_its_own_page(client, username, landing):
    load_demo(dt.date(2026, 11, 23))
    response = client.post(reverse("accounts:login"),
                           {"username": username, "password": "concertation-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.status_code == 200


def test_wrong_password_is_a_french_message(client):
    load_demo(dt.date(2026, 11, 23))
    response = client.post(reverse("accounts:login"), {"username": "cts28", "password": "x"})
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()
