"""The one lifecycle helper (`core/lifecycle.py`) that every app's `workflow.py` fills."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from concertation.contributions.workflow import LIFECYCLE as CONTRIBUTIONS
from concertation.contributions.workflow import PRIORITY_LIFECYCLE
from concertation.core.lifecycle import Lifecycle, Transition, TransitionNotAllowed, lock
from concertation.core.public_cache import current_version
from concertation.events.workflow import LIFECYCLE as EVENTS
from concertation.projects.models import ProjectState, ProjectTransition
from concertation.projects.workflow import LIFECYCLE as PROJECTS
from concertation.synthesis.workflow import LIFECYCLE as SYNTHESES
from tests.factories import ProjectFactory, UserFactory

S = ProjectState


class Error(ValidationError):
    pass


def test_every_app_fills_the_one_helper():
    for table in (EVENTS, CONTRIBUTIONS, SYNTHESES, PROJECTS, PRIORITY_LIFECYCLE):
        assert isinstance(table, Lifecycle)
        assert all(isinstance(t, Transition) for t in table)


def test_find_allowed_targets_final_states_and_reasons():
    assert PROJECTS.find(S.PROPOSED, S.LABELLED).action == "Labelliser"
    assert PROJECTS.find(S.DELIVERED, S.LABELLED) is None
    assert [t.target for t in PROJECTS.allowed_targets(S.LABELLED)] == [S.IN_PROGRESS,
                                                                        S.ABANDONED]
    assert PROJECTS.final_states == {S.DELIVERED, S.ABANDONED}
    assert PROJECTS.needs_reason(S.LABELLED, S.ABANDONED)
    assert not PROJECTS.needs_reason(S.PROPOSED, S.LABELLED)
    assert not PROJECTS.needs_reason(S.DELIVERED, S.ABANDONED)  # not a step at all


def test_check_refuses_in_french_with_the_callers_error():
    with pytest.raises(Error, match="Passage impossible de « Réalisé » à « Labellisé »"):
        PROJECTS.check(S.DELIVERED, S.LABELLED, error=Error)
    with pytest.raises(TransitionNotAllowed, match="motif de l’abandon"):
        PROJECTS.check(S.LABELLED, S.ABANDONED, "   ")
    assert PROJECTS.check(S.LABELLED, S.ABANDONED, "Budget") is PROJECTS.find(S.LABELLED,
                                                                              S.ABANDONED)


def test_a_table_refuses_a_pair_listed_twice_or_an_unknown_state():
    with pytest.raises(ValueError, match="twice"):
        Lifecycle(S, (Transition(S.PROPOSED, S.LABELLED, "a"),
                      Transition(S.PROPOSED, S.LABELLED, "b")))
    with pytest.raises(ValueError, match="Unknown state"):
        Lifecycle(S, (Transition(S.PROPOSED, "postponed", "Reporter"),))


@pytest.mark.django_db
def test_apply_checks_logs_sets_saves_and_bumps():
    project, user = ProjectFactory(labelled=True), UserFactory()
    before = current_version()
    with transaction.atomic():
        step = PROJECTS.apply(lock(project), S.ABANDONED, user=user, reason="  Budget  ")
    assert step.action == "Abandonner"
    project.refresh_from_db()
    assert project.state == S.ABANDONED
    log = ProjectTransition.objects.get(project=project)
    assert (log.from_state, log.to_state, log.user, log.reason) == (
        S.LABELLED, S.ABANDONED, user, "Budget")
    assert current_version() > before


@pytest.mark.django_db
def test_apply_refused_changes_nothing():
    project = ProjectFactory()
    with pytest.raises(TransitionNotAllowed), transaction.atomic():
        PROJECTS.apply(lock(project), S.DELIVERED, user=None)
    project.refresh_from_db()
    assert project.state == S.PROPOSED
    assert not ProjectTransition.objects.exists()


@pytest.mark.django_db
def test_a_new_step_is_one_line_in_the_table():
    """What a newcomer does to add a step: one Transition in the app's table. The buttons
    (`allowed_targets`), the checks and the log follow without any other change."""
    reopen = Transition(S.DELIVERED, S.IN_PROGRESS, "Rouvrir le projet", needs_reason=True)
    table = PROJECTS.with_transitions([reopen])
    assert reopen in table.allowed_targets(S.DELIVERED)
    assert S.DELIVERED not in table.final_states
    project = ProjectFactory(delivered=True)
    with transaction.atomic():
        table.apply(lock(project), S.IN_PROGRESS, user=None, reason="Nouvelle phase")
    project.refresh_from_db()
    assert project.state == S.IN_PROGRESS
    assert ProjectTransition.objects.get(project=project).reason == "Nouvelle phase"
    assert PROJECTS.find(S.DELIVERED, S.IN_PROGRESS) is None  # the app's own table is intact
