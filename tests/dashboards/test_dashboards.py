"""The dashboards: public figures count only what the public pages show; an organiser's stay
within their scope; the map is drawn with machine-readable coordinates; bad filters and
exports never fail."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from concertation.dashboards import figures, francemap
from tests.factories import (
    ContributionFactory,
    EventFactory,
    ProjectFactory,
    RegistrationFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    agency_organiser,
    decide,
    make_territory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    eure = make_territory("28")
    rhone = make_territory("69")
    held = EventFactory(past=True, health_territory=eure)
    hidden = EventFactory(past=True, health_territory=eure, is_public=False)
    EventFactory(health_territory=rhone)  # coming: not held
    for i in range(3):
        RegistrationFactory(event=held, checked_in_at=timezone.now(),
                            college="usager" if i else "elu")
    RegistrationFactory(event=held)  # registered, did not come
    RegistrationFactory(event=hidden, checked_in_at=timezone.now())
    ContributionFactory(event=None, origin="online", department=held.department,
                        campaign=held.campaign,
                        state="published")
    ContributionFactory(event=None, origin="online", department=held.department,
                        campaign=held.campaign,
                        state="submitted")
    published = SynthesisFactory(region=eure.region, campaign=held.campaign, is_public=True,
                                 state="validated")
    decide(SynthesisGroupFactory(synthesis=published))
    decide(SynthesisGroupFactory(synthesis=published), "rejected")
    draft = SynthesisFactory(region=eure.region, campaign=held.campaign)
    decide(SynthesisGroupFactory(synthesis=draft))
    ProjectFactory(health_territory=eure, region=eure.region, labelled=True)
    ProjectFactory(health_territory=eure, region=eure.region)  # proposed: not public
    return {"eure": eure, "rhone": rhone, "held": held}


def test_public_figures_count_only_what_is_public(world):
    result = figures.compute(figures.Filters())
    region = world["eure"].region.code
    assert result.by_department["journees"] == {"28": 1}
    assert result.by_department["participants"] == {"28": 3}
    assert result.by_department["contributions"] == {"28": 1}
    assert result.by_region["propositions"] == {region: 1}
    assert result.by_region["projets"] == {region: 1}
    assert result.totals["participants"] == 3
    assert sum(result.by_college.values()) == 3
    assert result.work == {}


def test_an_organiser_sees_only_their_region_with_work_in_progress(world, client):
    other = agency_organiser(world["rhone"].region.code)
    client.force_login(other)
    html = client.get(reverse("dashboards:organiser")).content.decode()
    assert f'<th scope="row">{world["rhone"].region.name}</th>' in html
    assert f'<th scope="row">{world["eure"].region.name}</th>' not in html
    own = agency_organiser(world["eure"].region.code)
    client.force_login(own)
    response = client.get(reverse("dashboards:organiser"))
    work = response.context["figures"].work
    assert work["a_moderer"] == {world["eure"].region.code: 1}
    assert work["syntheses_en_cours"] == {world["eure"].region.code: 1}


def test_the_map_draws_every_department_with_dotted_coordinates(world, client):
    response = client.get(reverse("dashboards:public") + "?mesure=participants&echelle=departement")
    html = response.content.decode()
    paths = re.findall(r'<path d="(M[^"]+)" fill="([^"]+)" data-code="(\w+)"', html)
    assert len(paths) == 96
    coordinates = " ".join(d for d, _, _ in paths)
    assert "," not in coordinates
    assert re.fullmatch(r"[MZ0-9. -]+", coordinates)
    fills = {code: fill for _, fill, code in paths}
    assert fills["28"] in francemap.PALETTE
    assert fills["69"] == francemap.NONE_FILL
    assert html.count('<g data-code="97') == 5  # the five overseas departments
    assert re.search(r"<title>Eure-et-Loir : 3 — participants présents</title>", html), \
        re.findall(r"<title>Eure[^<]*</title>", html)


def test_region_borders_leave_out_segments_inside_a_region():
    region_of = {"28": "24", "45": "24", "41": "24", "69": "84"}
    borders = francemap._region_borders(tuple(sorted(region_of.items())))
    everything = francemap._region_borders(tuple(sorted(
        (code, code) for code in francemap._geometry()[1])))
    assert 0 < borders.count("M") < everything.count("M")


def test_classes_and_legend():
    assert francemap.classes([0, 0]) == []
    bounds = francemap.classes([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000])
    assert len(bounds) == 5 and bounds[-1] == 1000
    legend = francemap._legend([3, 1200])
    assert [item.text for item in legend] == ["Aucune", "de 1 à 3", "de 4 à 1\u202f200"]


@pytest.mark.parametrize("query", ["?campagne=abc&theme=%C2%B2", "?mesure=nope&echelle=x",
                                   "?campagne=99999999999999999999999"])
def test_bad_filters_are_reported_not_failed(world, client, query):
    response = client.get(reverse("dashboards:public") + query)
    assert response.status_code == 200
    assert "fr-error-text" in response.content.decode() or "erreur" in response.content.decode()


def test_exports_open_and_unknown_format_is_404(world, client):
    csv = client.get(reverse("dashboards:public_export", args=["csv"]))
    assert csv.content.startswith("\ufeff".encode())
    assert "Eure-et-Loir" in csv.content.decode()
    xlsx = client.get(reverse("dashboards:public_export", args=["xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Régions", "Départements"]
    assert book.properties.creator == "Concertation"
    assert client.get(reverse("dashboards:public_export", args=["pdf"])).status_code == 404


def test_query_count_does_not_grow_with_the_data(world, client, django_assert_max_num_queries):
    url = reverse("dashboards:public")
    client.get(url)
    for _ in range(5):
        held = EventFactory(past=True, health_territory=world["rhone"])
        RegistrationFactory(event=held, checked_in_at=timezone.now())
    with django_assert_max_num_queries(16):
        client.get(url + "?nocache=1")
