"""One source of truth for vote counts: the counters on the contribution's row, kept by the one
vote write path (`services.votes`) and by the recounts of merges, their undoing and deletions
made past the services. After any sequence of these, the stored counts equal a recount of
the votes, and the organiser's page and the restitution show the stored counts."""

import random

import pytest
from django.urls import reverse

from concertation.contributions import services
from concertation.contributions.models import Contribution, ContributionState
from concertation.contributions.restitution import work_leads
from concertation.contributions.services.votes import counted_votes
from concertation.events.models import EventState
from tests.factories import EventFactory, UserFactory, WorkshopFactory, organiser_of

pytestmark = pytest.mark.django_db


def _agree(contributions) -> None:
    for contribution in Contribution.objects.filter(pk__in=[c.pk for c in contributions]):
        stored = services.vote_counts(contribution)
        assert stored == counted_votes(contribution), contribution.text
        assert stored == {"agree": contribution.agree_count,
                          "disagree": contribution.disagree_count,
                          "passed": contribution.pass_count}


@pytest.mark.parametrize("seed", range(4))
def test_votes_changes_merges_unmerges_and_deletions_keep_the_stored_counts_exact(
        client, django_capture_on_commit_callbacks, seed):
    rng = random.Random(seed)
    event = EventFactory(state=EventState.HELD)
    workshop = WorkshopFactory(event=event)
    contributions = [services.capture(workshop=workshop, user=None, text=f"Proposition {i}",
                                      client_id=f"c-{i}").contribution for i in range(5)]
    voters = [UserFactory() for _ in range(8)]
    merges = []
    for _ in range(40):
        step = rng.random()
        open_ones = [c for c in contributions if Contribution.objects.get(pk=c.pk).state
                     == ContributionState.PUBLISHED]
        if step < 0.65 and open_ones:
            services.vote(contribution=rng.choice(open_ones), value=rng.choice([1, -1, 0]),
                          user=rng.choice(voters))
        elif step < 0.8 and len(open_ones) >= 2:
            target, source = rng.sample(open_ones, 2)
            merges.append(services.merge(target=Contribution.objects.get(pk=target.pk),
                                         sources=[Contribution.objects.get(pk=source.pk)],
                                         user=None, reason="doublon"))
        elif step < 0.92 and merges:
            services.unmerge(merge_record=merges.pop(), user=None)
        elif len(voters) > 2:
            with django_capture_on_commit_callbacks(execute=True):
                voters.pop(rng.randrange(len(voters))).delete()  # past the services
        _agree(contributions)

    # The organiser's page shows the stored counts, as does the restitution.
    client.force_login(organiser_of(event.health_territory))
    page = client.get(reverse("contributions_backoffice:day", args=[event.pk])).content.decode()
    for contribution in Contribution.objects.filter(event=event).exclude(
            state=ContributionState.MERGED):
        counts = services.vote_counts(contribution)
        assert f"{counts['agree']} pour, {counts['disagree']} contre, {counts['passed']} " \
               "passe" in page
    for contribution in Contribution.objects.filter(event=event,
                                                    state=ContributionState.PUBLISHED):
        services.transition(contribution=contribution, target=ContributionState.RETAINED,
                            user=None)
    leads = [lead for _, group, _ in work_leads(event) for lead in group]
    assert leads and all(
        (lead.agree_count, lead.disagree_count, lead.pass_count)
        == tuple(counted_votes(lead).values()) for lead in leads)
