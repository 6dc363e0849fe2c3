"""Syntheses: the proposals written from groups of contributions, for a day, a territory, a
region, a theme or a national campaign; their validation with the CRSA; their transmission.

A synthesis is edited as a working copy (its groups); every write goes through
`synthesis.services`, bumps `revision` (optimistic locking: a form carries the revision it was
read at) and records a `SynthesisRevision` with a snapshot, so that history and diffs read from
snapshots. Transmitting freezes an edition; later edits start a new edition (`previous`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from concertation.accounts.scope import AreaName, Scope, ScopedQuerySet
from concertation.analysis_runs.models import AnalysisRun
from concertation.campaigns.models import Campaign, Theme
from concertation.contributions.models import Contribution
from concertation.core.jobs import BackgroundJob
from concertation.events.models import Event
from concertation.territories.models import HealthTerritory, Region


class SynthesisState(models.TextChoices):
    DRAFT = "draft", "En cours de rédaction"
    IN_VALIDATION = "in_validation", "Soumise à la CRSA"
    VALIDATED = "validated", "Validée"
    TRANSMITTED = "transmitted", "Transmise au ministère"


# The levels a CTS may hold (a regional or national synthesis is the ARS's or the ministry's).
TERRITORIAL_LEVELS = ("event", "territory", "theme")


class SynthesisQuerySet(ScopedQuerySet):
    def published(self) -> SynthesisQuerySet:
        """What the public pages and the API show: made public, and validated or
        transmitted (the states a package is built in)."""
        return self.filter(is_public=True, state__in=(SynthesisState.VALIDATED,
                                                      SynthesisState.TRANSMITTED))

    def within(self, scope: Scope, area: AreaName = "manage") -> SynthesisQuerySet:
        """The ARS reaches the syntheses of its region (every level), the CTS those of its
        territory (its days, its territory, its themes), never a regional one."""
        place = scope.area(area)
        if place.everywhere:
            return self
        return self.filter(place.q(["region_id"], ())
                           | (Q(level__in=TERRITORIAL_LEVELS)
                              & place.q((), ["health_territory_id"])))

    def readable(self, scope: Scope) -> SynthesisQuerySet:
        """What a scope may read: its own area, what it records CRSA decisions on, and, for
        the national secretariat, every edition transmitted to it (never a draft)."""
        if scope.national:
            return self.filter(Q(pk__in=self.within(scope).values("pk"))
                               | Q(pk__in=self.within(scope, "decide").values("pk"))
                               | Q(state=SynthesisState.TRANSMITTED))
        if not scope.decide or scope.decide == scope.manage:
            return self.within(scope)
        return self.filter(Q(pk__in=self.within(scope).values("pk"))
                           | Q(pk__in=self.within(scope, "decide").values("pk")))


class Synthesis(models.Model):
    class Level(models.TextChoices):
        EVENT = "event", "Journée"
        TERRITORY = "territory", "Territoire de santé"
        REGION = "region", "Région"
        NATIONAL = "national", "Nationale"
        THEME = "theme", "Thème"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="syntheses",
                                 verbose_name="concertation")
    level = models.CharField("échelle", max_length=20, choices=Level.choices)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="syntheses", verbose_name="journée")
    health_territory = models.ForeignKey(HealthTerritory, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+",
                                         verbose_name="territoire de santé")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="région")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name="thème")
    title = models.CharField("titre", max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    # Context and method, shown on the public page and at the head of the report.
    introduction = models.TextField("contexte et méthode", blank=True)
    # The days consolidated, and whether the campaign's online contributions are included.
    days = models.ManyToManyField(Event, blank=True, related_name="consolidations",
                                  verbose_name="journées consolidées")
    includes_online = models.BooleanField("contributions en ligne incluses", default=False)
    source_run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+",
                                   verbose_name="analyse de départ")
    # The regional restitution meeting (CRSA) where the proposals are decided.
    validation_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="validated_syntheses",
                                         verbose_name="séance de validation")
    state = models.CharField(max_length=20, choices=SynthesisState.choices,
                             default=SynthesisState.DRAFT)
    edition = models.PositiveSmallIntegerField("version", default=1)
    previous = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="next_edition")
    # Bumped by every write: the optimistic lock a form carries.
    revision = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField("publiée", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    transmitted_at = models.DateTimeField(null=True, blank=True)
    transmitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="+")
    # The random key of the creation form that made it: the same form posted twice (a double
    # click) finds this synthesis instead of creating a second one.
    request_key = models.CharField(max_length=64, blank=True, editable=False)

    objects = SynthesisQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "synthèse"
        indexes = [models.Index(fields=["campaign", "level", "state"])]
        constraints = [
            models.UniqueConstraint(fields=["request_key"], condition=~Q(request_key=""),
                                    name="one_synthesis_per_request_key"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.edition})"

    @property
    def frozen(self) -> bool:
        return self.state == SynthesisState.TRANSMITTED


class SynthesisTransition(models.Model):
    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=SynthesisState.choices)
    to_state = models.CharField(max_length=20, choices=SynthesisState.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["synthesis", "at", "id"]

    def __str__(self) -> str:
        return f"{self.synthesis_id}: {self.from_state} → {self.to_state}"


class SynthesisGroup(models.Model):
    """A group of contributions and the proposal (or work lead) written from them."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "Proposition"
        WORK_LEAD = "work_lead", "Piste de travail"

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="groups")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField("intitulé", max_length=200)
    kind = models.CharField("nature", max_length=20, choices=Kind.choices, default=Kind.PROPOSAL)
    text = models.TextField("proposition rédigée", blank=True)
    # The national theme it is filed under in the report.
    theme = models.ForeignKey(Theme, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name="thème")
    # False while it is only a suggestion of the analysis that the organiser has not accepted.
    accepted = models.BooleanField("retenu", default=True)
    contributions = models.ManyToManyField(Contribution, through="SynthesisItem",
                                           related_name="synthesis_groups")

    class Meta:
        ordering = ["synthesis", "position", "id"]
        verbose_name = "proposition de synthèse"

    def __str__(self) -> str:
        return self.title


class SynthesisItem(models.Model):
    """A contribution cited by a group: in at most one group of a synthesis."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="items")
    group = models.ForeignKey(SynthesisGroup, on_delete=models.CASCADE, related_name="items")
    contribution = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["synthesis", "contribution"],
                                    name="contribution_once_per_synthesis"),
        ]

    def __str__(self) -> str:
        return f"{self.contribution_id} in {self.group_id}"


class Decision(models.Model):
    """The CRSA's decision on one proposal: recorded once, with its vote count."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", "Adoptée"
        AMENDED = "amended", "Adoptée avec amendement"
        REJECTED = "rejected", "Rejetée"
        POSTPONED = "postponed", "Ajournée"

    group = models.OneToOneField(SynthesisGroup, on_delete=models.CASCADE,
                                 related_name="decision")
    outcome = models.CharField("décision", max_length=20, choices=Outcome.choices)
    votes_for = models.PositiveIntegerField("voix pour")
    votes_against = models.PositiveIntegerField("voix contre")
    abstentions = models.PositiveIntegerField("abstentions")
    # The text as submitted, and as amended when the outcome is "amended".
    original_text = models.TextField()
    amended_text = models.TextField("texte amendé", blank=True)
    note = models.TextField("observations", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "décision de la CRSA"
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="amended") | ~Q(amended_text=""),
                name="amended_decision_has_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.outcome}"

    @property
    def final_text(self) -> str:
        return self.amended_text if self.outcome == self.Outcome.AMENDED else self.original_text


class SynthesisRevision(models.Model):
    """One write to a synthesis: who, when, what (in French), and the state after it."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["synthesis", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["synthesis", "number"], name="one_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.synthesis_id} r{self.number}"


class DuplicateDetection(BackgroundJob):
    """The search for near-duplicates among a synthesis's contributions not yet grouped, run
    by a background task (`consolidation.detect_duplicates`; status, progress and error are
    the background job's, `core/jobs.py`). One row per synthesis, reused by each
    new request: `synthesis.consolidation.request_detection` sets it under the synthesis's row lock
    and returns it unchanged while it is queued or running, and the task only runs the
    `attempt` it was enqueued for, so neither a double click nor a replayed task runs it
    twice."""

    synthesis = models.OneToOneField(Synthesis, on_delete=models.CASCADE,
                                     related_name="detection")
    attempt = models.PositiveIntegerField(default=0)
    # Suggestions added by the last finished attempt.
    found = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "détection des doublons"

    def __str__(self) -> str:
        return f"Detection of {self.synthesis_id}, attempt {self.attempt} ({self.status})"

    @property
    def stale(self) -> bool:
        return self.is_stale(DETECTION_STALE_AFTER)


# The demo's 144 proposals take two seconds, 5,000 about eight on a loaded machine.
DETECTION_STALE_AFTER = dt.timedelta(minutes=15)


class Package(BackgroundJob):
    """The transmission package generated from a validated synthesis, by a background task
    (`package.build_package`; status and error are the background job's, `core/jobs.py`)."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="packages")
    revision = models.PositiveIntegerField()
    # {"pdf": "path in storage", "docx": ..., "odt": ..., "xlsx": ..., "csv": ..., "json": ...,
    #  "zip": ...}: the files, under MEDIA_ROOT.
    files = models.JSONField(default=dict)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Package {self.pk} of {self.synthesis_id}"
