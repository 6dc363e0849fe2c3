"""Demo data: the two Eure-et-Loir projects of the seeds, labelled "CNR Santé".

A support platform for health professionals (inaugurated in January 2025 under the Pacte
territoire santé 28 signed on 4 November 2024) and the departmental prevention and
health-promotion roadmap (PPS), co-written with field actors under shared governance. Both came
out of the proposals of the 25 November 2022 and 1 February 2024 days; those proposals are
created here as work leads of those days when the demo has none.

Dates that the seeds do not give (labelling, intermediate milestones) are illustrative.
Idempotent: a project already there (by slug) is left as it is, edits included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from concertation.contributions.models import (
    Contribution,
    ContributionState,
    ContributionTransition,
)
from concertation.core.public_cache import bump_public_content
from concertation.events.models import Event
from concertation.projects.models import (
    Milestone,
    MilestoneStatus,
    Programme,
    Project,
    ProjectState,
    ProjectTransition,
    ProjectUpdate,
)
from concertation.territories.models import HealthTerritory

PARIS = ZoneInfo("Europe/Paris")
DAY_2022 = "cnr-sante-eure-et-loir-2022-11-25"
DAY_2024 = "cnr-sante-eure-et-loir-2024-02-01"

# (day slug, workshop title, state, title, text)
ORIGIN_PROPOSALS = {
    "platform": [
        (DAY_2022, "Attractivité des métiers de la santé", ContributionState.VALIDATED,
         "Accompagner les professionnels de santé qui s’installent",
         "Créer une plate-forme départementale d’accompagnement des professionnels de santé : "
         "un interlocuteur unique pour l’installation, les démarches, le logement, les "
         "remplacements et l’exercice coordonné."),
        (DAY_2024, "Accompagnement des professionnels de santé", ContributionState.RETAINED,
         "Un guichet unique pour les professionnels de santé",
         "Mettre en place la plate-forme d’accompagnement avec les collectivités, l’Assurance "
         "maladie, l’Ordre et les CPTS, et la faire connaître aux internes et aux "
         "remplaçants."),
    ],
    "roadmap": [
        (DAY_2022, "Rôle et accès au médecin traitant", ContributionState.VALIDATED,
         "Associer les acteurs de proximité à la prévention",
         "Construire un plan départemental de prévention et de promotion de la santé avec "
         "les médecins traitants, les élus, les associations et les usagers."),
        (DAY_2024, "Prévention et promotion de la santé", ContributionState.RETAINED,
         "Une feuille de route de prévention co-construite",
         "Écrire une feuille de route départementale en prévention et promotion de la santé "
         "co-construite avec tous les acteurs de terrain, portée par une gouvernance partagée "
         "qui propose la stratégie et coordonne les actions selon les besoins de la "
         "population."),
    ],
}

PROJECTS = {
    "platform": {
        "slug": "plate-forme-accompagnement-professionnels-sante-eure-et-loir",
        "title": "Plate-forme d’accompagnement des professionnels de santé d’Eure-et-Loir",
        "summary": "Un guichet unique pour les professionnels de santé du département : "
                   "installation, démarches, logement, remplacements, exercice coordonné. "
                   "Issue des deux premiers CNR Santé d’Eure-et-Loir, la plate-forme est "
                   "inaugurée en janvier 2025 dans le cadre du Pacte territoire santé 28 signé "
                   "le 4 novembre 2024.",
        "lead_organisation": "Conseil territorial de santé d’Eure-et-Loir",
        "co_pilots": "Délégation départementale d’Eure-et-Loir de l’ARS Centre-Val de Loire\n"
                     "Conseil départemental d’Eure-et-Loir",
        "partners": "Assurance maladie (CPAM d’Eure-et-Loir)\nCPTS du département\n"
                    "Ordres des professions de santé\nCollectivités locales",
        "governance": "Comité de pilotage trimestriel réunissant le CTS, l’ARS, le département "
                      "et l’Assurance maladie, dans le cadre du Pacte territoire santé 28.",
        "labelled_on": dt.date(2024, 3, 14),
        "started_on": dt.date(2024, 4, 2),
        "state": ProjectState.IN_PROGRESS,
        "milestones": [
            ("labellisation", "Labellisation « CNR Santé »", dt.date(2024, 3, 14),
             dt.date(2024, 3, 14), MilestoneStatus.DONE, ""),
            ("cahier-des-charges", "Cahier des charges écrit avec les professionnels",
             dt.date(2024, 6, 30), dt.date(2024, 7, 4), MilestoneStatus.DONE, ""),
            ("pacte-territoire-sante-28", "Signature du Pacte territoire santé 28",
             dt.date(2024, 11, 4), dt.date(2024, 11, 4), MilestoneStatus.DONE,
             "Pacte signé le 4 novembre 2024 ; la plate-forme en est une action."),
            ("inauguration", "Inauguration de la plate-forme", dt.date(2025, 1, 15),
             dt.date(2025, 1, 15), MilestoneStatus.DONE, "Inaugurée en janvier 2025."),
            ("bilan-premiere-annee", "Bilan de la première année de la plate-forme",
             dt.date(2026, 1, 31), None, MilestoneStatus.IN_PROGRESS, ""),
        ],
        "updates": [
            (dt.date(2024, 11, 4), "Le Pacte territoire santé 28 est signé",
             "Signé le 4 novembre 2024, le Pacte territoire santé 28 inscrit la plate-forme "
             "d’accompagnement des professionnels de santé parmi ses actions."),
            (dt.date(2025, 1, 15), "La plate-forme est inaugurée",
             "La plate-forme d’accompagnement des professionnels de santé, proposée lors des "
             "CNR Santé du 25 novembre 2022 et du 1er février 2024, est inaugurée."),
        ],
    },
    "roadmap": {
        "slug": "feuille-de-route-prevention-promotion-sante-eure-et-loir",
        "title": "Feuille de route départementale en prévention et promotion de la santé",
        "summary": "Écrire la feuille de route départementale en prévention et promotion de la "
                   "santé (PPS), co-construite avec tous les acteurs de terrain : une "
                   "gouvernance partagée proposera la stratégie et coordonnera les actions de "
                   "prévention adaptées aux besoins de la population.",
        "lead_organisation": "Conseil territorial de santé d’Eure-et-Loir",
        "co_pilots": "Délégation départementale d’Eure-et-Loir de l’ARS Centre-Val de Loire",
        "partners": "Acteurs de prévention du département\nCollectivités locales\n"
                    "Associations d’usagers\nÉducation nationale",
        "governance": "Gouvernance partagée : un comité départemental de prévention, ouvert "
                      "aux acteurs de terrain, propose la stratégie et coordonne les actions.",
        "labelled_on": dt.date(2024, 3, 14),
        "started_on": dt.date(2024, 5, 6),
        "state": ProjectState.IN_PROGRESS,
        "milestones": [
            ("labellisation", "Labellisation « CNR Santé »", dt.date(2024, 3, 14),
             dt.date(2024, 3, 14), MilestoneStatus.DONE, ""),
            ("gouvernance-partagee", "Installation de la gouvernance partagée",
             dt.date(2024, 6, 30), dt.date(2024, 6, 20), MilestoneStatus.DONE, ""),
            ("ateliers-acteurs", "Ateliers de co-construction avec les acteurs de terrain",
             dt.date(2024, 10, 31), dt.date(2024, 11, 28), MilestoneStatus.DONE, ""),
            ("ecriture", "Écriture de la feuille de route PPS", dt.date(2025, 6, 30), None,
             MilestoneStatus.IN_PROGRESS, ""),
            ("adoption", "Adoption de la feuille de route par la gouvernance partagée",
             dt.date(2025, 12, 15), None, MilestoneStatus.PLANNED, ""),
        ],
        "updates": [
            (dt.date(2024, 11, 28), "Les acteurs de terrain ont contribué",
             "Les ateliers de co-construction ont réuni les acteurs de prévention du "
             "département : leurs propositions nourrissent l’écriture de la feuille de "
             "route."),
        ],
    },
}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def _origin_contributions(key: str) -> list[Contribution]:
    created = []
    for slug, workshop_title, state, title, text in ORIGIN_PROPOSALS[key]:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            continue
        existing = Contribution.objects.filter(event=event, text=text).first()
        if existing is not None:
            created.append(existing)
            continue
        workshop = event.workshops.filter(title=workshop_title).first()
        contribution = Contribution.objects.create(
            campaign_id=event.campaign_id, theme=workshop.theme if workshop else None,
            title=title, text=text, origin=Contribution.Origin.WORKSHOP, event=event,
            workshop=workshop, department_id=event.department_id,
            health_territory_id=event.health_territory_id, state=state,
            created_at=event.start + dt.timedelta(minutes=100),
        )
        path = [ContributionState.PUBLISHED, ContributionState.RETAINED]
        if state == ContributionState.VALIDATED:
            path.append(ContributionState.VALIDATED)
        previous = ContributionState.SUBMITTED
        for target in path:
            ContributionTransition.objects.create(
                contribution=contribution, from_state=previous, to_state=target,
                at=event.start + dt.timedelta(hours=3), reason="Données de démonstration")
            previous = target
        created.append(contribution)
    return created


@transaction.atomic
def load_projects_demo() -> dict[str, int]:
    territory = HealthTerritory.objects.filter(slug="eure-et-loir").first()
    if territory is None:
        return {"projects_created": 0}
    organiser = get_user_model().objects.filter(username="cts28").first()
    programme, _ = Programme.objects.get_or_create(
        slug="pacte-territoire-sante-28",
        defaults={"name": "Pacte territoire santé 28", "region": territory.region,
                  "health_territory": territory, "signed_on": dt.date(2024, 11, 4),
                  "description": "Pacte signé le 4 novembre 2024 en Eure-et-Loir."},
    )
    created = 0
    for key, spec in PROJECTS.items():
        if Project.objects.filter(slug=spec["slug"]).exists():
            continue
        origins = _origin_contributions(key)
        project = Project.objects.create(
            slug=spec["slug"], title=spec["title"], summary=spec["summary"],
            region=territory.region, health_territory=territory,
            programme=programme if key == "platform" else None,
            lead_organisation=spec["lead_organisation"], co_pilots=spec["co_pilots"],
            partners=spec["partners"], governance=spec["governance"],
            created_on=dt.date(2024, 2, 1), created_by=organiser,
            created_at=_at(dt.date(2024, 2, 1), 14),
            state=spec["state"], labelled_at=_at(spec["labelled_on"]), labelled_by=organiser,
        )
        project.origin_contributions.set(origins)
        themes = [c.theme for c in origins if c.theme_id]
        project.themes.set(themes)
        for source, target, on, reason in (
            (ProjectState.PROPOSED, ProjectState.LABELLED, spec["labelled_on"], ""),
            (ProjectState.LABELLED, ProjectState.IN_PROGRESS, spec["started_on"], ""),
        ):
            ProjectTransition.objects.create(project=project, from_state=source,
                                             to_state=target, user=organiser, at=_at(on),
                                             reason=reason or "Données de démonstration")
        for milestone_key, title, planned, actual, status, note in spec["milestones"]:
            Milestone.objects.create(project=project, key=milestone_key, title=title,
                                     planned_date=planned, actual_date=actual, status=status,
                                     evidence_note=note)
        for on, title, text in spec["updates"]:
            ProjectUpdate.objects.create(project=project, published_on=on, title=title,
                                         text=text, author=organiser, created_at=_at(on, 18))
        created += 1
    if created:
        bump_public_content()
    return {"projects_created": created}
