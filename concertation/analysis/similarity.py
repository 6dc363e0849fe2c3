"""Pairwise text similarity, shared by the ``similarity`` command and duplicate detection.

The score is a small linear combination of lexical features, each computed for many
pairs at once with sparse matrices:

* cosine of character n-gram TF-IDF vectors (robust to typos and inflection);
* cosine of lemma TF-IDF vectors (content words only, stop words removed);
* Jaccard overlap of lemma sets and of raw token sets (the latter keeps negations);
* length agreement.

IDF weights are fitted at run time on the texts being compared. The combination weights
``DEFAULT_WEIGHTS`` are small constants obtained by ``fit_weights`` on the French STS-B
train split and checked on dev (see docs/analysis.md and ``python -m bench.analysis.quality``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from .text import Lemmatizer, normalise, tokenize

__all__ = [
    "DEFAULT_WEIGHTS",
    "FEATURE_NAMES",
    "SimilarityWeights",
    "fit_weights",
    "pair_features",
    "pair_similarity",
]

FEATURE_NAMES = ("char_cosine", "lemma_cosine", "lemma_jaccard", "token_jaccard", "length")


@dataclass(frozen=True)
class SimilarityWeights:
    """Linear combination of ``FEATURE_NAMES``; the result is clipped to [0, 1]."""

    intercept: float
    coefficients: tuple[float, ...]


# Fitted by ``fit_weights`` on stsb-fr-train (least squares on score / 5), rounded.
DEFAULT_WEIGHTS = SimilarityWeights(intercept=0.0, coefficients=(0.5, 0.3, 0.1, 0.1, 0.0))

_CHAR = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 5),
    n_features=2**20,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)


def _idf_weighted(matrix: sp.csr_matrix, n_docs_fit: int) -> sp.csr_matrix:
    """Sublinear TF × IDF (IDF from the rows themselves), rows L2-normalised."""
    matrix = matrix.tocsr().astype(np.float32)
    df = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32)
    idf = np.log((1.0 + n_docs_fit) / (1.0 + df)) + 1.0
    np.log1p(matrix.data, out=matrix.data)
    matrix.data *= idf[matrix.indices].astype(np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def _row_dot(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    return np.asarray(a.multiply(b).sum(axis=1), dtype=np.float64).ravel()


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


def _jaccard(left: list[set[str]], right: list[set[str]]) -> np.ndarray:
    out = np.empty(len(left), dtype=np.float64)
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        union = len(a | b)
        out[i] = len(a & b) / union if union else 1.0
    return out


def pair_features(
    left: Sequence[str], right: Sequence[str], *, lemmatizer: Lemmatizer | None = None
) -> np.ndarray:
    """Feature matrix (pairs × ``FEATURE_NAMES``) for aligned sequences of texts."""
    if len(left) != len(right):
        raise ValueError("left and right must have the same length")
    n = len(left)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    lem = lemmatizer or Lemmatizer()
    norm_l = [normalise(t) for t in left]
    norm_r = [normalise(t) for t in right]
    chars = _idf_weighted(_CHAR.transform(norm_l + norm_r), 2 * n)
    char_cos = _row_dot(chars[:n], chars[n:])
    keys_l = [lem.keys(t) for t in left]
    keys_r = [lem.keys(t) for t in right]
    lemmas = _idf_weighted(_lemma_matrix(keys_l + keys_r), 2 * n)
    lemma_cos = _row_dot(lemmas[:n], lemmas[n:])
    lemma_jac = _jaccard([set(k) for k in keys_l], [set(k) for k in keys_r])
    tok_l = [set(tokenize(t)) for t in norm_l]
    tok_r = [set(tokenize(t)) for t in norm_r]
    token_jac = _jaccard(tok_l, tok_r)
    len_l = np.array([len(t) for t in tok_l], dtype=np.float64)
    len_r = np.array([len(t) for t in tok_r], dtype=np.float64)
    length = np.minimum(len_l, len_r) / np.maximum(np.maximum(len_l, len_r), 1.0)
    return np.column_stack([char_cos, lemma_cos, lemma_jac, token_jac, length])


def pair_similarity(
    left: Sequence[str],
    right: Sequence[str],
    *,
    weights: SimilarityWeights = DEFAULT_WEIGHTS,
    lemmatizer: Lemmatizer | None = None,
) -> np.ndarray:
    """Similarity in [0, 1] of each (left[i], right[i]) pair; 1 means same meaning."""
    features = pair_features(left, right, lemmatizer=lemmatizer)
    if len(features) == 0:
        return np.zeros(0)
    scores = weights.intercept + features @ np.asarray(weights.coefficients)
    # Identical normalised texts are duplicates whatever the feature weights say.
    same = np.array([normalise(a) == normalise(b) for a, b in zip(left, right, strict=True)])
    scores[same] = 1.0
    return np.clip(scores, 0.0, 1.0)


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
