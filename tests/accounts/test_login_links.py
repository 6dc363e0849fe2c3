"""E-mail login links: participant accounts only, single use, short-lived, stored as a hash."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from concertation.accounts.models import OrganiserMembership
from concertation.contributions.models import Facilitation
from tests.factories import UserFactory, WorkshopFactory, make_territory

pytestmark = pytest.mark.django_db


def _request(client, email, capture, next_url="/contributions/"):
    with capture(execute=True):
        return client.post(reverse("front:magic_request"), {"email": email, "next": next_url})


def _link(message) -> str:
    found = re.search(r"https?://[^/\s]+(/compte/lien/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_participant_link_signs_in_once_only(client, django_capture_on_commit_callbacks):
    _request(client, "Lea@Example.org", django_capture_on_commit_callbacks)
    path = _link(mail.outbox[-1])
    assert "Me connecter" in client.get(path).content.decode()
    response = client.post(path)
    assert response["Location"] == "/contributions/"
    assert client.get("/").context["user"].email == "lea@example.org"

    client.logout()
    again = client.post(path)
    assert again.status_code == 400
    assert "déjà été utilisé" in again.content.decode()
    assert not client.get("/").context["user"].is_authenticated
    # The confirmation page says so too, before anyone clicks.
    assert "déjà été utilisé" in client.get(path).content.decode()


def test_a_link_expires_after_a_quarter_of_an_hour(client, settings,
                                                    django_capture_on_commit_callbacks):
    from concertation.accounts.models import LoginToken

    assert settings.LOGIN_LINK_MINUTES <= 15
    _request(client, "lea@example.org", django_capture_on_commit_callbacks)
    path = _link(mail.outbox[-1])
    LoginToken.objects.update(
        created_at=timezone.now() - dt.timedelta(minutes=settings.LOGIN_LINK_MINUTES, seconds=1))
    response = client.post(path)
    assert response.status_code == 400 and "expiré" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def _organiser():
    user = UserFactory(email="agent@ars.example.org")
    OrganiserMembership.objects.create(user=user, council=make_territory().council)
    return user


def _facilitator():
    user = UserFactory(email="agent@ars.example.org")
    Facilitation.objects.create(user=user, workshop=WorkshopFactory())
    return user


@pytest.mark.parametrize("make", [
    _organiser,
    _facilitator,
    lambda: UserFactory(email="agent@ars.example.org", is_staff=True),
    lambda: UserFactory(email="agent@ars.example.org", is_superuser=True, is_staff=True),
], ids=["organiser", "facilitator", "staff", "superuser"])
def test_no_login_link_for_an_account_with_a_role(client, make,
                                                  django_capture_on_commit_callbacks):
    make()
    participant = _request(client, "lea@example.org", django_capture_on_commit_callbacks)
    privileged = _request(client, "Agent@ARS.example.org", django_capture_on_commit_callbacks)
    # The page answers alike: nobody learns which addresses belong to organisers.
    assert privileged.status_code == participant.status_code == 200
    assert (privileged.content.decode().replace("agent@ars.example.org", "X")
            == participant.content.decode().replace("lea@example.org", "X"))
    message = mail.outbox[-1]
    assert message.to == ["agent@ars.example.org"]
    assert "/compte/lien/" not in message.body
    assert "mot de passe" in message.body and "ProConnect" in message.body


def test_a_role_given_after_the_request_makes_the_link_void(client,
                                                          django_capture_on_commit_callbacks):
    user = UserFactory(email="lea@example.org")
    _request(client, "lea@example.org", django_capture_on_commit_callbacks)
    path = _link(mail.outbox[-1])
    user.is_staff = True
    user.save()
    response = client.post(path)
    assert response.status_code == 400
    assert not client.get("/").context["user"].is_authenticated


def test_nothing_in_the_database_signs_anyone_in(client, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from concertation.accounts.models import LoginToken

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("front:magic_request"), {"email": "lea@example.org"})
    row = LoginToken.objects.get()
    # What the task is given: the row's id, nothing else.
    for callback in callbacks:
        callback()
    token_path = _link(mail.outbox[-1])
    secret = token_path.rstrip("/").rsplit("/", 1)[1]
    assert len(secret) >= 32
    dump = json.dumps(list(LoginToken.objects.values()), default=str)
    dump += json.dumps(list(DBTaskResult.objects.values()), default=str)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump += json.dumps(cursor.fetchall(), default=str)
    assert secret not in dump
    assert row.email == "lea@example.org"


def test_the_task_receives_only_the_row_id(settings, client,
                                           django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from concertation.accounts.models import LoginToken

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("front:magic_request"), {"email": "lea@example.org"})
    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [LoginToken.objects.get().pk], "kwargs": {}}


def test_a_tampered_link_is_refused(client):
    response = client.get(reverse("accounts:magic_login", args=["A" * 43]))
    assert response.status_code == 400 and "n’est pas valide" in response.content.decode()
