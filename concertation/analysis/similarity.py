"""Pairwise text similarity, shared by the ``similarity`` command and duplicate detection.

The score is a small linear combination of lexical features, computed for many pairs at
once with sparse matrices:

* cosine of character n-gram TF-IDF vectors (2–5 characters inside words: robust to
  typos and inflection);
* cosine of lemma TF-IDF vectors (content words only, stop words removed);
* Jaccard overlap of lemma sets and of raw token sets (the latter keeps negations);
* containment of the shorter lemma set in the longer one; length agreement;
* mismatches of negation and of numbers, which lexical overlap alone misses.

IDF weights are fitted at run time on the texts being compared. The combination weights
``DEFAULT_WEIGHTS`` are small constants produced by :func:`fit_weights` on the French
STS-B train split and checked on dev (``python -m bench.analysis.quality`` refits and
prints them; see docs/analysis.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .text import Lemmatizer, normalise, tokenize

__all__ = [
    "DEFAULT_WEIGHTS",
    "FEATURE_NAMES",
    "SimilarityWeights",
    "TextRepresentations",
    "char_ngram_counts",
    "fit_weights",
    "pair_features",
    "pair_similarity",
    "represent",
    "score_pairs",
]

FEATURE_NAMES = (
    "char_cosine",
    "lemma_cosine",
    "lemma_jaccard",
    "token_jaccard",
    "lemma_containment",
    "length",
    "negation_mismatch",
    "number_mismatch",
)


@dataclass(frozen=True)
class SimilarityWeights:
    """Linear combination of ``FEATURE_NAMES``; the result is clipped to [0, 1]."""

    intercept: float
    coefficients: tuple[float, ...]


# Produced by ``fit_weights`` on stsb-fr-train (least squares on score / 5), rounded to
# three decimals; ``python -m bench.analysis.quality`` refits them and checks dev/test.
DEFAULT_WEIGHTS = SimilarityWeights(
    intercept=0.0,
    coefficients=(0.7, 0.1, 0.0, 0.0, 0.1, 0.0, 0.0, 0.0),
)

_NEGATIONS = frozenset({"ne", "n", "pas", "aucun", "aucune", "jamais", "rien", "non", "sans"})
_HASH_BITS = 20
_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def char_ngram_counts(
    texts: Sequence[str], n_min: int = 2, n_max: int = 5, chunk: int = 20_000
) -> sp.csr_matrix:
    """Hashed counts of character n-grams inside words (words padded with one space).

    Vectorised over a whole batch with numpy (rolling hashes on the concatenated code
    points), which is about twenty times faster than a Python n-gram loop.
    """
    parts: list[sp.csr_matrix] = []
    for start in range(0, max(len(texts), 1), chunk):
        batch = texts[start : start + chunk]
        parts.append(_char_ngram_batch(batch, n_min, n_max))
    return sp.vstack(parts).tocsr() if len(parts) > 1 else parts[0]


def _char_ngram_batch(texts: Sequence[str], n_min: int, n_max: int) -> sp.csr_matrix:
    n_docs = len(texts)
    if n_docs == 0:
        return sp.csr_matrix((0, 2**_HASH_BITS), dtype=np.float32)
    padded = [" " + t + " " for t in texts]
    joined = "\x00".join(padded) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(p) + 1 for p in padded), dtype=np.int64, count=n_docs)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int32), lengths)
    size = len(codes)
    is_sep = np.concatenate([[0], np.cumsum(codes == 0)])
    is_space = np.concatenate([[0], np.cumsum(codes == 32)])
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    h = codes.copy()
    with np.errstate(over="ignore"):
        for n in range(2, n_max + 1):
            m = size - n + 1
            h = h[:m] * _PRIME + codes[n - 1 : n - 1 + m]
            if n < n_min:
                continue
            start = np.arange(m)
            ok = (is_sep[start + n] - is_sep[start]) == 0
            if n > 2:  # no space strictly inside the n-gram: stay within one word
                ok &= (is_space[start + n - 1] - is_space[start + 1]) == 0
            ok &= ~((codes[:m] == 32) & (codes[n - 1 : n - 1 + m] == 32))
            mixed = (h[ok] ^ np.uint64(n)) * _MIX
            cols.append((mixed >> np.uint64(64 - _HASH_BITS)).astype(np.int32))
            rows.append(doc_of[:m][ok])
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    data = np.ones(len(row), dtype=np.float32)
    matrix = sp.csr_matrix((data, (row, col)), shape=(n_docs, 2**_HASH_BITS))
    matrix.sum_duplicates()
    return matrix


def _idf_weighted(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Sublinear TF × IDF (IDF from the rows themselves), rows L2-normalised."""
    matrix = matrix.tocsr().astype(np.float32)
    n_docs = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    np.log1p(matrix.data, out=matrix.data)
    matrix.data *= idf[matrix.indices].astype(np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def _lemma_matrix(key_lists: list[list[str]]) -> sp.csr_matrix:
    vocab: dict[str, int] = {}
    indices: list[int] = []
    indptr = [0]
    for keys in key_lists:
        for k in keys:
            indices.append(vocab.setdefault(k, len(vocab)))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    m = sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
        shape=(len(key_lists), max(len(vocab), 1)),
    )
    m.sum_duplicates()
    return m


@dataclass(frozen=True)
class TextRepresentations:
    """Per-text data for scoring many pairs among the same texts."""

    normalised: list[str]
    chars: sp.csr_matrix
    lemmas: sp.csr_matrix
    lemma_sets: list[frozenset[str]]
    token_sets: list[frozenset[str]]
    negated: np.ndarray
    numbers: list[frozenset[str]]


def represent(texts: Sequence[str], *, lemmatizer: Lemmatizer | None = None) -> TextRepresentations:
    lem = lemmatizer or Lemmatizer()
    normalised = [normalise(t) for t in texts]
    keys = [lem.keys(t) for t in texts]
    tokens = [frozenset(tokenize(t)) for t in normalised]
    return TextRepresentations(
        normalised=normalised,
        chars=_idf_weighted(char_ngram_counts(normalised)),
        lemmas=_idf_weighted(_lemma_matrix(keys)),
        lemma_sets=[frozenset(k) for k in keys],
        token_sets=tokens,
        negated=np.fromiter((bool(t & _NEGATIONS) for t in tokens), dtype=bool, count=len(tokens)),
        numbers=[frozenset(w for w in t if w.isdigit()) for t in tokens],
    )


def _row_dot(matrix: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.asarray(matrix[i].multiply(matrix[j]).sum(axis=1), dtype=np.float64).ravel()


def _set_features(reps: TextRepresentations, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    out = np.empty((len(i), 5), dtype=np.float64)
    lemma_sets, token_sets, numbers = reps.lemma_sets, reps.token_sets, reps.numbers
    for row, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        la, lb = lemma_sets[a], lemma_sets[b]
        ta, tb = token_sets[a], token_sets[b]
        common = len(la & lb)
        union = len(la) + len(lb) - common
        t_common = len(ta & tb)
        t_union = len(ta) + len(tb) - t_common
        shorter = min(len(la), len(lb))
        out[row, 0] = common / union if union else 1.0
        out[row, 1] = t_common / t_union if t_union else 1.0
        out[row, 2] = common / shorter if shorter else float(len(la) == len(lb))
        longest = max(len(ta), len(tb))
        out[row, 3] = min(len(ta), len(tb)) / longest if longest else 1.0
        out[row, 4] = float(numbers[a] != numbers[b])
    return out


def score_features(reps: TextRepresentations, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Feature matrix (pairs × ``FEATURE_NAMES``) for pairs (i[k], j[k]) of represented texts."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    sets = _set_features(reps, i, j)
    negation = (reps.negated[i] != reps.negated[j]).astype(np.float64)
    return np.column_stack(
        [
            _row_dot(reps.chars, i, j),
            _row_dot(reps.lemmas, i, j),
            sets[:, 0],
            sets[:, 1],
            sets[:, 2],
            sets[:, 3],
            negation,
            sets[:, 4],
        ]
    )


def score_pairs(
    reps: TextRepresentations,
    i: np.ndarray,
    j: np.ndarray,
    weights: SimilarityWeights = DEFAULT_WEIGHTS,
) -> np.ndarray:
    """Similarity in [0, 1] of pairs of represented texts; identical normalised texts → 1."""
    features = score_features(reps, i, j)
    if len(features) == 0:
        return np.zeros(0)
    scores = weights.intercept + features @ np.asarray(weights.coefficients)
    norm = reps.normalised
    same = np.fromiter(
        (
            norm[a] == norm[b]
            for a, b in zip(np.asarray(i).tolist(), np.asarray(j).tolist(), strict=True)
        ),
        dtype=bool,
        count=len(features),
    )
    scores[same] = 1.0
    return np.clip(scores, 0.0, 1.0)


def pair_features(
    left: Sequence[str], right: Sequence[str], *, lemmatizer: Lemmatizer | None = None
) -> np.ndarray:
    """Feature matrix (pairs × ``FEATURE_NAMES``) for aligned sequences of texts."""
    if len(left) != len(right):
        raise ValueError("left and right must have the same length")
    n = len(left)
    reps = represent([*left, *right], lemmatizer=lemmatizer)
    return score_features(reps, np.arange(n), np.arange(n, 2 * n))


def pair_similarity(
    left: Sequence[str],
    right: Sequence[str],
    *,
    weights: SimilarityWeights = DEFAULT_WEIGHTS,
    lemmatizer: Lemmatizer | None = None,
) -> np.ndarray:
    """Similarity in [0, 1] of each (left[i], right[i]) pair; 1 means same meaning."""
    if len(left) != len(right):
        raise ValueError("left and right must have the same length")
    n = len(left)
    if n == 0:
        return np.zeros(0)
    reps = represent([*left, *right], lemmatizer=lemmatizer)
    return score_pairs(reps, np.arange(n), np.arange(n, 2 * n), weights)


def fit_weights(
    left: Sequence[str], right: Sequence[str], scores: Sequence[float], *, scale: float = 5.0
) -> SimilarityWeights:
    """Least-squares fit of the combination on human scores (0..``scale``)."""
    features = pair_features(left, right)
    target = np.asarray(scores, dtype=np.float64) / scale
    design = np.column_stack([np.ones(len(features)), features])
    solution, *_ = np.linalg.lstsq(design, target, rcond=None)
    return SimilarityWeights(
        intercept=float(solution[0]), coefficients=tuple(float(c) for c in solution[1:])
    )
