"""The public list of contributions: filters, French full-text search, sorts, exports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cached_property
from html import escape

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from concertation.campaigns.models import DEFAULT_COLLEGES, Campaign, Theme
from concertation.contributions.models import VISIBLE_STATES, Contribution, ContributionState
from concertation.contributions.search import search
from concertation.core import tabular
from concertation.core.forms import DsfrFormMixin
from concertation.core.public_cache import current_version, public_page
from concertation.events.models import Event
from concertation.territories.models import HealthTerritory

PAGE_SIZE = 20
SORTS = {
    "recentes": ("Les plus récentes", ["-created_at", "-id"]),
    "soutenues": ("Les plus soutenues", ["-agree_count", "-created_at", "-id"]),
    "consensuelles": ("Les plus consensuelles", ["-consensus_score", "-agree_count", "-id"]),
}


class FastSelect(forms.Select):
    """A select rendered in Python. Django renders each option through a template (about
    1 ms per option here), and the list's day and territory filters have hundreds."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        # The standard library's escape: format_html per option cost 0.1 ms each.
        options = "".join(
            f'<option value="{escape(option)}"{" selected" if option in selected else ""}>'
            f"{escape(str(label))}</option>"
            for option, label in (("" if v is None else str(v), label)
                                  for v, label in self.choices)
        )
        return format_html('<select name="{}"{}>{}</select>', name,
                           flatatt(self.build_attrs(self.attrs, attrs)), mark_safe(options))


def cached_by_content(key: str, compute: Callable[[], object]) -> object:
    """Derived data that changes only with public content (a capture, a moderation, a merge:
    each bumps the content version; votes do not change it), kept per process under that
    version. What an admin edit of territories changes shows within the cache's timeout."""
    full_key = f"contributions:{current_version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value)
    return value


class CachedCountPaginator(Paginator):
    """Counting 100,000 visible contributions costs more than reading the page: the count of
    a set of filters is kept until the content changes, whatever the sort and the page."""

    def __init__(self, *args, count_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        return cached_by_content(self.count_key, lambda: Paginator.count.func(self))


def _days_with_contributions():
    visible = Contribution.objects.filter(event=OuterRef("pk"), state__in=VISIBLE_STATES)
    return Event.objects.public().filter(Exists(visible))


class ContributionFilterForm(DsfrFormMixin, forms.Form):
    q = forms.CharField(label="Rechercher", required=False, max_length=200)
    campaign = forms.ModelChoiceField(Campaign.objects.all(), required=False,
                                      label="Concertation", empty_label="Toutes",
                                      widget=FastSelect)
    theme = forms.ModelChoiceField(Theme.objects.select_related("campaign"), required=False,
                                   label="Thème", empty_label="Tous", widget=FastSelect)
    territory = forms.ModelChoiceField(HealthTerritory.objects.all(), required=False,
                                       label="Territoire", empty_label="Tous",
                                       widget=FastSelect)
    event = forms.ModelChoiceField(_days_with_contributions(), required=False,
                                   label="Journée", empty_label="Toutes", widget=FastSelect)
    college = forms.ChoiceField(label="Collège", required=False, widget=FastSelect,
                                choices=[("", "Tous")] + [tuple(c) for c in DEFAULT_COLLEGES])
    state = forms.ChoiceField(label="Statut", required=False, widget=FastSelect, choices=[
        ("", "Tous")] + [(s.value, s.label) for s in ContributionState if s in VISIBLE_STATES])
    sort = forms.ChoiceField(label="Trier", required=False, widget=FastSelect,
                             choices=[(k, v[0]) for k, v in SORTS.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].label_from_instance = lambda t: f"{t.title} ({t.campaign.title})"
        # The options of the select filters (hundreds of days) are read once per content
        # version; a chosen value is still checked against the database.
        for name in ("campaign", "theme", "territory", "event"):
            field = self.fields[name]
            field.widget.choices = cached_by_content(
                f"choices:{name}", lambda field=field: [(str(value), label)
                                                        for value, label in field.choices])

    def results(self):
        data = self.cleaned_data if self.is_valid() else {}
        qs = Contribution.objects.visible().select_related("event", "workshop", "theme",
                                                            "health_territory")
        for field in ("campaign", "theme", "event"):
            if data.get(field):
                qs = qs.filter(**{field: data[field]})
        if data.get("territory"):
            qs = qs.filter(health_territory=data["territory"])
        if data.get("college"):
            qs = qs.filter(college=data["college"])
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        qs = search(qs, data.get("q") or "")
        return qs.order_by(*SORTS[data.get("sort") or "recentes"][1])


@require_safe
@public_page
def contribution_list(request: HttpRequest) -> HttpResponse:
    form = ContributionFilterForm(request.GET or None)
    filters = sorted((k, v) for k, v in request.GET.items() if k not in ("page", "sort"))
    count_key = "count:" + hashlib.sha256(repr(filters).encode()).hexdigest()
    # The page's ids first (an index scan, even for the last page), then those rows, then
    # their days, workshops, themes and territories by id: PostgreSQL took longer to plan the
    # five-table join (12 to 36 ms, the contributions table having twenty indexes) than to
    # run these five plain queries.
    page = CachedCountPaginator(form.results().values_list("id", flat=True), PAGE_SIZE,
                                count_key=count_key).get_page(request.GET.get("page"))
    rows = Contribution.objects.prefetch_related("event", "workshop", "theme",
                                                 "health_territory").in_bulk(page.object_list)
    page.object_list = [rows[pk] for pk in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "contributions/list.html",
                  {"form": form, "page": page, "query": query.urlencode()})


# (name, Table Schema type, description in French): the one list of the columns behind the
# list's downloads (CSV, XLSX, JSON) and the site's open-data set of contributions (its Table
# Schema: `api/opendata.py`, `schemas/concertation-contributions/`), in `export_rows`' order.
EXPORT_COLUMNS = [
    ("id", "integer", "Identifiant de la contribution (dans l’adresse de sa page)."),
    ("texte", "string", "Texte de la contribution."),
    ("theme", "string", "Thème de la contribution, vide s’il n’est pas précisé."),
    ("origine", "string", "Origine : « Atelier d’une journée » ou « En ligne »."),
    ("journee", "string", "Titre de la journée de concertation (vide en ligne)."),
    ("date", "date", "Date de la journée (AAAA-MM-JJ, vide en ligne)."),
    ("atelier", "string", "Atelier de la journée où elle a été formulée."),
    ("territoire", "string", "Territoire de santé."),
    ("college", "string", "Code du collège de l’auteur s’il l’a indiqué (jamais son nom)."),
    ("statut", "string", "Statut en clair : Publiée, Retenue comme piste de travail, "
                         "Validée, Transmise."),
    ("d_accord", "integer", "Votes « d’accord »."),
    ("pas_d_accord", "integer", "Votes « pas d’accord »."),
    ("sans_avis", "integer", "Votes « passer »."),
    ("fusionne_dans", "integer", "Contribution dans laquelle elle a été fusionnée, le cas "
                                 "échéant."),
    ("cree_le", "datetime", "Date et heure de dépôt (ISO 8601, avec le décalage horaire)."),
]
EXPORT_FIELDS = [name for name, _, _ in EXPORT_COLUMNS]
EXPORT_LIMIT = 100_000


def export_rows(contributions):
    for c in contributions.iterator(chunk_size=2000):
        yield [
            c.pk, c.text, c.theme.title if c.theme else "", c.get_origin_display(),
            c.event.title if c.event else "", c.event.date.isoformat() if c.event else "",
            c.workshop.title if c.workshop else "",
            c.health_territory.name if c.health_territory else "", c.college,
            c.get_state_display(), c.agree_count, c.disagree_count, c.pass_count,
            c.merged_into_id or "", c.created_at.isoformat(),
        ]


@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list as open data. No personal data: authors are not exported."""
    form = ContributionFilterForm(request.GET or None)
    contributions = form.results()[:EXPORT_LIMIT]
    if fmt == "csv":
        content = tabular.csv_bytes(EXPORT_FIELDS, export_rows(contributions))
        ctype = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content = tabular.xlsx_bytes("Contributions", EXPORT_FIELDS, export_rows(contributions))
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "json":
        rows = [dict(zip(EXPORT_FIELDS, row, strict=True)) for row in export_rows(contributions)]
        content = json.dumps(rows, ensure_ascii=False, indent=1).encode()
        ctype = "application/json; charset=utf-8"
    else:
        return render(request, "404.html", status=404)
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="contributions.{fmt}"'
    return response
