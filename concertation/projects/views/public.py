"""Public pages: the list of labelled projects, a project's page and its milestones' evidence,
following a project, and the open-data files."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from concertation.accounts.scope import scope_for
from concertation.core.downloads import basename, serve_file, visible_or_404
from concertation.core.http import HtmxRequest
from concertation.core.links import BadLink
from concertation.core.public_cache import public_page
from concertation.projects import exports, services, tokens
from concertation.projects.forms import ProjectFilterForm, SubscribeForm
from concertation.projects.models import (
    Milestone,
    Project,
    ProjectState,
    compute_progress,
)
from concertation.projects.origins import project_origins

PAGE_SIZE = 20


@require_safe
@public_page
def project_list(request: HtmxRequest) -> HttpResponse:
    form = ProjectFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown; the filters that are valid still apply
    projects = form.filter(Project.objects.public()).for_listing().order_by(
        "-created_on", "title", "id")
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "projects/list_results.html" if request.htmx else "projects/list.html"
    return render(request, template, context)


def _public_project(slug: str) -> Project:
    return get_object_or_404(
        Project.objects.public().select_related("region", "health_territory", "programme"),
        slug=slug)


@require_safe
@public_page
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = _public_project(slug)
    milestones = list(project.milestones.all())
    context = {
        "project": project,
        "themes": project.themes.all(),
        "milestones": milestones,
        "progress": compute_progress(milestones),
        "updates": project.updates.all(),
        "origins": project_origins(project),
        "history": project.transitions.exclude(from_state=ProjectState.PROPOSED,
                                               to_state=ProjectState.ABANDONED),
        "abandon": (project.transitions.filter(to_state=ProjectState.ABANDONED).last()
                    if project.state == ProjectState.ABANDONED else None),
        "can_follow": project.state in (ProjectState.LABELLED, ProjectState.IN_PROGRESS),
    }
    return render(request, "projects/detail.html", context)


@require_safe
def evidence(request: HttpRequest, slug: str, pk: int, filename: str) -> HttpResponse:
    """A milestone's evidence document: to anyone once the project is public (labelled),
    before that only to the organisers who manage the project."""
    milestones = Milestone.objects.filter(project__slug=slug, pk=pk)
    milestone = visible_or_404(
        request, milestones.filter(project__in=Project.objects.public()),
        lambda: milestones.filter(project__in=Project.objects.within(scope_for(request.user))))
    if not milestone.evidence_file or basename(milestone.evidence_file.name) != filename:
        raise Http404("Fichier introuvable.")
    return serve_file(request, milestone.evidence_file, filename=filename, inline=True,
                      content_type="application/pdf")


@require_http_methods(["GET", "HEAD", "POST"])
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    project = _public_project(slug)
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            # A robot filled the hidden field: answer as if all went well, send nothing.
            return render(request, "projects/follow_sent.html", {"project": project})
        try:
            services.subscribe(project=project, email=form.cleaned_data["email"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return render(request, "projects/follow_sent.html", {"project": project})
    return render(request, "projects/follow.html", {"project": project, "form": form},
                  status=400 if form.errors else 200)


def _follower_from(token: str, purpose: str):
    try:
        return tokens.read(token, purpose=purpose), None
    except BadLink as error:
        return None, str(error)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET shows a button and POST confirms: a mail scanner opening the link confirms nothing.
    follower, error = _follower_from(token, "confirm")
    if follower is None:
        return render(request, "projects/bad_link.html", {"error": error}, status=400)
    if request.method == "POST":
        services.confirm(follower)
        messages.success(request, "Votre abonnement est confirmé : vous recevrez les "
                                  "actualités de ce projet par courriel.")
        return redirect(follower.project.get_absolute_url())
    return render(request, "projects/confirm.html", {"follower": follower,
                                                     "project": follower.project})


@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    follower, error = _follower_from(token, "unsubscribe")
    if follower is None:
        return render(request, "projects/bad_link.html", {"error": error}, status=400)
    if request.method == "POST":
        services.unsubscribe(follower)
        return render(request, "projects/unsubscribed.html", {"project": follower.project})
    return render(request, "projects/unsubscribe.html", {"follower": follower,
                                                         "project": follower.project})


# Open data -------------------------------------------------------------------------------

FILES = {
    "projets.json": "application/json; charset=utf-8",
    "projets.csv": "text/csv; charset=utf-8",
    "jalons.csv": "text/csv; charset=utf-8",
    "schema-projets.json": "application/json; charset=utf-8",
    "schema-jalons.json": "application/json; charset=utf-8",
    "LISEZMOI.md": "text/markdown; charset=utf-8",
}


@require_safe
@public_page
def open_data(request: HttpRequest, name: str) -> HttpResponse:
    if name not in FILES:
        raise Http404("Fichier inconnu")
    if name == "LISEZMOI.md":
        content = exports.readme().encode()
    elif name == "schema-projets.json":
        content = exports.table_schema(exports.PROJECT_FIELDS)
    elif name == "schema-jalons.json":
        content = exports.table_schema(exports.MILESTONE_FIELDS)
    else:
        records, milestones = exports.open_data_records()
        if name == "projets.json":
            content = exports.to_json(records, milestones)
        elif name == "projets.csv":
            content = exports.to_csv(records, exports.PROJECT_FIELDS)
        else:
            content = exports.to_csv(milestones, exports.MILESTONE_FIELDS)
    response = HttpResponse(content, content_type=FILES[name])
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_safe
@public_page
def open_data_page(request: HttpRequest) -> HttpResponse:
    return render(request, "projects/open_data.html", {
        "files": list(FILES), "project_fields": exports.PROJECT_FIELDS,
        "milestone_fields": exports.MILESTONE_FIELDS,
    })
