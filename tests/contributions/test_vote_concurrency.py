"""Votes at the same instant keep the counts on the contribution exact: many voters at once,
one voter's two tabs, changes of mind, and a merge racing the votes (PostgreSQL only: SQLite
serialises every write anyway)."""

import pytest
from django.db import connection

from concertation.contributions import services
from concertation.contributions.models import Contribution, Vote
from concertation.registrations.services import register
from tests.concurrency import race
from tests.factories import EventFactory, UserFactory, WorkshopFactory, applicant

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _counts(contribution: Contribution) -> tuple[int, int, int]:
    contribution.refresh_from_db()
    return contribution.agree_count, contribution.disagree_count, contribution.pass_count


def _stored(contribution: Contribution) -> tuple[int, int, int]:
    values = list(Vote.objects.filter(contribution=contribution).values_list("value", flat=True))
    return values.count(1), values.count(-1), values.count(0)


@pytest.fixture
def proposal():
    workshop = WorkshopFactory(event=EventFactory(open=True))
    return services.capture(workshop=workshop, user=None, text="Une idée",
                            client_id="race-1").contribution


def test_many_voters_at_once_and_their_changes_are_all_counted(proposal):
    registrations = [register(event=proposal.event, applicant=applicant(email=f"v{i}@x.org"),
                              workshops=[]).registration for i in range(6)]
    users = [UserFactory() for _ in range(6)]
    voters = [{"registration": r} for r in registrations] + [{"user": u} for u in users]

    def all_at_once(values):
        return race(*[lambda who=who, v=v: services.vote(contribution=proposal, value=v, **who)
                      for who, v in zip(voters, values, strict=True)])

    assert all_at_once([1, -1, 0] * 4) == []
    assert _counts(proposal) == _stored(proposal) == (4, 4, 4)
    # Everyone votes again at once: two thirds change their mind, a third repeat their vote.
    assert all_at_once([1, 1, -1] * 4) == []
    assert _counts(proposal) == _stored(proposal) == (8, 4, 0)


def test_one_voters_two_tabs_count_once(proposal):
    registration = register(event=proposal.event, applicant=applicant(),
                            workshops=[]).registration
    for values in [[1, -1], [0, 0], [-1, 1, 0]] * 3:
        # Through the signed link, as the participant's page votes.
        errors = race(*[lambda v=v: services.vote_by_link(
                            contribution_id=proposal.pk, value=v,
                            registration_id=registration.pk, code=registration.code)
                        for v in values])
        assert errors == []
        assert Vote.objects.filter(contribution=proposal).count() == 1
        assert _counts(proposal) == _stored(proposal)
        assert sum(_counts(proposal)) == 1


def test_votes_racing_a_merge_are_counted_once_each(proposal):
    workshop = proposal.workshop
    duplicate = services.capture(workshop=workshop, user=None, text="La même idée",
                                 client_id="race-2").contribution
    voters = [UserFactory() for _ in range(6)]
    for voter in voters[:3]:  # already on the duplicate: carried to the target by the merge
        services.vote(contribution=duplicate, value=-1, user=voter)
    calls = [lambda u=u: services.vote(contribution=proposal, value=1, user=u) for u in voters]
    calls.append(lambda: services.merge(target=proposal, sources=[duplicate], user=None))
    assert race(*calls) == []
    # Whichever came first, each voter counts once on the target, with one of their votes.
    assert Vote.objects.filter(contribution=proposal).count() == len(voters)
    assert _counts(proposal) == _stored(proposal)
