"""The opinion map of Pol.is: PCA projection with sparsity scaling, two-stage k-means
(base clusters, then groups of base centres) and the choice of k by silhouette."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from .votes import _Cells

SMALL_CONVERSATION = 5_000


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


def _project(cells: _Cells, moderated: np.ndarray, block: int = 4096) -> np.ndarray:
    """Column-mean imputation, PCA to 2-D, sparsity-aware scaling (Pol.is).

    Moderated columns count as "pass" for everybody, as in Pol.is (which zeroes them):
    they add no variance but enter the sparsity scaling. ``cells`` are in row order.
    """
    n_participants, n_comments = cells.shape
    n_seen = np.bincount(cells.cols, minlength=n_comments)
    sums = np.bincount(cells.cols, weights=cells.votes, minlength=n_comments)
    means = np.divide(sums, n_seen, out=np.zeros(n_comments), where=n_seen > 0)
    means[moderated] = 0.0
    # Filled with column means, a column's mean is the mean of its seen votes; so the
    # filled and centred matrix is (vote - mean) where seen and 0 elsewhere (and 0 in
    # moderated columns). It is built block of rows by block of rows in one reused buffer:
    # a fresh 105 MB matrix (33k × 800) cost more in the kernel's page zeroing than the
    # covariance product itself.
    keep = ~moderated[cells.cols]
    rows, cols = cells.rows[keep], cells.cols[keep]
    centred = (cells.votes[keep] - means[cols]).astype(np.float32)
    n_votes = np.bincount(rows, minlength=n_participants) + int(moderated.sum())
    block = max(1, min(n_participants, block))
    buffer = np.empty((block, n_comments), dtype=np.float32)
    bounds = np.searchsorted(rows, np.arange(0, n_participants + block, block))

    def blocks() -> Iterator[tuple[int, np.ndarray]]:
        for i, start in enumerate(range(0, n_participants, block)):
            view = buffer[: min(block, n_participants - start)]
            view.fill(0.0)
            a, b = bounds[i], bounds[i + 1]
            view[rows[a:b] - start, cols[a:b]] = centred[a:b]
            yield start, view

    cov = np.zeros((n_comments, n_comments))
    # One BLAS thread: see _pca_scaled.
    with threadpool_limits(limits=1, user_api="blas"):
        for _, view in blocks():
            cov += view.T @ view
        components = _principal_axes(cov).astype(np.float32)
        projection = np.empty((n_participants, 2))
        for start, view in blocks():
            projection[start : start + len(view)] = view @ components
    return _scaled(projection, n_comments, n_votes)


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
    n_votes = seen[:, ~moderated].sum(axis=1) + int(moderated.sum())
    return _pca_scaled(filled, n_votes)


def _pca_scaled(centred: np.ndarray, n_votes: np.ndarray) -> np.ndarray:
    """Two principal axes of the centred float32 matrix, the projection on them, scaled by
    sqrt(n_comments / n_votes) per participant (Pol.is's sparsity-aware scaling)."""
    # One BLAS thread: these products are small, and on a shared 2-core machine a second
    # spinning thread made them up to forty times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        components = _principal_axes((centred.T @ centred).astype(np.float64))
        projection = (centred @ components.astype(np.float32)).astype(np.float64)
    return _scaled(projection, centred.shape[1], n_votes)


def _principal_axes(cov: np.ndarray) -> np.ndarray:
    """The two leading eigenvectors (zero-padded), each with its largest loading positive."""
    components = _top_eigenvectors(cov, 2)
    if components.shape[1] < 2:
        components = np.pad(components, ((0, 0), (0, 2 - components.shape[1])))
    signs = np.sign(components[np.abs(components).argmax(axis=0), range(2)])
    oriented: np.ndarray = components * np.where(signs == 0, 1.0, signs)
    return oriented


def _scaled(projection: np.ndarray, n_comments: int, n_votes: np.ndarray) -> np.ndarray:
    """Pol.is's sparsity-aware scaling: sqrt(n_comments / n_votes) per participant."""
    scaled: np.ndarray = projection * np.sqrt(n_comments / np.maximum(n_votes, 1))[:, None]
    return scaled


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    out = _shifted_distances(points, centres)
    out += np.einsum("ij,ij->i", points, points)[:, None]
    clipped: np.ndarray = np.maximum(out, 0.0, out=out)
    return clipped


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
        if len(points) <= SMALL_CONVERSATION
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
