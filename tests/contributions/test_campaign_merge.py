"""Merging duplicates across the days of a campaign from the back-office: an ARS organiser
merges contributions of different days of the region; a CTS organiser only within their
territory; every other role is refused and nothing changes."""

import pytest
from django.urls import reverse

from concertation.contributions import services
from concertation.contributions.models import Contribution, ContributionState, Merge, Vote
from concertation.registrations.services import register
from tests.factories import (
    CampaignFactory,
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
def campaign():
    """One campaign, three days: Eure-et-Loir (28) and Loiret (45), both in Centre-Val de
    Loire, and Rhône (69) in another region; one proposal on transport in each."""
    campaign = CampaignFactory()
    found = {}
    for code in ("28", "45", "69"):
        territory = make_territory(code)
        event = EventFactory(campaign=campaign, health_territory=territory, open=True,
                             title=f"Journée {code}")
        workshop = WorkshopFactory(event=event)
        found[code] = services.capture(workshop=workshop, user=None, client_id=f"t-{code}",
                                       text=f"Transport solidaire vers les soins ({code})"
                                       ).contribution
    return campaign, found


def _url(campaign):
    return reverse("contributions_backoffice:campaign_merge", args=[campaign.slug])


def _login(client, role, found):
    territory = {code: c.health_territory for code, c in found.items()}
    user = {
        "ars_of_region": lambda: agency_organiser("24"),
        "cts_28": lambda: organiser_of(territory["28"]),
        "cts_elsewhere": lambda: organiser_of(territory["69"]),
        "ars_elsewhere": lambda: agency_organiser("84"),
        "no_membership": UserFactory,
        "anonymous": lambda: None,
    }[role]()
    if user:
        client.force_login(user)
    return user


@pytest.mark.parametrize(("role", "status", "visible"), [
    ("ars_of_region", 200, {"28", "45"}),
    ("cts_28", 200, {"28"}),
    ("cts_elsewhere", 200, {"69"}),
    ("ars_elsewhere", 200, {"69"}),
    ("no_membership", 403, set()),
    ("anonymous", 302, set()),
])
def test_who_sees_which_candidates_and_may_merge_across_days(client, campaign, role, status,
                                                             visible):
    campaign, found = campaign
    _login(client, role, found)
    response = client.get(_url(campaign))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert {code for code in found if f"Transport solidaire vers les soins ({code})"
                in page} == visible
    a, b = found["28"], found["45"]
    response = client.post(_url(campaign), {"selected": [a.pk, b.pk], "target": a.pk,
                                            "reason": "même idée"})
    b.refresh_from_db()
    if role == "ars_of_region":
        assert response.status_code == 302
        assert b.merged_into == a and b.state == ContributionState.MERGED
        assert {c.event_id for c in services.provenance(a)} == {a.event_id, b.event_id}
    else:
        assert response.status_code == status if status != 200 else 400
        assert b.merged_into is None and not Merge.objects.exists()


def test_a_refusal_keeps_the_selection_and_the_reason(client, campaign):
    campaign, found = campaign
    _login(client, "cts_28", found)
    a, b = found["28"], found["45"]
    response = client.post(_url(campaign), {"selected": [a.pk, b.pk], "target": a.pk,
                                            "reason": "doublon du Loiret"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "hors de votre périmètre" in page and "rien n’a été fusionné" in page
    assert f'id="sel-{a.pk}" name="selected" value="{a.pk}" checked' in page
    assert 'value="doublon du Loiret"' in page
    response = client.post(_url(campaign), {"selected": [a.pk], "target": a.pk})
    assert response.status_code == 400 and "Cochez au moins deux" in response.content.decode()


def test_cts_merges_two_days_of_its_own_territory(client, campaign):
    campaign, found = campaign
    territory = found["28"].health_territory
    second_day = EventFactory(campaign=campaign, health_territory=territory, open=True)
    other = services.capture(workshop=WorkshopFactory(event=second_day), user=None,
                             client_id="t-28b", text="Transport solidaire, encore").contribution
    client.force_login(organiser_of(territory))
    response = client.post(_url(campaign), {"selected": [found["28"].pk, other.pk],
                                            "target": other.pk})
    assert response.status_code == 302
    assert Contribution.objects.get(pk=found["28"].pk).merged_into_id == other.pk


def test_votes_carried_over_once_and_the_merge_undone(client, campaign):
    campaign, found = campaign
    a, b = found["28"], found["45"]
    voter = register(event=a.event, applicant=applicant(), workshops=[]).registration
    services.vote(contribution=a, value=1, registration=voter)
    services.vote(contribution=b, value=1, user=UserFactory())
    client.force_login(agency_organiser("24"))
    client.post(_url(campaign), {"selected": [a.pk, b.pk], "target": b.pk})
    b.refresh_from_db()
    assert (b.agree_count, Vote.objects.count()) == (2, 3)
    page = client.get(_url(campaign)).content.decode()
    assert "Fusions en cours" in page and "Journée 28" in page
    record = Merge.objects.get()
    # An organiser of another region cannot undo it.
    client.force_login(agency_organiser("84"))
    assert client.post(reverse("contributions_backoffice:campaign_unmerge",
                               args=[campaign.slug, record.pk])).status_code == 404
    client.force_login(agency_organiser("24"))
    client.post(reverse("contributions_backoffice:campaign_unmerge",
                        args=[campaign.slug, record.pk]))
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == ContributionState.PUBLISHED
    assert (b.agree_count, Vote.objects.count()) == (1, 2)


def test_search_and_day_filter(client, campaign):
    campaign, found = campaign
    services.capture(workshop=found["45"].workshop, user=None, client_id="x",
                     text="Maison de santé pluriprofessionnelle")
    client.force_login(agency_organiser("24"))
    page = client.get(_url(campaign), {"q": "maison"}).content.decode()
    assert "Maison de santé" in page and "Transport solidaire" not in page
    page = client.get(_url(campaign), {"journee": found["28"].event_id}).content.decode()
    assert "(28)" in page and "(45)" not in page and "Maison de santé" not in page


@pytest.mark.parametrize("many", [False, True])
def test_queries_are_pinned(client, django_assert_num_queries, campaign, many):
    campaign, found = campaign
    if many:
        for i in range(20):
            services.capture(workshop=found["45"].workshop, user=None, client_id=f"m{i}",
                             text=f"Proposition {i}")
    client.force_login(agency_organiser("24"))
    client.post(_url(campaign), {"selected": [found["28"].pk, found["45"].pk],
                                 "target": found["28"].pk})
    # Session, user, memberships, IS_ORGANISER, campaign, count, page, days, merges, sources.
    with django_assert_num_queries(10):
        assert client.get(_url(campaign)).status_code == 200
