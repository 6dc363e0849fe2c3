"""An organiser gives a workshop its facilitators; a new facilitator chooses a password from
the invitation, signs in and lands on « Mes ateliers »."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from concertation.contributions.models import Facilitation
from tests.factories import (
    EventFactory,
    UserFactory,
    WorkshopFactory,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop():
    return WorkshopFactory(event=EventFactory(open=True), title="Accès aux soins")


def _link(message) -> str:
    return re.search(r"http://\S+/compte/mot-de-passe/\S+/", message.body).group(0)


def test_a_new_facilitator_is_invited_chooses_a_password_and_lands_on_their_workshops(
        client, workshop, django_capture_on_commit_callbacks):
    client.force_login(organiser_of(workshop.event.health_territory))
    page = reverse("contributions_backoffice:facilitators", args=[workshop.event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"workshop": workshop.pk, "email": "Anim@Example.org",
                                      "first_name": "Alex", "last_name": "Martin"})
    assert response.status_code == 302
    account = get_user_model().objects.get(email="anim@example.org")
    assert not account.has_usable_password()
    assert Facilitation.objects.filter(user=account, workshop=workshop).exists()
    [invitation] = mail.outbox
    assert invitation.to == ["anim@example.org"] and "Accès aux soins" in invitation.subject
    assert "Alex Martin" in client.get(page).content.decode()

    client.logout()
    link = _link(invitation).removeprefix("http://testserver")
    form = client.get(link, follow=True)
    assert "Choisir mon mot de passe" in form.content.decode()
    chosen = client.post(form.redirect_chain[-1][0], {
        "new_password1": "une-phrase-de-passe-solide", "new_password2":
        "une-phrase-de-passe-solide"})
    assert chosen.status_code == 302
    # The link served once: it no longer opens the form.
    assert "plus valable" in client.get(link, follow=True).content.decode()
    signed_in = client.post(reverse("accounts:login"), {
        "username": "anim@example.org", "password": "une-phrase-de-passe-solide"}, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse("contributions:my_workshops")
    assert reverse("contributions:capture", args=[workshop.pk]) in signed_in.content.decode()


def test_an_existing_account_is_told_to_sign_in_and_a_bad_address_changes_nothing(
        client, workshop, django_capture_on_commit_callbacks):
    existing = UserFactory(email="deja@example.org")
    client.force_login(organiser_of(workshop.event.health_territory))
    page = reverse("contributions_backoffice:facilitators", args=[workshop.event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page, {"workshop": workshop.pk, "email": "deja@example.org"})
        again = client.post(page, {"workshop": workshop.pk, "email": "deja@example.org"},
                            follow=True)
    assert Facilitation.objects.filter(user=existing, workshop=workshop).count() == 1
    assert "anime déjà cet atelier" in again.content.decode()
    [invitation] = mail.outbox
    assert "/compte/connexion/" in invitation.body and "mot-de-passe" not in invitation.body
    refused = client.post(page, {"workshop": workshop.pk, "email": "pas une adresse"})
    assert refused.status_code == 400
    assert "Saisissez une adresse électronique valide" in refused.content.decode()
    assert Facilitation.objects.count() == 1


def test_removing_a_facilitator_and_the_screen_is_the_days_organisers_only(client, workshop):
    facilitation = Facilitation.objects.create(user=UserFactory(), workshop=workshop)
    page = reverse("contributions_backoffice:facilitators", args=[workshop.event.pk])
    remove = reverse("contributions_backoffice:remove_facilitator",
                     args=[workshop.event.pk, facilitation.pk])
    client.force_login(organiser_of(make_territory("69")))
    assert client.get(page).status_code == 404
    assert client.post(remove).status_code == 404
    assert client.post(page, {"workshop": workshop.pk, "email": "x@example.org"}
                       ).status_code == 404
    client.force_login(organiser_of(workshop.event.health_territory))
    assert client.post(remove).status_code == 302
    assert not Facilitation.objects.exists()


def test_the_password_link_goes_only_to_accounts_with_a_role(
        client, workshop, django_capture_on_commit_callbacks):
    UserFactory(email="participant@example.org")
    organiser = organiser_of(workshop.event.health_territory)
    organiser.email = "orga@example.org"
    organiser.save()
    answers = []
    for address in ("participant@example.org", "inconnu@example.org", "orga@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:password_reset"), {"email": address})
        answers.append(response["Location"])
    # The same answer for every address: only the mailbox learns whether an account exists.
    assert len(set(answers)) == 1
    [message] = mail.outbox
    assert message.to == ["orga@example.org"] and "/compte/mot-de-passe/" in message.body
