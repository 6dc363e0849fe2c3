"""A milestone's evidence document follows its project's page: public once the project is
labelled, before that only to the organisers who manage the project; 404 to anyone else."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.downloads import PDF, assert_not_served, read
from tests.factories import MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db

def _milestone(project):
    return MilestoneFactory(project=project, evidence_file=ContentFile(PDF, name="preuve.pdf"))


def _url(milestone) -> str:
    return reverse("projects:evidence", args=[milestone.project.slug, milestone.pk,
                                              "preuve.pdf"])


# Before labelling, the project's page is a 404 to the public; so is its evidence.
PROPOSED_EXPECTED = {"anonymous": 404, "member_less": 404, "cts": 200, "ars": 200,
                     "other_cts": 404, "other_ars": 404}


@pytest.mark.parametrize("role", list(PROPOSED_EXPECTED))
def test_evidence_before_labelling_reaches_only_the_projects_organisers(client, roles,
                                                                         territory, role):
    project = ProjectFactory(health_territory=territory)  # proposed
    milestone = _milestone(project)
    if role != "anonymous":
        client.force_login(roles[role])
    response = client.get(_url(milestone))
    assert response.status_code == PROPOSED_EXPECTED[role]
    if response.status_code == 200:
        assert read(response) == PDF
    assert_not_served(client, milestone.evidence_file.name)


def test_evidence_of_a_labelled_project_is_public(client, project):
    milestone = _milestone(project)
    page = client.get(project.get_absolute_url()).content.decode()
    assert f'href="{_url(milestone)}"' in page
    response = client.get(_url(milestone))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # A PDF opens in the browser; the header still names the file.
    assert response["Content-Disposition"] == 'inline; filename="preuve.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert read(response) == PDF


def test_wrong_name_other_project_or_no_file_is_a_404(client, project):
    milestone = _milestone(project)
    other = ProjectFactory(labelled=True)
    assert client.get(reverse("projects:evidence", args=[project.slug, milestone.pk,
                                                         "autre.pdf"])).status_code == 404
    assert client.get(reverse("projects:evidence", args=[other.slug, milestone.pk,
                                                         "preuve.pdf"])).status_code == 404
    bare = MilestoneFactory(project=project)
    assert client.get(reverse("projects:evidence", args=[project.slug, bare.pk,
                                                         "preuve.pdf"])).status_code == 404


def test_the_milestone_form_links_the_current_evidence_to_its_view(client, roles, territory):
    project = ProjectFactory(health_territory=territory)
    milestone = _milestone(project)
    client.force_login(roles["cts"])
    page = client.get(reverse("projects_backoffice:edit_milestone",
                              args=[project.pk, milestone.pk])).content.decode()
    assert f'<a href="{_url(milestone)}">preuve.pdf</a>' in page
    assert "/media/" not in page
    response = client.get(_url(milestone))
    assert response.status_code == 200 and read(response) == PDF
