"""Command line: ``python -m concertation.analysis {cluster,opinions,similarity} ...``.

Every failure is reported as one line on stderr ("erreur : ...") with a non-zero exit
status; no traceback is ever shown.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from .io import AnalysisError, read_csv

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"erreur : {message} (voir --help)\n")


def _write_json(payload: dict[str, Any], out: str) -> None:
    # Compact output: the C encoder is several times faster than an indented dump.
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    if out == "-":
        sys.stdout.write(text)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AnalysisError(f"écriture impossible de {out} : {exc.strerror}") from exc


def cluster_command(args: argparse.Namespace) -> None:
    table = read_csv(args.input)
    text_col = table.column(args.text_column)
    id_col = table.column(args.id_column)
    ids: list[str] = []
    texts: list[str] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        if len(row) <= max(text_col, id_col):
            raise AnalysisError(
                f"ligne {table.line_of(i)} de {table.path.name} incomplète "
                f"({len(row)} colonnes sur {len(table.header)})"
            )
        identifier = row[id_col].strip()
        if not identifier:
            raise AnalysisError(
                f"identifiant vide ligne {table.line_of(i)} de {table.path.name}"
                f" (colonne « {args.id_column} »)"
            )
        if identifier in seen:
            raise AnalysisError(
                f"identifiant « {identifier} » en double ligne "
                f"{table.line_of(i)} de {table.path.name}"
            )
        seen[identifier] = i
        ids.append(identifier)
        texts.append(row[text_col])
    if args.groups is not None and args.groups < 1:
        raise AnalysisError("--groups doit être un entier positif")
    from .cluster import cluster_texts
    from .vectors import (
        EmbeddingBackend,
        OpenAIEmbeddingBackend,
        SentenceTransformerBackend,
        backend_from_environment,
    )

    backend: EmbeddingBackend
    try:
        if args.embedding_model:
            backend = SentenceTransformerBackend(args.embedding_model)
        elif args.embeddings_url:
            if not args.embeddings_model:
                raise AnalysisError("--embeddings-url demande --embeddings-model")
            # The key stays out of the command line (and of the shell's history).
            key = os.environ.get("CONCERTATION_EMBEDDINGS_API_KEY", "").strip() or None
            backend = OpenAIEmbeddingBackend(
                args.embeddings_url, args.embeddings_model, api_key=key
            )
        else:
            backend = backend_from_environment()
    except ValueError as error:
        raise AnalysisError(str(error)) from None
    try:
        result = cluster_texts(
            texts,
            n_groups=args.groups,
            seed=args.seed,
            backend=backend,
            detect_duplicates=not args.no_duplicates,
            duplicate_threshold=args.duplicate_threshold,
        )
    except ValueError as error:
        if backend.name == "tfidf-svd":
            raise
        raise AnalysisError(str(error)) from None  # the embedding backend's French message
    payload = {
        "groups": [
            {
                "id": g.id,
                "label": g.label,
                "keywords": g.keywords,
                "size": g.size,
                "other": g.other,
                "members": [ids[i] for i in g.members],
                "representatives": [ids[i] for i in g.representatives],
            }
            for g in result.groups
        ],
        "duplicates": [
            {"members": [ids[i] for i in d.members], "similarity": d.similarity, "kind": d.kind}
            for d in result.duplicates
        ],
        "parameters": {
            **result.parameters,
            "input": table.path.name,
            "text_column": args.text_column,
            "id_column": args.id_column,
            "encoding": table.encoding,
        },
    }
    _write_json(payload, args.out)


def opinions_command(args: argparse.Namespace) -> None:
    from .bridging import matrix_bridging
    from .opinions import (
        build_vote_matrix,
        college_consensus,
        opinion_groups,
        read_moderated,
        read_votes,
    )

    voters, comments, votes, timestamps = read_votes(args.votes)
    moderated = read_moderated(args.comments) if args.comments else set()
    matrix = build_vote_matrix(voters, comments, votes, timestamps, exclude=moderated)
    if args.groups is not None and not 2 <= args.groups <= 5:
        raise AnalysisError("--groups doit être compris entre 2 et 5")
    result = opinion_groups(matrix, seed=args.seed, force_k=args.groups, min_votes=args.min_votes)
    payload: dict[str, Any] = {
        # Plain dicts rather than dataclasses.asdict, which deep-copies field by field
        # (about a second for 33,000 participants).
        "participants": [
            {"id": p.id, "group": p.group, "x": p.x, "y": p.y} for p in result.participants
        ],
        "groups": [asdict(g) for g in result.groups],
        "consensus": [asdict(c) for c in result.consensus],
        "group_informed_consensus": result.group_informed_consensus,
        "parameters": {**result.parameters, "input": Path(args.votes).name},
    }
    if args.bridging:
        # Opt-in: 50 alternating least-squares passes over every vote (seconds at 2 M votes).
        # Comments with fewer than bridging.MIN_VOTES agree/disagree votes are not ranked.
        payload["bridging"] = [
            {"comment": comment, "score": round(score, 6)}
            for comment, score in matrix_bridging(matrix, seed=args.seed).ranked()
        ]
    if args.colleges:
        table = read_csv(args.colleges)
        id_col = table.column(args.college_id_column)
        college_col = table.column(args.college_column)
        mapping = {
            row[id_col].strip(): row[college_col].strip()
            for row in table.rows
            if len(row) > max(id_col, college_col)
        }
        report = college_consensus(matrix, mapping)
        payload["colleges"] = {
            "agreed": {k: [asdict(c) for c in v] for k, v in report.agreed.items()},
            "divergence": report.divergence,
            "bridges": report.bridges,
            "all_colleges": report.all_colleges,
        }
    _write_json(payload, args.out)


def similarity_command(args: argparse.Namespace) -> None:
    table = read_csv(args.pairs, keep_blank=True)
    if args.no_header:
        rows = [table.header, *table.rows]
        header = [f"column{i + 1}" for i in range(len(table.header))]
        left, right = 0, 1
        first_line = 1
    else:
        rows = table.rows
        header = table.header
        if args.left_column or args.right_column:
            left = table.column(args.left_column or "sentence1")
            right = table.column(args.right_column or "sentence2")
        elif len(header) >= 2:
            left, right = 0, 1
        else:
            raise AnalysisError(f"{table.path.name} doit avoir deux colonnes de texte")
        first_line = 2
    for i, row in enumerate(rows):
        if len(row) <= max(left, right):
            needed = max(left, right) + 1
            raise AnalysisError(
                f"ligne {first_line + i} de {table.path.name} : "
                f"{len(row)} colonne(s), il en faut au moins {needed}"
            )
    from .similarity import pair_similarity

    scores = pair_similarity([r[left] for r in rows], [r[right] for r in rows])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*header, "similarity"])
    for row, score in zip(rows, scores, strict=True):
        writer.writerow([*row, f"{score:.6f}"])
    if args.out == "-":
        sys.stdout.write(buffer.getvalue())
        return
    try:
        Path(args.out).write_text(buffer.getvalue(), encoding="utf-8")
    except OSError as exc:
        raise AnalysisError(f"écriture impossible de {args.out} : {exc.strerror}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m concertation.analysis",
        description="Analyse de contributions et de votes (sans Django).",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    c = sub.add_parser("cluster", help="regrouper des contributions par thème")
    c.add_argument("input", help="fichier CSV des contributions")
    c.add_argument("--text-column", default="text")
    c.add_argument("--id-column", default="id")
    c.add_argument("--groups", type=int, default=None, help="nombre de groupes imposé")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--duplicate-threshold", type=float, default=0.8)
    c.add_argument("--no-duplicates", action="store_true")
    c.add_argument(
        "--embedding-model",
        default=None,
        help="dossier local d'un modèle sentence-transformers (jamais téléchargé)",
    )
    c.add_argument(
        "--embeddings-url",
        default=None,
        help="API d'embeddings compatible OpenAI (adresse en /v1 ; clé dans "
        "CONCERTATION_EMBEDDINGS_API_KEY)",
    )
    c.add_argument("--embeddings-model", default=None, help="modèle de l'API d'embeddings")
    c.add_argument("--out", required=True, help="fichier JSON de sortie (- : sortie standard)")
    c.set_defaults(handler=cluster_command)

    o = sub.add_parser("opinions", help="groupes d'opinion à partir des votes (méthode Pol.is)")
    o.add_argument("votes", help="votes au format Pol.is (voter-id, comment-id, vote)")
    o.add_argument("--comments", default=None, help="comments.csv (colonne moderated)")
    o.add_argument("--colleges", default=None, help="CSV participant → collège")
    o.add_argument("--college-column", default="college")
    o.add_argument("--college-id-column", default="voter-id")
    o.add_argument("--groups", type=int, default=None, help="nombre de groupes imposé (2-5)")
    o.add_argument("--min-votes", type=int, default=7)
    o.add_argument("--seed", type=int, default=0)
    o.add_argument(
        "--bridging",
        action="store_true",
        help="classe aussi les commentaires par score de passerelle (factorisation des votes)",
    )
    o.add_argument("--out", required=True)
    o.set_defaults(handler=opinions_command)

    s = sub.add_parser("similarity", help="similarité de paires de textes")
    s.add_argument("pairs", help="CSV à deux colonnes de texte")
    s.add_argument("--left-column", default=None)
    s.add_argument("--right-column", default=None)
    s.add_argument("--no-header", action="store_true", help="le CSV n'a pas d'en-tête")
    s.add_argument("--out", required=True)
    s.set_defaults(handler=similarity_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Quiet exit when the reader of stdout goes away (e.g. ``... --out - | head``).
    import signal

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.handler(args)
    except AnalysisError as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("erreur : interrompu", file=sys.stderr)
        return 130
    except MemoryError:
        print("erreur : mémoire insuffisante", file=sys.stderr)
        return 1
    except Exception as exc:  # the CLI promises one line, never a traceback
        print(f"erreur : {type(exc).__name__} : {exc}".splitlines()[0], file=sys.stderr)
        return 1
    return 0
