"""Back-office: every page and action, for every role; forms that keep what was typed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from concertation.projects.models import Milestone, Project, ProjectUpdate
from tests.factories import MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ROLES = ["cts", "ars", "other_cts", "other_ars", "member_less", "anonymous"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(client, roles, role):
    if role != "anonymous":
        client.force_login(roles[role])


@pytest.mark.parametrize("page", ["manage", "edit", "edit_milestone"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_each_project_page(client, roles, project, role, page):
    milestone = MilestoneFactory(project=project)
    _login(client, roles, role)
    args = [project.pk, milestone.pk] if page == "edit_milestone" else [project.pk]
    response = client.get(reverse(f"projects_backoffice:{page}", args=args))
    expected = {"cts": 200, "ars": 200, "other_cts": 404, "other_ars": 404,
                "member_less": 403, "anonymous": 302}[role]
    assert response.status_code == expected


@pytest.mark.parametrize("page", ["home", "create", "import"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_general_pages(client, roles, project, role, page):
    _login(client, roles, role)
    response = client.get(reverse(f"projects_backoffice:{page}"))
    expected = {"member_less": 403, "anonymous": 302}.get(role, 200)
    assert response.status_code == expected
    if page == "home" and expected == 200:
        assert (project.title in response.content.decode()) == (role in ("cts", "ars"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change_the_state(client, roles, project, role):
    _login(client, roles, role)
    client.post(reverse("projects_backoffice:change_state", args=[project.pk]),
                {"target": "delivered"})
    assert (Project.objects.get(pk=project.pk).state == "delivered") == (role in ("cts", "ars"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_a_milestone(client, roles, project, role):
    _login(client, roles, role)
    client.post(reverse("projects_backoffice:add_milestone", args=[project.pk]),
                {"jalon-title": "Inauguration", "jalon-status": "planned", "jalon-weight": 1})
    assert Milestone.objects.filter(project=project).exists() == (role in ("cts", "ars"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_and_delete_a_milestone(client, roles, project, role):
    milestone = MilestoneFactory(project=project, title="Avant")
    _login(client, roles, role)
    client.post(reverse("projects_backoffice:edit_milestone", args=[project.pk, milestone.pk]),
                {"jalon-title": "Après", "jalon-key": milestone.key, "jalon-status": "planned",
                 "jalon-weight": 1})
    allowed = role in ("cts", "ars")
    assert (Milestone.objects.get(pk=milestone.pk).title == "Après") == allowed
    client.post(reverse("projects_backoffice:delete_milestone",
                        args=[project.pk, milestone.pk]))
    assert Milestone.objects.filter(pk=milestone.pk).exists() != allowed


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_an_update(client, roles, project, role):
    _login(client, roles, role)
    client.post(reverse("projects_backoffice:add_update", args=[project.pk]),
                {"actualite-published_on": "2025-01-15", "actualite-title": "Inauguration",
                 "actualite-text": "Ouverte."})
    assert ProjectUpdate.objects.exists() == (role in ("cts", "ars"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_the_project(client, roles, project, role, work_lead):
    _login(client, roles, role)
    data = {"title": "Nouveau titre", "summary": "Présentation", "region": project.region_id,
            "health_territory": project.health_territory_id, "label_name": "CNR Santé",
            "lead_organisation": "CTS", "created_on": "2024-02-01",
            "origin_contributions": [work_lead.pk]}
    client.post(reverse("projects_backoffice:edit", args=[project.pk]), data)
    assert (Project.objects.get(pk=project.pk).title == "Nouveau titre") == (
        role in ("cts", "ars"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_export_the_sheet(client, roles, project, role):
    MilestoneFactory(project=project, key="inauguration")
    _login(client, roles, role)
    response = client.get(reverse("projects_backoffice:export", args=["xlsx"]))
    expected = {"member_less": 403, "anonymous": 302}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        sheet = load_workbook(io.BytesIO(response.content))["Jalons"]
        keys = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert keys == (["inauguration"] if role in ("cts", "ars") else [])


def test_create_from_a_preselected_work_lead(client, roles, territory, work_lead):
    client.force_login(roles["cts"])
    url = reverse("projects_backoffice:create")
    page = client.get(url, {"contribution": work_lead.pk}).content.decode()
    assert f'value="{work_lead.pk}"' in page and "checked" in page
    response = client.post(url, {
        "title": "Plate-forme", "summary": "Un guichet unique.", "region": territory.region_id,
        "health_territory": territory.pk, "label_name": "CNR Santé",
        "lead_organisation": "CTS d’Eure-et-Loir", "created_on": "2024-02-01",
        "origin_contributions": [work_lead.pk]})
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects_backoffice:manage", args=[project.pk])
    assert list(project.origin_contributions.all()) == [work_lead]


def test_create_without_origin_keeps_what_was_typed(client, roles, territory):
    client.force_login(roles["cts"])
    response = client.post(reverse("projects_backoffice:create"), {
        "title": "Mon projet tapé", "summary": "Présentation tapée",
        "region": territory.region_id, "label_name": "CNR Santé", "lead_organisation": "CTS",
        "created_on": "2024-02-01"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choisissez au moins une proposition" in page
    assert "Mon projet tapé" in page and "Présentation tapée" in page
    assert not Project.objects.exists()


def test_cts_cannot_place_a_project_in_another_territory(client, roles, territory, work_lead):
    from tests.factories import make_territory

    client.force_login(roles["cts"])
    other = make_territory("69")
    response = client.post(reverse("projects_backoffice:create"), {
        "title": "Ailleurs", "summary": "S", "region": other.region_id,
        "health_territory": other.pk, "label_name": "CNR Santé", "lead_organisation": "CTS",
        "created_on": "2024-02-01", "origin_contributions": [work_lead.pk]})
    assert response.status_code == 400
    assert not Project.objects.exists()


def test_forbidden_transition_is_a_french_message(client, roles, project):
    client.force_login(roles["cts"])
    response = client.post(reverse("projects_backoffice:change_state", args=[project.pk]),
                           {"target": "labelled"}, follow=True)
    assert "Passage impossible de « En cours » à « Labellisé »" in response.content.decode()
    assert Project.objects.get(pk=project.pk).state == "in_progress"


def test_abandon_without_reason_is_refused(client, roles, project):
    client.force_login(roles["cts"])
    response = client.post(reverse("projects_backoffice:change_state", args=[project.pk]),
                           {"target": "abandoned", "reason": ""}, follow=True)
    assert "Indiquez le motif de l’abandon" in response.content.decode()
    assert Project.objects.get(pk=project.pk).state == "in_progress"


def test_milestone_before_creation_re_renders_the_form(client, roles, project):
    client.force_login(roles["cts"])
    response = client.post(reverse("projects_backoffice:add_milestone", args=[project.pk]), {
        "jalon-title": "Jalon tapé", "jalon-status": "done", "jalon-actual_date": "2023-12-01",
        "jalon-weight": 1})
    page = response.content.decode()
    assert response.status_code == 400
    assert "précède la création du projet (01/02/2024)" in page
    assert "Jalon tapé" in page
    assert not Milestone.objects.exists()


def test_milestone_evidence_pdf_is_checked(client, roles, project):
    client.force_login(roles["cts"])
    url = reverse("projects_backoffice:add_milestone", args=[project.pk])
    fake = SimpleUploadedFile("preuve.pdf", b"pas un pdf", content_type="application/pdf")
    response = client.post(url, {"jalon-title": "J", "jalon-status": "planned",
                                 "jalon-weight": 1, "jalon-evidence_file": fake})
    assert response.status_code == 400 and "pas un PDF valide" in response.content.decode()
    good = SimpleUploadedFile("preuve.pdf", PDF, content_type="application/pdf")
    client.post(url, {"jalon-title": "J", "jalon-status": "done",
                      "jalon-actual_date": "2025-01-15", "jalon-weight": 1,
                      "jalon-evidence_file": good})
    milestone = Milestone.objects.get()
    assert milestone.evidence_file.name.endswith(".pdf")
    page = client.get(project.get_absolute_url()).content.decode()
    link = reverse("projects:evidence", args=[project.slug, milestone.pk, "preuve.pdf"])
    assert f'href="{link}"' in page
    assert b"".join(client.get(link).streaming_content) == PDF


def test_import_page_reports_bad_rows_and_changes_nothing(client, roles, project):
    client.force_login(roles["cts"])
    content = ("projet;cle_jalon;jalon;date_reelle;statut_jalon\n"
               f"{project.slug};a;A;31/02/2025;Atteint\n"
               "inconnu;b;B;;\n").encode()
    response = client.post(reverse("projects_backoffice:import"),
                           {"sheet": SimpleUploadedFile("jalons.csv", content)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Rien n’a été importé : 2 lignes à corriger" in page
    assert "Ligne 2 : date réelle « 31/02/2025 » illisible" in page
    assert "Ligne 3 : projet « inconnu » inconnu" in page
    assert not Milestone.objects.exists()


def test_import_page_applies_a_good_sheet(client, roles, project):
    client.force_login(roles["ars"])
    content = ("projet;cle_jalon;jalon;date_reelle;statut_jalon\n"
               f"{project.slug};a;A;15/01/2025;Atteint\n").encode()
    response = client.post(reverse("projects_backoffice:import"),
                           {"sheet": SimpleUploadedFile("jalons.csv", content)}, follow=True)
    assert "Import terminé : 1 jalon(s) créé(s)" in response.content.decode()
    assert Milestone.objects.get().actual_date == dt.date(2025, 1, 15)


def test_import_page_refuses_other_formats(client, roles):
    client.force_login(roles["cts"])
    response = client.post(reverse("projects_backoffice:import"),
                           {"sheet": SimpleUploadedFile("jalons.ods", b"x")})
    assert response.status_code == 400
    assert "Format non reconnu" in response.content.decode()


@pytest.mark.parametrize("n", [1, 10])
def test_home_query_count(client, django_assert_num_queries, roles, territory, n):
    for _ in range(n):
        MilestoneFactory(project=ProjectFactory(health_territory=territory, labelled=True))
    client.force_login(roles["cts"])
    # session, user, memberships (scope); projects, their themes; the two origin counts;
    # IS_ORGANISER in the header
    with django_assert_num_queries(8):
        assert client.get(reverse("projects_backoffice:home")).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_manage_query_count(client, django_assert_num_queries, roles, project, n):
    MilestoneFactory.create_batch(n, project=project)
    client.force_login(roles["cts"])
    # session, user, memberships, project; themes, log, milestones, updates, origins (seven),
    # followers; IS_ORGANISER
    with django_assert_num_queries(15):
        assert client.get(reverse("projects_backoffice:manage",
                                  args=[project.pk])).status_code == 200
