"""The contributions behind each validated proposal of a synthesis, as its public page lists
them: read in one query, turned into plain rows (a synthesis may cite thousands)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.urls import reverse

from concertation.contributions.models import Contribution, is_public
from concertation.core.templatetags.dates import date_fr
from concertation.synthesis import report

EXCERPT_CHARS = 300
_URL_SENTINEL = 987654321



@dataclass
class Source:
    """A contribution behind a proposal, as the public page shows it: plain strings, so that
    a synthesis of thousands of contributions renders in a few lookups each."""

    pk: int
    url: str  # its page, empty when that page is not public (its text is not shown either)
    title: str
    excerpt: str
    origin: str  # day, workshop and date, or online and the campaign; territory; college
    merged: list[Source] = field(default_factory=list)  # merged into it, however deep


@dataclass
class ProposalRow:
    proposal: report.Proposal
    sources: list[Source]  # cited by the group, each with what was merged into it
    count: int  # all of them, merged ones included: the provenance line's count


# The registration is read for its college only: nothing personal is loaded.
_FIELDS = ("pk", "merged_into_id", "state", "title", "text", "college", "registration__college",
           "campaign__title", "event_id", "event__title", "event__date", "workshop__title",
           "health_territory__name", "event__health_territory__name", "department__name",
           "event__department__name")


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word boundary; the contribution's page has it whole."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def proposal_rows(data: report.ReportData) -> list[tuple[report.ThemeSection, list[ProposalRow]]]:
    """Each validated proposal with the contributions it comes from (those its group cites and
    those merged into them, as `provenance.compute` walked them), in one query."""
    ids = {pk for section in data.themes for p in section.proposals
           for pk in p.provenance.contribution_ids}
    college_label = data.synthesis.campaign.college_label
    # reverse() costs tens of microseconds: resolved once, each id then put in its place.
    url_pattern = reverse("contributions:detail", args=[_URL_SENTINEL])
    origins: dict[tuple, str] = {}  # the same few days, workshops and colleges over and over
    rows: dict[int, tuple[Source, int | None, object]] = {}
    for (pk, merged_into_id, state, title, text, college, registration_college, campaign,
         event_id, day, day_date, workshop, territory, day_territory, department,
         day_department) in (Contribution.objects.filter(pk__in=ids).values_list(*_FIELDS)
                             if ids else ()):
        key = (event_id, workshop, campaign, territory or day_territory or department
               or day_department or "", college or registration_college or "")
        if key not in origins:
            origins[key] = _origin(*key[1:], day=day, day_date=day_date, label=college_label)
        public = is_public(state, merged_into_id)
        url = url_pattern.replace(str(_URL_SENTINEL), str(pk)) if public else ""
        rows[pk] = (Source(pk=pk, url=url, title=title if public else "",
                           excerpt=_excerpt(text) if public else "", origin=origins[key]),
                    merged_into_id, (event_id is None, day_date, pk))
    sections = []
    for section in data.themes:
        proposals = []
        for proposal in section.proposals:
            # A contribution deleted since provenance read it is gone from both.
            group_ids = [pk for pk in proposal.provenance.contribution_ids if pk in rows]
            proposals.append(ProposalRow(proposal, _tree(group_ids, rows), len(group_ids)))
        sections.append((section, proposals))
    return sections


def _origin(workshop: str | None, campaign: str, place: str, college: str, *, day: str | None,
            day_date, label) -> str:
    if day is None:
        parts = [f"En ligne, {campaign}"]
    else:
        where = f"Atelier « {workshop} », {day}" if workshop else day
        parts = [f"{where}, {date_fr(day_date, 'j F Y')}"]
    if place:
        parts.append(place)
    if college:
        parts.append(label(college))
    return " · ".join(parts)


def _tree(group_ids: list[int], rows: dict[int, tuple[Source, int | None, object]]
          ) -> list[Source]:
    """The group's contributions, each under the one it was merged into (when that one is
    behind the same proposal); days in their order, then those made online."""
    ids = set(group_ids)
    children: dict[int, list[int]] = {}
    roots = []
    for pk in group_ids:
        parent = rows[pk][1]
        if parent in ids:
            children.setdefault(parent, []).append(pk)
        else:
            roots.append(pk)

    def descendants(pk: int) -> list[Source]:
        found = []
        for child in children.get(pk, ()):  # group_ids are sorted: so are these
            found.append(rows[child][0])
            found.extend(descendants(child))
        return found

    result = []
    for pk in sorted(roots, key=lambda pk: rows[pk][2]):
        # A copy: the same contribution may sit under two proposals, with other merges.
        result.append(replace(rows[pk][0], merged=descendants(pk)))
    return result
