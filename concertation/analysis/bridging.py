"""Bridging score of comments from votes, in the style of Community Notes.

Each observed vote (agree 1, disagree -1; passes are skipped) is modelled as

    vote[u, i] ≈ μ + b_u + b_i + f_u · f_i

with one-dimensional factors, fitted by regularised alternating least squares (the
intercepts more strongly regularised than the factors, as Community Notes does, so that
what divides the participants goes into the factors). The comment intercept ``b_i`` is
the support that the factor, i.e. the main opinion divide, does not explain: a comment
agreed with on both sides of the divide gets a high intercept, a comment agreed with by one
side only gets a large |f_i| and a small intercept. Pure numpy, deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .votes import VoteMatrix

__all__ = ["BridgingResult", "bridging_scores", "matrix_bridging"]


# As Community Notes scores a note only from its fifth rating: with fewer votes the
# intercept says more about those few voters than about the comment (on
# football-concussions, comments with one agree vote came first).
MIN_VOTES = 5


@dataclass(frozen=True)
class BridgingResult:
    comments: list[str]
    intercept: np.ndarray  # per comment: the bridging score
    factor: np.ndarray  # per comment: position on the divide
    participant_factor: np.ndarray
    votes: np.ndarray  # per comment: agree and disagree votes (passes are not fitted)

    def ranked(self, min_votes: int = MIN_VOTES) -> list[tuple[str, float]]:
        """Comments with at least ``min_votes`` votes, by decreasing bridging score."""
        order = np.argsort(-self.intercept, kind="stable")
        return [
            (self.comments[j], float(self.intercept[j]))
            for j in order
            if self.votes[j] >= min_votes
        ]


def bridging_scores(
    values: np.ndarray,
    comments: list[str],
    *,
    intercept_penalty: float = 0.15,
    factor_penalty: float = 0.03,
    iterations: int = 50,
    seed: int = 0,
) -> BridgingResult:
    """Fit the model on a participants × comments matrix (NaN = unseen, 0 = pass)."""
    rows, cols = np.nonzero(~np.isnan(values) & (values != 0))
    y = values[rows, cols].astype(np.float64)
    n_u, n_i = values.shape
    rng = np.random.default_rng(seed)
    fu: np.ndarray = rng.normal(0, 0.1, size=int(n_u))
    fi: np.ndarray = rng.normal(0, 0.1, size=int(n_i))
    bu = np.zeros(n_u)
    bi = np.zeros(n_i)
    mu = float(y.mean()) if len(y) else 0.0
    # Penalties scale with the number of votes, as in Community Notes' loss (sum of
    # squared errors + λ Σ parameters², per vote).
    lam_b = intercept_penalty * max(len(y), 1) / max(n_u + n_i, 1)
    lam_f = factor_penalty * max(len(y), 1) / max(n_u + n_i, 1)

    def solve(index: np.ndarray, n: int, target: np.ndarray,
              x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Per entity, least squares for (bias, factor) given the other side's factor x.
        s1 = np.bincount(index, minlength=n).astype(np.float64)
        sx = np.bincount(index, weights=x, minlength=n)
        sxx = np.bincount(index, weights=x * x, minlength=n)
        sy = np.bincount(index, weights=target, minlength=n)
        sxy = np.bincount(index, weights=x * target, minlength=n)
        a, b, d = s1 + lam_b, sx, sxx + lam_f
        det = a * d - b * b
        bias = (d * sy - b * sxy) / det
        factor = (a * sxy - b * sy) / det
        return bias, factor

    for _ in range(iterations):
        bu, fu = solve(rows, n_u, y - mu - bi[cols], fi[cols])
        bi, fi = solve(cols, n_i, y - mu - bu[rows], fu[rows])
        mu = float(np.mean(y - bu[rows] - bi[cols] - fu[rows] * fi[cols])) if len(y) else 0.0
    return BridgingResult(list(comments), bi, fi, fu, np.bincount(cols, minlength=n_i))


def matrix_bridging(matrix: VoteMatrix, *, seed: int = 0) -> BridgingResult:
    """:func:`bridging_scores` on a vote matrix, moderated comments left out."""
    keep = ~matrix.moderated_mask()
    comments = [c for c, k in zip(matrix.comments, keep, strict=True) if k]
    return bridging_scores(matrix.values[:, keep], comments, seed=seed)
