"""The national consolidation: the proposals adopted with each region's CRSA, from the latest
edition every region transmitted, side by side by national theme, with their provenance down
to the workshop and what the ministry made of each. Read-only: it gathers what the regions
sent, it never changes it. The national report (PDF, DOCX, ODT, XLSX, CSV) writes the same data.

Everything is read in a fixed number of queries whatever the number of regions and proposals:
the editions, their adopted proposals with decision, theme and follow-up, the provenance of
them all at once (`provenance.compute_many`, each participant counted once across regions)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.utils import timezone

from concertation.campaigns.models import Campaign
from concertation.national.models import FollowUp, Transmission
from concertation.synthesis import numbering, provenance
from concertation.synthesis.models import SynthesisGroup
from concertation.synthesis.report import NO_THEME, provenance_line
from concertation.territories.models import Region

PENDING = "pending"
OUTCOME_CHOICES = [(PENDING, "Sans suite enregistrée"), *FollowUp.Outcome.choices]


@dataclass(frozen=True)
class Filters:
    region: str = ""  # region code
    campaign: str = ""  # campaign slug
    theme: str = ""  # national theme title (the same in every region's synthesis)
    outcome: str = ""  # a FollowUp outcome, or PENDING

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("region", self.region), ("concertation", self.campaign),
                                  ("theme", self.theme), ("suite", self.outcome)) if v}


def read_filters(params: Mapping[str, str]) -> tuple[Filters, list[str]]:
    """The filters asked for, and a French message for each value that is not one of the
    choices (that filter is then left out: the page shows everything it would have hidden)."""
    errors = []
    region = params.get("region", "").strip()
    if region and not Region.objects.filter(code=region).exists():
        errors.append(f"La région « {region} » n’existe pas : toutes les régions sont "
                      "affichées.")
        region = ""
    campaign = params.get("concertation", "").strip()
    if campaign and not Campaign.objects.filter(slug=campaign).exists():
        errors.append(f"La concertation « {campaign} » n’existe pas : toutes sont affichées.")
        campaign = ""
    outcome = params.get("suite", "").strip()
    if outcome and outcome not in dict(OUTCOME_CHOICES):
        errors.append("Cette suite donnée n’est pas une des suites possibles : toutes sont "
                      "affichées.")
        outcome = ""
    theme = params.get("theme", "").strip()[:200]
    return Filters(region=region, campaign=campaign, theme=theme, outcome=outcome), errors


@dataclass
class Row:
    group: SynthesisGroup
    transmission: Transmission
    number: int  # its number in the region's own report
    provenance: provenance.Provenance

    @property
    def region(self) -> Region:
        return self.transmission.region

    @property
    def decision(self):
        return self.group.decision

    @property
    def text(self) -> str:
        return self.group.decision.final_text

    @property
    def follow_up(self) -> FollowUp | None:
        return getattr(self.group, "follow_up", None)

    @property
    def follow_up_label(self) -> str:
        return self.follow_up.get_outcome_display() if self.follow_up else "Sans suite enregistrée"

    @property
    def provenance_line(self) -> str:
        return provenance_line(self.provenance)


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    total: int = 0  # proposals of the theme kept by the filters, on every page

    @property
    def regions(self) -> int:
        return len({row.region.pk for row in self.rows})


@dataclass
class Consolidation:
    filters: Filters
    transmissions: list[Transmission]
    sections: list[Section]
    total: provenance.Provenance  # of the proposals read (the page's, or all of them)
    themes: list[str]  # every national theme of the transmitted proposals, for the filter
    count: int = 0  # proposals kept by the filters, on every page
    theme_counts: dict[str, int] = field(default_factory=dict)
    page: object = None  # the paginator's page, when paginated
    generated_at: datetime.datetime | None = None

    @property
    def regions(self) -> list[Region]:
        seen = {row.region.pk: row.region for s in self.sections for row in s.rows}
        return sorted(seen.values(), key=lambda r: r.name)

    @property
    def rows(self) -> list[Row]:
        return [row for section in self.sections for row in section.rows]


@dataclass(frozen=True)
class _Light:
    pk: int
    synthesis_id: int
    position: int
    theme_id: int | None
    theme_title: str | None
    theme_position: int | None
    outcome: str
    follow_up: str | None

    @property
    def section(self) -> str:
        return self.theme_title if self.theme_title is not None else NO_THEME

    @property
    def theme_key(self) -> tuple:
        return (self.theme_id is None, self.theme_position or 0, self.section)


def current_transmissions(filters: Filters):
    """The latest transmitted edition of each regional synthesis (a later version replaces
    the one before it in the consolidation, as it does in the region)."""
    rows = (Transmission.objects.filter(next_version__isnull=True)
            .select_related("synthesis__region", "synthesis__campaign"))
    if filters.region:
        rows = rows.filter(synthesis__region__code=filters.region)
    if filters.campaign:
        rows = rows.filter(synthesis__campaign__slug=filters.campaign)
    return rows.order_by("synthesis__region__name", "id")


def collect(filters: Filters, *, per_page: int | None = None, page_number=1
            ) -> Consolidation:
    """The consolidation the filters keep; with `per_page`, only that page's proposals are
    read in full (their provenance), the counts still cover them all."""
    transmissions = list(current_transmissions(filters))
    by_synthesis = {t.synthesis_id: t for t in transmissions}
    # What sorting, numbering, filtering and counting need, as plain tuples for every
    # proposal (a page reads 2,000 of them); the page's proposals only are then read whole.
    light = [_Light(*values) for values in SynthesisGroup.objects.filter(
        synthesis_id__in=by_synthesis, accepted=True,
        decision__outcome__in=numbering.VALIDATED_OUTCOMES).values_list(
        "pk", "synthesis_id", "position", "theme_id", "theme__title", "theme__position",
        "decision__outcome", "follow_up__outcome")]
    # Each proposal keeps the number it has in its region's report.
    numbers: dict[int, int] = {}
    for synthesis_id in by_synthesis:
        numbers.update(numbering.numbers(
            (g.pk, g.position, g.theme_id, g.theme_position, g.outcome)
            for g in light if g.synthesis_id == synthesis_id))
    themes = sorted({g.theme_title for g in light if g.theme_title is not None})
    if filters.theme:
        light = [g for g in light if g.section == filters.theme]
    if filters.outcome == PENDING:
        light = [g for g in light if g.follow_up is None]
    elif filters.outcome:
        light = [g for g in light if g.follow_up == filters.outcome]
    # Themes in the campaigns' order, those without one last; within a theme, region by
    # region, each proposal at its number in its region's report.
    light.sort(key=lambda g: (g.theme_key, by_synthesis[g.synthesis_id].region.name,
                              g.synthesis_id, numbers[g.pk]))
    counts: dict[str, int] = {}
    for g in light:
        counts[g.section] = counts.get(g.section, 0) + 1
    page = None
    if per_page:
        page = Paginator(light, per_page).get_page(page_number)
        light = list(page.object_list)
    whole = SynthesisGroup.objects.select_related("decision", "theme", "follow_up").in_bulk(
        [g.pk for g in light])
    groups = [whole[g.pk] for g in light]
    # Provenance of the proposals shown only: a page costs the same at 20 or 2,000 proposals.
    figures = provenance.compute_many([t.synthesis for t in transmissions],
                                      [g.pk for g in groups])
    sections: dict[str, Section] = {}
    for group, g in zip(groups, light, strict=True):
        title = g.section
        row = Row(group, by_synthesis[group.synthesis_id], numbers[group.pk],
                  figures.for_group(group.pk))
        sections.setdefault(title, Section(title, total=counts[title])).rows.append(row)
    return Consolidation(
        filters=filters, transmissions=transmissions, sections=list(sections.values()),
        total=figures.total, themes=themes, count=sum(counts.values()),
        theme_counts=counts, page=page, generated_at=timezone.now())
