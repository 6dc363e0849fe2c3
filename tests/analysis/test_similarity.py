from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from concertation.analysis.similarity import pair_features, pair_similarity


def test_identical_and_unrelated() -> None:
    scores = pair_similarity(
        ["Fermer les petites maternités est dangereux.", "Plus de médecins à la campagne"],
        ["fermer les petites maternités est dangereux", "Le vélo en ville me plaît"],
    )
    assert scores[0] == 1.0
    assert scores[1] < 0.3


def test_paraphrase_scores_between() -> None:
    scores = pair_similarity(
        ["Il faut plus de médecins dans les campagnes", "Il faut plus de médecins"],
        ["Nous manquons de médecins dans les zones rurales", "Le prix du gazole augmente"],
    )
    assert scores[0] > scores[1]


def test_empty_input() -> None:
    assert pair_similarity([], []).shape == (0,)
    assert pair_features([], []).shape[0] == 0


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_symmetric_and_bounded(a: str, b: str) -> None:
    ab = pair_similarity([a], [b])[0]
    ba = pair_similarity([b], [a])[0]
    assert 0.0 <= ab <= 1.0
    assert abs(ab - ba) < 1e-6


def test_spearman_on_a_sample_of_stsb_test(data_dir: Path) -> None:
    # Fast check on 400 pairs; the full measurement is in bench.analysis.quality.
    with (data_dir / "similarity" / "stsb-fr-test.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[:400]
    scores = pair_similarity([r[0] for r in rows], [r[1] for r in rows])
    rho = spearmanr(scores, np.array([float(r[2]) for r in rows])).statistic
    assert rho > 0.65
