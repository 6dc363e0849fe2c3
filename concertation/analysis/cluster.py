"""Topic clustering of French contributions.

Pipeline: lemma TF-IDF → truncated SVD (or another :class:`EmbeddingBackend`) →
spherical k-means with the number of groups chosen by silhouette on a seeded sample →
an "other" group for outliers and tiny groups → class-based TF-IDF keywords → the three
members nearest to each centroid. Everything is seeded, so a given input and seed always
give the same result.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from .duplicates import DuplicateGroup, find_duplicates
from .text import Lemmatizer, normalise, tokenize
from .vectors import EmbeddingBackend, LsaBackend, TermMatrix, build_term_matrix

__all__ = ["ClusterGroup", "ClusteringResult", "cluster_texts", "OTHER_LABEL"]


def _fit(model: KMeans, x: np.ndarray, sample_weight: np.ndarray | None = None) -> KMeans:
    # Duplicate points may leave fewer distinct clusters than asked for: that is fine here.
    # One thread: k-means iterations are short, and on a shared 2-core machine OpenMP
    # threads waiting on each other made them 5 to 30 times slower (measured).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, sample_weight=sample_weight)


OTHER_LABEL = "Autres contributions"


@dataclass(frozen=True)
class ClusterGroup:
    """One group; ``members`` and ``representatives`` are indices into the input."""

    id: int
    label: str
    keywords: list[str]
    members: list[int]
    representatives: list[int]
    other: bool = False

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class ClusteringResult:
    groups: list[ClusterGroup]
    duplicates: list[DuplicateGroup]
    parameters: dict[str, Any] = field(default_factory=dict)

    def labels(self, n: int) -> np.ndarray:
        """Group id of each input index (the "other" group included)."""
        out = np.full(n, -1, dtype=np.int64)
        for g in self.groups:
            out[g.members] = g.id
        return out


class _Clock:
    """Wall-clock and CPU time of each phase, reported in the parameters (on a shared
    machine the CPU time is the steadier figure)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.cpu_laps: dict[str, float] = {}
        self._last = time.perf_counter()
        self._last_cpu = time.process_time()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.laps[name] = round(now - self._last, 3)
        self.cpu_laps[name] = round(cpu - self._last_cpu, 3)
        self._last, self._last_cpu = now, cpu


def candidate_ks(n: int, max_groups: int = 300, min_group_size: int = 25) -> list[int]:
    """Geometric grid of group counts worth trying for ``n`` documents."""
    upper = max(2, min(max_groups, n // min_group_size))
    if n < 4:
        return [1]
    grid = {2}
    k = 2.0
    while k < upper:
        k *= 1.5
        grid.add(min(upper, round(k)))
    return sorted(x for x in grid if x < n)


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _normalised(centroids: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: np.ndarray = (centroids / norms).astype(np.float32)
    return normalised


def choose_k(
    vectors: np.ndarray,
    ks: Sequence[int],
    *,
    seed: int,
    fit_sample: int = 20_000,
    score_sample: int = 3_000,
) -> tuple[int, dict[int, float], np.ndarray]:
    """Pick the number of groups by silhouette, and return matching initial centroids.

    Rather than one k-means per candidate, the sample is cut into ``max(ks)`` fine base
    clusters (as Pol.is does), the base centroids are merged by Ward agglomeration, and
    every candidate partition is scored with the silhouette on one precomputed distance
    matrix. This makes the search cost independent of the number of candidates.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import pairwise_distances

    fit_idx = _sample(len(vectors), fit_sample, seed)
    x = vectors[fit_idx]
    valid = [k for k in ks if 2 <= k < len(x)]
    if not valid:
        return 1, {}, _normalised(x.mean(axis=0, keepdims=True))
    n_base = max(valid)
    base = _fit(KMeans(n_clusters=n_base, n_init=1, max_iter=100, random_state=seed), x)
    centroids = base.cluster_centers_
    weights = np.bincount(base.labels_, minlength=n_base).astype(np.float64)
    tree = linkage(centroids.astype(np.float64), method="ward")
    score_idx = _sample(len(x), score_sample, seed + 2)
    distances = pairwise_distances(x[score_idx], metric="euclidean", n_jobs=1)
    base_of_scored = base.labels_[score_idx]
    scores: dict[int, float] = {}
    mappings: dict[int, np.ndarray] = {}
    for k in valid:
        mapping = (
            np.arange(n_base) if k == n_base else fcluster(tree, t=k, criterion="maxclust") - 1
        )
        labels = mapping[base_of_scored]
        if len(np.unique(labels)) < 2:
            continue
        mappings[k] = mapping
        with threadpool_limits(limits=1):
            scores[k] = float(silhouette_score(distances, labels, metric="precomputed"))
    if not scores:
        return 1, scores, _normalised(x.mean(axis=0, keepdims=True))
    best = max(scores.items(), key=lambda kv: (round(kv[1], 4), -kv[0]))[0]
    mapping = mappings[best]
    groups = int(mapping.max()) + 1
    merged = np.zeros((groups, centroids.shape[1]))
    np.add.at(merged, mapping, centroids * weights[:, None])
    return best, scores, _normalised(merged)


def _fit_centroids(
    vectors: np.ndarray, k: int, *, seed: int, init: np.ndarray | None = None, sample: int = 50_000
) -> np.ndarray:
    x = vectors[_sample(len(vectors), sample, seed + 1)]
    k = min(k, len(x))
    if init is not None and len(init) == k:
        km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=50, random_state=seed)
    else:
        km = KMeans(n_clusters=k, n_init=1, max_iter=100, random_state=seed)
    return _normalised(_fit(km, x).cluster_centers_)


def _assign(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.empty(len(vectors), dtype=np.int64)
    sims = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), 100_000):
        s = vectors[start : start + 100_000] @ centroids.T
        labels[start : start + 100_000] = s.argmax(axis=1)
        sims[start : start + 100_000] = s.max(axis=1)
    return labels, sims


def class_tfidf_keywords(
    counts: sp.csr_matrix,
    labels: np.ndarray,
    n_groups: int,
    terms: TermMatrix,
    *,
    max_keywords: int = 5,
    texts: Sequence[str] | None = None,
) -> list[list[str]]:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): frequent in the group, rare elsewhere.

    With ``texts``, a two-lemma term is shown as its most frequent wording in the group's
    texts ("transports en commun", "accès aux soins"), not as its lemmas ("transport
    commun", "accès soin")."""
    valid = labels >= 0
    rows = labels[valid]
    onehot = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, np.flatnonzero(valid))),
        shape=(n_groups, counts.shape[0]),
    )
    raw = (onehot @ counts).toarray()
    totals = raw.sum(axis=1, keepdims=True)
    average_words = float(totals.sum()) / max(n_groups, 1)
    idf = np.log1p(average_words / np.maximum(raw.sum(axis=0), 1e-12))
    totals[totals == 0] = 1.0
    scores = (raw / totals) * idf
    # A two-lemma term that carries at least half the uses of each of its lemmas in a group
    # (three times or more) is how the group says it ("transition écologique", not
    # "transition" and "écologique"): it takes the better score of its two lemmas, just
    # above it, so that it replaces them.
    position = {key: j for j, key in enumerate(terms.vocabulary)}
    pairs = [
        (j, position.get(a, -1), position.get(b, -1))
        for j, key in enumerate(terms.vocabulary)
        if " " in key
        for a, b in [key.split(" ", 1)]
    ]
    pairs = [p for p in pairs if p[1] >= 0 and p[2] >= 0]
    bigram, left, right = (
        (np.array(column, dtype=np.int64) for column in zip(*pairs, strict=True))
        if pairs
        else (np.zeros(0, dtype=np.int64),) * 3
    )
    out: list[list[str]] = []
    for g in range(n_groups):
        # One group at a time: a groups × bigrams temporary is hundreds of MB at 100,000.
        row, counted = scores[g], raw[g]
        carries = (counted[bigram] >= 3) & (
            counted[bigram] >= 0.5 * np.maximum(counted[left], counted[right])
        )
        lifted = np.maximum(row[left], row[right]) * (1 + 1e-6)
        row[bigram] = np.where(carries, np.maximum(row[bigram], lifted), row[bigram])
        order = np.argsort(-scores[g], kind="stable")[: max_keywords * 4]
        chosen: list[str] = []
        shown: dict[str, str] = {}  # label entry -> its lemmas (display form)
        read: list[tuple[list[str], list[str | None]]] | None = None
        covered: set[str] = set()
        top = scores[g, order[0]] if len(order) else 0.0
        for j in order:
            if scores[g, j] <= 0 or (len(chosen) >= 2 and scores[g, j] < 0.25 * top):
                break
            word = terms.display(int(j))
            parts = set(word.split())
            if parts <= covered:  # "impôt" after "baisser impôt" adds nothing
                continue
            # A bigram supersedes its unigrams already chosen.
            chosen = [w for w in chosen if w not in shown or not set(shown[w].split()) < parts]
            phrase = word
            if texts is not None and len(parts) > 1:
                if read is None:  # the group's texts, tokenised once for all its terms
                    members = np.flatnonzero(labels == g)[:PHRASE_SAMPLE]
                    read = [_tokens_and_keys(texts[m], terms.lemmatizer) for m in members]
                phrase = _surface_phrase(terms.vocabulary[int(j)], read) or word
            shown[phrase] = word
            chosen.append(phrase)
            covered |= parts
            if len(chosen) >= max_keywords:
                break
        out.append(chosen)
    return out


PHRASE_SAMPLE = 150  # members read to find a term's wording (the first ones, in input order)
_ELIDED = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"})
# The words a French noun phrase puts between its two lemmas ("accès aux soins").
_CONNECTORS = frozenset(
    {"de", "du", "des", "d", "en", "à", "au", "aux", "la", "le", "les", "l", "pour", "sur"}
)


def _tokens_and_keys(text: str, lemmatizer: Lemmatizer) -> tuple[list[str], list[str | None]]:
    tokens = tokenize(text)
    return tokens, [lemmatizer.key(t) for t in tokens]


def _surface_phrase(key: str, texts: Sequence[tuple[list[str], list[str | None]]]) -> str | None:
    """The most frequent wording of a two-lemma term ("a b", lemma keys) in ``texts``
    (tokens and lemma keys, :func:`_tokens_and_keys`): the
    tokens from the first lemma to the second, with at most two connecting words between
    (de, à, en, articles…; elided articles put back: "accès à l'hôpital"). None when it
    never occurs so."""
    first, second = key.split(" ", 1)
    found: Counter[tuple[str, ...]] = Counter()
    for tokens, keys in texts:
        content = [i for i, k in enumerate(keys) if k is not None]
        for a, b in zip(content, content[1:], strict=False):
            if (
                keys[a] == first
                and keys[b] == second
                and b - a <= 3
                and all(t in _CONNECTORS for t in tokens[a + 1 : b])
            ):
                found[tuple(tokens[a : b + 1])] += 1
    if not found:
        return None
    best = max(found.items(), key=lambda item: (item[1], item[0]))[0]
    out = ""
    for token in best:
        out += token + ("'" if token in _ELIDED else " ")
    return out.strip()


def _representatives(
    members: np.ndarray, sims: np.ndarray, texts: Sequence[str], count: int = 3
) -> list[int]:
    order = members[np.argsort(-sims[members], kind="stable")]
    chosen: list[int] = []
    seen: set[str] = set()
    for i in order:
        key = normalise(texts[i])
        if key in seen:
            continue
        seen.add(key)
        chosen.append(int(i))
        if len(chosen) == count:
            break
    return chosen


_ISOLATION_MAX_DOCS = 20_000


def _nearest_neighbour_cosine(
    vectors: np.ndarray, rows: np.ndarray, among: np.ndarray
) -> np.ndarray:
    """Largest cosine of each of ``rows`` with any other text of ``among`` (unit vectors)."""
    out = np.full(len(rows), -1.0, dtype=np.float32)
    pool = vectors[among]
    for start in range(0, len(rows), 2_000):
        chunk = rows[start : start + 2_000]
        sims = vectors[chunk] @ pool.T
        self_pos = np.searchsorted(among, chunk)
        valid = (self_pos < len(among)) & (among[np.minimum(self_pos, len(among) - 1)] == chunk)
        sims[np.flatnonzero(valid), self_pos[valid]] = -1.0
        out[start : start + len(chunk)] = sims.max(axis=1) if len(among) > 1 else -1.0
    return out


def cluster_texts(
    texts: Sequence[str],
    *,
    n_groups: int | None = None,
    seed: int = 0,
    backend: EmbeddingBackend | None = None,
    outlier_cosine: float = 0.2,
    min_group_size: int | None = None,
    max_groups: int = 300,
    detect_duplicates: bool = True,
    duplicate_threshold: float = 0.8,
    isolation_cosine: float = 0.2,
) -> ClusteringResult:
    """Cluster French texts; every index lands in exactly one group (maybe "other")."""
    n = len(texts)
    clock = _Clock()
    backend = backend or LsaBackend()
    nonempty = np.array([bool(t.strip()) for t in texts], dtype=bool)
    vectors = backend.embed(texts, seed=seed) if n else np.zeros((0, 1), dtype=np.float32)
    clock.lap("vectors")
    if isinstance(backend, LsaBackend) and backend.terms is not None:
        terms = backend.terms
    else:
        terms = build_term_matrix(texts)
    has_content = nonempty & (np.asarray(terms.counts.getnnz(axis=1)) > 0 if n else nonempty)
    idx = np.flatnonzero(has_content)
    scores: dict[int, float] = {}
    init: np.ndarray | None = None
    if n_groups is not None:
        k = max(1, min(n_groups, len(idx)))
        chosen_by = "override"
    elif len(idx) < 4:
        k, chosen_by = 1, "silhouette"
    else:
        k, scores, init = choose_k(vectors[idx], candidate_ks(len(idx), max_groups), seed=seed)
        chosen_by = "silhouette"
    clock.lap("choose_k")
    labels = np.full(n, -1, dtype=np.int64)
    sims = np.zeros(n, dtype=np.float32)
    if len(idx) and k >= 1:
        centroids = _fit_centroids(vectors[idx], k, seed=seed, init=init)
        lab, s = _assign(vectors[idx], centroids)
        labels[idx] = lab
        sims[idx] = s
    # Outliers: far from every centroid, or in groups too small to be meaningful.
    min_size = min_group_size if min_group_size is not None else max(3, int(0.001 * n))
    far = (labels >= 0) & (sims < outlier_cosine)
    isolated_checked = bool(n <= _ISOLATION_MAX_DOCS)
    if isolated_checked and far.any():
        # Consolidation sizes: a text far from every centre stays in its nearest group
        # unless it is *isolated*, i.e. no other text reaches ``isolation_cosine`` with it.
        candidates = np.flatnonzero(far)
        nearest = _nearest_neighbour_cosine(vectors, candidates, idx)
        far[candidates[nearest >= isolation_cosine]] = False
    labels[far] = -1
    if n_groups is None or min_group_size is not None:
        sizes = np.bincount(labels[labels >= 0], minlength=k)
        labels[(labels >= 0) & (sizes[np.maximum(labels, 0)] < min_size)] = -1
    # Renumber groups by decreasing size (ties: lowest old label) for stable output.
    sizes = np.bincount(labels[labels >= 0], minlength=max(k, 1))
    order = [g for g in np.argsort(-sizes, kind="stable") if sizes[g] > 0]
    remap = np.full(max(k, 1), -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    labels = np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)
    keywords = class_tfidf_keywords(terms.counts, labels, len(order), terms, texts=texts)
    groups: list[ClusterGroup] = []
    for g in range(len(order)):
        members = np.flatnonzero(labels == g)
        groups.append(
            ClusterGroup(
                id=g + 1,
                label=", ".join(keywords[g]) if keywords[g] else f"Groupe {g + 1}",
                keywords=keywords[g],
                members=members.tolist(),
                representatives=_representatives(members, sims, texts),
            )
        )
    others = np.flatnonzero(labels < 0)
    if len(others):
        groups.append(
            ClusterGroup(
                id=0,
                label=OTHER_LABEL,
                keywords=[],
                members=others.tolist(),
                representatives=_representatives(others, sims, texts),
                other=True,
            )
        )
    clock.lap("groups")
    duplicates = (
        find_duplicates(texts, vectors, labels, threshold=duplicate_threshold, seed=seed)
        if detect_duplicates
        else []
    )
    clock.lap("duplicates")
    parameters: dict[str, Any] = {
        "seed": seed,
        "backend": backend.name,
        "dimensions": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        "k": int(k),
        "k_chosen_by": chosen_by,
        "silhouette": {str(key): round(val, 6) for key, val in scores.items()},
        "outlier_cosine": outlier_cosine,
        # Shown to the organiser: below this cosine with every other text, a text is
        # "isolated" and goes to "Autres contributions" (checked up to 20,000 texts).
        "isolation_cosine": isolation_cosine if isolated_checked else None,
        "min_group_size": int(min_size),
        "duplicate_threshold": duplicate_threshold,
        "documents": n,
        "groups": len(order),
        "other": int(len(others)),
        "seconds": clock.laps,
        "cpu_seconds": clock.cpu_laps,
    }
    return ClusteringResult(groups=groups, duplicates=duplicates, parameters=parameters)
