"""Opinion groups from agree/disagree/pass votes, following Pol.is's published method.

Steps (Small et al., "Polis: Scaling deliberation by mapping high dimensional opinion
spaces", 2021, and the polismath / red-dwarf implementations):

1. participant × comment matrix (1 agree, -1 disagree, 0 pass, NaN unseen); a later vote
   replaces an earlier one; moderated comments are dropped;
2. participants with at least ``min_votes`` (7) votes are clustered;
3. unseen cells are filled with the column mean, and PCA projects onto two dimensions;
4. each projection is scaled by sqrt(n_comments / n_votes_of_participant) so that
   participants who voted little are not pulled into the centre;
5. k-means for k = 2..5, the k with the best silhouette wins;
6. per group, representative comments by Pol.is's repness tests; overall consensus;
   group-informed consensus = Π_groups (agrees + 1) / (votes + 2).

Plus :func:`college_consensus`: agreement inside declared stakeholder colleges and the
comments that bridge colleges which otherwise disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

# Re-exported: the map and the reading moved to their own modules (tests use the
# private names too).
from .opinion_map import (  # noqa: F401
    SMALL_CONVERSATION,
    _choose_groups,
    _kmeans,
    _project,
    _project_dense,
    _silhouette,
    _top_eigenvectors,
)
from .votes import (
    VoteMatrix,
    _Cells,
    build_vote_matrix,
    read_moderated,
    read_votes,
)

__all__ = [
    "CollegeReport",
    "ConsensusItem",
    "OpinionGroup",
    "OpinionResult",
    "Participant",
    "Representative",
    "VoteMatrix",
    "build_vote_matrix",
    "college_consensus",
    "opinion_groups",
    "read_moderated",
    "read_votes",
]


Z_90 = 1.2815515655446004  # one-tailed 90 % critical value, as in Pol.is


@dataclass(frozen=True)
class Participant:
    id: str
    group: int | None
    x: float
    y: float


@dataclass(frozen=True)
class Representative:
    comment: str
    direction: str  # "agree" or "disagree"
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False


@dataclass(frozen=True)
class OpinionGroup:
    id: int
    size: int
    representatives: list[Representative]


@dataclass(frozen=True)
class ConsensusItem:
    comment: str
    direction: str
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


@dataclass(frozen=True)
class OpinionResult:
    participants: list[Participant]
    groups: list[OpinionGroup]
    consensus: list[ConsensusItem]
    group_informed_consensus: dict[str, float]
    parameters: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- statistics


def _prop_test(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Pol.is one-proportion z-test with a pseudo-count of one."""
    s = successes + 1.0
    n = trials + 1.0
    return 2.0 * np.sqrt(n) * (s / n - 0.5)


def _two_prop_test(
    succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    s1, s2, n1, n2 = succ_in + 1.0, succ_out + 1.0, n_in + 1.0, n_out + 1.0
    p_hat = (s1 + s2) / (n1 + n2)
    denominator = np.sqrt(p_hat * (1.0 - p_hat) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / denominator
    return np.where(p_hat >= 1.0, 0.0, np.nan_to_num(z))


@dataclass(frozen=True)
class _Counts:
    agree: np.ndarray  # (groups, comments)
    disagree: np.ndarray
    seen: np.ndarray


def _group_counts(cells: _Cells, labels: np.ndarray, n_groups: int) -> _Counts:
    """Agree, disagree and seen counts per (group, comment); label -1 = in no group."""
    n_comments = cells.shape[1]
    group = labels[cells.rows]
    inside = (group >= 0) & (group < n_groups)
    key = group[inside] * n_comments + cells.cols[inside]
    vote = cells.votes[inside]
    size = n_groups * n_comments

    def count(mask: np.ndarray | None) -> np.ndarray:
        chosen = key if mask is None else key[mask]
        return np.bincount(chosen, minlength=size).reshape(n_groups, n_comments).astype(float)

    return _Counts(count(vote == 1), count(vote == -1), count(None))


_GREEDY_N = 15  # Pol.is clusters at least the 15 most active participants


def _representatives(
    counts: _Counts, comments: list[str], pick_max: int, confidence_z: float
) -> list[list[Representative]]:
    n_groups = counts.agree.shape[0]
    total_a = counts.agree.sum(axis=0)
    total_d = counts.disagree.sum(axis=0)
    total_s = counts.seen.sum(axis=0)
    out: list[list[Representative]] = []
    for g in range(n_groups):
        na, nd, ns = counts.agree[g], counts.disagree[g], counts.seen[g]
        oa, od, os_ = total_a - na, total_d - nd, total_s - ns
        pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
        pat, pdt = _prop_test(na, ns), _prop_test(nd, ns)
        ra, rd = pa / ((oa + 1) / (os_ + 2)), pd / ((od + 1) / (os_ + 2))
        rat, rdt = _two_prop_test(na, oa, ns, os_), _two_prop_test(nd, od, ns, os_)
        use_agree = rat > rdt

        agree_stats = (na, ns, pa, pat, ra, rat)
        disagree_stats = (nd, ns, pd, pdt, rd, rdt)

        def rep(
            j: int,
            best: bool = False,
            *,
            agree: bool | None = None,
            _a: tuple[np.ndarray, ...] = agree_stats,
            _d: tuple[np.ndarray, ...] = disagree_stats,
            _use: np.ndarray = use_agree,
        ) -> Representative:
            a = bool(_use[j]) if agree is None else agree
            n_s, n_t, p_s, p_t, r, r_t = _a if a else _d
            return Representative(
                comment=comments[j],
                direction="agree" if a else "disagree",
                n_success=int(n_s[j]),
                n_trials=int(n_t[j]),
                p_success=float(p_s[j]),
                p_test=float(p_t[j]),
                repness=float(r[j]),
                repness_test=float(r_t[j]),
                best_agree=best,
            )

        # Best agreed comment first (Pol.is "best-agree"), so each group shows a consensus
        # of its own and not only what sets it apart.
        best_agree: int | None = None
        for j in range(len(comments)):
            if na[j] == 0 and nd[j] == 0:
                continue
            if best_agree is None:
                if pat[j] > confidence_z or (ra[j] > 1.0 and pa[j] > 0.5):
                    best_agree = j
            elif ra[best_agree] > 1.0:
                if ra[j] * rat[j] * pa[j] * pat[j] > (
                    ra[best_agree] * rat[best_agree] * pa[best_agree] * pat[best_agree]
                ):
                    best_agree = j
            elif pa[j] * pat[j] > pa[best_agree] * pat[best_agree]:
                best_agree = j
        significant = ((pat > confidence_z) & (rat > confidence_z)) | (
            (pdt > confidence_z) & (rdt > confidence_z)
        )
        metric = np.where(use_agree, ra * rat * pa * pat, rd * rdt * pd * pdt)
        ranked = [int(j) for j in np.argsort(-metric, kind="stable") if significant[j]]
        head: list[Representative] = []
        if best_agree is not None:
            head = [rep(best_agree, True, agree=True)]
        elif not ranked:
            best_any = int(np.argmax(np.maximum(rat, rdt)))
            head = [rep(best_any)]
        selected = head + [rep(j) for j in ranked if not head or j != best_agree]
        selected = selected[:pick_max]
        selected.sort(key=lambda r: r.direction)  # agrees before disagrees, as Pol.is
        out.append(selected)
    return out


def _consensus(
    everyone: _Counts, comments: list[str], pick_max: int, confidence_z: float
) -> list[ConsensusItem]:
    na, nd, ns = everyone.agree[0], everyone.disagree[0], everyone.seen[0]
    out: list[ConsensusItem] = []
    for direction, n in (("agree", na), ("disagree", nd)):
        p = (n + 1) / (ns + 2)
        z = _prop_test(n, ns)
        candidates = np.flatnonzero((p > 0.5) & (z > confidence_z))
        ranked = candidates[np.argsort(-(p * z)[candidates], kind="stable")][:pick_max]
        out.extend(
            ConsensusItem(
                comment=comments[j],
                direction=direction,
                n_success=int(n[j]),
                n_trials=int(ns[j]),
                p_success=float(p[j]),
                p_test=float(z[j]),
            )
            for j in ranked
        )
    return out


def opinion_groups(
    matrix: VoteMatrix,
    *,
    min_votes: int = 7,
    k_range: tuple[int, int] = (2, 5),
    force_k: int | None = None,
    seed: int = 0,
    pick_max: int = 5,
    confidence_z: float = Z_90,
) -> OpinionResult:
    """Pol.is opinion groups, representative comments and consensus measures."""
    moderated = matrix.moderated_mask()
    comments = [c for c, m in zip(matrix.comments, moderated, strict=True) if not m]
    every_cell = matrix.seen_cells()
    # Statistics ignore moderated comments: their cells, renumbered without them.
    kept_columns = np.cumsum(~moderated) - 1
    keep = ~moderated[every_cell.cols]
    cells = _Cells(
        every_cell.rows[keep],
        kept_columns[every_cell.cols[keep]],
        every_cell.votes[keep],
        (len(matrix.participants), len(comments)),
    )
    n_participants, n_comments = cells.shape
    n_votes = np.bincount(cells.rows, minlength=n_participants)
    # Pol.is's in-conversation rule: votes counted on the raw matrix (moderated comments
    # included), at least min(7, comments); if fewer than 15 qualify, the most active
    # participants are added up to 15.
    raw_votes = np.bincount(every_cell.rows, minlength=n_participants)
    threshold = min(min_votes, len(matrix.comments))
    qualifies = raw_votes >= max(threshold, 1)
    if qualifies.sum() < _GREEDY_N:
        active = np.argsort(-raw_votes, kind="stable")[:_GREEDY_N]
        qualifies[active[raw_votes[active] > 0]] = True
    clustered = np.flatnonzero(qualifies & (n_votes > 0))
    xy = np.zeros((n_participants, 2))
    labels_all = np.full(n_participants, -1, dtype=np.int64)
    scores: dict[int, float] = {}
    if len(clustered) and n_comments:
        # As in Pol.is, PCA sees every participant; only those with enough votes are
        # clustered.
        xy = (
            _project_dense(matrix.values, moderated)
            if n_participants <= SMALL_CONVERSATION
            else _project(every_cell, moderated)
        )
        # One thread: the k-means products are small, and a second spinning thread on a
        # shared 2-core machine made them several times slower (measured).
        with threadpool_limits(limits=1):
            labels, scores = _choose_groups(xy[clustered], k_range, seed, force_k)
        labels_all[clustered] = labels
    n_groups = int(labels_all.max()) + 1 if len(clustered) else 0
    # One pass for the groups and for everyone: the unclustered form an extra last row.
    every = _group_counts(cells, np.where(labels_all >= 0, labels_all, n_groups), n_groups + 1)
    counts = _Counts(every.agree[:n_groups], every.disagree[:n_groups], every.seen[:n_groups])
    everyone = _Counts(
        every.agree.sum(axis=0, keepdims=True),
        every.disagree.sum(axis=0, keepdims=True),
        every.seen.sum(axis=0, keepdims=True),
    )
    reps = _representatives(counts, comments, pick_max, confidence_z) if n_groups else []
    gic_values = (
        np.prod((counts.agree + 1.0) / (counts.seen + 2.0), axis=0)
        if n_groups
        else (np.full(n_comments, np.nan))
    )
    participants = [
        Participant(
            id=pid,
            group=int(labels_all[i]) if labels_all[i] >= 0 else None,
            x=float(xy[i, 0]),
            y=float(xy[i, 1]),
        )
        for i, pid in enumerate(matrix.participants)
    ]
    groups = [
        OpinionGroup(id=g, size=int((labels_all == g).sum()), representatives=reps[g])
        for g in range(n_groups)
    ]
    return OpinionResult(
        participants=participants,
        groups=groups,
        consensus=_consensus(everyone, comments, pick_max, confidence_z),
        group_informed_consensus={c: float(v) for c, v in zip(comments, gic_values, strict=True)},
        parameters={
            "participants": n_participants,
            "comments": n_comments,
            "moderated_comments": int(moderated.sum()),
            "votes": int(n_votes.sum()),
            "clustered_participants": int(len(clustered)),
            "min_votes": threshold,
            "k_range": list(k_range),
            "k": n_groups,
            "k_chosen_by": "override" if force_k else "silhouette",
            "silhouette": {str(k): round(v, 6) for k, v in scores.items()},
            "seed": seed,
            "confidence_z": confidence_z,
        },
    )


# --------------------------------------------------------------------------- colleges


@dataclass(frozen=True)
class CollegeReport:
    """Agreement per declared college and comments bridging opposed colleges."""

    agreed: dict[str, list[ConsensusItem]]
    divergence: dict[str, dict[str, float]]
    bridges: list[dict[str, Any]]
    # Comments that every college which voted on them agrees with (at least two colleges),
    # by decreasing college-informed consensus: "soutenue par tous les collèges".
    all_colleges: list[str] = field(default_factory=list)


def college_consensus(
    matrix: VoteMatrix,
    colleges: Mapping[str, str],
    *,
    confidence_z: float = Z_90,
    opposed_divergence: float = 0.3,
    min_shared: int = 3,
) -> CollegeReport:
    """Which comments each college agrees with, and which bridge opposed colleges.

    A comment is supported by all colleges when every college that voted on it agrees
    with it (at least two colleges voted).

    A college "agrees" with a comment when its smoothed agree probability exceeds 0.5 with a
    significant one-proportion test (same test as Pol.is consensus). Two colleges are
    *opposed* when, over the comments both take a significant side on, they take different
    sides at least ``opposed_divergence`` of the time. A *bridge* is a comment that both
    colleges of at least one opposed pair agree with; bridges are ranked by the
    college-informed consensus Π_colleges (agrees + 1) / (votes + 2).
    """
    keep = ~matrix.moderated_mask()
    matrix = VoteMatrix(
        values=matrix.values[:, keep],
        participants=matrix.participants,
        comments=[c for c, k in zip(matrix.comments, keep, strict=True) if k],
    )
    names = sorted({c for c in colleges.values() if c})
    index = {name: i for i, name in enumerate(names)}
    labels = np.array([index.get(colleges.get(p, ""), -1) for p in matrix.participants])
    counts = _group_counts(_Cells.of(matrix.values), labels, len(names))
    pa = (counts.agree + 1) / (counts.seen + 2)
    pd = (counts.disagree + 1) / (counts.seen + 2)
    agrees = (pa > 0.5) & (_prop_test(counts.agree, counts.seen) > confidence_z)
    disagrees = (pd > 0.5) & (_prop_test(counts.disagree, counts.seen) > confidence_z)
    side = agrees.astype(np.int8) - disagrees.astype(np.int8)
    agreed: dict[str, list[ConsensusItem]] = {}
    for name, g in index.items():
        cols = np.flatnonzero(agrees[g])
        cols = cols[np.argsort(-pa[g, cols], kind="stable")]
        agreed[name] = [
            ConsensusItem(
                comment=matrix.comments[j],
                direction="agree",
                n_success=int(counts.agree[g, j]),
                n_trials=int(counts.seen[g, j]),
                p_success=float(pa[g, j]),
                p_test=float(_prop_test(counts.agree[g, j : j + 1], counts.seen[g, j : j + 1])[0]),
            )
            for j in cols
        ]
    divergence: dict[str, dict[str, float]] = {a: {} for a in names}
    opposed: list[tuple[int, int]] = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            both = (side[a] != 0) & (side[b] != 0)
            shared = int(both.sum())
            value = float((side[a][both] != side[b][both]).mean()) if shared else 0.0
            divergence[names[a]][names[b]] = divergence[names[b]][names[a]] = round(value, 6)
            if shared >= min_shared and value >= opposed_divergence:
                opposed.append((a, b))
    informed = np.prod(pa, axis=0) if names else np.zeros(len(matrix.comments))
    voted = counts.seen > 0
    everyone_agrees = (voted.sum(axis=0) >= 2) & np.all(agrees | ~voted, axis=0)
    all_colleges = [
        matrix.comments[j] for j in np.argsort(-informed, kind="stable") if everyone_agrees[j]
    ]
    bridges: list[dict[str, Any]] = []
    for j in np.argsort(-informed, kind="stable"):
        pairs = [(names[a], names[b]) for a, b in opposed if agrees[a, j] and agrees[b, j]]
        if pairs:
            bridges.append(
                {
                    "comment": matrix.comments[j],
                    "colleges": [names[g] for g in range(len(names)) if agrees[g, j]],
                    "opposed_pairs": [list(p) for p in pairs],
                    "college_informed_consensus": float(informed[j]),
                }
            )
    return CollegeReport(
        agreed=agreed, divergence=divergence, bridges=bridges, all_colleges=all_colleges
    )
