"""Public pages: the agenda, a day's page, its documents, and calendar files."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from concertation.accounts.scope import scope_for
from concertation.core.downloads import basename, serve_file, visible_or_404
from concertation.core.forms import model_field
from concertation.core.http import HtmxRequest
from concertation.core.public_cache import public_page
from concertation.events.forms import AgendaFilterForm
from concertation.events.ics import event_calendar, feed_calendar
from concertation.events.models import Document, Event, EventState
from concertation.territories.models import Region

AGENDA_PAGE_SIZE = 20
# A calendar feed carries the coming days and those of the past year.
FEED_HISTORY = dt.timedelta(days=365)


def agenda_order(events, today: dt.date):
    """Coming days first, soonest first; then past days, most recent first."""
    return events.annotate(
        is_past=Case(When(date__lt=today, then=Value(1)), default=Value(0),
                     output_field=IntegerField()),
        coming_date=Case(When(date__gte=today, then=F("date")), default=None),
    ).order_by("is_past", "coming_date", "-date", "starts_at", "id")


@require_safe
@public_page
def agenda(request: HtmxRequest) -> HttpResponse:
    form = AgendaFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown; the filters that are valid still apply
    events = form.filter(Event.objects.public())
    today = timezone.localdate()
    page = Paginator(agenda_order(events.for_listing(), today), AGENDA_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "today": today,
        "query": query.urlencode(),
        "regions": model_field(form, "region").queryset,
    }
    template = "events/agenda_results.html" if request.htmx else "events/agenda.html"
    return render(request, template, context)


def _public_event(slug: str) -> Event:
    event = get_object_or_404(
        Event.objects.public().select_related(
            "campaign", "department__region", "health_territory"
        ),
        slug=slug,
    )
    return event


@require_safe
@public_page
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = _public_event(slug)
    cancellation = None
    if event.state == EventState.CANCELLED:
        cancellation = event.transitions.filter(to_state=EventState.CANCELLED).last()
    context = {
        "event": event,
        "talks": event.talks.all(),
        "workshops": event.workshops.select_related("theme"),
        "documents": event.documents.all(),
        "themes": event.themes.all(),
        "cancellation": cancellation,
        "is_past": event.date < timezone.localdate(),
    }
    return render(request, "events/detail.html", context)


@require_safe
@public_page
def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    event = _public_event(slug)
    response = HttpResponse(event_calendar(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@require_safe
def document(request: HttpRequest, slug: str, pk: int, filename: str) -> HttpResponse:
    """A document of a day: to anyone while the day's page is public, otherwise only to the
    organisers whose scope covers the day (the back-office lists drafts' documents too)."""
    documents = Document.objects.filter(event__slug=slug, pk=pk)
    document = visible_or_404(
        request, documents.filter(event__in=Event.objects.public()),
        lambda: documents.filter(event__in=Event.objects.within(scope_for(request.user))))
    if basename(document.file.name) != filename:
        raise Http404("Fichier introuvable.")
    return serve_file(request, document.file, filename=filename,
                      content_type="application/pdf")


def _feed(name: str, events) -> HttpResponse:
    since = timezone.localdate() - FEED_HISTORY
    events = events.public().filter(date__gte=since).select_related("department")
    return HttpResponse(feed_calendar(name, events), content_type="text/calendar; charset=utf-8")


@require_safe
@public_page
def agenda_ics(request: HttpRequest) -> HttpResponse:
    return _feed("Journées de concertation en santé", Event.objects.all())


@require_safe
@public_page
def region_ics(request: HttpRequest, region_code: str) -> HttpResponse:
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise Http404("Région inconnue")
    return _feed(
        f"Journées de concertation en santé — {region.name}",
        Event.objects.filter(department__region=region),
    )
