from __future__ import annotations

import pytest
from django.urls import reverse

from concertation.synthesis.models import Package, Synthesis
from tests.factories import (
    SynthesisFactory,
    UserFactory,
    agency_organiser,
    make_territory,
    organiser_of,
)
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return validated_synthesis()


def _url(synthesis, name="index", **kw):
    return reverse(f"synthesis_package:{name}", kwargs={"pk": synthesis.pk, **kw})


def _user(role, data):
    return {
        "ars_here": lambda: agency_organiser("84"),
        "cts_here": lambda: organiser_of(data["days"][0].health_territory),
        "ars_elsewhere": lambda: agency_organiser("24"),
        "cts_elsewhere": lambda: organiser_of(make_territory("28")),
        "no_membership": UserFactory,
        "anonymous": lambda: None,
    }[role]()


# What each role gets on the regional synthesis's package page: the ARS of the region acts;
# a CTS of the region does not act on a regional synthesis; others do not even see it.
EXPECTED = {"ars_here": 200, "cts_here": 404, "ars_elsewhere": 404, "cts_elsewhere": 404,
            "no_membership": 403, "anonymous": 302}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_page_and_request_for_each_role(client, data, role, django_capture_on_commit_callbacks):
    user = _user(role, data)
    if user:
        client.force_login(user)
    synthesis = data["synthesis"]
    assert client.get(_url(synthesis)).status_code == EXPECTED[role]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(synthesis, "request"))
    if role == "ars_here":
        assert response.status_code == 302
        package = Package.objects.get()
        assert package.status == Package.Status.DONE, package.error
        page = client.get(_url(synthesis)).content.decode()
        assert "Rapport (PDF)" in page and "Prêt" in page
        download = client.get(_url(synthesis, "download", package_pk=package.pk, kind="pdf"))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert b"".join(download.streaming_content).startswith(b"%PDF")
        assert "attachment" in download["Content-Disposition"]
    else:
        assert response.status_code == EXPECTED[role]
        assert not Package.objects.exists()


def test_cts_acts_on_its_territory_synthesis(client, data, django_capture_on_commit_callbacks):
    territory = data["days"][0].health_territory
    synthesis = data["synthesis"]
    Synthesis.objects.filter(pk=synthesis.pk).update(level="territory", region=None,
                                                     health_territory=territory)
    client.force_login(organiser_of(territory))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url(synthesis, "request")).status_code == 302
    assert Package.objects.get().status == Package.Status.DONE


def test_nothing_validated_gets_a_french_message_and_changes_nothing(client, data):
    draft = SynthesisFactory(campaign=data["campaign"], region=data["region"])
    client.force_login(agency_organiser("84"))
    page = client.get(_url(draft)).content.decode()
    assert "Rien n’est encore validé pour cette synthèse" in page
    assert "Préparer le dossier" not in page
    response = client.post(_url(draft, "request"), follow=True)
    assert "Rien n’est encore validé pour cette synthèse" in response.content.decode()
    assert not Package.objects.exists()


def test_downloads_refused_for_unknown_kind_unfinished_or_other_package(client, data):
    client.force_login(agency_organiser("84"))
    synthesis = data["synthesis"]
    queued = Package.objects.create(synthesis=synthesis, revision=synthesis.revision)
    assert client.get(_url(synthesis, "download", package_pk=queued.pk,
                           kind="pdf")).status_code == 404
    other = SynthesisFactory(campaign=data["campaign"], region=data["region"],
                             state="validated")
    done = Package.objects.create(synthesis=other, revision=0, status="done",
                                  files={"pdf": "syntheses/x/rapport.pdf"})
    assert client.get(_url(synthesis, "download", package_pk=done.pk,
                           kind="pdf")).status_code == 404
    assert client.get(_url(other, "download", package_pk=done.pk,
                           kind="exe")).status_code == 404
    # Listed in the package but gone from storage: 404, not 500.
    assert client.get(_url(other, "download", package_pk=done.pk,
                           kind="pdf")).status_code == 404


def test_pending_package_polls_and_failed_one_shows_its_error(client, data):
    client.force_login(agency_organiser("84"))
    synthesis = data["synthesis"]
    Package.objects.create(synthesis=synthesis, revision=7, status="failed",
                           error="RuntimeError : police introuvable")
    Package.objects.create(synthesis=synthesis, revision=7)
    page = client.get(_url(synthesis)).content.decode()
    assert "police introuvable" in page
    assert 'hx-trigger="every 2s"' in page
    fragment = client.get(_url(synthesis), headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="dossiers"')


@pytest.mark.parametrize("n", [1, 8])
def test_page_query_count_is_constant(client, data, n, django_assert_num_queries):
    client.force_login(agency_organiser("84"))
    synthesis = data["synthesis"]
    for _ in range(n):
        Package.objects.create(synthesis=synthesis, revision=7, status="done",
                               files={"pdf": "x.pdf"})
    # session, user, is-organiser, memberships (scope), synthesis, packages
    with django_assert_num_queries(6):
        response = client.get(_url(synthesis))
    assert response.content.decode().count("Rapport (PDF)") == n
