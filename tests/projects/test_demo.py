"""The demo's two Eure-et-Loir projects: loaded once, shown with their origins in the 2022 and
2024 days, their milestones up to the January 2025 inauguration, and their status; the demo
organiser's milestone sheet imports back and moves the progress."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from concertation.demo import load_demo
from concertation.projects.demo import load_projects_demo
from concertation.projects.models import Milestone, Project, ProjectTransition

pytestmark = pytest.mark.django_db

PLATFORM = "plate-forme-accompagnement-professionnels-sante-eure-et-loir"


@pytest.fixture
def demo():
    load_demo()


def test_demo_is_idempotent(demo):
    counts = (Project.objects.count(), Milestone.objects.count(),
              ProjectTransition.objects.count())
    assert counts[0] == 2
    assert load_projects_demo() == {"projects_created": 0}
    load_demo()
    assert (Project.objects.count(), Milestone.objects.count(),
            ProjectTransition.objects.count()) == counts


def test_platform_page_tells_the_story(client, demo):
    page = client.get(reverse("projects:detail", args=[PLATFORM])).content.decode()
    assert "Plate-forme d’accompagnement des professionnels de santé" in page
    assert "/journees/cnr-sante-eure-et-loir-2022-11-25/" in page
    assert "/journees/cnr-sante-eure-et-loir-2024-02-01/" in page
    assert "25 novembre 2022" in page and "1er février 2024" in page
    assert "Inauguration de la plate-forme" in page and "15 janvier 2025" in page
    assert "Pacte territoire santé 28" in page and "4 novembre 2024" in page
    assert "En cours" in page and "Avancement : 80 %" in page
    # The origin links lead somewhere.
    project = Project.objects.get(slug=PLATFORM)
    for contribution in project.origin_contributions.all():
        link = reverse("contributions:detail", args=[contribution.pk])
        assert link in page and client.get(link).status_code == 200


def test_list_shows_both_projects(client, demo):
    page = client.get(reverse("projects:list"), {"territoire": "eure-et-loir"}).content.decode()
    assert "2 projets" in page
    assert "Feuille de route départementale en prévention" in page


def test_demo_organiser_imports_the_sheet_and_sees_progress_change(client, demo):
    client.force_login(get_user_model().objects.get(username="cts28"))
    sheet = client.get(reverse("projects_backoffice:export", args=["xlsx"])).content
    book = load_workbook(io.BytesIO(sheet))
    rows = book["Jalons"]
    for row in rows.iter_rows(min_row=2):
        if row[0].value == PLATFORM and row[3].value == "bilan-premiere-annee":
            row[6].value = "20/01/2026"
            row[7].value = "Atteint"
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "jalons.xlsx"
    response = client.post(reverse("projects_backoffice:import"), {"sheet": buffer},
                           follow=True)
    assert "Import terminé : 0 jalon(s) créé(s), 1 modifié(s), 9 inchangé(s)" in (
        response.content.decode())
    page = client.get(reverse("projects:detail", args=[PLATFORM])).content.decode()
    assert "Avancement : 100 %" in page
