"""The demo days' published restitutions: the twelve Auvergne-Rhône-Alpes days of November and
December 2022 and Eure-et-Loir's morning of 12 December 2024 on violence in the health system.

Each restitution shows the work leads of its workshops with their votes, and for some a second
wording of the same idea, captured at another table and merged into it (its source). Everything
goes through the services, as the day's organisers would do it (merge, « Retenir comme piste de
travail », « Publier la restitution »). A day whose restitution is already published is left as
it is, so loading the demo twice changes nothing. The texts are demo texts written for it."""

from __future__ import annotations

import datetime as dt
import random

from concertation.accounts.scope import Area, Scope
from concertation.contributions.models import Contribution, ContributionState, Vote
from concertation.contributions.services import lifecycle, merges
from concertation.contributions.services.votes import _recount
from concertation.events import services as events
from concertation.events.models import Event, EventState
from concertation.registrations.models import Registration

# A second wording of each Auvergne-Rhône-Alpes proposal (see `concertation.demo.proposals`),
# as another table of the same workshop put it.
ARA_SECOND_WORDINGS = {
    "Faciliter l’accès à un médecin traitant pour les patients qui n’en ont pas":
        "Aider les habitants sans médecin traitant à en trouver un près de chez eux.",
    "Créer un guichet départemental pour trouver un médecin traitant":
        "Un numéro unique dans le département pour être orienté vers un médecin qui prend "
        "de nouveaux patients.",
    "Donner la priorité aux malades chroniques sans médecin traitant":
        "Les personnes en affection de longue durée doivent passer en premier pour avoir un "
        "médecin traitant.",
    "Développer les assistants médicaux pour libérer du temps aux médecins traitants":
        "Financer des assistants médicaux dans les cabinets pour que les médecins voient plus "
        "de patients.",
    "Permettre aux infirmiers de suivre certains patients avec le médecin traitant":
        "Confier aux infirmiers en pratique avancée le suivi des patients stables, en lien "
        "avec le médecin.",
    "Revaloriser les salaires des soignants à l’hôpital":
        "Mieux payer les infirmiers et les aides-soignants, surtout la nuit et le week-end.",
    "Proposer des logements aux internes dans les territoires ruraux":
        "Loger les internes et les étudiants en stage près des hôpitaux de proximité.",
    "Faciliter l’installation des jeunes médecins en maison de santé":
        "Accompagner les jeunes médecins qui veulent s’installer en exercice regroupé.",
    "Améliorer les conditions de travail des aides-soignants":
        "Des plannings stables et du matériel adapté pour les aides-soignants en EHPAD.",
    "Développer les stages en zone rurale pendant les études de santé":
        "Faire découvrir l’exercice à la campagne aux étudiants par des stages indemnisés.",
    "Organiser la permanence des soins le soir et le week-end entre professionnels":
        "Un tour de garde partagé entre médecins, pharmaciens et infirmiers du secteur.",
    "Mieux faire connaître le service d’accès aux soins et son numéro":
        "Faire une campagne d’information sur le numéro du service d’accès aux soins.",
    "Ouvrir des centres de soins non programmés près des urgences":
        "Un lieu pour les petites urgences à côté de l’hôpital, pour désengorger les urgences.",
    "Développer la téléconsultation accompagnée en pharmacie":
        "Des cabines de téléconsultation en pharmacie avec le pharmacien à côté du patient.",
    "Créer des transports solidaires vers les lieux de soins":
        "Des chauffeurs bénévoles pour emmener aux rendez-vous médicaux ceux qui n’ont pas "
        "de voiture.",
    "Renforcer l’éducation à la santé à l’école":
        "Parler d’alimentation, de sommeil et d’écrans en classe avec les infirmières "
        "scolaires.",
    "Multiplier les dépistages itinérants dans les villages":
        "Un bus de dépistage qui passe dans les communes éloignées des centres de santé.",
    "Former des ambassadeurs de prévention dans les quartiers":
        "Former des habitants relais pour parler de prévention à leurs voisins.",
    "Développer le sport sur ordonnance":
        "Rembourser l’activité physique adaptée prescrite par le médecin.",
    "Mieux prévenir la perte d’autonomie des personnes âgées":
        "Repérer plus tôt la fragilité des personnes âgées à domicile pour éviter les chutes.",
}

EURE_ET_LOIR_DAY = "cnr-sante-eure-et-loir-2024-12-12"
# Workshop title → (work lead, wordings merged into it); the texts the two workshops of the
# morning produced (demo texts).
VIOLENCE_LEADS = {
    "Violence des professionnels envers les usagers": [
        ("Former tous les soignants à la bientraitance et au repérage de la maltraitance",
         ["Des formations à la bientraitance dans chaque EHPAD et service hospitalier du "
          "département.",
          "Apprendre aux professionnels à reconnaître une parole ou un geste maltraitant."]),
        ("Donner aux usagers un recours simple quand ils subissent une violence dans un soin",
         ["Faire connaître la commission des usagers et le médiateur de chaque "
          "établissement."]),
        ("Informer chaque patient de ses droits dès l’accueil", []),
    ],
    "Violence des usagers envers les professionnels": [
        ("Former les équipes d’accueil à la désescalade des conflits",
         ["Des formations à la gestion de l’agressivité pour les secrétaires médicales et les "
          "agents d’accueil des urgences."]),
        ("Accompagner le soignant agressé dans son dépôt de plainte",
         ["Que l’établissement porte plainte aux côtés du professionnel agressé.",
          "Une convention entre hôpitaux, police et gendarmerie pour faciliter les plaintes."]),
        ("Expliquer l’attente aux urgences pour apaiser les tensions", []),
    ],
}


def _scope(event: Event) -> Scope:
    # The demo acts as the day's ARS would, through the same services and checks.
    area = Area(region_ids=frozenset({event.department.region_id}))
    return Scope(manage=area, moderate=area, decide=area)


def _second_wording(lead: Contribution) -> str:
    return next((text for title, text in ARA_SECOND_WORDINGS.items()
                 if lead.text.startswith(title)), "")


def _merge_second_wordings(day: Event) -> None:
    """In each workshop, the most supported proposal gets the second wording of its idea,
    captured after it and merged into it."""
    leads = (Contribution.objects.filter(event=day, state=ContributionState.PUBLISHED,
                                         merged_into__isnull=True)
             .order_by("workshop__position", "-agree_count", "pk"))
    seen: set[int | None] = set()
    for lead in leads:
        if lead.workshop_id in seen:
            continue
        seen.add(lead.workshop_id)
        text = _second_wording(lead)
        if not text:
            continue
        source = Contribution.objects.create(
            campaign_id=lead.campaign_id, theme_id=lead.theme_id, text=text,
            origin=Contribution.Origin.WORKSHOP, event=day, workshop_id=lead.workshop_id,
            department_id=lead.department_id, health_territory_id=lead.health_territory_id,
            state=ContributionState.PUBLISHED, created_at=lead.created_at + dt.timedelta(minutes=4))
        merges.merge(target=lead, sources=[source], user=None,
                     reason="Même idée exprimée à une autre table de l’atelier")


def _violence_contributions(day: Event) -> None:
    """The two workshops' work leads and their merged wordings, voted on by those present."""
    if Contribution.objects.filter(event=day).exists():
        return
    rng = random.Random(2024)
    present = list(Registration.objects.filter(event=day, checked_in_at__isnull=False)
                   .order_by("pk"))
    workshops = {w.title: w for w in day.workshops.all()}
    at = day.start + dt.timedelta(minutes=75)
    for workshop_title, leads in VIOLENCE_LEADS.items():
        workshop = workshops.get(workshop_title)
        if workshop is None:
            continue
        for n, (title, wordings) in enumerate(leads):
            lead = _captured(day, workshop, title + ".", at + dt.timedelta(minutes=10 * n),
                             title)
            sources = [_captured(day, workshop, text,
                                 at + dt.timedelta(minutes=10 * n + 3 + i))
                       for i, text in enumerate(wordings)]
            # Users and professionals of the room vote on what was said; fewer agree with
            # the last lead of each workshop, and some abstain.
            support = 0.9 - 0.2 * n
            votes = []
            for contribution in [lead, *sources]:
                for registration in rng.sample(present, min(len(present), 40)):
                    draw = rng.random()
                    value = (Vote.Value.AGREE if draw < support else
                             Vote.Value.PASS if draw < support + 0.05 else Vote.Value.DISAGREE)
                    votes.append(Vote(contribution=contribution, registration=registration,
                                      value=value, college=registration.college))
            Vote.objects.bulk_create(votes)
            for contribution in [lead, *sources]:
                _recount(contribution)
            if sources:
                # Voters of a merged wording who had not voted on the lead carry their vote.
                merges.merge(target=lead, sources=sources, user=None,
                             reason="Même idée exprimée à une autre table de l’atelier")


def _captured(day: Event, workshop, text: str, at: dt.datetime, title: str = ""
              ) -> Contribution:
    return Contribution.objects.create(
        campaign_id=day.campaign_id, theme_id=workshop.theme_id, title=title, text=text,
        origin=Contribution.Origin.WORKSHOP, event=day, workshop=workshop,
        department_id=day.department_id, health_territory_id=day.health_territory_id,
        state=ContributionState.PUBLISHED, created_at=at)


def _publish(day: Event) -> None:
    for contribution in Contribution.objects.filter(event=day,
                                                    state=ContributionState.PUBLISHED,
                                                    merged_into__isnull=True):
        lifecycle.transition(contribution=contribution, target=ContributionState.RETAINED,
                             user=None)
    events.transition(scope=_scope(day), user=None, event=day,
                      target=EventState.RESTITUTION_PUBLISHED,
                      note="Restitution des pistes de travail (démonstration)")


def load_restitutions_demo() -> int:
    """Publish the restitutions of the demo's held days; returns how many were published."""
    published = 0
    ara_days = (Event.objects.filter(slug__startswith="cnr-sante-2022-",
                                     department__region__code="84",
                                     kind=Event.Kind.CONSULTATION_DAY, state=EventState.HELD)
                .select_related("department").order_by("date"))
    for day in ara_days:
        if not Contribution.objects.filter(event=day).exists():
            continue
        if not Contribution.objects.filter(event=day, merged_into__isnull=False).exists():
            _merge_second_wordings(day)
        _publish(day)
        published += 1
    day = (Event.objects.filter(slug=EURE_ET_LOIR_DAY, state=EventState.HELD)
           .select_related("department").first())
    if day is not None:
        _violence_contributions(day)
        _publish(day)
        published += 1
    return published
