import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concertation.contributions.models import Contribution, Facilitation
from concertation.events.models import EventState
from tests.factories import (
    EventFactory,
    UserFactory,
    WorkshopFactory,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def workshop():
    return WorkshopFactory(event=EventFactory(state=EventState.REGISTRATION_CLOSED))


@pytest.fixture
def facilitator(workshop):
    user = UserFactory()
    Facilitation.objects.create(user=user, workshop=workshop)
    return user


@pytest.mark.parametrize(
    ("role", "expected"),
    [("facilitator", 200), ("organiser_of_territory", 200), ("organiser_elsewhere", 404),
     ("other_user", 404), ("anonymous", 302)],
)
def test_who_may_capture(client, workshop, facilitator, role, expected):
    user = {
        "facilitator": facilitator,
        "organiser_of_territory": organiser_of(workshop.event.health_territory),
        "organiser_elsewhere": organiser_of(make_territory("69")),
        "other_user": UserFactory(),
        "anonymous": None,
    }[role]
    if user:
        client.force_login(user)
    assert client.get(reverse("contributions:capture", args=[workshop.pk])).status_code == expected
    response = client.post(reverse("contributions:capture_submit", args=[workshop.pk]),
                           {"text": "Une idée", "client_id": f"id-{role}"}, headers=JSON)
    assert response.status_code == (201 if expected == 200 else expected)
    assert Contribution.objects.exists() == (expected == 200)


def test_a_resent_entry_is_stored_once(client, workshop, facilitator):
    client.force_login(facilitator)
    url = reverse("contributions:capture_submit", args=[workshop.pk])
    data = {"text": "Créer une maison de santé", "client_id": "9f1c"}
    first = client.post(url, data, headers=JSON)
    again = client.post(url, data, headers=JSON)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Contribution.objects.count() == 1


def test_bad_capture_is_a_json_message_and_nothing_stored(client, workshop, facilitator):
    client.force_login(facilitator)
    url = reverse("contributions:capture_submit", args=[workshop.pk])
    response = client.post(url, {"text": "  ", "client_id": "a1"}, headers=JSON)
    assert response.status_code == 400 and "vide" in response.json()["error"]
    response = client.post(url, {"text": "x" * 6000, "client_id": "a2"}, headers=JSON)
    assert response.status_code == 400 and "dépasse" in response.json()["error"]
    assert not Contribution.objects.exists()


def test_capture_without_javascript_redirects_back(client, workshop, facilitator):
    client.force_login(facilitator)
    response = client.post(reverse("contributions:capture_submit", args=[workshop.pk]),
                           {"text": "Sans JavaScript", "client_id": "nojs-1"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Sans JavaScript" in page


def test_inline_edit(client, workshop, facilitator):
    client.force_login(facilitator)
    created = client.post(reverse("contributions:capture_submit", args=[workshop.pk]),
                          {"text": "Premier jet", "client_id": "e1"}, headers=JSON).json()
    url = reverse("contributions:capture_edit", args=[workshop.pk, created["id"]])
    answer = client.post(url, {"text": "Version corrigée"}, headers=JSON)
    assert answer.json()["text"] == "Version corrigée"
    assert client.post(url, {"text": ""}, headers=JSON).status_code == 400
    assert Contribution.objects.get().text == "Version corrigée"


def test_projector_shows_the_workshop_proposals_escaped(client, workshop, facilitator):
    client.force_login(facilitator)
    client.post(reverse("contributions:capture_submit", args=[workshop.pk]),
                {"text": "<b>gras</b> & co", "client_id": "p1"}, headers=JSON)
    page = client.get(reverse("contributions:projector", args=[workshop.pk])).content.decode()
    assert "&lt;b&gt;gras&lt;/b&gt; &amp; co" in page
    fragment = client.get(reverse("contributions:projector", args=[workshop.pk]),
                          headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "1 proposition" in fragment


def test_a_facilitator_lands_on_their_workshops_after_signing_in(client, workshop, facilitator):
    """Signing in leads to the back-office home, which sends a facilitator without an
    organiser role to « Mes ateliers » instead of a refusal."""
    client.force_login(facilitator)
    response = client.get(reverse("backoffice:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:my_workshops")
    page = client.get(response["Location"]).content.decode()
    assert workshop.title in page
    assert reverse("contributions:capture", args=[workshop.pk]) in page
    # Someone with no role at all gets a French page that says why.
    client.force_login(UserFactory())
    refused = client.get(reverse("backoffice:home"))
    assert refused.status_code == 403
    assert "réservée aux organisateurs" in refused.content.decode()
    assert "Accès refusé" in refused.content.decode()


def _menu_links(response) -> list[str]:
    html = response.content.decode()
    nav = html[html.index('id="navigation"'):html.index("</nav>", html.index('id="navigation"'))]
    return [text for text in ("Mes ateliers", "Mes journées") if f">{text}</a>" in nav]


def test_the_menu_leads_a_facilitator_back_to_their_workshops(
        client, workshop, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("contributions:capture", args=[workshop.pk]))
    assert _menu_links(response) == ["Mes ateliers"]
    assert f'href="{reverse("contributions:my_workshops")}"' in response.content.decode()
    # The menu reads organiser and facilitator rights in one query, as it read the organiser's
    # alone before: no page's pinned query count moves.
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("front:my_data"))
    assert _menu_links(response) == []
    both = [q["sql"] for q in queries.captured_queries
            if "organisermembership" in q["sql"] and "facilitation" in q["sql"]]
    assert len(both) == 1
    client.force_login(organiser_of(workshop.event.health_territory))
    assert _menu_links(client.get(reverse("front:my_data"))) == ["Mes journées"]
