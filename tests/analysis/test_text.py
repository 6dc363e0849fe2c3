from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from concertation.analysis.text import Lemmatizer, fold_accents, normalise, tokenize


def test_normalise_folds_case_accents_punctuation_and_separators() -> None:
    assert normalise("  L’Hôpital&&public !! ") == "l'hopital public".replace("'", " ")
    assert normalise("ÉDUCATION") == normalise("education") == "education"


def test_tokenize_splits_elisions() -> None:
    assert tokenize("L'État, c’est nous") == ["l", "état", "c", "est", "nous"]


def test_lemmatizer_merges_inflections_and_drops_stop_words() -> None:
    lem = Lemmatizer()
    assert lem.keys("Les hôpitaux et les médecins") == ["hopital", "medecin"]
    assert lem.keys("hopital") == ["hopital"]  # missing accent still matches
    assert lem.display("hopital") == "hôpital"


def test_fold_accents_ligatures() -> None:
    assert fold_accents("cœur Ærien") == "coeur AErien"


@given(st.text(max_size=200))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
