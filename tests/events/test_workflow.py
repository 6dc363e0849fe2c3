import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concertation.accounts.scope import scope_for
from concertation.events import services
from concertation.events.models import EventState, EventTransition
from concertation.events.workflow import LIFECYCLE
from tests.factories import EventFactory, agency_organiser, make_territory, organiser_of

pytestmark = pytest.mark.django_db

ALL = list(EventState)


def test_every_state_but_final_ones_has_a_way_out():
    finals = {EventState.RESTITUTION_PUBLISHED, EventState.CANCELLED}
    for state in ALL:
        assert bool(LIFECYCLE.allowed_targets(state)) == (state not in finals), state


def test_no_transition_leaves_a_final_state_or_returns_to_draft():
    for t in LIFECYCLE:
        assert t.source not in {EventState.CANCELLED, EventState.RESTITUTION_PUBLISHED}
        assert t.target != EventState.DRAFT


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_transition_service_follows_the_table(source, target):
    event = EventFactory(state=source)
    user = organiser_of(event.health_territory)
    note = "Salle indisponible" if target == EventState.CANCELLED else ""
    if LIFECYCLE.is_allowed(source, target):
        services.transition(scope=scope_for(user), user=user, event=event, target=target,
                            note=note)
        event.refresh_from_db()
        assert event.state == target
        log = EventTransition.objects.get(event=event)
        assert (log.from_state, log.to_state, log.user) == (source, target, user)
    else:
        with pytest.raises(ValidationError):
            services.transition(scope=scope_for(user), user=user, event=event, target=target,
                                note=note)
        event.refresh_from_db()
        assert event.state == source
        assert not EventTransition.objects.filter(event=event).exists()


def test_cancelling_requires_a_reason_and_changes_nothing_without_one():
    event = EventFactory(open=True)
    user = organiser_of(event.health_territory)
    with pytest.raises(ValidationError, match="motif"):
        services.transition(scope=scope_for(user), user=user, event=event,
                            target=EventState.CANCELLED, note="  ")
    event.refresh_from_db()
    assert event.state == EventState.REGISTRATION_OPEN


def test_an_organiser_elsewhere_cannot_change_the_state():
    event = EventFactory()
    outsider = organiser_of(make_territory("69"))
    with pytest.raises(PermissionDenied):
        services.transition(scope=scope_for(outsider), user=outsider, event=event,
                            target=EventState.REGISTRATION_OPEN)
    event.refresh_from_db()
    assert event.state == EventState.PUBLISHED


def test_the_agency_acts_on_every_territory_of_its_region_only():
    chartres = EventFactory()  # Eure-et-Loir, Centre-Val de Loire (24)
    lyon = EventFactory(health_territory=make_territory("69"))
    ars_cvl = agency_organiser("24")
    scope = scope_for(ars_cvl)
    assert scope.can_manage_event(chartres)
    assert not scope.can_manage_event(lyon)
