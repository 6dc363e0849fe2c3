from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score

from concertation.analysis.cluster import candidate_ks, cluster_texts


@pytest.fixture(scope="module")
def sample(elf_rows: list[dict[str, str]]) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(0)
    picked = sorted(rng.choice(len(elf_rows), size=1500, replace=False))
    rows = [elf_rows[i] for i in picked]
    return [r["text"] for r in rows], [r["tags"].split("|")[0] for r in rows]


def _check_partition(result, n: int) -> None:
    members = [m for g in result.groups for m in g.members]
    assert sorted(members) == list(range(n))  # every index in exactly one group
    for g in result.groups:
        assert g.size == len(g.members) > 0
        assert set(g.representatives) <= set(g.members)
        assert 1 <= len(g.representatives) <= 3
        if not g.other:
            assert 2 <= len(g.keywords) <= 5, g.keywords
            assert g.label == ", ".join(g.keywords)


def test_automatic_k_partition_and_determinism(sample) -> None:
    texts, _ = sample
    first = cluster_texts(texts, seed=3)
    _check_partition(first, len(texts))
    assert first.parameters["k_chosen_by"] == "silhouette"
    again = cluster_texts(texts, seed=3)
    assert [g.members for g in again.groups] == [g.members for g in first.groups]
    assert [g.label for g in again.groups] == [g.label for g in first.groups]
    assert [d.members for d in again.duplicates] == [d.members for d in first.duplicates]


def test_override_number_of_groups(sample) -> None:
    texts, _ = sample
    result = cluster_texts(texts[:400], n_groups=6, seed=0, detect_duplicates=False)
    _check_partition(result, 400)
    assert result.parameters["k"] == 6
    assert len([g for g in result.groups if not g.other]) <= 6


def test_beats_plain_baseline_on_a_sample(sample) -> None:
    # Fast version of the quality measurement (bench.analysis.quality runs the full file).
    texts, tags = sample
    result = cluster_texts(texts, seed=0, detect_duplicates=False)
    ours = normalized_mutual_info_score(tags, result.labels(len(texts)))
    k = len(set(tags))
    vectors = TfidfVectorizer(ngram_range=(1, 2)).fit_transform(texts)
    reduced = TruncatedSVD(100, random_state=0).fit_transform(vectors)
    baseline = normalized_mutual_info_score(
        tags, KMeans(k, n_init=1, random_state=0).fit_predict(reduced)
    )
    assert ours > baseline


def test_empty_and_tiny_inputs() -> None:
    result = cluster_texts(["", "   ", "Le prix de l'essence", "Le prix du gazole"], seed=0)
    _check_partition(result, 4)
    other = [g for g in result.groups if g.other]
    assert other and {0, 1} <= set(other[0].members)
    assert cluster_texts([], seed=0).groups == []


def test_outliers_go_to_other_group() -> None:
    texts = (
        ["Il faut plus de médecins à l'hôpital public"] * 3
        + [f"Les hôpitaux publics manquent de médecins et d'infirmières {i}" for i in range(30)]
        + [f"Les impôts et la fiscalité des entreprises doivent baisser {i}" for i in range(30)]
    )
    texts.append("xyzzy plugh")
    result = cluster_texts(texts, n_groups=2, seed=0)
    _check_partition(result, len(texts))
    other = [g for g in result.groups if g.other]
    assert other and len(texts) - 1 in other[0].members


def test_candidate_ks_grid() -> None:
    assert candidate_ks(3) == [1]
    grid = candidate_ks(10_000)
    assert grid[0] == 2 and grid[-1] == 300 and grid == sorted(set(grid))


def test_far_texts_join_a_group_unless_isolated(sample) -> None:
    """Consolidation sizes: a text far from every centre stays in its nearest group when
    another text resembles it; only texts below ``isolation_cosine`` with every other text
    go to "Autres contributions", and the threshold is returned."""
    texts, _ = sample
    texts = list(texts[:300]) + ["xylophone quetzal zygomatique", "xylophone quetzal zygomatique"]
    texts.append("ornithorynque kaléidoscope")
    result = cluster_texts(texts, seed=0, detect_duplicates=False)
    _check_partition(result, len(texts))
    assert result.parameters["isolation_cosine"] == 0.2
    other = next((g for g in result.groups if g.other), None)
    share = 0 if other is None else other.size / len(texts)
    assert share <= 0.10


def test_labels_use_the_groups_own_wording_of_a_phrase() -> None:
    """A two-lemma term that carries its words is shown as the texts say it, connecting
    words and elisions included, and replaces its two lemmas; a phrase joined by a verb is
    not a wording."""
    from concertation.analysis.cluster import _surface_phrase, _tokens_and_keys
    from concertation.analysis.text import Lemmatizer

    transport = [
        "Développer les transports en commun dans les villages",
        "Des transports en commun moins chers",
        "Plus de transports en commun le soir",
        "Les transports en commun doivent desservir les villages",
    ]
    care = [
        "Améliorer l'accès aux soins en zone rurale",
        "Garantir l'accès aux soins pour tous",
        "L'accès aux soins est trop inégal",
        "Faciliter l'accès aux soins des personnes âgées",
    ]
    result = cluster_texts(transport * 3 + care * 3, n_groups=2, seed=0, detect_duplicates=False)
    labels = {g.label for g in result.groups}
    assert any(label.startswith("transports en commun") for label in labels), labels
    assert any(label.startswith("accès aux soins") for label in labels), labels
    assert not any("transport, commun" in label or "commun, transport" in label for label in labels)
    lemmatizer = Lemmatizer()
    read = [_tokens_and_keys(t, lemmatizer) for t in ["Le service public doit être géré"]]
    assert _surface_phrase("public gerer", read) is None
    read = [_tokens_and_keys("La place de l'hôpital", lemmatizer)]
    assert _surface_phrase("place hopital", read) == "place de l'hôpital"
