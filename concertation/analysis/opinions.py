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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .io import AnalysisError, read_csv, read_header

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
    # Integer parsing is about six times faster than float parsing in np.loadtxt (0.3 s
    # against 2 s for 2 million rows); decimals ("1.0", fractional timestamps) fall back.
    for dtype in (np.int64, np.float64):
        try:
            data = np.loadtxt(
                path,
                delimiter=head.delimiter,
                skiprows=1,
                usecols=cols,
                dtype=dtype,
                comments=None,
                quotechar='"',
                encoding=head.encoding,
                ndmin=2,
            )
            break
        except (ValueError, OverflowError, UnicodeDecodeError, OSError):
            continue
    else:
        return None
    if data.dtype.kind in "iu":
        if len(data) == 0 or not np.isin(data[:, 2], (-1, 0, 1)).all():
            return None
        return (
            data[:, 0].copy(),
            data[:, 1].copy(),
            data[:, 2].astype(np.int8),
            data[:, 3].copy() if len(cols) == 4 else None,
        )
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
        if len(values) and values.min() >= 0 and values.max() <= 4 * len(values) + 1_000_000:
            # Small non-negative ids (the usual case): a presence table, no sort.
            present = np.zeros(int(values.max()) + 1, dtype=bool)
            present[values] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            return rank[values], [str(v) for v in np.flatnonzero(present).tolist()]
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
    excluded = exclude or set()
    moderated = np.array([c in excluded for c in c_labels], dtype=bool)
    n_cells = len(p_labels) * len(c_labels)
    if timestamps is None or len(timestamps) < 2 or (np.diff(timestamps) >= 0).all():
        order = None  # file order is already time order (the usual export)
        key = p_codes * len(c_labels) + c_codes
    else:
        order = np.argsort(timestamps, kind="stable")
        key = p_codes[order] * len(c_labels) + c_codes[order]
    # Last occurrence wins: the largest position in time order of each cell.
    position_type = np.int32 if len(key) < 2**31 - 1 else np.int64
    last = np.full(n_cells, -1, dtype=position_type)
    np.maximum.at(last, key, np.arange(len(key), dtype=position_type))
    cells = np.flatnonzero(last >= 0)
    chosen = last[cells]
    del last
    if order is not None:
        chosen = order[chosen]
    # float32 halves memory (33k × 800 = 105 MB); the statistics use exact integer counts.
    matrix = np.full(n_cells, np.nan, dtype=np.float32)
    matrix[cells] = votes[chosen]
    matrix = matrix.reshape(len(p_labels), len(c_labels))
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


@dataclass(frozen=True)
class _Cells:
    """The seen cells of a vote matrix: participant row, comment column and vote."""

    rows: np.ndarray
    cols: np.ndarray
    votes: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, values: np.ndarray) -> _Cells:
        # A few percent of the cells are seen: every later step works on these arrays
        # (bincounts, one scatter), not on the dense matrix (≈ 10 passes of 100 MB saved).
        rows, cols = np.nonzero(~np.isnan(values))
        return cls(rows, cols, values[rows, cols], values.shape)


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


def _top_eigenvectors(matrix: np.ndarray, count: int = 2) -> np.ndarray:
    """Leading eigenvectors of a symmetric positive semi-definite matrix.

    Block power (subspace) iteration, as Pol.is computes its PCA by power iteration,
    stopped when every Ritz residual is below 1e-9 of the largest eigenvalue; a full
    decomposition when the matrix is small or the iteration does not converge.
    """
    m = matrix.shape[0]
    count = min(count, m)
    if m <= 200:
        values, vectors = np.linalg.eigh(matrix)
        return vectors[:, np.argsort(values)[::-1][:count]]
    block = min(m, count + 8)
    basis, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((m, block)))
    for _ in range(500):
        basis, _ = np.linalg.qr(matrix @ basis)
        values, vectors = np.linalg.eigh(basis.T @ matrix @ basis)
        top = np.argsort(values)[::-1][:count]
        ritz = basis @ vectors[:, top]
        residual = np.linalg.norm(matrix @ ritz - ritz * values[top], axis=0)
        if (residual <= 1e-9 * max(float(values.max()), 1e-300)).all():
            return ritz
    values, vectors = np.linalg.eigh(matrix)
    return vectors[:, np.argsort(values)[::-1][:count]]


def _project(cells: _Cells, moderated: np.ndarray) -> np.ndarray:
    """Column-mean imputation, PCA to 2-D, sparsity-aware scaling (Pol.is).

    Moderated columns count as "pass" for everybody, as in Pol.is (which zeroes them):
    they add no variance but enter the sparsity scaling.
    """
    n_participants, n_comments = cells.shape
    n_seen = np.bincount(cells.cols, minlength=n_comments)
    sums = np.bincount(cells.cols, weights=cells.votes, minlength=n_comments)
    means = np.divide(sums, n_seen, out=np.zeros(n_comments), where=n_seen > 0)
    means[moderated] = 0.0
    # Filled with column means, a column's mean is the mean of its seen votes; so the
    # filled and centred matrix is (vote - mean) where seen and 0 elsewhere (and 0 in
    # moderated columns): zeros, then one scatter of the seen cells.
    keep = ~moderated[cells.cols]
    centred = np.zeros((n_participants, n_comments), dtype=np.float32)
    centred[cells.rows[keep], cells.cols[keep]] = cells.votes[keep] - means[cells.cols[keep]]
    # One BLAS thread: these products are small, and on a shared 2-core machine a second
    # spinning thread made them up to forty times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        cov = (centred.T @ centred).astype(np.float64)
        components = _top_eigenvectors(cov, 2)
    if components.shape[1] < 2:
        components = np.pad(components, ((0, 0), (0, 2 - components.shape[1])))
    # Deterministic sign: the largest loading of each component is positive.
    signs = np.sign(components[np.abs(components).argmax(axis=0), range(2)])
    components *= np.where(signs == 0, 1.0, signs)
    with threadpool_limits(limits=1, user_api="blas"):
        projection = (centred @ components.astype(np.float32)).astype(np.float64)
    n_votes = np.bincount(cells.rows[keep], minlength=n_participants) + int(moderated.sum())
    scale = np.sqrt(n_comments / np.maximum(n_votes, 1))
    return projection * scale[:, None]


def _project_dense(values: np.ndarray, moderated: np.ndarray) -> np.ndarray:
    """:func:`_project` on the dense matrix, for conversations of up to 5,000 participants.

    Same method; it keeps the exact float32 arithmetic of the first engine version, so
    that small conversations give the same groups as before (on canadian-electoral-reform,
    rounding differences of 1e-7 move three participants who sit on the boundary).
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
    with threadpool_limits(limits=1, user_api="blas"):
        cov = (filled.T @ filled).astype(np.float64)
        components = _top_eigenvectors(cov, 2)
    if components.shape[1] < 2:
        components = np.pad(components, ((0, 0), (0, 2 - components.shape[1])))
    signs = np.sign(components[np.abs(components).argmax(axis=0), range(2)])
    components *= np.where(signs == 0, 1.0, signs)
    with threadpool_limits(limits=1, user_api="blas"):
        projection = (filled @ components.astype(np.float32)).astype(np.float64)
    n_votes = seen[:, ~moderated].sum(axis=1) + int(moderated.sum())
    scale = np.sqrt(values.shape[1] / np.maximum(n_votes, 1))
    return projection * scale[:, None]


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    out = _shifted_distances(points, centres)
    out += np.einsum("ij,ij->i", points, points)[:, None]
    return np.maximum(out, 0.0, out=out)


def _shifted_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Squared distances minus each point's squared norm: same argmin, two passes fewer."""
    out = points @ (-2.0 * centres.T)
    out += np.einsum("ij,ij->i", centres, centres)[None, :]
    return out


def _kmeans_plus_plus(
    points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Greedy k-means++ seeding (2 + log k candidates per step, as scikit-learn does)."""
    n = len(points)
    trials = 2 + int(np.log(k))
    norms = np.einsum("ij,ij->i", points, points)
    centres = np.empty((k, points.shape[1]))
    first = int(rng.choice(n, p=weights / weights.sum()))
    centres[0] = points[first]
    closest = np.maximum(_shifted_distances(points, points[first : first + 1])[:, 0] + norms, 0)
    potential = float(closest @ weights)
    for c in range(1, k):
        cumulative = np.cumsum(closest * weights)
        picks = np.searchsorted(cumulative, rng.random(trials) * potential)
        picks = np.minimum(picks, n - 1)
        distances = _shifted_distances(points, points[picks]).T
        distances += norms
        np.clip(distances, 0.0, closest, out=distances)
        potentials = distances @ weights
        best = int(np.argmin(potentials))
        closest, potential = distances[best], float(potentials[best])
        centres[c] = points[picks[best]]
    return centres


def _kmeans(
    points: np.ndarray,
    k: int,
    rng: np.random.Generator,
    *,
    weights: np.ndarray | None = None,
    restarts: int = 1,
    max_iter: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Lloyd k-means with k-means++ seeding; (centres, labels) of the best restart.

    Written with numpy for the low-dimensional points of the opinion map: it avoids
    importing scikit-learn (over a second of start-up) on the command line.
    """
    weights = np.ones(len(points)) if weights is None else weights.astype(np.float64)
    # Same stopping rule as scikit-learn: centre shift below 1e-4 of the mean variance.
    tolerance = 1e-4 * float(np.mean(np.var(points, axis=0)))
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    points32 = points.astype(np.float32)
    for _ in range(restarts):
        centres = _kmeans_plus_plus(points, weights, k, rng)
        labels = np.full(len(points), -1)
        for _ in range(max_iter):
            # float32 distances halve the memory traffic; centres stay float64.
            distances = _shifted_distances(points32, centres.astype(np.float32))
            previous, labels = labels, distances.argmin(axis=1)
            if np.array_equal(labels, previous):  # converged: nothing moves any more
                break
            mass = np.bincount(labels, weights=weights, minlength=k)
            sums = np.stack(
                [np.bincount(labels, weights=weights * points[:, d], minlength=k)
                 for d in range(points.shape[1])],
                axis=1,
            )  # fmt: skip
            moved = centres.copy()
            filled = mass > 0
            moved[filled] = sums[filled] / mass[filled, None]
            if not filled.all():  # an empty cluster takes the point farthest from its centre
                far_from = distances[np.arange(len(points)), labels].astype(np.float64)
                far_from += np.einsum("ij,ij->i", points, points)
                far = np.argsort(-far_from, kind="stable")
                moved[~filled] = points[far[: int((~filled).sum())]]
            shift = float(((moved - centres) ** 2).sum())
            centres = moved
            if shift <= tolerance:
                break
        distances = _squared_distances(points, centres)
        labels = distances.argmin(axis=1)
        inertia = float(distances[np.arange(len(points)), labels] @ weights)
        if best is None or inertia < best[0]:
            best = (inertia, centres, labels)
    assert best is not None
    return best[1], best[2]


def _silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette from a precomputed distance matrix (0 for singleton clusters)."""
    groups, codes = np.unique(labels, return_inverse=True)
    onehot = np.zeros((len(labels), len(groups)))
    onehot[np.arange(len(labels)), codes] = 1.0
    sums = distances @ onehot
    sizes = onehot.sum(axis=0)
    own = sizes[codes]
    rows = np.arange(len(labels))
    a = sums[rows, codes] / np.maximum(own - 1, 1)
    others = sums / sizes
    others[rows, codes] = np.inf
    b = others.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
    return float(np.nan_to_num(s).mean())


_SMALL_CONVERSATION = 5_000
_GREEDY_N = 15  # Pol.is clusters at least the 15 most active participants


Partitions = tuple[np.ndarray, np.ndarray, Callable[[int], np.ndarray | None]]


def _small_partitions(points: np.ndarray, n_base: int, seed: int) -> Partitions:
    """Both stages with scikit-learn's KMeans and 10 restarts, for conversations of up to
    5,000 clustered participants (every Pol.is open-data conversation): restarts matter
    there and cost little, and the 1.2 s import of scikit-learn does not matter either.

    Returns the base centres in use, the base cluster of each point, and a function giving
    the group of each base centre for k groups (None when k is impossible)."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    def fit(model: KMeans, x: np.ndarray, weights: np.ndarray | None = None) -> KMeans:
        # Duplicate points may leave fewer clusters than asked for: that is fine here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(x, sample_weight=weights)

    base = fit(KMeans(n_clusters=n_base, n_init=10, max_iter=100, random_state=seed), points)
    return _used_bases(
        base.cluster_centers_,
        base.labels_,
        lambda c, k, w: fit(KMeans(n_clusters=k, n_init=10, random_state=seed), c, w).labels_,
    )


def _large_partitions(points: np.ndarray, n_base: int, rng: np.random.Generator) -> Partitions:
    """Both stages with the numpy k-means above (one restart for the base clusters: with
    tens of thousands of participants one run already averages out)."""
    base_centres, base_labels = _kmeans(points, n_base, rng)
    return _used_bases(
        base_centres, base_labels, lambda c, k, w: _kmeans(c, k, rng, weights=w, restarts=10)[1]
    )


def _used_bases(
    centres: np.ndarray,
    labels: np.ndarray,
    group: Callable[[np.ndarray, int, np.ndarray], np.ndarray],
) -> Partitions:
    """Drop empty base clusters; groups are k-means on base centres weighted by size."""
    weights = np.bincount(labels, minlength=len(centres)).astype(np.float64)
    used = weights > 0
    index_of_used = np.cumsum(used) - 1

    def partition(k: int) -> np.ndarray | None:
        if k >= int(used.sum()):
            return None
        return np.asarray(group(centres[used], k, weights[used]))

    return centres[used], index_of_used[labels], partition


def _choose_groups(
    points: np.ndarray, k_range: tuple[int, int], seed: int, force_k: int | None, n_base: int = 100
) -> tuple[np.ndarray, dict[int, float]]:
    """Pol.is two-stage k-means: ``n_base`` base clusters, then k groups of base centres
    (weighted by their sizes). As in Pol.is (polismath ``group-clusterings-silhouettes``),
    k is chosen by the silhouette of the base clusters in their groups, and the largest k
    tried is min(k_range max, 2 + base clusters // 12)."""
    # Distinct points, counted on a complex view (a plain sort, much cheaper than axis=0).
    pairs = np.ascontiguousarray(points, dtype=np.float64).view(np.complex128)
    distinct = len(np.unique(pairs)) if len(points) else 0
    if len(points) < 3 or distinct < 2:
        return np.zeros(len(points), dtype=np.int64), {}
    n_base = min(n_base, distinct)
    rng = np.random.default_rng(seed)
    centres, base_of_point, partition = (
        _small_partitions(points, n_base, seed)
        if len(points) <= _SMALL_CONVERSATION
        else _large_partitions(points, n_base, rng)
    )
    top = min(k_range[1], 2 + len(centres) // 12)
    ks = [force_k] if force_k else list(range(k_range[0], max(top, k_range[0]) + 1))
    distances = np.sqrt(_squared_distances(centres, centres))
    np.fill_diagonal(distances, 0.0)
    best: tuple[float, np.ndarray] | None = None
    scores: dict[int, float] = {}
    for k in ks:
        groups = partition(k)
        if groups is None or len(np.unique(groups)) < 2:
            continue
        score = _silhouette(distances, groups)
        scores[k] = score
        if best is None or score > best[0] + 1e-12:
            best = (score, groups[base_of_point])
    if best is None:
        return np.zeros(len(points), dtype=np.int64), scores
    # Number groups by decreasing size, so that group 0 is the largest.
    labels = np.unique(best[1], return_inverse=True)[1]
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
    every_cell = _Cells.of(matrix.values)
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
            if n_participants <= _SMALL_CONVERSATION
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
