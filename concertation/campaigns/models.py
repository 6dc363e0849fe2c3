from __future__ import annotations

from django.db import models

from concertation.territories.models import HealthTerritory, Region


class Campaign(models.Model):
    """A concertation frame (e.g. "CNR Santé 2022"): national or local, with themes and phases."""

    class Scope(models.TextChoices):
        NATIONAL = "national", "Nationale"
        LOCAL = "local", "Locale"

    title = models.CharField("titre", max_length=200)
    slug = models.SlugField(unique=True)
    scope = models.CharField("portée", max_length=20, choices=Scope.choices)
    # A local campaign belongs to a region, and optionally to one health territory.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns"
    )
    health_territory = models.ForeignKey(
        HealthTerritory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name="territoire de santé",
    )
    description = models.TextField(blank=True)
    starts_on = models.DateField("début", null=True, blank=True)
    ends_on = models.DateField("fin", null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = "concertation"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="national", region__isnull=True)
                | models.Q(scope="local", region__isnull=False),
                name="campaign_local_has_region",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Theme(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="themes")
    title = models.CharField("intitulé", max_length=200)
    slug = models.SlugField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "position", "id"]
        verbose_name = "thème"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slug"], name="unique_theme_slug")
        ]

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    """A step of a campaign: consultation days, online contributions, consolidation…"""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField("intitulé", max_length=200)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "position", "starts_on"]
        verbose_name = "phase"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="phase_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.title}"
