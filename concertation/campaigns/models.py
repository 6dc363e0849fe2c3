from __future__ import annotations

from django.db import models

from concertation.territories.models import HealthTerritory, Region

# Stakeholder colleges offered at registration unless a campaign sets its own list.
DEFAULT_COLLEGES: list[list[str]] = [
    ["usager", "Usager ou représentant des usagers"],
    ["professionnel", "Professionnel de santé"],
    ["etablissement", "Établissement de santé ou médico-social"],
    ["elu", "Élu"],
    ["institution", "État, Assurance maladie ou autre institution"],
    ["partenaire_social", "Partenaire social"],
    ["citoyen", "Citoyen"],
    ["autre", "Autre"],
]


def default_colleges() -> list[list[str]]:
    return [list(pair) for pair in DEFAULT_COLLEGES]


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
    colleges = models.JSONField(
        "collèges", default=default_colleges,
        help_text="Liste de paires [code, libellé] proposées à l’inscription.",
    )
    retention_months = models.PositiveSmallIntegerField(
        "durée de conservation des inscriptions (mois après la journée)", default=12
    )
    online_open = models.BooleanField("contributions en ligne ouvertes", default=False)

    class Moderation(models.TextChoices):
        PRE = "pre", "A priori (publiées après relecture)"
        POST = "post", "A posteriori (publiées aussitôt, masquables)"

    moderation = models.CharField("modération", max_length=10, choices=Moderation.choices,
                                  default=Moderation.POST)

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

    @property
    def college_choices(self) -> list[tuple[str, str]]:
        return [(code, label) for code, label in self.colleges]

    def college_label(self, code: str) -> str:
        return dict(self.college_choices).get(code, code)


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
