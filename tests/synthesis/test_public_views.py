from __future__ import annotations

import pytest
from django.urls import reverse

from concertation.synthesis.models import Package
from tests.factories import (
    ContributionFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    agency_organiser,
    cite,
    decide,
)
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return validated_synthesis(public=True)


def test_list_shows_only_published_validated_syntheses(client, data):
    SynthesisFactory(campaign=data["campaign"], title="Brouillon publié par erreur",
                     is_public=True)  # still a draft
    SynthesisFactory(campaign=data["campaign"], title="Validée non publiée", state="validated")
    page = client.get(reverse("synthesis:index")).content.decode()
    assert "Synthèse régionale Auvergne-Rhône-Alpes" in page
    assert "Rapport (PDF)" not in page  # no package yet: no document listed
    assert "Brouillon publié par erreur" not in page
    assert "Validée non publiée" not in page
    assert 'aria-current="page">Synthèses</a>' in page


def test_detail_shows_validated_proposals_provenance_and_charts(client, data):
    page = client.get(reverse("synthesis:detail", args=["synthese-ara"])).content.decode()
    assert "Propositions validées (3)" in page
    assert "1. Un médecin traitant pour chacun" in page
    assert "Adoptée avec amendement (25 voix pour, 5 contre, 3 abstentions)" in page
    assert "3 contributions · 2 journées · 2 territoires · 4 collèges · 4 participants" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="participation-chart"') == 2
    assert "Fermer les urgences la nuit — Rejetée" in page
    assert "Suggestion écartée" not in page
    assert "Documents" not in page  # no package yet


@pytest.mark.parametrize("state,public", [("validated", False), ("draft", True),
                                          ("in_validation", True)])
def test_unpublished_or_unvalidated_is_404(client, state, public):
    data = validated_synthesis(state=state, public=public)
    assert client.get(reverse("synthesis:detail",
                              args=[data["synthesis"].slug])).status_code == 404


def test_documents_of_the_latest_package(client, data, django_capture_on_commit_callbacks,
                                         settings):
    from concertation.accounts.scope import scope_for
    from concertation.synthesis import package as packages

    settings.PUBLIC_PAGE_CACHE = True
    url = reverse("synthesis:detail", args=["synthese-ara"])
    assert "Documents" not in client.get(url).content.decode()  # now in the page cache
    assert client.get(reverse("synthesis:download",
                              args=["synthese-ara", "pdf"])).status_code == 404
    organiser = agency_organiser("84")
    with django_capture_on_commit_callbacks(execute=True):
        packages.request_package(scope=scope_for(organiser), user=organiser,
                                 synthesis=data["synthesis"])
    assert Package.objects.get().status == "done"
    page = client.get(url).content.decode()  # the finished package refreshed the cache
    assert "Rapport (PDF)" in page and "Données ouvertes" in page
    response = client.get(reverse("synthesis:download", args=["synthese-ara", "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert client.get(reverse("synthesis:download",
                              args=["synthese-ara", "inconnu"])).status_code == 404
    # The list of syntheses links each one's documents too (the full zip stays on its page).
    listing = client.get(reverse("synthesis:index")).content.decode()
    for kind in ("pdf", "docx", "odt", "xlsx", "opendata"):
        assert reverse("synthesis:download", args=["synthese-ara", kind]) in listing
    assert reverse("synthesis:download", args=["synthese-ara", "zip"]) not in listing


@pytest.mark.parametrize("extra", [0, 20])
def test_detail_query_count_is_constant(client, data, extra, django_assert_num_queries):
    synthesis = data["synthesis"]
    for n in range(extra):
        group = SynthesisGroupFactory(synthesis=synthesis, title=f"Proposition {n}",
                                      position=10 + n)
        cite(group, ContributionFactory(event=data["days"][n % 2], campaign=data["campaign"]))
        decide(group)
    # synthesis, report (11: synthesis again with its places, groups, provenance,
    # participation), latest package, the contributions behind the proposals (1)
    with django_assert_num_queries(14):
        response = client.get(reverse("synthesis:detail", args=["synthese-ara"]))
    assert f"Propositions validées ({3 + extra})" in response.content.decode()


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant(client, data, n, django_assert_num_queries):
    for _ in range(n):
        SynthesisFactory(campaign=data["campaign"], state="transmitted", is_public=True)
    # The syntheses, then their finished packages (the documents each card lists).
    with django_assert_num_queries(2):
        client.get(reverse("synthesis:index"))
