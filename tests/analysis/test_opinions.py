from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from concertation.analysis.opinions import (
    build_vote_matrix,
    college_consensus,
    opinion_groups,
    read_moderated,
    read_votes,
)


def _planted(seed: int = 0, per_group: int = 40, comments: int = 30):
    """Two camps that agree on the first half and oppose each other on the rest."""
    rng = np.random.default_rng(seed)
    voters, cids, votes = [], [], []
    truth = {}
    for g in range(2):
        for p in range(per_group):
            pid = f"p{g}-{p}"
            truth[pid] = g
            for c in range(comments):
                if rng.random() < 0.3:
                    continue
                # The first third is consensual; on the rest the camps take opposite sides.
                vote = 1 if c < comments // 3 or c % 2 == g else -1
                if rng.random() < 0.1:
                    vote = 0
                voters.append(pid)
                cids.append(str(c))
                votes.append(vote)
    return voters, cids, np.array(votes, dtype=np.int8), truth


def test_planted_groups_are_recovered() -> None:
    voters, cids, votes, truth = _planted()
    matrix = build_vote_matrix(voters, cids, votes)
    result = opinion_groups(matrix, seed=0)
    assert result.parameters["k"] == 2
    labels = {p.id: p.group for p in result.participants}
    assert adjusted_rand_score([truth[p] for p in truth], [labels[p] for p in truth]) == 1.0
    consensus = {c.comment for c in result.consensus if c.direction == "agree"}
    assert consensus and consensus <= {str(c) for c in range(10)}
    for group in result.groups:
        assert group.representatives
        assert all(r.direction in {"agree", "disagree"} for r in group.representatives)


def test_group_informed_consensus_formula() -> None:
    voters, cids, votes, _ = _planted(seed=1)
    matrix = build_vote_matrix(voters, cids, votes)
    result = opinion_groups(matrix, seed=0)
    groups = {p.id: p.group for p in result.participants}
    for j, comment in enumerate(matrix.comments):
        expected = 1.0
        for g in range(len(result.groups)):
            rows = [i for i, p in enumerate(matrix.participants) if groups[p] == g]
            column = matrix.values[rows, j]
            agrees = int((column == 1).sum())
            seen = int((~np.isnan(column)).sum())
            expected *= (agrees + 1) / (seen + 2)
        assert abs(result.group_informed_consensus[comment] - expected) < 1e-9


def test_later_vote_replaces_earlier_and_moderation_excludes() -> None:
    voters = ["a", "a", "b"]
    cids = ["1", "1", "2"]
    votes = np.array([1, -1, 0], dtype=np.int8)
    matrix = build_vote_matrix(voters, cids, votes, np.array([20.0, 10.0, 5.0]))
    assert matrix.values[0, 0] == 1  # timestamp 20 is later than 10
    matrix = build_vote_matrix(voters, cids, votes)  # file order when no timestamp
    assert matrix.values[0, 0] == -1
    moderated = build_vote_matrix(voters, cids, votes, exclude={"2"})
    result = opinion_groups(moderated)
    assert "2" not in result.group_informed_consensus


def test_few_votes_are_not_clustered() -> None:
    voters, cids, votes, _ = _planted()
    voters = [*voters, "late", "late"]
    cids = [*cids, "1", "2"]
    votes = np.concatenate([votes, np.array([1, 1], dtype=np.int8)])
    result = opinion_groups(build_vote_matrix(voters, cids, votes), seed=0)
    late = next(p for p in result.participants if p.id == "late")
    assert late.group is None
    assert np.isfinite(late.x) and np.isfinite(late.y)


def test_colleges_agreement_and_bridges() -> None:
    voters, cids, votes, truth = _planted()
    matrix = build_vote_matrix(voters, cids, votes)
    colleges = {p: ("usagers" if g == 0 else "soignants") for p, g in truth.items()}
    report = college_consensus(matrix, colleges)
    assert report.divergence["usagers"]["soignants"] > 0.5  # 20 of 30 comments split them
    bridges = {b["comment"] for b in report.bridges}
    assert bridges and bridges <= {str(c) for c in range(10)}
    agreed_usagers = {c.comment for c in report.agreed["usagers"]}
    assert {"10", "12"} & agreed_usagers and not {"11", "13"} & agreed_usagers


@pytest.mark.parametrize(
    "conversation", ["scoop-hivemind.biodiversity", "canadian-electoral-reform"]
)
def test_matches_polis_groups(data_dir: Path, conversation: str) -> None:
    folder = data_dir / "polis" / conversation
    voters, cids, votes, stamps = read_votes(folder / "votes.csv")
    matrix = build_vote_matrix(
        voters, cids, votes, stamps, exclude=read_moderated(folder / "comments.csv")
    )
    result = opinion_groups(matrix, seed=0)
    assert result.parameters["k"] == 2
    with (folder / "participants-votes.csv").open(encoding="utf-8") as handle:
        polis = {r["participant"]: r["group-id"] for r in csv.DictReader(handle)}
    ours = {p.id: p.group for p in result.participants}
    ids = [p for p, g in polis.items() if g != ""]
    score = adjusted_rand_score(
        [polis[p] for p in ids], [-1 if ours[p] is None else ours[p] for p in ids]
    )
    assert score >= 0.90
