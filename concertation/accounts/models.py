from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from concertation.territories.models import Agency, TerritorialCouncil


class Role(models.TextChoices):
    """The back-office roles, as data. What each grants is in `scope.py`; a facilitator is
    not a membership but a `Facilitation` of a workshop."""

    ORGANISER = "organiser", "Organisateur"
    MODERATOR = "moderator", "Modérateur"
    CRSA = "crsa", "Secrétariat de la CRSA"
    NATIONAL = "national", "Secrétariat national"


class OrganiserMembership(models.Model):
    """Gives a user a role for an ARS (the whole region) or a CTS (its health territory), or
    the national role (every region, read-only on what was transmitted to the ministry).

    Exactly one of `agency` and `council` is set, except for the national role, which has
    neither. A user may hold several memberships.
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
    role = models.CharField("rôle", max_length=20, choices=Role.choices,
                            default=Role.ORGANISER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rattachement d’organisateur"
        verbose_name_plural = "rattachements d’organisateurs"
        constraints = [
            models.CheckConstraint(
                condition=(~Q(role=Role.NATIONAL) & (
                    (Q(agency__isnull=False) & Q(council__isnull=True))
                    | (Q(agency__isnull=True) & Q(council__isnull=False))))
                | (Q(role=Role.NATIONAL) & Q(agency__isnull=True) & Q(council__isnull=True)),
                name="membership_place_matches_role",
            ),
            models.UniqueConstraint(fields=["user", "agency", "role"],
                                    name="unique_user_agency_role"),
            models.UniqueConstraint(fields=["user", "council", "role"],
                                    name="unique_user_council_role"),
            models.UniqueConstraint(fields=["user"], condition=Q(role=Role.NATIONAL),
                                    name="unique_user_national"),
        ]

    def __str__(self) -> str:
        place = self.agency or self.council or "national"
        return f"{self.user} — {place} ({self.get_role_display()})"
