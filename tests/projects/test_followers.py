"""Followers: participants behind the origins, and subscribers who confirmed by the signed
link; the digest of updates; unsubscribing."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.core.models import OutgoingEmail
from concertation.projects import services, tokens
from concertation.projects.models import Follower
from tests.factories import (
    ContributionFactory,
    ProjectFactory,
    RegistrationFactory,
    SynthesisGroupFactory,
    UserFactory,
    cite,
    decide,
)

pytestmark = pytest.mark.django_db


def _link(message, name: str) -> str:
    path = re.search(rf"https?://[^/\s]+(/projets/abonnement/{name}/[^\s]+/)", message.body)
    assert path, message.body
    return path.group(1)


def test_origin_participants_follow_from_creation(territory, day, roles):
    author = UserFactory(email="autrice@example.org")
    registration = RegistrationFactory(event=day, email="Inscrit@Example.org")
    lead = ContributionFactory(event=day, state="retained", author=author)
    ContributionFactory(event=day, state="merged", merged_into=lead,
                        registration=RegistrationFactory(event=day, email="fusion@example.org"))
    group = SynthesisGroupFactory(synthesis__level="territory",
                                  synthesis__health_territory=territory)
    decide(group)
    cite(group, ContributionFactory(event=day, state="validated", registration=registration))
    ContributionFactory(event=day, state="retained")  # no e-mail, no follower
    from concertation.projects.models import Project

    project = services.create_project(
        scope=scope_for(roles["cts"]), user=roles["cts"],
        project=Project(title="P", summary="S", region=territory.region,
                        health_territory=territory, lead_organisation="CTS",
                        created_on=dt.date(2024, 2, 1)),
        groups=[group], contributions=[lead])
    followers = {f.email: f for f in project.followers.all()}
    assert set(followers) == {"autrice@example.org", "inscrit@example.org",
                              "fusion@example.org"}
    # Recorded, but not following: nobody opted in yet.
    assert all(f.source == "contributor" and not f.active for f in followers.values())


def test_contributors_are_invited_once_and_follow_only_after_opting_in(
        client, project, roles, django_capture_on_commit_callbacks):
    """A labelled project's contributors get one invitation with the signed link; no digest
    reaches them until they click it."""
    project.state = "proposed"
    project.save()
    work_lead = project.origin_contributions.get()
    work_lead.author = UserFactory(email="autrice@example.org")
    work_lead.save()
    cts = scope_for(roles["cts"])
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_contributor_followers(project)
    # A proposed project is not public: nobody is invited to follow it yet.
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(scope=cts, user=roles["cts"], project=project, target="labelled")
    [invitation] = mail.outbox
    assert invitation.to == ["autrice@example.org"]
    assert invitation.subject == f"Suivre le projet : {project.title}"
    assert "Vous avez contribué" in invitation.body
    assert "vous ne recevrez rien d’autre" in invitation.body
    assert "Suivre ce projet" in invitation.alternatives[0][0]
    follower = Follower.objects.get()
    assert not follower.active
    # Not following: no digest.
    services.post_update(scope=cts, user=roles["cts"], project=project, title="Lancement",
                         text="Lancement", published_on=dt.date(2025, 1, 1))
    assert services.queue_digests() == 0
    # One invitation only: starting the project, saving it or the daily run send no other.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(scope=cts, user=roles["cts"], project=project,
                            target="in_progress")
        services.sync_contributor_followers(project)
        call_command("send_project_digests", stdout=io.StringIO())
    assert mail.outbox == []
    # Opting in through the invitation's link makes them a follower.
    confirm = _link(invitation, "confirmer")
    client.post(confirm)
    assert Follower.objects.get().active
    services.post_update(scope=cts, user=roles["cts"], project=project, title="Suite",
                         text="Suite", published_on=dt.date(2025, 2, 1))
    assert services.queue_digests() == 1


def test_a_contributor_added_to_a_labelled_project_is_invited(
        project, roles, django_capture_on_commit_callbacks):
    work_lead = project.origin_contributions.get()
    work_lead.author = UserFactory(email="a@example.org")
    work_lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_contributor_followers(project)
    [invitation] = mail.outbox
    assert invitation.to == ["a@example.org"]
    assert OutgoingEmail.objects.get().kind == "invitation"
    assert not Follower.objects.get().active


def test_a_subscriber_who_also_contributed_stays_a_subscriber(
        project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        follower = services.subscribe(project=project, email="a@example.org")
    services.confirm(follower)
    work_lead = project.origin_contributions.get()
    work_lead.author = UserFactory(email="a@example.org")
    work_lead.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_contributor_followers(project)
    assert mail.outbox == []
    follower = Follower.objects.get()
    assert follower.active and follower.source == "subscriber"


def test_an_unsubscribed_contributor_stays_unsubscribed(project, work_lead):
    work_lead.author = UserFactory(email="a@example.org")
    work_lead.save()
    services.sync_contributor_followers(project)
    follower = project.followers.get()
    services.unsubscribe(follower)
    assert services.sync_contributor_followers(project) == 0
    assert not project.followers.get().active


def test_subscribe_confirm_digest_unsubscribe(client, project, roles,
                                              django_capture_on_commit_callbacks):
    url = reverse("projects:follow", args=[project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "Lecteur@Example.org"})
    assert response.status_code == 200 and "Confirmez votre abonnement" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["lecteur@example.org"]
    assert message.subject == f"Confirmez votre abonnement : {project.title}"
    follower = Follower.objects.get()
    assert not follower.active
    # An update before confirmation is not in the digest; nothing goes to the unconfirmed.
    services.post_update(scope=scope_for(roles["cts"]), user=roles["cts"], project=project,
                         title="Avant", text="Avant", published_on=dt.date(2025, 1, 1))
    assert services.queue_digests() == 0
    confirm = _link(message, "confirmer")
    assert "Confirmer mon abonnement" in client.get(confirm).content.decode()
    assert not Follower.objects.get().active  # opening the link is not confirming
    response = client.post(confirm, follow=True)
    assert "Votre abonnement est confirmé" in response.content.decode()
    assert Follower.objects.get().active

    services.post_update(scope=scope_for(roles["cts"]), user=roles["cts"], project=project,
                         title="La plate-forme est inaugurée", text="Ouverte à tous.",
                         published_on=dt.date(2025, 1, 15))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_project_digests", stdout=io.StringIO())
    [digest] = mail.outbox
    assert digest.subject == f"Actualités du projet : {project.title}"
    assert "La plate-forme est inaugurée" in digest.body and "Avant" not in digest.body
    assert digest.extra_headers["List-Unsubscribe"].startswith("<http")
    html = digest.alternatives[0][0]
    assert "La plate-forme est inaugurée" in html
    # Nothing new: nothing sent.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_project_digests", stdout=io.StringIO())
    assert mail.outbox == []

    unsubscribe = _link(digest, "desabonner")
    assert "Me désabonner" in client.get(unsubscribe).content.decode()
    response = client.post(unsubscribe)
    assert "Désabonnement enregistré" in response.content.decode()
    assert not Follower.objects.get().active
    services.post_update(scope=scope_for(roles["cts"]), user=roles["cts"], project=project,
                         title="Après", text="Après", published_on=dt.date(2025, 2, 1))
    assert services.queue_digests() == 0


def test_subscribing_twice_sends_one_link(client, project, django_capture_on_commit_callbacks):
    url = reverse("projects:follow", args=[project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "a@example.org"})
        client.post(url, {"email": "a@example.org"})
    assert len(mail.outbox) == 1
    assert Follower.objects.count() == 1


def test_bad_email_keeps_the_form(client, project):
    response = client.post(reverse("projects:follow", args=[project.slug]),
                           {"email": "pas-une-adresse"})
    assert response.status_code == 400
    assert "pas-une-adresse" in response.content.decode()
    assert not Follower.objects.exists()


def test_honeypot_sends_nothing(client, project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("projects:follow", args=[project.slug]),
                    {"email": "robot@example.org", "website": "http://spam"})
    assert mail.outbox == [] and not Follower.objects.exists()


def test_delivered_project_takes_no_new_subscriber(client, territory):
    project = ProjectFactory(health_territory=territory, delivered=True)
    response = client.post(reverse("projects:follow", args=[project.slug]),
                           {"email": "a@example.org"})
    assert response.status_code == 400
    assert "n’accepte plus de nouveaux abonnements" in response.content.decode()


@pytest.mark.parametrize("token", ["abc", "e30:1tZ:xyz"])
def test_bad_links_are_explained(client, token):
    for name in ("confirm", "unsubscribe"):
        response = client.get(reverse(f"projects:{name}", args=[token]))
        assert response.status_code == 400
        assert "Ce lien n’est pas valide" in response.content.decode()


def test_expired_confirmation_link(client, project, settings):
    follower = Follower.objects.create(project=project, email="a@example.org",
                                       source="subscriber")
    url = tokens.confirm_url(follower).removeprefix(settings.SITE_URL)
    from unittest import mock

    import django.core.signing

    later = django.core.signing.time.time() + tokens.CONFIRM_MAX_AGE_S + 10
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(url)
    assert response.status_code == 400 and "a expiré" in response.content.decode()
    assert not Follower.objects.get().active


def test_failed_mail_is_kept_and_retried(project, settings, django_capture_on_commit_callbacks):
    working = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "tests.projects.test_followers.BrokenBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        services.subscribe(project=project, email="a@example.org")
    outgoing = OutgoingEmail.objects.get()
    assert outgoing.sent_at is None and outgoing.attempts == 1
    assert outgoing.last_error == "OSError: boom"
    settings.MAILERS = working
    from concertation.core.outbox import retry_pending

    assert retry_pending() == 1
    outgoing.refresh_from_db()
    assert outgoing.sent_at is not None and len(mail.outbox) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("boom")


def test_contributors_confirmed_unasked_before_follow_only_once_invited_and_accepted(
        project, django_capture_on_commit_callbacks):
    """A contributor left unconfirmed (as migration 0002 left those recorded without being
    asked; that migration read the old ProjectEmail table, gone since the one outbox) is
    invited once by the daily run; one who accepted is not."""
    from django.utils import timezone

    now = timezone.now()
    Follower.objects.create(project=project, email="a@example.org", source="contributor")
    accepted = Follower.objects.create(project=project, email="b@example.org",
                                       source="contributor", confirmed_at=now, last_digest_at=now)
    OutgoingEmail.objects.create(follower=accepted, kind="follow_confirmation", sent_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_project_digests", stdout=io.StringIO())
        call_command("send_project_digests", stdout=io.StringIO())
    [invitation] = mail.outbox
    assert invitation.to == ["a@example.org"]
