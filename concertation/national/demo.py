"""The end of the seeds' story in the demo: the ministry's account, the Auvergne-Rhône-Alpes
regional synthesis validated with the CRSA on 15 December 2022 (some proposals amended),
published and transmitted, and a short Centre-Val de Loire synthesis transmitted too, so that
the national inbox has two regions. Everything goes through the services, as a person would do
it; nothing is written when the synthesis already exists (the demo never overwrites). The
transmission dates are illustrative."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from concertation.accounts.models import OrganiserMembership, Role
from concertation.accounts.scope import Area, Scope
from concertation.campaigns.models import Campaign
from concertation.contributions.models import Contribution
from concertation.events.models import Event
from concertation.national.models import Transmission
from concertation.synthesis import editing, services
from concertation.synthesis import package as packages
from concertation.synthesis.models import Synthesis
from concertation.territories.models import Region

ARA_TITLE = "Synthèse régionale Auvergne-Rhône-Alpes — CNR Santé 2022"
CVL_TITLE = "Synthèse régionale Centre-Val de Loire — CNR Santé 2022"
# The amendments voted by the CRSA (demo text): proposal title → amended text.
ARA_AMENDMENTS = {
    "Revaloriser les salaires des soignants à l’hôpital":
        "Revaloriser les salaires et les gardes de nuit des soignants à l’hôpital et en "
        "établissement médico-social.",
    "Développer la téléconsultation accompagnée en pharmacie":
        "Développer la téléconsultation accompagnée en pharmacie et en maison de santé, "
        "avec un professionnel présent auprès du patient.",
}
# Short proposals of the other region, on the four national themes and on violence against
# health workers (demo text).
CVL_PROPOSALS = [
    ("Un médecin traitant pour chaque patient en affection de longue durée",
     "Attribuer en priorité un médecin traitant aux patients en affection de longue durée "
     "qui n’en ont plus, par une commission départementale avec l’Assurance maladie."),
    ("Un guichet unique d’installation pour les professionnels de santé",
     "Ouvrir dans chaque département un guichet unique qui accompagne l’installation des "
     "professionnels de santé : logement, emploi du conjoint, locaux, aides."),
    ("Des bilans de prévention aux âges clés de la vie",
     "Proposer à 25, 45 et 65 ans un bilan de prévention gratuit en pharmacie ou en maison "
     "de santé, avec un suivi par le médecin traitant."),
    ("Un parcours de santé de l’enfant de la naissance à six ans",
     "Renforcer la protection maternelle et infantile et les bilans de santé en école "
     "maternelle, avec un accès rapide à l’orthophonie et à la pédopsychiatrie."),
    ("Protéger les soignants contre les violences",
     "Former les équipes à la désescalade, faciliter le dépôt de plainte par l’établissement "
     "et suivre chaque agression déclarée au comité local de sécurité."),
]


def _ministry_account() -> None:
    User = get_user_model()
    user, created = User.objects.get_or_create(username="ministere", defaults={
        "first_name": "Claire", "last_name": "Dumas", "email": "ministere@demo.invalid"})
    if created:
        from concertation.demo.people import DEMO_PASSWORD

        user.set_password(DEMO_PASSWORD)
        user.save()
    OrganiserMembership.objects.get_or_create(user=user, role=Role.NATIONAL)


def _ars_scope(region: Region) -> Scope:
    # The demo acts as the region's ARS would, through the same services and checks.
    area = Area(region_ids=frozenset({region.pk}))
    return Scope(manage=area, moderate=area, decide=area)


def _validate_and_transmit(scope: Scope, user, synthesis: Synthesis, amendments: dict,
                           when: dt.datetime, votes: tuple[int, int, int]) -> None:
    services.transition(scope=scope, user=user, synthesis=synthesis, target="in_validation")
    for group in synthesis.groups.order_by("position"):
        amended = amendments.get(group.title, "")
        services.record_decision(
            scope=scope, user=user, synthesis=synthesis, group=group,
            outcome="amended" if amended else "adopted", votes_for=votes[0] + group.position % 7,
            votes_against=votes[1] + group.position % 3, abstentions=votes[2],
            amended_text=amended)
    services.transition(scope=scope, user=user, synthesis=synthesis, target="validated")
    services.set_public(scope=scope, user=user, synthesis=synthesis, public=True)
    # Built by the background worker that `make run` starts, as for a person.
    packages.request_package(scope=scope, user=user, synthesis=synthesis)
    services.transition(scope=scope, user=user, synthesis=synthesis, target="transmitted")
    # Illustrative dates: the story happened in December 2022, not at load time.
    Synthesis.objects.filter(pk=synthesis.pk).update(transmitted_at=when)
    Transmission.objects.filter(synthesis=synthesis).update(received_at=when)


def _auvergne_rhone_alpes() -> None:
    from concertation.demo.proposals import ARA_PROPOSALS

    region = Region.objects.get(code="84")
    if Synthesis.objects.filter(region=region, level="region", title=ARA_TITLE).exists():
        return
    days = list(Event.objects.filter(slug__startswith="cnr-sante-2022-",
                                     department__region=region,
                                     kind=Event.Kind.CONSULTATION_DAY).order_by("date"))
    restitution = Event.objects.filter(
        slug="cnr-sante-2022-restitution-auvergne-rhone-alpes").first()
    if not days or restitution is None:
        return
    user = get_user_model().objects.filter(username="ars-ara").first()
    scope = _ars_scope(region)
    synthesis = services.create_synthesis(
        scope=scope, user=user, campaign=days[0].campaign, level="region", region=region,
        title=ARA_TITLE, days=days, validation_event=restitution,
        introduction="Douze journées départementales co-organisées avec les conseils "
                     "territoriaux de santé à partir du 25 novembre 2022 ; propositions "
                     "consolidées par l’ARS et validées avec la CRSA le 15 décembre 2022.")
    contributions = list(Contribution.objects.filter(event__in=days, merged_into__isnull=True)
                         .only("pk", "text", "theme_id"))
    for texts in ARA_PROPOSALS:
        for title in texts:
            members = [c for c in contributions if c.text.startswith(title)]
            if not members:
                continue
            group = editing.create_group(scope=scope, user=user, synthesis=synthesis,
                                          title=title, contribution_ids=[c.pk for c in members])
            editing.update_group(
                scope=scope, user=user, synthesis=synthesis, group=group, title=title,
                kind="proposal", theme=members[0].theme,
                text=f"{title}, en s’appuyant sur les initiatives présentées dans "
                     f"{len({c.pk for c in members})} ateliers des journées départementales.")
    if not synthesis.groups.exists():
        return
    _validate_and_transmit(scope, user, synthesis, ARA_AMENDMENTS,
                           timezone.make_aware(dt.datetime(2022, 12, 20, 10, 0)), (38, 4, 3))


def _centre_val_de_loire() -> None:
    region = Region.objects.get(code="24")
    if Synthesis.objects.filter(region=region, level="region", title=CVL_TITLE).exists():
        return
    campaign = Campaign.objects.filter(
        syntheses__title=ARA_TITLE).first() or Campaign.objects.order_by("pk").first()
    if campaign is None:
        return
    scope = _ars_scope(region)
    synthesis = services.create_synthesis(
        scope=scope, user=None, campaign=campaign, level="region", region=region,
        title=CVL_TITLE,
        introduction="Propositions des journées départementales de la région, dont celle "
                     "d’Eure-et-Loir du 25 novembre 2022, validées avec la CRSA Centre-Val de "
                     "Loire (démonstration : contenu et dates illustratifs).")
    themes = list(campaign.themes.order_by("position", "pk"))
    for i, (title, text) in enumerate(CVL_PROPOSALS):
        group = editing.create_group(scope=scope, user=None, synthesis=synthesis, title=title)
        editing.update_group(scope=scope, user=None, synthesis=synthesis, group=group,
                              title=title, kind="proposal",
                              theme=themes[i] if i < len(themes) else None, text=text)
    _validate_and_transmit(scope, None, synthesis, {}, timezone.make_aware(
        dt.datetime(2023, 1, 10, 9, 30)), (31, 3, 2))


def load_national_demo() -> None:
    _ministry_account()
    _auvergne_rhone_alpes()
    _centre_val_de_loire()
