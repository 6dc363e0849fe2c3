"""The read-only public API, `/api/v1/`: exactly what the public pages show, read through
the same public QuerySets (`Event.objects.public()`, `Contribution.objects.visible()`, the
published syntheses, `Project.objects.public()`), anonymously, whoever asks — a signed-in
organiser gets the same answers as anyone. Lists page by cursor in a stable order
(`pagination.py`); filters are the site's own forms, so a bad value gets the site's French
message, as a `400`."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from concertation.api import schemas
from concertation.api.pagination import keyset_page, next_url
from concertation.contributions.models import Contribution
from concertation.contributions.restitution import work_leads
from concertation.contributions.views.public import SORTS, ContributionFilterForm
from concertation.events.forms import AgendaFilterForm
from concertation.events.models import Event, EventState
from concertation.projects.models import Project
from concertation.synthesis import report
from concertation.synthesis.models import Synthesis
from concertation.territories.models import Department, HealthTerritory, Region

PAGE_DEFAULT, PAGE_MAX = 50, 200
NO_TOKEN = ("Jeton d’API manquant, inconnu ou révoqué : envoyez « Authorization: Bearer "
            "cct_… » avec un jeton créé dans l’espace organisateur (« Jetons d’API »).")


def _time(value) -> str | None:
    return value.strftime("%H:%M") if value else None

DAY_ORDER = ["date", "starts_at", "id"]
SYNTHESIS_ORDER = ["-id"]
PROJECT_ORDER = ["-id"]

api = NinjaAPI(
    title="API publique de Concertation",
    version="1",
    description=(
        "Ce que publient les pages publiques de Concertation, en JSON : journées de "
        "concertation, restitutions, contributions publiées, synthèses validées avec les "
        "décisions de la CRSA, projets labellisés et leurs jalons, territoires. Lecture seule, "
        "sans authentification ; pagination par curseur (`next`) ; `ETag` tiré de la version "
        "du contenu public (`If-None-Match` donne un `304`) ; "
        f"{settings.API_RATE_PER_MINUTE} requêtes par minute et par adresse (`429` et "
        "`Retry-After` au-delà). Licence Ouverte 2.0.\n\n"
        "Les opérations « organisateurs » (`/api/v1/organiser/`) demandent un jeton d’API "
        "(`Authorization: Bearer cct_…`, créé dans l’espace organisateur, page « Jetons "
        "d’API ») et agissent avec les droits de son titulaire : inscriptions d’une journée "
        "et leur export, arrivées, import de la feuille de jalons. Chaque usage est journalisé."),
    urls_namespace="api",
    docs_url="/",
    openapi_url="/openapi.json",
)


def _french(errors) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "requête"
        parts.append(f"{where} : valeur invalide")
    return "Paramètres invalides — " + ", ".join(parts) + "."


@api.exception_handler(NinjaValidationError)
def _bad_parameters(request: HttpRequest, exc: NinjaValidationError):
    return api.create_response(request, {"detail": _french(exc.errors)}, status=400)


@api.exception_handler(ValidationError)
def _bad_value(request: HttpRequest, exc: ValidationError):
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


@api.exception_handler(AuthenticationError)
def _no_token(request: HttpRequest, exc: AuthenticationError):
    response = api.create_response(request, {"detail": NO_TOKEN}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="concertation"'
    return response


@api.exception_handler(PermissionDenied)
def _refused(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "Accès refusé."}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "Introuvable ou non publié."}, status=404)


def _form_errors(form) -> ValidationError:
    messages = [f"{name} : {' '.join(errors)}" if name != "__all__" else " ".join(errors)
                for name, errors in form.errors.items()]
    return ValidationError("Filtres invalides — " + " ; ".join(messages))


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _limit(limit: int) -> int:
    return max(1, min(limit, PAGE_MAX))


# Territories -------------------------------------------------------------------------------

@api.get("/v1/regions/", response=list[schemas.Region], url_name="regions",
         summary="Régions (codes officiels)")
def regions(request: HttpRequest):
    return [{"code": r.code, "name": r.name, "slug": r.slug}
            for r in Region.objects.order_by("code")]


@api.get("/v1/departments/", response=list[schemas.Department], url_name="departments",
         summary="Départements (codes officiels)")
def departments(request: HttpRequest):
    return [{"code": d.code, "name": d.name, "region_code": d.region.code}
            for d in Department.objects.select_related("region").order_by("code")]


@api.get("/v1/health-territories/", response=list[schemas.HealthTerritory],
         url_name="health_territories", summary="Territoires de santé")
def health_territories(request: HttpRequest):
    return [{"id": t.pk, "name": t.name, "slug": t.slug, "region_code": t.region.code}
            for t in HealthTerritory.objects.select_related("region").order_by("region__code",
                                                                               "name", "id")]


# Days --------------------------------------------------------------------------------------

def _day_summary(event: Event) -> dict:
    return {
        "slug": event.slug, "title": event.title, "state": event.state,
        "state_label": event.get_state_display(), "date": event.date,
        "starts_at": _time(event.starts_at), "ends_at": _time(event.ends_at),
        "venue_city": event.venue_city,
        "department_code": event.department.code, "region_code": event.department.region.code,
        "health_territory": event.health_territory.name if event.health_territory else None,
        "campaign": event.campaign.title, "url": _absolute(event.get_absolute_url()),
    }


def _public_days() -> QuerySet[Event]:
    return Event.objects.public().select_related("campaign", "department__region",
                                                 "health_territory")


@api.get("/v1/days/", response={200: schemas.DayPage, 400: schemas.Error}, url_name="days",
         summary="Journées de concertation publiées (filtres de l’agenda)")
def days(request: HttpRequest, region: str = "", department: str = "", theme: str = "",
         start: str = "", end: str = "", cursor: str = "", limit: int = PAGE_DEFAULT):
    """Dans l’ordre des dates. `region` et `department` : codes officiels ; `theme` :
    identifiant d’un thème ; `start`, `end` : dates AAAA-MM-JJ."""
    form = AgendaFilterForm({"region": region, "department": department, "theme": theme,
                             "start": start, "end": end})
    if not form.is_valid():
        raise _form_errors(form)
    rows, following = keyset_page(form.filter(_public_days()), DAY_ORDER, cursor or None,
                                  _limit(limit))
    return {"results": [_day_summary(e) for e in rows], "next": next_url(request, following)}


def _restitution(event: Event) -> list[dict]:
    return [{"workshop": title,
             "work_leads": [{"id": lead.pk, "text": lead.text, "agree": lead.agree_count,
                             "disagree": lead.disagree_count, "passed": lead.pass_count,
                             "merged_from": [s.pk for s in lead.merged_sources.all()]}
                            for lead in leads]}
            for title, leads, _priority in work_leads(event)]


@api.get("/v1/days/{slug}/", response={200: schemas.Day, 400: schemas.Error,
                   404: schemas.Error}, url_name="day",
         summary="Une journée : programme, ateliers, restitution publiée")
def day(request: HttpRequest, slug: str):
    event = get_object_or_404(_public_days(), slug=slug)
    published = event.state == EventState.RESTITUTION_PUBLISHED
    return {
        **_day_summary(event),
        "summary": event.summary, "venue_name": event.venue_name,
        "venue_address": event.venue_address, "venue_postcode": event.venue_postcode,
        "plenary_title": event.plenary_title, "plenary_description": event.plenary_description,
        "themes": [t.title for t in event.themes.all()],
        "talks": [{"title": t.title, "speakers": t.speakers, "starts_at": _time(t.starts_at)}
                  for t in event.talks.all()],
        "workshops": [{"id": w.pk, "title": w.title, "description": w.description,
                       "theme": w.theme.title if w.theme else None,
                       "starts_at": _time(w.starts_at), "ends_at": _time(w.ends_at)}
                      for w in event.workshops.select_related("theme")],
        "restitution": _restitution(event) if published else None,
    }


# Contributions -----------------------------------------------------------------------------

def _contribution(c: Contribution) -> dict:
    return {
        "id": c.pk, "title": c.title, "text": c.text, "state": c.state,
        "state_label": c.get_state_display(), "origin": c.origin,
        "campaign": c.campaign.title, "theme": c.theme.title if c.theme else None,
        "day_slug": c.event.slug if c.event else None,
        "workshop": c.workshop.title if c.workshop else None,
        "department_code": c.department.code if c.department else None,
        "health_territory": c.health_territory.name if c.health_territory else None,
        "college": c.college, "agree": c.agree_count, "disagree": c.disagree_count,
        "passed": c.pass_count, "merged_into": c.merged_into_id, "created_at": c.created_at,
        "url": _absolute(reverse("contributions:detail", args=[c.pk])),
    }


_RELATED = ("campaign", "theme", "event", "workshop", "department", "health_territory")


@api.get("/v1/contributions/", response={200: schemas.ContributionPage, 400: schemas.Error},
         url_name="contributions",
         summary="Contributions publiées (filtres, recherche et tris de la liste publique)")
def contributions(request: HttpRequest, q: str = "", campaign: str = "", theme: str = "",
                  territory: str = "", event: str = "", college: str = "", state: str = "",
                  sort: str = "recentes", cursor: str = "", limit: int = PAGE_DEFAULT):
    """`q` : recherche plein texte en français ; `campaign`, `theme`, `territory`, `event` :
    identifiants ; `sort` : `recentes`, `soutenues` ou `consensuelles`."""
    form = ContributionFilterForm({"q": q, "campaign": campaign, "theme": theme,
                                   "territory": territory, "event": event,
                                   "college": college, "state": state, "sort": sort})
    if not form.is_valid():
        raise _form_errors(form)
    ordering = SORTS[form.cleaned_data.get("sort") or "recentes"][1]
    # The page's ids first, then their rows, then what they name by id, as the public list
    # does: PostgreSQL plans a six-table join (the contributions table has twenty indexes)
    # longer than it runs these plain queries.
    ids, following = keyset_page(form.results().select_related(None)
                                 .only(*[o.lstrip("-") for o in ordering]),
                                 ordering, cursor or None, _limit(limit))
    rows = Contribution.objects.prefetch_related(*_RELATED).in_bulk([c.pk for c in ids])
    return {"results": [_contribution(rows[c.pk]) for c in ids],
            "next": next_url(request, following)}


@api.get("/v1/contributions/{contribution_id}/",
         response={200: schemas.Contribution, 400: schemas.Error,
                   404: schemas.Error}, url_name="contribution",
         summary="Une contribution publiée (ou fusionnée dans une autre)")
def contribution(request: HttpRequest, contribution_id: int):
    if not 0 < contribution_id < 2**63:
        raise Http404
    return _contribution(get_object_or_404(
        Contribution.objects.public().prefetch_related(*_RELATED), pk=contribution_id))


# Syntheses ---------------------------------------------------------------------------------

def _synthesis_summary(s: Synthesis) -> dict:
    return {"slug": s.slug, "title": s.title, "level": s.level, "state": s.state,
            "campaign": s.campaign.title, "region_code": s.region.code if s.region else None,
            "transmitted_at": s.transmitted_at,
            "url": _absolute(reverse("synthesis:detail", args=[s.slug]))}


@api.get("/v1/syntheses/", response={200: schemas.SynthesisPage, 400: schemas.Error},
         url_name="syntheses", summary="Synthèses publiées (validées ou transmises)")
def syntheses(request: HttpRequest, cursor: str = "", limit: int = PAGE_DEFAULT):
    rows, following = keyset_page(Synthesis.objects.published()
                                  .select_related("campaign", "region"),
                                  SYNTHESIS_ORDER, cursor or None, _limit(limit))
    return {"results": [_synthesis_summary(s) for s in rows],
            "next": next_url(request, following)}


def _proposal(p: report.Proposal) -> dict:
    d, prov = p.decision, p.provenance
    return {
        "number": p.number, "title": p.title, "text": p.text,
        "theme": p.group.theme.title if p.group.theme else None,
        "decision": {"outcome": d.outcome, "outcome_label": d.get_outcome_display(),
                     "votes_for": d.votes_for, "votes_against": d.votes_against,
                     "abstentions": d.abstentions, "original_text": d.original_text}
        if d else None,
        "provenance": {"contributions": prov.contributions, "merged": prov.merged,
                       "online": prov.online, "participants": prov.participants,
                       "days": len(prov.days),
                       "colleges": {c.code: c.participants for c in prov.colleges}},
    }


@api.get("/v1/syntheses/{slug}/", response={200: schemas.Synthesis, 400: schemas.Error,
                   404: schemas.Error},
         url_name="synthesis",
         summary="Une synthèse publiée : propositions, décisions de la CRSA, provenance")
def synthesis(request: HttpRequest, slug: str):
    found = get_object_or_404(Synthesis.objects.published(), slug=slug)
    data = report.collect(found)
    proposals = [p for section in data.themes for p in section.proposals] + data.others
    return {**_synthesis_summary(data.synthesis),
            "proposals": [_proposal(p) for p in sorted(proposals, key=lambda p: p.number)]}


# Projects ----------------------------------------------------------------------------------

def _project_summary(p: Project) -> dict:
    return {"slug": p.slug, "title": p.title, "summary": p.summary, "state": p.state,
            "state_label": p.get_state_display(), "region_code": p.region.code,
            "health_territory": p.health_territory.name if p.health_territory else None,
            "themes": [t.title for t in p.themes.all()], "progress": p.progress,
            "url": _absolute(p.get_absolute_url())}


@api.get("/v1/projects/", response={200: schemas.ProjectPage, 400: schemas.Error},
         url_name="projects", summary="Projets labellisés, avec leur avancement")
def projects(request: HttpRequest, cursor: str = "", limit: int = PAGE_DEFAULT):
    rows, following = keyset_page(Project.objects.public().for_listing(), PROJECT_ORDER,
                                  cursor or None, _limit(limit))
    return {"results": [_project_summary(p) for p in rows], "next": next_url(request, following)}


@api.get("/v1/projects/{slug}/", response={200: schemas.Project, 400: schemas.Error,
                   404: schemas.Error},
         url_name="project", summary="Un projet labellisé et ses jalons")
def project(request: HttpRequest, slug: str):
    found = get_object_or_404(
        Project.objects.public().select_related("region", "health_territory")
        .prefetch_related("themes", "milestones"),
        slug=slug)
    return {**_project_summary(found), "lead_organisation": found.lead_organisation,
            "co_pilots": found.co_pilot_list, "partners": found.partner_list,
            "milestones": [{"key": m.key, "title": m.title, "description": m.description,
                            "status": m.status, "status_label": m.get_status_display(),
                            "planned_date": m.planned_date, "actual_date": m.actual_date,
                            "weight": m.weight} for m in found.milestones.all()]}


# Organisers (an API token) -----------------------------------------------------------------

from concertation.api.organiser import router as organiser_router  # noqa: E402

api.add_router("/v1/organiser/", organiser_router)
