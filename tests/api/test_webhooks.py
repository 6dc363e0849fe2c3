"""Organisers' webhooks against a real HTTP receiver on loopback: each event of the apps
below reaches the endpoints whose owner's scope covers it (and no other), signed with the
endpoint's secret; a receiver that fails twice gets the event on the third try, exactly once,
each retry deferred by the back-off; the log keeps each attempt's answer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from concertation.accounts.scope import scope_for
from concertation.api import webhooks
from concertation.api.models import WebhookDelivery, WebhookEndpoint
from concertation.contributions import services as contributions
from concertation.events import services as days
from concertation.registrations.services import cancel, register
from concertation.synthesis import services as syntheses
from tests.factories import (
    ContributionFactory,
    EventFactory,
    SynthesisFactory,
    agency_organiser,
    applicant,
    make_territory,
    organiser_of,
)
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.django_db

ALL = ["registration.created", "registration.cancelled", "registration.promoted",
       "contribution.published", "restitution.published", "synthesis.transmitted"]


@pytest.fixture(autouse=True)
def _loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


def _endpoint(user, url, events=ALL) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(user=user, url=url, events=events,
                                          secret="s" * 64)


def _deliver_all() -> list[str]:
    return [webhooks.deliver.call(d.pk) for d in WebhookDelivery.objects.order_by("pk")
            if d.delivered_at is None]


def test_each_event_reaches_the_endpoints_whose_scope_covers_it(django_capture_on_commit_callbacks):
    territory_a, territory_b = make_territory("28"), make_territory("69")
    day = EventFactory(health_territory=territory_a, open=True, capacity=1)
    with webhook_receiver() as receiver:
        cts_a = _endpoint(organiser_of(territory_a), receiver.url)
        ars_a = _endpoint(agency_organiser("24"), receiver.url,
                          events=["synthesis.transmitted", "registration.created"])
        cts_b = _endpoint(organiser_of(territory_b), receiver.url)
        first = register(event=day, applicant=applicant(email="a@example.org"),
                         workshops=[]).registration
        register(event=day, applicant=applicant(email="b@example.org"), workshops=[])
        cancel(first)  # the waiting one is promoted
        online = ContributionFactory(event=None, origin="online", state="submitted",
                                     department=day.department, health_territory=territory_a)
        contributions.transition(contribution=online, target="published", user=None)
        day.state, day.date = "held", timezone.localdate() - dt.timedelta(days=1)
        day.save()
        owner = cts_a.user
        days.transition(scope=scope_for(owner), user=owner, event=day,
                        target="restitution_published")
        synthesis = SynthesisFactory(level="region", region=day.department.region,
                                     state="validated")
        ars = ars_a.user
        syntheses.transition(scope=scope_for(ars), user=ars, synthesis=synthesis,
                             target="transmitted", expected_revision=synthesis.revision)
        assert set(_deliver_all()) == {"delivered"}
    got = {}
    for request in receiver.requests:
        payload = json.loads(request.body)
        got.setdefault(payload["event"], []).append(payload)
        assert webhooks.verify("s" * 64, request.headers["X-Concertation-Signature"],
                               request.body)
        assert request.headers["X-Concertation-Event"] == payload["event"]
        assert request.headers["X-Concertation-Delivery"] == str(payload["id"])
    by_endpoint = {e: set(WebhookDelivery.objects.filter(endpoint=e)
                          .values_list("event", flat=True)) for e in (cts_a, ars_a, cts_b)}
    assert by_endpoint[cts_a] == set(ALL) - {"synthesis.transmitted"}  # regional: the ARS's
    assert by_endpoint[ars_a] == {"synthesis.transmitted", "registration.created"}
    assert by_endpoint[cts_b] == set()  # another territory: nothing
    created = got["registration.created"][0]["data"]
    assert created["day"]["slug"] == day.slug and created["registration"]["status"] == \
        "confirmed"
    assert got["registration.promoted"][0]["data"]["registration"]["status"] == "confirmed"
    assert got["contribution.published"][0]["data"]["contribution"]["id"] == online.pk
    assert got["synthesis.transmitted"][0]["data"]["synthesis"]["slug"] == synthesis.slug
    # No personal data travels: a tool reads it through the API with its token.
    assert "example.org" not in b"".join(r.body for r in receiver.requests).decode()


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_try_exactly_once(
        django_capture_on_commit_callbacks, settings):
    # The worker's backend, whose task rows say when each retry may run.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    territory = make_territory("28")
    day = EventFactory(health_territory=territory, open=True)
    with webhook_receiver(fail=2) as receiver:
        endpoint = _endpoint(organiser_of(territory), receiver.url, ["registration.created"])
        register(event=day, applicant=applicant(), workshops=[])
        delivery = WebhookDelivery.objects.get()
        queued = DBTaskResult.objects.filter(task_path="concertation.api.webhooks.deliver")
        assert queued.count() == 1  # written in the sign-up's transaction
        outcomes, delays = [], []
        for _ in range(4):
            before = timezone.now()
            with django_capture_on_commit_callbacks(execute=True):
                outcomes.append(webhooks.deliver.call(delivery.pk))
            retry = queued.order_by("-enqueued_at").first()
            delays.append(retry.run_after - before if retry.run_after.year < 9999 else None)
        assert outcomes == ["failed", "failed", "delivered", "nothing to do"]
        # Each failure deferred its retry by the back-off: 1 then 2 minutes.
        assert dt.timedelta(seconds=55) < delays[0] < dt.timedelta(seconds=65)
        assert dt.timedelta(seconds=115) < delays[1] < dt.timedelta(seconds=125)
        assert queued.count() == 3
    assert [r.answered for r in receiver.requests] == [500, 500, 204]
    ids = {json.loads(r.body)["id"] for r in receiver.requests}
    assert ids == {delivery.pk}  # the same delivery each time, for the receiver to keep once
    assert all(webhooks.verify(endpoint.secret, r.headers["X-Concertation-Signature"], r.body)
               for r in receiver.requests)
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_status == 204 and delivery.delivered_at


def test_signature_is_refused_when_altered_or_old():
    content = b'{"event":"registration.created"}'
    header = webhooks.signature("secret", 1_800_000_000, content)
    assert webhooks.verify("secret", header, content, now=1_800_000_010)
    assert not webhooks.verify("autre", header, content, now=1_800_000_010)
    assert not webhooks.verify("secret", header, content + b" ", now=1_800_000_010)
    assert not webhooks.verify("secret", header, content, now=1_800_000_000 + 3600)
    assert not webhooks.verify("secret", "n'importe quoi", content)


def test_a_private_address_is_refused_outside_tests(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    territory = make_territory("28")
    _endpoint(organiser_of(territory), "http://127.0.0.1:9/hooks", ["registration.created"])
    register(event=EventFactory(health_territory=territory, open=True), applicant=applicant(),
             workshops=[])
    delivery = WebhookDelivery.objects.get()
    assert webhooks.deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == webhooks.PRIVATE and delivery.closed


def test_the_back_office_pages(client):
    territory = make_territory("28")
    user = organiser_of(territory)
    client.force_login(user)
    url = reverse("api_backoffice:webhooks")
    refused = client.post(url, {"url": "ftp://exemple.fr/x", "events": ["nope"]})
    assert refused.status_code == 400
    assert not WebhookEndpoint.objects.exists()
    made = client.post(url, {"url": "https://outil.example.org/hooks",
                             "events": ["registration.created"]})
    endpoint = WebhookEndpoint.objects.get()
    assert made.status_code == 200 and endpoint.secret in made.content.decode()
    assert endpoint.secret not in client.get(url).content.decode()
    WebhookDelivery.objects.create(endpoint=endpoint, event="registration.created",
                                   attempts=2, last_status=500, last_error="Réponse HTTP 500")
    log = client.get(reverse("api_backoffice:webhook", args=[endpoint.pk])).content.decode()
    assert "Réponse HTTP 500" in log and "En attente" in log
    delete = reverse("api_backoffice:webhook_delete", args=[endpoint.pk])
    assert "Confirmer" in client.post(delete).content.decode()
    assert client.post(delete, {"confirm": "1"}).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.active
    client.force_login(organiser_of(territory))
    assert client.get(reverse("api_backoffice:webhook", args=[endpoint.pk])).status_code == 404
