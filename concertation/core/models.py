from django.conf import settings
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
