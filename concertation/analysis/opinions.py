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

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from .io import AnalysisError, read_csv, read_header

if TYPE_CHECKING:  # scikit-learn is imported lazily: reading votes must fail fast
    from sklearn.cluster import KMeans

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


def _fit(model: KMeans, x: np.ndarray, sample_weight: np.ndarray | None = None) -> KMeans:
    from sklearn.exceptions import ConvergenceWarning

    # Duplicate points may leave fewer distinct clusters than asked for: that is fine here.
    # One thread: k-means iterations are short, and on a shared 2-core machine OpenMP
    # threads waiting on each other made them 5 to 30 times slower (measured).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, sample_weight=sample_weight)


Z_90 = 1.2815515655446004  # one-tailed 90 % critical value, as in Pol.is


@dataclass(frozen=True)
class VoteMatrix:
    """Dense participants × comments matrix; NaN = not seen."""

    values: np.ndarray  # float32, shape (participants, comments)
    participants: list[str]
    comments: list[str]
    # Moderated-out comments: kept as all-"pass" columns for the projection (as Pol.is does,
    # which affects the sparsity scaling) but excluded from every statistic and output.
    moderated: np.ndarray | None = None

    def moderated_mask(self) -> np.ndarray:
        if self.moderated is None:
            return np.zeros(len(self.comments), dtype=bool)
        return self.moderated


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


# --------------------------------------------------------------------------- reading


Ids = Sequence[str] | np.ndarray


def _read_votes_fast(path: str | Path) -> tuple[Ids, Ids, np.ndarray, np.ndarray | None] | None:
    """numpy's C parser for the common all-numeric export; None means "use the slow path"
    (which also produces the precise error messages)."""
    head = read_header(path)
    if head is None:
        return None
    names = [h.strip().casefold() for h in head.header]
    try:
        cols = [names.index(c) for c in ("voter-id", "comment-id", "vote")]
    except ValueError:
        return None
    if "timestamp" in names:
        cols.append(names.index("timestamp"))
    try:
        data = np.loadtxt(
            path,
            delimiter=head.delimiter,
            skiprows=1,
            usecols=cols,
            dtype=np.float64,
            comments=None,
            quotechar='"',
            encoding=head.encoding,
            ndmin=2,
        )
    except (ValueError, UnicodeDecodeError, OSError):
        return None
    if len(data) == 0 or not np.all(np.isfinite(data[:, :3])):
        return None
    ids = data[:, :2]
    if not np.array_equal(ids, np.round(ids)) or not np.isin(data[:, 2], (-1, 0, 1)).all():
        return None
    timestamps = data[:, 3].copy() if len(cols) == 4 else None
    return (
        ids[:, 0].astype(np.int64),
        ids[:, 1].astype(np.int64),
        data[:, 2].astype(np.int8),
        timestamps,
    )


def read_votes(path: str | Path) -> tuple[Ids, Ids, np.ndarray, np.ndarray | None]:
    """Read a Pol.is votes export: (voter ids, comment ids, votes, timestamps or None).

    Ids are integer arrays when every id is an integer (fast path), strings otherwise;
    votes must be 1, -1 or 0 (an error names the first bad row).
    """
    fast = _read_votes_fast(path)
    if fast is not None:
        return fast
    table = read_csv(path)
    voter_col = table.column("voter-id")
    comment_col = table.column("comment-id")
    vote_col = table.column("vote")
    stripped = [h.strip().casefold() for h in table.header]
    time_col = stripped.index("timestamp") if "timestamp" in stripped else None
    width = max(voter_col, comment_col, vote_col, time_col or 0) + 1
    rows = table.rows
    for i, row in enumerate(rows):
        if len(row) < width:
            raise AnalysisError(
                f"ligne {table.line_of(i)} de {table.path.name} : {len(row)} colonnes au lieu "
                f"d'au moins {width}"
            )
    voters = [row[voter_col].strip() for row in rows]
    comments = [row[comment_col].strip() for row in rows]
    raw_votes = [row[vote_col].strip() for row in rows]
    lookup = {"1": 1, "-1": -1, "0": 0, "1.0": 1, "-1.0": -1, "0.0": 0, "+1": 1}
    try:
        votes = np.fromiter((lookup[v] for v in raw_votes), dtype=np.int8, count=len(rows))
    except KeyError:
        bad = next(i for i, v in enumerate(raw_votes) if v not in lookup)
        raise AnalysisError(
            f"vote invalide « {raw_votes[bad]} » ligne {table.line_of(bad)} de "
            f"{table.path.name} (attendu 1, -1 ou 0)"
        ) from None
    for name, values in (("voter-id", voters), ("comment-id", comments)):
        if "" in values:
            bad = values.index("")
            raise AnalysisError(
                f"colonne « {name} » vide ligne {table.line_of(bad)} de {table.path.name}"
            )
    timestamps: np.ndarray | None = None
    if time_col is not None:
        try:
            timestamps = np.array([float(row[time_col]) for row in rows], dtype=np.float64)
        except ValueError:
            bad = next(i for i, row in enumerate(rows) if not _is_float(row[time_col]))
            raise AnalysisError(
                f"horodatage invalide « {rows[bad][time_col]} » ligne {table.line_of(bad)} de "
                f"{table.path.name}"
            ) from None
    return voters, comments, votes, timestamps


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_moderated(path: str | Path) -> set[str]:
    """Comment ids with ``moderated`` = -1 in a Pol.is comments export."""
    table = read_csv(path, required=False)
    id_col = table.column("comment-id")
    mod_col = table.column("moderated")
    out: set[str] = set()
    for i, row in enumerate(table.rows):
        value = row[mod_col].strip() if mod_col < len(row) else ""
        if value not in {"-1", "0", "1", ""}:
            raise AnalysisError(
                f"valeur « {value} » invalide pour « moderated » ligne {table.line_of(i)} de "
                f"{table.path.name} (attendu -1, 0 ou 1)"
            )
        if value == "-1":
            out.add(row[id_col].strip())
    return out


def _factorise(values: Ids) -> tuple[np.ndarray, list[str]]:
    """Integer codes and sorted unique labels (numeric ids sorted numerically)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        unique, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64), [str(v) for v in unique.tolist()]
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    labels = list(index)
    try:
        keys = [float(v) for v in labels]
        order = sorted(range(len(labels)), key=lambda i: (keys[i], labels[i]))
    except ValueError:
        order = sorted(range(len(labels)), key=lambda i: labels[i])
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank[codes], [labels[i] for i in order]


def build_vote_matrix(
    voters: Ids,
    comments: Ids,
    votes: np.ndarray,
    timestamps: np.ndarray | None = None,
    *,
    exclude: set[str] | None = None,
) -> VoteMatrix:
    """Latest vote per (participant, comment); ``exclude`` marks moderated comments."""
    p_codes, p_labels = _factorise(voters)
    c_codes, c_labels = _factorise(comments)
    moderated = np.array([c in (exclude or set()) for c in c_labels], dtype=bool)
    order = (
        np.argsort(timestamps, kind="stable") if timestamps is not None else np.arange(len(votes))
    )
    key = p_codes[order] * len(c_labels) + c_codes[order]
    # Last occurrence wins: unique over the reversed order keeps the first = latest.
    _, first_rev = np.unique(key[::-1], return_index=True)
    chosen = order[::-1][first_rev]
    # float32 halves memory (33k × 800 = 105 MB); the statistics use exact integer counts.
    matrix = np.full((len(p_labels), len(c_labels)), np.nan, dtype=np.float32)
    matrix[p_codes[chosen], c_codes[chosen]] = votes[chosen]
    return VoteMatrix(values=matrix, participants=p_labels, comments=c_labels, moderated=moderated)


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


def _group_counts(values: np.ndarray, labels: np.ndarray, n_groups: int) -> _Counts:
    agree = np.zeros((n_groups, values.shape[1]))
    disagree = np.zeros_like(agree)
    seen = np.zeros_like(agree)
    for g in range(n_groups):
        block = values[labels == g]
        agree[g] = (block == 1).sum(axis=0)
        disagree[g] = (block == -1).sum(axis=0)
        seen[g] = (~np.isnan(block)).sum(axis=0)
    return _Counts(agree, disagree, seen)


def _project(values: np.ndarray, moderated: np.ndarray) -> np.ndarray:
    """Column-mean imputation, PCA to 2-D, sparsity-aware scaling (Pol.is).

    Moderated columns count as "pass" for everybody, as in Pol.is (which zeroes them):
    they add no variance but enter the sparsity scaling.
    """
    seen = ~np.isnan(values)
    n_seen = seen.sum(axis=0)
    means = np.divide(
        np.nansum(values, axis=0, dtype=np.float64),
        n_seen,
        out=np.zeros(values.shape[1]),
        where=n_seen > 0,
    ).astype(np.float32)
    means[moderated] = 0.0
    filled = np.where(seen, values, means).astype(np.float32, copy=False)
    filled[:, moderated] = 0.0
    filled -= filled.mean(axis=0, dtype=np.float64).astype(np.float32)
    # One BLAS thread: these products are small, and on a shared 2-core machine a second
    # spinning thread made them up to forty times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        cov = (filled.T @ filled).astype(np.float64)
        m = cov.shape[0]
        eigenvalues, eigenvectors = scipy.linalg.eigh(cov, subset_by_index=[max(m - 2, 0), m - 1])
    components = eigenvectors[:, np.argsort(eigenvalues)[::-1][:2]]
    if components.shape[1] < 2:
        components = np.pad(components, ((0, 0), (0, 2 - components.shape[1])))
    # Deterministic sign: the largest loading of each component is positive.
    signs = np.sign(components[np.abs(components).argmax(axis=0), range(2)])
    components *= np.where(signs == 0, 1.0, signs)
    with threadpool_limits(limits=1, user_api="blas"):
        projection = (filled @ components.astype(np.float32)).astype(np.float64)
    n_votes = seen[:, ~moderated].sum(axis=1) + int(moderated.sum())
    scale = np.sqrt(values.shape[1] / np.maximum(n_votes, 1))
    return projection * scale[:, None]


def _choose_groups(
    points: np.ndarray, k_range: tuple[int, int], seed: int, force_k: int | None, n_base: int = 100
) -> tuple[np.ndarray, dict[int, float]]:
    """Pol.is two-stage k-means: ``n_base`` base clusters, then k groups of base centres
    (weighted by their sizes), k chosen by silhouette over participants."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    distinct = len(np.unique(points, axis=0)) if len(points) else 0
    if len(points) < 3 or distinct < 2:
        return np.zeros(len(points), dtype=np.int64), {}
    n_base = min(n_base, distinct)
    # Restarts matter for small conversations (a few hundred people) and cost little there;
    # for tens of thousands one run already averages out.
    restarts = 10 if len(points) <= 5_000 else 1
    base = _fit(KMeans(n_clusters=n_base, n_init=restarts, max_iter=100, random_state=seed), points)
    weights = np.bincount(base.labels_, minlength=n_base).astype(np.float64)
    ks = [force_k] if force_k else list(range(k_range[0], k_range[1] + 1))
    best: tuple[float, np.ndarray] | None = None
    scores: dict[int, float] = {}
    rng = np.random.default_rng(seed)
    scored = (
        np.arange(len(points))
        if len(points) <= 3_000
        else np.sort(rng.choice(len(points), size=3_000, replace=False))
    )
    for k in ks:
        if k >= n_base:
            continue
        groups = _fit(
            KMeans(n_clusters=k, n_init=10, random_state=seed), base.cluster_centers_, weights
        )
        labels = groups.labels_[base.labels_]
        if len(np.unique(labels[scored])) < 2:
            continue
        with threadpool_limits(limits=1):
            score = float(silhouette_score(points[scored], labels[scored]))
        scores[k] = score
        if best is None or score > best[0] + 1e-12:
            best = (score, labels)
    if best is None:
        return np.zeros(len(points), dtype=np.int64), scores
    # Number groups by decreasing size, so that group 0 is the largest.
    labels = best[1]
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    return remap[labels], scores


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
    values: np.ndarray, comments: list[str], pick_max: int, confidence_z: float
) -> list[ConsensusItem]:
    na = (values == 1).sum(axis=0).astype(np.float64)
    nd = (values == -1).sum(axis=0).astype(np.float64)
    ns = (~np.isnan(values)).sum(axis=0).astype(np.float64)
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
    values = matrix.values[:, ~moderated]
    comments = [c for c, m in zip(matrix.comments, moderated, strict=True) if not m]
    n_participants, n_comments = values.shape
    n_votes = (~np.isnan(values)).sum(axis=1)
    threshold = min(min_votes, n_comments)
    clustered = np.flatnonzero(n_votes >= max(threshold, 1))
    xy = np.zeros((n_participants, 2))
    labels_all = np.full(n_participants, -1, dtype=np.int64)
    scores: dict[int, float] = {}
    if len(clustered) and n_comments:
        # As in Pol.is, PCA sees every participant; only those with enough votes are
        # clustered.
        xy = _project(matrix.values, moderated)
        labels, scores = _choose_groups(xy[clustered], k_range, seed, force_k)
        labels_all[clustered] = labels
    n_groups = int(labels_all.max()) + 1 if len(clustered) else 0
    clustered_values = values[clustered]
    clustered_labels = labels_all[clustered]
    counts = _group_counts(clustered_values, clustered_labels, n_groups)
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
        consensus=_consensus(values, comments, pick_max, confidence_z),
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


def college_consensus(
    matrix: VoteMatrix,
    colleges: Mapping[str, str],
    *,
    confidence_z: float = Z_90,
    opposed_divergence: float = 0.3,
    min_shared: int = 3,
) -> CollegeReport:
    """Which comments each college agrees with, and which bridge opposed colleges.

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
    counts = _group_counts(matrix.values, labels, len(names))
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
    return CollegeReport(agreed=agreed, divergence=divergence, bridges=bridges)
