from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from concertation.analysis.opinions import (
    VoteMatrix,
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
    # The first ten comments are agreed by both camps, the others split them.
    assert report.all_colleges and set(report.all_colleges) <= {str(c) for c in range(10)}


def test_supported_by_all_colleges_needs_every_voting_college() -> None:
    # Comment "a": both colleges agree. "b": one agrees, the other is split. "c": only one
    # college voted on it, which is not "all colleges".
    voters, cids, votes = [], [], []
    for i in range(20):
        college_votes = {"a": 1, "b": 1 if i < 10 or i % 2 else -1}
        if i < 10:
            college_votes["c"] = 1
        for comment, vote in college_votes.items():
            voters.append(f"p{i}")
            cids.append(comment)
            votes.append(vote)
    matrix = build_vote_matrix(voters, cids, np.array(votes, dtype=np.int8))
    colleges = {f"p{i}": "usagers" if i < 10 else "soignants" for i in range(20)}
    assert college_consensus(matrix, colleges).all_colleges == ["a"]


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
    # canadian gave 0.8976 at seed 0 before the Pol.is-faithful changes too (3 of 281
    # participants on the boundary; red-dwarf 0.4.0 gets 1.0 there): floor at 0.89.
    assert score >= 0.89


def test_in_conversation_rule_counts_moderated_votes_and_keeps_fifteen() -> None:
    """Pol.is: votes on moderated comments count towards the 7-vote rule, and when fewer
    than 15 participants qualify the most active are added up to 15."""
    rng = np.random.default_rng(0)
    n_p, n_c = 30, 20
    values = np.full((n_p, n_c), np.nan, dtype=np.float32)
    values[:5] = rng.choice([-1.0, 1.0], size=(5, n_c))  # 5 participants vote on everything
    for i in range(5, n_p):  # the others vote on 6 comments (one of them moderated)
        values[i, :6] = rng.choice([-1.0, 1.0], size=6)
    values[5:8, 19] = 1.0  # three of them also voted on the moderated comment 19
    moderated = np.zeros(n_c, dtype=bool)
    moderated[19] = True
    matrix = VoteMatrix(
        values=values,
        participants=[str(i) for i in range(n_p)],
        comments=[str(j) for j in range(n_c)],
        moderated=moderated,
    )
    result = opinion_groups(matrix, seed=0)
    clustered = {p.id for p in result.participants if p.group is not None}
    assert {"5", "6", "7"} <= clustered  # 7 votes with the moderated one
    assert len(clustered) == 15


def test_large_conversation_path_recovers_planted_groups() -> None:
    """Above 5,000 participants the numpy k-means and the sparse projection are used."""
    rng = np.random.default_rng(3)
    participants, comments = 6_000, 40
    camp = rng.integers(2, size=participants)
    rows, cols = np.nonzero(rng.random((participants, comments)) < 0.5)
    agree = np.where(cols < 10, True, (cols % 2) == camp[rows])
    noise = rng.random(len(rows)) < 0.1
    votes = np.where(noise, 0, np.where(agree, 1, -1)).astype(np.int8)
    matrix = build_vote_matrix(rows.astype(np.int64), cols.astype(np.int64), votes)
    result = opinion_groups(matrix, seed=0)
    assert result.parameters["k"] == 2
    labels = [p.group for p in result.participants]
    assert None not in labels
    assert adjusted_rand_score(camp, labels) > 0.99


def test_sparse_projection_matches_dense_projection() -> None:
    from concertation.analysis.opinions import _Cells, _project, _project_dense

    rng = np.random.default_rng(4)
    values = rng.choice(np.array([1, -1, 0], dtype=np.float32), size=(300, 250))
    values[rng.random(values.shape) < 0.6] = np.nan
    moderated = np.zeros(250, dtype=bool)
    moderated[[3, 7]] = True
    dense = _project_dense(values, moderated)
    sparse = _project(_Cells.of(values), moderated)
    assert np.allclose(dense, sparse, atol=1e-4)
    # Built block of rows by block of rows (the last block shorter): the same projection.
    assert np.allclose(_project(_Cells.of(values), moderated, block=64), sparse, atol=1e-5)


def test_vote_matrix_keeps_the_seen_cells_it_was_built_from() -> None:
    from concertation.analysis.opinions import _Cells

    rng = np.random.default_rng(6)
    voters = rng.integers(0, 40, 900)
    comments = rng.integers(0, 25, 900)
    votes = rng.choice(np.array([1, -1, 0], dtype=np.int8), 900)
    stamps = rng.permutation(900).astype(float)  # out of order, with repeated cells
    matrix = build_vote_matrix(voters, comments, votes, stamps)
    expected = _Cells.of(matrix.values)
    assert matrix.cells is not None
    for name in ("rows", "cols", "votes"):
        assert np.array_equal(getattr(matrix.cells, name), getattr(expected, name))
    latest = {}
    for i in np.argsort(stamps):
        latest[(voters[i], comments[i])] = votes[i]
    p_index = {p: i for i, p in enumerate(matrix.participants)}
    c_index = {c: j for j, c in enumerate(matrix.comments)}
    for (p, c), vote in latest.items():
        assert matrix.values[p_index[str(p)], c_index[str(c)]] == vote
    assert int((~np.isnan(matrix.values)).sum()) == len(latest)


def test_top_eigenvectors_match_full_decomposition() -> None:
    from concertation.analysis.opinions import _top_eigenvectors

    rng = np.random.default_rng(5)
    basis = rng.standard_normal((400, 400))
    matrix = basis @ np.diag(np.linspace(0.1, 5.0, 400) ** 3) @ basis.T
    values, vectors = np.linalg.eigh(matrix)
    expected = vectors[:, np.argsort(values)[::-1][:2]]
    found = _top_eigenvectors(matrix, 2)
    assert np.allclose(np.abs(np.sum(found * expected, axis=0)), 1.0, atol=1e-6)


def test_numpy_kmeans_and_silhouette_match_scikit_learn() -> None:
    from sklearn.metrics import pairwise_distances, silhouette_score

    from concertation.analysis.opinions import _kmeans, _silhouette

    rng = np.random.default_rng(6)
    centres = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 6.0]])
    truth = rng.integers(3, size=900)
    points = centres[truth] + rng.standard_normal((900, 2)) * 0.5
    _, labels = _kmeans(points, 3, np.random.default_rng(0), restarts=3)
    assert adjusted_rand_score(truth, labels) == 1.0
    distances = pairwise_distances(points)
    assert abs(_silhouette(distances, labels) - silhouette_score(points, labels)) < 1e-9


def test_read_votes_integer_and_decimal_exports(tmp_path: Path) -> None:
    whole = tmp_path / "votes.csv"
    whole.write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n"
        "1600000000002,Mon,1,7,1\n1600000000001,Mon,1,7,-1\n1600000000003,Mon,2,8,0\n",
        encoding="utf-8",
    )
    voters, cids, votes, stamps = read_votes(whole)
    assert voters.tolist() == [7, 7, 8] and cids.tolist() == [1, 1, 2]
    assert votes.tolist() == [1, -1, 0] and stamps is not None
    matrix = build_vote_matrix(voters, cids, votes, stamps)
    assert matrix.values[0, 0] == 1  # the later timestamp wins, whatever the file order
    decimal = tmp_path / "decimal.csv"
    decimal.write_text(
        "voter-id,comment-id,vote,timestamp\n7,1,1.0,10.5\n7,1,-1.0,10.25\n", encoding="utf-8"
    )
    voters, cids, votes, stamps = read_votes(decimal)
    assert votes.tolist() == [1, -1] and stamps is not None and stamps.tolist() == [10.5, 10.25]
    assert build_vote_matrix(voters, cids, votes, stamps).values[0, 0] == 1
