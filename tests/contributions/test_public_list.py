import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from concertation.contributions import services
from concertation.contributions.models import ContributionState
from concertation.events.models import EventState
from tests.factories import EventFactory, UserFactory, WorkshopFactory, make_territory

pytestmark = pytest.mark.django_db


def _capture(workshop, text, college="usager"):
    return services.capture(workshop=workshop, user=None, text=text, college=college,
                            client_id=text[:60]).contribution


@pytest.fixture
def data():
    chartres = WorkshopFactory(event=EventFactory(state=EventState.HELD, title="Chartres"))
    lyon = WorkshopFactory(event=EventFactory(state=EventState.HELD, title="Lyon",
                                              health_territory=make_territory("69")))
    doctors = _capture(chartres, "Recruter des médecins généralistes en zone rurale")
    violence = _capture(chartres, "Former les soignants à la gestion des violences",
                        college="professionnel")
    hidden = _capture(lyon, "Un texte masqué par la modération")
    services.transition(contribution=hidden, target=ContributionState.REJECTED, user=None,
                        reason="hors sujet")
    transport = _capture(lyon, "Des transports vers les centres de santé")
    for _ in range(3):
        services.vote(contribution=transport, value=1, user=UserFactory())
    services.vote(contribution=violence, value=1, user=UserFactory())
    services.vote(contribution=violence, value=-1, user=UserFactory())
    return {"doctors": doctors, "violence": violence, "transport": transport, "lyon": lyon}


def _texts(client, **params):
    return client.get(reverse("contributions:list"), params).content.decode()


def test_only_visible_contributions_are_listed_and_escaped(client, data):
    page = _texts(client)
    assert "Recruter des médecins" in page and "masqué par la modération" not in page
    assert "3 contributions" in page


def test_filters_by_territory_day_and_college(client, data):
    page = _texts(client, territory=data["lyon"].event.health_territory.pk)
    assert "transports" in page and "médecins" not in page
    assert "médecins" not in _texts(client, college="professionnel")
    assert "Former les soignants" in _texts(client, event=data["violence"].event.pk)


def test_search_finds_words_and_on_postgresql_their_forms(client, data):
    from django.db import connection

    assert "Recruter des médecins" in _texts(client, q="généralistes")
    assert "Recruter des médecins" not in _texts(client, q="transports")
    if connection.vendor == "postgresql":
        # French stemming: the plural "violences" matches "violence".
        assert "Former les soignants" in _texts(client, q="violence soignant")


def test_sorts(client, data):
    page = _texts(client, sort="soutenues")
    assert page.index("transports") < page.index("Former les soignants") < page.index("médecins")
    page = _texts(client, sort="consensuelles")
    assert page.index("transports") < page.index("médecins")


def test_bad_filters_are_reported_not_a_500(client, data):
    response = client.get(reverse("contributions:list"), {"territory": "abc", "sort": "x"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_exports_in_three_formats_without_personal_data(client, data):
    rows = json.loads(client.get(reverse("contributions:export", args=["json"])).content)
    assert len(rows) == 3 and {"texte", "college", "d_accord"} <= set(rows[0])
    by_text = {r["texte"]: r for r in rows}
    assert by_text["Des transports vers les centres de santé"]["d_accord"] == 3
    csv = client.get(reverse("contributions:export", args=["csv"])).content.decode("utf-8-sig")
    assert csv.count("\n") == 4
    xlsx = client.get(reverse("contributions:export", args=["xlsx"]))
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == 4
    assert client.get(reverse("contributions:export", args=["pdf"])).status_code == 404


@pytest.mark.parametrize("n", [2, 25])
def test_list_query_count_is_constant(client, django_assert_num_queries, n):
    workshop = WorkshopFactory(event=EventFactory(state=EventState.HELD))
    for i in range(n):
        _capture(workshop, f"Proposition numéro {i}")
    # content version, count, the page's ids, its rows, their days, workshops and
    # territories (no theme here); the filter's campaigns, themes, territories, days
    with django_assert_num_queries(11):
        assert client.get(reverse("contributions:list")).status_code == 200
    # Then, the content unchanged (version read at most once a second): the page only.
    with django_assert_num_queries(5):
        assert client.get(reverse("contributions:list") + "?sort=soutenues").status_code == 200


def test_the_cached_list_shows_a_new_proposal_and_keeps_the_day_filter(client, settings, data):
    settings.PUBLIC_PAGE_CACHE = True
    url = reverse("contributions:list")
    assert "Former les soignants" in client.get(url).content.decode()
    _capture(data["lyon"], "Une proposition captée après la mise en cache")
    page = client.get(url).content.decode()
    assert "Une proposition captée après la mise en cache" in page
    # The day filter lists the days with a visible contribution, selected when chosen.
    event = data["lyon"].event
    page = client.get(url, {"event": event.pk}).content.decode()
    assert f'<option value="{event.pk}" selected>{event}</option>' in page
    assert "Recruter des médecins" not in page


def test_search_follows_an_edited_text(client, data):
    services.edit_text(contribution=data["doctors"], text="Des navettes vers la maternité",
                       user=None)
    page = _texts(client, q="maternité")
    assert "Des navettes vers la maternité" in page and "1 contribution" in page
    assert "0 contribution" in _texts(client, q="généralistes")
