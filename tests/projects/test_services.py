"""The write path: creation from origins, the label lifecycle and its log, milestones and the
progress they give, updates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concertation.accounts.scope import scope_for
from concertation.projects import services
from concertation.projects.models import (
    Milestone,
    MilestoneStatus,
    Project,
    ProjectState,
    ProjectTransition,
    compute_progress,
)
from concertation.projects.workflow import LIFECYCLE
from tests.factories import (
    ContributionFactory,
    MilestoneFactory,
    ProjectFactory,
    SynthesisGroupFactory,
    decide,
)

pytestmark = pytest.mark.django_db


def _new(territory, **kw) -> Project:
    data = {"title": "Plate-forme d’accompagnement", "summary": "Un guichet unique.",
            "region": territory.region, "health_territory": territory,
            "lead_organisation": "CTS d’Eure-et-Loir", "created_on": dt.date(2024, 2, 1)}
    data.update(kw)
    return Project(**data)


def test_create_from_a_work_lead_and_an_adopted_proposal(territory, work_lead, roles):
    group = SynthesisGroupFactory(synthesis__level="territory",
                                  synthesis__health_territory=territory)
    decide(group, "amended", amended_text="Texte amendé")
    user = roles["cts"]
    project = services.create_project(scope=scope_for(user), user=user,
                                      project=_new(territory), groups=[group],
                                      contributions=[work_lead])
    assert project.state == ProjectState.PROPOSED
    assert project.slug == "plate-forme-daccompagnement"
    assert list(project.origin_contributions.all()) == [work_lead]
    assert list(project.origin_groups.all()) == [group]
    assert project.created_by == user


@pytest.mark.parametrize("state", ["published", "submitted", "rejected", "merged"])
def test_only_validated_or_retained_contributions_are_origins(territory, day, roles, state):
    contribution = ContributionFactory(event=day, state=state)
    with pytest.raises(ValidationError, match="n’est plus une proposition adoptée"):
        services.create_project(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=_new(territory), contributions=[contribution])
    assert not Project.objects.exists()


@pytest.mark.parametrize("outcome", ["rejected", "postponed", None])
def test_only_adopted_proposals_are_origins(territory, roles, outcome):
    group = SynthesisGroupFactory(synthesis__level="territory",
                                  synthesis__health_territory=territory)
    if outcome:
        decide(group, outcome)
    with pytest.raises(ValidationError):
        services.create_project(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=_new(territory), groups=[group])
    assert not Project.objects.exists()


def test_a_project_needs_an_origin(territory, roles):
    with pytest.raises(ValidationError, match="au moins une proposition"):
        services.create_project(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=_new(territory))


def test_origins_of_another_territory_are_refused(territory, roles):
    elsewhere = ContributionFactory(state="validated")  # a day of another new territory
    with pytest.raises(ValidationError):
        services.create_project(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=_new(territory), contributions=[elsewhere])


@pytest.mark.parametrize("role", ["other_cts", "other_ars", "member_less"])
def test_others_cannot_create_a_project_in_the_territory(territory, work_lead, roles, role):
    with pytest.raises(PermissionDenied):
        services.create_project(scope=scope_for(roles[role]), user=roles[role],
                                project=_new(territory), contributions=[work_lead])


def test_ars_may_create_a_regional_project_cts_may_not(territory, work_lead, roles):
    regional = _new(territory, health_territory=None)
    with pytest.raises(PermissionDenied):
        services.create_project(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=regional, contributions=[work_lead])
    project = services.create_project(scope=scope_for(roles["ars"]), user=roles["ars"],
                                      project=_new(territory, health_territory=None),
                                      contributions=[work_lead])
    assert project.health_territory is None


def test_full_lifecycle_is_logged_with_who_and_when(project, roles):
    project.state = ProjectState.PROPOSED
    project.save()
    user, scope = roles["cts"], scope_for(roles["cts"])
    services.transition(scope=scope, user=user, project=project, target="labelled")
    project.refresh_from_db()
    assert project.labelled_by == user and project.labelled_at is not None
    services.transition(scope=scope, user=user, project=project, target="in_progress")
    services.transition(scope=scope, user=user, project=project, target="delivered")
    log = list(ProjectTransition.objects.filter(project=project)
               .values_list("from_state", "to_state", "user"))
    assert log == [("proposed", "labelled", user.pk), ("labelled", "in_progress", user.pk),
                   ("in_progress", "delivered", user.pk)]


@pytest.mark.parametrize(("source", "target"), [
    ("proposed", "in_progress"), ("proposed", "delivered"), ("labelled", "delivered"),
    ("delivered", "in_progress"), ("delivered", "abandoned"), ("abandoned", "labelled"),
    ("in_progress", "labelled"), ("labelled", "proposed"), ("labelled", "n_importe_quoi"),
])
def test_forbidden_transitions_change_nothing(project, roles, source, target):
    Project.objects.filter(pk=project.pk).update(state=source)
    with pytest.raises(ValidationError, match="Passage impossible"):
        services.transition(scope=scope_for(roles["cts"]), user=roles["cts"],
                            project=project, target=target)
    project.refresh_from_db()
    assert project.state == source
    assert not ProjectTransition.objects.exists()


@pytest.mark.parametrize("source", ["proposed", "labelled", "in_progress"])
def test_abandon_from_any_non_final_state_needs_a_reason(project, roles, source):
    Project.objects.filter(pk=project.pk).update(state=source)
    scope = scope_for(roles["ars"])
    with pytest.raises(ValidationError, match="motif"):
        services.transition(scope=scope, user=roles["ars"], project=project,
                            target="abandoned", reason="  ")
    assert Project.objects.get(pk=project.pk).state == source
    services.transition(scope=scope, user=roles["ars"], project=project, target="abandoned",
                        reason="Financement non reconduit")
    assert ProjectTransition.objects.get().reason == "Financement non reconduit"


def test_lifecycle_table_has_no_exit_from_final_states():
    assert LIFECYCLE.final_states == {"delivered", "abandoned"}
    assert {t.source for t in LIFECYCLE if t.target == "abandoned"} == {
        "proposed", "labelled", "in_progress"}


@pytest.mark.parametrize("role", ["other_cts", "other_ars", "member_less"])
def test_others_cannot_move_the_project(project, roles, role):
    with pytest.raises(PermissionDenied):
        services.transition(scope=scope_for(roles[role]), user=roles[role], project=project,
                            target="delivered")
    assert Project.objects.get(pk=project.pk).state == "in_progress"


def test_progress_is_computed_from_weights_and_statuses(project):
    assert project.progress == 0
    MilestoneFactory(project=project, status="done", actual_date=dt.date(2024, 5, 1),
                     weight=3)
    MilestoneFactory(project=project, status="in_progress", weight=1)
    MilestoneFactory(project=project, status="planned", weight=2)
    MilestoneFactory(project=project, status="dropped", weight=10)
    assert compute_progress(project.milestones.all()) == 50  # 3 of 6, the dropped one aside
    annotated = Project.objects.with_progress().get(pk=project.pk)
    assert annotated.progress == 50
    assert Project.objects.get(pk=project.pk).progress == 50


def test_milestone_before_the_project_creation_is_refused(project, roles):
    milestone = Milestone(title="Inauguration", status="done",
                          actual_date=dt.date(2024, 1, 31))
    with pytest.raises(ValidationError, match="précède la création du projet"):
        services.save_milestone(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=project, milestone=milestone)
    assert not Milestone.objects.exists()


def test_reached_milestone_needs_its_date(project, roles):
    with pytest.raises(ValidationError, match="date réelle"):
        services.save_milestone(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=project,
                                milestone=Milestone(title="Inauguration", status="done"))


def test_milestone_key_comes_from_the_title_and_stays_unique(project, roles):
    scope = scope_for(roles["cts"])
    first = services.save_milestone(scope=scope, user=roles["cts"], project=project,
                                    milestone=Milestone(title="Inauguration"))
    second = services.save_milestone(scope=scope, user=roles["cts"], project=project,
                                     milestone=Milestone(title="Inauguration"))
    assert (first.key, second.key) == ("inauguration", "inauguration-2")
    with pytest.raises(ValidationError, match="déjà la clé"):
        services.save_milestone(scope=scope, user=roles["cts"], project=project,
                                milestone=Milestone(title="Autre", key="inauguration"))


def test_created_on_cannot_move_after_a_reached_milestone(project, roles, work_lead):
    MilestoneFactory(project=project, status="done", actual_date=dt.date(2024, 3, 1))
    project.created_on = dt.date(2024, 6, 1)
    with pytest.raises(ValidationError, match="avant la création du projet"):
        services.update_project(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=project, contributions=[work_lead])
    assert Project.objects.get(pk=project.pk).created_on == dt.date(2024, 2, 1)


def test_abandoned_project_milestones_are_frozen(project, roles):
    Project.objects.filter(pk=project.pk).update(state="abandoned")
    with pytest.raises(ValidationError, match="abandonné"):
        services.save_milestone(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=project, milestone=Milestone(title="Encore"))


def test_updates_once_labelled_and_not_before_creation(project, roles):
    scope = scope_for(roles["cts"])
    with pytest.raises(ValidationError, match="précède"):
        services.post_update(scope=scope, user=roles["cts"], project=project, title="Titre",
                             text="Texte", published_on=dt.date(2023, 1, 1))
    update = services.post_update(scope=scope, user=roles["cts"], project=project,
                                  title="Inauguration", text="La plate-forme est ouverte.",
                                  published_on=dt.date(2025, 1, 15))
    assert update.author == roles["cts"]
    proposed = ProjectFactory(health_territory=project.health_territory)
    with pytest.raises(ValidationError, match="labellisé"):
        services.post_update(scope=scope, user=roles["cts"], project=proposed, title="T",
                             text="T", published_on=dt.date(2025, 1, 15))


def test_milestone_status_choices_are_french():
    assert [s.label for s in MilestoneStatus] == ["Prévu", "En cours", "Atteint", "Abandonné"]


def test_an_origin_that_moved_on_stays_an_origin(project, roles, work_lead, day):
    work_lead.state = "transmitted"
    work_lead.save()
    other = ContributionFactory(event=day, state="transmitted")
    project.title = "Nouveau titre"
    services.update_project(scope=scope_for(roles["cts"]), user=roles["cts"], project=project,
                            contributions=[work_lead])
    assert Project.objects.get(pk=project.pk).title == "Nouveau titre"
    with pytest.raises(ValidationError):
        services.update_project(scope=scope_for(roles["cts"]), user=roles["cts"],
                                project=project, contributions=[work_lead, other])
