"""Embedding backends other than the default: an OpenAI-compatible API (served here on
loopback by a small fake that embeds texts by the themes they mention) and the choice
made from environment variables."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from concertation.analysis.cluster import cluster_texts
from concertation.analysis.vectors import (
    LsaBackend,
    OpenAIEmbeddingBackend,
    SentenceTransformerBackend,
    backend_from_environment,
)

THEMES = ["médecin", "transport", "école"]


class FakeEmbeddings(BaseHTTPRequestHandler):
    """POST /v1/embeddings: one vector per input, the counts of each theme word plus a
    little seeded noise; answers in reverse order, as the API allows (by ``index``)."""

    requests: list[dict] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), **body}
        )
        if type(self).status != 200:
            self.send_response(type(self).status)
            self.end_headers()
            return
        data = []
        for i, text in enumerate(body["input"]):
            rng = np.random.default_rng(len(text))
            vector = [text.count(word) + 0.05 * rng.random() for word in THEMES]
            data.append({"object": "embedding", "index": i, "embedding": vector})
        payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def api() -> Iterator[str]:
    FakeEmbeddings.requests = []
    FakeEmbeddings.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEmbeddings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/"
    server.shutdown()
    server.server_close()


def _texts() -> tuple[list[str], list[int]]:
    texts, truth = [], []
    for t, word in enumerate(THEMES):
        for i in range(12):
            texts.append(f"Proposition {i} sur le {word} " + "et encore " * (i % 3))
            truth.append(t)
    return texts, truth


def test_openai_compatible_backend_groups_by_its_vectors(api: str) -> None:
    texts, truth = _texts()
    backend = OpenAIEmbeddingBackend(api, "bge-m3", api_key="secret", batch_size=10)
    result = cluster_texts(texts, n_groups=3, seed=0, backend=backend, detect_duplicates=False)
    assert adjusted_rand_score(truth, result.labels(len(texts))) == 1.0
    assert result.parameters["backend"] == "openai-compatible"
    # Four batches of at most 10, to /v1/embeddings, with the model and the key.
    assert [len(r["input"]) for r in FakeEmbeddings.requests] == [10, 10, 10, 6]
    assert {r["path"] for r in FakeEmbeddings.requests} == {"/v1/embeddings"}
    assert {r["model"] for r in FakeEmbeddings.requests} == {"bge-m3"}
    assert {r["auth"] for r in FakeEmbeddings.requests} == {"Bearer secret"}
    vectors = backend.embed(texts[:3])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0].argmax() == 0  # answers put back in the order of the texts


def test_openai_compatible_backend_failures_are_french_errors(api: str) -> None:
    FakeEmbeddings.status = 503
    with pytest.raises(ValueError, match="a répondu 503"):
        OpenAIEmbeddingBackend(api, "m").embed(["un texte"])
    with pytest.raises(ValueError, match="injoignable"):
        OpenAIEmbeddingBackend("http://127.0.0.1:9/v1", "m", timeout=2).embed(["un texte"])
    with pytest.raises(ValueError, match="invalide"):
        OpenAIEmbeddingBackend("albert/v1", "m")


def test_backend_from_environment() -> None:
    assert isinstance(backend_from_environment({}), LsaBackend)
    chosen = backend_from_environment(
        {
            "CONCERTATION_EMBEDDINGS_URL": "https://api.example.org/v1",
            "CONCERTATION_EMBEDDINGS_MODEL": "embeddings-small",
            "CONCERTATION_EMBEDDINGS_API_KEY": "k",
        }
    )
    assert isinstance(chosen, OpenAIEmbeddingBackend)
    assert (chosen.url, chosen.model, chosen.api_key) == (
        "https://api.example.org/v1/embeddings",
        "embeddings-small",
        "k",
    )
    with pytest.raises(ValueError, match="CONCERTATION_EMBEDDINGS_MODEL"):
        backend_from_environment({"CONCERTATION_EMBEDDINGS_URL": "https://api.example.org/v1"})
    with pytest.raises(ValueError, match="exclusifs"):
        backend_from_environment(
            {
                "CONCERTATION_EMBEDDINGS_URL": "https://api.example.org/v1",
                "CONCERTATION_EMBEDDINGS_LOCAL_MODEL": "/models/minilm",
            }
        )
    if not SentenceTransformerBackend.available():
        with pytest.raises(ValueError):
            backend_from_environment({"CONCERTATION_EMBEDDINGS_LOCAL_MODEL": "/nonexistent"})


def test_command_line_uses_the_api_with_the_key_from_the_environment(api: str, tmp_path) -> None:
    import csv
    import os
    import subprocess
    import sys

    texts, truth = _texts()
    path = tmp_path / "contributions.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([str(i), t] for i, t in enumerate(texts))
    out = tmp_path / "out.json"
    command = [sys.executable, "-m", "concertation.analysis", "cluster", str(path),
               "--groups", "3", "--no-duplicates", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "CONCERTATION_EMBEDDINGS_API_KEY": "from-env"}
    done = subprocess.run(
        [*command, "--embeddings-url", api, "--embeddings-model", "m"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["parameters"]["backend"] == "openai-compatible"
    groups = {m: g["id"] for g in payload["groups"] for m in g["members"]}
    assert adjusted_rand_score(truth, [groups[str(i)] for i in range(len(texts))]) == 1.0
    assert {r["auth"] for r in FakeEmbeddings.requests} == {"Bearer from-env"}
    missing = subprocess.run([*command, "--embeddings-url", api], capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "erreur : --embeddings-url demande --embeddings-model"
    FakeEmbeddings.status = 500
    failed = subprocess.run(
        [*command, "--embeddings-url", api, "--embeddings-model", "m"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert failed.returncode == 2 and "a répondu 500" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
