from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from concertation.events.models import Event, Workshop

# No 0/O, 1/I/L: codes are read aloud at the door and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    # One draw of the whole code, written in base 31: as uniform as a choice per character,
    # with one read of the system's randomness instead of eight (12 µs down to 3 µs).
    number, digits = secrets.randbelow(len(CODE_ALPHABET) ** 8), []
    for _ in range(8):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmée"
    WAITLISTED = "waitlisted", "En liste d’attente"
    # A freed seat held for this person until `offer_expires_at` (a day with timed offers):
    # it counts as taken, and becomes theirs if they accept in time.
    OFFERED = "offered", "Place proposée"
    CANCELLED = "cancelled", "Annulée"


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def active(self) -> RegistrationQuerySet:
        return self.exclude(status=RegistrationStatus.CANCELLED)

    def confirmed(self) -> RegistrationQuerySet:
        return self.filter(status=RegistrationStatus.CONFIRMED)

    def waitlisted(self) -> RegistrationQuerySet:
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("created_at", "id")


class Registration(models.Model):
    class Source(models.TextChoices):
        ONLINE = "online", "En ligne"
        SECRETARIAT = "secretariat", "Par le secrétariat"
        DOOR = "door", "À l’accueil, le jour même"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    code = models.CharField("code d’inscription", max_length=8, unique=True, default=new_code)
    status = models.CharField(max_length=20, choices=RegistrationStatus.choices)
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    # Blank for people registered by the secretariat who have no e-mail address.
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    organisation = models.CharField("organisme", max_length=200, blank=True)
    college = models.CharField("collège", max_length=50)
    accessibility_needs = models.TextField("besoins d’accessibilité", blank=True)
    consent_processing = models.BooleanField("consentement au traitement", default=False)
    consent_mailings = models.BooleanField("accepte les prochains envois", default=False)
    consent_public_name = models.BooleanField("accepte l’affichage public du nom", default=False)
    workshops = models.ManyToManyField(Workshop, blank=True, related_name="registrations")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ONLINE)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # A random token sent with the form: a replayed submission finds its registration.
    submission_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField("place proposée jusqu’au", null=True, blank=True)
    checked_in_at = models.DateTimeField("arrivée", null=True, blank=True)
    # A check-in made on a door device without network, synced later: the device's clock.
    checked_in_offline = models.BooleanField("pointée hors ligne", default=False)
    checked_in_device_at = models.DateTimeField("heure de l’appareil", null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["event", "created_at", "id"]
        verbose_name = "inscription"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled") & ~Q(email=""),
                name="one_active_registration_per_email",
            )
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.code})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def college_label(self) -> str:
        return self.event.campaign.college_label(self.college)


class DoorSync(models.Model):
    """One check-in or walk-in sent by a door device, under the id the device gave it when it
    was made: the same id sent again (a retry after a lost answer, a second tab) finds this
    row and its answer, so that each is applied exactly once."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", "Arrivée"
        WALK_IN = "walk_in", "Inscription sur place"

    class Outcome(models.TextChoices):
        RECORDED = "recorded", "Enregistrée"
        ALREADY = "already", "Déjà pointée"
        REFUSED = "refused", "Refusée"

    client_id = models.UUIDField(unique=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="door_syncs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    message = models.CharField(max_length=300, blank=True)
    device_at = models.DateTimeField()
    offline = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"


class CustomQuestion(models.Model):
    """A question an organiser adds to a day's registration form."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField("question", max_length=300)
    required = models.BooleanField("réponse obligatoire", default=False)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        ordering = ["event", "position", "id"]
        verbose_name = "question complémentaire"

    def __str__(self) -> str:
        return self.label


class Answer(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE,
                                     related_name="answers")
    question = models.ForeignKey(CustomQuestion, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "question"], name="one_answer")
        ]

    def __str__(self) -> str:
        return self.text[:50]


class RegistrationAttempt(models.Model):
    """Recent sign-up attempts, hashed: the limit per network address; per e-mail, they bound
    how often a sign-up with an address already registered mails its owner."""

    ip_hash = models.CharField(max_length=64, db_index=True)
    email_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"


class LinkRequest(models.Model):
    """Recent requests for a link by e-mail (login link, confirmation sent again), hashed, for
    their own rate limits: counted apart from sign-ups, so that neither uses up the other's
    allowance, and a flood of requests for someone's address never stops them signing up."""

    ip_hash = models.CharField(max_length=64, db_index=True)
    email_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"


class ExportLog(models.Model):
    """Every export of personal data: who, when, what."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, related_name="+")
    what = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.what} ({self.at:%Y-%m-%d})"


class AttendanceSummary(models.Model):
    """Aggregate counts kept when registrations are anonymised at the end of retention."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="attendance")
    counts = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.event_id}"


class Mailing(models.Model):
    """A message an organiser writes to a day's registrants (issue 18): who it goes to is
    chosen by `audience` and decided when it is sent, not when it is written; each recipient
    gets one row of the outbox (`core.OutgoingEmail`, kind `mailing`), retried like any mail.
    A message that is not `essential` (practical information about the day) goes only to
    those who accepted the organisers' mailings, which they can withdraw from their link."""

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", "Toutes les personnes inscrites (confirmées)"
        WAITLISTED = "waitlisted", "La liste d’attente"
        WORKSHOP = "workshop", "Les inscrits d’un atelier"
        PRESENT = "present", "Les personnes venues (pointées à l’accueil)"
        ABSENT = "absent", "Les inscrits confirmés qui ne sont pas venus"

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Programmé"
        SENT = "sent", "Envoyé"
        CANCELLED = "cancelled", "Annulé"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="mailings")
    subject = models.CharField("objet", max_length=150)
    body = models.TextField("message")
    audience = models.CharField("destinataires", max_length=20, choices=Audience.choices)
    workshop = models.ForeignKey(Workshop, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    essential = models.BooleanField("information pratique sur la journée", default=False)
    send_at = models.DateTimeField("envoi prévu le")
    state = models.CharField(max_length=20, choices=State.choices, default=State.SCHEDULED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField("destinataires", default=0)

    class Meta:
        ordering = ["-send_at", "-id"]
        indexes = [
            # What the hourly chore reads: the few messages still to send.
            models.Index(fields=["send_at"], condition=Q(state="scheduled"),
                         name="mailing_due"),
        ]

    def __str__(self) -> str:
        return self.subject


def default_reminder_days() -> list[int]:
    return [7, 1]


class DaySettings(models.Model):
    """What an organiser sets for one day (issue 18): when reminders go, the consent and
    data-protection text of its registration form, the venue's accessibility declaration
    (shown on the day's page and its form), and who signs its certificates of attendance.
    A day without a row has the defaults (`for_event`)."""

    class Access(models.TextChoices):
        YES = "yes", "Oui"
        NO = "no", "Non"
        UNKNOWN = "", "Non précisé"

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="day_settings")
    # Days before the day at which a reminder is mailed (0: the morning of the day).
    reminder_days = models.JSONField("rappels", default=default_reminder_days)
    data_protection_text = models.TextField("consentement et protection des données",
                                            blank=True)
    step_free_access = models.CharField("accès de plain-pied ou par ascenseur", max_length=3,
                                        choices=Access.choices, blank=True)
    induction_loop = models.CharField("boucle à induction magnétique", max_length=3,
                                      choices=Access.choices, blank=True)
    sign_language = models.CharField("interprète en langue des signes (LSF)", max_length=3,
                                     choices=Access.choices, blank=True)
    accessibility_notes = models.TextField("autres informations d’accessibilité", blank=True)
    signatory_name = models.CharField("nom du signataire des attestations", max_length=150,
                                      blank=True)
    signatory_role = models.CharField("fonction du signataire", max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "réglages de la journée"

    def __str__(self) -> str:
        return f"{self.event_id}"

    @classmethod
    def for_event(cls, event: Event) -> DaySettings:
        """The day's settings, or the defaults (unsaved) if it has none yet."""
        found = cls.objects.filter(event=event).first()
        return found or cls(event=event)

    @property
    def accessibility(self) -> list[tuple[str, str]]:
        """The declared items, as (what, answer): those left « non précisé » are not said."""
        answers = dict(self.Access.choices)
        return [(str(self._meta.get_field(name).verbose_name),  # type: ignore[union-attr]
                 answers[getattr(self, name)])  # (the fields named are concrete)
                for name in ("step_free_access", "induction_loop", "sign_language")
                if getattr(self, name)]

    @property
    def has_accessibility(self) -> bool:
        return bool(self.accessibility or self.accessibility_notes.strip())

    @property
    def can_certify(self) -> bool:
        return bool(self.signatory_name.strip() and self.signatory_role.strip())
