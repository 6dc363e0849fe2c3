from __future__ import annotations

import datetime as dt

import pytest

from concertation.campaigns.models import Campaign
from concertation.contributions import services as contributions
from concertation.contributions.models import Contribution, Vote
from concertation.registrations.models import AttendanceSummary
from concertation.synthesis import provenance
from concertation.territories.models import Department, Region
from tests.factories import (
    CampaignFactory,
    ContributionFactory,
    EventFactory,
    RegistrationFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    UserFactory,
    cite,
    make_territory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two days (Ain, Isère), an online proposal (Rhône), registrations, votes and a merge.

    Day 1: A written by r1 (usager). Day 2: B typed by a facilitator for the « élu » table.
    Online: C by user u1 (citoyen). r2 (professionnel) votes for A and for B, r3 (usager)
    against B, u1 passes on A and r2 also votes for C. B is then merged into A: r3's vote
    is copied onto A, r2's is not (r2 already voted on A)."""
    region = Region.objects.get(code="84")
    campaign = CampaignFactory(scope=Campaign.Scope.LOCAL, region=region)
    ain, isere = make_territory("01"), make_territory("38")
    day1 = EventFactory(campaign=campaign, health_territory=ain, past=True,
                        title="Journée de l’Ain", date=dt.date(2022, 11, 25))
    day2 = EventFactory(campaign=campaign, health_territory=isere, past=True,
                        title="Journée de l’Isère", date=dt.date(2022, 12, 2))
    r1 = RegistrationFactory(event=day1, college="usager")
    r2 = RegistrationFactory(event=day1, college="professionnel", checked_in_at=dt.datetime(
        2022, 11, 25, 9, tzinfo=dt.UTC))
    r3 = RegistrationFactory(event=day2, college="usager", checked_in_at=dt.datetime(
        2022, 12, 2, 9, tzinfo=dt.UTC))
    RegistrationFactory(event=day2, college="elu", status="waitlisted")
    u1 = UserFactory()
    a = ContributionFactory(event=day1, campaign=campaign, registration=r1)
    b = ContributionFactory(event=day2, campaign=campaign, college="elu")
    c = ContributionFactory(event=None, campaign=campaign, origin="online", author=u1,
                            college="citoyen", department=Department.objects.get(code="69"))
    contributions.vote(contribution=a, value=Vote.Value.AGREE, registration=r2)
    contributions.vote(contribution=b, value=Vote.Value.AGREE, registration=r2)
    contributions.vote(contribution=b, value=Vote.Value.DISAGREE, registration=r3)
    contributions.vote(contribution=a, value=Vote.Value.PASS, user=u1, college="citoyen")
    contributions.vote(contribution=c, value=Vote.Value.AGREE, registration=r2)
    merge = contributions.merge(target=a, sources=[b], user=None)
    synthesis = SynthesisFactory(campaign=campaign, region=region)
    g1 = SynthesisGroupFactory(synthesis=synthesis, title="Accès aux soins")
    g2 = SynthesisGroupFactory(synthesis=synthesis, title="Prévention")
    cite(g1, a)
    cite(g2, c)
    return {"synthesis": synthesis, "g1": g1, "g2": g2, "a": a, "b": b, "c": c, "merge": merge,
            "day1": day1, "day2": day2}


def test_group_counts_are_exact_and_merged_voter_counts_once(world):
    result = provenance.compute(world["synthesis"])
    g1 = result.for_group(world["g1"].pk)
    assert g1.contributions == 1
    assert g1.merged == 1
    assert g1.online == 0
    assert [d.title for d in g1.days] == ["Journée de l’Ain", "Journée de l’Isère"]
    assert [d.code for d in g1.departments] == ["01", "38"]
    assert [t.name for t in g1.health_territories] == ["Ain", "Isère"]
    # r1 (author of A), r2 (voted on A and on B, merged: once), r3 and u1.
    assert g1.participants == 4
    assert (g1.votes_agree, g1.votes_disagree, g1.votes_pass, g1.votes) == (1, 1, 1, 3)
    assert [(c.code, c.participants) for c in g1.colleges] == [
        ("usager", 2), ("citoyen", 1), ("professionnel", 1), ("elu", 0)]
    assert g1.colleges[0].label == "Usager ou représentant des usagers"
    assert g1.contribution_ids == sorted([world["a"].pk, world["b"].pk])


def test_provenance_reaches_the_workshop_in_the_same_pass(world, django_assert_num_queries):
    """The workshops each proposal comes from, day by day, named in the same pass (the
    query count of `compute` does not move)."""
    from concertation.contributions.models import Contribution
    from tests.factories import WorkshopFactory

    access = WorkshopFactory(event=world["day1"], title="Accès au médecin traitant")
    urgent = WorkshopFactory(event=world["day2"], title="Soins non programmés")
    Contribution.objects.filter(pk=world["a"].pk).update(workshop=access)
    Contribution.objects.filter(pk=world["b"].pk).update(workshop=urgent)  # merged into A
    world["synthesis"].refresh_from_db()
    with django_assert_num_queries(6):
        result = provenance.compute(world["synthesis"])
    g1 = result.for_group(world["g1"].pk)
    assert [(day.title, [w.title for w in workshops]) for day, workshops in g1.origins] == [
        ("Journée de l’Ain", ["Accès au médecin traitant"]),
        ("Journée de l’Isère", ["Soins non programmés"])]
    assert g1.origins_line == (
        "Journée de l’Ain (25 novembre 2022) : atelier « Accès au médecin traitant » ; "
        "Journée de l’Isère (2 décembre 2022) : atelier « Soins non programmés »")
    # The online proposal has neither day nor workshop.
    assert result.for_group(world["g2"].pk).origins_line == ""
    assert [w.title for w in result.total.workshops] == ["Accès au médecin traitant",
                                                         "Soins non programmés"]


def test_online_group_and_whole_synthesis(world):
    result = provenance.compute(world["synthesis"])
    g2 = result.for_group(world["g2"].pk)
    assert (g2.contributions, g2.merged, g2.online, g2.days) == (1, 0, 1, [])
    assert [d.code for d in g2.departments] == ["69"]
    assert g2.health_territories == []
    assert g2.participants == 2  # u1 (author) and r2 (voter)
    assert (g2.votes_agree, g2.votes) == (1, 1)
    total = result.total
    # r2 voted in both groups and on the merged pair: still one participant.
    assert total.participants == 4
    assert total.votes == 4
    assert (total.contributions, total.merged, total.online) == (2, 1, 1)
    assert len(total.days) == 2
    assert [d.code for d in total.departments] == ["01", "38", "69"]


def test_unmerged_source_no_longer_counts(world):
    contributions.unmerge(merge_record=world["merge"], user=None)
    g1 = provenance.compute(world["synthesis"]).for_group(world["g1"].pk)
    assert (g1.contributions, g1.merged) == (1, 0)
    assert [d.title for d in g1.days] == ["Journée de l’Ain"]
    assert g1.participants == 3  # r1, r2, u1: r3's copied vote left with the merge
    assert g1.votes == 2


def test_deep_merge_is_followed(world):
    d = ContributionFactory(event=world["day2"], campaign=world["synthesis"].campaign)
    # A source merged into a source (B had been merged into A; D into B, directly).
    Contribution.objects.filter(pk=d.pk).update(merged_into=world["b"], state="merged")
    g1 = provenance.compute(world["synthesis"]).for_group(world["g1"].pk)
    assert g1.merged == 2
    assert d.pk in g1.contribution_ids


def test_not_accepted_groups_and_selection(world):
    world["g2"].accepted = False
    world["g2"].save()
    result = provenance.compute(world["synthesis"])
    assert set(result.groups) == {world["g1"].pk}
    only = provenance.compute(world["synthesis"], group_ids=[world["g1"].pk])
    assert set(only.groups) == {world["g1"].pk}
    assert provenance.compute(world["synthesis"], group_ids=[]).groups == {}


def test_constant_number_of_queries(world, django_assert_num_queries):
    synthesis = world["synthesis"]
    synthesis.refresh_from_db()
    # tree, votes, days, territories, departments, campaign (colleges)
    with django_assert_num_queries(6):
        provenance.compute(synthesis)
    for n in range(12):
        group = SynthesisGroupFactory(synthesis=synthesis)
        extra = ContributionFactory(event=world["day1"], campaign=synthesis.campaign)
        contributions.vote(contribution=extra, value=1, registration=RegistrationFactory(
            event=world["day1"]))
        cite(group, extra)
        if n % 3 == 0:
            source = ContributionFactory(event=world["day2"], campaign=synthesis.campaign)
            contributions.merge(target=extra, sources=[source], user=None)
    synthesis.refresh_from_db()
    with django_assert_num_queries(6):
        result = provenance.compute(synthesis)
    assert len(result.groups) == 14


def test_participation_by_day_territory_and_college(world, django_assert_num_queries):
    synthesis = world["synthesis"]
    day3 = EventFactory(campaign=synthesis.campaign, health_territory=make_territory("69"),
                        past=True, title="Journée du Rhône", date=dt.date(2022, 12, 9))
    # Day 3's registrations were anonymised: its kept counts are read instead.
    AttendanceSummary.objects.create(event=day3, counts={
        "registered": 5, "present": 4, "waitlisted": 0, "by_workshop": [],
        "by_college": [{"label": "Élu", "registered": 5, "present": 4}],
    })
    synthesis.days.set([world["day1"], world["day2"], day3])
    synthesis.refresh_from_db()
    # days chosen?, days, summaries, registrations, campaign
    with django_assert_num_queries(5):
        figures = provenance.participation(synthesis)
    assert [(d.title, r.registered, r.present) for d, r in figures.days] == [
        ("Journée de l’Ain", 2, 1), ("Journée de l’Isère", 1, 1), ("Journée du Rhône", 5, 4)]
    assert (figures.registered, figures.present) == (8, 6)
    assert [(r.label, r.registered, r.present) for r in figures.by_college] == [
        ("Élu", 5, 4), ("Usager ou représentant des usagers", 2, 1),
        ("Professionnel de santé", 1, 1)]
    assert [(r.label, r.registered) for r in figures.by_territory] == [
        ("Rhône", 5), ("Ain", 2), ("Isère", 1)]
    assert [r.label for r in figures.by_department] == ["Rhône (69)", "Ain (01)", "Isère (38)"]


def test_participation_of_a_region_without_chosen_days(world):
    figures = provenance.participation(world["synthesis"])
    assert [d.title for d, _ in figures.days] == ["Journée de l’Ain", "Journée de l’Isère"]
    assert figures.registered == 3
