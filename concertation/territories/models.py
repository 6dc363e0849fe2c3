from __future__ import annotations

from django.db import models


class RegionQuerySet(models.QuerySet["Region"]):
    def metropolitan(self) -> RegionQuerySet:
        return self.filter(code__gte="11")


class Region(models.Model):
    code = models.CharField("code officiel géographique", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    slug = models.SlugField(unique=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "région"

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    code = models.CharField("code officiel géographique", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    slug = models.SlugField(unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = "département"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Agency(models.Model):
    """An agence régionale de santé (ARS): one per region."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="agency")
    name = models.CharField("nom", max_length=150)

    class Meta:
        ordering = ["name"]
        verbose_name = "agence régionale de santé"
        verbose_name_plural = "agences régionales de santé"

    def __str__(self) -> str:
        return self.name


class HealthTerritory(models.Model):
    """A territoire de santé, set by the ARS: usually a department, sometimes several
    departments or only part of one (then `partial_note` says which part)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="health_territories")
    name = models.CharField("nom", max_length=150)
    slug = models.SlugField(unique=True)
    departments = models.ManyToManyField(
        Department, related_name="health_territories", verbose_name="départements"
    )
    partial_note = models.CharField(
        "partie de département couverte",
        max_length=300,
        blank=True,
        help_text="À renseigner si le territoire ne couvre qu’une partie d’un département.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "territoire de santé"
        verbose_name_plural = "territoires de santé"

    def __str__(self) -> str:
        return self.name


class TerritorialCouncil(models.Model):
    """A conseil territorial de santé (CTS): one per health territory."""

    territory = models.OneToOneField(
        HealthTerritory, on_delete=models.CASCADE, related_name="council"
    )
    name = models.CharField("nom", max_length=150)

    class Meta:
        ordering = ["name"]
        verbose_name = "conseil territorial de santé"
        verbose_name_plural = "conseils territoriaux de santé"

    def __str__(self) -> str:
        return self.name
