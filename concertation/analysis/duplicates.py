"""Near-duplicate detection: exact, normalised and paraphrase-level duplicates.

Exact and normalised duplicates are found by hashing. Paraphrase candidates are nearest
neighbours on the document vectors, searched only inside blocks (the clustering groups,
split further when large), so the cost grows with the sum of squared block sizes instead
of n²; candidates are then confirmed with :func:`pair_similarity`, the same score the
``similarity`` command prints. Duplicate links are merged into groups (union-find).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .representations import IdfStats, fit_idf, represent
from .similarity import score_pairs
from .text import normalise

__all__ = ["DuplicateGroup", "find_duplicates"]


def _fit(model: KMeans, x: np.ndarray, sample_weight: np.ndarray | None = None) -> KMeans:
    # Duplicate points may leave fewer distinct clusters than asked for: that is fine here.
    # One thread: k-means iterations are short, and on a shared 2-core machine OpenMP
    # threads waiting on each other made them 5 to 30 times slower (measured).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, sample_weight=sample_weight)


_KIND_RANK = {"exact": 0, "normalised": 1, "paraphrase": 2}


@dataclass(frozen=True)
class DuplicateGroup:
    """Indices of texts that say the same thing; ``similarity`` is the weakest link."""

    members: list[int]
    similarity: float
    kind: str  # "exact", "normalised" or "paraphrase" (the weakest link's kind)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return int(root)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _blocks(vectors: np.ndarray, labels: np.ndarray, max_block: int, seed: int) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    pending = list(np.split(order, bounds))
    while pending:
        block = pending.pop()
        if len(block) <= max_block:
            out.append(block)
            continue
        parts = int(np.ceil(len(block) / (max_block / 2)))
        km = KMeans(n_clusters=parts, n_init=1, max_iter=20, random_state=seed)
        sub = _fit(km, vectors[block]).labels_
        if len(np.unique(sub)) == 1:  # cannot split identical vectors: cut arbitrarily
            pending.extend(np.array_split(block, parts))
        else:
            pending.extend(block[sub == s] for s in np.unique(sub))
    return out


def _score_candidates(
    texts: Sequence[str],
    pairs: np.ndarray,
    block_of_pair: np.ndarray,
    normalised: Sequence[str],
    *,
    chunk: int = 20_000,
    idf_sample: int = 50_000,
    seed: int = 0,
) -> list[tuple[int, int, float]]:
    """:func:`score_pairs` on candidate pairs, with one IDF scale for the whole corpus.

    Up to 80,000 texts are represented at once, with IDF fitted on them. Beyond, IDF is
    fitted on a seeded sample of 50,000 of them, and the pairs are scored block by block
    (a chunk takes whole blocks until it holds 20,000 pairs): both texts of a candidate
    are in the same block, so every text is represented once, and memory stays bounded.
    ``normalised`` holds ``normalise(texts[k])`` at every index k used in ``pairs``.
    """
    involved = np.unique(pairs)

    def scored(
        part: np.ndarray, local: np.ndarray, stats: IdfStats | None
    ) -> list[tuple[int, int, float]]:
        reps = represent(
            [texts[k] for k in local], stats=stats, normalised=[normalised[k] for k in local]
        )
        position = np.searchsorted(local, part)
        values = score_pairs(reps, position[:, 0], position[:, 1])
        return [
            (int(a), int(b), float(v))
            for (a, b), v in zip(part.tolist(), values.tolist(), strict=True)
        ]

    if len(involved) <= 4 * chunk:  # small enough to represent every text at once
        return scored(pairs, involved, None)
    sample = involved
    if len(involved) > idf_sample:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(involved, size=idf_sample, replace=False))
    stats = fit_idf([texts[k] for k in sample], normalised=[normalised[k] for k in sample])
    order = np.argsort(block_of_pair, kind="stable")
    pairs, block_of_pair = pairs[order], block_of_pair[order]
    # Ends of blocks in the sorted pairs: a chunk closes at the first block end past
    # ``chunk`` pairs, so no block is split across chunks.
    block_ends = np.r_[np.flatnonzero(np.diff(block_of_pair) != 0) + 1, len(pairs)]
    out: list[tuple[int, int, float]] = []
    first = 0
    for end in block_ends.tolist():
        if end - first >= chunk or end == len(pairs):
            part = pairs[first:end]
            out.extend(scored(part, np.unique(part), stats))
            first = end
    return out


def find_duplicates(
    texts: Sequence[str],
    vectors: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    *,
    threshold: float = 0.8,
    candidate_cosine: float = 0.9,
    max_neighbours: int = 5,
    max_block: int = 8_000,
    seed: int = 0,
) -> list[DuplicateGroup]:
    """Group duplicates among ``texts`` (indices into it), largest groups first.

    ``vectors`` (L2-normalised rows) enable paraphrase detection; ``labels`` (e.g. the
    clustering) restrict the neighbour search to blocks. Pairs whose vector cosine is at
    least ``candidate_cosine`` and whose :func:`pair_similarity` is at least ``threshold``
    are paraphrases.
    """
    n = len(texts)
    uf = _UnionFind(n)
    link_kind = np.zeros(n, dtype=np.int8)  # weakest link kind seen at each node
    link_sim = np.ones(n, dtype=np.float64)

    # Exact and normalised duplicates by hashing; keep one representative per class.
    exact_first: dict[str, int] = {}
    norm_first: dict[str, int] = {}
    representatives: list[int] = []
    # normalise(text) of each representative, reused when candidates are scored.
    normalised: list[str] = [""] * n
    for i, text in enumerate(texts):
        stripped = text.strip()
        if not stripped:
            continue
        j = exact_first.setdefault(stripped, i)
        if j != i:
            uf.union(i, j)
            continue
        key = normalise(stripped)
        if not key:
            continue
        j = norm_first.setdefault(key, i)
        if j != i:
            uf.union(i, j)
            link_kind[i] = max(link_kind[i], _KIND_RANK["normalised"])
            continue
        representatives.append(i)
        normalised[i] = key
    del exact_first, norm_first

    if vectors is not None and len(representatives) > 1:
        reps = np.asarray(representatives)
        rep_vectors = vectors[reps]
        rep_labels = (
            np.zeros(len(reps), dtype=np.int64) if labels is None else np.asarray(labels)[reps]
        )
        cand_a: list[np.ndarray] = []
        cand_b: list[np.ndarray] = []
        cand_block: list[np.ndarray] = []
        for block_id, block in enumerate(_blocks(rep_vectors, rep_labels, max_block, seed)):
            if len(block) < 2:
                continue
            bv = rep_vectors[block]
            k = min(max_neighbours, len(block) - 1)
            for start in range(0, len(block), 2048):
                sims = bv[start : start + 2048] @ bv.T
                rows = np.arange(sims.shape[0])
                sims[rows, start + rows] = -1.0  # no self-pairs
                # Threshold first: few cells pass it, so ranking them is far cheaper than
                # a partial sort of every row; then keep each row's k most similar.
                r, c = np.nonzero(sims >= candidate_cosine)
                if len(r) == 0:
                    continue
                order = np.lexsort((-sims[r, c], r))
                r, c = r[order], c[order]
                rank = np.arange(len(r)) - np.searchsorted(r, r)
                r, c = r[rank < k], c[rank < k]
                a = block[start + r]
                b = block[c]
                keep = a < b
                cand_a.append(reps[a[keep]])
                cand_b.append(reps[b[keep]])
                cand_block.append(np.full(int(keep.sum()), block_id, dtype=np.int64))
        if cand_a:
            pa = np.concatenate(cand_a)
            pb = np.concatenate(cand_b)
            stacked = np.stack([np.minimum(pa, pb), np.maximum(pa, pb)], axis=1)
            pairs, first = np.unique(stacked, axis=0, return_index=True)
            block_of_pair = np.concatenate(cand_block)[first]
            for i, j, s in _score_candidates(texts, pairs, block_of_pair, normalised, seed=seed):
                if s >= threshold:
                    uf.union(i, j)
                    for node in (i, j):
                        link_kind[node] = _KIND_RANK["paraphrase"]
                        link_sim[node] = min(link_sim[node], s)
        del normalised

    # Exact copies carry no link information of their own: they inherit via the root.
    roots = np.fromiter((uf.find(i) for i in range(n)), dtype=np.int64, count=n)
    order = np.argsort(roots, kind="stable")
    bounds = np.flatnonzero(np.diff(roots[order])) + 1
    kinds = {v: k for k, v in _KIND_RANK.items()}
    groups: list[DuplicateGroup] = []
    for members in np.split(order, bounds):
        if len(members) < 2:
            continue
        groups.append(
            DuplicateGroup(
                members=sorted(int(m) for m in members),
                similarity=round(float(link_sim[members].min()), 6),
                kind=kinds[int(link_kind[members].max())],
            )
        )
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return groups
