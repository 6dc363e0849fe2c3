"""Public pages: the list (filters, htmx fragment, pinned queries), a project's page with its
origins, milestones and updates, open data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from concertation.projects.models import Programme, Project
from tests.factories import (
    ContributionFactory,
    EventFactory,
    MilestoneFactory,
    ProjectFactory,
    SynthesisGroupFactory,
    ThemeFactory,
    cite,
    decide,
    make_territory,
)

pytestmark = pytest.mark.django_db


def _projects(n: int, territory) -> list[Project]:
    theme = ThemeFactory()
    projects = []
    for i in range(n):
        project = ProjectFactory(health_territory=territory, labelled=True, title=f"Projet {i}")
        project.themes.add(theme)
        MilestoneFactory(project=project, status="done", actual_date=dt.date(2024, 5, 1))
        MilestoneFactory(project=project)
        projects.append(project)
    return projects


@pytest.mark.parametrize("n", [1, 15])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, territory, n):
    _projects(n, territory)
    # count, page of projects (progress annotated), their themes; the filters' regions,
    # territories, themes and pacts or programmes
    with django_assert_num_queries(7):
        response = client.get(reverse("projects:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("fr-card__title") == n
    assert "Avancement : 50 %" in page


def test_list_for_a_signed_in_user_adds_only_the_organiser_check(
        client, django_assert_num_queries, territory, roles):
    _projects(3, territory)
    client.force_login(roles["member_less"])
    # the same seven, the session and its user, and IS_ORGANISER in the header
    with django_assert_num_queries(10):
        assert client.get(reverse("projects:list")).status_code == 200


def test_list_shows_only_labelled_projects(client, territory):
    ProjectFactory(health_territory=territory, title="Projet seulement proposé")
    ProjectFactory(health_territory=territory, title="Projet labellisé", labelled=True)
    ProjectFactory(health_territory=territory, title="Projet réalisé", delivered=True)
    page = client.get(reverse("projects:list")).content.decode()
    assert "Projet labellisé" in page and "Projet réalisé" in page
    assert "seulement proposé" not in page


def test_list_filters_by_region_territory_theme_and_state(client, territory):
    prevention = ThemeFactory(title="Prévention")
    chartres = ProjectFactory(health_territory=territory, title="Projet chartrain",
                              in_progress=True)
    chartres.themes.add(prevention)
    lyon = ProjectFactory(health_territory=make_territory("69"), title="Projet lyonnais",
                          delivered=True)
    url = reverse("projects:list")

    def titles(**query) -> set[str]:
        page = client.get(url, query).content.decode()
        return {t for t in ("Projet chartrain", "Projet lyonnais") if t in page}

    assert titles(region="24") == {"Projet chartrain"}
    assert titles(territoire=lyon.health_territory.slug) == {"Projet lyonnais"}
    assert titles(theme=prevention.pk) == {"Projet chartrain"}
    assert titles(etat="delivered") == {"Projet lyonnais"}
    assert titles(etat="in_progress", region="84") == set()
    pact = Programme.objects.create(slug="pacte-territoire-sante-28", region=territory.region,
                                    name="Pacte territoire santé 28")
    Project.objects.filter(pk=chartres.pk).update(programme=pact)
    assert titles(programme=pact.slug) == {"Projet chartrain"}
    assert "Pacte territoire santé 28" in client.get(url).content.decode()


def test_bad_filters_are_reported_not_a_500(client, territory):
    ProjectFactory(health_territory=territory, title="Projet chartrain", labelled=True)
    response = client.get(reverse("projects:list"), {"region": "zz", "etat": "proposed",
                                                     "theme": "abc"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le formulaire contient des erreurs" in page
    assert "Projet chartrain" in page  # invalid filters do not apply


def test_htmx_gets_the_results_fragment(client, territory):
    ProjectFactory(health_territory=territory, title="Projet chartrain", labelled=True)
    response = client.get(reverse("projects:list"), {"region": "24"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Projet chartrain" in page and "<html" not in page and "1 projet" in page


def _full_project(territory, day):
    project = ProjectFactory(health_territory=territory, in_progress=True,
                             title="Plate-forme d’accompagnement")
    lead = ContributionFactory(event=day, state="retained", title="Un guichet unique")
    project.origin_contributions.add(lead)
    group = SynthesisGroupFactory(title="Accompagner les professionnels",
                                  synthesis__title="Synthèse d’Eure-et-Loir")
    decide(group, "adopted")
    cited_day = EventFactory(past=True, health_territory=territory,
                             department=territory.departments.first(),
                             date=dt.date(2024, 2, 1), state="restitution_published",
                             title="2e journée")
    cite(group, ContributionFactory(event=cited_day, state="validated"))
    project.origin_groups.add(group)
    MilestoneFactory(project=project, title="Inauguration", status="done",
                     actual_date=dt.date(2025, 1, 15), planned_date=dt.date(2025, 1, 10),
                     evidence_url="https://example.org/inauguration",
                     evidence_note="Dossier de presse")
    MilestoneFactory(project=project, title="Bilan", status="in_progress",
                     planned_date=dt.date(2026, 1, 31))
    project.updates.create(title="La plate-forme est inaugurée", text="Texte",
                           published_on=dt.date(2025, 1, 15))
    return project, lead, cited_day


def test_project_page_shows_origins_milestones_updates(client, territory, day):
    project, lead, cited_day = _full_project(territory, day)
    page = client.get(project.get_absolute_url()).content.decode()
    assert "Avancement : 50 %" in page
    assert reverse("contributions:detail", args=[lead.pk]) in page
    assert day.get_absolute_url() in page and cited_day.get_absolute_url() in page
    assert f"{cited_day.get_absolute_url()}#restitution" in page
    assert "Accompagner les professionnels" in page and "adoptée le" in page
    assert "Le 15 janvier 2025 (prévu le 10 janvier 2025)" in page
    assert "https://example.org/inauguration" in page and "Dossier de presse" in page
    assert "La plate-forme est inaugurée" in page
    assert "S’abonner aux actualités" in page


@pytest.mark.parametrize("milestones", [1, 12])
def test_project_page_query_count_is_constant(client, django_assert_num_queries, territory,
                                              day, milestones):
    project, _, _ = _full_project(territory, day)
    MilestoneFactory.create_batch(milestones, project=project)
    # project, milestones, origins (groups, contributions, four reads of their day links, the
    # days), themes, label history, updates
    with django_assert_num_queries(12):
        response = client.get(project.get_absolute_url())
    assert response.status_code == 200


def test_proposed_project_page_is_a_404(client, territory):
    project = ProjectFactory(health_territory=territory)
    assert client.get(project.get_absolute_url()).status_code == 404
    assert client.get(reverse("projects:follow", args=[project.slug])).status_code == 404


def test_abandoned_project_shows_its_reason(client, territory, roles):
    from concertation.accounts.scope import scope_for
    from concertation.projects import services

    project = ProjectFactory(health_territory=territory, labelled=True)
    services.transition(scope=scope_for(roles["cts"]), user=roles["cts"], project=project,
                        target="abandoned", reason="Le financement n’a pas été reconduit.")
    page = client.get(project.get_absolute_url()).content.decode()
    assert "Ce projet a été abandonné" in page and "financement n’a pas été" in page
    assert "S’abonner" not in page


def test_open_data_files(client, territory, day):
    project, _, _ = _full_project(territory, day)
    ProjectFactory(health_territory=territory, title="Projet non public")
    data = json.loads(client.get(reverse("projects:open_data", args=["projets.json"])).content)
    assert [p["identifiant"] for p in data] == [project.slug]
    record = data[0]
    assert record["avancement"] == 50 and record["etat"] == "in_progress"
    assert record["propositions_origine"] == 2
    assert "2024-02-01 2e journée" in record["journees_origine"]
    assert [m["statut"] for m in record["liste_jalons"]] == ["done", "in_progress"]
    rows = list(csv.DictReader(io.StringIO(
        client.get(reverse("projects:open_data", args=["projets.csv"])).content.decode())))
    assert rows[0]["identifiant"] == project.slug and rows[0]["avancement"] == "50"
    milestones = client.get(reverse("projects:open_data", args=["jalons.csv"])).content.decode()
    assert milestones.splitlines()[0].startswith("projet,cle,intitule")
    readme = client.get(reverse("projects:open_data", args=["LISEZMOI.md"])).content.decode()
    assert "| avancement | integer |" in readme
    schema = json.loads(client.get(reverse("projects:open_data",
                                           args=["schema-projets.json"])).content)
    assert schema["primaryKey"] == ["identifiant"]
    assert client.get(reverse("projects:open_data", args=["autre.txt"])).status_code == 404
    assert client.get(reverse("projects:open_data_page")).status_code == 200
