import pytest
from django.core import signing
from django.urls import reverse

from concertation.contributions import services
from concertation.contributions.models import Contribution, ContributionState, Merge, Vote
from concertation.events.models import EventState
from concertation.registrations.services import register
from concertation.registrations.tokens import SALT, make_token
from tests.factories import (
    EventFactory,
    UserFactory,
    WorkshopFactory,
    applicant,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    event = EventFactory(open=True)
    workshop = WorkshopFactory(event=event, title="Violence des usagers envers les professionnels")
    return event, workshop


def _capture(workshop, text, cid):
    return services.capture(workshop=workshop, user=None, text=text, client_id=cid).contribution


def test_participant_votes_through_the_personal_link(client, day):
    event, workshop = day
    proposal = _capture(workshop, "Former les équipes à la désescalade", "c1")
    registration = register(event=event, applicant=applicant(), workshops=[]).registration
    token = make_token(registration)
    page = client.get(reverse("contributions:vote_page", args=[token])).content.decode()
    assert "Former les équipes à la désescalade" in page
    url = reverse("contributions:vote", args=[token, proposal.pk])
    client.post(url, {"value": "1"})
    response = client.post(url, {"value": "-1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    assert list(Vote.objects.values_list("value", "college")) == [(-1, "usager")]
    assert client.post(url, {"value": "7"}).status_code == 302
    assert Vote.objects.get().value == -1


def test_a_cancelled_registration_cannot_vote(client, day):
    event, workshop = day
    proposal = _capture(workshop, "Texte", "c2")
    registration = register(event=event, applicant=applicant(), workshops=[]).registration
    from concertation.registrations.services import cancel

    cancel(registration)
    token = make_token(registration)
    assert client.post(reverse("contributions:vote", args=[token, proposal.pk]),
                       {"value": "1"}).status_code == 404
    assert not Vote.objects.exists()


def test_a_vote_is_pinned_to_a_few_narrow_queries(client, day, django_assert_num_queries):
    event, workshop = day
    proposal = _capture(workshop, "Texte", "c-pin")
    registration = register(event=event, applicant=applicant(), workshops=[]).registration
    url = reverse("contributions:vote", args=[make_token(registration), proposal.pk])
    # In the transaction (savepoints here, inside the test's own): the count's increment,
    # which checks the link's registration and locks the contribution, and the vote's insert.
    with django_assert_num_queries(4):
        response = client.post(url, {"value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    # A change: the insert meets the voter's vote, which is read, changed, and the previous
    # value uncounted.
    with django_assert_num_queries(7):
        client.post(url, {"value": "0"}, headers={"HX-Request": "true"})
    # The same vote again: read, then everything rolled back.
    with django_assert_num_queries(6):
        client.post(url, {"value": "0"}, headers={"HX-Request": "true"})
    proposal.refresh_from_db()
    assert (proposal.agree_count, proposal.disagree_count, proposal.pass_count) == (0, 0, 1)
    assert list(Vote.objects.values_list("registration", "value", "college")) == [
        (registration.pk, 0, registration.college)]


def test_a_link_votes_only_on_its_own_day_and_only_on_open_proposals(client, day):
    event, workshop = day
    registration = register(event=event, applicant=applicant(), workshops=[]).registration
    token = make_token(registration)
    elsewhere = WorkshopFactory(event=EventFactory(open=True))
    other_day = _capture(elsewhere, "Ailleurs", "c-else")
    rejected = _capture(workshop, "Refusée", "c-rej")
    workshop_proposal = _capture(workshop, "Ouverte", "c-open")
    services.transition(contribution=rejected, target=ContributionState.REJECTED, user=None,
                        reason="hors sujet")
    assert client.post(reverse("contributions:vote", args=[token, other_day.pk]),
                       {"value": "1"}).status_code == 404
    assert client.post(reverse("contributions:vote", args=[token, 999_999]),
                       {"value": "1"}).status_code == 404
    response = client.post(reverse("contributions:vote", args=[token, rejected.pk]),
                           {"value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "pas ouverte au vote" in response.content.decode()
    assert client.post(reverse("contributions:vote", args=[token[:-3] + "abc", rejected.pk]),
                       {"value": "1"}).status_code == 404
    # Signed, but with another code than the registration's: not its link.
    forged = signing.dumps({"r": registration.pk, "c": "AUTRE"}, salt=SALT, compress=True)
    assert client.post(reverse("contributions:vote", args=[forged, workshop_proposal.pk]),
                       {"value": "1"}).status_code == 404
    assert client.post(reverse("contributions:vote", args=[token, workshop_proposal.pk]),
                       {"value": "1"}).status_code == 302
    assert list(Vote.objects.values_list("contribution", "registration")) == [
        (workshop_proposal.pk, registration.pk)]


def test_the_vote_page_shows_each_proposal_with_the_vote_given(client, day):
    event, workshop = day
    a, b = _capture(workshop, "Première", "c-a"), _capture(workshop, "Seconde", "c-b")
    registration = register(event=event, applicant=applicant(), workshops=[]).registration
    services.vote(contribution=a, value=-1, registration=registration)
    page = client.get(reverse("contributions:vote_page",
                              args=[make_token(registration)])).content.decode()
    pressed = {pk: page.split(f'id="vote-{pk}"')[1].split("</form>")[0] for pk in (a.pk, b.pk)}
    assert 'value="-1" aria-pressed="true"' in pressed[a.pk]
    assert 'aria-pressed="true"' not in pressed[b.pk]
    assert 'name="csrfmiddlewaretoken"' in pressed[b.pk]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("organiser", 200), ("organiser_elsewhere", 404), ("participant", 403), ("anonymous", 302)],
)
def test_who_may_moderate(client, day, role, expected):
    event, workshop = day
    contribution = _capture(workshop, "Texte", "c3")
    user = {"organiser": lambda: organiser_of(event.health_territory),
            "organiser_elsewhere": lambda: organiser_of(make_territory("69")),
            "participant": UserFactory, "anonymous": lambda: None}[role]()
    if user:
        client.force_login(user)
    assert client.get(reverse("contributions_backoffice:day",
                              args=[event.pk])).status_code == expected
    client.post(reverse("contributions_backoffice:change_state", args=[event.pk, contribution.pk]),
                {"target": ContributionState.RETAINED})
    contribution.refresh_from_db()
    assert (contribution.state == ContributionState.RETAINED) == (expected == 200)


def test_organiser_merges_then_publishes_the_restitution_with_provenance(client, day):
    event, workshop = day
    a = _capture(workshop, "Former les agents d’accueil", "m1")
    b = _capture(workshop, "Formation des personnels d’accueil", "m2")
    organiser = organiser_of(event.health_territory)
    client.force_login(organiser)
    client.post(reverse("contributions_backoffice:merge", args=[event.pk]),
                {"selected": [a.pk, b.pk], "target": a.pk, "reason": "doublon"})
    b.refresh_from_db()
    assert b.merged_into == a
    client.post(reverse("contributions_backoffice:change_state", args=[event.pk, a.pk]),
                {"target": ContributionState.RETAINED})
    reject_without_reason = client.post(
        reverse("contributions_backoffice:change_state", args=[event.pk, a.pk]),
        {"target": ContributionState.PUBLISHED}, follow=True)
    assert reject_without_reason.status_code == 200
    client.post(reverse("contributions_backoffice:change_state", args=[event.pk, a.pk]),
                {"target": ContributionState.RETAINED})
    for target in (EventState.HELD, EventState.RESTITUTION_PUBLISHED):
        client.post(reverse("backoffice:change_state", args=[event.pk]),
                    {"target": target, "confirm": "1"})
    client.logout()
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Restitution : pistes de travail" in page
    assert "Former les agents d’accueil" in page
    assert "Issue de 2 contributions" in page and "Formation des personnels d’accueil" in page


def test_merge_needs_two_and_a_kept_one_and_can_be_undone(client, day):
    event, workshop = day
    a = _capture(workshop, "A", "u1")
    b = _capture(workshop, "B", "u2")
    client.force_login(organiser_of(event.health_territory))
    response = client.post(reverse("contributions_backoffice:merge", args=[event.pk]),
                           {"selected": [a.pk]}, follow=True)
    assert "Cochez au moins deux contributions" in response.content.decode()
    client.post(reverse("contributions_backoffice:merge", args=[event.pk]),
                {"selected": [a.pk, b.pk], "target": b.pk})
    record = Merge.objects.get()
    client.post(reverse("contributions_backoffice:unmerge", args=[event.pk, record.pk]))
    assert set(Contribution.objects.values_list("state", flat=True)) == {"published"}


def test_rejecting_requires_a_reason_in_the_interface(client, day):
    event, workshop = day
    contribution = _capture(workshop, "Mon voisin a un cancer", "r1")
    client.force_login(organiser_of(event.health_territory))
    url = reverse("contributions_backoffice:change_state", args=[event.pk, contribution.pk])
    response = client.post(url, {"target": ContributionState.REJECTED}, follow=True)
    assert "Indiquez le motif" in response.content.decode()
    client.post(url, {"target": ContributionState.REJECTED,
                      "reason": "Révèle l’état de santé d’un tiers"})
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.REJECTED
    assert contribution.transitions.get().reason == "Révèle l’état de santé d’un tiers"
