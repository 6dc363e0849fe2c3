from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from concertation.territories.models import Agency, TerritorialCouncil


class OrganiserMembership(models.Model):
    """Makes a user an organiser for an ARS (the whole region) or a CTS (its health territory).

    Exactly one of `agency` and `council` is set. A user may hold several memberships.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    council = models.ForeignKey(
        TerritorialCouncil,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rattachement d’organisateur"
        verbose_name_plural = "rattachements d’organisateurs"
        constraints = [
            models.CheckConstraint(
                condition=(Q(agency__isnull=False) & Q(council__isnull=True))
                | (Q(agency__isnull=True) & Q(council__isnull=False)),
                name="membership_agency_xor_council",
            ),
            models.UniqueConstraint(fields=["user", "agency"], name="unique_user_agency"),
            models.UniqueConstraint(fields=["user", "council"], name="unique_user_council"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.agency or self.council}"
