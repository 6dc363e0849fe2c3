import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from concertation.events.models import EventState
from tests.factories import (
    EventFactory,
    ThemeFactory,
    WorkshopFactory,
    make_territory,
)

pytestmark = pytest.mark.django_db


def _events(n, **kwargs):
    territory = make_territory(kwargs.pop("department_code", "28"))
    events = []
    for _ in range(n):
        event = EventFactory(health_territory=territory, **kwargs)
        WorkshopFactory.create_batch(3, event=event)
        events.append(event)
    return events


@pytest.mark.parametrize("n", [1, 15])
def test_agenda_query_count_does_not_grow_with_days(client, django_assert_num_queries, n):
    theme = ThemeFactory()
    for event in _events(n):
        event.themes.add(theme)
    # count, page of days, their themes; the filter's regions, departments and themes; the
    # regions of the calendar feeds
    with django_assert_num_queries(7):
        response = client.get(reverse("events:agenda"))
    assert response.status_code == 200
    assert response.content.decode().count("fr-card__title") == n


@pytest.mark.parametrize("n", [1, 15])
def test_home_query_count_does_not_grow_with_days(client, django_assert_num_queries, n):
    _events(n)
    # upcoming days, their themes, campaigns, their themes
    with django_assert_num_queries(4):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("workshops", [1, 12])
def test_day_page_query_count_is_constant(client, django_assert_num_queries, workshops):
    event = EventFactory(open=True)
    WorkshopFactory.create_batch(workshops, event=event)
    # event, talks, workshops, documents, themes, the day's settings (accessibility)
    with django_assert_num_queries(6):
        response = client.get(event.get_absolute_url())
    assert response.status_code == 200


def test_agenda_filters_by_region_department_theme_and_dates(client):
    theme = ThemeFactory(title="Prévention")
    chartres = EventFactory(title="Journée à Chartres")
    chartres.themes.add(theme)
    lyon = EventFactory(title="Journée à Lyon", health_territory=make_territory("69"),
                        date=timezone.localdate() + dt.timedelta(days=60))

    def titles(**params):
        return client.get(reverse("events:agenda"), params).content.decode()

    assert "Journée à Lyon" in titles(region="84")
    assert "Journée à Chartres" not in titles(region="84")
    assert "Journée à Chartres" in titles(department="28")
    assert "Journée à Lyon" not in titles(theme=theme.pk)
    after = (lyon.date - dt.timedelta(days=1)).isoformat()
    page = titles(start=after)
    assert "Journée à Lyon" in page and "Journée à Chartres" not in page
    page = titles(end=chartres.date.isoformat())
    assert "Journée à Chartres" in page and "Journée à Lyon" not in page


def test_agenda_reports_bad_filters_in_french_and_keeps_valid_ones(client):
    EventFactory(title="Journée à Lyon", health_territory=make_territory("69"))
    response = client.get(reverse("events:agenda"), {"region": "999", "department": "69"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in page
    assert "Journée à Lyon" in page
    page = client.get(reverse("events:agenda"), {"start": "2025-02-01", "end": "2025-01-01"})
    assert "La date de fin de période précède sa date de début." in page.content.decode()
    page = client.get(reverse("events:agenda"), {"start": "pas une date"})
    assert "Saisissez une date valide" in page.content.decode()


def test_agenda_paginates_and_survives_bad_page_numbers(client):
    _events(25)
    first = client.get(reverse("events:agenda")).content.decode()
    assert first.count("fr-card__title") == 20
    second = client.get(reverse("events:agenda"), {"page": 2}).content.decode()
    assert second.count("fr-card__title") == 5
    for bad in ("abc", "-1", "999"):
        assert client.get(reverse("events:agenda"), {"page": bad}).status_code == 200


def test_agenda_puts_coming_days_first_then_the_most_recent_past(client):
    today = timezone.localdate()
    EventFactory(title="Passée ancienne", date=today - dt.timedelta(days=300),
                 state=EventState.HELD)
    EventFactory(title="Passée récente", date=today - dt.timedelta(days=3),
                 state=EventState.HELD)
    EventFactory(title="Bientôt", date=today + dt.timedelta(days=2))
    EventFactory(title="Plus tard", date=today + dt.timedelta(days=50))
    page = client.get(reverse("events:agenda")).content.decode()
    positions = [page.index(t) for t in ("Bientôt", "Plus tard", "Passée récente",
                                         "Passée ancienne")]
    assert positions == sorted(positions)


def test_htmx_request_gets_only_the_results_fragment(client):
    EventFactory(title="Journée fragment")
    response = client.get(reverse("events:agenda"), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "Journée fragment" in page
    assert "<html" not in page


def test_drafts_and_private_days_are_not_public(client):
    draft = EventFactory(draft=True, title="Brouillon secret")
    private = EventFactory(is_public=False, title="Journée interne")
    agenda = client.get(reverse("events:agenda")).content.decode()
    assert "Brouillon secret" not in agenda and "Journée interne" not in agenda
    for event in (draft, private):
        response = client.get(event.get_absolute_url())
        assert response.status_code == 404
        assert "Page non trouvée" in response.content.decode()
        assert client.get(reverse("events:ics", args=[event.slug])).status_code == 404


def test_unknown_url_gets_the_french_404_page(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page non trouvée" in response.content.decode()


def test_day_page_shows_programme_venue_and_a_call_to_register(client):
    event = EventFactory(open=True, registration_url="https://forms.example.org/inscription")
    WorkshopFactory(event=event, title="Violence des usagers envers les professionnels",
                    capacity=45)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Violence des usagers envers les professionnels" in page
    assert "45 places" in page
    assert "5bis avenue Marcel Proust" in page
    assert "S’inscrire à la journée" in page


def test_cancelled_day_shows_the_reason(client, django_user_model):
    from concertation.accounts.scope import scope_for
    from concertation.events import services
    from tests.factories import organiser_of

    event = EventFactory(open=True)
    user = organiser_of(event.health_territory)
    services.transition(scope=scope_for(user), user=user, event=event,
                        target=EventState.CANCELLED, note="Intempéries annoncées")
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Cette journée est annulée" in page and "Intempéries annoncées" in page


def test_event_ics_parses_back_with_paris_times(client):
    event = EventFactory(title="3e CNR Santé", date=dt.date(2030, 12, 12))
    response = client.get(reverse("events:ics", args=[event.slug]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    vevent = next(iter(cal.walk("VEVENT")))
    assert str(vevent["SUMMARY"]) == "3e CNR Santé"
    start = vevent.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 0, "Europe/Paris")
    assert "5bis avenue Marcel Proust" in str(vevent["LOCATION"])


def test_feeds_list_public_days_by_region(client):
    EventFactory(title="Journée Chartres")
    EventFactory(title="Journée Lyon", health_territory=make_territory("69"))
    EventFactory(title="Brouillon", draft=True)

    def summaries(url):
        cal = Calendar.from_ical(client.get(url).content)
        return {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}

    assert summaries(reverse("events:agenda_ics")) == {"Journée Chartres", "Journée Lyon"}
    assert summaries(reverse("events:region_ics", args=["84"])) == {"Journée Lyon"}
    assert client.get(reverse("events:region_ics", args=["00"])).status_code == 404


def test_public_pages_refuse_writes(client):
    assert client.post(reverse("events:agenda")).status_code == 405
