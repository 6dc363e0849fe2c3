"""Labelled projects: what became of validated proposals and work leads, followed until
delivered.

A project comes from one or more origins (CRSA-adopted synthesis proposals, validated or
retained contributions) and keeps the links to them, so to the days and territories they came
from. Its label lifecycle lives in `workflow.py` and every change goes through `services.py`.
Progress is never typed: it is computed from the milestones' weights and statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from concertation.accounts.scope import ScopedQuerySet
from concertation.campaigns.models import Theme
from concertation.contributions.models import Contribution
from concertation.synthesis.models import SynthesisGroup
from concertation.territories.models import HealthTerritory, Region


class ProjectState(models.TextChoices):
    PROPOSED = "proposed", "Proposé"
    LABELLED = "labelled", "Labellisé"
    IN_PROGRESS = "in_progress", "En cours"
    DELIVERED = "delivered", "Réalisé"
    ABANDONED = "abandoned", "Abandonné"


# What the public sees: a project is public once labelled (its abandonment stays visible).
PUBLIC_STATES = (ProjectState.LABELLED, ProjectState.IN_PROGRESS, ProjectState.DELIVERED,
                 ProjectState.ABANDONED)


class Programme(models.Model):
    """A territorial pact or programme a project belongs to (e.g. "Pacte territoire santé 28")."""

    name = models.CharField("intitulé", max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="région")
    health_territory = models.ForeignKey(HealthTerritory, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+",
                                         verbose_name="territoire de santé")
    signed_on = models.DateField("signé le", null=True, blank=True)
    description = models.TextField("présentation", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "pacte ou programme"
        verbose_name_plural = "pactes et programmes"

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(ScopedQuerySet):
    # A regional project (no territory) is the ARS's alone.
    scope_region = ("region_id",)
    scope_territory = ("health_territory_id",)

    def public(self) -> ProjectQuerySet:
        return self.filter(state__in=PUBLIC_STATES)

    def with_progress(self) -> ProjectQuerySet:
        """Annotates the weights behind the progress, so a list computes it without
        fetching milestones (see `Project.progress`)."""
        counted = ~Q(milestones__status=MilestoneStatus.DROPPED)
        return self.annotate(
            weight_done=Sum("milestones__weight",
                            filter=Q(milestones__status=MilestoneStatus.DONE)),
            weight_total=Sum("milestones__weight", filter=counted),
        )

    def for_listing(self) -> ProjectQuerySet:
        return (self.select_related("region", "health_territory", "programme")
                .prefetch_related("themes").with_progress())


class Project(models.Model):
    title = models.CharField("intitulé", max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.TextField("présentation")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="région")
    # Null for a regional project, which only the ARS manages.
    health_territory = models.ForeignKey(HealthTerritory, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="projects",
                                         verbose_name="territoire de santé")
    themes = models.ManyToManyField(Theme, blank=True, related_name="projects",
                                    verbose_name="thèmes")
    programme = models.ForeignKey(Programme, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="projects", verbose_name="pacte ou programme")
    label_name = models.CharField("label", max_length=100, default="CNR Santé")
    lead_organisation = models.CharField("structure porteuse", max_length=200)
    co_pilots = models.TextField("co-pilotes", blank=True, help_text="Un co-pilote par ligne.")
    partners = models.TextField("partenaires", blank=True, help_text="Un partenaire par ligne.")
    governance = models.TextField("gouvernance", blank=True,
                                  help_text="Instances, fréquence des réunions, rôle de chacun.")
    # The day the project was set up from its origins: no milestone is reached before it.
    created_on = models.DateField("date de création du projet", default=timezone.localdate)
    origin_groups = models.ManyToManyField(SynthesisGroup, blank=True, related_name="projects",
                                           verbose_name="propositions adoptées")
    origin_contributions = models.ManyToManyField(Contribution, blank=True,
                                                  related_name="projects",
                                                  verbose_name="pistes de travail")
    state = models.CharField("état", max_length=20, choices=ProjectState.choices,
                             default=ProjectState.PROPOSED)
    labelled_at = models.DateTimeField("labellisé le", null=True, blank=True)
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name="labellisé par")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on", "title", "id"]
        verbose_name = "projet labellisé"
        verbose_name_plural = "projets labellisés"
        indexes = [models.Index(fields=["state", "region"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.slug])

    @property
    def progress(self) -> int:
        """Per cent of the milestones' weight reached, dropped milestones left out. Uses the
        `with_progress()` annotation when present, else the (prefetched) milestones."""
        if hasattr(self, "weight_total"):
            return progress_of(self.weight_done or 0, self.weight_total or 0)
        return compute_progress(self.milestones.all())

    @property
    def co_pilot_list(self) -> list[str]:
        return _lines(self.co_pilots)

    @property
    def partner_list(self) -> list[str]:
        return _lines(self.partners)

    @property
    def is_final(self) -> bool:
        return self.state in (ProjectState.DELIVERED, ProjectState.ABANDONED)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def progress_of(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def compute_progress(milestones: Iterable[Milestone]) -> int:
    done = total = 0
    for milestone in milestones:
        if milestone.status == MilestoneStatus.DROPPED:
            continue
        total += milestone.weight
        if milestone.status == MilestoneStatus.DONE:
            done += milestone.weight
    return progress_of(done, total)


class ProjectTransition(models.Model):
    """The log of every label state change: who, when, from what to what, why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=ProjectState.choices)
    to_state = models.CharField(max_length=20, choices=ProjectState.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "at", "id"]
        verbose_name = "changement d’état de projet"

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_state} → {self.to_state}"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", "Prévu"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Atteint"
    DROPPED = "dropped", "Abandonné"


def _evidence_path(instance: Milestone, filename: str) -> str:
    return f"projets/{instance.project_id}/{filename}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    # Stable identifier in import sheets: a re-import updates the milestone with this key.
    key = models.SlugField("clé", max_length=60)
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("description", blank=True)
    planned_date = models.DateField("date prévue", null=True, blank=True)
    actual_date = models.DateField("date réelle", null=True, blank=True)
    status = models.CharField("statut", max_length=20, choices=MilestoneStatus.choices,
                              default=MilestoneStatus.PLANNED)
    weight = models.PositiveSmallIntegerField(
        "poids", default=1, help_text="Part du jalon dans l’avancement (1 par défaut).")
    evidence_file = models.FileField("justificatif (document)", upload_to=_evidence_path,
                                     blank=True)
    evidence_url = models.URLField("justificatif (lien)", blank=True)
    evidence_note = models.CharField("justificatif (note)", max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", models.F("planned_date").asc(nulls_last=True), "id"]
        verbose_name = "jalon"
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="one_milestone_per_key"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def date(self) -> dt.date | None:
        return self.actual_date or self.planned_date


class ProjectUpdate(models.Model):
    """A dated news item posted by the project's lead, sent to followers in the digest."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    published_on = models.DateField("date", default=timezone.localdate)
    title = models.CharField("titre", max_length=200)
    text = models.TextField("texte", max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "-published_on", "-id"]
        verbose_name = "actualité de projet"

    def __str__(self) -> str:
        return self.title


class Follower(models.Model):
    """Someone who gets the digest of a project's updates once they confirmed by the signed
    link: anyone who subscribed, or a participant who contributed to its origins and accepted
    the one invitation sent when the project became public. Nobody follows without opting in."""

    class Source(models.TextChoices):
        CONTRIBUTOR = "contributor", "Contributeur"
        SUBSCRIBER = "subscriber", "Abonné"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField("adresse électronique")
    source = models.CharField(max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Updates created after this are in the next digest.
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "created_at", "id"]
        verbose_name = "abonné"
        constraints = [
            models.UniqueConstraint(fields=["project", "email"], name="one_follower_per_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.project_id}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ImportLog(models.Model):
    """Every milestone sheet imported: who, when, which file, what it did."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    filename = models.CharField(max_length=200)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    transitions = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.at:%Y-%m-%d})"


def validate_milestone(project: Project, milestone: Milestone) -> None:
    """The rules every milestone keeps, from a form or an import. Raises in French."""
    if milestone.actual_date and milestone.actual_date < project.created_on:
        raise ValidationError(
            f"La date réelle ({milestone.actual_date:%d/%m/%Y}) précède la création du projet "
            f"({project.created_on:%d/%m/%Y}).")
    if milestone.status == MilestoneStatus.DONE and not milestone.actual_date:
        raise ValidationError("Un jalon atteint doit avoir sa date réelle.")
