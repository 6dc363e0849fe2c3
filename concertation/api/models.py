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
