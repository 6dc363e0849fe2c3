"""The site's open data, published the data.gouv.fr way: each table a CSV at a stable URL
(`/donnees-ouvertes/<table>.csv`), described by a Table Schema kept in the repository in the
layout schema.data.gouv.fr expects (`schemas/<schema>/schema.json`, README, CHANGELOG, an
example), and a DCAT catalogue (JSON-LD) for harvesters.

Rows come from the public QuerySets the API and the public pages read (an anonymous
visitor's rights), and columns from the one list each app already keeps for its own open-data
files: the public list's export (contributions), a synthesis package's `PROPOSALS`, the
projects' `PROJECT_FIELDS` and `MILESTONE_FIELDS`; the days' list is here. Every CSV goes
through `core/tabular.py`. No personal data: no name, e-mail or account."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max
from django.urls import reverse

from concertation.contributions.models import Contribution
from concertation.contributions.views.public import EXPORT_COLUMNS, export_rows
from concertation.core import tabular
from concertation.events.models import Event, EventState
from concertation.projects import exports as project_exports
from concertation.projects.models import Milestone, Project
from concertation.synthesis import opendata as synthesis_opendata
from concertation.synthesis import provenance
from concertation.synthesis.models import Synthesis

LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LICENCE = {"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence 2.0",
           "path": LICENCE_URL}
SCHEMA_VERSION = "1.0.0"
PUBLIC_DAY_STATES = [s for s, _ in EventState.choices if s != EventState.DRAFT]

# The consultation days' columns (name, Table Schema type, description in French).
DAY_COLUMNS = [
    ("identifiant", "string", "Identifiant stable de la journée (dans l’adresse de sa page)."),
    ("titre", "string", "Titre de la journée."),
    ("etat", "string", "Code de l’état : " + ", ".join(PUBLIC_DAY_STATES) + "."),
    ("etat_libelle", "string", "État en clair (Publiée, Inscriptions ouvertes, …)."),
    ("date", "date", "Date de la journée (AAAA-MM-JJ)."),
    ("heure_debut", "time", "Heure de début, heure de France (HH:MM:SS)."),
    ("heure_fin", "time", "Heure de fin, heure de France (HH:MM:SS)."),
    ("campagne", "string", "Campagne de concertation."),
    ("themes", "string", "Thèmes, séparés par « ; »."),
    ("lieu", "string", "Nom du lieu."),
    ("adresse", "string", "Adresse du lieu."),
    ("code_postal", "string", "Code postal du lieu."),
    ("ville", "string", "Ville."),
    ("departement_code", "string", "Code officiel géographique du département."),
    ("region_code", "string", "Code officiel géographique de la région."),
    ("territoire_sante", "string", "Territoire de santé (vide pour une journée régionale)."),
    ("ateliers", "integer", "Nombre d’ateliers au programme."),
    ("url", "string", "Adresse de la page publique de la journée."),
]

# Constraints and examples that the columns' lists leave out (schema.data.gouv.fr asks an
# example for every field; a test checks each one against its field).
EXTRA: dict[str, dict[str, dict]] = {
    "journees": {
        "identifiant": {"constraints": {"required": True, "unique": True},
                        "example": "journee-acces-aux-soins-chartres"},
        "titre": {"example": "Accès aux soins en Eure-et-Loir"},
        "etat": {"constraints": {"enum": PUBLIC_DAY_STATES}, "example": "registration_open"},
        "etat_libelle": {"example": "Inscriptions ouvertes"},
        "date": {"example": "2026-03-14"}, "heure_debut": {"example": "09:00:00"},
        "heure_fin": {"example": "13:00:00"}, "campagne": {"example": "Ma santé, mon avis"},
        "themes": {"example": "Accès aux soins ; Prévention"},
        "lieu": {"example": "CCI Eure-et-Loir"},
        "adresse": {"example": "5bis avenue Marcel Proust"},
        "code_postal": {"constraints": {"pattern": "[0-9][0-9AB][0-9]{3}"}, "example": "28000"},
        "ville": {"example": "Chartres"},
        "departement_code": {"example": "28"}, "region_code": {"example": "24"},
        "territoire_sante": {"example": "Eure-et-Loir"},
        "ateliers": {"constraints": {"minimum": 0}, "example": 3},
        "url": {"format": "uri", "example": "https://concertation.example.fr/journees/"
                                            "journee-acces-aux-soins-chartres/"},
    },
    "contributions": {
        "id": {"constraints": {"required": True, "unique": True}, "example": 1042},
        "texte": {"example": "Ouvrir une maison de santé le samedi matin."},
        "theme": {"example": "Accès aux soins"},
        "origine": {"constraints": {"enum": [label for _, label in Contribution.Origin.choices]},
                    "example": "Atelier d’une journée"},
        "journee": {"example": "Accès aux soins en Eure-et-Loir"},
        "date": {"example": "2026-03-14"}, "atelier": {"example": "Premier recours"},
        "territoire": {"example": "Eure-et-Loir"}, "college": {"example": "usagers"},
        "statut": {"constraints": {"enum": ["Publiée", "Retenue comme piste de travail",
                                            "Validée", "Transmise"]}, "example": "Publiée"},
        "d_accord": {"constraints": {"minimum": 0}, "example": 12},
        "pas_d_accord": {"constraints": {"minimum": 0}, "example": 2},
        "sans_avis": {"constraints": {"minimum": 0}, "example": 1},
        "fusionne_dans": {"example": 1040},
        "cree_le": {"example": "2026-03-14T10:32:05+00:00"},
    },
    "propositions": {
        "id": {"constraints": {"required": True, "unique": True}, "example": 311},
        "synthese": {"example": "synthese-centre-val-de-loire-2026"}, "version": {"example": 1},
        "position": {"example": 4}, "intitule": {"example": "Un médecin traitant pour chacun"},
        "nature": {"example": "proposal"}, "theme": {"example": "Accès aux soins"},
        "texte_soumis": {"example": "Garantir un médecin traitant à chaque habitant."},
        "texte_final": {"example": "Garantir un médecin traitant à chaque habitant, partout."},
        "decision": {"example": "amended"}, "decision_libelle": {"example": "Amendée"},
        "voix_pour": {"example": 30}, "voix_contre": {"example": 2},
        "abstentions": {"example": 1}, "contributions_citees": {"example": 6},
        "contributions_fusionnees": {"example": 2}, "contributions_en_ligne": {"example": 1},
        "journees": {"example": 2},
        "ateliers": {"example": "Accès aux soins en Eure-et-Loir (14/03/2026) — Premier recours"},
        "territoires": {"example": "Eure-et-Loir"}, "departements": {"example": "28"},
        "colleges": {"example": "Usagers ; Professionnels de santé"},
        "participants": {"example": 41}, "votes_pour": {"example": 120},
        "votes_contre": {"example": 14}, "votes_neutres": {"example": 9},
    },
    "projets": {
        "identifiant": {"constraints": {"required": True, "unique": True},
                        "example": "maison-de-sante-de-nogent"},
        "intitule": {"example": "Maison de santé de Nogent-le-Rotrou"},
        "presentation": {"example": "Une maison de santé ouverte le samedi matin."},
        "etat": {"constraints": {"enum": ["labelled", "in_progress", "delivered", "abandoned"]},
                 "example": "in_progress"},
        "etat_libelle": {"example": "En cours"}, "label": {"example": "CNR Santé"},
        "labellise_le": {"example": "2026-05-02"}, "cree_le": {"example": "2026-04-20"},
        "region_code": {"example": "24"}, "region": {"example": "Centre-Val de Loire"},
        "territoire_sante": {"example": "Eure-et-Loir"},
        "themes": {"example": "Accès aux soins"},
        "pacte_ou_programme": {"example": "Pacte territorial de santé d’Eure-et-Loir"},
        "structure_porteuse": {"example": "Communauté de communes du Perche"},
        "co_pilotes": {"example": "CPTS du Perche ; Conseil départemental"},
        "partenaires": {"example": "Assurance maladie"},
        "avancement": {"constraints": {"minimum": 0, "maximum": 100}, "example": 40},
        "jalons": {"example": 5}, "jalons_atteints": {"example": 2},
        "journees_origine": {"example": "2026-03-14 Accès aux soins en Eure-et-Loir"},
        "propositions_origine": {"example": 3},
        "adresse": {"format": "uri",
                    "example": "https://concertation.example.fr/projets/maison-de-sante-de-nogent/"},
    },
    "jalons": {
        "projet": {"constraints": {"required": True}, "example": "maison-de-sante-de-nogent"},
        "cle": {"constraints": {"required": True}, "example": "ouverture"},
        "intitule": {"example": "Ouverture au public"},
        "date_prevue": {"example": "2026-09-01"}, "date_reelle": {"example": "2026-09-15"},
        "statut": {"constraints": {"enum": ["planned", "in_progress", "done", "dropped"]},
                   "example": "done"},
        "statut_libelle": {"example": "Atteint"},
        "poids": {"constraints": {"minimum": 0}, "example": 2},
    },
}


def _as_columns(fields: list[dict]) -> list[tuple[str, str, str]]:
    return [(f["name"], f["type"], f["description"]) for f in fields]


def _day_rows() -> Iterable[list]:
    days = (Event.objects.public().for_listing()
            .annotate(n_workshops=Count("workshops", distinct=True)).order_by("date", "id"))
    for e in days:
        yield [e.slug, e.title, e.state, e.get_state_display(), e.date.isoformat(),
               e.starts_at.isoformat(), e.ends_at.isoformat(), e.campaign.title,
               " ; ".join(t.title for t in e.themes.all()), e.venue_name, e.venue_address,
               e.venue_postcode, e.venue_city, e.department.code, e.department.region.code,
               e.health_territory.name if e.health_territory else "", e.n_workshops,
               settings.SITE_URL + e.get_absolute_url()]


def _contribution_rows() -> Iterable[list]:
    # The public list's own rows (`Contribution.objects.visible()`), in a stable order.
    return export_rows(Contribution.objects.visible()
                       .select_related("event", "workshop", "theme", "health_territory")
                       .order_by("id"))


def _proposal_rows() -> Iterable[list]:
    syntheses = list(Synthesis.objects.published().select_related("campaign").order_by("id"))
    figures = provenance.compute_many(syntheses)
    return synthesis_opendata.proposal_rows(syntheses, figures)


def _records(records: list[dict], columns) -> Iterable[list]:
    return ([record[name] for name, _, _ in columns] for record in records)


def _project_rows() -> Iterable[list]:
    return _records(project_exports.open_data_records()[0], project_exports.PROJECT_FIELDS)


def _milestone_rows() -> Iterable[list]:
    return _records(project_exports.open_data_records()[1], project_exports.MILESTONE_FIELDS)


def _latest(*values: dt.datetime | None) -> dt.datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _days_modified():
    return Event.objects.public().aggregate(m=Max("updated_at"))["m"]


def _contributions_modified():
    return Contribution.objects.visible().aggregate(m=Max("updated_at"))["m"]


def _proposals_modified():
    return Synthesis.objects.published().aggregate(m=Max("updated_at"))["m"]


def _projects_modified():
    return _latest(Project.objects.public().aggregate(m=Max("updated_at"))["m"],
                   Milestone.objects.filter(project__in=Project.objects.public())
                   .aggregate(m=Max("updated_at"))["m"])


@dataclass(frozen=True)
class Table:
    """One CSV file and its Table Schema."""

    name: str  # the file: /donnees-ouvertes/<name>.csv
    title: str
    description: str
    columns: list[tuple[str, str, str]]
    primary_key: list[str]
    rows: Callable[[], Iterable[Iterable]]

    @property
    def schema_name(self) -> str:
        return f"concertation-{self.name}"

    def csv(self) -> bytes:
        return tabular.write_csv([tabular.Sheet("", [c[0] for c in self.columns], self.rows())],
                                 delimiter=",", bom=False)

    def schema(self) -> dict:
        extra = EXTRA[self.name]
        fields = []
        for name, type_, description in self.columns:
            field = {"name": name, "title": name.replace("_", " ").capitalize(),
                     "type": type_, "description": description, **extra.get(name, {})}
            fields.append(field)
        return {
            "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
            "name": self.schema_name,
            "title": self.title,
            "description": self.description,
            "countryCode": "FR",
            "homepage": settings.SITE_URL + reverse("opendata:index"),
            "path": settings.SITE_URL + reverse("opendata:schema", args=[self.schema_name]),
            "resources": [{"title": "Fichier valide (CSV)", "name": "exemple-valide-csv",
                           "path": "exemple-valide.csv"}],
            "created": "2026-12-08",
            "lastModified": "2026-12-08",
            "version": SCHEMA_VERSION,
            "licenses": [LICENCE],
            "contributors": [{"title": "Équipe Concertation", "role": "author"}],
            "fields": fields,
            "primaryKey": self.primary_key,
            "missingValues": [""],
        }

    def schema_json(self) -> str:
        return json.dumps(self.schema(), ensure_ascii=False, indent=2) + "\n"

    def readme(self) -> str:
        lines = [f"# {self.title}", "", self.description, "",
                 f"Schéma `{self.schema_name}`, version {SCHEMA_VERSION}, au format Table Schema "
                 "(`schema.json`). Fichier publié : `/donnees-ouvertes/"
                 f"{self.name}.csv` (UTF-8, séparateur virgule), sous Licence Ouverte 2.0 "
                 "(Etalab). Exemple : `exemple-valide.csv`, tiré du jeu de données des tests.",
                 "", "| champ | type | description |", "|---|---|---|"]
        lines += [f"| `{n}` | {t} | {d} |" for n, t, d in self.columns]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Dataset:
    """One dataset of the catalogue: one or more tables."""

    slug: str
    title: str
    description: str
    keywords: tuple[str, ...]
    tables: tuple[Table, ...]
    modified: Callable[[], dt.datetime | None]


TABLES = {t.name: t for t in [
    Table("journees", "Journées de concertation en santé",
          "Les journées de concertation publiées : date, horaires, lieu, territoire, thèmes et "
          "nombre d’ateliers. Ni les brouillons ni les journées non publiques.",
          DAY_COLUMNS, ["identifiant"], _day_rows),
    Table("contributions", "Contributions publiques aux concertations en santé",
          "Les contributions publiées (en atelier ou en ligne), avec leur thème, leur origine et "
          "leurs votes. Jamais l’auteur : ni nom, ni adresse, ni compte.",
          EXPORT_COLUMNS, ["id"], _contribution_rows),
    Table("propositions", "Propositions des synthèses et décisions de la CRSA",
          "Les propositions des synthèses publiées (validées ou transmises), la décision de la "
          "CRSA avec ses voix, et leur provenance (contributions, journées, territoires, "
          "collèges, votes).",
          _as_columns(synthesis_opendata.PROPOSALS), ["id"], _proposal_rows),
    Table("projets", "Projets labellisés issus des concertations en santé",
          "Les projets labellisés (ou réalisés, abandonnés après labellisation), leur "
          "avancement calculé depuis leurs jalons et leurs origines.",
          project_exports.PROJECT_FIELDS, ["identifiant"], _project_rows),
    Table("jalons", "Jalons des projets labellisés",
          "Les jalons des projets publiés : dates prévue et réelle, statut, poids dans "
          "l’avancement.",
          project_exports.MILESTONE_FIELDS, ["projet", "cle"], _milestone_rows),
]}

DATASETS = [
    Dataset("journees", TABLES["journees"].title, TABLES["journees"].description,
            ("santé", "démocratie en santé", "concertation", "agenda"),
            (TABLES["journees"],), _days_modified),
    Dataset("contributions", TABLES["contributions"].title, TABLES["contributions"].description,
            ("santé", "démocratie en santé", "participation citoyenne"),
            (TABLES["contributions"],), _contributions_modified),
    Dataset("propositions", TABLES["propositions"].title, TABLES["propositions"].description,
            ("santé", "CRSA", "démocratie en santé"), (TABLES["propositions"],),
            _proposals_modified),
    Dataset("projets", "Projets labellisés et leurs jalons",
            TABLES["projets"].description + " Leurs jalons dans un second fichier.",
            ("santé", "projets", "territoires"), (TABLES["projets"], TABLES["jalons"]),
            _projects_modified),
]


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _when(value: dt.datetime | None) -> dict | None:
    if value is None:
        return None
    return {"@value": value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "@type": "xsd:dateTime"}


def catalogue(modified: dict[str, dt.datetime | None]) -> dict:
    """The DCAT catalogue (DCAT-AP, JSON-LD with its context inline: nothing to fetch)."""
    licence = {"@id": LICENCE_URL}
    publisher = {"@type": "foaf:Organization", "foaf:name": settings.OPERATOR_NAME}
    datasets = []
    for d in DATASETS:
        when = _when(modified[d.slug])
        datasets.append({
            "@id": _url("opendata:index") + f"#{d.slug}",
            "@type": "dcat:Dataset",
            "dct:identifier": d.slug,
            "dct:title": {"@value": d.title, "@language": "fr"},
            "dct:description": {"@value": d.description, "@language": "fr"},
            "dcat:keyword": [{"@value": k, "@language": "fr"} for k in d.keywords],
            "dct:license": licence,
            "dct:publisher": publisher,
            "dcat:landingPage": {"@id": _url("opendata:index")},
            **({"dct:modified": when} if when else {}),
            "dcat:distribution": [{
                "@id": _url("opendata:download", t.name),
                "@type": "dcat:Distribution",
                "dct:title": {"@value": f"{t.name}.csv", "@language": "fr"},
                "dct:description": {"@value": t.description, "@language": "fr"},
                "dcat:downloadURL": {"@id": _url("opendata:download", t.name)},
                "dcat:accessURL": {"@id": _url("opendata:download", t.name)},
                "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/"
                                          "text/csv"},
                "dct:format": "CSV",
                "dct:license": licence,
                "dct:conformsTo": {"@id": _url("opendata:schema", t.schema_name)},
                **({"dct:modified": when} if when else {}),
            } for t in d.tables],
        })
    latest = _when(_latest(*modified.values()))
    return {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "foaf": "http://xmlns.com/foaf/0.1/",
                     "xsd": "http://www.w3.org/2001/XMLSchema#"},
        "@id": _url("opendata:catalogue"),
        "@type": "dcat:Catalog",
        "dct:title": {"@value": f"Données ouvertes — {settings.SITE_TITLE}", "@language": "fr"},
        "dct:description": {"@value": "Journées de concertation, contributions publiques, "
                                      "propositions et décisions de la CRSA, projets labellisés "
                                      "et leurs jalons.", "@language": "fr"},
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/FRA"},
        "dct:license": licence,
        "dct:publisher": publisher,
        "foaf:homepage": {"@id": _url("opendata:index")},
        **({"dct:modified": latest} if latest else {}),
        "dcat:dataset": datasets,
    }


def modified_dates() -> dict[str, dt.datetime | None]:
    return {d.slug: d.modified() for d in DATASETS}
