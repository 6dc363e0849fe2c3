from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from concertation.accounts.scope import Scope, ScopedQuerySet
from concertation.campaigns.models import Campaign, Theme
from concertation.territories.models import Department, HealthTerritory


class EventState(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publiée"
    REGISTRATION_OPEN = "registration_open", "Inscriptions ouvertes"
    REGISTRATION_CLOSED = "registration_closed", "Inscriptions closes"
    HELD = "held", "Tenue"
    RESTITUTION_PUBLISHED = "restitution_published", "Restitution publiée"
    CANCELLED = "cancelled", "Annulée"


class EventQuerySet(ScopedQuerySet):
    scope_region = ("department__region_id",)
    scope_territory = ("health_territory_id",)

    def public(self) -> EventQuerySet:
        return self.filter(is_public=True).exclude(state=EventState.DRAFT)

    def upcoming(self, today: dt.date | None = None) -> EventQuerySet:
        return self.filter(date__gte=today or timezone.localdate())

    def past(self, today: dt.date | None = None) -> EventQuerySet:
        return self.filter(date__lt=today or timezone.localdate())

    def open_for_registration(self) -> EventQuerySet:
        return self.filter(state=EventState.REGISTRATION_OPEN)

    def for_listing(self) -> EventQuerySet:
        """What a card in a list shows, fetched in a constant number of queries."""
        return self.select_related(
            "campaign", "department__region", "health_territory"
        ).prefetch_related("themes")


class SeatCounter(models.Model):
    """`seats_taken` counts the confirmed registrations, written only by
    `registrations.services` (conditional UPDATEs under the day's row lock), so a sign-up takes
    a seat in one statement. A save() of an instance read earlier (a form, a duplicated day)
    must never write its old count back: that could let a day fill beyond its capacity."""

    seats_taken = models.PositiveIntegerField("places prises", default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is None:
            self.seats_taken = 0  # a new or duplicated day or workshop: nobody registered yet
        elif (not self._state.adding and kwargs.get("update_fields") is None
              and not kwargs.get("force_insert")):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "seats_taken"
            ]
        super().save(*args, **kwargs)


class Event(SeatCounter):
    """A consultation day (journée de concertation) or a regional restitution meeting."""

    class Kind(models.TextChoices):
        CONSULTATION_DAY = "consultation_day", "Journée de concertation"
        REGIONAL_RESTITUTION = "regional_restitution", "Restitution régionale avec la CRSA"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="events", verbose_name="concertation"
    )
    kind = models.CharField(
        "type", max_length=30, choices=Kind.choices, default=Kind.CONSULTATION_DAY
    )
    title = models.CharField("titre", max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.TextField("présentation", blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="events", verbose_name="thèmes")

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="events", verbose_name="département"
    )
    # Null for a regional event, which no single health territory owns.
    health_territory = models.ForeignKey(
        HealthTerritory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="territoire de santé",
    )
    co_organisers = models.TextField(
        "co-organisateurs", blank=True, help_text="Un co-organisateur par ligne."
    )

    date = models.DateField("date")
    starts_at = models.TimeField("heure de début")
    ends_at = models.TimeField("heure de fin")

    venue_name = models.CharField("lieu", max_length=200)
    venue_address = models.CharField("adresse", max_length=300)
    venue_postcode = models.CharField("code postal", max_length=5)
    venue_city = models.CharField("ville", max_length=100)

    is_public = models.BooleanField("ouverte au public", default=True)
    capacity = models.PositiveIntegerField(
        "nombre de places", null=True, blank=True,
        help_text="Laisser vide si seule la capacité des ateliers compte.",
    )
    # Empty: a freed seat goes at once to the next person waiting (confirmed, told by mail).
    # A number: it is offered to them by mail for that many hours, then to the next one.
    waitlist_offer_hours = models.PositiveSmallIntegerField(
        "délai pour accepter une place libérée (heures)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="Laisser vide pour inscrire aussitôt la personne suivante de la liste "
                  "d’attente. Sinon, la place lui est proposée par courriel pendant ce nombre "
                  "d’heures (1 à 168), puis à la suivante.",
    )
    registration_url = models.URLField(
        "lien d’inscription externe",
        blank=True,
        help_text="Facultatif : formulaire d’inscription hébergé ailleurs.",
    )
    plenary_title = models.CharField(
        "plénière", max_length=200, blank=True, default="Restitution en plénière"
    )
    plenary_description = models.TextField("déroulé de la plénière", blank=True)

    state = models.CharField(
        "état", max_length=30, choices=EventState.choices, default=EventState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["date", "starts_at", "id"]
        verbose_name = "journée"
        indexes = [models.Index(fields=["state", "is_public", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_times_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.slug])

    @property
    def region(self):
        return self.department.region

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.starts_at, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.ends_at, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def co_organiser_list(self) -> list[str]:
        return [line.strip() for line in self.co_organisers.splitlines() if line.strip()]

    @property
    def full_address(self) -> str:
        return f"{self.venue_name}, {self.venue_address}, {self.venue_postcode} {self.venue_city}"

    @property
    def is_cancelled(self) -> bool:
        return self.state == EventState.CANCELLED


class Talk(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="talks")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    title = models.CharField("intitulé", max_length=300)
    speakers = models.CharField(
        "intervenants", max_length=500, help_text="Nom et qualité de chaque intervenant."
    )
    starts_at = models.TimeField("heure", null=True, blank=True)

    class Meta:
        ordering = ["event", "position", "id"]
        verbose_name = "intervention"

    def __str__(self) -> str:
        return self.title


class WorkshopQuerySet(ScopedQuerySet):
    scope_region = ("event__department__region_id",)
    scope_territory = ("event__health_territory_id",)

    def facilitated_by(self, scope: Scope) -> WorkshopQuerySet:
        """The workshops this person may run live: those they facilitate, and every workshop
        of the days they organise."""
        return self.filter(Q(pk__in=scope.workshop_ids) | scope.manage.q(
            self.scope_region, self.scope_territory))


class Workshop(SeatCounter):
    """A parallel workshop (atelier). Workshops with the same start time form one time slot."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="workshops")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    title = models.CharField("intitulé", max_length=300)
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops",
        verbose_name="thème",
    )
    description = models.TextField("description", blank=True)
    capacity = models.PositiveIntegerField("nombre de places")
    starts_at = models.TimeField("début", null=True, blank=True)
    ends_at = models.TimeField("fin", null=True, blank=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["event", "position", "id"]
        verbose_name = "atelier"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0), name="workshop_capacity_positive"
            )
        ]

    def __str__(self) -> str:
        return self.title


def _document_path(instance: Document, filename: str) -> str:
    return f"documents/{instance.event_id}/{filename}"


class Document(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("titre", max_length=200)
    file = models.FileField("fichier PDF", upload_to=_document_path)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "uploaded_at", "id"]
        verbose_name = "document"

    def __str__(self) -> str:
        return self.title


class EventTransition(models.Model):
    """The log of every state change of an event: who, when, from what to what, why."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=30, choices=EventState.choices)
    to_state = models.CharField(max_length=30, choices=EventState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["event", "at", "id"]
        verbose_name = "changement d’état"

    def __str__(self) -> str:
        return f"{self.event_id}: {self.from_state} → {self.to_state}"
