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

from .representations import TextRepresentations, represent

__all__ = [
    "DEFAULT_WEIGHTS",
    "FEATURE_NAMES",
    "SimilarityWeights",
    "fit_weights",
    "pair_features",
    "pair_similarity",
    "score_pairs",
]

FEATURE_NAMES = (
    "char_cosine",  # character 2-5-grams inside words, TF-IDF
    "lemma_cosine",  # content lemmas, TF-IDF
    "lemma_jaccard",
    "token_jaccard",
    "lemma_containment",  # share of the shorter lemma set found in the longer
    "length",  # shorter / longer token count
    "negation_mismatch",
    "number_mismatch",
    "unmatched_idf_max",  # IDF mass of the lemmas one side has and the other lacks
    "unmatched_idf_min",
    "common_idf",
    "log_tokens",
    "unmatched_lemmas",
    "common_idf_share",  # common / (common + larger unmatched)
    "char_cosine_x_log_tokens",
    "char_cosine_squared",
    "lemma_cosine_squared",
    "char_2_3_cosine",
    "char_3_cosine",
    "char_4_6_cosine",
    "char_tf_cosine",  # 2-5-grams without IDF
    "all_lemma_cosine",  # stop words kept (negations, prepositions)
    "lemma_bigram_cosine",
)


@dataclass(frozen=True)
class SimilarityWeights:
    """Linear combination of ``FEATURE_NAMES``; the result is clipped to [0, 1]."""

    intercept: float
    coefficients: tuple[float, ...]


# Produced by ``fit_weights`` on stsb-fr-train (least squares on score / 5, no
# regularisation: ridge penalties 1 and 10 did worse on dev), rounded to four decimals.
# ``python -m bench.analysis.quality`` refits them from the train file and checks dev/test.
# Individual coefficients are not interpretable (the features are strongly correlated);
# only the combination is meaningful.
DEFAULT_WEIGHTS = SimilarityWeights(
    intercept=-0.1,
    coefficients=(
        0.7617, 0.5193, 0.209, 0.1463, -0.1, -0.0575, -0.0773, -0.0617,
        0.0058, 0.0078, 0.0002, 0.0643, -0.0482, -0.155, -0.05, -0.1415,
        -0.2681, 0.5779, 0.1357, -0.3147, -0.2566, 0.0749, -0.1969,
    ),
)  # fmt: skip

def _row_dot(matrix: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    out = np.empty(len(i), dtype=np.float64)
    for start in range(0, len(i), 100_000):
        a, b = i[start : start + 100_000], j[start : start + 100_000]
        out[start : start + len(a)] = np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1)).ravel()
    return out


def _set_features(reps: TextRepresentations, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    out = np.empty((len(i), 8), dtype=np.float64)
    sets, idf, numbers = reps.lemma_sets, reps.lemma_idf, reps.numbers
    for row, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        la, lb = sets[a], sets[b]
        common_set = la & lb
        common = len(common_set)
        union = len(la) + len(lb) - common
        shorter = min(len(la), len(lb))
        only_a = float(idf[list(la - common_set)].sum()) if len(la) > common else 0.0
        only_b = float(idf[list(lb - common_set)].sum()) if len(lb) > common else 0.0
        shared = float(idf[list(common_set)].sum()) if common else 0.0
        out[row, 0] = common / union if union else 1.0
        out[row, 1] = common / shorter if shorter else float(len(la) == len(lb))
        out[row, 2] = float(numbers[a] != numbers[b])
        out[row, 3] = max(only_a, only_b)
        out[row, 4] = min(only_a, only_b)
        out[row, 5] = shared
        out[row, 6] = union - common
        denominator = shared + max(only_a, only_b)
        out[row, 7] = shared / denominator if denominator else 1.0
    return out


def _token_jaccard(reps: TextRepresentations, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    out = np.empty(len(i), dtype=np.float64)
    norm = reps.normalised
    for row, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        ta, tb = set(norm[a].split()), set(norm[b].split())
        union = len(ta | tb)
        out[row] = len(ta & tb) / union if union else 1.0
    return out


def score_features(reps: TextRepresentations, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Feature matrix (pairs × ``FEATURE_NAMES``) for pairs (i[k], j[k]) of represented texts."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    sets = _set_features(reps, i, j)
    cos = {name: _row_dot(matrix, i, j) for name, matrix in reps.sparse.items()}
    count_i, count_j = reps.token_counts[i], reps.token_counts[j]
    longest = np.maximum(np.maximum(count_i, count_j), 1.0)
    log_tokens = np.log1p(count_i + count_j)
    return np.column_stack(
        [
            cos["char"],
            cos["lemma"],
            sets[:, 0],
            _token_jaccard(reps, i, j),
            sets[:, 1],
            np.where((count_i == 0) & (count_j == 0), 1.0, np.minimum(count_i, count_j) / longest),
            (reps.negated[i] != reps.negated[j]).astype(np.float64),
            sets[:, 2],
            sets[:, 3],
            sets[:, 4],
            sets[:, 5],
            log_tokens,
            sets[:, 6],
            sets[:, 7],
            cos["char"] * log_tokens,
            cos["char"] ** 2,
            cos["lemma"] ** 2,
            cos["char_2_3"],
            cos["char_3"],
            cos["char_4_6"],
            cos["char_tf"],
            cos["all_lemma"],
            cos["bigram"],
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
    clipped: np.ndarray = np.clip(scores, 0.0, 1.0)
    return clipped


def pair_features(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Feature matrix (pairs × ``FEATURE_NAMES``) for aligned sequences of texts."""
    if len(left) != len(right):
        raise ValueError("left and right must have the same length")
    n = len(left)
    reps = represent([*left, *right])
    return score_features(reps, np.arange(n), np.arange(n, 2 * n))


def pair_similarity(
    left: Sequence[str],
    right: Sequence[str],
    *,
    weights: SimilarityWeights = DEFAULT_WEIGHTS,
) -> np.ndarray:
    """Similarity in [0, 1] of each (left[i], right[i]) pair; 1 means same meaning."""
    if len(left) != len(right):
        raise ValueError("left and right must have the same length")
    n = len(left)
    if n == 0:
        return np.zeros(0)
    reps = represent([*left, *right])
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
