"""Organiser back-office for labelled projects. Views parse and render; services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.projects import exports, imports, permissions, services
from concertation.projects.forms import (
    ImportForm,
    MilestoneForm,
    ProjectForm,
    TransitionForm,
    UpdateForm,
)
from concertation.projects.models import Milestone, Project, ProjectState
from concertation.projects.origins import project_origins
from concertation.projects.workflow import LIFECYCLE


def _get_project_for_user(request: ScopedRequest, pk: int) -> Project:
    """The project if the organiser manages it; 404 otherwise, so others' proposals stay
    hidden."""
    projects = Project.objects.select_related("region", "health_territory", "programme",
                                              "labelled_by")
    return get_object_or_404(projects.within(request.scope), pk=pk)


def _error_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@require_safe
@organiser_required
def home(request: ScopedRequest) -> HttpResponse:
    projects = Project.objects.for_listing().within(request.scope)
    context = {
        "projects": projects.order_by("-created_on", "title"),
        "eligible_groups": permissions.eligible_groups(request.scope).filter(
            projects__isnull=True).count(),
        "eligible_contributions": permissions.eligible_contributions(request.scope).filter(
            projects__isnull=True).count(),
    }
    return render(request, "projects/backoffice/home.html", context)


@organiser_required
def create(request: ScopedRequest) -> HttpResponse:
    initial = {"origin_contributions": request.GET.getlist("contribution"),
               "origin_groups": request.GET.getlist("proposition"),
               "created_on": timezone.localdate()}
    form = ProjectForm(request.POST or None, initial=initial, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(
                scope=request.scope, user=request.user, project=form.save(commit=False),
                themes=form.cleaned_data["themes"], groups=form.cleaned_data["origin_groups"],
                contributions=form.cleaned_data["origin_contributions"])
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "Le projet a été créé : il est proposé à la "
                                      "labellisation.")
            return redirect("projects_backoffice:manage", pk=project.pk)
    return render(request, "projects/backoffice/form.html", {"form": form, "project": None},
                  status=400 if form.errors else 200)


def _manage_context(request: HttpRequest, project: Project, **forms) -> dict:
    milestones = list(project.milestones.all())
    from concertation.projects.models import compute_progress

    return {
        "project": project,
        "themes": project.themes.all(),
        "transitions": LIFECYCLE.allowed_targets(project.state),
        "milestones": milestones,
        "progress": compute_progress(milestones),
        "updates": project.updates.select_related("author"),
        "origins": project_origins(project),
        "followers": project.followers.filter(confirmed_at__isnull=False,
                                              unsubscribed_at__isnull=True).count(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(prefix="jalon"),
        "update_form": forms.get("update_form") or UpdateForm(
            initial={"published_on": timezone.localdate()}, prefix="actualite"),
        "editable": project.state != ProjectState.ABANDONED,
    }


@require_safe
@organiser_required
def manage(request: ScopedRequest, pk: int) -> HttpResponse:
    project = _get_project_for_user(request, pk)
    return render(request, "projects/backoffice/manage.html", _manage_context(request, project))


@organiser_required
def edit(request: ScopedRequest, pk: int) -> HttpResponse:
    project = _get_project_for_user(request, pk)
    if project.state == ProjectState.ABANDONED:
        messages.error(request, "Un projet abandonné ne se modifie plus.")
        return redirect("projects_backoffice:manage", pk=project.pk)
    form = ProjectForm(request.POST or None, instance=project, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(
                scope=request.scope, user=request.user, project=form.save(commit=False),
                themes=form.cleaned_data["themes"], groups=form.cleaned_data["origin_groups"],
                contributions=form.cleaned_data["origin_contributions"])
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "Les modifications ont été enregistrées.")
            return redirect("projects_backoffice:manage", pk=project.pk)
    return render(request, "projects/backoffice/form.html", {"form": form, "project": project},
                  status=400 if form.errors else 200)


@require_POST
@organiser_required
def change_state(request: ScopedRequest, pk: int) -> HttpResponse:
    project = _get_project_for_user(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["target"] not in ProjectState.values:
        messages.error(request, "Action inconnue.")
        return redirect("projects_backoffice:manage", pk=project.pk)
    try:
        services.transition(scope=request.scope, user=request.user, project=project,
                            target=form.cleaned_data["target"],
                            reason=form.cleaned_data["reason"])
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        label = ProjectState(form.cleaned_data["target"]).label
        messages.success(request, f"État du projet : {label}.")
    return redirect("projects_backoffice:manage", pk=project.pk)


@require_POST
@organiser_required
def add_milestone(request: ScopedRequest, pk: int) -> HttpResponse:
    project = _get_project_for_user(request, pk)
    form = MilestoneForm(request.POST, request.FILES, prefix="jalon")
    if form.is_valid():
        try:
            services.save_milestone(scope=request.scope, user=request.user, project=project,
                                    milestone=form.save(commit=False))
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "Le jalon a été ajouté.")
            return redirect("projects_backoffice:manage", pk=project.pk)
    context = _manage_context(request, project, milestone_form=form)
    return render(request, "projects/backoffice/manage.html", context, status=400)


@organiser_required
def edit_milestone(request: ScopedRequest, pk: int, milestone_pk: int) -> HttpResponse:
    project = _get_project_for_user(request, pk)
    milestone = get_object_or_404(Milestone, project=project, pk=milestone_pk)
    form = MilestoneForm(request.POST or None, request.FILES or None, instance=milestone,
                         prefix="jalon")
    if request.method == "POST" and form.is_valid():
        try:
            services.save_milestone(scope=request.scope, user=request.user, project=project,
                                    milestone=form.save(commit=False))
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "Le jalon a été enregistré.")
            return redirect("projects_backoffice:manage", pk=project.pk)
    context = {"form": form, "project": project, "milestone": milestone}
    return render(request, "projects/backoffice/milestone_form.html", context,
                  status=400 if form.errors else 200)


@require_POST
@organiser_required
def delete_milestone(request: ScopedRequest, pk: int, milestone_pk: int) -> HttpResponse:
    project = _get_project_for_user(request, pk)
    milestone = get_object_or_404(Milestone, project=project, pk=milestone_pk)
    try:
        services.delete_milestone(scope=request.scope, user=request.user, milestone=milestone)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "Le jalon a été supprimé.")
    return redirect("projects_backoffice:manage", pk=project.pk)


@require_POST
@organiser_required
def add_update(request: ScopedRequest, pk: int) -> HttpResponse:
    project = _get_project_for_user(request, pk)
    form = UpdateForm(request.POST, prefix="actualite")
    if form.is_valid():
        try:
            services.post_update(scope=request.scope, user=request.user, project=project,
                                 **form.cleaned_data)
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "L’actualité est publiée ; les abonnés la recevront dans "
                                      "le prochain récapitulatif.")
            return redirect("projects_backoffice:manage", pk=project.pk)
    context = _manage_context(request, project, update_form=form)
    return render(request, "projects/backoffice/manage.html", context, status=400)


@organiser_required
def import_sheet(request: ScopedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["sheet"]
        try:
            rows = imports.read_sheet(upload.name, upload.read())
        except imports.SheetError as error:
            errors = [str(error)]
        else:
            log, errors = services.import_sheet(scope=request.scope, user=request.user,
                                                filename=upload.name, rows=rows)
            if log is not None:
                messages.success(
                    request,
                    f"Import terminé : {log.created} jalon(s) créé(s), {log.updated} modifié(s), "
                    f"{log.unchanged} inchangé(s), {log.transitions} changement(s) d’état.")
                return redirect("projects_backoffice:home")
    status = 400 if (errors or form.errors) else 200
    return render(request, "projects/backoffice/import.html",
                  {"form": form, "errors": errors}, status=status)


@require_safe
@organiser_required
def export_sheet(request: ScopedRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        return render(request, "404.html", status=404)
    # Abandoned projects are left out: their milestones no longer change.
    projects = (Project.objects.all().within(request.scope)
                .exclude(state=ProjectState.ABANDONED).prefetch_related("milestones")
                .order_by("created_on", "pk"))
    content = exports.milestone_sheet(projects, fmt)
    ctype = exports.XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=ctype)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="jalons-{stamp}.{fmt}"'
    return response
