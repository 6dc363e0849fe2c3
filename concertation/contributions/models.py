from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from concertation.accounts.scope import ScopedQuerySet
from concertation.campaigns.models import Campaign, Theme
from concertation.events.models import Event, Workshop
from concertation.registrations.models import Registration
from concertation.territories.models import Department, HealthTerritory

MAX_TEXT = 5000


class ContributionState(models.TextChoices):
    SUBMITTED = "submitted", "Soumise"
    PUBLISHED = "published", "Publiée"
    REJECTED = "rejected", "Refusée"
    RETAINED = "retained", "Retenue comme piste de travail"
    MERGED = "merged", "Fusionnée"
    VALIDATED = "validated", "Validée"
    TRANSMITTED = "transmitted", "Transmise"
    # Removed by the facilitator who typed it (a slip, a duplicate said twice): kept with its
    # votes and its log, hidden everywhere, and restored by one transition.
    WITHDRAWN = "withdrawn", "Supprimée à la saisie"


# States whose contributions the public sees, and on which votes are open.
VISIBLE_STATES = (ContributionState.PUBLISHED, ContributionState.RETAINED,
                  ContributionState.VALIDATED, ContributionState.TRANSMITTED)
VOTABLE_STATES = (ContributionState.PUBLISHED, ContributionState.RETAINED)


def is_public(state: str, merged_into_id: int | None) -> bool:
    """Whether a contribution's page is open to anyone: a visible one, or a merged one (its
    page says where it went). Its author also sees it when it is not."""
    return state in VISIBLE_STATES or merged_into_id is not None


class ContributionQuerySet(ScopedQuerySet):
    # An online contribution has its own place; a workshop one is placed where its day is.
    scope_region = ("department__region_id",)
    scope_territory = ("health_territory_id",)

    def visible(self) -> ContributionQuerySet:
        return self.filter(state__in=VISIBLE_STATES)

    def public(self) -> ContributionQuerySet:
        """What has a public page: visible, or merged (its page says where); `is_public`."""
        return self.filter(Q(state__in=VISIBLE_STATES) | Q(merged_into__isnull=False))


class Contribution(models.Model):
    class Origin(models.TextChoices):
        WORKSHOP = "workshop", "Atelier d’une journée"
        ONLINE = "online", "En ligne"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="contributions")
    theme = models.ForeignKey(Theme, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="contributions", verbose_name="thème")
    title = models.CharField("titre", max_length=200, blank=True)
    text = models.TextField("texte", max_length=MAX_TEXT)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="contributions")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="contributions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    health_territory = models.ForeignKey(HealthTerritory, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="contributions")
    registration = models.ForeignKey(Registration, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="contributions")
    # Set when a facilitator typed it for a group of participants.
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    college = models.CharField("collège", max_length=50, blank=True)
    state = models.CharField(max_length=20, choices=ContributionState.choices,
                             default=ContributionState.SUBMITTED)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_sources")
    # Chosen by the browser for each entry: a resent entry is recognised, never doubled.
    client_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Vote counts, kept by services.vote/merge/unmerge so that lists sort without aggregating
    # millions of votes.
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    pass_count = models.PositiveIntegerField(default=0)
    # Share of agreement, smoothed so that one vote does not make a consensus: kept by the
    # database from the counts, so that the "most consensual" sort reads an index.
    consensus_score = models.GeneratedField(
        expression=(models.F("agree_count") + models.Value(1.0))
        / (models.F("agree_count") + models.F("disagree_count") + models.Value(2.0)),
        output_field=models.FloatField(), db_persist=True,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "contribution"
        indexes = [
            models.Index(fields=["campaign", "state", "-created_at"]),
            models.Index(fields=["workshop", "created_at"]),
            models.Index(fields=["state", "-agree_count"]),
            # The public list's three sorts: each reads its index in order and stops at the
            # page, instead of sorting every visible contribution (100,000 in the benchmark);
            # with the state last, a deep page is skipped over in the index alone.
            models.Index(fields=["-created_at", "-id", "state"], name="contribution_recent"),
            models.Index(fields=["-agree_count", "-created_at", "-id", "state"],
                         name="contribution_supported"),
            models.Index(fields=["-consensus_score", "-agree_count", "-id", "state"],
                         name="contribution_consensual"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin="online") | Q(event__isnull=False),
                name="workshop_contribution_has_event",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:80]

    @property
    def vote_total(self) -> int:
        return self.agree_count + self.disagree_count + self.pass_count

    @property
    def consensus(self) -> float:
        """Share of agreement, smoothed so that one vote does not make a consensus."""
        return (self.agree_count + 1) / (self.agree_count + self.disagree_count + 2)


class ContributionTransition(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE,
                                     related_name="transitions")
    from_state = models.CharField(max_length=20, choices=ContributionState.choices)
    to_state = models.CharField(max_length=20, choices=ContributionState.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["contribution", "at", "id"]

    def __str__(self) -> str:
        return f"{self.contribution_id}: {self.from_state} → {self.to_state}"


class Vote(models.Model):
    class Value(models.IntegerChoices):
        AGREE = 1, "D’accord"
        DISAGREE = -1, "Pas d’accord"
        PASS = 0, "Passer"

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="votes")
    # A voter is an account or a registration (a participant of a day without an account).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="votes")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="votes")
    value = models.SmallIntegerField(choices=Value.choices)
    college = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, registration__isnull=True)
                | Q(user__isnull=True, registration__isnull=False),
                name="vote_has_one_voter",
            ),
            models.UniqueConstraint(fields=["contribution", "user"], name="one_vote_per_user",
                                    condition=Q(user__isnull=False)),
            models.UniqueConstraint(fields=["contribution", "registration"],
                                    name="one_vote_per_registration",
                                    condition=Q(registration__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on {self.contribution_id}"


class Merge(models.Model):
    """Contributions merged into a target: logged, with each source's state, and reversible."""

    target = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="merges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"merge into {self.target_id}"


class MergeSource(models.Model):
    merge = models.ForeignKey(Merge, on_delete=models.CASCADE, related_name="sources")
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE,
                                     related_name="merge_records")
    previous_state = models.CharField(max_length=20, choices=ContributionState.choices)
    # The votes moved onto the target, as (vote id on the target, copied from vote id) pairs,
    # so undoing the merge removes exactly those.
    moved_votes = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.contribution_id} in {self.merge_id}"


class Facilitation(models.Model):
    """A facilitator (animateur) of a day's workshop: may capture proposals there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="facilitations")
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="facilitations")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workshop"], name="one_facilitation")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workshop}"


class Comment(models.Model):
    """A comment on a contribution, or a reply to one (one level only)."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE,
                                     related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    text = models.TextField(max_length=2000)
    masked = models.BooleanField(default=False)
    masked_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:50]


class Report(models.Model):
    """A user's report of a contribution or comment to the moderators."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE,
                                     related_name="reports")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 related_name="+")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["contribution", "comment", "reporter"],
                                    name="one_report_per_user")
        ]

    def __str__(self) -> str:
        return self.reason[:50]


class PriorityVoteState(models.TextChoices):
    OPEN = "open", "Ouvert"
    CLOSED = "closed", "Clos"


DEFAULT_PRIORITY_POINTS = 10
MAX_PRIORITY_POINTS = 100


class PriorityVote(models.Model):
    """A workshop's priority vote: each participant spreads up to `points` points over the
    workshop's proposals. Opened by a facilitator or an organiser; closing it freezes the
    ranking in `results`, which the restitution shows even if proposals change later."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE,
                                 related_name="priority_votes")
    points = models.PositiveSmallIntegerField("points par participant",
                                              default=DEFAULT_PRIORITY_POINTS)
    state = models.CharField(max_length=10, choices=PriorityVoteState.choices,
                             default=PriorityVoteState.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # The ranking at closing time: [{"id", "text", "points", "supporters"}, …], best first.
    results = models.JSONField(default=list, blank=True)
    voters = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop"], condition=Q(state="open"),
                                    name="one_open_priority_vote_per_workshop"),
            models.CheckConstraint(condition=Q(points__gte=1, points__lte=MAX_PRIORITY_POINTS),
                                   name="priority_points_in_range"),
        ]

    def __str__(self) -> str:
        return f"priorités {self.workshop_id} ({self.points} pts)"

    @property
    def is_open(self) -> bool:
        return self.state == PriorityVoteState.OPEN


class PointAllocation(models.Model):
    """Points one participant (account or registration) gave one proposal in a priority vote.
    A participant's allocation is replaced as a whole each time they submit it."""

    priority_vote = models.ForeignKey(PriorityVote, on_delete=models.CASCADE,
                                      related_name="allocations")
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE,
                                     related_name="point_allocations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="point_allocations")
    points = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, registration__isnull=True)
                | Q(user__isnull=True, registration__isnull=False),
                name="allocation_has_one_voter",
            ),
            models.CheckConstraint(condition=Q(points__gte=1), name="allocation_positive"),
            models.UniqueConstraint(fields=["priority_vote", "contribution", "user"],
                                    condition=Q(user__isnull=False),
                                    name="one_allocation_per_user"),
            models.UniqueConstraint(fields=["priority_vote", "contribution", "registration"],
                                    condition=Q(registration__isnull=False),
                                    name="one_allocation_per_registration"),
        ]

    def __str__(self) -> str:
        return f"{self.points} pts on {self.contribution_id}"
