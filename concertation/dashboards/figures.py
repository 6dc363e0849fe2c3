"""The figures of the dashboards: participation by department and by region, and over time.

Two readings of the same measures:
- the public one counts only what the public pages show (days held on the public agenda,
  participants who came, published contributions, proposals adopted in a published synthesis,
  public projects);
- the organisers' one (`Filters.scope`) adds their own work in progress (coming days,
  registrations, contributions awaiting moderation, syntheses being written), within their
  scope; the national secretariat's scope is the whole country.

Each measure is one aggregate query, whatever the number of days or regions: the national
dashboard stays one page of a few queries at the scale of 250 days and 2 million contributions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import TruncMonth

from concertation.accounts.scope import Scope
from concertation.campaigns.models import Campaign, Theme
from concertation.contributions.models import Contribution, ContributionState
from concertation.events.models import Event, EventState
from concertation.projects.models import Project, ProjectState
from concertation.registrations.models import AttendanceSummary, Registration, RegistrationStatus
from concertation.synthesis.models import Decision, Synthesis, SynthesisState
from concertation.territories.models import Department, Region

HELD_STATES = (EventState.HELD, EventState.RESTITUTION_PUBLISHED)
PUBLISHED_SYNTHESIS_STATES = (SynthesisState.VALIDATED, SynthesisState.TRANSMITTED)
ADOPTED = (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED)


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    # "department" measures are drawn by department and summed by region; "region" measures
    # belong to a region's synthesis or projects and are drawn by region only.
    finest: str


MEASURES: dict[str, Measure] = {m.code: m for m in (
    Measure("journees", "Journées tenues", "department"),
    Measure("participants", "Participants présents", "department"),
    Measure("contributions", "Contributions publiées", "department"),
    Measure("propositions", "Propositions adoptées par la CRSA", "region"),
    Measure("projets", "Projets labellisés", "region"),
    Measure("realises", "Projets réalisés", "region"),
)}

# The organisers' own work in progress, counted within their scope.
WORK_MEASURES: dict[str, str] = {
    "journees_a_venir": "Journées à venir",
    "inscriptions": "Inscriptions confirmées aux journées à venir",
    "a_moderer": "Contributions en attente de modération",
    "syntheses_en_cours": "Synthèses en cours de rédaction ou soumises à la CRSA",
}


@dataclass(frozen=True)
class Filters:
    campaign: Campaign | None = None
    theme: Theme | None = None
    # None: the public figures; a scope: the organisers' dashboard within it.
    scope: Scope | None = None


@dataclass
class Figures:
    # measure code -> department code -> count (department measures only)
    by_department: dict[str, dict[str, int]] = field(default_factory=dict)
    # measure code -> region code -> count (every measure)
    by_region: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    # college label -> participants present
    by_college: dict[str, int] = field(default_factory=dict)
    # (first day of month, days held, participants present), oldest first
    months: list[tuple[dt.date, int, int]] = field(default_factory=list)
    # work measure code -> region code -> count (organisers only)
    work: dict[str, dict[str, int]] = field(default_factory=dict)
    work_totals: dict[str, int] = field(default_factory=dict)


def _scoped(queryset: QuerySet, filters: Filters) -> QuerySet:
    """`queryset` within the organiser's area (a CRSA secretariat's is the one it decides
    in); the public and the national secretariat see the whole country."""
    scope = filters.scope
    if scope is None or scope.national:
        return queryset
    return queryset.within(scope, "manage" if scope.manage else "decide")


def _events(filters: Filters) -> QuerySet[Event]:
    events = _scoped(Event.objects.all(), filters)
    if filters.campaign:
        events = events.filter(campaign=filters.campaign)
    if filters.theme:
        events = events.filter(themes=filters.theme)
    return events


def _held_days(filters: Filters) -> QuerySet[Event]:
    return _events(filters).filter(is_public=True, state__in=HELD_STATES)


def _contributions(filters: Filters) -> QuerySet[Contribution]:
    contributions = _scoped(Contribution.objects.all(), filters)
    if filters.campaign:
        contributions = contributions.filter(campaign=filters.campaign)
    if filters.theme:
        contributions = contributions.filter(theme=filters.theme)
    return contributions


def _syntheses(filters: Filters) -> QuerySet[Synthesis]:
    syntheses = _scoped(Synthesis.objects.all(), filters)
    if filters.campaign:
        syntheses = syntheses.filter(campaign=filters.campaign)
    return syntheses


def _projects(filters: Filters) -> QuerySet[Project]:
    projects = _scoped(Project.objects.public(), filters)
    if filters.theme:
        projects = projects.filter(themes=filters.theme)
    elif filters.campaign:
        projects = projects.filter(themes__campaign=filters.campaign).distinct()
    return projects


def _count_by(queryset: QuerySet, key: str) -> dict[str, int]:
    return {row[key]: row["n"] for row in queryset.order_by().values(key).annotate(n=Count("id"))
            if row[key] is not None}


def _participants(filters: Filters, figures: Figures) -> dict[dt.date, int]:
    """Participants present, by department, college and month. A day whose registrations were
    anonymised at the end of retention counts from its kept summary instead."""
    held = _held_days(filters)
    summarised = AttendanceSummary.objects.filter(event=OuterRef("event_id"))
    present = (Registration.objects
               .filter(event__in=held, status=RegistrationStatus.CONFIRMED,
                       checked_in_at__isnull=False)
               .exclude(Exists(summarised)))
    colleges = {c.pk: dict(c.college_choices) for c in Campaign.objects.filter(
        pk__in=held.values("campaign_id"))}
    by_department: dict[str, int] = defaultdict(int)
    by_month: dict[dt.date, int] = defaultdict(int)
    for row in (present.order_by()
                .values("event__department__code", "event__campaign_id", "college",
                        "event__date")
                .annotate(n=Count("id"))):
        n = row["n"]
        by_department[row["event__department__code"]] += n
        label = colleges.get(row["event__campaign_id"], {}).get(row["college"], row["college"])
        figures.by_college[label] = figures.by_college.get(label, 0) + n
        by_month[row["event__date"].replace(day=1)] += n
    for summary in AttendanceSummary.objects.filter(event__in=held).select_related(
            "event__department"):
        counts = summary.counts or {}
        by_department[summary.event.department.code] += int(counts.get("present") or 0)
        by_month[summary.event.date.replace(day=1)] += int(counts.get("present") or 0)
        for college in counts.get("by_college") or []:
            label = college.get("label", "")
            figures.by_college[label] = (figures.by_college.get(label, 0)
                                         + int(college.get("present") or 0))
    figures.by_department["participants"] = dict(by_department)
    figures.by_college = dict(sorted(figures.by_college.items(), key=lambda kv: -kv[1]))
    return dict(by_month)


def compute(filters: Filters) -> Figures:
    figures = Figures()
    region_of = dict(Department.objects.values_list("code", "region__code"))

    held = _held_days(filters)
    figures.by_department["journees"] = _count_by(held, "department__code")
    participants_by_month = _participants(filters, figures)
    visible = _contributions(filters).filter(state__in=(
        ContributionState.PUBLISHED, ContributionState.RETAINED, ContributionState.VALIDATED,
        ContributionState.TRANSMITTED))
    figures.by_department["contributions"] = _count_by(visible, "department__code")

    # A synthesis published in several editions counts in its latest published one only.
    published = _syntheses(filters).filter(
        is_public=True, state__in=PUBLISHED_SYNTHESIS_STATES, level=Synthesis.Level.REGION,
    ).exclude(next_edition__is_public=True, next_edition__state__in=PUBLISHED_SYNTHESIS_STATES)
    decisions = Decision.objects.filter(group__synthesis__in=published, outcome__in=ADOPTED)
    if filters.theme:
        decisions = decisions.filter(group__theme=filters.theme)
    figures.by_region["propositions"] = _count_by(decisions, "group__synthesis__region__code")
    projects = _projects(filters)
    figures.by_region["projets"] = _count_by(projects, "region__code")
    figures.by_region["realises"] = _count_by(projects.filter(state=ProjectState.DELIVERED),
                                              "region__code")

    for code, values in figures.by_department.items():
        regions: dict[str, int] = defaultdict(int)
        for department, n in values.items():
            regions[region_of.get(department, "")] += n
        figures.by_region[code] = {k: v for k, v in regions.items() if k}
    figures.totals = {code: sum(figures.by_region.get(code, {}).values()) for code in MEASURES}

    days_by_month = {row["month"]: row["n"] for row in held.order_by().annotate(
        month=TruncMonth("date")).values("month").annotate(n=Count("id"))}
    months = sorted(set(days_by_month) | set(participants_by_month))
    figures.months = [(m, days_by_month.get(m, 0), participants_by_month.get(m, 0))
                      for m in months]

    if filters.scope is not None:
        _work(filters, figures)
    return figures


def _work(filters: Filters, figures: Figures) -> None:
    today = dt.date.today()
    coming = _events(filters).filter(date__gte=today).exclude(state=EventState.CANCELLED)
    figures.work["journees_a_venir"] = _count_by(coming, "department__region__code")
    figures.work["inscriptions"] = _count_by(
        Registration.objects.filter(event__in=coming, status=RegistrationStatus.CONFIRMED),
        "event__department__region__code")
    figures.work["a_moderer"] = _count_by(
        _contributions(filters).filter(state=ContributionState.SUBMITTED),
        "department__region__code")
    in_progress = _syntheses(filters).filter(
        state__in=(SynthesisState.DRAFT, SynthesisState.IN_VALIDATION))
    figures.work["syntheses_en_cours"] = _synthesis_regions(in_progress)
    figures.work_totals = {code: sum(v.values()) for code, v in figures.work.items()}


def _synthesis_regions(syntheses: QuerySet[Synthesis]) -> dict[str, int]:
    """A synthesis of a day or a territory is placed by its day's or territory's region."""
    counts: dict[str, int] = defaultdict(int)
    for row in syntheses.order_by().values(
            "region__code", "event__department__region__code",
            "health_territory__region__code").annotate(n=Count("id")):
        code = (row["region__code"] or row["event__department__region__code"]
                or row["health_territory__region__code"])
        if code:
            counts[code] += row["n"]
    return dict(counts)


def regions_shown(filters: Filters) -> QuerySet[Region]:
    """The regions a dashboard lists: all for the public and the national secretariat, the
    organiser's own otherwise."""
    if filters.scope is None or filters.scope.national:
        return Region.objects.all()
    return filters.scope.regions()
