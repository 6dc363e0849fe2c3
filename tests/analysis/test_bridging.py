from __future__ import annotations

import numpy as np

from concertation.analysis.bridging import bridging_scores


def test_bridging_items_rank_first_over_one_sided_popular_items() -> None:
    """Two camps of unequal size (70 / 30). Comments 0-4 are agreed by both camps
    (bridging, 75 % agree); comments 5-14 are agreed by the large camp only, so their raw
    agree rate (about 70 %) is close to the bridging ones; the rest divide the camps the
    other way. The bridging score must put comments 0-4 first."""
    rng = np.random.default_rng(0)
    camp = np.r_[np.ones(70), -np.ones(30)]
    n_c = 30
    values = np.full((100, n_c), np.nan)
    for j in range(n_c):
        if j < 5:
            p_agree = np.full(100, 0.75)
        elif j < 15:
            p_agree = np.where(camp > 0, 0.95, 0.1)
        else:
            p_agree = np.where(camp > 0, 0.1, 0.9)
        votes = np.where(rng.random(100) < p_agree, 1.0, -1.0)
        seen = rng.random(100) < 0.8
        values[seen, j] = votes[seen]
    raw_agree = (values == 1).sum(axis=0) / (~np.isnan(values)).sum(axis=0)
    assert raw_agree[5:15].max() > raw_agree[:5].min()  # agree rate alone mixes them
    # A comment that only four people saw, all of whom agreed: too few votes to say
    # whether its support crosses the divide, so it is not ranked (it would come first).
    few = np.full((100, 1), np.nan)
    few[[0, 1, 80, 90], 0] = 1.0
    values = np.hstack([values, few])
    comments = [str(j) for j in range(n_c)] + ["few"]
    result = bridging_scores(values, comments, seed=0)
    top5 = {c for c, _ in result.ranked()[:5]}
    assert top5 == {"0", "1", "2", "3", "4"}
    assert "few" not in dict(result.ranked()) and len(result.ranked()) == n_c
    assert result.ranked(min_votes=1)[0][0] == "few"
    # The factor separates the one-sided comments from the bridging ones.
    assert np.abs(result.factor[5:n_c]).min() > np.abs(result.factor[:5]).max()
