"""The proposals of the Auvergne-Rhône-Alpes days, with their local wordings and votes."""

from __future__ import annotations

import datetime as dt

from concertation.demo.days import FIRST_NAMES, LAST_NAMES
from concertation.events.models import Event
from concertation.registrations.models import Registration, RegistrationStatus

ARA_PROPOSALS = [
    ["Faciliter l’accès à un médecin traitant pour les patients qui n’en ont pas",
     "Créer un guichet départemental pour trouver un médecin traitant",
     "Donner la priorité aux malades chroniques sans médecin traitant",
     "Développer les assistants médicaux pour libérer du temps aux médecins traitants",
     "Permettre aux infirmiers de suivre certains patients avec le médecin traitant"],
    ["Revaloriser les salaires des soignants à l’hôpital",
     "Proposer des logements aux internes dans les territoires ruraux",
     "Faciliter l’installation des jeunes médecins en maison de santé",
     "Améliorer les conditions de travail des aides-soignants",
     "Développer les stages en zone rurale pendant les études de santé"],
    ["Organiser la permanence des soins le soir et le week-end entre professionnels",
     "Mieux faire connaître le service d’accès aux soins et son numéro",
     "Ouvrir des centres de soins non programmés près des urgences",
     "Développer la téléconsultation accompagnée en pharmacie",
     "Créer des transports solidaires vers les lieux de soins"],
    ["Renforcer l’éducation à la santé à l’école",
     "Multiplier les dépistages itinérants dans les villages",
     "Former des ambassadeurs de prévention dans les quartiers",
     "Développer le sport sur ordonnance",
     "Mieux prévenir la perte d’autonomie des personnes âgées"],
]
LOCAL_VARIANTS = ["", " dans le département", " au plus près des habitants", " en lien avec le CTS"]


def add_ara_contributions() -> None:
    """Proposals captured in the workshops of the twelve Auvergne-Rhône-Alpes days, and votes
    of their participants: service users and health professionals lean different ways, so the
    analysis has opinion groups to find."""
    import random

    from concertation.contributions.models import Contribution, ContributionState, Vote

    days = list(Event.objects.filter(slug__startswith="cnr-sante-2022-",
                                     department__region__code="84",
                                     kind=Event.Kind.CONSULTATION_DAY).order_by("date"))
    if not days or Contribution.objects.filter(event__in=days).exists():
        return
    rng = random.Random(2022)
    by_day: dict[int, list[Contribution]] = {}
    for day in days:
        workshops = list(day.workshops.select_related("theme").order_by("position"))
        created = []
        for theme_index, workshop in enumerate(workshops[:4]):
            for text in rng.sample(ARA_PROPOSALS[theme_index], 3):
                created.append(Contribution(
                    campaign_id=day.campaign_id, theme_id=workshop.theme_id,
                    text=text + rng.choice(LOCAL_VARIANTS) + ".",
                    origin=Contribution.Origin.WORKSHOP, event=day, workshop=workshop,
                    department_id=day.department_id, health_territory_id=day.health_territory_id,
                    state=ContributionState.PUBLISHED,
                    created_at=day.start + dt.timedelta(minutes=90 + len(created)),
                ))
        by_day[day.pk] = Contribution.objects.bulk_create(created)
    everything = [c for contributions in by_day.values() for c in contributions]
    theme_of = {c.pk: next(k for k, texts in enumerate(ARA_PROPOSALS)
                           if any(c.text.startswith(t) for t in texts)) for c in everything}
    votes = []
    for day in days:
        others = [c for c in everything if c.event_id != day.pk]
        for i in range(10):
            college = "professionnel" if i % 2 else "usager"
            voter = Registration.objects.create(
                event=day, status=RegistrationStatus.CONFIRMED, first_name=FIRST_NAMES[i],
                last_name=LAST_NAMES[(i * 3) % len(LAST_NAMES)],
                email=f"participant{i}.{day.department.code}@demo.invalid", college=college,
                consent_processing=True, checked_in_at=day.start,
            )
            # Each votes on the proposals of their day, then on others of the regional list.
            for contribution in by_day[day.pk] + rng.sample(others, 30):
                theme = theme_of[contribution.pk]
                # Professionals back attractiveness and continuity; users, access and prevention.
                leaning = 0.85 if (college == "professionnel") == (theme in (1, 2)) else 0.2
                draw = rng.random()
                value = 1 if draw < leaning else (0 if draw < leaning + 0.1 else -1)
                votes.append(Vote(contribution=contribution, registration=voter, value=value,
                                  college=college))
    Vote.objects.bulk_create(votes)
    for contribution in everything:
        cast = [v.value for v in votes if v.contribution_id == contribution.pk]
        Contribution.objects.filter(pk=contribution.pk).update(
            agree_count=cast.count(1), disagree_count=cast.count(-1), pass_count=cast.count(0))
