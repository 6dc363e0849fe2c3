from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class PublicContentVersion(models.Model):
    """A counter bumped by every service that changes what the public pages show.

    Public pages are cached per process under this version, so a change made by any process
    (web worker, task worker, admin) is seen by all of them on their next request.
    """

    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"version {self.version}"


class OutgoingEmail(models.Model):
    """Every e-mail the site sends, kept until the mail server accepts it (`core/outbox.py`):
    a registration's, a project follower's, a login or password link, a facilitator's notice.
    Mail being down loses nothing: a failure is kept with its error and tried again later. A
    row is about one object, through the one foreign key its kind uses (the others stay
    empty), and goes with it when it is deleted."""

    class Kind(models.TextChoices):
        # A registration's (about `registration`).
        CONFIRMATION = "confirmation", "Confirmation"
        WAITLIST = "waitlist", "Liste d’attente"
        PROMOTED = "promoted", "Place libérée"
        # A freed seat offered for a while (a day with timed offers), and its expiry.
        OFFER = "offer", "Place proposée"
        OFFER_EXPIRED = "offer_expired", "Proposition expirée"
        CANCELLED = "cancelled", "Annulation"
        CHANGED = "changed", "Modification"
        REMINDER = "reminder", "Rappel"
        # The form was sent again with this registration's address: the owner gets their
        # link again (the form itself answers as for a new sign-up, telling nobody).
        ALREADY = "already", "Déjà inscrit(e)"
        # A project follower's (about `follower`).
        FOLLOW_CONFIRMATION = "follow_confirmation", "Confirmation d’abonnement"
        # To a contributor of the project's origins: the proposal to follow, with the same
        # signed link as a confirmation. Sent once per follower.
        INVITATION = "invitation", "Invitation à suivre le projet"
        DIGEST = "digest", "Actualités"
        # Sign-in (about `login_token`, or `user` for a password link).
        LOGIN_LINK = "login_link", "Lien de connexion"
        PASSWORD_LINK = "password_link", "Lien pour choisir son mot de passe"
        # A workshop's new facilitator (about `facilitation`).
        FACILITATION = "facilitation", "Animation d’un atelier"
        # An organiser's message to a day's registrants (about `registration`, with `mailing`).
        MAILING = "mailing", "Message de l’organisateur"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    registration = models.ForeignKey("registrations.Registration", on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="emails")
    follower = models.ForeignKey("projects.Follower", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="emails")
    login_token = models.ForeignKey("accounts.LoginToken", on_delete=models.CASCADE, null=True,
                                    blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+")
    facilitation = models.ForeignKey("contributions.Facilitation", on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="+")
    mailing = models.ForeignKey("registrations.Mailing", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="emails")
    # The updates a digest carries, by id.
    update_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # What `outbox.retry_pending` reads every day: the few unsent among many sent.
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True),
                         name="outgoing_email_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.pk})"


class AuditQuerySet(models.QuerySet):
    """`within(scope)` as the apps' `ScopedQuerySet` reads it (core imports no app, so the
    scope comes in as the value `accounts.scope_for` made): an entry is seen by whoever can
    manage (or, `area`, moderate / decide on) the region or health territory it belongs to."""

    def within(self, scope: Any, area: str = "manage") -> AuditQuerySet:
        return self.filter(scope.area(area).q(("region_id",), ("territory_id",)))

    def about(self, obj: models.Model) -> AuditQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(obj),
                           object_id=obj.pk)


class AuditEntry(models.Model):
    """The one audit trail (`core/audit.py`): who did what to which object, when, and through
    which channel. Every writer goes through `audit.record`; the action is a namespaced code
    (`events.day.transition`, `projects.import`…) and the details a small JSON (from / to
    state, reason, counts, file name). The object's label is kept, so that an entry still
    reads once the object is deleted."""

    class Channel(models.TextChoices):
        SCREEN = "screen", "Écran"
        API = "api", "Jeton d’API"
        COMMAND = "command", "Commande"
        TASK = "task", "Tâche de fond"
        SYSTEM = "system", "Système"

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    action = models.CharField(max_length=80)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_label = models.CharField(max_length=200, blank=True)
    # Where the object lies, read by `within(scope)`: the one permission mechanism's areas.
    region = models.ForeignKey("territories.Region", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    territory = models.ForeignKey("territories.HealthTerritory", on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SYSTEM)
    # The screen's URL name, the command's or the task's name.
    via = models.CharField(max_length=200, blank=True)
    # The API token used (its id only: the token row may be revoked, never deleted).
    api_token_id = models.PositiveBigIntegerField(null=True, blank=True)
    # What was done, in French, as the history shows it (written by the writer).
    summary = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des actions"
        indexes = [models.Index(fields=["content_type", "object_id", "-at"],
                                name="audit_entry_object")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_label} ({self.at:%Y-%m-%d %H:%M})"
