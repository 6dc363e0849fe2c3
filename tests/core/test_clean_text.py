"""Text comes in through one cleaner (`core/text.py`, applied to every query parameter and
form field by `CleanTextMiddleware`), whether a view reads it through a form or by hand: NUL,
which PostgreSQL refuses in text (a 500), refuses a form whole with a French page and is
dropped from a query parameter; other control characters are removed; text is stored in NFC."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from concertation.accounts.models import OrganiserMembership, Role
from concertation.core import text
from concertation.national.models import Message, Transmission
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    SynthesisFactory,
    UserFactory,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(client):
    user = UserFactory()
    OrganiserMembership.objects.create(user=user, role=Role.NATIONAL)
    client.force_login(user)
    sent = SynthesisFactory(level="region", region=make_territory("28").region,
                            state="transmitted")
    return Transmission.objects.create(synthesis=sent)


def _ask(client, transmission, question):
    return client.post(reverse("national:ask", args=[transmission.pk]), {"text": question})


def test_a_question_holding_nul_is_refused_whole(client, national):
    """The view reads `request.POST` by hand: the question answered 500 on PostgreSQL."""
    response = _ask(client, national, "Combien de\x00 participants ?")
    assert response.status_code == 400
    page = response.content.decode()
    assert "caractère nul" in page and "Rien n’a été enregistré" in page
    assert not Message.objects.exists()


def test_a_question_loses_its_other_control_characters(client, national):
    response = _ask(client, national, "Combien\x0bde participants\x01 à Chartres ?\r\nMerci.")
    assert response.status_code == 302
    assert Message.objects.get().text == "Combien de participants à Chartres ?\r\nMerci."


def test_text_is_stored_composed(client, national):
    _ask(client, national, "Qu’en pense l’e\u0301quipe ?")  # « é » as e + combining accent
    assert Message.objects.get().text == "Qu’en pense l’\u00e9quipe ?"


def test_a_password_is_read_as_typed(client):
    """A password is never normalised: it must match what it was set with."""
    get_user_model().objects.create_user("orga", "orga@example.org", "e\u0301te\u0301-2031!")
    response = client.post(reverse("accounts:login"),
                           {"username": "orga", "password": "e\u0301te\u0301-2031!"})
    assert response.status_code == 302


def test_a_search_holding_nul_is_read_without_it(client):
    """The check-in search answered 500 on PostgreSQL for `?q=%00`."""
    event = EventFactory(open=True)
    RegistrationFactory(event=event, last_name="Martin")
    client.force_login(organiser_of(event.health_territory))
    response = client.get(reverse("registrations_backoffice:check_in", args=[event.pk]),
                          {"q": "Mar\x00tin"})
    assert response.status_code == 200
    assert "Martin" in response.content.decode()


def test_an_address_holding_nul_is_refused(client):
    response = client.get("/agenda/region-%00.ics")
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


@pytest.mark.parametrize(("raw", "clean"), [
    ("a\x00b", "ab"), ("ligne\x0bsuite", "ligne suite"), ("page\x0csuite", "page suite"),
    ("tab\tet\r\nligne", "tab\tet\r\nligne"), ("\x1b[31mrouge\x7f", "[31mrouge"),
    ("cafe\u0301", "caf\u00e9"), ("², ∞, 🙂", "², ∞, 🙂"),
])
def test_the_cleaner(raw, clean):
    assert text.clean(raw) == clean and text.is_clean(clean)
