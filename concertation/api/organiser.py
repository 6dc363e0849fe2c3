"""The organisers' endpoints, `/api/v1/organiser/`: what an organiser's tools automate — a
day's registrations (list and export), check-ins at the door, the milestone sheet import.

Each request carries an API token (`Authorization: Bearer cct_…`, made on « Jetons d’API »
in the back-office, `tokens.py`) and acts as its owner, through the back-office's own
mechanism: days are fetched with `Event.objects.within(scope)` (another's day is a 404), and
writes go through the same services as the back-office's pages
(`registrations.services.set_checked_in`, `projects.services.import_sheet`), which check the
scope again. Nothing here is cached: `api/middleware.py` lets these answers through."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.security import HttpBearer

from concertation.accounts.scope import Scope
from concertation.api import schemas, tokens
from concertation.api.models import ApiToken
from concertation.api.pagination import keyset_page, next_url
from concertation.core import tabular
from concertation.events.models import Event
from concertation.projects import imports
from concertation.projects import services as projects
from concertation.registrations import exports
from concertation.registrations import services as registrations
from concertation.registrations.models import Registration, RegistrationStatus

PAGE_DEFAULT, PAGE_MAX = 100, 500


class OrganiserToken(HttpBearer):
    """`Authorization: Bearer cct_…`: the token's owner and scope on the request."""

    openapi_description = ("Jeton d’API d’un organisateur (« Jetons d’API » dans l’espace "
                           "organisateur) : `Authorization: Bearer cct_…`. Il agit avec les "
                           "droits de son titulaire, lus à chaque requête.")

    def authenticate(self, request: HttpRequest, token: str):
        found = tokens.authenticate(request, token)
        if found is None:
            return None
        request.api_token, request.scope = found  # type: ignore[attr-defined]
        return found[0]


class TokenRequest(HttpRequest):
    """What an operation behind `OrganiserToken` receives (an annotation only): `auth` is the
    token that ninja's authentication returned, `scope` its owner's rights."""

    auth: ApiToken
    api_token: ApiToken
    scope: Scope


router = Router(auth=OrganiserToken(), tags=["organisateurs"])

AUTH_ERRORS = {401: schemas.Error, 403: schemas.Error}


def _limit(limit: int) -> int:
    return max(1, min(limit, PAGE_MAX))


def _day(request: HttpRequest, day_id: int) -> Event:
    if not 0 < day_id < 2**63:
        raise Http404
    return get_object_or_404(Event.objects.within(request.scope)  # type: ignore[attr-defined]
                             .select_related("department", "health_territory", "campaign"),
                             pk=day_id)


@router.get("/days/", response={200: schemas.OrganiserDayPage, 400: schemas.Error,
                                **AUTH_ERRORS},
            url_name="organiser_days", summary="Les journées que gère le titulaire du jeton")
def days(request: HttpRequest, cursor: str = "", limit: int = PAGE_DEFAULT):
    """Toutes, brouillons compris, dans l’ordre des dates."""
    rows, following = keyset_page(
        Event.objects.within(request.scope)  # type: ignore[attr-defined]
        .select_related("department", "health_territory"),
        ["date", "id"], cursor or None, _limit(limit))
    return {"results": [{"id": e.pk, "slug": e.slug, "title": e.title, "state": e.state,
                         "date": e.date, "department_code": e.department.code,
                         "health_territory": e.health_territory.name
                         if e.health_territory else None,
                         "capacity": e.capacity, "seats_taken": e.seats_taken}
                        for e in rows],
            "next": next_url(request, following)}


def _registrations(event: Event, status: str = ""):
    rows = (Registration.objects.filter(event=event, anonymised_at__isnull=True)
            .select_related("event__campaign").prefetch_related("workshops"))
    return rows.filter(status=status) if status else rows


def _registration(r: Registration) -> dict:
    return {"id": r.pk, "code": r.code, "status": r.status,
            "status_label": r.get_status_display(), "first_name": r.first_name,
            "last_name": r.last_name, "email": r.email, "phone": r.phone,
            "organisation": r.organisation, "college": r.college,
            "college_label": r.college_label, "workshops": [w.pk for w in r.workshops.all()],
            "source": r.source, "created_at": r.created_at, "checked_in_at": r.checked_in_at,
            "consent_mailings": r.consent_mailings}


def _status(status: str) -> str:
    from django.core.exceptions import ValidationError

    if status and status not in RegistrationStatus.values:
        raise ValidationError("status : valeur inconnue (attendu : "
                              + ", ".join(RegistrationStatus.values) + ").")
    return status


@router.get("/days/{day_id}/registrations/",
            response={200: schemas.RegistrationPage, 400: schemas.Error, 404: schemas.Error,
                      **AUTH_ERRORS},
            url_name="organiser_registrations", summary="Les inscriptions d’une journée")
def registration_list(request: HttpRequest, day_id: int, status: str = "", cursor: str = "",
                      limit: int = PAGE_DEFAULT):
    """Dans l’ordre des inscriptions ; `status` : `confirmed`, `waitlisted` ou `cancelled`.
    Les inscriptions anonymisées (journée passée depuis longtemps) n’y sont plus."""
    event = _day(request, day_id)
    rows, following = keyset_page(_registrations(event, _status(status)),
                                  ["created_at", "id"], cursor or None, _limit(limit))
    return {"results": [_registration(r) for r in rows], "next": next_url(request, following)}


FILE_RESPONSES = {200: {"description": "Le fichier, comme l’export de l’espace organisateur",
                        "content": {"text/csv": {"schema": {"type": "string"}},
                                    tabular.CONTENT_TYPES["xlsx"]: {
                                        "schema": {"type": "string", "format": "binary"}}}}}


@router.get("/days/{day_id}/registrations/export",
            response={400: schemas.Error, 404: schemas.Error, **AUTH_ERRORS},
            url_name="organiser_registrations_export",
            summary="Export des inscriptions d’une journée (CSV ou XLSX)",
            openapi_extra={"responses": FILE_RESPONSES})
def registration_export(request: TokenRequest, day_id: int, format: str = "csv",
                        status: str = ""):
    """Les colonnes de l’export de l’espace organisateur ; `format` : `csv` ou `xlsx`.
    Chaque export est inscrit au journal des exports de la journée."""
    from django.core.exceptions import ValidationError

    event = _day(request, day_id)
    if format not in ("csv", "xlsx"):
        raise ValidationError("format : csv ou xlsx.")
    rows = list(_registrations(event, _status(status))
                .order_by("last_name", "first_name", "id"))
    exports.log_export(user=request.auth.user, event=event, rows=len(rows),
                       what=f"Liste des inscriptions ({format.upper()}, API)",
                       filename=f"inscriptions-{event.slug}.{format}")
    content = exports.to_csv(rows) if format == "csv" else exports.to_xlsx(event, rows)
    response = HttpResponse(content, content_type=tabular.CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="inscriptions-{event.slug}.{format}"'
    return response


@router.post("/days/{day_id}/check-ins/",
             response={200: schemas.Registration, 400: schemas.Error, 404: schemas.Error,
                       **AUTH_ERRORS},
             url_name="organiser_check_in", summary="Enregistrer (ou annuler) une arrivée")
def check_in(request: TokenRequest, day_id: int, body: schemas.CheckIn):
    """Par le code d’inscription ; une arrivée déjà enregistrée garde son heure."""
    event = _day(request, day_id)
    registration = get_object_or_404(Registration, event=event,
                                     code=body.code.strip().upper())
    done = registrations.set_checked_in(registration, present=body.present,
                                        user=request.auth.user)
    return _registration(_registrations(event).get(pk=done.pk))


@router.post("/milestones/import",
             response={200: schemas.ImportResult, 400: schemas.ImportErrors, **AUTH_ERRORS},
             url_name="organiser_milestones_import",
             summary="Importer une feuille de jalons (CSV ou XLSX)")
def milestones_import(request: TokenRequest, sheet: File[UploadedFile]):
    """La feuille de l’espace organisateur (« Importer une feuille de jalons »), en
    `multipart/form-data`, champ `sheet` : tout ou rien ; une ligne incorrecte, et rien
    n’est importé (la liste des erreurs est rendue)."""
    try:
        rows = imports.read_sheet(sheet.name or "", sheet.read())
    except imports.SheetError as error:
        return Status(400, {"detail": str(error), "errors": [str(error)]})
    log, errors = projects.import_sheet(scope=request.scope,
                                        user=request.auth.user,
                                        filename=sheet.name or "", rows=rows)
    if log is None:
        return Status(400, {"detail": f"Rien n’a été importé : {len(errors)} ligne(s) à "
                            "corriger.", "errors": errors})
    return {"created": log.created, "updated": log.updated, "unchanged": log.unchanged,
            "transitions": log.transitions}
