"""Public pages of the published syntheses: the list, a synthesis with its validated proposals,
their provenance and the contributions behind each, the participation charts, and the documents
of its transmission package."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from concertation.contributions.models import VISIBLE_STATES, Contribution
from concertation.core.public_cache import public_page
from concertation.synthesis import package as packages
from concertation.synthesis import report
from concertation.synthesis.models import Synthesis
from concertation.synthesis.views_package import _file_response

EXCERPT_CHARS = 300


def published():
    return Synthesis.objects.filter(is_public=True, state__in=packages.PACKAGED_STATES)


@dataclass
class Source:
    """A contribution behind a proposal, as the public page shows it."""

    contribution: Contribution
    public: bool  # its page exists for everyone: the page links to it and shows its text
    excerpt: str
    territory: str
    college: str
    merged: list[Source] = field(default_factory=list)  # merged into it, however deep


@dataclass
class ProposalRow:
    proposal: report.Proposal
    sources: list[Source]  # cited by the group, each with what was merged into it
    count: int  # all of them, merged ones included: the provenance line's count


def _is_public(contribution: Contribution) -> bool:
    # As `contributions.views.online._visible` decides for a visitor: a published contribution,
    # or a merged one, whose page says where it went. Any other is a 404 there.
    return contribution.state in VISIBLE_STATES or contribution.merged_into_id is not None


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
    # The registration is read for its college only; nothing personal is loaded.
    contributions = {c.pk: c for c in Contribution.objects.filter(pk__in=ids).select_related(
        "campaign", "event__department", "event__health_territory", "workshop", "department",
        "health_territory", "registration",
    ).only(
        "text", "title", "origin", "state", "merged_into", "college", "campaign__title",
        "event__title", "event__date", "event__department__name",
        "event__health_territory__name", "workshop__title", "department__name",
        "health_territory__name", "registration__college",
    )} if ids else {}
    label = data.synthesis.campaign.college_label
    sections = []
    for section in data.themes:
        rows = []
        for proposal in section.proposals:
            group_ids = proposal.provenance.contribution_ids
            rows.append(ProposalRow(proposal, _tree([contributions[pk] for pk in group_ids],
                                                   label), len(group_ids)))
        sections.append((section, rows))
    return sections


def _tree(contributions: list[Contribution], college_label) -> list[Source]:
    ids = {c.pk for c in contributions}
    children: dict[int, list[Contribution]] = {}
    roots = []
    for c in contributions:
        if c.merged_into_id in ids:
            children.setdefault(c.merged_into_id, []).append(c)
        else:
            roots.append(c)

    def source(c: Contribution) -> Source:
        event = c.event
        territory = c.health_territory or (event.health_territory if event else None)
        department = c.department or (event.department if event else None)
        code = c.college or (c.registration.college if c.registration else "")
        return Source(
            contribution=c, public=_is_public(c), excerpt=_excerpt(c.text),
            territory=(territory or department).name if (territory or department) else "",
            college=college_label(code) if code else "",
        )

    def descendants(c: Contribution) -> list[Source]:
        found = []
        for child in sorted(children.get(c.pk, []), key=lambda x: x.pk):
            found.append(source(child))
            found.extend(descendants(child))
        return found

    result = []
    # Days in their order, then what was contributed online; the same day by contribution.
    for root in sorted(roots, key=lambda c: (c.event is None,
                                             c.event.date if c.event else None, c.pk)):
        entry = source(root)
        entry.merged = descendants(root)
        result.append(entry)
    return result


@require_safe
@public_page
def index(request: HttpRequest) -> HttpResponse:
    syntheses = (published().select_related("campaign", "region", "health_territory", "event")
                 .order_by("-transmitted_at", "-updated_at", "-id"))
    return render(request, "synthesis/public/index.html", {"syntheses": syntheses})


@require_safe
@public_page
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    synthesis = get_object_or_404(published(), slug=slug)
    data = report.collect(synthesis)
    package = packages.latest_package(synthesis)
    downloads = [kind for kind in packages.FILES if package and kind.key in package.files]
    return render(request, "synthesis/public/detail.html", {
        "report": data, "synthesis": data.synthesis, "method": report.method_text(data),
        "downloads": downloads, "sections": proposal_rows(data),
    })


@require_safe
def download(request: HttpRequest, slug: str, kind: str) -> FileResponse:
    synthesis = get_object_or_404(published(), slug=slug)
    package = packages.latest_package(synthesis)
    if package is None:
        raise Http404("Aucun document publié pour cette synthèse.")
    return _file_response(package, kind)
