"""An online participant's own data: the « Mon compte » page, the JSON download, and the
erasure of the account (contributions and comments anonymised, votes kept in the counts)."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concertation.accounts.models import LoginToken, OrganiserMembership
from concertation.contributions import services as contributions
from concertation.contributions.models import (
    Comment,
    Contribution,
    ContributionTransition,
    Facilitation,
    PointAllocation,
    Report,
    Vote,
)
from concertation.front import privacy
from concertation.projects.models import Follower
from tests.factories import (
    CampaignFactory,
    ProjectFactory,
    RegistrationFactory,
    UserFactory,
    WorkshopFactory,
    make_territory,
)

pytestmark = pytest.mark.django_db

MY_DATA = "/compte/mes-donnees/"
DOWNLOAD = "/compte/mes-donnees/donnees.json"
ERASE = "/compte/mes-donnees/effacer/"


def _online(campaign, author, text, state="published"):
    return Contribution.objects.create(campaign=campaign, origin="online", author=author,
                                       text=text, state=state, college="citoyen")


def _footprint(user, campaign, name: str, *, others: list[Contribution]) -> dict:
    """A participant's trail: a published and a pending contribution, a comment, a masked
    comment, votes on others' contributions, a report, priority points, a project follow."""
    mine = _online(campaign, user, f"Proposition publiée de {name}")
    pending = _online(campaign, user, f"Proposition en attente de {name}", state="submitted")
    comment = Comment.objects.create(contribution=others[0], author=user,
                                     text=f"Commentaire de {name}")
    masked = Comment.objects.create(contribution=others[0], author=user, masked=True,
                                    masked_reason="Hors sujet",
                                    text=f"Commentaire masqué de {name}")
    for other in others:
        contributions.vote(contribution=other, value=1, user=user)
    report = Report.objects.create(contribution=others[0], reporter=user,
                                   reason=f"Signalement de {name}")
    follower = Follower.objects.create(project=ProjectFactory(labelled=True),
                                       email=user.email, source="subscriber")
    return {"mine": mine, "pending": pending, "comment": comment, "masked": masked,
            "report": report, "follower": follower}


@pytest.fixture
def campaign():
    return CampaignFactory(online_open=True)


@pytest.fixture
def people(campaign):
    """Léa (who will erase her account) and Noé, each with a trail, voting on each other."""
    lea = UserFactory(email="lea@example.org", first_name="Léa", last_name="Martin")
    noe = UserFactory(email="noe@example.org", first_name="Noé", last_name="Petit")
    common = _online(campaign, None, "Proposition commune d’un atelier")
    lea_trail = _footprint(lea, campaign, "Léa", others=[common])
    noe_trail = _footprint(noe, campaign, "Noé", others=[common, lea_trail["mine"]])
    contributions.vote(contribution=noe_trail["mine"], value=-1, user=lea)
    contributions.vote(contribution=lea_trail["mine"], value=0, user=noe)  # changes it
    return {"lea": lea, "noe": noe, "common": common, "lea_trail": lea_trail,
            "noe_trail": noe_trail}


def _counts():
    return {c.pk: (c.agree_count, c.disagree_count, c.pass_count)
            for c in Contribution.objects.all()}


# --- The page and the download ------------------------------------------------------------


def test_the_page_needs_a_signed_in_participant(client):
    for url in (MY_DATA, DOWNLOAD, ERASE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("front:magic_request"))


def test_the_header_links_to_my_account(client):
    client.force_login(UserFactory(email="lea@example.org"))
    page = client.get(reverse("contributions:list")).content.decode()
    assert f'href="{MY_DATA}"' in page and "Mon compte" in page


def test_the_page_sums_up_what_the_account_holds(client, people):
    client.force_login(people["lea"])
    page = client.get(MY_DATA).content.decode()
    assert "lea@example.org" in page
    assert "2 contributions" in page and "2 commentaires" in page and "2 votes" in page
    assert f'href="{DOWNLOAD}"' in page and f'href="{ERASE}"' in page


def test_the_download_holds_the_participants_own_data_only(client, people, campaign):
    lea, trail = people["lea"], people["lea_trail"]
    registration = RegistrationFactory(email="Lea@Example.org", first_name="Léa")
    RegistrationFactory(email="noe@example.org")
    workshop = WorkshopFactory(event=registration.event)
    proposal = Contribution.objects.create(campaign=workshop.event.campaign, origin="workshop",
                                           event=workshop.event, workshop=workshop,
                                           text="Un centre de santé par canton",
                                           state="published")
    priority = contributions.open_priority_vote(workshop=workshop, user=None, points=10)
    contributions.allocate_points(priority_vote=priority, allocation={proposal.pk: 7},
                                  user=lea)
    contributions.allocate_points(priority_vote=priority, allocation={proposal.pk: 3},
                                  user=people["noe"])
    client.force_login(lea)
    response = client.get(DOWNLOAD)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["compte"]["adresse_electronique"] == "lea@example.org"
    assert data["compte"]["prenom"] == "Léa"
    assert sorted(c["texte"] for c in data["contributions"]) == [
        "Proposition en attente de Léa", "Proposition publiée de Léa"]
    assert {c["texte"] for c in data["commentaires"]} == {"Commentaire de Léa",
                                                          "Commentaire masqué de Léa"}
    assert sorted((v["contribution"], v["vote"]) for v in data["votes"]) == sorted([
        (people["common"].pk, "D’accord"), (people["noe_trail"]["mine"].pk, "Pas d’accord")])
    assert data["votes_de_priorite"] == [
        {"vote_de_priorite": priority.pk, "contribution": proposal.pk, "points": 7}]
    assert [r["motif"] for r in data["signalements"]] == ["Signalement de Léa"]
    assert [f["projet"] for f in data["abonnements_projets"]] == [
        trail["follower"].project.title]
    assert [(r["code"], r["prenom"]) for r in data["inscriptions"]] == [
        (registration.code, "Léa")]
    text = response.content.decode()
    assert "Noé" not in text and "noe@example.org" not in text


@pytest.mark.parametrize("many", [False, True])
def test_queries_are_pinned(client, django_assert_num_queries, campaign, many):
    user = UserFactory(email="lea@example.org")
    others = [_online(campaign, None, f"Autre {n}") for n in range(3 if many else 1)]
    for n in range(3 if many else 1):
        _footprint(user, campaign, f"Léa {n}", others=others)
    RegistrationFactory(email="lea@example.org")
    client.force_login(user)
    # Session and user, one count per kind of data, the header's organiser check.
    with django_assert_num_queries(2 + 7 + 1):
        client.get(MY_DATA)
    # Session and user, then one read per kind, registrations with their workshops and
    # e-mails, and one read of answers per registration.
    with django_assert_num_queries(2 + 6 + 3 + 1):
        client.get(DOWNLOAD)


# --- Erasure --------------------------------------------------------------------------------


def test_erasure_asks_for_confirmation_first(client, people):
    lea = people["lea"]
    client.force_login(lea)
    before = _counts()
    page = client.get(ERASE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "définitive" in text and 'name="confirm"' in text
    assert "restent comptés" in text
    response = client.post(ERASE, {})
    assert response.status_code == 400
    assert "Cochez la case de confirmation" in response.content.decode()
    lea.refresh_from_db()
    assert lea.is_active and lea.email == "lea@example.org"
    assert Contribution.objects.filter(author=lea).count() == 2
    assert Follower.objects.filter(email="lea@example.org").exists()
    assert _counts() == before
    assert client.get(MY_DATA).status_code == 200  # still signed in


def test_erasure_anonymises_keeps_the_votes_and_signs_out(client, people):
    lea, noe, trail = people["lea"], people["noe"], people["lea_trail"]
    noe_before = {
        "contributions": list(Contribution.objects.filter(author=noe).values()),
        "comments": list(Comment.objects.filter(author=noe).values()),
        "votes": list(Vote.objects.filter(user=noe).values()),
        "reports": list(Report.objects.filter(reporter=noe).values()),
        "follows": list(Follower.objects.filter(email="noe@example.org").values()),
    }
    counts = _counts()
    client.force_login(lea)
    response = client.post(ERASE, {"confirm": "oui"}, follow=True)
    assert "Votre compte a été effacé" in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert client.get(MY_DATA).status_code == 302

    # The counts are those of before, and the votes still stand behind them.
    assert _counts() == counts
    contributions.recount_votes(list(counts))
    assert _counts() == counts
    published = Contribution.objects.get(pk=trail["mine"].pk)
    assert published.author_id is None and published.text == "Proposition publiée de Léa"
    assert published.state == "published"
    pending = Contribution.objects.get(pk=trail["pending"].pk)
    assert pending.author_id is None and pending.state == "rejected"
    assert "Léa" not in pending.text and pending.title == ""
    assert ContributionTransition.objects.filter(contribution=pending,
                                                 to_state="rejected").exists()
    comment = Comment.objects.get(pk=trail["comment"].pk)
    assert comment.author_id is None and comment.text == "Commentaire de Léa"
    masked = Comment.objects.get(pk=trail["masked"].pk)
    assert masked.author_id is None and "Léa" not in masked.text
    assert Report.objects.get(pk=trail["report"].pk).reporter_id is None
    assert not Follower.objects.filter(email="lea@example.org").exists()
    shell = get_user_model().objects.get(pk=lea.pk)
    assert not shell.is_active and not shell.has_usable_password()
    assert (shell.email, shell.first_name, shell.last_name) == ("", "", "")
    assert "lea" not in shell.username
    assert Vote.objects.filter(user=shell).count() == 2

    # Noé's data is as it was.
    assert noe_before == {
        "contributions": list(Contribution.objects.filter(author=noe).values()),
        "comments": list(Comment.objects.filter(author=noe).values()),
        "votes": list(Vote.objects.filter(user=noe).values()),
        "reports": list(Report.objects.filter(reporter=noe).values()),
        "follows": list(Follower.objects.filter(email="noe@example.org").values()),
    }


def test_signing_in_again_with_the_address_opens_an_empty_account(
        client, people, django_capture_on_commit_callbacks):
    lea = people["lea"]
    # A link asked for before the erasure is dropped with it; another address's stays.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("front:magic_request"), {"email": "lea@example.org"})
        client.post(reverse("front:magic_request"), {"email": "noe@example.org"})
    earlier = re.search(r"https?://[^/\s]+(/compte/lien/\S+/)", mail.outbox[-2].body).group(1)
    client.force_login(lea)
    client.post(ERASE, {"confirm": "oui"})
    assert not LoginToken.objects.filter(email="lea@example.org").exists()
    assert LoginToken.objects.filter(email="noe@example.org").exists()
    assert client.post(earlier).status_code == 400
    assert client.get(MY_DATA).status_code == 302  # signed in to nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("front:magic_request"), {"email": "lea@example.org"})
    path = re.search(r"https?://[^/\s]+(/compte/lien/\S+/)", mail.outbox[-1].body).group(1)
    client.post(path)
    user = client.get(MY_DATA).context["user"]
    assert user.is_authenticated and user.pk != lea.pk
    data = json.loads(client.get(DOWNLOAD).content)
    assert data["contributions"] == data["commentaires"] == data["votes"] == []
    assert data["abonnements_projets"] == []


def _organiser():
    user = UserFactory(email="orga@example.org")
    OrganiserMembership.objects.create(user=user, council=make_territory("28").council)
    return user


def _facilitator():
    user = UserFactory(email="animation@example.org")
    Facilitation.objects.create(user=user, workshop=WorkshopFactory())
    return user


@pytest.mark.parametrize("make", [
    _organiser, _facilitator,
    lambda: UserFactory(email="staff@example.org", is_staff=True),
    lambda: UserFactory(email="root@example.org", is_staff=True, is_superuser=True),
], ids=["organiser", "facilitator", "staff", "superuser"])
def test_accounts_with_a_role_cannot_erase_themselves_here(client, campaign, make):
    user = make()
    contribution = _online(campaign, user, "Proposition")
    client.force_login(user)
    page = client.get(ERASE).content.decode()
    assert "ne peut pas être effacé depuis cette page" in page
    assert 'name="confirm"' not in page
    response = client.post(ERASE, {"confirm": "oui"})
    assert response.status_code == 403
    assert "ne peut pas être effacé depuis cette page" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.email
    assert Contribution.objects.get(pk=contribution.pk).author_id == user.pk
    with pytest.raises(privacy.ErasureRefused):
        privacy.erase_account(user)
    # The download stays open to them.
    assert client.get(DOWNLOAD).status_code == 200


def test_erasure_takes_a_fixed_number_of_queries(campaign):
    """However long the trail, the erasure is a handful of statements."""
    def erase(n):
        user = UserFactory(email=f"p{n}@example.org")
        others = [_online(campaign, None, f"Autre {n}-{i}") for i in range(n)]
        for i in range(n):
            _footprint(user, campaign, f"{n}-{i}", others=others)
        with CaptureQueriesContext(connection) as queries:
            privacy.erase_account(user)
        return len(queries)

    assert erase(1) == erase(4)
    assert PointAllocation.objects.count() == 0
