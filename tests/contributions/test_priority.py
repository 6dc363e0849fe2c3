"""Priority votes in workshops: points spread by each participant, live ranking, frozen on
closing, shown in the restitution; every role on every page and action."""

import pytest
from django.urls import reverse

from concertation.contributions import services
from concertation.contributions.models import (
    ContributionState,
    Facilitation,
    PointAllocation,
    PriorityVote,
)
from concertation.events.models import EventState
from concertation.registrations.services import register
from concertation.registrations.tokens import make_token
from tests.factories import (
    EventFactory,
    UserFactory,
    WorkshopFactory,
    agency_organiser,
    applicant,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop():
    return WorkshopFactory(event=EventFactory(open=True),
                           title="Accès aux soins")


def _proposals(workshop, *texts):
    return [services.capture(workshop=workshop, user=None, text=text,
                             client_id=f"{workshop.pk}-{i}").contribution
            for i, text in enumerate(texts)]


def _participant(event, n=0):
    return register(event=event, applicant=applicant(email=f"p{n}@example.org"),
                    workshops=[]).registration


@pytest.fixture
def vote(workshop):
    _proposals(workshop, "Un centre de santé par canton", "Des navettes vers l’hôpital",
               "Télémédecine en pharmacie")
    return services.open_priority_vote(workshop=workshop, user=None, points=10)


# --- Services -------------------------------------------------------------------------------


def test_ranking_by_points_then_supporters_and_allocation_can_change(workshop, vote):
    a, b, c = services.priority_proposals(vote)
    first, second, third = (_participant(workshop.event, n) for n in range(3))
    services.allocate_points(priority_vote=vote, allocation={a.pk: 10}, registration=first)
    services.allocate_points(priority_vote=vote, allocation={b.pk: 5, c.pk: 5},
                             registration=second)
    services.allocate_points(priority_vote=vote, allocation={b.pk: 5}, registration=third)
    ranking, voters = services.priority_ranking(vote)
    assert [(r.id, r.points, r.supporters) for r in ranking] == [
        (b.pk, 10, 2), (a.pk, 10, 1), (c.pk, 5, 1)]
    assert voters == 3
    # Changing one's mind replaces the whole allocation.
    services.allocate_points(priority_vote=vote, allocation={c.pk: 3}, registration=first)
    assert services.my_points(vote, registration=first) == {c.pk: 3}
    ranking, _ = services.priority_ranking(vote)
    assert [(r.id, r.points) for r in ranking] == [(b.pk, 10), (c.pk, 8), (a.pk, 0)]


@pytest.mark.parametrize(("allocation", "message"), [
    ({0: 6, 1: 5}, "Vous avez réparti 11 points : le maximum est 10. Retirez-en 1."),
    ({0: -1}, "Les points ne peuvent pas être négatifs."),
])
def test_too_many_or_negative_points_are_refused_and_change_nothing(workshop, vote, allocation,
                                                                       message):
    proposals = list(services.priority_proposals(vote))
    registration = _participant(workshop.event)
    services.allocate_points(priority_vote=vote, allocation={proposals[2].pk: 4},
                             registration=registration)
    with pytest.raises(services.ContributionError) as error:
        services.allocate_points(
            priority_vote=vote, registration=registration,
            allocation={proposals[i].pk: v for i, v in allocation.items()})
    assert error.value.messages == [message]
    assert services.my_points(vote, registration=registration) == {proposals[2].pk: 4}


@pytest.mark.parametrize(("typed", "message"), [
    ("deux", "« deux » n’est pas un nombre de points : tapez un nombre entier."),
    ("-3", "Les points ne peuvent pas être négatifs."),
    ("11", "Une proposition reçoit au plus 10 points."),
])
def test_parse_points_messages(typed, message):
    with pytest.raises(services.ContributionError) as error:
        services.parse_points({1: typed}, limit=10)
    assert error.value.messages == [message]
    assert services.parse_points({1: " 3 ", 2: "", 3: "0"}, limit=10) == {1: 3}


def test_a_proposal_of_another_workshop_is_refused(workshop, vote):
    other = _proposals(WorkshopFactory(event=workshop.event), "Ailleurs")[0]
    with pytest.raises(services.ContributionError, match="ne fait pas partie"):
        services.allocate_points(priority_vote=vote, allocation={other.pk: 1},
                                 registration=_participant(workshop.event))
    assert not PointAllocation.objects.exists()


def test_closing_freezes_the_results(workshop, vote):
    a, b, _ = services.priority_proposals(vote)
    registration = _participant(workshop.event)
    services.allocate_points(priority_vote=vote, allocation={a.pk: 7, b.pk: 3},
                             registration=registration)
    closed = services.close_priority_vote(priority_vote=vote, user=None)
    assert closed.results[0] == {"id": a.pk, "text": a.text, "points": 7, "supporters": 1}
    with pytest.raises(services.ContributionError, match="vote de priorité est clos"):
        services.allocate_points(priority_vote=vote, allocation={b.pk: 10},
                                 registration=registration)
    # A later edit or moderation does not change the ranking the room saw.
    services.edit_text(contribution=a, text="Texte changé après coup", user=None)
    services.transition(contribution=b, target=ContributionState.REJECTED, user=None,
                        reason="hors sujet")
    ranking, voters = services.priority_ranking(PriorityVote.objects.get())
    assert [(r.text, r.points) for r in ranking][:2] == [(a.text, 7), (b.text, 3)]
    assert voters == 1
    with pytest.raises(services.ContributionError, match="déjà clos"):
        services.close_priority_vote(priority_vote=vote, user=None)


def test_opening_checks(workshop):
    with pytest.raises(services.ContributionError, match="aucune proposition"):
        services.open_priority_vote(workshop=workshop, user=None, points=10)
    _proposals(workshop, "Une idée")
    for points in (0, 101):
        with pytest.raises(services.ContributionError, match="de 1 à 100"):
            services.open_priority_vote(workshop=workshop, user=None, points=points)
    services.open_priority_vote(workshop=workshop, user=None, points=5)
    with pytest.raises(services.ContributionError, match="déjà ouvert"):
        services.open_priority_vote(workshop=workshop, user=None, points=5)
    assert PriorityVote.objects.count() == 1


def test_the_restitution_shows_the_frozen_ranking(client, workshop, vote):
    a, b, _ = services.priority_proposals(vote)
    services.allocate_points(priority_vote=vote, allocation={b.pk: 9},
                             registration=_participant(workshop.event))
    services.close_priority_vote(priority_vote=vote, user=None)
    services.transition(contribution=b, target=ContributionState.RETAINED, user=None)
    event = workshop.event
    event.state = EventState.RESTITUTION_PUBLISHED
    event.save()
    page = client.get(event.get_absolute_url()).content.decode()
    restitution = page.split('id="restitution"')[1]
    assert "Vote de priorité clos" in restitution and "1 votant" in restitution
    assert restitution.index("Des navettes vers l’hôpital") < restitution.index(
        "Un centre de santé par canton")
    assert "<td>9</td>" in restitution


# --- Views and permissions ------------------------------------------------------------------


ROLES = ["facilitator", "cts_of_territory", "ars_of_region", "cts_elsewhere", "ars_elsewhere",
         "no_membership", "anonymous"]
ALLOWED = {"facilitator", "cts_of_territory", "ars_of_region"}


def _user(role, workshop):
    event = workshop.event
    if role == "facilitator":
        user = UserFactory()
        Facilitation.objects.create(user=user, workshop=workshop)
        return user
    return {
        "cts_of_territory": lambda: organiser_of(event.health_territory),
        "ars_of_region": lambda: agency_organiser(event.department.region.code),
        "cts_elsewhere": lambda: organiser_of(make_territory("69")),
        "ars_elsewhere": lambda: agency_organiser("84" if event.department.region.code != "84"
                                                  else "11"),
        "no_membership": UserFactory,
        "anonymous": lambda: None,
    }[role]()


def _expected(role, allowed_status=200):
    if role == "anonymous":
        return 302
    # Another's workshop is hidden (404), as every object outside one's scope.
    return allowed_status if role in ALLOWED else 404


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_and_close(client, workshop, role):
    _proposals(workshop, "Une idée", "Une autre")
    user = _user(role, workshop)
    if user:
        client.force_login(user)
    url = reverse("contributions:priority_manage", args=[workshop.pk])
    assert client.get(url).status_code == _expected(role)
    response = client.post(url, {"points": "8"})
    assert response.status_code == _expected(role, 302)
    assert PriorityVote.objects.filter(points=8).exists() == (role in ALLOWED)
    if role not in ALLOWED:
        vote = services.open_priority_vote(workshop=workshop, user=None, points=4)
    else:
        vote = PriorityVote.objects.get()
    response = client.post(reverse("contributions:priority_close", args=[workshop.pk, vote.pk]),
                           {"confirm": "1"})
    assert response.status_code == _expected(role, 302)
    vote.refresh_from_db()
    assert (not vote.is_open) == (role in ALLOWED)


def test_bad_points_keep_what_was_typed(client, workshop):
    _proposals(workshop, "Une idée")
    client.force_login(organiser_of(workshop.event.health_territory))
    url = reverse("contributions:priority_manage", args=[workshop.pk])
    response = client.post(url, {"points": "cent cinquante"})
    page = response.content.decode()
    assert response.status_code == 400 and "un nombre entier" in page
    assert 'value="cent cinquante"' in page
    response = client.post(url, {"points": "150"})
    assert response.status_code == 400 and "de 1 à 100" in response.content.decode()
    assert not PriorityVote.objects.exists()


def test_participant_spreads_points_through_the_personal_link(client, workshop, vote):
    a, b, c = services.priority_proposals(vote)
    registration = _participant(workshop.event)
    token = make_token(registration)
    listing = client.get(reverse("contributions:vote_page", args=[token])).content.decode()
    url = reverse("contributions:priority_participant", args=[token, vote.pk])
    assert url in listing and "Répartir mes 10 points" in listing
    response = client.post(url, {f"points-{a.pk}": "6", f"points-{b.pk}": "4"})
    assert response.status_code == 302
    assert services.my_points(vote, registration=registration) == {a.pk: 6, b.pk: 4}
    page = client.get(url).content.decode()
    assert f'name="points-{a.pk}" value="6"' in page
    # Too many: a clear message, the typed figures kept, the stored allocation unchanged.
    response = client.post(url, {f"points-{a.pk}": "6", f"points-{b.pk}": "4",
                                 f"points-{c.pk}": "3"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Vous avez réparti 13 points : le maximum est 10." in page
    assert f'name="points-{c.pk}" value="3"' in page
    response = client.post(url, {f"points-{a.pk}": "-2"})
    assert response.status_code == 400 and "négatifs" in response.content.decode()
    assert services.my_points(vote, registration=registration) == {a.pk: 6, b.pk: 4}
    services.close_priority_vote(priority_vote=vote, user=None)
    response = client.post(url, {f"points-{a.pk}": "1"})
    page = response.content.decode()
    assert response.status_code == 400 and "Le vote de priorité est clos" in page
    assert "Ce vote est clos : voici son classement" in page
    assert services.my_points(vote, registration=registration) == {a.pk: 6, b.pk: 4}


def test_a_participant_of_another_day_cannot_allocate(client, vote):
    stranger = _participant(EventFactory(open=True))
    url = reverse("contributions:priority_participant", args=[make_token(stranger), vote.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize("role", ["signed_in", "anonymous"])
def test_account_allocation(client, workshop, vote, role):
    a = services.priority_proposals(vote).first()
    url = reverse("contributions:priority_account", args=[vote.pk])
    if role == "signed_in":
        client.force_login(UserFactory())
    response = client.post(url, {f"points-{a.pk}": "10"})
    assert response.status_code == 302
    assert PointAllocation.objects.filter(user__isnull=False).exists() == (role == "signed_in")
    if role == "anonymous":
        assert reverse("front:magic_request") in response["Location"]


def test_results_fragment_and_projector(client, workshop, vote):
    a = services.priority_proposals(vote).first()
    services.allocate_points(priority_vote=vote, allocation={a.pk: 10},
                             registration=_participant(workshop.event))
    fragment = client.get(reverse("contributions:priority_results", args=[workshop.pk]))
    html = fragment.content.decode()
    assert "<html" not in html and "Vote de priorité en cours" in html and "1 votant" in html
    client.force_login(organiser_of(workshop.event.health_territory))
    projector = client.get(reverse("contributions:projector", args=[workshop.pk])).content.decode()
    # The projector refreshes itself (its proposals and the ranking) from one fragment.
    assert "hx-get=\"" + reverse("contributions:projector", args=[workshop.pk]) in projector
    assert "Vote de priorité en cours" in projector and "1 votant" in projector
    draft = WorkshopFactory(event=EventFactory(state=EventState.DRAFT))
    assert client.get(reverse("contributions:priority_results",
                              args=[draft.pk])).status_code == 404


# --- Query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("many", [False, True])
def test_queries_are_pinned(client, django_assert_num_queries, workshop, many):
    texts = [f"Proposition {i}" for i in range(30 if many else 1)]
    _proposals(workshop, *texts)
    vote = services.open_priority_vote(workshop=workshop, user=None, points=10)
    for n, proposal in enumerate(services.priority_proposals(vote)[:5]):
        services.allocate_points(priority_vote=vote, allocation={proposal.pk: 2},
                                 registration=_participant(workshop.event, n))
    token = make_token(_participant(workshop.event, 99))
    # Registration (with event), the vote, its proposals, the participant's points.
    with django_assert_num_queries(4):
        assert client.get(reverse("contributions:priority_participant",
                                  args=[token, vote.pk])).status_code == 200
    # The workshop, its vote, the ranking, the number of voters.
    with django_assert_num_queries(4):
        assert client.get(reverse("contributions:priority_results",
                                  args=[workshop.pk])).status_code == 200
    # Signed in as the day's organiser (session, user, roles, facilitations), then the
    # workshop, its proposals, its vote, the ranking, the number of voters.
    client.force_login(organiser_of(workshop.event.health_territory))
    with django_assert_num_queries(9):
        assert client.get(reverse("contributions:projector",
                                  args=[workshop.pk])).status_code == 200
