"""Organisers' webhooks: what happens within an organiser's scope, told to their tools.

The apps below send their signals inside the transaction of what they tell (a registration
created, cancelled or promoted, a contribution published, a day's restitution published, a
synthesis transmitted); `emit` writes one `WebhookDelivery` row per endpoint that listens to
the event and whose owner's scope covers it (`scope_for(owner).manage`, the back-office's own
mechanism), with its delivery task in the same transaction (`core/outbox.py`'s helpers): an
event is queued if and only if the change commits. The rows hold ids and states only, no
personal data: a tool reads the rest through the organisers' API.

`deliver` posts the event as JSON, signed: `X-Concertation-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>." + body with the endpoint's secret>`, and `X-Concertation-
Delivery: <id>` (the same on every attempt, for the receiver to keep it once). A 2xx answer
delivers it; anything else is kept in the log and tried again after 1, 2, 4 … minutes, at
most an hour, `WEBHOOK_MAX_ATTEMPTS` times. The row is locked while it is sent, so two
workers never send it twice."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from concertation.accounts.scope import scope_for
from concertation.api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from concertation.core import outbox, sql

logger = logging.getLogger(__name__)

SIGNATURE = "X-Concertation-Signature"
PRIVATE = "Adresse sur un réseau privé ou local : envoi refusé."


_LIVE_SQL = (f"SELECT id, events FROM {WebhookEndpoint._meta.db_table} "
             "WHERE disabled_at IS NULL")


def listeners(event: str) -> list[WebhookEndpoint]:
    """The live endpoints listening to `event`. One hand-written statement is the whole cost
    of an event nobody listens to (every sign-up sends one): a receiver reads nothing else
    before it knows there is someone."""
    ids = [pk for pk, events in sql.fetch(_LIVE_SQL)
           if event in (json.loads(events) if isinstance(events, str) else events)]
    if not ids:
        return []
    return [e for e in WebhookEndpoint.objects.filter(pk__in=ids).select_related("user")
            if e.user.is_active]


def emit(event: str, listening: list[WebhookEndpoint], *, region_id: int | None,
         territory_id: int | None, data: dict) -> int:
    """Queue `event` for each endpoint of `listening` within whose owner's scope it
    happened; in the caller's transaction. Returns how many were queued."""
    count = 0
    for endpoint in listening:
        if not scope_for(endpoint.user).manage.covers(region_id, territory_id):
            continue
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, data=data)
        if isinstance(deliver.get_backend(), DatabaseBackend):
            outbox.enqueue_in_transaction(deliver, delivery.pk)
        else:
            transaction.on_commit(functools.partial(deliver.enqueue, delivery.pk))
        count += 1
    return count


def body(delivery: WebhookDelivery) -> bytes:
    return json.dumps({"id": delivery.pk, "event": delivery.event,
                       "created_at": delivery.created_at.isoformat(), "data": delivery.data},
                      ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, content: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + content, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, content: bytes, *, tolerance_s: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does (also the documentation's example): the signature matches and is
    recent (a replayed old request is refused)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, content)
    return hmac.compare_digest(expected, header)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere, a private address included: answered as a failure.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _private(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False  # not resolved: the request fails and says so
    return any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """The receiver's status and an error text ("" on a 2xx)."""
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and _private(endpoint.url):
        return None, PRIVATE
    content = body(delivery)
    request = urllib.request.Request(endpoint.url, data=content, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "Concertation-Webhooks/1",
        "X-Concertation-Event": delivery.event, "X-Concertation-Delivery": str(delivery.pk),
        SIGNATURE: signature(endpoint.secret, int(time.time()), content)})
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_S) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"Réponse HTTP {error.code}"
    except (OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:2000]


@task
def deliver(delivery_id: int) -> str:
    """Send one delivery if it is still due (the outbox's way: locked, counted, kept)."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("endpoint").filter(pk=delivery_id).first())
        if delivery is None or delivery.delivered_at is not None:
            return "nothing to do"
        if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            return "closed"
        endpoint = delivery.endpoint
        if endpoint.disabled_at is not None:
            delivery.attempts = settings.WEBHOOK_MAX_ATTEMPTS
            delivery.last_error = "Point de réception supprimé : envoi abandonné."
            delivery.save(update_fields=["attempts", "last_error"])
            return "closed"
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.last_status, delivery.last_error = _post(endpoint, delivery)
        ok = delivery.last_status is not None and 200 <= delivery.last_status < 300
        if ok:
            delivery.delivered_at = timezone.now()
        elif delivery.last_error == PRIVATE:
            delivery.attempts = settings.WEBHOOK_MAX_ATTEMPTS
        delivery.save(update_fields=["attempts", "last_attempt_at", "last_status",
                                     "last_error", "delivered_at"])
        if ok:
            return "delivered"
        logger.warning("Webhook delivery %s (%s) failed, attempt %s: %s", delivery.pk,
                       delivery.event, delivery.attempts, delivery.last_error)
        if (delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS
                and deliver.get_backend().supports_defer):
            run_after = timezone.now() + outbox.retry_delay(delivery.attempts)
            transaction.on_commit(
                lambda: deliver.using(run_after=run_after).enqueue(delivery_id))
        return "failed"


# What the apps below tell -----------------------------------------------------------------

def _day(event) -> dict:
    return {"id": event.pk, "slug": event.slug,
            "url": settings.SITE_URL + event.get_absolute_url()}


def on_registration(sender, registration, change: str, **kwargs) -> None:
    name = f"registration.{change}"
    listening = listeners(name)
    if not listening:
        return
    event = registration.event
    emit(name, listening, region_id=event.department.region_id,
         territory_id=event.health_territory_id,
         data={"registration": {"id": registration.pk, "code": registration.code,
                                "status": registration.status},
               "day": _day(event)})


def on_day_transition(sender, event, from_state: str, **kwargs) -> None:
    if event.state != "restitution_published":
        return
    listening = listeners(WebhookEvent.RESTITUTION_PUBLISHED)
    if not listening:
        return
    emit(WebhookEvent.RESTITUTION_PUBLISHED, listening, region_id=event.department.region_id,
         territory_id=event.health_territory_id, data={"day": _day(event)})


def on_contribution_published(sender, contribution, **kwargs) -> None:
    from django.urls import reverse

    listening = listeners(WebhookEvent.CONTRIBUTION_PUBLISHED)
    if not listening:
        return
    department = contribution.department or (contribution.event.department
                                             if contribution.event else None)
    emit(WebhookEvent.CONTRIBUTION_PUBLISHED, listening,
         region_id=department.region_id if department else None,
         territory_id=contribution.health_territory_id
         or (contribution.event.health_territory_id if contribution.event else None),
         data={"contribution": {
             "id": contribution.pk,
             "url": settings.SITE_URL + reverse("contributions:detail", args=[contribution.pk])},
             "day": _day(contribution.event) if contribution.event else None})


def on_synthesis_transmitted(sender, synthesis, user, **kwargs) -> None:
    listening = listeners(WebhookEvent.SYNTHESIS_TRANSMITTED)
    if not listening:
        return
    emit(WebhookEvent.SYNTHESIS_TRANSMITTED, listening, region_id=synthesis.region_id,
         territory_id=None,
         data={"synthesis": {"id": synthesis.pk, "slug": synthesis.slug,
                             "title": synthesis.title, "level": synthesis.level}})


def connect() -> None:
    from concertation.contributions import events as contribution_events
    from concertation.events import signals as day_signals
    from concertation.registrations import signals as registration_signals
    from concertation.synthesis import signals as synthesis_signals

    registration_signals.changed.connect(on_registration, dispatch_uid="api.webhooks.reg")
    day_signals.transitioned.connect(on_day_transition, dispatch_uid="api.webhooks.day")
    contribution_events.published.connect(on_contribution_published,
                                          dispatch_uid="api.webhooks.contribution")
    synthesis_signals.transmitted.connect(on_synthesis_transmitted,
                                          dispatch_uid="api.webhooks.synthesis")
