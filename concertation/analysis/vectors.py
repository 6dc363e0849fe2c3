"""Document vectors: lemma TF-IDF + truncated SVD (LSA), and a pluggable embedding backend.

The TF-IDF matrix is built directly (not through sklearn's vectorisers) so that the
lemmatisation memo is shared and a million documents fit in a few hundred megabytes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

from .text import Lemmatizer

__all__ = [
    "EmbeddingBackend",
    "LsaBackend",
    "OpenAIEmbeddingBackend",
    "SentenceTransformerBackend",
    "backend_from_environment",
    "TermMatrix",
    "build_term_matrix",
    "l2_normalise_rows",
    "tfidf",
]


@dataclass(frozen=True)
class TermMatrix:
    """Raw term counts (documents × lemma keys, float32) and the vocabulary."""

    counts: sp.csr_matrix
    vocabulary: list[str]
    lemmatizer: Lemmatizer

    def display(self, index: int) -> str:
        return " ".join(self.lemmatizer.display(part) for part in self.vocabulary[index].split())


def build_term_matrix(
    texts: Sequence[str],
    *,
    lemmatizer: Lemmatizer | None = None,
    bigrams: bool = True,
    min_df: int = 2,
    max_df_ratio: float = 0.5,
    max_features: int = 50_000,
) -> TermMatrix:
    """Count lemma unigrams (and bigrams of consecutive content lemmas) per document."""
    lem = lemmatizer or Lemmatizer()
    index: dict[str, int] = {}
    setdefault = index.setdefault
    lengths: list[int] = []
    chunks: list[np.ndarray] = []
    buffer: list[int] = []
    extend = buffer.extend
    for text in texts:
        keys = lem.keys(text)
        # Comprehensions rather than appends in loops: this runs once per document.
        ids = [setdefault(k, len(index)) for k in keys]
        if bigrams:
            ids += [
                setdefault(a + " " + b, len(index))
                for a, b in zip(keys, keys[1:], strict=False)
                if a != b
            ]
        extend(ids)
        lengths.append(len(ids))
        if len(buffer) >= 2_000_000:
            chunks.append(np.asarray(buffer, dtype=np.int32))
            buffer = []
            extend = buffer.extend
    chunks.append(np.asarray(buffer, dtype=np.int32))
    indices = np.concatenate(chunks)
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=indptr[1:])
    n_vocab = max(len(index), 1)
    data = np.ones(len(indices), dtype=np.float32)
    counts = sp.csr_matrix((data, indices, indptr), shape=(len(texts), n_vocab))
    counts.sum_duplicates()
    # Document frequency pruning: drop hapaxes (noise, typos) and near-ubiquitous terms.
    df = np.bincount(counts.indices, minlength=n_vocab)
    n_docs = max(len(texts), 1)
    keep = (df >= min(min_df, max(1, n_docs // 2))) & (df <= max(1.0, max_df_ratio * n_docs))
    if keep.sum() > max_features:
        order = np.argsort(-df, kind="stable")
        top = np.zeros_like(keep)
        top[order[:max_features]] = True
        keep &= top
    kept = np.flatnonzero(keep)
    vocabulary_all = [""] * len(index)
    for term, j in index.items():
        vocabulary_all[j] = term
    counts = counts[:, kept].tocsr() if len(index) else counts
    return TermMatrix(
        counts=counts,
        vocabulary=[vocabulary_all[j] for j in kept] if len(index) else [],
        lemmatizer=lem,
    )


def tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Sublinear TF × smoothed IDF, rows L2-normalised (float32)."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
    idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)
    out = counts.astype(np.float32, copy=True)
    np.log1p(out.data, out=out.data)
    out.data += 0.0
    out.data *= idf[out.indices]
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    out.data /= np.repeat(norms, np.diff(out.indptr)).astype(np.float32)
    return out


def l2_normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: np.ndarray = (matrix / norms).astype(np.float32, copy=False)
    return normalised


@runtime_checkable
class EmbeddingBackend(Protocol):
    """Turns texts into dense, L2-normalised vectors (one row per text)."""

    name: str

    def embed(self, texts: Sequence[str], *, seed: int = 0) -> np.ndarray: ...


class LsaBackend:
    """Default backend: lemma TF-IDF reduced by truncated SVD (latent semantic analysis).

    SVD is fitted on a seeded sample (at most ``fit_sample`` documents) and applied to all,
    which keeps a million documents within a few minutes and a few gigabytes.
    """

    name = "tfidf-svd"

    def __init__(
        self,
        *,
        dimensions: int = 100,
        fit_sample: int = 40_000,
        bigrams: bool = True,
        lemmatizer: Lemmatizer | None = None,
    ) -> None:
        self.dimensions = dimensions
        self.fit_sample = fit_sample
        self.bigrams = bigrams
        self.lemmatizer = lemmatizer or Lemmatizer()
        self.terms: TermMatrix | None = None
        self.weights: sp.csr_matrix | None = None

    def embed(self, texts: Sequence[str], *, seed: int = 0) -> np.ndarray:
        self.terms = build_term_matrix(texts, lemmatizer=self.lemmatizer, bigrams=self.bigrams)
        self.weights = tfidf(self.terms.counts)
        return self.reduce(self.weights, seed=seed)

    def reduce(self, weights: sp.csr_matrix, *, seed: int) -> np.ndarray:
        n_docs, n_terms = weights.shape
        dims = min(self.dimensions, n_terms - 1, n_docs - 1)
        if dims < 2:
            dense = weights.toarray().astype(np.float32) if n_terms else np.zeros((n_docs, 1))
            return l2_normalise_rows(np.asarray(dense, dtype=np.float32))
        rng = np.random.default_rng(seed)
        if n_docs > self.fit_sample:
            sample = np.sort(rng.choice(n_docs, size=self.fit_sample, replace=False))
            fit_on = weights[sample]
        else:
            fit_on = weights
        svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=5, random_state=seed)
        svd.fit(fit_on)
        components = svd.components_.astype(np.float32)
        out = np.empty((n_docs, dims), dtype=np.float32)
        step = 50_000
        for start in range(0, n_docs, step):
            out[start : start + step] = weights[start : start + step] @ components.T
        return l2_normalise_rows(out)


class SentenceTransformerBackend:
    """Optional backend for a *locally installed* sentence-embedding model.

    Requires the ``sentence-transformers`` package and a model directory already on disk;
    downloads are disabled (``local_files_only``) so that nothing is fetched at run time.
    """

    name = "sentence-transformers"

    def __init__(self, model_path: str | Path, *, batch_size: int = 64) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise ValueError(f"modèle d'embeddings introuvable : {path}")
        if importlib.util.find_spec("sentence_transformers") is None:
            raise ValueError("le paquet sentence-transformers n'est pas installé")
        self.model_path = path
        self.batch_size = batch_size

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec("sentence_transformers") is not None

    def embed(self, texts: Sequence[str], *, seed: int = 0) -> np.ndarray:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(self.model_path), local_files_only=True)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return l2_normalise_rows(np.asarray(vectors, dtype=np.float32))


class OpenAIEmbeddingBackend:
    """Optional backend for an OpenAI-compatible embeddings API (``POST {url}/embeddings``),
    such as the State's Albert API or a self-hosted server (vLLM, text-embeddings-inference).

    Standard library only (urllib). Texts are sent in batches; the vectors come back in the
    order of the texts (by the ``index`` of each answer) and are L2-normalised. Any failure
    (network, HTTP status, malformed answer) raises ValueError with a French message: the
    engine never falls back silently to another representation.
    """

    name = "openai-compatible"

    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key: str | None = None,
        batch_size: int = 64,
        timeout: float = 60.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"adresse d'API d'embeddings invalide : {url!r} (http:// ou https://)")
        if not model:
            raise ValueError("nom de modèle d'embeddings manquant")
        self.url = url.rstrip("/") + "/embeddings"
        self.model = model
        self.api_key = api_key
        self.batch_size = max(1, batch_size)
        self.timeout = timeout

    def _post(self, batch: list[str]) -> list[list[float]]:
        body = json.dumps({"model": self.model, "input": batch}).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise ValueError(f"l'API d'embeddings a répondu {error.code} ({self.url})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ValueError(f"API d'embeddings injoignable ({self.url}) : {reason}") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError(f"réponse illisible de l'API d'embeddings ({self.url})") from None
        try:
            items = sorted(answer["data"], key=lambda item: item["index"])
            vectors = [item["embedding"] for item in items]
        except (KeyError, TypeError):
            raise ValueError(f"réponse inattendue de l'API d'embeddings ({self.url})") from None
        if len(vectors) != len(batch):
            raise ValueError(
                f"l'API d'embeddings a rendu {len(vectors)} vecteurs pour {len(batch)} textes"
            )
        return vectors

    def embed(self, texts: Sequence[str], *, seed: int = 0) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            # An empty string is refused by some servers: a space embeds as "nothing".
            rows.extend(
                self._post(
                    [t if t.strip() else " " for t in texts[start : start + self.batch_size]]
                )
            )
        if not rows:
            return np.zeros((0, 1), dtype=np.float32)
        try:
            matrix = np.asarray(rows, dtype=np.float32)
        except ValueError:
            raise ValueError(
                "l'API d'embeddings a rendu des vecteurs de tailles différentes"
            ) from None
        if matrix.ndim != 2 or not np.isfinite(matrix).all():
            raise ValueError("l'API d'embeddings a rendu des vecteurs invalides")
        return l2_normalise_rows(matrix)


def backend_from_environment(environ: Mapping[str, str] | None = None) -> EmbeddingBackend:
    """The backend a deployment configured, the offline default otherwise.

    ``CONCERTATION_EMBEDDINGS_URL`` (an OpenAI-compatible API's base address, the one that
    ends in ``/v1``, such as the Albert API's) with ``CONCERTATION_EMBEDDINGS_MODEL`` and,
    if the API needs one, ``CONCERTATION_EMBEDDINGS_API_KEY``; or
    ``CONCERTATION_EMBEDDINGS_LOCAL_MODEL``, the folder of an installed sentence-transformers
    model. Neither set: :class:`LsaBackend` (no network, no extra package).
    """
    env = os.environ if environ is None else environ
    url = env.get("CONCERTATION_EMBEDDINGS_URL", "").strip()
    local = env.get("CONCERTATION_EMBEDDINGS_LOCAL_MODEL", "").strip()
    if url and local:
        raise ValueError(
            "CONCERTATION_EMBEDDINGS_URL et CONCERTATION_EMBEDDINGS_LOCAL_MODEL sont "
            "exclusifs : choisissez l'un des deux"
        )
    if url:
        model = env.get("CONCERTATION_EMBEDDINGS_MODEL", "").strip()
        if not model:
            raise ValueError("CONCERTATION_EMBEDDINGS_URL demande CONCERTATION_EMBEDDINGS_MODEL")
        return OpenAIEmbeddingBackend(
            url, model, api_key=env.get("CONCERTATION_EMBEDDINGS_API_KEY", "").strip() or None
        )
    if local:
        return SentenceTransformerBackend(local)
    return LsaBackend()
