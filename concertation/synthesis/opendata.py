"""The open-data set of a synthesis: CSV and JSON files described by a Frictionless Data
Package (`datapackage.json`, Table Schema for each file) and a README of the fields.

Streams with flat memory: contributions and comments are read through a server-side cursor
(PostgreSQL) in chunks and written row by row, so memory does not grow with their number.
No personal data: no names, no e-mail, no account; only colleges, places and dates."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime

from concertation.campaigns.models import Theme
from concertation.contributions.models import Comment, Contribution
from concertation.core import tabular
from concertation.events.models import Event
from concertation.synthesis import numbering
from concertation.synthesis import provenance as prov
from concertation.synthesis.models import Synthesis
from concertation.territories.models import Department, HealthTerritory

CHUNK = 2000
# Contributions never published (awaiting moderation or refused) are not opened.
UNPUBLISHED = ("submitted", "rejected")


def _f(name, type_, description, **extra):
    return {"name": name, "type": type_, "description": description, **extra}


INT = "integer"
STR = "string"
PROPOSALS = [
    _f("id", INT, "Identifiant de la proposition de synthèse", constraints={"required": True}),
    _f("synthese", STR, "Identifiant (slug) de la synthèse"),
    _f("version", INT, "Version (édition) de la synthèse"),
    _f("position", INT, "Numéro de la proposition, le même dans le rapport (PDF, DOCX, ODT) : "
       "les propositions validées par thème national, puis les autres"),
    _f("intitule", STR, "Intitulé de la proposition"),
    _f("nature", STR, "proposal (proposition) ou work_lead (piste de travail)",
       constraints={"enum": ["proposal", "work_lead"]}),
    _f("theme", STR, "Thème national sous lequel la proposition est classée"),
    _f("texte_soumis", STR, "Texte soumis à la CRSA"),
    _f("texte_final", STR, "Texte final (amendé le cas échéant)"),
    _f("decision", STR, "Décision de la CRSA : adopted, amended, rejected, postponed ; vide "
       "sans décision", constraints={"enum": ["adopted", "amended", "rejected", "postponed"]}),
    _f("decision_libelle", STR, "Décision en toutes lettres"),
    _f("voix_pour", INT, "Voix pour lors de la séance de la CRSA"),
    _f("voix_contre", INT, "Voix contre lors de la séance de la CRSA"),
    _f("abstentions", INT, "Abstentions lors de la séance de la CRSA"),
    _f("contributions_citees", INT, "Contributions citées par la proposition"),
    _f("contributions_fusionnees", INT, "Contributions fusionnées dans les contributions citées"),
    _f("contributions_en_ligne", INT, "Dont contributions déposées en ligne"),
    _f("journees", INT, "Nombre de journées de concertation d’où viennent les contributions"),
    _f("ateliers", STR, "Journées (et leur date) et ateliers d’où viennent les contributions, "
       "séparés par « ; »"),
    _f("territoires", STR, "Territoires de santé d’origine, séparés par « ; »"),
    _f("departements", STR, "Codes des départements d’origine, séparés par « ; »"),
    _f("colleges", STR, "Collèges des participants, séparés par « ; »"),
    _f("participants", INT, "Participants distincts (auteurs et votants), sans double compte "
       "à travers les fusions"),
    _f("votes_pour", INT, "Votes « d’accord » des participants sur les contributions"),
    _f("votes_contre", INT, "Votes « pas d’accord » des participants sur les contributions"),
    _f("votes_neutres", INT, "Votes « passer » des participants sur les contributions"),
]
CONTRIBUTIONS = [
    _f("id", INT, "Identifiant de la contribution", constraints={"required": True}),
    _f("proposition_id", INT, "Proposition de synthèse qui la cite (directement ou par fusion)"),
    _f("fusionnee_dans", INT, "Contribution dans laquelle elle a été fusionnée, le cas échéant"),
    _f("origine", STR, "workshop (atelier d’une journée) ou online (en ligne)",
       constraints={"enum": ["workshop", "online"]}),
    _f("journee", STR, "Identifiant (slug) de la journée, vide pour une contribution en ligne"),
    _f("date_journee", "date", "Date de la journée"),
    _f("departement", STR, "Code du département"),
    _f("territoire", STR, "Territoire de santé"),
    _f("college", STR, "Code du collège de l’auteur, s’il est connu"),
    _f("theme", STR, "Thème de la contribution"),
    _f("titre", STR, "Titre (contributions en ligne)"),
    _f("texte", STR, "Texte de la contribution"),
    _f("etat", STR, "État de la contribution (published, retained, merged, validated, …)"),
    _f("votes_pour", INT, "Votes « d’accord »"),
    _f("votes_contre", INT, "Votes « pas d’accord »"),
    _f("votes_neutres", INT, "Votes « passer »"),
    _f("cree_le", "datetime", "Date et heure de dépôt (UTC)"),
]
COMMENTS = [
    _f("id", INT, "Identifiant du commentaire", constraints={"required": True}),
    _f("contribution_id", INT, "Contribution commentée"),
    _f("reponse_a", INT, "Commentaire auquel il répond, le cas échéant"),
    _f("texte", STR, "Texte du commentaire"),
    _f("cree_le", "datetime", "Date et heure (UTC)"),
]
PARTICIPATION = [
    _f("journee", STR, "Identifiant (slug) de la journée", constraints={"required": True}),
    _f("titre", STR, "Titre de la journée"),
    _f("date", "date", "Date de la journée"),
    _f("ville", STR, "Ville"),
    _f("departement", STR, "Code du département"),
    _f("territoire", STR, "Territoire de santé"),
    _f("inscrits", INT, "Inscriptions confirmées"),
    _f("presents", INT, "Personnes présentes (émargement)"),
]

RESOURCES = {
    "propositions": ("Propositions de synthèse, décisions de la CRSA et provenance", PROPOSALS),
    "contributions": ("Contributions à l’origine des propositions", CONTRIBUTIONS),
    "commentaires": ("Commentaires publiés sur ces contributions", COMMENTS),
    "participation": ("Participation aux journées de concertation", PARTICIPATION),
}
FOREIGN_KEYS = {
    "contributions": [{"fields": "proposition_id",
                       "reference": {"resource": "propositions", "fields": "id"}}],
    "commentaires": [{"fields": "contribution_id",
                      "reference": {"resource": "contributions", "fields": "id"}}],
}


def _utc(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_date(value[:10])
    return value.isoformat()


class _Writer:
    """Writes one resource as CSV and JSON at the same time, row by row."""

    def __init__(self, directory: Path, name: str, fields: list[dict]) -> None:
        self.names = [f["name"] for f in fields]
        self.csv_file = open(directory / f"{name}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.json_file = open(directory / f"{name}.json", "w", encoding="utf-8")  # noqa: SIM115
        self.csv = csv.writer(self.csv_file, lineterminator="\n")
        self.csv.writerow(self.names)
        self.json_file.write("[")
        self.rows = 0

    def write(self, row: Iterable) -> None:
        values = list(row)
        # The CSV goes through the one cell sanitiser (it is opened in spreadsheets and the
        # workbook is built from it); the JSON keeps the stored text as it is.
        self.csv.writerow(tabular.row("" if v is None else v for v in values))
        self.json_file.write(("\n" if not self.rows else ",\n")
                             + json.dumps(dict(zip(self.names, values, strict=True)),
                                          ensure_ascii=False))
        self.rows += 1

    def close(self) -> None:
        self.json_file.write("\n]\n")
        self.csv_file.close()
        self.json_file.close()


def _stream(sql: str, params: list) -> Iterator[tuple]:
    # A server-side cursor on PostgreSQL (fetched in chunks), a plain one on SQLite.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def write(synthesis: Synthesis, directory: Path, *,
          figures: prov.SynthesisProvenance | None = None,
          participation: prov.Participation | None = None) -> dict[str, int]:
    """Write the open-data set of `synthesis` into `directory`; returns rows per resource."""
    directory.mkdir(parents=True, exist_ok=True)
    synthesis = Synthesis.objects.select_related("campaign").get(pk=synthesis.pk)
    figures = figures or prov.compute(synthesis)
    participation = participation or prov.participation(synthesis)
    counts = {
        "propositions": _proposals(synthesis, figures, directory),
        "contributions": _contributions(synthesis, directory),
        "commentaires": _comments(synthesis, directory),
        "participation": _participation(participation, directory),
    }
    _datapackage(synthesis, directory, counts)
    (directory / "LISEZMOI.md").write_text(readme(synthesis, counts), encoding="utf-8")
    return counts


def _proposals(synthesis, figures, directory) -> int:
    writer = _Writer(directory, "propositions", PROPOSALS)
    for values in proposal_rows([synthesis], figures):
        writer.write(values)
    writer.close()
    return writer.rows


def proposal_rows(syntheses: list[Synthesis], figures: prov.SynthesisProvenance
                  ) -> Iterator[list]:
    """The `PROPOSALS` rows of `syntheses` (a package's one, or every published one for the
    site's open data, with `figures` from `provenance.compute_many`), each synthesis's in the
    numbering shared by every format of its package (the "position" column is that number).
    One query for their groups, whatever their number."""
    from concertation.synthesis.models import Decision, SynthesisGroup

    # A few hundred proposals per synthesis at most: read at once, to be sorted.
    groups: dict[int, list[tuple]] = {}
    for g in (SynthesisGroup.objects.filter(synthesis__in=[s.pk for s in syntheses],
                                            accepted=True)
              .order_by("synthesis_id", "id")
              .values_list("synthesis_id", "id", "position", "theme_id", "theme__position",
                           "title", "kind", "theme__title", "text", "decision__outcome",
                           "decision__original_text", "decision__amended_text",
                           "decision__votes_for", "decision__votes_against",
                           "decision__abstentions")):
        groups.setdefault(g[0], []).append(g[1:])
    labels = dict(Decision.Outcome.choices)
    for synthesis in syntheses:
        mine = groups.get(synthesis.pk, [])
        number_of = numbering.numbers((g[0], g[1], g[2], g[3], g[8]) for g in mine)
        mine.sort(key=lambda g: number_of[g[0]])
        for (pk, _, _, _, title, kind, theme, text, outcome, original, amended, votes_for,
             votes_against, abstentions) in mine:
            p = figures.for_group(pk)
            submitted = original if outcome else text
            final = amended if outcome == Decision.Outcome.AMENDED else submitted
            yield [
                pk, synthesis.slug, synthesis.edition, number_of[pk], title, kind, theme or "",
                submitted, final, outcome or None, labels.get(outcome, "Sans décision"),
                votes_for, votes_against, abstentions, p.contributions, p.merged, p.online,
                len(p.days), p.origins_line,
                "; ".join(t.name for t in p.health_territories),
                "; ".join(d.code for d in p.departments),
                "; ".join(c.label for c in p.colleges), p.participants, p.votes_agree,
                p.votes_disagree, p.votes_pass,
            ]


def _tree(synthesis) -> tuple[str, list]:
    where, params = prov._where(synthesis.pk, None)
    return prov._tree_sql(where), params


def _contributions(synthesis, directory) -> int:
    tree, params = _tree(synthesis)
    c, e = Contribution._meta.db_table, Event._meta.db_table
    d, t, th = Department._meta.db_table, HealthTerritory._meta.db_table, Theme._meta.db_table
    placeholders = ", ".join(["%s"] * len(UNPUBLISHED))
    sql = tree + f"""
        SELECT c.id, tree.group_id, c.merged_into_id, c.origin, e.slug, e.date, d.code,
               t.name, c.college, th.title, c.title, c.text, c.state, c.agree_count,
               c.disagree_count, c.pass_count, c.created_at
        FROM tree
        JOIN {c} c ON c.id = tree.id
        LEFT JOIN {e} e ON e.id = c.event_id
        LEFT JOIN {d} d ON d.id = COALESCE(c.department_id, e.department_id)
        LEFT JOIN {t} t ON t.id = COALESCE(c.health_territory_id, e.health_territory_id)
        LEFT JOIN {th} th ON th.id = c.theme_id
        WHERE c.state NOT IN ({placeholders})
        ORDER BY c.id, tree.depth
    """
    writer = _Writer(directory, "contributions", CONTRIBUTIONS)
    last = None
    for row in _stream(sql, [*params, *UNPUBLISHED]):
        if row[0] == last:
            continue  # cited by two groups: written once, under the first
        last = row[0]
        (pk, group_id, merged_into, origin, slug, day, department, territory, college, theme,
         title, text, state, agree, disagree, passed, created) = row
        writer.write([pk, group_id, merged_into, origin, slug or "", _date(day),
                      department or "", territory or "", college, theme or "", title, text,
                      state, agree, disagree, passed, _utc(created)])
    writer.close()
    return writer.rows


def _comments(synthesis, directory) -> int:
    tree, params = _tree(synthesis)
    c, cm = Contribution._meta.db_table, Comment._meta.db_table
    placeholders = ", ".join(["%s"] * len(UNPUBLISHED))
    sql = tree + f"""
        SELECT cm.id, cm.contribution_id, cm.parent_id, cm.text, cm.created_at
        FROM {cm} cm
        LEFT JOIN {cm} parent ON parent.id = cm.parent_id
        WHERE cm.masked = %s AND (parent.id IS NULL OR parent.masked = %s)
          AND cm.contribution_id IN (
              SELECT tree.id FROM tree JOIN {c} c ON c.id = tree.id
              WHERE c.state NOT IN ({placeholders}))
        ORDER BY cm.id
    """
    writer = _Writer(directory, "commentaires", COMMENTS)
    for pk, contribution_id, parent_id, text, created in _stream(
            sql, [*params, False, False, *UNPUBLISHED]):
        writer.write([pk, contribution_id, parent_id, text, _utc(created)])
    writer.close()
    return writer.rows


def _participation(participation, directory) -> int:
    writer = _Writer(directory, "participation", PARTICIPATION)
    for day, row in participation.days:
        writer.write([day.slug, day.title, _date(day.date), day.city, day.department,
                      day.territory, row.registered, row.present])
    writer.close()
    return writer.rows


def _datapackage(synthesis, directory: Path, counts: dict[str, int]) -> None:
    resources = []
    for name, (title, fields) in RESOURCES.items():
        schema = {"fields": fields, "primaryKey": ["id" if name != "participation" else
                                                   "journee"],
                  "missingValues": [""]}
        if name in FOREIGN_KEYS:
            schema["foreignKeys"] = FOREIGN_KEYS[name]
        resources.append({
            "name": name, "title": title, "path": f"{name}.csv", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": schema,
        })
        json_schema = {"fields": fields, "missingValues": [""]}
        resources.append({
            "name": f"{name}-json", "title": f"{title} (JSON)", "path": f"{name}.json",
            "format": "json", "mediatype": "application/json", "encoding": "utf-8",
            "schema": json_schema,
        })
    package = {
        "name": f"synthese-{synthesis.slug}"[:100].lower(),
        "title": synthesis.title,
        "description": f"{synthesis.campaign.title} : propositions validées avec la CRSA, "
                       "leur provenance, les contributions et commentaires publiés, et la "
                       "participation aux journées.",
        "version": f"{synthesis.edition}.{synthesis.revision}",
        "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence 2.0",
                      "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}],
        "resources": resources,
    }
    (directory / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")


def readme(synthesis, counts: dict[str, int]) -> str:
    lines = [
        f"# {synthesis.title} — données ouvertes",
        "",
        f"{synthesis.campaign.title}, version {synthesis.edition}. Licence Ouverte 2.0 "
        "(Etalab). Chaque fichier existe en CSV (UTF-8, séparateur virgule) et en JSON "
        "(tableau d’objets) ; `datapackage.json` les décrit (Frictionless Data Package, "
        "Table Schema). Aucune donnée personnelle : ni nom, ni adresse, ni compte.",
        "",
        "Les listes (territoires, départements, collèges) sont séparées par « ; ». Les dates "
        "et heures sont en UTC, au format ISO 8601.",
    ]
    for name, (title, fields) in RESOURCES.items():
        lines += ["", f"## {name}.csv / {name}.json — {title} ({counts.get(name, 0)} lignes)",
                  "", "| champ | type | description |", "|---|---|---|"]
        lines += [f"| `{f['name']}` | {f['type']} | {f['description']} |" for f in fields]
    return "\n".join(lines) + "\n"
