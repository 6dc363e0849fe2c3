from __future__ import annotations

from django.db import models

from concertation.accounts.scope import ScopedQuerySet
from concertation.campaigns.models import Campaign, Theme
from concertation.core.jobs import BackgroundJob
from concertation.events.models import Event
from concertation.territories.models import HealthTerritory, Region


class AnalysisRunQuerySet(ScopedQuerySet):
    # A run is placed by its selection: its region, its territory or its day. A run over
    # every region has no place and is reached only by a scope that covers everything.
    scope_region = ("region_id", "health_territory__region_id", "event__department__region_id")
    scope_territory = ("health_territory_id", "event__health_territory_id")


class AnalysisRun(BackgroundJob):
    """One run of the analysis engine on a selection of contributions, kept with its inputs,
    parameters and engine version so that its result can be read and reproduced later. Its
    status, progress and cancellation are the background job's (`core/jobs.py`)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="analyses",
                                 verbose_name="concertation")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name="journée")
    region = models.ForeignKey(Region, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name="région")
    health_territory = models.ForeignKey(HealthTerritory, on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="+",
                                         verbose_name="territoire")
    theme = models.ForeignKey(Theme, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name="thème")
    parameters = models.JSONField(default=dict)
    engine_version = models.CharField(max_length=40)
    input_ids = models.JSONField(default=list)
    result = models.JSONField(null=True, blank=True)

    objects = AnalysisRunQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Analyse {self.pk} ({self.get_status_display()})"
