"""API tokens of organisers (`tokens.py`): a tool acts as the organiser who made the token,
with that person's scope read anew at every use, so a token never reaches more than its owner
does today. Only the token's hash is stored; its text is shown once, when it is made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField("nom", max_length=100)
    # The token's first characters, to tell tokens apart on the page (not enough to use it).
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "jeton d’API"
        verbose_name_plural = "jetons d’API"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiTokenUse(models.Model):
    """One request made with a token: when, what, from where (the log its owner reads)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["token", "-at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class WebhookEvent(models.TextChoices):
    REGISTRATION_CREATED = "registration.created", "Inscription créée"
    REGISTRATION_CANCELLED = "registration.cancelled", "Inscription annulée"
    REGISTRATION_PROMOTED = "registration.promoted", "Inscription confirmée (liste d’attente)"
    CONTRIBUTION_PUBLISHED = "contribution.published", "Contribution publiée"
    RESTITUTION_PUBLISHED = "restitution.published", "Restitution publiée"
    SYNTHESIS_TRANSMITTED = "synthesis.transmitted", "Synthèse transmise au ministère"


class WebhookEndpoint(models.Model):
    """An organiser's tool that is told of events (`webhooks.py`): those of the events it
    listens to that happen within its owner's scope, signed with its own secret."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="webhook_endpoints")
    url = models.URLField("adresse de réception", max_length=500)
    events = models.JSONField("événements", default=list)
    # Kept as is: the signature is computed with it at each delivery (HMAC-SHA256).
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def event_labels(self) -> list[str]:
        return [WebhookEvent(e).label for e in self.events if e in WebhookEvent.values]


class WebhookDelivery(models.Model):
    """One event for one endpoint, kept until the receiver answers 2xx: each attempt counted,
    its answer or error kept (the delivery log of the back-office)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"

    @property
    def closed(self) -> bool:
        return self.delivered_at is None and self.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
