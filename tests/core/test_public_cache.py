import pytest
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.events import services
from concertation.events.models import EventState
from tests.factories import EventFactory, organiser_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on(settings):
    settings.PUBLIC_PAGE_CACHE = True


def test_a_cached_page_costs_no_query_then_one_a_second(
    client, cache_on, django_assert_num_queries, monkeypatch
):
    from concertation.core import public_cache

    event = EventFactory()
    client.get(event.get_absolute_url())
    with django_assert_num_queries(0):
        response = client.get(event.get_absolute_url())
    assert event.title in response.content.decode()
    monkeypatch.setitem(public_cache._version, "expires", 0.0)  # a second later
    with django_assert_num_queries(1):
        client.get(event.get_absolute_url())


def test_a_change_made_by_another_process_is_seen_within_a_second(client, cache_on,
                                                                  monkeypatch):
    from concertation.core import public_cache
    from concertation.core.models import PublicContentVersion

    event = EventFactory(title="Avant")
    client.get(event.get_absolute_url())
    # Another process renames the day and bumps the version in the database only.
    type(event).objects.filter(pk=event.pk).update(title="Après")
    PublicContentVersion.objects.update_or_create(pk=1, defaults={"version": 99})
    assert "Avant" in client.get(event.get_absolute_url()).content.decode()
    monkeypatch.setitem(public_cache._version, "expires", 0.0)
    assert "Après" in client.get(event.get_absolute_url()).content.decode()


def test_a_change_through_a_service_is_seen_at_once(client, cache_on):
    event = EventFactory(title="Avant")
    user = organiser_of(event.health_territory)
    assert "Inscriptions ouvertes" not in client.get(event.get_absolute_url()).content.decode()
    services.transition(scope=scope_for(user), user=user, event=event,
                        target=EventState.REGISTRATION_OPEN)
    assert "Inscriptions ouvertes" in client.get(event.get_absolute_url()).content.decode()


def test_signed_in_visitors_are_never_served_the_anonymous_page(client, cache_on):
    event = EventFactory()
    assert "Se déconnecter" not in client.get(reverse("front:home")).content.decode()
    client.force_login(organiser_of(event.health_territory))
    assert "Se déconnecter" in client.get(reverse("front:home")).content.decode()


def test_htmx_fragments_and_full_pages_are_cached_apart(client, cache_on):
    EventFactory()
    full = client.get(reverse("events:agenda")).content.decode()
    fragment = client.get(reverse("events:agenda"), headers={"HX-Request": "true"})
    assert "<html" in full and "<html" not in fragment.content.decode()


def test_ics_keeps_its_content_type_from_the_cache(client, cache_on):
    event = EventFactory()
    client.get(reverse("events:ics", args=[event.slug]))
    response = client.get(reverse("events:ics", args=[event.slug]))
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment")


def test_a_visitors_flash_message_is_never_cached_for_others(client, cache_on):
    from django.test import Client

    from concertation.registrations.services import register
    from concertation.registrations.tokens import make_token
    from tests.factories import applicant

    event = EventFactory(open=True)
    registration = register(event=event, applicant=applicant(), workshops=[]).registration
    client.post(reverse("registrations:cancel", args=[make_token(registration)]),
                {"confirm": "1"})
    response = client.post(reverse("registrations:resend", args=[event.slug]),
                           {"email": "autre@example.org"}, follow=True)
    assert "Si cette adresse est inscrite" in response.content.decode()
    stranger = Client().get(event.get_absolute_url()).content.decode()
    assert "Si cette adresse est inscrite" not in stranger
    assert "Votre inscription est annulée" not in stranger
