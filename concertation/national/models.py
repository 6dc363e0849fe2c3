"""What the national secretariat receives from the regions, and what it answers.

A `Transmission` is the national inbox's row for one frozen regional edition: written in the
transaction that marks the synthesis transmitted (`synthesis.services.transition` calls
`national.services.receive`), so an edition is never transmitted without reaching the inbox.
A later edition of the same regional synthesis is a new `Transmission` linked to the one
before it (`previous`): the inbox shows it as version 2 with its differences. The thread
(`Message`) and what became of each proposal (`FollowUp`) belong to the edition they were
written about, as the CRSA's decisions do."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from concertation.accounts.scope import AreaName, Scope, ScopedQuerySet
from concertation.synthesis.models import Synthesis, SynthesisGroup
from concertation.territories.models import Region


class TransmissionQuerySet(ScopedQuerySet):
    scope_region = ("synthesis__region_id",)

    def within(self, scope: Scope, area: AreaName = "manage") -> TransmissionQuerySet:
        """The national secretariat reads every region's transmissions; a region's organisers
        (its ARS) the transmissions of their region, to answer the ministry."""
        if scope.national:
            return self
        return self.filter(scope.area(area).q(self.scope_region, ()))


class Transmission(models.Model):
    synthesis = models.OneToOneField(Synthesis, on_delete=models.PROTECT,
                                     related_name="transmission", verbose_name="version")
    # The transmission of the edition this one was started from (version n - 1).
    previous = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="next_version")
    received_at = models.DateTimeField("reçue le", default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, related_name="+", verbose_name="transmise par")
    acknowledged_at = models.DateTimeField("réception accusée le", null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="+",
                                        verbose_name="réception accusée par")

    objects = TransmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "transmission au ministère"
        verbose_name_plural = "transmissions au ministère"

    def __str__(self) -> str:
        return f"{self.synthesis} reçue le {self.received_at:%d/%m/%Y}"

    @property
    def region(self) -> Region:
        """The region that sent it: only a regional synthesis is transmitted."""
        region = self.synthesis.region
        assert region is not None, "only regional syntheses are transmitted"
        return region

    @property
    def version(self) -> int:
        return self.synthesis.edition

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class Message(models.Model):
    """One message of the thread between the national secretariat and the region."""

    class Side(models.TextChoices):
        NATIONAL = "national", "Secrétariat national"
        REGION = "region", "Région"

    transmission = models.ForeignKey(Transmission, on_delete=models.CASCADE,
                                     related_name="messages")
    side = models.CharField(max_length=20, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    text = models.TextField("message")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["transmission", "at", "id"]

    def __str__(self) -> str:
        return f"{self.transmission_id} {self.side} {self.at:%d/%m/%Y %H:%M}"


class FollowUp(models.Model):
    """What became of one transmitted proposal at the national level (« suites données »)."""

    class Outcome(models.TextChoices):
        RETAINED = "retained", "Retenue dans une mesure nationale"
        COVERED = "covered", "Déjà couverte par une mesure existante"
        NOT_RETAINED = "not_retained", "Non retenue"

    transmission = models.ForeignKey(Transmission, on_delete=models.CASCADE,
                                     related_name="follow_ups")
    group = models.OneToOneField(SynthesisGroup, on_delete=models.CASCADE,
                                 related_name="follow_up", verbose_name="proposition")
    outcome = models.CharField("suite donnée", max_length=20, choices=Outcome.choices)
    # The national measure it joined or that already covers it (plan, law, instruction).
    measure = models.CharField("mesure nationale", max_length=300, blank=True)
    reason = models.TextField("motif", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["transmission", "group__position", "group_id"]
        verbose_name = "suite donnée"
        constraints = [
            models.CheckConstraint(condition=~Q(outcome="not_retained") | ~Q(reason=""),
                                   name="not_retained_follow_up_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.outcome}"
