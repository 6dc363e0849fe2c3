"""Organiser back-office for consultation days. Views parse and render; services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from concertation.accounts.access import REFUSALS, ScopedRequest, organiser_required, role_home
from concertation.accounts.scope import scope_for
from concertation.core import confirm
from concertation.core.queue import stall
from concertation.events import services
from concertation.events.forms import (
    DocumentForm,
    DuplicateForm,
    EventForm,
    TalkFormSet,
    TransitionForm,
    WorkshopFormSet,
)
from concertation.events.models import Document, Event, EventState
from concertation.events.workflow import EDITABLE_STATES, LIFECYCLE


def _get_event_for_user(request: ScopedRequest, pk: int) -> Event:
    """The event if the organiser may manage it; 404 otherwise, so others' drafts stay hidden."""
    events = Event.objects.within(request.scope).select_related(
        "campaign", "department__region", "health_territory")
    return get_object_or_404(events, pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def home(request: ScopedRequest) -> HttpResponse:
    # Where everyone lands after signing in: someone with another role goes to its page.
    request.scope = scope_for(request.user)  # a ScopedRequest from here on
    if not request.scope.is_organiser:
        landing = role_home(request.scope)
        if landing is None:
            raise PermissionDenied(REFUSALS["manage"])
        return redirect(landing)
    events = request.scope.filter_events(Event.objects.for_listing())
    state = request.GET.get("etat", "")
    if state and state in EventState.values:
        events = events.filter(state=state)
    counts = dict(
        request.scope.filter_events(Event.objects.all())
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    context = {
        "events": events.order_by("-date", "id"),
        "state": state,
        "states": [(s.value, s.label, counts.get(s.value, 0)) for s in EventState],
        "memberships": request.user.memberships.select_related("agency", "council"),
        # Mail, packages and analyses wait on the background worker: say when it stalls.
        "queue_stall": stall(),
    }
    return render(request, "events/backoffice/home.html", context)


@organiser_required
def create(request: ScopedRequest) -> HttpResponse:
    form = EventForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(
                scope=request.scope,
                user=request.user,
                event=form.save(commit=False),
                themes=form.cleaned_data["themes"],
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "La journée a été créée en brouillon.")
            return redirect("backoffice:programme", pk=event.pk)
    return render(request, "events/backoffice/form.html", {"form": form, "event": None})


@organiser_required
def manage(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = DocumentForm(max_size=settings.MAX_DOCUMENT_SIZE)
    return render(request, "events/backoffice/manage.html", _manage_context(event, form))


def _manage_context(event: Event, document_form: DocumentForm) -> dict:
    return {
        "event": event,
        "transitions": LIFECYCLE.allowed_targets(event.state),
        "documents": event.documents.all(),
        "talks": event.talks.all(),
        "workshops": event.workshops.select_related("theme"),
        "document_form": document_form,
        "editable": event.state in EDITABLE_STATES,
    }


@organiser_required
def edit(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    if event.state not in EDITABLE_STATES:
        messages.error(request, "Cette journée ne peut plus être modifiée dans son état actuel.")
        return redirect("backoffice:manage", pk=event.pk)
    form = EventForm(request.POST or None, instance=event, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(
                scope=request.scope,
                user=request.user,
                event=form.save(commit=False),
                themes=form.cleaned_data["themes"],
            )
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, "Les modifications ont été enregistrées.")
            return redirect("backoffice:manage", pk=event.pk)
    return render(request, "events/backoffice/form.html", {"form": form, "event": event})


@organiser_required
def programme(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    if event.state not in EDITABLE_STATES:
        messages.error(request, "Le programme de cette journée ne peut plus être modifié.")
        return redirect("backoffice:manage", pk=event.pk)
    data = request.POST if request.method == "POST" else None
    talks = TalkFormSet(data, instance=event, prefix="talks")
    workshops = WorkshopFormSet(data, instance=event, prefix="workshops")
    if request.method == "POST" and talks.is_valid() and workshops.is_valid():
        try:
            services.save_programme(
                scope=request.scope, user=request.user, event=event, formsets=[talks, workshops]
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "Le programme a été enregistré.")
            return redirect("backoffice:manage", pk=event.pk)
    context = {"event": event, "talks": talks, "workshops": workshops}
    return render(request, "events/backoffice/programme.html", context)


@organiser_required
def duplicate(request: ScopedRequest, pk: int) -> HttpResponse:
    source = _get_event_for_user(request, pk)
    initial = {"title": source.title, "date": source.date}
    form = DuplicateForm(request.POST or None, initial=initial, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.duplicate_event(
                scope=request.scope,
                user=request.user,
                source=source,
                territories=form.cleaned_data["territories"],
                date=form.cleaned_data["date"],
                title=form.cleaned_data["title"],
            )
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, str(exc) if isinstance(exc, PermissionDenied) else exc.messages)
        else:
            messages.success(
                request, f"{len(created)} journée(s) créée(s) en brouillon à partir de ce modèle."
            )
            return redirect("backoffice:home")
    return render(request, "events/backoffice/duplicate.html", {"form": form, "event": source})


@require_POST
@organiser_required
def change_state(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["target"] not in EventState.values:
        messages.error(request, "Action inconnue.")
        return redirect("backoffice:manage", pk=event.pk)
    target = form.cleaned_data["target"]
    if (target == EventState.RESTITUTION_PUBLISHED and LIFECYCLE.is_allowed(event.state, target)
            and not confirm.confirmed(request)):
        return confirm.ask(
            request, title="publier la restitution",
            consequences=[f"La restitution de « {event.title} » paraît sur la page publique "
                          "de la journée : les pistes de travail retenues, leurs votes et "
                          "leur provenance, et le classement des votes de priorité clos.",
                          "La journée passe à l’état « Restitution publiée », le dernier de "
                          "son cycle : elle ne reviendra pas en arrière."],
            confirm_label="Oui, publier la restitution", back=("backoffice:manage", event.pk),
            back_label="Non, revenir à la journée")
    try:
        services.transition(
            scope=request.scope,
            user=request.user,
            event=event,
            target=form.cleaned_data["target"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        label = EventState(form.cleaned_data["target"]).label
        messages.success(request, f"État de la journée : {label}.")
    return redirect("backoffice:manage", pk=event.pk)


@require_POST
@organiser_required
def add_document(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = DocumentForm(request.POST, request.FILES, max_size=settings.MAX_DOCUMENT_SIZE)
    if form.is_valid():
        services.add_document(
            scope=request.scope,
            user=request.user,
            event=event,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
        )
        messages.success(request, "Le document a été ajouté.")
        return redirect("backoffice:manage", pk=event.pk)
    context = _manage_context(event, form)
    return render(request, "events/backoffice/manage.html", context, status=400)


@require_POST
@organiser_required
def delete_document(request: ScopedRequest, pk: int, document_pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    document = Document.objects.filter(event=event, pk=document_pk).first()
    if document is None:
        raise Http404("Document inconnu")
    services.delete_document(scope=request.scope, user=request.user, document=document)
    messages.success(request, "Le document a été supprimé.")
    return redirect("backoffice:manage", pk=event.pk)
