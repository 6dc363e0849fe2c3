"""How each text is represented for pairwise similarity (`similarity.py` scores the pairs):
character n-gram families hashed into sparse counts, lemma and bigram counts, IDF statistics
fitted on a corpus or on the texts themselves, and the sets (lemmas, tokens, numbers,
negations) the set features compare."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .text import Lemmatizer, normalise

__all__ = [
    "IdfStats",
    "TextRepresentations",
    "char_ngram_counts",
    "char_ngram_families",
    "fit_idf",
    "represent",
]

_NEGATIONS = frozenset({"ne", "n", "pas", "aucun", "aucune", "jamais", "rien", "non", "sans"})
_HASH_BITS = 20
_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def char_ngram_counts(
    texts: Sequence[str], n_min: int = 2, n_max: int = 5, chunk: int = 20_000
) -> sp.csr_matrix:
    """Hashed counts of character n-grams inside words (words padded with one space)."""
    return char_ngram_families(texts, {"counts": (n_min, n_max)}, chunk=chunk)["counts"]


def char_ngram_families(
    texts: Sequence[str], families: dict[str, tuple[int, int]], chunk: int = 20_000
) -> dict[str, sp.csr_matrix]:
    """Several n-gram ranges from one pass over the text (hashes are shared).

    Vectorised over a whole batch with numpy (rolling hashes on the concatenated code
    points), which is about twenty times faster than a Python n-gram loop. n-grams are
    at least two characters long.
    """
    parts: dict[str, list[sp.csr_matrix]] = {name: [] for name in families}
    for start in range(0, max(len(texts), 1), chunk):
        batch = _char_ngram_batch(texts[start : start + chunk], families)
        for name, matrix in batch.items():
            parts[name].append(matrix)
    return {
        name: sp.vstack(mats).tocsr() if len(mats) > 1 else mats[0] for name, mats in parts.items()
    }


def _char_ngram_batch(
    texts: Sequence[str], families: dict[str, tuple[int, int]]
) -> dict[str, sp.csr_matrix]:
    n_docs = len(texts)
    width = 2**_HASH_BITS
    if n_docs == 0:
        return {name: sp.csr_matrix((0, width), dtype=np.float32) for name in families}
    n_max = max(hi for _, hi in families.values())
    padded = [" " + t + " " for t in texts]
    joined = "\x00".join(padded) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(p) + 1 for p in padded), dtype=np.int64, count=n_docs)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int32), lengths)
    size = len(codes)
    is_sep = np.concatenate([[0], np.cumsum(codes == 0)])
    is_space = np.concatenate([[0], np.cumsum(codes == 32)])
    per_n: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    h = codes.copy()
    with np.errstate(over="ignore"):
        for n in range(2, n_max + 1):
            m = size - n + 1
            h = h[:m] * _PRIME + codes[n - 1 : n - 1 + m]
            start = np.arange(m)
            ok = (is_sep[start + n] - is_sep[start]) == 0
            if n > 2:  # no space strictly inside the n-gram: stay within one word
                ok &= (is_space[start + n - 1] - is_space[start + 1]) == 0
            ok &= ~((codes[:m] == 32) & (codes[n - 1 : n - 1 + m] == 32))
            mixed = (h[ok] ^ np.uint64(n)) * _MIX
            per_n[n] = (
                doc_of[:m][ok],
                (mixed >> np.uint64(64 - _HASH_BITS)).astype(np.int32),
            )
    # One canonical count matrix per n, then each family is a sum of them: the n is mixed
    # into the hash, so families overlap without colliding, and sparse sums of sorted
    # matrices are linear merges, where sorting each family's n-grams again was not.
    needed = sorted({n for lo, hi in families.values() for n in range(max(lo, 2), hi + 1)})
    by_n: dict[int, sp.csr_matrix] = {}
    for n in needed:
        row, col = per_n[n]
        matrix = sp.csr_matrix(
            (np.ones(len(row), dtype=np.float32), (row, col)), shape=(n_docs, width)
        )
        matrix.sum_duplicates()
        by_n[n] = matrix
    out: dict[str, sp.csr_matrix] = {}
    for name, (lo, hi) in families.items():
        total = by_n[max(lo, 2)].copy()
        for n in range(max(lo, 2) + 1, hi + 1):
            total = total + by_n[n]
        out[name] = total.tocsr()
    return out


def _weighted(matrix: sp.csr_matrix, idf: np.ndarray | None) -> sp.csr_matrix:
    """Sublinear TF (× IDF when given), rows L2-normalised, float32."""
    matrix = matrix.tocsr().astype(np.float32)
    np.log1p(matrix.data, out=matrix.data)
    if idf is not None:
        matrix.data *= idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


_CHAR_CONFIGS = {"char": (2, 5), "char_2_3": (2, 3), "char_3": (3, 3), "char_4_6": (4, 6)}
_WORD_CONFIGS = ("lemma", "all_lemma", "bigram")
_LEMMATIZERS: dict[str, Lemmatizer] = {}


def _lemmatizers() -> tuple[Lemmatizer, Lemmatizer]:
    # Module-level memo tables: the vocabulary is Zipfian, so they stay small.
    if not _LEMMATIZERS:
        _LEMMATIZERS["content"] = Lemmatizer()
        _LEMMATIZERS["all"] = Lemmatizer(stop_words=())
    return _LEMMATIZERS["content"], _LEMMATIZERS["all"]


@dataclass(frozen=True)
class _Texts:
    normalised: list[str]
    words: dict[str, list[list[str]]]  # per word configuration, the terms of each text


def _prepare(texts: Sequence[str], normalised: Sequence[str] | None = None) -> _Texts:
    """``normalised`` (``normalise`` of each text), when the caller already has it, saves
    the most expensive string pass."""
    content, every = _lemmatizers()
    normalised = [normalise(t) for t in texts] if normalised is None else list(normalised)
    all_keys = [every.keys(t) for t in normalised]
    return _Texts(
        normalised=normalised,
        words={
            "lemma": [content.keys(t) for t in texts],
            "all_lemma": all_keys,
            "bigram": [[a + " " + b for a, b in zip(k, k[1:], strict=False)] for k in all_keys],
        },
    )


@dataclass
class IdfStats:
    """Document frequencies of every feature family, accumulated over a corpus."""

    n_docs: int = 0
    char_df: dict[str, np.ndarray] = field(default_factory=dict)
    vocab: dict[str, dict[str, int]] = field(default_factory=dict)
    word_df: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, prepared: _Texts, families: dict[str, sp.csr_matrix] | None = None) -> None:
        self.n_docs += len(prepared.normalised)
        if families is None:
            families = char_ngram_families(prepared.normalised, _CHAR_CONFIGS)
        for name, counts in families.items():
            df = np.bincount(counts.indices, minlength=2**_HASH_BITS)
            previous = self.char_df.get(name)
            self.char_df[name] = df if previous is None else previous + df
        for name in _WORD_CONFIGS:
            vocab = self.vocab.setdefault(name, {})
            ids = [
                {vocab.setdefault(w, len(vocab)) for w in terms} for terms in prepared.words[name]
            ]
            flat = np.fromiter((i for s in ids for i in s), dtype=np.int64)
            df = np.bincount(flat, minlength=len(vocab))
            old = self.word_df.get(name, np.zeros(0, dtype=np.int64))
            df[: len(old)] += old
            self.word_df[name] = df


def fit_idf(
    texts: Sequence[str], chunk: int = 20_000, *, normalised: Sequence[str] | None = None
) -> IdfStats:
    """Document frequencies over ``texts``, streamed in chunks (bounded memory)."""
    stats = IdfStats()
    for start in range(0, len(texts), chunk):
        stats.add(
            _prepare(
                texts[start : start + chunk],
                None if normalised is None else normalised[start : start + chunk],
            )
        )
    return stats


def _word_matrix(
    term_lists: list[list[str]], vocab: dict[str, int], df: np.ndarray, n_docs: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts over a fixed vocabulary (unseen terms get extra columns) and their IDF."""
    # Vocabulary ids are 0..len-1, so a copy of it extended in place numbers unseen terms
    # from len(vocab) on, in order of first appearance; one comprehension, no loop body.
    table = dict(vocab)
    setdefault = table.setdefault
    indices = [setdefault(w, len(table)) for terms in term_lists for w in terms]
    indptr = np.zeros(len(term_lists) + 1, dtype=np.int64)
    np.cumsum([len(terms) for terms in term_lists], out=indptr[1:])
    width = max(len(table), 1)
    matrix = sp.csr_matrix(
        (
            np.ones(len(indices), dtype=np.float32),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int64),
        ),
        shape=(len(term_lists), width),
    )
    matrix.sum_duplicates()
    full_df = np.zeros(width)
    full_df[: len(df)] = df
    return matrix, _idf(full_df, n_docs)


@dataclass(frozen=True)
class TextRepresentations:
    """Per-text data for scoring many pairs among the same texts."""

    normalised: list[str]
    sparse: dict[str, sp.csr_matrix]  # L2-normalised rows, one matrix per cosine feature
    lemma_sets: list[frozenset[int]]
    lemma_idf: np.ndarray
    token_counts: np.ndarray
    negated: np.ndarray
    numbers: list[frozenset[str]]


def represent(
    texts: Sequence[str],
    *,
    stats: IdfStats | None = None,
    normalised: Sequence[str] | None = None,
) -> TextRepresentations:
    """Everything :func:`score_pairs` needs about each text.

    IDF comes from ``stats`` (see :func:`fit_idf`), by default fitted on ``texts`` itself.
    ``normalised`` may pass ``normalise(text)`` of each text when already computed.
    """
    prepared = _prepare(texts, normalised)
    families = char_ngram_families(prepared.normalised, _CHAR_CONFIGS)
    normalised = prepared.normalised
    n_docs = len(texts)
    sparse: dict[str, sp.csr_matrix] = {}
    for name, counts in families.items():
        if stats is None:  # document frequency over these texts: each row counts once
            idf = _idf(np.bincount(counts.indices, minlength=counts.shape[1]), n_docs)
        else:
            idf = _idf(stats.char_df[name], stats.n_docs)
        sparse[name] = _weighted(counts, idf)
        if name == "char":
            sparse["char_tf"] = _weighted(counts, None)
    lemma_idf = np.zeros(0, dtype=np.float32)
    lemma_counts = sp.csr_matrix((n_docs, 1), dtype=np.float32)
    for name in _WORD_CONFIGS:
        if stats is None:
            # One pass builds the vocabulary (in order of first appearance, as IdfStats
            # would) and the counts; document frequencies come from the matrix.
            counts, _ = _word_matrix(prepared.words[name], {}, np.zeros(0), n_docs)
            idf = _idf(np.bincount(counts.indices, minlength=counts.shape[1]), n_docs)
        else:
            counts, idf = _word_matrix(
                prepared.words[name], stats.vocab[name], stats.word_df[name], stats.n_docs
            )
        sparse[name] = _weighted(counts, idf)
        if name == "lemma":
            lemma_counts, lemma_idf = counts, idf
    token_sets = [frozenset(t.split()) for t in normalised]
    return TextRepresentations(
        normalised=normalised,
        sparse=sparse,
        lemma_sets=[
            frozenset(lemma_counts.indices[lemma_counts.indptr[r] : lemma_counts.indptr[r + 1]])
            for r in range(n_docs)
        ],
        lemma_idf=lemma_idf,
        token_counts=np.fromiter((len(t) for t in token_sets), dtype=np.float64, count=n_docs),
        negated=np.fromiter((bool(t & _NEGATIONS) for t in token_sets), dtype=bool, count=n_docs),
        numbers=[frozenset(w for w in t if w.isdigit()) for t in token_sets],
    )
