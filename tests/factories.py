from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from concertation.accounts.models import OrganiserMembership
from concertation.campaigns.models import Campaign, Theme
from concertation.events.models import Event, EventState, Talk, Workshop
from concertation.territories.models import (
    Agency,
    Department,
    HealthTerritory,
    TerritorialCouncil,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Durand{n}")
    password = factory.django.Password("mot-de-passe-test")


def make_territory(department_code: str = "28") -> HealthTerritory:
    """A health territory of one department, with its CTS."""
    department = Department.objects.get(code=department_code)
    n = HealthTerritory.objects.count()
    territory = HealthTerritory.objects.create(
        name=department.name, slug=f"territoire-{n}-{department.slug}", region=department.region
    )
    territory.departments.add(department)
    TerritorialCouncil.objects.create(territory=territory, name=f"CTS {department.name}")
    return territory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    title = factory.Sequence(lambda n: f"Concertation {n}")
    slug = factory.Sequence(lambda n: f"concertation-{n}")
    scope = Campaign.Scope.NATIONAL


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"Thème {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    class Params:
        open = factory.Trait(state=EventState.REGISTRATION_OPEN)
        draft = factory.Trait(state=EventState.DRAFT)
        past = factory.Trait(
            date=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30)),
            state=EventState.HELD,
        )

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"Journée de concertation {n}")
    slug = factory.Sequence(lambda n: f"journee-{n}")
    health_territory = factory.LazyFunction(make_territory)
    department = factory.LazyAttribute(lambda o: o.health_territory.departments.first())
    date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=20))
    starts_at = dt.time(9, 0)
    ends_at = dt.time(13, 0)
    venue_name = "CCI Eure-et-Loir"
    venue_address = "5bis avenue Marcel Proust"
    venue_postcode = "28000"
    venue_city = "Chartres"
    state = EventState.PUBLISHED


class TalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talk

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Intervention {n}")
    speakers = "Pr Emmanuel Rusch"


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Atelier {n}")
    capacity = 30


def organiser_of(territory: HealthTerritory) -> object:
    """A CTS organiser acting for this territory."""
    user = UserFactory()
    OrganiserMembership.objects.create(user=user, council=territory.council)
    return user


def agency_organiser(region_code: str) -> object:
    """An ARS organiser acting for the whole region."""
    user = UserFactory()
    OrganiserMembership.objects.create(
        user=user, agency=Agency.objects.get(region__code=region_code)
    )
    return user


def applicant(**overrides):
    from concertation.registrations.services import Applicant

    data = {
        "first_name": "Camille", "last_name": "Martin", "email": "camille@example.org",
        "college": "usager", "consent_processing": True,
    }
    data.update(overrides)
    return Applicant(**data)


# --- Syntheses (issue #6) -------------------------------------------------------------------


class ContributionFactory(factory.django.DjangoModelFactory):
    """A published proposal of a day's workshop (pass `origin="online", event=None` for one
    made online)."""

    class Meta:
        model = "contributions.Contribution"

    campaign = factory.LazyAttribute(lambda o: o.event.campaign if o.event else CampaignFactory())
    event = factory.SubFactory(EventFactory, past=True)
    origin = "workshop"
    department = factory.LazyAttribute(lambda o: o.event.department if o.event else None)
    health_territory = factory.LazyAttribute(
        lambda o: o.event.health_territory if o.event else None)
    text = factory.Sequence(lambda n: f"Proposition numéro {n} pour l’accès aux soins")
    state = "published"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registrations.Registration"

    event = factory.SubFactory(EventFactory, past=True)
    status = "confirmed"
    first_name = "Dominique"
    last_name = factory.Sequence(lambda n: f"Participant{n}")
    college = "usager"


class SynthesisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "synthesis.Synthesis"

    campaign = factory.SubFactory(CampaignFactory)
    level = "region"
    title = factory.Sequence(lambda n: f"Synthèse régionale {n}")
    slug = factory.Sequence(lambda n: f"synthese-{n}")


class SynthesisGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "synthesis.SynthesisGroup"

    synthesis = factory.SubFactory(SynthesisFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Proposition de synthèse {n}")
    text = "Garantir à chacun un médecin traitant à moins de trente minutes."


def cite(group, *contributions) -> None:
    """Make `group` cite these contributions (as the synthesis workspace would)."""
    from concertation.synthesis.models import SynthesisItem

    for contribution in contributions:
        SynthesisItem.objects.create(synthesis=group.synthesis, group=group,
                                     contribution=contribution)


def decide(group, outcome: str = "adopted", *, votes=(30, 2, 1), amended_text: str = ""):
    """Record the CRSA's decision on `group` directly (tests that need validated data)."""
    from concertation.synthesis.models import Decision

    return Decision.objects.create(
        group=group, outcome=outcome, votes_for=votes[0], votes_against=votes[1],
        abstentions=votes[2], original_text=group.text, amended_text=amended_text,
    )


# --- Labelled projects (issue #7) -------------------------------------------------------------


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project of a health territory, proposed (traits: labelled, in_progress, delivered).
    Origins are added by the test (`project.origin_contributions.add(...)`)."""

    class Meta:
        model = "projects.Project"

    class Params:
        labelled = factory.Trait(state="labelled",
                                 labelled_at=factory.LazyFunction(timezone.now))
        in_progress = factory.Trait(state="in_progress",
                                    labelled_at=factory.LazyFunction(timezone.now))
        delivered = factory.Trait(state="delivered",
                                  labelled_at=factory.LazyFunction(timezone.now))

    title = factory.Sequence(lambda n: f"Projet {n}")
    slug = factory.Sequence(lambda n: f"projet-{n}")
    summary = "Un projet né des propositions d’une journée de concertation."
    health_territory = factory.LazyFunction(make_territory)
    region = factory.LazyAttribute(lambda o: o.health_territory.region)
    lead_organisation = "Conseil territorial de santé"
    created_on = dt.date(2024, 2, 1)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Milestone"

    project = factory.SubFactory(ProjectFactory)
    key = factory.Sequence(lambda n: f"jalon-{n}")
    title = factory.Sequence(lambda n: f"Jalon {n}")
    planned_date = dt.date(2024, 6, 1)


def signup_form(event, **overrides) -> dict:
    """The public sign-up form of `event` as a browser posts it, for its first workshop."""
    data = {
        "first_name": "Camille", "last_name": "Martin", "email": "camille@example.org",
        "organisation": "", "college": "usager", "accessibility_needs": "",
        "consent_processing": "on", "website": "", "submission_token": "jeton-1",
        "slot_0": str(event.workshops.first().pk),
    }
    data.update(overrides)
    return data
