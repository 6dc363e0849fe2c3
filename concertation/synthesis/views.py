"""Organiser pages of the syntheses: list and creation, regional consolidation, the workspace
(groups, suggestions, contributions not yet grouped) and a group's page; the lifecycle, the
consolidated list, the CRSA validation and the history are `views_lifecycle`. Views parse and
render; `services` writes."""

from __future__ import annotations

import secrets
import string

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required, role_required
from concertation.core.forms import model_field
from concertation.core.params import MAX_INT, int_param
from concertation.synthesis import (
    consolidation,
    editing,
    provenance,
    revisions,
    selection,
    services,
)
from concertation.synthesis.forms import (
    ConsolidationForm,
    ConsolidationScopeForm,
    DetailsForm,
    GroupForm,
    SelectionForm,
    SynthesisForm,
)
from concertation.synthesis.models import (
    DuplicateDetection,
    Synthesis,
    SynthesisGroup,
)
from concertation.synthesis.views_common import (
    base_context,
    error_text,
    recorded_decision,
    synthesis_for_user,
    write,
)
from concertation.synthesis.workflow import LIFECYCLE

POOL_SHOWN = 200  # contributions not yet grouped listed on the workspace
REQUEST_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_")


# --- List, creation, consolidation -------------------------------------------------------------

@role_required("read")
def index(request: ScopedRequest) -> HttpResponse:
    syntheses = (Synthesis.objects.readable(request.scope)
                 .select_related("campaign", "region", "health_territory", "event")
                 .annotate(group_count=Count("groups", distinct=True))
                 .order_by("-created_at", "-id"))
    return render(request, "synthesis/backoffice/index.html", {
        "syntheses": syntheses, "organiser": request.scope.is_organiser,
        # Who reads without managing: each row then opens the page of what they may do.
        "decides": bool(request.scope.decide)})


@organiser_required
def create(request: ScopedRequest) -> HttpResponse:
    form = SynthesisForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            synthesis = services.create_synthesis(
                scope=request.scope, user=request.user, campaign=data["campaign"],
                level=data["level"], title=data["title"], event=data["event"],
                health_territory=data["health_territory"], region=data["region"],
                theme=data["theme"], source_run=data["source_run"],
                includes_online=data["includes_online"])
        except (revisions.SynthesisError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, "La synthèse est créée.")
            return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    return render(request, "synthesis/backoffice/create.html", {"form": form})


@organiser_required
def consolidate(request: ScopedRequest) -> HttpResponse:
    """Step 1 (GET): campaign and region; step 2: the days to consolidate, then create."""
    scope_form = ConsolidationScopeForm(request.GET or None, scope=request.scope)
    form, request_key = None, _request_key(request)
    if scope_form.is_valid():
        campaign, region = scope_form.cleaned_data["campaign"], scope_form.cleaned_data["region"]
        initial = {"title": f"{campaign.title} — consolidation {region.name}"}
        form = ConsolidationForm(request.POST or None, scope=request.scope, campaign=campaign,
                                 region=region, initial=initial)
        if request.method == "GET":
            form.initial["days"] = list(model_field(form, "days").queryset.values_list("pk",
                                                                                 flat=True))
            restitution = model_field(form, "validation_event").queryset.first()
            form.initial["validation_event"] = restitution.pk if restitution else None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                synthesis = consolidation.consolidate(
                    scope=request.scope, user=request.user, campaign=campaign, region=region,
                    days=list(data["days"]), includes_online=data["includes_online"],
                    title=data["title"], validation_event=data["validation_event"],
                    request_key=request_key)
            except (revisions.SynthesisError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, "Consolidation créée. La détection des propositions "
                                          "proches se fait en tâche de fond : les regroupements "
                                          "suggérés s’affichent ici dès qu’elle est terminée.")
                return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    return render(request, "synthesis/backoffice/consolidate.html",
                  {"scope_form": scope_form, "form": form, "request_key": request_key})


def _request_key(request: HttpRequest) -> str:
    """The creation form's random key (kept from the posted form, new on a fresh one): the
    same form posted twice creates one synthesis. A malformed key is ignored (no replay
    protection then, nothing else changes)."""
    posted = request.POST.get("request_key", "") if request.method == "POST" else ""
    if posted and len(posted) <= 64 and REQUEST_KEY_CHARS.issuperset(posted):
        return posted
    return secrets.token_urlsafe(24) if request.method == "GET" else ""


# --- Workspace ---------------------------------------------------------------------------------

def _workspace_context(request: ScopedRequest, synthesis: Synthesis, **forms) -> dict:
    groups = list(synthesis.groups.filter(accepted=True).select_related("theme")
                  .annotate(size=Count("items")).order_by("position", "id"))
    computed = provenance.compute(synthesis)
    for group in groups:
        group.origin = computed.for_group(group.pk)
    grouped = synthesis.items.values("contribution_id")
    pool = (selection.source_contributions(synthesis).exclude(pk__in=grouped)
            .select_related("event", "health_territory").order_by("event__date", "pk"))
    pool_count = pool.count()
    context = base_context(synthesis)
    context.update(
        groups=groups, suggestions=consolidation.suggestion_rows(synthesis),
        detection=_detection(synthesis), detection_finished=False,
        total=computed.total, pool=list(pool[:POOL_SHOWN]), pool_count=pool_count,
        pool_shown=POOL_SHOWN, transitions=LIFECYCLE.allowed_targets(synthesis.state),
        details_form=forms.get("details_form") or DetailsForm(
            scope=request.scope, initial={
                "revision": synthesis.revision, "title": synthesis.title,
                "introduction": synthesis.introduction,
                "validation_event": synthesis.validation_event_id}),
        new_group_title=forms.get("new_group_title", ""), selected=[],
    )
    return context


@organiser_required
def workspace(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk, "detection")
    return render(request, "synthesis/backoffice/workspace.html",
                  _workspace_context(request, synthesis))


def _detection(synthesis: Synthesis) -> DuplicateDetection | None:
    try:
        return synthesis.detection
    except DuplicateDetection.DoesNotExist:
        return None


@organiser_required
def detection(request: ScopedRequest, pk: int) -> HttpResponse:
    """The duplicate detection's state and the suggestions, polled by the workspace (htmx)
    while the detection runs. Without htmx, the workspace itself (which shows the same)."""
    synthesis = synthesis_for_user(request, pk, "detection")
    here = reverse("synthesis_backoffice:workspace", args=[synthesis.pk]) + "#suggestions"
    if not request.htmx:
        return redirect(here)
    found = _detection(synthesis)
    context = base_context(synthesis)
    context.update(detection=found, suggestions=consolidation.suggestion_rows(synthesis),
                   # Polled while it ran: say that it ended, and that the rest of the page
                   # (contributions to sort) is from before.
                   detection_finished=found is not None and not found.pending)
    return render(request, "synthesis/backoffice/_suggestions.html", context)


@require_POST
@organiser_required
def details(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    form = DetailsForm(request.POST, scope=request.scope)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_details(
                scope=request.scope, user=request.user, synthesis=synthesis,
                title=data["title"], introduction=data["introduction"],
                validation_event=data["validation_event"],
                expected_revision=data["revision"])
        except (revisions.SynthesisError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, "Les informations de la synthèse sont enregistrées.")
            return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    synthesis.refresh_from_db()
    return render(request, "synthesis/backoffice/workspace.html",
                  _workspace_context(request, synthesis, details_form=form), status=400)


@require_POST
@organiser_required
def suggestions(request: ScopedRequest, pk: int) -> HttpResponse:
    """Accept or dismiss one suggestion, accept them all, or look for duplicates again."""
    synthesis = synthesis_for_user(request, pk)
    form = SelectionForm(request.POST)
    expected = int_param(form.data.get("revision"), max=MAX_INT)
    action = request.POST.get("action", "")
    group_id = int_param(request.POST.get("group"), 0)  # 0 finds no group: the service says so
    common = {"scope": request.scope, "user": request.user, "synthesis": synthesis,
              "expected_revision": expected}
    if action == "accept":
        write(request, synthesis, lambda: editing.accept_group(group=group_id, **common),
               "La suggestion est retenue comme groupe.")
    elif action == "dismiss":
        write(request, synthesis, lambda: editing.dismiss_group(group=group_id, **common),
               "La suggestion est écartée ; ses contributions restent à classer.")
    elif action == "accept_all":
        write(request, synthesis, lambda: editing.accept_all(**common),
               "Toutes les suggestions sont retenues.")
    elif action == "detect":
        write(request, synthesis, lambda: consolidation.redetect(**common),
               "La détection des doublons est lancée en tâche de fond : les regroupements "
               "suggérés s’affichent ici dès qu’elle est terminée.")
    else:
        messages.error(request, "Action inconnue.")
    return redirect(reverse("synthesis_backoffice:workspace", args=[synthesis.pk])
                    + "#suggestions")


@require_POST
@organiser_required
def new_group(request: ScopedRequest, pk: int) -> HttpResponse:
    """A new group from contributions ticked among those not yet grouped, or added to an
    existing group."""
    synthesis = synthesis_for_user(request, pk)
    form = SelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Formulaire incomplet : rechargez la page et recommencez.")
        return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    data = form.cleaned_data
    common = {"scope": request.scope, "user": request.user, "synthesis": synthesis,
              "expected_revision": data["revision"]}
    if "add" in request.POST:
        if not data["target"]:
            messages.error(request, "Choisissez le groupe auquel ajouter la sélection.")
            return redirect(reverse("synthesis_backoffice:workspace", args=[synthesis.pk])
                            + "#a-classer")
        ok = write(request, synthesis, lambda: editing.move_items(
            contribution_ids=data["selected"], target=data["target"], **common),
            "Les contributions sont ajoutées au groupe.")
    else:
        ok = write(request, synthesis, lambda: editing.create_group(
            title=data["title"], contribution_ids=data["selected"], **common),
            "Le groupe est créé.")
    if not ok:
        synthesis.refresh_from_db()
        context = _workspace_context(request, synthesis, new_group_title=data["title"])
        context["selected"] = data["selected"]
        return render(request, "synthesis/backoffice/workspace.html", context, status=400)
    return redirect(reverse("synthesis_backoffice:workspace", args=[synthesis.pk]) + "#groupes")


@require_POST
@organiser_required
def merge(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    form = SelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Formulaire incomplet : rechargez la page et recommencez.")
    elif not form.cleaned_data["target"]:
        messages.error(request, "Choisissez le groupe qui réunira les groupes cochés.")
    else:
        data = form.cleaned_data
        write(request, synthesis, lambda: editing.merge_groups(
            scope=request.scope, user=request.user, synthesis=synthesis, target=data["target"],
            sources=data["selected"], expected_revision=data["revision"]),
            "Les groupes sont fusionnés.")
    return redirect(reverse("synthesis_backoffice:workspace", args=[synthesis.pk]) + "#groupes")


# --- A group -----------------------------------------------------------------------------------

def _group_context(synthesis: Synthesis, group: SynthesisGroup, form: GroupForm) -> dict:
    context = base_context(synthesis)
    items = list(group.items.select_related("contribution__event", "contribution__workshop",
                                            "contribution__health_territory")
                 .order_by("contribution__event__date", "contribution_id"))
    context.update(
        group=group, form=form, contributions=[item.contribution for item in items],
        origin=provenance.compute(synthesis, [group.pk]).for_group(group.pk),
        others=list(synthesis.groups.exclude(pk=group.pk).order_by("position", "id")
                    .only("pk", "title", "accepted")),
        decision=recorded_decision(group),
    )
    return context


@organiser_required
def group_detail(request: ScopedRequest, pk: int, group_pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    group = get_object_or_404(synthesis.groups.select_related("theme"), pk=group_pk)
    form = GroupForm(request.POST or None, campaign=synthesis.campaign, initial={
        "revision": synthesis.revision, "title": group.title, "kind": group.kind,
        "theme": group.theme_id, "text": group.text})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                editing.update_group(
                    scope=request.scope, user=request.user, synthesis=synthesis, group=group,
                    title=data["title"], kind=data["kind"], text=data["text"],
                    theme=data["theme"], expected_revision=data["revision"])
            except (revisions.SynthesisError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, "Le groupe est enregistré.")
                return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
        status = 400
        synthesis.refresh_from_db()
        group.refresh_from_db()
    return render(request, "synthesis/backoffice/group.html",
                  _group_context(synthesis, group, form), status=status)


@require_POST
@organiser_required
def group_action(request: ScopedRequest, pk: int, group_pk: int) -> HttpResponse:
    """Move ticked contributions to another group, out of every group, or into a new group
    (split); delete the group once empty."""
    synthesis = synthesis_for_user(request, pk)
    group = get_object_or_404(synthesis.groups, pk=group_pk)
    form = SelectionForm(request.POST)
    here = redirect("synthesis_backoffice:group", pk=synthesis.pk, group_pk=group.pk)
    if not form.is_valid():
        messages.error(request, "Formulaire incomplet : rechargez la page et recommencez.")
        return here
    data = form.cleaned_data
    common = {"scope": request.scope, "user": request.user, "synthesis": synthesis,
              "expected_revision": data["revision"]}
    action = request.POST.get("action", "")
    if action == "move":
        if not data["target"]:
            messages.error(request, "Choisissez le groupe de destination.")
            return here
        write(request, synthesis, lambda: editing.move_items(
            contribution_ids=data["selected"], target=data["target"], **common),
            "Les contributions sont déplacées.")
    elif action == "remove":
        write(request, synthesis, lambda: editing.move_items(
            contribution_ids=data["selected"], target=None, **common),
            "Les contributions sont retirées du groupe ; elles restent à classer.")
    elif action == "split":
        if write(request, synthesis, lambda: editing.split_group(
                group=group, contribution_ids=data["selected"], title=data["title"], **common),
                "Le groupe est scindé : le nouveau groupe est dans la liste."):
            return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    elif action == "delete":
        if write(request, synthesis, lambda: editing.delete_group(group=group, **common),
                  "Le groupe est supprimé."):
            return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    else:
        messages.error(request, "Action inconnue.")
    return here
