"""A small validated regional synthesis, built directly with the ORM, for the package, public
page and open-data tests (the state changes themselves are tested with the services)."""

from __future__ import annotations

import datetime as dt

from concertation.campaigns.models import Campaign
from concertation.contributions import services as contributions
from concertation.contributions.models import Comment
from concertation.territories.models import Region
from tests.factories import (
    CampaignFactory,
    ContributionFactory,
    EventFactory,
    RegistrationFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    ThemeFactory,
    UserFactory,
    cite,
    decide,
    make_territory,
)

# The lines the documents must show, in this order (headings and key lines).
EXPECTED_LINES = [
    "Synthèse régionale Auvergne-Rhône-Alpes",
    "Contexte et méthode",
    "Douze journées départementales ont réuni usagers et professionnels.",
    "Participation",
    "Par territoire de santé",
    "Par collège",
    "Propositions validées par thème national",
    "Accès aux soins",
    "1. Un médecin traitant pour chacun",
    "Garantir à chacun un médecin traitant à moins de trente minutes.",
    "Décision : Adoptée (30 voix pour, 2 contre, 1 abstention)",
    "Provenance : 3 contributions · 2 journées · 2 territoires · 4 collèges · 4 participants"
    " · 3 votes",
    "2. Des maisons de santé dans chaque canton",
    "Ouvrir une maison de santé pluriprofessionnelle dans chaque canton d’ici 2027.",
    "Texte soumis à la CRSA : Ouvrir des maisons de santé.",
    "Décision : Adoptée avec amendement (25 voix pour, 5 contre, 3 abstentions)",
    "Prévention",
    "3. Le sport sur ordonnance",
    "Propositions non retenues ou ajournées",
    "Fermer les urgences la nuit — Rejetée (3 voix pour, 28 contre, 2 abstentions)",
    "Annexe : journées de concertation",
]


def validated_synthesis(*, state: str = "validated", public: bool = False):
    region = Region.objects.get(code="84")
    campaign = CampaignFactory(scope=Campaign.Scope.LOCAL, region=region,
                               title="CNR Santé Auvergne-Rhône-Alpes")
    access = ThemeFactory(campaign=campaign, title="Accès aux soins", position=1)
    prevention = ThemeFactory(campaign=campaign, title="Prévention", position=2)
    ain, isere = make_territory("01"), make_territory("38")
    day1 = EventFactory(campaign=campaign, health_territory=ain, past=True,
                        title="Journée de l’Ain", date=dt.date(2022, 11, 25),
                        venue_city="Bourg-en-Bresse")
    day2 = EventFactory(campaign=campaign, health_territory=isere, past=True,
                        title="Journée de l’Isère", date=dt.date(2022, 12, 2),
                        venue_city="Grenoble")
    r1 = RegistrationFactory(event=day1, college="usager")
    r2 = RegistrationFactory(event=day1, college="professionnel",
                             checked_in_at=dt.datetime(2022, 11, 25, 9, tzinfo=dt.UTC))
    r3 = RegistrationFactory(event=day2, college="usager",
                             checked_in_at=dt.datetime(2022, 12, 2, 9, tzinfo=dt.UTC))
    u1 = UserFactory()
    a = ContributionFactory(event=day1, campaign=campaign, registration=r1, theme=access,
                            text="Plus de médecins traitants dans l’Ain")
    b = ContributionFactory(event=day2, campaign=campaign, college="elu", theme=access,
                            text="Un médecin traitant pour tous en Isère")
    c = ContributionFactory(event=None, campaign=campaign, origin="online", author=u1,
                            college="citoyen", theme=access, title="Maisons de santé",
                            text="=Des maisons de santé partout")
    d = ContributionFactory(event=day2, campaign=campaign, theme=prevention,
                            text="Prescrire l’activité physique")
    e = ContributionFactory(event=day1, campaign=campaign, text="Fermer les urgences la nuit")
    hidden = ContributionFactory(event=day1, campaign=campaign, state="submitted",
                                 text="Texte en attente de modération")
    contributions.vote(contribution=a, value=1, registration=r2)
    contributions.vote(contribution=b, value=1, registration=r2)
    contributions.vote(contribution=b, value=-1, registration=r3)
    contributions.vote(contribution=a, value=0, user=u1, college="citoyen")
    contributions.merge(target=a, sources=[b], user=None)
    first = Comment.objects.create(contribution=a, author=u1, text="Tout à fait d’accord")
    Comment.objects.create(contribution=a, author=u1, parent=first, text="Et en Isère aussi")
    masked = Comment.objects.create(contribution=c, author=u1, text="Propos déplacé",
                                    masked=True)
    Comment.objects.create(contribution=c, author=u1, parent=masked, text="Réponse masquée")
    Comment.objects.create(contribution=d, author=u1, text="Le sport, c’est la santé")
    synthesis = SynthesisFactory(
        campaign=campaign, region=region, title="Synthèse régionale Auvergne-Rhône-Alpes",
        slug="synthese-ara", introduction="Douze journées départementales ont réuni usagers "
        "et professionnels.", includes_online=True, state=state, is_public=public, revision=7,
    )
    synthesis.days.set([day1, day2])
    g1 = SynthesisGroupFactory(synthesis=synthesis, title="Un médecin traitant pour chacun",
                               theme=access, position=1,
                               text="Garantir à chacun un médecin traitant à moins de trente "
                                    "minutes.")
    g2 = SynthesisGroupFactory(synthesis=synthesis, title="Des maisons de santé dans chaque "
                               "canton", theme=access, position=2,
                               text="Ouvrir des maisons de santé.")
    g3 = SynthesisGroupFactory(synthesis=synthesis, title="Le sport sur ordonnance",
                               theme=prevention, position=3,
                               text="Prescrire une activité physique adaptée.")
    g4 = SynthesisGroupFactory(synthesis=synthesis, title="Fermer les urgences la nuit",
                               position=4, text="Fermer les urgences la nuit.")
    suggestion = SynthesisGroupFactory(synthesis=synthesis, title="Suggestion écartée",
                                       accepted=False, position=5)
    cite(g1, a, hidden)
    cite(g2, c)
    cite(g3, d)
    cite(g4, e)
    decide(g1, "adopted", votes=(30, 2, 1))
    decide(g2, "amended", votes=(25, 5, 3), amended_text="Ouvrir une maison de santé "
           "pluriprofessionnelle dans chaque canton d’ici 2027.")
    decide(g3, "adopted", votes=(20, 0, 0))
    decide(g4, "rejected", votes=(3, 28, 2))
    return {"synthesis": synthesis, "campaign": campaign, "groups": [g1, g2, g3, g4],
            "suggestion": suggestion, "days": [day1, day2], "contributions": [a, b, c, d, e],
            "hidden": hidden, "region": region}


def assert_lines_in_order(text: str, expected: list[str] = EXPECTED_LINES) -> None:
    """Each expected line appears in `text`, in order (whitespace normalised)."""
    # A PDF breaks "Auvergne-Rhône-Alpes" after its hyphen.
    flat = " ".join(text.split()).replace("- ", "-")
    position = 0
    for line in expected:
        wanted = " ".join(line.split())
        found = flat.find(wanted, position)
        assert found >= 0, f"ligne attendue absente ou hors d’ordre : {line!r}"
        position = found + len(wanted)
