"""The door's devices (issue 18): offline check-ins and walk-ins synced exactly once."""

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from concertation.accounts.scope import scope_for
from concertation.registrations import services
from concertation.registrations.models import DoorSync, Registration, RegistrationStatus
from tests.concurrency import race
from tests.factories import EventFactory, WorkshopFactory, applicant, organiser_of

pytestmark = pytest.mark.django_db


def _day(capacity=None):
    event = EventFactory(open=True, capacity=capacity)
    workshop = WorkshopFactory(event=event, title="Parcours de soins")
    people = [services.register(event=event, workshops=[workshop] if i % 2 else [],
                                applicant=applicant(email=f"p{i}@example.org",
                                                    first_name=f"Prénom{i}",
                                                    last_name=f"Nom{i}")).registration
              for i in range(4)]
    return event, people, organiser_of(event.health_territory)


def _item(code, *, offline=True, client_id=None, at=None):
    return services.DoorItem(client_id=client_id or uuid.uuid4(), kind="check_in",
                             device_at=at or timezone.now() - dt.timedelta(minutes=5),
                             offline=offline, code=code)


def _sync(event, user, items):
    return services.sync_door(scope=scope_for(user), event=event, user=user, items=items)


def test_an_offline_check_in_is_applied_once_with_the_devices_time():
    event, people, user = _day()
    at = timezone.now() - dt.timedelta(minutes=7)
    item = _item(people[0].code, at=at)
    first = _sync(event, user, [item])
    again = _sync(event, user, [item])  # the answer was lost: the device sends it again
    assert first == again and first[0]["outcome"] == "recorded"
    people[0].refresh_from_db()
    assert people[0].checked_in_offline and people[0].checked_in_device_at == at
    assert people[0].checked_in_at == at
    assert DoorSync.objects.count() == 1


def test_two_devices_give_one_check_in_and_the_second_is_told():
    event, people, user = _day()
    first = _sync(event, user, [_item(people[1].code)])
    second = _sync(event, user, [_item(people[1].code, offline=False)])
    assert first[0]["outcome"] == "recorded"
    assert second[0]["outcome"] == "already"
    assert "déjà pointé(e)" in second[0]["message"]
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 1


def test_a_check_in_on_a_cancelled_registration_is_refused_in_french():
    event, people, user = _day()
    services.cancel(people[2])
    answer = _sync(event, user, [_item(people[2].code)])[0]
    assert answer["outcome"] == "refused"
    assert answer["message"] == "Prénom2 Nom2 : inscription annulée, l’arrivée n’est pas " \
                                "enregistrée."
    people[2].refresh_from_db()
    assert people[2].checked_in_at is None


def test_a_walk_in_is_registered_checked_in_once_and_counted():
    event, _, user = _day(capacity=4)
    item = services.DoorItem(client_id=uuid.uuid4(), kind="walk_in", device_at=timezone.now(),
                             offline=True, first_name="Léa", last_name="Sur-Place",
                             college="usager")
    first = _sync(event, user, [item])[0]
    assert _sync(event, user, [item])[0] == first
    walk_in = Registration.objects.get(code=first["code"])
    assert walk_in.source == "door" and walk_in.status == RegistrationStatus.CONFIRMED
    assert walk_in.checked_in_offline
    assert "au-delà des 4 places" in first["message"]
    event.refresh_from_db()
    assert event.seats_taken == 5


def test_the_sync_endpoint_answers_json_and_refuses_bad_items_in_french(client):
    event, people, user = _day()
    client.force_login(user)
    url = reverse("registrations_backoffice:door_sync", args=[event.pk])
    good = {"client_id": str(uuid.uuid4()), "kind": "check_in", "code": people[3].code,
            "device_at": timezone.now().isoformat(), "offline": True}
    bad = {"client_id": str(uuid.uuid4()), "kind": "walk_in", "first_name": "",
           "last_name": "X", "college": "inconnu", "email": "pas-une-adresse",
           "device_at": timezone.now().isoformat()}
    response = client.post(url, json.dumps({"items": [good, bad]}),
                           content_type="application/json")
    results = {r["client_id"]: r for r in response.json()["results"]}
    assert results[good["client_id"]]["outcome"] == "recorded"
    assert results[bad["client_id"]]["outcome"] == "invalid"
    assert "Indiquez le prénom." in results[bad["client_id"]]["message"]
    assert "Adresse électronique invalide" in results[bad["client_id"]]["message"]
    assert client.post(url, "{", content_type="application/json").json() == {
        "error": "Requête illisible : du JSON est attendu."}
    listing = client.get(reverse("registrations_backoffice:door_list", args=[event.pk])).json()
    assert {r["code"] for r in listing["registrations"]} == {p.code for p in people}
    assert set(listing["registrations"][0]) == {
        "code", "first_name", "last_name", "status", "college", "organisation", "workshops",
        "checked_in_at", "offline"}


def test_the_list_and_the_sync_are_for_the_days_organisers_only(client):
    event, people, _ = _day()
    other = EventFactory(open=True)
    client.force_login(organiser_of(other.health_territory))
    url = reverse("registrations_backoffice:door_sync", args=[event.pk])
    item = {"client_id": str(uuid.uuid4()), "kind": "check_in", "code": people[0].code,
            "device_at": timezone.now().isoformat()}
    assert client.post(url, json.dumps({"items": [item]}),
                       content_type="application/json").status_code == 404
    assert client.get(reverse("registrations_backoffice:door_list",
                              args=[event.pk])).status_code == 404
    assert not DoorSync.objects.exists()


def test_the_walk_in_form_without_javascript_keeps_what_was_typed(client):
    event, _, user = _day()
    client.force_login(user)
    url = reverse("registrations_backoffice:door", args=[event.pk])
    response = client.post(url, {"first_name": "Jean", "last_name": "", "college": "usager",
                                 "email": "jean@", "consent": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Indiquez le nom." in page and 'value="Jean"' in page
    assert "Adresse électronique invalide" in page
    assert not Registration.objects.filter(first_name="Jean").exists()
    response = client.post(url, {"first_name": "Jean", "last_name": "Dupont",
                                 "college": "usager", "consent": "on"}, follow=True)
    assert "Jean Dupont : inscription sur place enregistrée." in response.content.decode()


def test_the_door_page_and_list_queries_are_pinned(client, django_assert_num_queries):
    event, _, user = _day()
    client.force_login(user)
    url = reverse("registrations_backoffice:door_list", args=[event.pk])
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for i in range(10):
        services.register(event=event, applicant=applicant(email=f"plus{i}@example.org"),
                          workshops=[])
    with django_assert_num_queries(7):
        client.get(url)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_concurrent_devices_apply_each_check_in_once():
    event, people, user = _day()
    same = _item(people[0].code)
    calls = [lambda: _sync(event, user, [same]) for _ in range(4)]
    calls += [lambda: _sync(event, user, [_item(people[1].code)]) for _ in range(4)]
    calls += [lambda: _sync(event, user, [services.DoorItem(
        client_id=same_walk_in, kind="walk_in", device_at=timezone.now(), offline=True,
        first_name="Léa", last_name="Sur-Place", college="usager")]) for _ in range(4)]
    assert race(*calls) == []
    assert DoorSync.objects.filter(client_id=same.client_id).count() == 1
    outcomes = sorted(DoorSync.objects.exclude(client_id__in=[same.client_id, same_walk_in])
                      .values_list("outcome", flat=True))
    assert outcomes == ["already", "already", "already", "recorded"]
    assert Registration.objects.filter(last_name="Sur-Place").count() == 1
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 3


same_walk_in = uuid.uuid4()


def test_a_sync_costs_three_statements_per_arrival_and_one_query_for_its_replays(
        django_assert_num_queries):
    event, people, user = _day()
    more = [services.register(event=event, workshops=[], applicant=applicant(
        email=f"m{i}@example.org")).registration for i in range(6)]
    scope = scope_for(user)
    items = [_item(r.code) for r in people + more]
    # One read of the ids already known, then per arrival: its savepoint, the registration
    # locked, written, and the door row inserted, the savepoint released.
    with django_assert_num_queries(1 + 5 * len(items)):
        services.sync_door(scope=scope, event=event, user=user, items=items)
    with django_assert_num_queries(1):
        services.sync_door(scope=scope, event=event, user=user, items=items)
