import pytest

from concertation.contributions import services
from concertation.contributions.models import (
    Contribution,
    ContributionState,
    ContributionTransition,
    Vote,
)
from concertation.contributions.workflow import LIFECYCLE
from concertation.events.models import EventState
from concertation.registrations.services import register
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    UserFactory,
    WorkshopFactory,
    applicant,
)

pytestmark = pytest.mark.django_db

S = ContributionState


@pytest.fixture
def workshop():
    return WorkshopFactory(event=EventFactory(state=EventState.HELD))


def _capture(workshop, text, client_id):
    return services.capture(workshop=workshop, user=None, text=text,
                            client_id=client_id).contribution


def test_capture_is_idempotent_on_the_client_id(workshop):
    first = services.capture(workshop=workshop, user=None, text="Une proposition",
                             client_id="abc-1")
    again = services.capture(workshop=workshop, user=None, text="Une proposition",
                             client_id="abc-1")
    assert first.created and not again.created
    assert Contribution.objects.count() == 1
    contribution = first.contribution
    assert (contribution.event, contribution.department, contribution.state) == (
        workshop.event, workshop.event.department, S.PUBLISHED)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "vide"), ("   ", "vide"), ("x" * 5001, "dépasse 5000 caractères")],
)
def test_empty_or_oversized_text_is_refused(workshop, text, message):
    with pytest.raises(services.ContributionError, match=message):
        _capture(workshop, text, "id-1")
    assert not Contribution.objects.exists()


def test_html_is_stored_as_typed(workshop):
    text = "<script>alert('x')</script> & « guillemets »"
    assert _capture(workshop, text, "id-2").text == text


def test_an_entry_sent_again_keeps_its_workshop_and_survives_the_closing(workshop):
    stored = _capture(workshop, "Une proposition", "abc-2")
    other = WorkshopFactory(event=workshop.event)
    with pytest.raises(services.ContributionError, match="autre atelier"):
        _capture(other, "Une proposition", "abc-2")
    # Sent again once the day is closed to capture (a phone back online): the stored entry.
    workshop.event.state = EventState.RESTITUTION_PUBLISHED
    again = services.capture(workshop=workshop, user=None, text="Une proposition",
                             client_id="abc-2")
    assert (again.contribution, again.created) == (stored, False)
    assert Contribution.objects.count() == 1


def test_capture_is_closed_on_a_cancelled_day():
    workshop = WorkshopFactory(event=EventFactory(state=EventState.CANCELLED))
    with pytest.raises(services.ContributionError, match="fermée"):
        _capture(workshop, "Texte", "id-3")


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transitions_follow_the_table_and_are_logged(workshop, source, target):
    contribution = _capture(workshop, "Texte", f"{source}-{target}")
    Contribution.objects.filter(pk=contribution.pk).update(state=source)
    step = LIFECYCLE.find(source, target)
    if step is None:
        with pytest.raises(services.ContributionError):
            services.transition(contribution=contribution, target=target, user=None,
                                reason="motif")
        contribution.refresh_from_db()
        assert contribution.state == source
    else:
        services.transition(contribution=contribution, target=target, user=None, reason="motif")
        contribution.refresh_from_db()
        assert contribution.state == target
        log = ContributionTransition.objects.get(contribution=contribution)
        assert (log.from_state, log.to_state, log.reason) == (source, target, "motif")


def test_rejection_needs_a_reason(workshop):
    contribution = _capture(workshop, "Texte", "id-r")
    with pytest.raises(services.ContributionError, match="motif"):
        services.transition(contribution=contribution, target=S.REJECTED, user=None)
    assert any(t.needs_reason for t in LIFECYCLE if t.target == S.REJECTED)


def test_one_vote_per_voter_changeable_and_only_when_open(workshop):
    contribution = _capture(workshop, "Texte", "id-v")
    user = UserFactory()
    services.vote(contribution=contribution, value=1, user=user)
    services.vote(contribution=contribution, value=-1, user=user)
    assert list(Vote.objects.values_list("value", flat=True)) == [-1]
    with pytest.raises(services.ContributionError, match="Vote inconnu"):
        services.vote(contribution=contribution, value=5, user=user)
    services.transition(contribution=contribution, target=S.REJECTED, user=None, reason="santé")
    with pytest.raises(services.ContributionError, match="pas ouverte au vote"):
        services.vote(contribution=contribution, value=1, user=UserFactory())
    assert Vote.objects.count() == 1


def test_deleting_a_voter_outright_lowers_the_counts(workshop,
                                                    django_capture_on_commit_callbacks):
    contribution = _capture(workshop, "Texte", "id-d")  # published as captured
    alice, bob = UserFactory(), UserFactory()
    participant = RegistrationFactory(event=workshop.event)
    services.vote(contribution=contribution, value=1, user=alice)
    services.vote(contribution=contribution, value=-1, user=bob)
    services.vote(contribution=contribution, value=1, registration=participant)
    with django_capture_on_commit_callbacks(execute=True):
        alice.delete()       # the admin's way: votes go by cascade
        participant.delete()
    contribution.refresh_from_db()
    assert (contribution.agree_count, contribution.disagree_count) == (0, 1)
    assert Vote.objects.count() == 1


def test_merge_carries_votes_without_counting_anyone_twice_and_undoes_exactly(workshop):
    a = _capture(workshop, "Plus de médecins", "m-a")
    b = _capture(workshop, "Davantage de médecins", "m-b")
    c = _capture(workshop, "Des médecins en plus", "m-c")
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    event = EventFactory(open=True)
    dave = register(event=event, applicant=applicant(), workshops=[]).registration
    services.vote(contribution=a, value=1, user=alice)
    services.vote(contribution=b, value=-1, user=alice)   # alice voted on both: kept once
    services.vote(contribution=b, value=1, user=bob)
    services.vote(contribution=c, value=0, user=carol)
    services.vote(contribution=c, value=1, registration=dave)
    record = services.merge(target=a, sources=[b, c], user=None, reason="doublons")
    b.refresh_from_db()
    assert (b.state, b.merged_into) == (S.MERGED, a)
    assert services.vote_counts(a) == {"agree": 3, "disagree": 0, "passed": 1}
    assert a.votes.count() == 4  # alice, bob, carol, dave: each once
    a.refresh_from_db()
    assert (a.agree_count, a.disagree_count, a.pass_count) == (3, 0, 1)
    assert {c.pk for c in services.provenance(a)} == {a.pk, b.pk, c.pk}
    with pytest.raises(services.ContributionError, match="n’est pas ouverte au vote"):
        services.vote(contribution=b, value=1, user=UserFactory())

    services.unmerge(merge_record=record, user=None)
    a.refresh_from_db()
    b.refresh_from_db()
    assert services.vote_counts(a) == {"agree": 1, "disagree": 0, "passed": 0}
    assert (a.agree_count, a.disagree_count, a.pass_count) == (1, 0, 0)
    assert (b.state, b.merged_into) == (S.PUBLISHED, None)
    assert b.votes.get(user=alice).value == -1 and b.votes.count() == 2
    with pytest.raises(services.ContributionError, match="déjà été annulée"):
        services.unmerge(merge_record=record, user=None)


def test_merge_refuses_a_single_item_or_a_rejected_one(workshop):
    a = _capture(workshop, "A", "x-a")
    b = _capture(workshop, "B", "x-b")
    with pytest.raises(services.ContributionError, match="au moins deux"):
        services.merge(target=a, sources=[a], user=None)
    services.transition(contribution=b, target=S.REJECTED, user=None, reason="hors sujet")
    with pytest.raises(services.ContributionError, match="ne peut pas être fusionnée"):
        services.merge(target=a, sources=[b], user=None)
    assert not a.merges.exists()


def test_counts_kept_by_increments_match_the_votes():
    from concertation.contributions.models import Vote
    from tests.factories import EventFactory, UserFactory, WorkshopFactory

    workshop = WorkshopFactory(event=EventFactory(open=True))
    proposal = services.capture(workshop=workshop, user=None, text="Une idée",
                                client_id="inc-1").contribution
    users = [UserFactory() for _ in range(4)]
    for user, value in zip(users, [1, 1, -1, 0], strict=True):
        services.vote(contribution=proposal, value=value, user=user)
    services.vote(contribution=proposal, value=-1, user=users[0])  # changed
    services.vote(contribution=proposal, value=-1, user=users[0])  # same again: no change
    services.vote(contribution=proposal, value=1, user=users[3])  # pass → agree
    proposal.refresh_from_db()
    values = list(Vote.objects.filter(contribution=proposal).values_list("value", flat=True))
    expected = (values.count(1), values.count(-1), values.count(0))
    assert (proposal.agree_count, proposal.disagree_count, proposal.pass_count) == expected
    assert expected == (2, 2, 0)


def test_a_vote_after_the_restitution_is_published_refreshes_the_public_pages(workshop):
    from concertation.core.models import PublicContentVersion
    from concertation.events.models import Event

    def version():
        return PublicContentVersion.objects.values_list("version", flat=True).first() or 0

    proposal = _capture(workshop, "Une idée", "bump-1")
    voter = register(event=EventFactory(open=True), applicant=applicant(),
                     workshops=[]).registration
    before = version()
    services.vote(contribution=proposal, value=1, user=UserFactory())
    assert version() == before  # the day's page shows no vote results yet
    Event.objects.filter(pk=workshop.event_id).update(state=EventState.RESTITUTION_PUBLISHED)
    services.vote(contribution=proposal, value=-1, registration=voter)
    assert version() == before + 1
    services.vote(contribution=proposal, value=-1, registration=voter)  # the same again
    assert version() == before + 1
    proposal.refresh_from_db()
    assert (proposal.agree_count, proposal.disagree_count, proposal.pass_count) == (1, 1, 0)
