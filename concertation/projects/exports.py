"""Exports: the milestone sheet (CSV or XLSX, the format `imports` reads back) for organisers,
and the open-data set of public projects (JSON, CSV, its field README and Table Schema).

No personal data leaves here: neither followers nor the names of organisers."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Prefetch

from concertation.core import tabular
from concertation.projects.imports import COLUMNS
from concertation.projects.models import Milestone, Project
from concertation.projects.origins import origin_days

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(projects: Iterable[Project]) -> list[list]:
    """One row per milestone (and one per project without any, to start from)."""
    rows = []
    for project in projects:
        state = project.get_state_display()
        milestones: list[Milestone] = list(project.milestones.all())
        for m in milestones:
            rows.append([project.slug, project.title, state, m.key, m.title, m.planned_date,
                         m.actual_date, m.get_status_display(), m.weight, m.evidence_url,
                         m.evidence_note])
        if not milestones:
            rows.append([project.slug, project.title, state, "", "", None, None, "", "", "", ""])
    return rows


def milestone_sheet(projects: Iterable[Project], fmt: str) -> bytes:
    headers = [header for _, header in COLUMNS]
    rows = sheet_rows(projects)
    milestones = tabular.Sheet("Jalons", headers, rows,
                               widths=(34, 40, 14, 28, 44, 12, 12, 12, 7, 30, 40))
    if fmt == "csv":
        return tabular.write_csv([milestones])
    guide = tabular.Sheet("Mode d’emploi", [SHEET_HELP[0]], ([line] for line in SHEET_HELP[1:]),
                          widths=(120,), bold_header=False)
    return tabular.write_xlsx([milestones, guide])


SHEET_HELP = [
    "Feuille des jalons : modifiez-la puis importez-la depuis l’espace organisateur "
    "(Projets labellisés → Importer une feuille de jalons).",
    "projet : identifiant du projet (ne pas modifier). intitule_projet : pour mémoire, "
    "ignoré à l’import.",
    "etat_projet : laisser tel quel, ou passer à l’étape suivante (Labellisé → En cours → "
    "Réalisé). L’abandon se déclare dans l’espace organisateur, avec son motif.",
    "cle_jalon : identifiant stable du jalon dans le projet (minuscules, chiffres, tirets). "
    "Une clé nouvelle crée un jalon ; une clé connue met le jalon à jour : réimporter la même "
    "feuille ne crée aucun doublon.",
    "date_prevue, date_reelle : JJ/MM/AAAA. La date réelle ne peut précéder la création du "
    "projet ; un jalon « Atteint » doit avoir sa date réelle.",
    "statut_jalon : Prévu, En cours, Atteint ou Abandonné. poids : part du jalon dans "
    "l’avancement (entier, 1 par défaut).",
    "Si une ligne est incorrecte, rien n’est importé et chaque ligne à corriger est signalée "
    "avec son numéro.",
]


# Open data -----------------------------------------------------------------------------------

# (name, Table Schema type, description in French): the one list behind the JSON, the CSV, the
# README and the schema.
PROJECT_FIELDS = [
    ("identifiant", "string", "Identifiant stable du projet (dans son adresse)."),
    ("intitule", "string", "Intitulé du projet."),
    ("presentation", "string", "Présentation du projet."),
    ("etat", "string", "Code de l’état : labelled, in_progress, delivered ou abandoned."),
    ("etat_libelle", "string", "État en clair : Labellisé, En cours, Réalisé, Abandonné."),
    ("label", "string", "Label attribué (par exemple « CNR Santé »)."),
    ("labellise_le", "date", "Date de la labellisation (AAAA-MM-JJ)."),
    ("cree_le", "date", "Date de création du projet à partir de ses origines."),
    ("region_code", "string", "Code officiel géographique de la région."),
    ("region", "string", "Nom de la région."),
    ("territoire_sante", "string", "Territoire de santé (vide pour un projet régional)."),
    ("themes", "string", "Thèmes, séparés par « ; »."),
    ("pacte_ou_programme", "string", "Pacte territorial ou programme de rattachement."),
    ("structure_porteuse", "string", "Organisation qui porte le projet."),
    ("co_pilotes", "string", "Co-pilotes, séparés par « ; »."),
    ("partenaires", "string", "Partenaires, séparés par « ; »."),
    ("avancement", "integer", "Avancement en % : poids des jalons atteints sur le poids des "
                              "jalons non abandonnés (calculé, jamais saisi)."),
    ("jalons", "integer", "Nombre de jalons."),
    ("jalons_atteints", "integer", "Nombre de jalons atteints."),
    ("journees_origine", "string", "Journées de concertation d’origine (AAAA-MM-JJ titre), "
                                   "séparées par « ; »."),
    ("propositions_origine", "integer", "Nombre de propositions et pistes de travail "
                                        "d’origine."),
    ("adresse", "string", "Adresse de la page publique du projet."),
]
MILESTONE_FIELDS = [
    ("projet", "string", "Identifiant du projet."),
    ("cle", "string", "Identifiant stable du jalon dans le projet."),
    ("intitule", "string", "Intitulé du jalon."),
    ("date_prevue", "date", "Date prévue (AAAA-MM-JJ)."),
    ("date_reelle", "date", "Date réelle (AAAA-MM-JJ)."),
    ("statut", "string", "Code du statut : planned, in_progress, done ou dropped."),
    ("statut_libelle", "string", "Statut en clair : Prévu, En cours, Atteint, Abandonné."),
    ("poids", "integer", "Part du jalon dans l’avancement."),
]


def _iso(value) -> str:
    return value.isoformat() if value else ""


def project_record(project: Project, origin_days: list, origin_count: int) -> dict:
    milestones = list(project.milestones.all())
    values = [
        project.slug, project.title, project.summary, project.state,
        project.get_state_display(), project.label_name,
        _iso(project.labelled_at.date() if project.labelled_at else None),
        _iso(project.created_on), project.region.code, project.region.name,
        project.health_territory.name if project.health_territory else "",
        " ; ".join(t.title for t in project.themes.all()),
        project.programme.name if project.programme else "",
        project.lead_organisation, " ; ".join(project.co_pilot_list),
        " ; ".join(project.partner_list), project.progress, len(milestones),
        sum(1 for m in milestones if m.status == "done"),
        " ; ".join(f"{d.date.isoformat()} {d.title}" for d in origin_days), origin_count,
        settings.SITE_URL + project.get_absolute_url(),
    ]
    return dict(zip([f[0] for f in PROJECT_FIELDS], values, strict=True))


def milestone_record(project: Project, m: Milestone) -> dict:
    values = [project.slug, m.key, m.title, _iso(m.planned_date), _iso(m.actual_date),
              m.status, m.get_status_display(), m.weight]
    return dict(zip([f[0] for f in MILESTONE_FIELDS], values, strict=True))


def open_data_records() -> tuple[list[dict], list[dict]]:
    """The public projects and their milestones as open-data records, in a constant number of
    queries (also the site-wide open data, `api/opendata.py`)."""
    projects = list(
        Project.objects.public().select_related("region", "health_territory", "programme")
        .prefetch_related("themes", Prefetch("milestones", queryset=Milestone.objects.all()))
        .annotate(n_groups=Count("origin_groups", distinct=True),
                  n_contributions=Count("origin_contributions", distinct=True))
        .order_by("pk"))
    days = origin_days([p.pk for p in projects])
    records = [project_record(p, days[p.pk], p.n_groups + p.n_contributions)
               for p in projects]
    milestones = [milestone_record(p, m) for p in projects for m in p.milestones.all()]
    return records, milestones


def to_csv(records: list[dict], fields) -> bytes:
    names = [f[0] for f in fields]
    return tabular.write_csv(
        [tabular.Sheet("", names, ([record[name] for name in names] for record in records))],
        delimiter=",", bom=False)


def to_json(projects: list[dict], milestones: list[dict]) -> bytes:
    by_project: dict[str, list[dict]] = {}
    for m in milestones:
        by_project.setdefault(m["projet"], []).append(
            {k: v for k, v in m.items() if k != "projet"})
    data = [{**p, "liste_jalons": by_project.get(p["identifiant"], [])} for p in projects]
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def table_schema(fields) -> bytes:
    schema = {
        "fields": [{"name": n, "type": t, "description": d} for n, t, d in fields],
        "primaryKey": [fields[0][0]] if fields is PROJECT_FIELDS else ["projet", "cle"],
    }
    return json.dumps(schema, ensure_ascii=False, indent=1).encode()


def readme() -> str:
    lines = [
        "# Projets labellisés — données ouvertes",
        "",
        "Projets issus des propositions validées et des pistes de travail des concertations en "
        "santé, suivis jusqu’à leur réalisation. Seuls les projets labellisés (ou abandonnés "
        "après labellisation) sont publiés ; aucune donnée personnelle.",
        "",
        "Fichiers : `projets.json` (projets avec leurs jalons, champ `liste_jalons`), "
        "`projets.csv`, `jalons.csv` (séparateur virgule, UTF-8), schémas Table Schema "
        "`schema-projets.json` et `schema-jalons.json`.",
        "",
        "## projets.csv et projets.json",
        "",
        "| champ | type | description |",
        "|---|---|---|",
    ]
    lines += [f"| {n} | {t} | {d} |" for n, t, d in PROJECT_FIELDS]
    lines += ["", "## jalons.csv", "", "| champ | type | description |", "|---|---|---|"]
    lines += [f"| {n} | {t} | {d} |" for n, t, d in MILESTONE_FIELDS]
    return "\n".join(lines) + "\n"
