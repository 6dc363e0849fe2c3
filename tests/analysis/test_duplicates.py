from __future__ import annotations

from concertation.analysis.duplicates import find_duplicates
from concertation.analysis.vectors import LsaBackend

TEXTS = [
    "Rendre le vote obligatoire",  # 0
    "Rendre le vote obligatoire",  # 1 exact copy of 0
    "rendre le vote OBLIGATOIRE !",  # 2 normalised copy
    "Il faut développer les transports en commun dans les campagnes",  # 3
    "Il faut développer les transports en commun dans nos campagnes.",  # 4 paraphrase of 3
    "La santé doit rester un service public de proximité",  # 5
    "Baisser la TVA sur les produits de première nécessité",  # 6
    "Supprimer le Sénat",  # 7
    "Mieux rembourser les soins dentaires et les lunettes",  # 8
    "Développer le vélo et les pistes cyclables en ville",  # 9
] + [f"Contribution différente numéro {i} sur le sujet {i * 7}" for i in range(20)]


def test_exact_normalised_and_paraphrase_groups() -> None:
    vectors = LsaBackend(dimensions=20).embed(TEXTS, seed=0)
    groups = find_duplicates(TEXTS, vectors, candidate_cosine=0.7)
    by_first = {g.members[0]: g for g in groups}
    assert by_first[0].members == [0, 1, 2]
    assert by_first[0].kind == "normalised"
    assert by_first[0].similarity == 1.0
    assert by_first[3].members == [3, 4]
    assert by_first[3].kind == "paraphrase"
    assert 0.8 <= by_first[3].similarity < 1.0
    flat = [m for g in groups for m in g.members]
    assert len(flat) == len(set(flat))
    assert 5 not in flat and 7 not in flat


def test_without_vectors_only_hash_duplicates() -> None:
    groups = find_duplicates(TEXTS)
    assert [g.members for g in groups] == [[0, 1, 2]]


def test_blocks_split_large_groups() -> None:
    vectors = LsaBackend(dimensions=20).embed(TEXTS, seed=0)
    groups = find_duplicates(TEXTS, vectors, candidate_cosine=0.7, max_block=6)
    assert [0, 1, 2] in [g.members for g in groups]


def test_block_chunked_scoring_matches_scoring_everything_at_once() -> None:
    """Beyond 4 × chunk texts, pairs are scored block by block with shared IDF statistics:
    the scores must be those of one representation of every text with the same IDF."""
    import numpy as np

    from concertation.analysis.duplicates import _score_candidates
    from concertation.analysis.representations import fit_idf, represent
    from concertation.analysis.similarity import score_pairs
    from concertation.analysis.text import normalise

    texts = [f"{t} (version {i % 3})" for i, t in enumerate(TEXTS * 2)]
    normalised = [normalise(t) for t in texts]
    rng = np.random.default_rng(0)
    block_of_text = rng.integers(4, size=len(texts))
    pairs = np.array(
        [
            (a, b)
            for a in range(len(texts))
            for b in range(a + 1, len(texts))
            if block_of_text[a] == block_of_text[b] and rng.random() < 0.3
        ]
    )
    blocks = block_of_text[pairs[:, 0]]
    chunked = _score_candidates(texts, pairs, blocks, normalised, chunk=5, idf_sample=10_000)
    assert sorted((a, b) for a, b, _ in chunked) == sorted(map(tuple, pairs.tolist()))
    involved = np.unique(pairs)
    reps = represent([texts[k] for k in involved], stats=fit_idf([texts[k] for k in involved]))
    position = np.searchsorted(involved, pairs)
    scores = score_pairs(reps, position[:, 0], position[:, 1])
    expected = dict(zip(map(tuple, pairs.tolist()), scores, strict=True))
    assert all(abs(score - expected[(a, b)]) < 1e-6 for a, b, score in chunked)
