"""The national consolidation: every region's latest transmitted edition, its adopted
proposals by national theme with provenance and follow-up, filters that say in French what they
could not use, a bounded number of queries, and the national report in five formats."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from concertation.accounts.models import OrganiserMembership, Role
from concertation.accounts.scope import scope_for
from concertation.national import consolidation, services
from concertation.national.models import Transmission
from concertation.synthesis import provenance
from concertation.synthesis import services as synthesis_services
from concertation.synthesis.models import Decision
from tests.factories import (
    SynthesisFactory,
    SynthesisGroupFactory,
    UserFactory,
    agency_organiser,
    make_territory,
)
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db


def _transmit(synthesis, ars):
    synthesis_services.transition(scope=scope_for(ars), user=ars, synthesis=synthesis,
                                  target="transmitted")


def _second_region(data, n: int = 1):
    """A Centre-Val de Loire edition: `n` adopted proposals on access, one without a theme."""
    territory = make_territory("28")
    access = data["groups"][0].theme
    synthesis = SynthesisFactory(campaign=data["campaign"], level="region",
                                 region=territory.region, state="validated",
                                 title="Synthèse régionale Centre-Val de Loire")
    groups = [SynthesisGroupFactory(synthesis=synthesis, title=f"Un médecin traitant {i}",
                                    theme=access, position=i + 1) for i in range(n)]
    groups.append(SynthesisGroupFactory(synthesis=synthesis, title="Protéger les soignants",
                                        position=n + 1))
    for group in groups:
        Decision.objects.create(group=group, outcome="adopted", votes_for=30, votes_against=2,
                                abstentions=1, original_text=group.text)
    _transmit(synthesis, agency_organiser("24"))
    return synthesis, groups


@pytest.fixture
def world():
    data = validated_synthesis(public=True)
    _transmit(data["synthesis"], agency_organiser("84"))
    cvl, cvl_groups = _second_region(data)
    national = UserFactory()
    OrganiserMembership.objects.create(user=national, role=Role.NATIONAL)
    return {**data, "cvl": cvl, "cvl_groups": cvl_groups, "national": national}


def _page(client, world, **params):
    client.force_login(world["national"])
    return client.get(reverse("national:consolidation"), params)


def test_the_page_shows_both_regions_by_theme_with_provenance(client, world):
    page = _page(client, world).content.decode()
    assert "Consolidation nationale des propositions" in page
    assert "5 propositions validées" in page  # ARA's 3 adopted or amended, CVL's 2
    assert "Fermer les urgences la nuit" not in page  # rejected by the CRSA: not sent on
    access, prevention = page.index(">Accès aux soins <"), page.index(">Prévention <")
    assert access < prevention < page.index(">Propositions hors thème national <")
    section = page[access:prevention]
    assert "Auvergne-Rhône-Alpes" in section and "Centre-Val de Loire" in section
    # The amended text is the one the CRSA validated; provenance reaches the days.
    assert "Ouvrir une maison de santé pluriprofessionnelle dans chaque canton" in section
    assert "Journée de l’Ain (25 novembre 2022)" in section
    assert reverse("national:consolidation_report", args=["pdf"]) in page


def test_filters_and_follow_ups(client, world):
    adopted = world["groups"][0]
    transmission = Transmission.objects.get(synthesis=world["synthesis"])
    services.record_follow_up(scope=scope_for(world["national"]), user=world["national"],
                              transmission=transmission, group=adopted.pk,
                              outcome="not_retained", reason="Relève de la convention.")
    page = _page(client, world, region="24").content.decode()
    assert "2 propositions validées" in page and "Un médecin traitant pour chacun" not in page
    page = _page(client, world, theme="Prévention").content.decode()
    assert "1 proposition validée" in page and "Le sport sur ordonnance" in page
    page = _page(client, world, suite="not_retained").content.decode()
    assert "1 proposition validée" in page and "Relève de la convention." in page
    page = _page(client, world, suite="pending").content.decode()
    assert "4 propositions validées" in page and "Un médecin traitant pour chacun" not in page


def test_a_bad_filter_is_said_in_french_and_ignored(client, world):
    response = _page(client, world, region="99", suite="peut-être", page="x")
    page = response.content.decode()
    assert response.status_code == 200
    assert "La région « 99 » n’existe pas" in page
    assert "Cette suite donnée n’est pas une des suites possibles" in page
    assert "5 propositions validées" in page


def test_a_new_version_replaces_the_one_before(client, world):
    cvl = world["cvl"]
    ars = agency_organiser("24")
    edition = synthesis_services.new_edition(scope=scope_for(ars), user=ars, synthesis=cvl)
    synthesis_services.transition(scope=scope_for(ars), user=ars, synthesis=edition,
                                  target="in_validation")
    for group in edition.groups.all():
        Decision.objects.create(group=group, outcome="adopted", votes_for=1, votes_against=0,
                                abstentions=0, original_text=group.text)
    synthesis_services.transition(scope=scope_for(ars), user=ars, synthesis=edition,
                                  target="validated")
    _transmit(edition, ars)
    data = consolidation.collect(consolidation.Filters(region="24"))
    assert [t.synthesis.edition for t in data.transmissions] == [2]
    assert data.count == 2


@pytest.mark.parametrize("n", [1, 15])
def test_the_page_reads_a_bounded_number_of_queries(client, world, n,
                                                    django_assert_num_queries):
    _second_region(world, n)  # a third edition (the same region, another synthesis)
    client.force_login(world["national"])
    # session, user, roles; transmissions, every proposal (plain values), the page's in
    # full, provenance (tree, votes, days, territories, departments); the menu's rights;
    # regions and campaigns of the form
    with django_assert_num_queries(14):
        client.get(reverse("national:consolidation"))


def test_participants_count_once_across_regions(world):
    """compute_many reads every edition at once; the total counts each person once."""
    data = consolidation.collect(consolidation.Filters())
    alone = provenance.compute(world["synthesis"])
    assert data.total.participants == alone.total.participants  # CVL cites no contribution
    assert {row.region.code for row in data.rows} == {"84", "24"}


@pytest.mark.parametrize("fmt,magic", [("pdf", b"%PDF"), ("docx", b"PK"), ("odt", b"PK")])
def test_the_national_report_documents(client, world, fmt, magic):
    client.force_login(world["national"])
    response = client.get(reverse("national:consolidation_report", args=[fmt]))
    assert response.status_code == 200 and response.content.startswith(magic)
    assert f'filename="rapport-national.{fmt}"' in response["Content-Disposition"]


def test_the_national_report_tables_follow_the_filters(client, world):
    client.force_login(world["national"])
    url = reverse("national:consolidation_report", args=["xlsx"])
    book = load_workbook(io.BytesIO(client.get(url, {"theme": "Accès aux soins"}).content))
    rows = list(book["Propositions"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Thème national", "Région", "N° dans la synthèse régionale",
                           "Intitulé")
    assert [(r[1], r[3]) for r in rows[1:]] == [
        ("Auvergne-Rhône-Alpes", "Un médecin traitant pour chacun"),
        ("Auvergne-Rhône-Alpes", "Des maisons de santé dans chaque canton"),
        ("Centre-Val de Loire", "Un médecin traitant 0")]
    csv = client.get(reverse("national:consolidation_report", args=["csv"]),
                     {"region": "24"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Thème national;Région;")
    assert "Centre-Val de Loire" in csv and "Auvergne-Rhône-Alpes" not in csv
    assert client.get(reverse("national:consolidation_report", args=["exe"])).status_code == 404
