import re

import pytest
from django.core import mail
from django.urls import reverse

from concertation.campaigns.models import Campaign
from concertation.contributions import services
from concertation.contributions.health import health_details
from concertation.contributions.models import Comment, Contribution, Report, Vote
from concertation.territories.models import Department
from tests.factories import CampaignFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    campaign = CampaignFactory(online_open=True)
    ThemeFactory(campaign=campaign, title="Prévention")
    return campaign


def _data(campaign, **overrides):
    data = {"title": "", "text": "Ouvrir des centres de santé le samedi matin",
            "theme": campaign.themes.get().pk, "department": "28", "college": "citoyen"}
    data.update(overrides)
    return data


def test_magic_link_signs_in_without_a_password(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("front:magic_request"),
                               {"email": "Lea@Example.org", "next": "/contributions/"})
    assert "Consultez votre messagerie" in response.content.decode()
    url = re.search(r"http://\S+/compte/lien/\S+/", mail.outbox[0].body).group(0)
    path = url.split("8000", 1)[1]
    assert "Me connecter" in client.get(path).content.decode()  # scanners do not sign in
    response = client.post(path)
    assert response["Location"] == "/contributions/"
    assert client.get("/").context["user"].email == "lea@example.org"


def test_tampered_magic_link_is_refused(client):
    response = client.get(reverse("accounts:magic_login", args=["abc:def"]))
    assert response.status_code == 400 and "n’est pas valide" in response.content.decode()


def test_contributing_needs_an_account_then_publishes_under_post_moderation(client, campaign):
    url = reverse("contributions:contribute", args=[campaign.slug])
    assert reverse("front:magic_request") in client.get(url)["Location"]
    client.force_login(UserFactory())
    response = client.post(url, _data(campaign))
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert (contribution.state, contribution.origin, contribution.department.code) == (
        "published", "online", "28")


def test_pre_moderation_keeps_it_for_the_moderators(client, campaign):
    campaign.moderation = Campaign.Moderation.PRE
    campaign.save()
    client.force_login(UserFactory())
    client.post(reverse("contributions:contribute", args=[campaign.slug]), _data(campaign))
    assert Contribution.objects.get().state == "submitted"


def test_personal_health_details_warn_and_wait_for_moderation(client, campaign):
    assert health_details("Ma voisine a un cancer et attend depuis des mois") == ["cancer"]
    assert health_details("Dépister le cancer plus tôt dans les territoires") == []
    client.force_login(UserFactory())
    url = reverse("contributions:contribute", args=[campaign.slug])
    text = "Mon père est diabétique et ne trouve pas de médecin"
    response = client.post(url, _data(campaign, text=text))
    assert response.status_code == 400 and "semble évoquer la santé" in response.content.decode()
    assert not Contribution.objects.exists()
    client.post(url, _data(campaign, text=text, health_confirmed="on"))
    assert Contribution.objects.get().state == "submitted"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"text": ""}, "Ce champ est obligatoire"), ({"text": "x" * 5001}, "dépasse 5000"),
     ({"department": "999"}, "Sélectionnez un choix valide")],
)
def test_bad_online_input_saves_nothing(client, campaign, overrides, message):
    client.force_login(UserFactory())
    response = client.post(reverse("contributions:contribute", args=[campaign.slug]),
                           _data(campaign, **overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Contribution.objects.exists()


def test_closed_campaign_takes_no_contribution(client, campaign):
    campaign.online_open = False
    campaign.save()
    client.force_login(UserFactory())
    client.post(reverse("contributions:contribute", args=[campaign.slug]), _data(campaign))
    assert not Contribution.objects.exists()


def test_similar_proposals_are_shown_while_typing(client, campaign):
    existing = services.submit_online(
        campaign=campaign, user=UserFactory(), title="",
        text="Recruter davantage de médecins généralistes dans les zones rurales",
        theme=campaign.themes.get(), department=Department.objects.get(code="28"),
        college="usager")
    services.submit_online(campaign=campaign, user=UserFactory(), title="",
                           text="Former les soignants à la désescalade des conflits",
                           theme=campaign.themes.get(),
                           department=Department.objects.get(code="28"), college="usager")
    page = client.get(reverse("contributions:similar", args=[campaign.slug]),
                      {"text": "Plus de médecins généralistes dans les campagnes et zones rurales"})
    html = page.content.decode()
    assert existing.text in html and "désescalade" not in html


def test_vote_comment_reply_and_report(client, campaign):
    author, reader = UserFactory(), UserFactory()
    contribution = services.submit_online(
        campaign=campaign, user=author, title="", text="Des transports vers les centres de santé",
        theme=campaign.themes.get(), department=Department.objects.get(code="28"),
        college="usager")
    client.force_login(reader)
    client.post(reverse("contributions:online_vote", args=[contribution.pk]), {"value": "1"})
    client.post(reverse("contributions:online_vote", args=[contribution.pk]), {"value": "0"})
    assert list(Vote.objects.values_list("value", flat=True)) == [0]
    url = reverse("contributions:comment", args=[contribution.pk])
    client.post(url, {"text": "<script>x</script> Bonne idée"})
    first = Comment.objects.get()
    client.post(url, {"text": "Réponse", "parent": first.pk})
    reply = Comment.objects.get(parent=first)
    client.post(url, {"text": "Réponse à la réponse", "parent": reply.pk})
    assert Comment.objects.filter(parent=first).count() == 2  # one level only
    page = client.get(reverse("contributions:detail", args=[contribution.pk])).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt; Bonne idée" in page
    client.post(reverse("contributions:report", args=[contribution.pk]), {"reason": ""})
    assert not Report.objects.exists()
    client.post(reverse("contributions:report", args=[contribution.pk]), {"reason": "injurieux"})
    client.post(reverse("contributions:report", args=[contribution.pk]), {"reason": "injurieux"})
    assert Report.objects.count() == 1


def test_unpublished_contributions_are_not_public(client, campaign):
    campaign.moderation = Campaign.Moderation.PRE
    campaign.save()
    author = UserFactory()
    contribution = services.submit_online(
        campaign=campaign, user=author, title="", text="En attente de relecture",
        theme=campaign.themes.get(), department=Department.objects.get(code="28"),
        college="usager")
    assert client.get(reverse("contributions:detail", args=[contribution.pk])).status_code == 404
    client.force_login(author)
    assert client.get(reverse("contributions:detail", args=[contribution.pk])).status_code == 200


def test_moderators_of_the_region_publish_or_reject_pending_online_contributions(client, campaign):
    from tests.factories import agency_organiser, make_territory, organiser_of

    campaign.moderation = Campaign.Moderation.PRE
    campaign.save()
    pending = services.submit_online(
        campaign=campaign, user=UserFactory(), title="", text="Texte en attente de relecture",
        theme=campaign.themes.get(), department=Department.objects.get(code="28"),
        college="usager")
    client.force_login(organiser_of(make_territory("69")))
    assert "Texte en attente" not in client.get(reverse("contributions_backoffice:moderation")
                                        ).content.decode()
    client.post(reverse("contributions_backoffice:moderate", args=[pending.pk]),
                {"target": "published"})
    pending.refresh_from_db()
    assert pending.state == "submitted"
    client.force_login(agency_organiser("24"))
    assert "Texte en attente" in client.get(reverse("contributions_backoffice:moderation")
                                    ).content.decode()
    response = client.post(reverse("contributions_backoffice:moderate", args=[pending.pk]),
                           {"target": "rejected"}, follow=True)
    assert "Indiquez le motif" in response.content.decode()
    client.post(reverse("contributions_backoffice:moderate", args=[pending.pk]),
                {"target": "published"})
    pending.refresh_from_db()
    assert pending.state == "published"
    Report.objects.create(contribution=pending, reporter=UserFactory(), reason="injurieux")
    client.post(reverse("contributions_backoffice:moderate", args=[pending.pk]),
                {"target": "rejected", "reason": "Propos injurieux"})
    pending.refresh_from_db()
    assert pending.state == "rejected"
    assert not Report.objects.filter(handled_at__isnull=True).exists()


@pytest.mark.parametrize("state", ["submitted", "rejected"])
def test_an_unpublished_workshop_entry_is_not_public(client, state):
    # Captured by a facilitator: no author. Neither an anonymous visitor (whose id is None
    # too) nor another account may open it: moderation may have held back a health detail.
    from tests.factories import ContributionFactory, WorkshopFactory

    contribution = ContributionFactory(state=state, text="Mon voisin est atteint de…")
    url = reverse("contributions:detail", args=[contribution.pk])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    # Published, it shows where it comes from, with or without a workshop.
    Contribution.objects.filter(pk=contribution.pk).update(state="published")
    page = client.get(url).content.decode()
    assert "Issue de la journée « " in page and "atelier" not in page.split("Issue de")[1][:20]
    workshop = WorkshopFactory(event=contribution.event, title="Accès aux soins")
    Contribution.objects.filter(pk=contribution.pk).update(workshop=workshop)
    assert "Issue de l’atelier « Accès aux soins »" in client.get(url).content.decode()
