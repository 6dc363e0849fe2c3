"""Who may reach what: every URL pattern of the project, requested as every role.

The URL configuration is walked, not listed by hand: a pattern without a row in `MATRIX`
fails `test_every_url_pattern_has_a_row`, so a new view cannot ship unchecked. Each row names
how to build the URL's arguments from one world (objects of territory A: Eure-et-Loir, in
Centre-Val de Loire) and the expected outcome for each role. Requests that write run inside a
transaction rolled back afterwards, so that each one meets the same world."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from concertation.accounts.models import OrganiserMembership, Role
from concertation.analysis_runs.models import AnalysisRun
from concertation.api import tokens
from concertation.api.models import ApiToken, WebhookEndpoint
from concertation.contributions import services as contributions
from concertation.contributions.models import Comment, Facilitation, PriorityVote
from concertation.events.models import Document
from concertation.national.models import Transmission
from concertation.projects import tokens as project_tokens
from concertation.projects.models import Follower, Milestone
from concertation.registrations import tokens as registration_tokens
from concertation.registrations.models import Registration
from concertation.registrations.services import register
from concertation.synthesis.models import Decision, Package
from concertation.territories.models import Agency
from tests.factories import (
    CampaignFactory,
    ContributionFactory,
    EventFactory,
    ProjectFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    UserFactory,
    WorkshopFactory,
    agency_organiser,
    applicant,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "account", "facilitator", "cts_a", "cts_b", "ars_a", "ars_b",
         "national", "moderator_a", "crsa_a")

# Outcomes, as `outcome()` reads a response.
OK, LOGIN, DENIED, HIDDEN = "ok", "login", "403", "404"


def everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


def only(allowed: tuple[str, ...], *, others: str, anonymous: str = LOGIN,
         **specific: str) -> dict[str, str]:
    expected = {role: OK if role in allowed else others for role in ROLES}
    expected["anonymous"] = anonymous
    expected.update(specific)
    return expected


ORGANISERS = ("cts_a", "cts_b", "ars_a", "ars_b")
NOT_ORGANISERS = {"account": DENIED, "facilitator": DENIED, "national": DENIED,
                  "moderator_a": DENIED, "crsa_a": DENIED}

PUBLIC = everyone(OK)
SIGNED_IN = {**everyone(OK), "anonymous": LOGIN}
# A list or creation page of the back-office: any organiser, their own rows.
ORGANISER_PAGE = only(ORGANISERS, others=DENIED)
# An object of territory A: its CTS and its region's ARS; hidden from other organisers.
TERRITORY_A = only(("cts_a", "ars_a"), others=HIDDEN, **NOT_ORGANISERS)
# A regional object of region A (a regional synthesis): the ARS alone among organisers.
REGION_A = only(("ars_a",), others=HIDDEN, **NOT_ORGANISERS)
# A workshop of day A: its facilitator and the day's organisers; hidden from everyone else.
WORKSHOP_A = only(("facilitator", "cts_a", "ars_a"), others=HIDDEN)
MODERATION_PAGE = only((*ORGANISERS, "moderator_a"), others=DENIED)
MODERATION_A = only(("cts_a", "ars_a", "moderator_a"), others=HIDDEN, account=DENIED,
                    facilitator=DENIED, national=DENIED, crsa_a=DENIED)
# Recording the CRSA's decisions on region A's synthesis.
DECISION_A = only(("ars_a", "crsa_a"), others=HIDDEN, account=DENIED, facilitator=DENIED,
                  national=DENIED, moderator_a=DENIED)
# Reading a package of region A's synthesis (a draft here: never the national level's).
PACKAGE_A = only(("ars_a", "crsa_a"), others=HIDDEN, account=DENIED, facilitator=DENIED,
                 moderator_a=DENIED)
SYNTHESIS_LIST = only((*ORGANISERS, "national", "crsa_a"), others=DENIED)
# Where people land after signing in: each role is sent to its own page.
BACKOFFICE_HOME = only((*ORGANISERS, "facilitator", "national", "moderator_a", "crsa_a"),
                       others=DENIED)
MY_WORKSHOPS = only((*ORGANISERS, "facilitator"), others=DENIED)
# The national space: the national secretariat alone.
NATIONAL_ONLY = only(("national",), others=DENIED)


@dataclass
class World:
    campaign: object
    day: object
    workshop: object
    document: object
    registration_token: str
    contribution: object
    online: object
    pending: object
    merge: object
    priority_vote: object
    project: object
    milestone: object
    follower: object
    synthesis: object
    group: object
    published: object
    package: object
    run: object
    facilitation: object
    transmission: object
    transmitted_group: object
    users: dict


def build_world() -> World:
    territory_a, territory_b = make_territory("28"), make_territory("69")
    department = territory_a.departments.first()
    campaign = CampaignFactory(online_open=True)
    day = EventFactory(campaign=campaign, health_territory=territory_a, department=department,
                       open=True)
    workshop = WorkshopFactory(event=day)
    document = Document.objects.create(
        event=day, title="Programme", size=15,
        file=SimpleUploadedFile("programme.pdf", b"%PDF-1.4\n%%EOF\n"))
    registration = register(event=day, applicant=applicant(email="inscrite@example.org"),
                            workshops=[]).registration
    entries = [contributions.capture(workshop=workshop, user=None, text=text,
                                     client_id=f"m{i}").contribution
               for i, text in enumerate(["Un médecin traitant pour chacun",
                                         "Un médecin traitant pour tous",
                                         "Des maisons de santé en zone rurale"])]
    merge = contributions.merge(target=entries[0], sources=[entries[1]], user=None,
                                reason="Doublon")
    online = ContributionFactory(campaign=campaign, event=None, origin="online",
                                 department=department, health_territory=territory_a,
                                 author=UserFactory())
    pending = ContributionFactory(campaign=campaign, event=None, origin="online",
                                  department=department, health_territory=territory_a,
                                  state="submitted", author=UserFactory())
    Comment.objects.create(contribution=online, text="Je soutiens.", author=UserFactory())
    priority_vote = PriorityVote.objects.create(workshop=workshop, points=10)
    project = ProjectFactory(health_territory=territory_a, in_progress=True)
    milestone = Milestone.objects.create(
        project=project, key="ouverture", title="Ouverture", weight=1, status="done",
        evidence_file=SimpleUploadedFile("preuve.pdf", b"%PDF-1.4\n%%EOF\n"))
    follower = Follower.objects.create(project=project, email="suit@example.org",
                                       source="form", confirmed_at=timezone.now())
    region = territory_a.region
    synthesis = SynthesisFactory(campaign=campaign, level="region", region=region)
    group = SynthesisGroupFactory(synthesis=synthesis, accepted=True)
    published = SynthesisFactory(campaign=campaign, level="region", region=region,
                                 state="validated", is_public=True)
    package = Package.objects.create(synthesis=synthesis, revision=0, status="done",
                                     files={}, finished_at=timezone.now())
    run = AnalysisRun.objects.create(campaign=campaign, event=day, engine_version="test",
                                     parameters={"groups": None, "seed": 0})

    # Region A's transmitted edition, in the national inbox, with one adopted proposal.
    sent = SynthesisFactory(campaign=campaign, level="region", region=region,
                            state="transmitted", transmitted_at=timezone.now())
    transmitted_group = SynthesisGroupFactory(synthesis=sent, accepted=True)
    Decision.objects.create(group=transmitted_group, outcome="adopted", votes_for=10,
                            votes_against=1, abstentions=0, original_text=transmitted_group.text)
    transmission = Transmission.objects.create(synthesis=sent)

    facilitator = UserFactory()
    facilitation = Facilitation.objects.create(user=facilitator, workshop=workshop)
    national, moderator, crsa = UserFactory(), UserFactory(), UserFactory()
    OrganiserMembership.objects.create(user=national, role=Role.NATIONAL)
    OrganiserMembership.objects.create(user=moderator, council=territory_a.council,
                                       role=Role.MODERATOR)
    OrganiserMembership.objects.create(user=crsa, agency=Agency.objects.get(region=region),
                                       role=Role.CRSA)
    users = {"anonymous": None, "account": UserFactory(), "facilitator": facilitator,
             "cts_a": organiser_of(territory_a), "cts_b": organiser_of(territory_b),
             "ars_a": agency_organiser("24"), "ars_b": agency_organiser("84"),
             "national": national, "moderator_a": moderator, "crsa_a": crsa}
    return World(campaign=campaign, day=day, workshop=workshop, document=document,
                 registration_token=registration_tokens.make_token(registration),
                 contribution=entries[0], online=online, pending=pending, merge=merge,
                 priority_vote=priority_vote, project=project, milestone=milestone,
                 follower=follower, synthesis=synthesis, group=group, published=published,
                 package=package, run=run, facilitation=facilitation,
                 transmission=transmission, transmitted_group=transmitted_group, users=users)


Args = Callable[[World], dict]


def none(w: World) -> dict:
    return {}


def day(w: World) -> dict:
    return {"pk": w.day.pk}


def day_slug(w: World) -> dict:
    return {"slug": w.day.slug}


def token(w: World) -> dict:
    return {"token": w.registration_token}


def workshop(w: World) -> dict:
    return {"pk": w.workshop.pk}


def project(w: World) -> dict:
    return {"pk": w.project.pk}


def synthesis(w: World) -> dict:
    return {"pk": w.synthesis.pk}


def campaign(w: World) -> dict:
    return {"slug": w.campaign.slug}


@dataclass(frozen=True)
class Row:
    args: Args
    expected: dict[str, str]
    methods: tuple[str, ...] = ("GET",)
    # Where a POST is answered otherwise than the GET of the same page.
    expected_post: dict[str, str] | None = None
    # The organisers' API: each role sends an API token of its own (none for anonymous)
    # instead of a session, and a POST sends this JSON body.
    bearer: bool = False
    body: Callable[[World], dict] | None = None


def api_token(user) -> str:
    """A token of `user`, made as the token page does (whatever the user's role: an account
    that held one before losing its role is refused with a 403)."""
    raw = f"cct_matrice{user.pk}"
    ApiToken.objects.get_or_create(user=user, token_hash=tokens._hash(raw),
                                   defaults={"name": "Matrice", "prefix": raw[:10]})
    return raw


def cts_a_token(w: World) -> dict:
    token = ApiToken.objects.filter(user=w.users["cts_a"], name="Matrice").first()
    if token is None:
        api_token(w.users["cts_a"])
        token = ApiToken.objects.get(user=w.users["cts_a"], name="Matrice")
    return {"pk": token.pk}


def cts_a_endpoint(w: World) -> dict:
    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        user=w.users["cts_a"], url="https://outil.example.org/hooks",
        defaults={"events": ["registration.created"], "secret": "s" * 64})
    return {"pk": endpoint.pk}


def registration_code(w: World) -> dict:
    return {"code": Registration.objects.filter(event=w.day).first().code}


GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")

MATRIX: dict[str, Row] = {
    # Public pages: the same for everyone.
    "healthz": Row(none, PUBLIC),
    "readyz": Row(none, PUBLIC),
    "front:home": Row(none, PUBLIC),
    "front:accessibility": Row(none, PUBLIC),
    "front:legal": Row(none, PUBLIC),
    "events:agenda": Row(none, PUBLIC),
    "events:agenda_ics": Row(none, PUBLIC),
    "events:region_ics": Row(lambda w: {"region_code": w.day.department.region.code}, PUBLIC),
    "events:detail": Row(day_slug, PUBLIC),
    "events:ics": Row(day_slug, PUBLIC),
    "events:document": Row(lambda w: {"slug": w.day.slug, "pk": w.document.pk,
                                      "filename": w.document.file.name.rsplit("/", 1)[-1]},
                           PUBLIC),
    "registrations:register": Row(day_slug, PUBLIC, BOTH),
    "registrations:submitted": Row(day_slug, PUBLIC),
    "registrations:resend": Row(day_slug, PUBLIC, POST),
    "registrations:privacy": Row(none, PUBLIC),
    # A registration's own pages: its signed link is the credential, whoever holds it.
    "registrations:manage": Row(token, PUBLIC, BOTH),
    "registrations:cancel": Row(token, PUBLIC, POST),
    "registrations:mailings_consent": Row(token, PUBLIC, POST),
    "registrations:accept_offer": Row(token, PUBLIC, POST),
    "registrations:download": Row(token, PUBLIC),
    # Not checked in in this world: refused with its reason (409), to anyone holding the link.
    "registrations:certificate": Row(token, PUBLIC),
    "registrations:optout": Row(lambda w: {"token": registration_tokens.optout_url(
        registration_tokens.read_token(w.registration_token)).rsplit("/", 2)[1]}, PUBLIC, BOTH),
    "registrations:erase": Row(token, PUBLIC, POST),
    "contributions:vote_page": Row(token, PUBLIC),
    "contributions:vote": Row(lambda w: {"token": w.registration_token,
                                         "contribution_pk": w.contribution.pk}, PUBLIC, POST),
    "contributions:priority_participant": Row(
        lambda w: {"token": w.registration_token, "vote_pk": w.priority_vote.pk}, PUBLIC, BOTH),
    "contributions:list": Row(none, PUBLIC),
    "contributions:export": Row(lambda w: {"fmt": "csv"}, PUBLIC),
    "contributions:detail": Row(lambda w: {"pk": w.online.pk}, PUBLIC),
    "contributions:campaign": Row(campaign, PUBLIC),
    "contributions:similar": Row(campaign, PUBLIC),
    "contributions:priority_results": Row(workshop, PUBLIC),
    # Participation with an account (signed in by e-mail link).
    "contributions:online_vote": Row(lambda w: {"pk": w.online.pk}, SIGNED_IN, POST),
    "contributions:comment": Row(lambda w: {"pk": w.online.pk}, SIGNED_IN, POST),
    "contributions:report": Row(lambda w: {"pk": w.online.pk}, SIGNED_IN, POST),
    "contributions:contribute": Row(campaign, SIGNED_IN, BOTH),
    "contributions:priority_account": Row(lambda w: {"vote_pk": w.priority_vote.pk},
                                          SIGNED_IN, BOTH),
    "synthesis:index": Row(none, PUBLIC),
    "synthesis:detail": Row(lambda w: {"slug": w.published.slug}, PUBLIC),
    # No package built for the published synthesis: the same 404 for everyone.
    "synthesis:download": Row(lambda w: {"slug": w.published.slug, "kind": "pdf"},
                              everyone(HIDDEN)),
    "projects:list": Row(none, PUBLIC),
    "dashboards:public": Row(none, PUBLIC),
    "dashboards:public_export": Row(lambda w: {"fmt": "csv"}, PUBLIC),
    "projects:open_data_page": Row(none, PUBLIC),
    "opendata:index": Row(none, PUBLIC),
    "opendata:catalogue": Row(none, PUBLIC),
    "opendata:download": Row(lambda w: {"name": "contributions"}, PUBLIC),
    "opendata:schema": Row(lambda w: {"name": "concertation-journees"}, PUBLIC),
    "projects:open_data": Row(lambda w: {"name": "projets.csv"}, PUBLIC),
    "projects:confirm": Row(lambda w: {"token": project_tokens.confirm_url(w.follower)
                                       .rstrip("/").rsplit("/", 1)[-1]}, PUBLIC, BOTH),
    "projects:unsubscribe": Row(lambda w: {"token": project_tokens.unsubscribe_url(
        w.follower, absolute=False).rstrip("/").rsplit("/", 1)[-1]}, PUBLIC, BOTH),
    "projects:detail": Row(lambda w: {"slug": w.project.slug}, PUBLIC),
    # The public API: read-only, the same answers for everyone (tests/api).
    "api:api-root": Row(none, PUBLIC),
    "api:openapi-json": Row(none, PUBLIC),
    "api:openapi-view": Row(none, PUBLIC),
    "api:regions": Row(none, PUBLIC),
    "api:departments": Row(none, PUBLIC),
    "api:health_territories": Row(none, PUBLIC),
    "api:days": Row(none, PUBLIC),
    "api:day": Row(day_slug, PUBLIC),
    "api:contributions": Row(none, PUBLIC),
    "api:contribution": Row(lambda w: {"contribution_id": w.online.pk}, PUBLIC),
    "api:syntheses": Row(none, PUBLIC),
    "api:synthesis": Row(lambda w: {"slug": w.published.slug}, PUBLIC),
    "api:projects": Row(none, PUBLIC),
    "api:project": Row(lambda w: {"slug": w.project.slug}, PUBLIC),
    # The organisers' API, with an API token each (tests/api/test_organiser.py).
    "api:organiser_days": Row(none, ORGANISER_PAGE, bearer=True),
    "api:organiser_registrations": Row(lambda w: {"day_id": w.day.pk}, TERRITORY_A,
                                       bearer=True),
    "api:organiser_registrations_export": Row(lambda w: {"day_id": w.day.pk}, TERRITORY_A,
                                              bearer=True),
    "api:organiser_check_in": Row(lambda w: {"day_id": w.day.pk}, TERRITORY_A, POST,
                                  bearer=True, body=registration_code),
    # No sheet: any organiser gets the French 400; the sheet's rows are checked within the
    # scope by the import service (tests/api/test_organiser.py).
    "api:organiser_milestones_import": Row(none, ORGANISER_PAGE, POST, bearer=True),
    # An organiser's own API tokens; another's is not found.
    "api_backoffice:tokens": Row(none, ORGANISER_PAGE, BOTH),
    "api_backoffice:token_revoke": Row(cts_a_token, only(("cts_a",), others=HIDDEN,
                                                         **NOT_ORGANISERS), POST),
    # An organiser's own webhook endpoints; another's is not found.
    "api_backoffice:webhooks": Row(none, ORGANISER_PAGE, BOTH),
    "api_backoffice:webhook": Row(cts_a_endpoint, only(("cts_a",), others=HIDDEN,
                                                       **NOT_ORGANISERS)),
    "api_backoffice:webhook_delete": Row(cts_a_endpoint, only(("cts_a",), others=HIDDEN,
                                                              **NOT_ORGANISERS), POST),
    "projects:follow": Row(lambda w: {"slug": w.project.slug}, PUBLIC, POST),
    "projects:evidence": Row(lambda w: {
        "slug": w.project.slug, "pk": w.milestone.pk,
        "filename": w.milestone.evidence_file.name.rsplit("/", 1)[-1]}, PUBLIC),
    # Facilitators.
    "contributions:my_workshops": Row(none, MY_WORKSHOPS),
    "contributions:capture": Row(workshop, WORKSHOP_A),
    "contributions:capture_submit": Row(workshop, WORKSHOP_A, POST),
    "contributions:capture_edit": Row(lambda w: {"pk": w.workshop.pk,
                                                 "contribution_pk": w.contribution.pk},
                                      WORKSHOP_A, POST),
    # Without confirm=1 the allowed roles get the confirmation page (200), nothing withdrawn.
    "contributions:capture_delete": Row(lambda w: {"pk": w.workshop.pk,
                                                   "contribution_pk": w.contribution.pk},
                                        WORKSHOP_A, POST),
    # The matrix's entry is published, not withdrawn: the refusal comes back to the page (302).
    "contributions:capture_restore": Row(lambda w: {"pk": w.workshop.pk,
                                                    "contribution_pk": w.contribution.pk},
                                         WORKSHOP_A, POST),
    # The wall of the room: opened from the facilitator's or organiser's laptop.
    "contributions:projector": Row(workshop, WORKSHOP_A),
    "contributions:priority_manage": Row(workshop, WORKSHOP_A, BOTH),
    "contributions:priority_close": Row(lambda w: {"pk": w.workshop.pk,
                                                   "vote_pk": w.priority_vote.pk},
                                        WORKSHOP_A, POST),
    # Back-office: days, registrations, contributions.
    "backoffice:home": Row(none, BACKOFFICE_HOME),
    "backoffice:create": Row(none, ORGANISER_PAGE, BOTH),
    "backoffice:manage": Row(day, TERRITORY_A),
    "backoffice:edit": Row(day, TERRITORY_A, BOTH),
    "backoffice:programme": Row(day, TERRITORY_A, BOTH),
    "backoffice:duplicate": Row(day, TERRITORY_A, BOTH),
    "backoffice:change_state": Row(day, TERRITORY_A, POST),
    "backoffice:add_document": Row(day, TERRITORY_A, POST),
    "backoffice:delete_document": Row(lambda w: {"pk": w.day.pk, "document_pk": w.document.pk},
                                      TERRITORY_A, POST),
    "registrations_backoffice:list": Row(day, TERRITORY_A),
    "registrations_backoffice:export": Row(lambda w: {"pk": w.day.pk, "fmt": "csv"},
                                           TERRITORY_A),
    "registrations_backoffice:add": Row(day, TERRITORY_A, BOTH),
    "registrations_backoffice:attendance_sheet": Row(day, TERRITORY_A),
    "registrations_backoffice:badges": Row(day, TERRITORY_A),
    "registrations_backoffice:certificates": Row(day, TERRITORY_A),
    "registrations_backoffice:settings": Row(day, TERRITORY_A, BOTH),
    "registrations_backoffice:accessibility_needs": Row(day, TERRITORY_A),
    "registrations_backoffice:check_in": Row(day, TERRITORY_A),
    "registrations_backoffice:check_in_mark": Row(day, TERRITORY_A, POST),
    # The door's devices: the page (and its walk-in form), the list it keeps, its sync.
    "registrations_backoffice:door": Row(day, TERRITORY_A, BOTH),
    "registrations_backoffice:door_list": Row(day, TERRITORY_A),
    "registrations_backoffice:door_sync": Row(day, TERRITORY_A, POST),
    "registrations_backoffice:participation": Row(day, TERRITORY_A),
    "registrations_backoffice:questions": Row(day, TERRITORY_A, BOTH),
    "registrations_backoffice:mailings": Row(day, TERRITORY_A, BOTH),
    "registrations_backoffice:mailing_cancel": Row(day, TERRITORY_A, POST),
    "contributions_backoffice:moderation": Row(none, MODERATION_PAGE),
    "contributions_backoffice:moderate": Row(lambda w: {"contribution_pk": w.pending.pk},
                                             MODERATION_A, POST),
    "contributions_backoffice:day": Row(day, TERRITORY_A),
    "contributions_backoffice:change_state": Row(
        lambda w: {"pk": w.day.pk, "contribution_pk": w.contribution.pk}, TERRITORY_A, POST),
    "contributions_backoffice:merge": Row(day, TERRITORY_A, POST),
    "contributions_backoffice:facilitators": Row(day, TERRITORY_A, BOTH),
    "contributions_backoffice:remove_facilitator": Row(
        lambda w: {"pk": w.day.pk, "facilitation_pk": w.facilitation.pk}, TERRITORY_A, POST),
    "contributions_backoffice:unmerge": Row(lambda w: {"pk": w.day.pk, "merge_pk": w.merge.pk},
                                            TERRITORY_A, POST),
    # Any organiser may open the campaign's merge page; it lists only their own area's rows
    # (tests/contributions/test_campaign_merge.py); another area's merge is hidden.
    "contributions_backoffice:campaign_merge": Row(campaign, ORGANISER_PAGE, BOTH),
    "contributions_backoffice:campaign_unmerge": Row(
        lambda w: {"slug": w.campaign.slug, "merge_pk": w.merge.pk}, TERRITORY_A, POST),
    # Analyses.
    "analysis_runs:index": Row(none, ORGANISER_PAGE, BOTH),
    "analysis_runs:detail": Row(lambda w: {"pk": w.run.pk}, TERRITORY_A),
    "analysis_runs:cancel": Row(lambda w: {"pk": w.run.pk}, TERRITORY_A, POST),
    # Labelled projects.
    "projects_backoffice:home": Row(none, ORGANISER_PAGE),
    "projects_backoffice:create": Row(none, ORGANISER_PAGE, BOTH),
    "projects_backoffice:import": Row(none, ORGANISER_PAGE, BOTH),
    "projects_backoffice:export": Row(lambda w: {"fmt": "csv"}, ORGANISER_PAGE),
    "projects_backoffice:manage": Row(project, TERRITORY_A),
    "projects_backoffice:edit": Row(project, TERRITORY_A, BOTH),
    "projects_backoffice:change_state": Row(project, TERRITORY_A, POST),
    "projects_backoffice:add_milestone": Row(project, TERRITORY_A, POST),
    "projects_backoffice:edit_milestone": Row(
        lambda w: {"pk": w.project.pk, "milestone_pk": w.milestone.pk}, TERRITORY_A, BOTH),
    "projects_backoffice:delete_milestone": Row(
        lambda w: {"pk": w.project.pk, "milestone_pk": w.milestone.pk}, TERRITORY_A, POST),
    "projects_backoffice:add_update": Row(project, TERRITORY_A, POST),
    # Syntheses: region A's regional synthesis, a draft.
    "synthesis_backoffice:index": Row(none, SYNTHESIS_LIST),
    # The organisers' dashboard: whoever reads syntheses, within their own scope.
    "dashboards:organiser": Row(none, SYNTHESIS_LIST),
    "dashboards:organiser_export": Row(lambda w: {"fmt": "xlsx"}, SYNTHESIS_LIST),
    "synthesis_backoffice:create": Row(none, ORGANISER_PAGE, BOTH),
    "synthesis_backoffice:consolidate": Row(none, ORGANISER_PAGE),
    "synthesis_backoffice:workspace": Row(synthesis, REGION_A),
    "synthesis_backoffice:details": Row(synthesis, REGION_A, POST),
    "synthesis_backoffice:suggestions": Row(synthesis, REGION_A, POST),
    "synthesis_backoffice:detection": Row(synthesis, REGION_A, BOTH),
    "synthesis_backoffice:new_group": Row(synthesis, REGION_A, POST),
    "synthesis_backoffice:merge": Row(synthesis, REGION_A, POST),
    "synthesis_backoffice:group": Row(lambda w: {"pk": w.synthesis.pk, "group_pk": w.group.pk},
                                      REGION_A, BOTH),
    "synthesis_backoffice:group_action": Row(
        lambda w: {"pk": w.synthesis.pk, "group_pk": w.group.pk}, REGION_A, POST),
    "synthesis_backoffice:change_state": Row(synthesis, REGION_A, POST),
    "synthesis_backoffice:close_validation": Row(synthesis, DECISION_A, POST),
    "synthesis_backoffice:publication": Row(synthesis, REGION_A, POST),
    "synthesis_backoffice:new_edition": Row(synthesis, REGION_A, POST),
    "synthesis_backoffice:consolidated": Row(synthesis, REGION_A),
    "synthesis_backoffice:validation": Row(synthesis, DECISION_A),
    "synthesis_backoffice:decide": Row(lambda w: {"pk": w.synthesis.pk, "group_pk": w.group.pk},
                                       DECISION_A, POST),
    "synthesis_backoffice:history": Row(synthesis, REGION_A),
    "synthesis_package:index": Row(synthesis, PACKAGE_A),
    "synthesis_package:request": Row(synthesis, REGION_A, POST),
    # The package has no file of that kind: whoever may read it gets the same 404.
    "synthesis_package:download": Row(
        lambda w: {"pk": w.synthesis.pk, "package_pk": w.package.pk, "kind": "pdf"},
        {**PACKAGE_A, "ars_a": HIDDEN, "crsa_a": HIDDEN}),
    # The national space; the region (its ARS) answers the ministry from its edition's page.
    "national:inbox": Row(none, NATIONAL_ONLY),
    "national:detail": Row(lambda w: {"pk": w.transmission.pk}, NATIONAL_ONLY),
    "national:consolidation": Row(none, NATIONAL_ONLY),
    "national:consolidation_report": Row(lambda w: {"fmt": "csv"}, NATIONAL_ONLY),
    "national:acknowledge": Row(lambda w: {"pk": w.transmission.pk}, NATIONAL_ONLY, POST),
    "national:ask": Row(lambda w: {"pk": w.transmission.pk}, NATIONAL_ONLY, POST),
    "national:follow_up": Row(lambda w: {"pk": w.transmission.pk,
                                         "group_pk": w.transmitted_group.pk},
                              NATIONAL_ONLY, POST),
    "national_region:answer": Row(lambda w: {"pk": w.transmission.synthesis_id}, REGION_A,
                                  POST),
    # Accounts.
    "accounts:login": Row(none, PUBLIC),
    "accounts:logout": Row(none, PUBLIC, POST),
    "front:magic_request": Row(none, PUBLIC, BOTH),
    "accounts:password_reset": Row(none, PUBLIC, BOTH),
    "accounts:password_reset_done": Row(none, PUBLIC),
    # A made-up link: the page says it is no longer valid, for everyone.
    "accounts:password_reset_confirm": Row(lambda w: {"uidb64": "MQ", "token": "pas-un-jeton"},
                                           PUBLIC),
    "accounts:password_reset_complete": Row(none, PUBLIC),
    # A made-up link is refused the same way for everyone (400: tests/accounts).
    "accounts:magic_login": Row(lambda w: {"token": "pas-un-lien"}, PUBLIC),
    # One's own data, whoever one is; an account with a role is refused erasure with a
    # message (tests/accounts/test_privacy.py).
    "front:my_data": Row(none, SIGNED_IN),
    "front:my_data_download": Row(none, SIGNED_IN),
    "front:my_data_erase": Row(none, SIGNED_IN, BOTH, expected_post=only(
        ("account",), others=DENIED)),
    # ProConnect is not configured in tests: its pages do not exist (tests/oidc runs it).
    "accounts:proconnect_login": Row(none, everyone(HIDDEN)),
    "accounts:proconnect_callback": Row(none, everyone(HIDDEN)),
    "accounts:proconnect_logout": Row(none, everyone(HIDDEN), POST),
    # The admin is for staff accounts only (none here): everyone is sent to its login.
    "admin:index": Row(none, everyone(LOGIN)),
}


def url_patterns() -> list[str]:
    """The name of every URL pattern of the project, with its namespace; the admin's own
    pages are represented by its index."""
    names: list[str] = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    names.append("admin:index")
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                names.append(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))

    walk(get_resolver().url_patterns, "")
    return names


def outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        login_pages = (reverse("accounts:login"), reverse("front:magic_request"),
                       reverse("admin:login"))
        return LOGIN if location.split("?")[0] in login_pages else OK
    if response.status_code == 401:  # the API without a token
        return LOGIN
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code < 300 or response.status_code in (400, 409, 429):
        # 400: a form refused with a message; 409: a stale form; 429: a rate limit.
        return OK
    return f"HTTP {response.status_code}"


def test_every_url_pattern_has_a_row():
    missing = sorted(set(url_patterns()) - set(MATRIX))
    assert not missing, f"Ces adresses n’ont pas de ligne dans la matrice d’accès : {missing}"
    extra = sorted(set(MATRIX) - set(url_patterns()))
    assert not extra, f"Lignes de la matrice sans adresse : {extra}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_the_matrix_says(client, role, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    world = build_world()
    user = world.users[role]
    mismatches = []
    for name, row in MATRIX.items():
        url = reverse(name, kwargs=row.args(world))
        for method in row.methods:
            # A fresh client state for each request, inside a transaction rolled back after.
            client.logout()
            headers = {}
            if row.bearer:
                if user is not None:
                    headers["Authorization"] = f"Bearer {api_token(user)}"
            elif user is not None:
                client.force_login(user)
            with transaction.atomic():
                if method == "GET":
                    response = client.get(url, headers=headers)
                elif row.body is not None:
                    response = client.post(url, row.body(world), content_type="application/json",
                                           headers=headers)
                else:
                    response = client.post(url, {}, headers=headers)
                transaction.set_rollback(True)
            if response.streaming:
                # Read to the end: the test client then closes the file's handle the way a
                # server would (calling close() here would also drop the test's connection).
                b"".join(response.streaming_content)
            expected = row.expected_post if method == "POST" and row.expected_post else \
                row.expected
            got, wanted = outcome(response), expected[role]
            if got != wanted:
                mismatches.append(f"{method} {name} ({url}): {got}, attendu {wanted}")
    assert not mismatches, f"{role} :\n" + "\n".join(mismatches)


def test_a_transmitted_synthesis_reaches_the_national_secretariat_read_only(client):
    world = build_world()
    world.synthesis.state = "transmitted"
    world.synthesis.transmitted_at = timezone.now() - dt.timedelta(days=1)
    world.synthesis.save()
    client.force_login(world.users["national"])
    assert client.get(reverse("synthesis_package:index",
                              args=[world.synthesis.pk])).status_code == 200
    listed = client.get(reverse("synthesis_backoffice:index")).content.decode()
    assert world.synthesis.title in listed
    # Reading is all: the region's working pages and the package request stay closed.
    assert client.get(reverse("synthesis_backoffice:workspace",
                              args=[world.synthesis.pk])).status_code == 403
    assert client.post(reverse("synthesis_package:request",
                               args=[world.synthesis.pk])).status_code == 403
