"""Synthetic French corpora built from the shared Grand Débat answers (seeded).

Documents are recombined from sentence fragments of real answers of one question theme,
so that topics, vocabulary and length stay realistic at any size; a small share are
exact, re-punctuated or lightly edited copies, so that duplicate detection has work to
do. Nothing is copied into the repository: the generator reads ../shared/data at run time.

    python -m bench.analysis.corpus --size 100000 --out /tmp/corpus-100k.csv
    python -m bench.analysis.corpus --votes --participants 33000 --comments 800 \\
        --votes-count 2000000 --out /tmp/votes.csv
"""

from __future__ import annotations

import argparse
import csv
import os
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
# ../shared/data beside the checkout; CONCERTATION_SHARED_DATA points elsewhere (a git
# worktree outside the project's parent folder, a CI cache).
DATA = Path(os.environ.get("CONCERTATION_SHARED_DATA") or ROOT.parent / "shared" / "data")
ELF = DATA / "contributions" / "entendre-la-france-tagged.csv"

_SPLIT = re.compile(r"(?<=[.!?;])\s+|&&|\n+")


def load_fragments(path: Path = ELF) -> dict[str, list[str]]:
    """Sentence fragments of the real answers, grouped by question theme."""
    by_theme: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for part in _SPLIT.split(row["text"]):
                part = part.strip()
                if len(part) >= 3:
                    by_theme[row["theme"]].append(part)
    return dict(by_theme)


def _edit(text: str, rng: np.random.Generator) -> tuple[str, str]:
    """A lightly edited copy and the kind of edit ("case" is found by normalisation)."""
    words = text.split()
    choice = rng.integers(3)
    if choice == 0:
        edited = text.upper() if rng.random() < 0.3 else text.lower().rstrip(".!") + " !"
        return edited, "case"
    if choice == 1 and len(words) > 4:
        del words[int(rng.integers(len(words)))]
        return " ".join(words), "word deleted"
    return "Je pense que " + text[:1].lower() + text[1:], "prefix"


def generate_texts(
    size: int,
    seed: int = 0,
    duplicate_share: float = 0.04,
    planted: list[tuple[int, int, str]] | None = None,
) -> list[str]:
    """``planted``, when given, receives (copy index, source index, kind) of each copy."""
    rng = np.random.default_rng(seed)
    fragments = load_fragments()
    themes = sorted(fragments)
    pools = [np.array(fragments[t], dtype=object) for t in themes]
    weights = np.array([len(p) for p in pools], dtype=float)
    weights /= weights.sum()
    theme_of = rng.choice(len(themes), size=size, p=weights)
    # Mostly several fragments: single fragments would repeat far too often at 1M.
    lengths = rng.choice([1, 2, 2, 3, 3, 4], size=size)
    texts: list[str] = []
    for i in range(size):
        if i > 10 and rng.random() < duplicate_share:
            origin = int(rng.integers(len(texts)))
            source = texts[origin]
            if rng.random() < 0.5:
                texts.append(source)
                kind = "exact"
            else:
                edited, kind = _edit(source, rng)
                texts.append(edited)
            if planted is not None:
                planted.append((i, origin, kind))
            continue
        pool = pools[theme_of[i]]
        picks = rng.integers(len(pool), size=lengths[i])
        texts.append(" ".join(pool[j] for j in picks))
    return texts


def write_corpus(path: Path, size: int, seed: int = 0) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for i, text in enumerate(generate_texts(size, seed)):
            writer.writerow([f"c{i}", text])


def write_votes(
    path: Path, participants: int, comments: int, votes: int, seed: int = 0, groups: int = 3
) -> None:
    """Pol.is-format votes with planted opinion groups and realistic sparsity."""
    rng = np.random.default_rng(seed)
    group_of = rng.integers(groups, size=participants)
    # Each group agrees with a comment with its own probability; some comments are shared.
    agree_p = rng.uniform(0.1, 0.9, size=(groups, comments))
    shared = rng.random(comments) < 0.2
    agree_p[:, shared] = agree_p[0, shared]
    # Activity is heavy-tailed: a few participants vote a lot, many vote a little.
    activity = rng.pareto(1.5, size=participants) + 1.0
    activity = activity / activity.sum()
    voter = rng.choice(participants, size=votes, p=activity)
    comment = rng.integers(comments, size=votes)
    p = agree_p[group_of[voter], comment]
    draw = rng.random(votes)
    vote = np.where(draw < p * 0.85, 1, np.where(draw < 0.85, -1, 0))
    stamps = 1_600_000_000_000 + np.sort(rng.integers(0, 10**9, size=votes))
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("timestamp,datetime,comment-id,voter-id,vote\n")
        for start in range(0, votes, 200_000):
            end = min(votes, start + 200_000)
            lines = [f"{stamps[i]},,{comment[i]},{voter[i]},{vote[i]}\n" for i in range(start, end)]
            handle.write("".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--votes", action="store_true", help="write votes instead of texts")
    parser.add_argument("--participants", type=int, default=33_000)
    parser.add_argument("--comments", type=int, default=800)
    parser.add_argument("--votes-count", type=int, default=2_000_000)
    args = parser.parse_args()
    if args.votes:
        write_votes(args.out, args.participants, args.comments, args.votes_count, args.seed)
    else:
        write_corpus(args.out, args.size, args.seed)


if __name__ == "__main__":
    main()
