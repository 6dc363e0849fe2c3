"""The demo's days: the two regions' territories, the campaigns and themes, each day with
its programme, participants and lifecycle history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.text import slugify

from concertation.campaigns.models import Campaign, Phase, Theme
from concertation.events.models import Event, EventState, EventTransition
from concertation.registrations.models import Registration, RegistrationStatus
from concertation.registrations.services import recount_seats
from concertation.territories.models import (
    Department,
    HealthTerritory,
    Region,
    TerritorialCouncil,
)

# Each health territory of these two regions is one department (the CTS of the seeds).
TERRITORIES = {
    "84": ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"],
    "24": ["18", "28", "36", "37", "41", "45"],
}

NATIONAL_THEMES = [
    "Le rôle et l’accès au médecin traitant",
    "L’attractivité des métiers de la santé",
    "La permanence et l’accès aux soins",
    "Les politiques de prévention",
]
LOCAL_THEME = "Les violences dans le système de santé"

# Prefecture towns of Auvergne-Rhône-Alpes, where the demo places the departmental days.
ARA_TOWNS = {
    "01": ("Bourg-en-Bresse", "01000"),
    "03": ("Moulins", "03000"),
    "07": ("Privas", "07000"),
    "15": ("Aurillac", "15000"),
    "26": ("Valence", "26000"),
    "38": ("Grenoble", "38000"),
    "42": ("Saint-Étienne", "42000"),
    "43": ("Le Puy-en-Velay", "43000"),
    "63": ("Clermont-Ferrand", "63000"),
    "69": ("Lyon", "69003"),
    "73": ("Chambéry", "73000"),
    "74": ("Annecy", "74000"),
}
ARA_DATES = [
    dt.date(2022, 11, 25), dt.date(2022, 11, 28), dt.date(2022, 11, 29), dt.date(2022, 11, 30),
    dt.date(2022, 12, 1), dt.date(2022, 12, 2), dt.date(2022, 12, 5), dt.date(2022, 12, 6),
    dt.date(2022, 12, 7), dt.date(2022, 12, 8), dt.date(2022, 12, 9), dt.date(2022, 12, 12),
]

CCI_CHARTRES = {
    "venue_name": "CCI Eure-et-Loir",
    "venue_address": "5bis avenue Marcel Proust",
    "venue_postcode": "28000",
    "venue_city": "Chartres",
}
EURE_ET_LOIR_ORGANISERS = (
    "Conseil territorial de santé d’Eure-et-Loir\n"
    "Délégation départementale d’Eure-et-Loir de l’ARS Centre-Val de Loire"
)


@dataclass
class DemoDay:
    slug: str
    title: str
    campaign: Campaign
    department: str
    date: dt.date
    state: str
    summary: str = ""
    themes: list[Theme] = field(default_factory=list)
    talks: list[tuple[str, str, dt.time | None]] = field(default_factory=list)
    workshops: list[tuple[str, Theme | None, int]] = field(default_factory=list)
    venue: dict[str, str] = field(default_factory=lambda: dict(CCI_CHARTRES))
    co_organisers: str = EURE_ET_LOIR_ORGANISERS
    kind: str = Event.Kind.CONSULTATION_DAY
    plenary: str = "Restitution en plénière avec pistes de travail"
    regional: bool = False
    starts_at: dt.time = dt.time(9, 0)
    ends_at: dt.time = dt.time(13, 0)
    programme_pdf: bool = False
    capacity: int | None = None
    # (registered, present) demo participants
    participants: tuple[int, int] = (0, 0)


def territories_by_department() -> dict[str, HealthTerritory]:
    by_department: dict[str, HealthTerritory] = {}
    for region_code, codes in TERRITORIES.items():
        region = Region.objects.get(code=region_code)
        for code in codes:
            department = Department.objects.get(code=code)
            territory, created = HealthTerritory.objects.get_or_create(
                slug=slugify(department.name),
                defaults={"name": department.name, "region": region},
            )
            if created:
                territory.departments.add(department)
            TerritorialCouncil.objects.get_or_create(
                territory=territory,
                defaults={"name": f"Conseil territorial de santé — {department.name}"},
            )
            by_department[code] = territory
    return by_department


def demo_campaigns(today: dt.date) -> tuple[Campaign, list[Theme], Campaign, Theme]:
    national, _ = Campaign.objects.get_or_create(
        slug="cnr-sante-2022",
        defaults={
            "title": "CNR Santé 2022",
            "scope": Campaign.Scope.NATIONAL,
            "description": (
                "Conseil national de la refondation en santé : concertations territoriales "
                "sur quatre thématiques nationales, consolidées par région avec la CRSA et "
                "transmises au ministère de la santé et de la prévention."
            ),
            "starts_on": dt.date(2022, 10, 3),
            "ends_on": dt.date(2024, 6, 30),
        },
    )
    themes = [
        Theme.objects.get_or_create(
            campaign=national, slug=slugify(title)[:50], defaults={"title": title, "position": i}
        )[0]
        for i, title in enumerate(NATIONAL_THEMES)
    ]
    for i, (title, start, end) in enumerate([
        ("Journées territoriales de concertation", dt.date(2022, 10, 3), dt.date(2022, 12, 12)),
        ("Restitutions régionales avec les CRSA", dt.date(2022, 12, 1), dt.date(2022, 12, 31)),
        ("Transmission au ministère et suivi des projets", dt.date(2023, 1, 1),
         dt.date(2024, 6, 30)),
    ]):
        Phase.objects.get_or_create(
            campaign=national, title=title,
            defaults={"starts_on": start, "ends_on": end, "position": i},
        )
    local, _ = Campaign.objects.get_or_create(
        slug="cnr-sante-eure-et-loir-2024",
        defaults={
            "title": "CNR Santé Eure-et-Loir 2024",
            "scope": Campaign.Scope.LOCAL,
            "region": Region.objects.get(code="24"),
            "health_territory": HealthTerritory.objects.get(slug="eure-et-loir"),
            "description": (
                "Concertation locale portée par le conseil territorial de santé d’Eure-et-Loir, "
                "sur une thématique choisie par ses membres."
            ),
            "starts_on": dt.date(2024, 10, 1),
            "ends_on": today + dt.timedelta(days=180),
            "online_open": True,
        },
    )
    local_theme, _ = Theme.objects.get_or_create(
        campaign=local, slug="violences-systeme-de-sante", defaults={"title": LOCAL_THEME}
    )
    Phase.objects.get_or_create(
        campaign=local, title="Matinées de réflexion",
        defaults={"starts_on": dt.date(2024, 12, 12), "ends_on": today + dt.timedelta(days=90)},
    )
    return national, themes, local, local_theme


def demo_days(today: dt.date) -> list[DemoDay]:
    national, themes, local, violence = demo_campaigns(today)
    rusch = (
        "Intervention sur l’avis de mai 2023 de la CNS sur les violences en santé",
        "Pr Emmanuel Rusch, président de la Conférence nationale de santé (CNS)",
        dt.time(9, 15),
    )
    laoufi = (
        "Intervention du Défenseur des droits",
        "M. Slimane Laoufi, représentant du Défenseur des droits",
        dt.time(9, 45),
    )
    violence_workshops = [
        ("Violence des professionnels envers les usagers", violence, 45),
        ("Violence des usagers envers les professionnels", violence, 45),
    ]
    violence_summary = (
        "Matinée de réflexion ouverte à tout public, sur la thématique choisie par les membres "
        "du conseil territorial de santé d’Eure-et-Loir, afin que chacun puisse exprimer ses "
        "attentes. Deux ateliers, une approche un peu binaire qui permettra de faire des "
        "passerelles entre les deux champs de réflexion."
    )
    days = [
        DemoDay(
            slug="cnr-sante-eure-et-loir-2022-11-25",
            title="1er CNR Santé d’Eure-et-Loir",
            campaign=national, department="28", date=dt.date(2022, 11, 25), state=EventState.HELD,
            summary="Première journée de concertation du CNR Santé en Eure-et-Loir, portée par "
                    "le conseil territorial de santé et soutenue par la délégation "
                    "départementale de l’ARS.",
            themes=[themes[0], themes[1]],
            talks=[("Ouverture et présentation de la démarche CNR Santé",
                    "Président du conseil territorial de santé d’Eure-et-Loir", dt.time(9, 0))],
            workshops=[("Rôle et accès au médecin traitant", themes[0], 40),
                       ("Attractivité des métiers de la santé", themes[1], 40)],
        ),
        DemoDay(
            slug="cnr-sante-eure-et-loir-2024-02-01",
            title="2e CNR Santé d’Eure-et-Loir",
            campaign=national, department="28", date=dt.date(2024, 2, 1), state=EventState.HELD,
            summary="Deuxième journée : suite des travaux sur les thématiques nationales, "
                    "vers un plan départemental de prévention et promotion de la santé.",
            themes=[themes[1], themes[3]],
            talks=[("Retour sur les propositions du 25 novembre 2022",
                    "Secrétariat du conseil territorial de santé d’Eure-et-Loir", dt.time(9, 0))],
            workshops=[("Accompagnement des professionnels de santé", themes[1], 40),
                       ("Prévention et promotion de la santé", themes[3], 40)],
        ),
        DemoDay(
            slug="cnr-sante-eure-et-loir-2024-12-12",
            title="3e CNR Santé d’Eure-et-Loir : les violences dans le système de santé",
            campaign=local, department="28", date=dt.date(2024, 12, 12), state=EventState.HELD,
            summary=violence_summary, themes=[violence], talks=[rusch, laoufi],
            workshops=violence_workshops, programme_pdf=True, capacity=90,
            participants=(88, 83),
        ),
        DemoDay(
            slug="cnr-sante-eure-et-loir-4",
            title="4e CNR Santé d’Eure-et-Loir : les violences dans le système de santé",
            campaign=local, department="28", date=today + dt.timedelta(days=30),
            state=EventState.REGISTRATION_OPEN,
            summary="Suite des travaux du 12 décembre 2024 : des pistes de travail aux actions, "
                    "avec les usagers, les professionnels et les élus. " + violence_summary,
            themes=[violence], talks=[rusch, laoufi], workshops=violence_workshops,
            programme_pdf=True, capacity=90, participants=(23, 0),
        ),
        DemoDay(
            slug="cnr-sante-eure-et-loir-5",
            title="5e CNR Santé d’Eure-et-Loir (en préparation)",
            campaign=local, department="28", date=today + dt.timedelta(days=120),
            state=EventState.DRAFT, themes=[violence], workshops=violence_workshops,
        ),
    ]
    for (code, (town, postcode)), date in zip(ARA_TOWNS.items(), ARA_DATES, strict=True):
        name = Department.objects.get(code=code).name
        days.append(DemoDay(
            slug=f"cnr-sante-2022-{code}",
            title=f"CNR Santé — journée de concertation {name}",
            campaign=national, department=code, date=date, state=EventState.HELD,
            summary="Journée d’échanges co-organisée par l’ARS Auvergne-Rhône-Alpes et le "
                    "conseil territorial de santé, en lien avec le préfet et l’Assurance "
                    "maladie, sur les quatre thématiques nationales du CNR Santé.",
            themes=themes,
            talks=[("Ouverture : le CNR Santé, un axe de la refondation",
                    "Délégation départementale de l’ARS et président du CTS", dt.time(9, 0))],
            workshops=[(theme.title, theme, 30) for theme in themes],
            venue={"venue_name": f"Préfecture — {name}", "venue_address": "Hôtel de préfecture",
                   "venue_postcode": postcode, "venue_city": town},
            co_organisers=(f"ARS Auvergne-Rhône-Alpes\nConseil territorial de santé — {name}\n"
                           f"Préfecture\nAssurance maladie"),
        ))
    days.append(DemoDay(
        slug="cnr-sante-2022-restitution-auvergne-rhone-alpes",
        title="CNR Santé — restitution régionale Auvergne-Rhône-Alpes avec la CRSA",
        campaign=national, department="69", date=dt.date(2022, 12, 15), state=EventState.HELD,
        kind=Event.Kind.REGIONAL_RESTITUTION, regional=True,
        summary="Réunion régionale de restitution des propositions issues des douze journées "
                "départementales, avec la Conférence régionale de la santé et de l’autonomie "
                "(CRSA) et les parties prenantes : validation des propositions transmises au "
                "ministère de la santé et de la prévention.",
        themes=themes,
        talks=[("Synthèse des douze journées départementales", "ARS Auvergne-Rhône-Alpes",
                dt.time(14, 0)),
               ("Validation des propositions", "Président de la CRSA Auvergne-Rhône-Alpes",
                dt.time(15, 30))],
        venue={"venue_name": "ARS Auvergne-Rhône-Alpes", "venue_address": "241 rue Garibaldi",
               "venue_postcode": "69003", "venue_city": "Lyon"},
        co_organisers="ARS Auvergne-Rhône-Alpes\nCRSA Auvergne-Rhône-Alpes",
        plenary="Vote des propositions", starts_at=dt.time(14, 0), ends_at=dt.time(17, 0),
    ))
    return days


def programme_pdf(event: Event) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML  # heavy import, only when a document is generated

    html = render_to_string(
        "events/programme_pdf.html",
        {"event": event, "talks": event.talks.all(), "workshops": event.workshops.all()},
    )
    return HTML(string=html).write_pdf()


def walk_history(event: Event, state: str) -> None:
    """Walk a demo day through the real lifecycle up to its state, logging each step."""
    path = {
        EventState.DRAFT: [],
        EventState.REGISTRATION_OPEN: [EventState.REGISTRATION_OPEN],
        EventState.HELD: [EventState.REGISTRATION_OPEN, EventState.REGISTRATION_CLOSED,
                          EventState.HELD],
    }[state]
    previous = EventState.DRAFT
    for target in path:
        EventTransition.objects.create(event=event, from_state=previous, to_state=target,
                                       note="Données de démonstration")
        previous = target
    event.state = state
    event.save(update_fields=["state"])


FIRST_NAMES = ["Camille", "Dominique", "Claude", "Sacha", "Alix", "Morgane", "Yanis", "Inès",
               "Louis", "Chloé", "Nathalie", "Karim", "Sophie", "Thierry", "Fatou", "Hugo"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Roux",
              "Fournier", "Girard", "Bonnet", "Dupont"]
ORGANISATIONS = ["Centre hospitalier de Chartres", "France Assos Santé Centre-Val de Loire",
                 "CPTS du Pays chartrain", "Mairie de Dreux", "", "Union régionale des "
                 "professionnels de santé", "CPAM d’Eure-et-Loir", ""]


def add_participants(event: Event, registered: int, present: int) -> None:
    """Fictitious participants (addresses in the reserved .invalid domain), spread over the
    colleges and workshops, so lists, exports and attendance sheets have something to show."""
    workshops = list(event.workshops.all())
    colleges = [code for code, _ in event.campaign.college_choices]
    start = dt.datetime.combine(event.date - dt.timedelta(days=20), dt.time(9),
                                tzinfo=timezone.get_current_timezone())
    for i in range(registered):
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)]
        registration = Registration.objects.create(
            event=event, status=RegistrationStatus.CONFIRMED, first_name=first, last_name=last,
            email=f"{slugify(first)}.{slugify(last)}.{i}@demo.invalid",
            organisation=ORGANISATIONS[i % len(ORGANISATIONS)],
            college=colleges[(i * 3) % len(colleges)], consent_processing=True,
            created_at=start + dt.timedelta(hours=5 * i),
            checked_in_at=(dt.datetime.combine(event.date, dt.time(8, 45),
                                               tzinfo=timezone.get_current_timezone())
                           if i < present else None),
        )
        if workshops:
            registration.workshops.add(workshops[i % len(workshops)])
    recount_seats(event)  # rows written directly: the seat counters follow them
