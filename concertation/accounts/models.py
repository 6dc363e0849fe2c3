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


class LoginToken(models.Model):
    """One e-mail login link (see `magic.py`): the link's secret is not stored, only its hash
    and the nonce it is derived from with SECRET_KEY."""

    token_hash = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64)
    email = models.EmailField()
    next_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lien de connexion"
        verbose_name_plural = "liens de connexion"

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class OidcIdentity(models.Model):
    """Links a user to the identity an OpenID provider (ProConnect) asserts for them.

    The pair (issuer, sub) is the provider's stable identifier for a person; the e-mail is
    only used to find the invited account the first time. Once linked, a user keeps one
    identity per issuer, so a second ProConnect identity bearing the same e-mail cannot take
    the account over.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )
    issuer = models.CharField("émetteur", max_length=255)
    sub = models.CharField("identifiant chez l’émetteur", max_length=255)
    created_at = models.DateTimeField("lié le", auto_now_add=True)
    last_login_at = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "identité ProConnect"
        verbose_name_plural = "identités ProConnect"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="unique_oidc_issuer_sub"),
            models.UniqueConstraint(fields=["user", "issuer"], name="unique_oidc_user_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.issuer}"
