"""The shapes the API answers with (OpenAPI components). Field names are English, as in the
code; descriptions are French, for the people who read the browsable page. Nothing here
names a person: contributions carry no author, registrations are not public."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

# A wall-clock time in France (Europe/Paris), « 09:30 »: JSON Schema's "time" format asks for
# an offset, which a time without its date cannot have (it changes with summer time).
LocalTime = Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$",
                                 description="heure locale (Europe/Paris), HH:MM")]


class Error(Schema):
    detail: str


class Region(Schema):
    code: str
    name: str
    slug: str


class Department(Schema):
    code: str
    name: str
    region_code: str


class HealthTerritory(Schema):
    id: int
    name: str
    slug: str
    region_code: str


class Theme(Schema):
    id: int
    title: str
    campaign: str


class DaySummary(Schema):
    slug: str
    title: str
    state: str
    state_label: str
    date: dt.date
    starts_at: LocalTime
    ends_at: LocalTime
    venue_city: str
    department_code: str
    region_code: str
    health_territory: str | None
    campaign: str
    url: str


class Talk(Schema):
    title: str
    speakers: str
    starts_at: LocalTime | None


class Workshop(Schema):
    id: int
    title: str
    description: str
    theme: str | None
    starts_at: LocalTime | None
    ends_at: LocalTime | None


class WorkLead(Schema):
    id: int
    text: str
    agree: int
    disagree: int
    passed: int
    merged_from: list[int]


class WorkshopRestitution(Schema):
    workshop: str
    work_leads: list[WorkLead]


class Day(DaySummary):
    summary: str
    venue_name: str
    venue_address: str
    venue_postcode: str
    plenary_title: str
    plenary_description: str
    themes: list[str]
    talks: list[Talk]
    workshops: list[Workshop]
    restitution: list[WorkshopRestitution] | None


class Contribution(Schema):
    id: int
    title: str
    text: str
    state: str
    state_label: str
    origin: str
    campaign: str
    theme: str | None
    day_slug: str | None
    workshop: str | None
    department_code: str | None
    health_territory: str | None
    college: str
    agree: int
    disagree: int
    passed: int
    merged_into: int | None
    created_at: dt.datetime
    url: str


class Decision(Schema):
    outcome: str
    outcome_label: str
    votes_for: int
    votes_against: int
    abstentions: int
    original_text: str


class Provenance(Schema):
    contributions: int
    merged: int
    online: int
    participants: int
    days: int
    colleges: dict[str, int]


class Proposal(Schema):
    number: int
    title: str
    text: str
    theme: str | None
    decision: Decision | None
    provenance: Provenance


class SynthesisSummary(Schema):
    slug: str
    title: str
    level: str
    state: str
    campaign: str
    region_code: str | None
    transmitted_at: dt.datetime | None
    url: str


class Synthesis(SynthesisSummary):
    proposals: list[Proposal]


class Milestone(Schema):
    key: str
    title: str
    description: str
    status: str
    status_label: str
    planned_date: dt.date | None
    actual_date: dt.date | None
    weight: int


class ProjectSummary(Schema):
    slug: str
    title: str
    summary: str
    state: str
    state_label: str
    region_code: str
    health_territory: str | None
    themes: list[str]
    progress: int
    url: str


class Project(ProjectSummary):
    lead_organisation: str
    co_pilots: list[str]
    partners: list[str]
    milestones: list[Milestone]


class Page(Schema):
    next: str | None


class DayPage(Page):
    results: list[DaySummary]


class ContributionPage(Page):
    results: list[Contribution]


class SynthesisPage(Page):
    results: list[SynthesisSummary]


class ProjectPage(Page):
    results: list[ProjectSummary]


# Organisers' endpoints (an API token: `Authorization: Bearer cct_…`) -------------------------

class OrganiserDay(Schema):
    id: int
    slug: str
    title: str
    state: str
    date: dt.date
    department_code: str
    health_territory: str | None
    capacity: int | None
    seats_taken: int


class OrganiserDayPage(Page):
    results: list[OrganiserDay]


class Registration(Schema):
    id: int
    code: str
    status: str
    status_label: str
    first_name: str
    last_name: str
    email: str
    phone: str
    organisation: str
    college: str
    college_label: str
    workshops: list[int]
    source: str
    created_at: dt.datetime
    checked_in_at: dt.datetime | None
    consent_mailings: bool


class RegistrationPage(Page):
    results: list[Registration]


class CheckIn(Schema):
    code: Annotated[str, Field(min_length=1, max_length=20,
                               description="code d’inscription (celui du QR code)")]
    present: bool = Field(True, description="false annule l’arrivée enregistrée")


class ImportResult(Schema):
    created: int
    updated: int
    unchanged: int
    transitions: int


class ImportErrors(Schema):
    detail: str
    # Absent where the request itself is refused (no sheet), as the other 400s.
    errors: list[str] = Field(default_factory=list, description="une ligne par erreur")
