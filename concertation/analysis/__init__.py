"""Text and vote analysis for consultations, independent of Django.

Usable on any CSV export: topic clustering of French contributions, near-duplicate
detection, pairwise similarity, and Pol.is-style opinion groups from votes. See
docs/analysis.md for the command line and the JSON formats.

Names are imported lazily so that the command line answers input errors at once,
without first loading scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bridging import BridgingResult, bridging_scores
    from .cluster import ClusterGroup, ClusteringResult, cluster_texts
    from .duplicates import DuplicateGroup, find_duplicates
    from .io import AnalysisError, read_csv
    from .opinions import (
        CollegeReport,
        OpinionResult,
        build_vote_matrix,
        college_consensus,
        opinion_groups,
        read_votes,
    )
    from .similarity import pair_similarity
    from .text import Lemmatizer, normalise, tokenize
    from .vectors import EmbeddingBackend, LsaBackend, SentenceTransformerBackend

_EXPORTS = {
    "BridgingResult": "bridging",
    "bridging_scores": "bridging",
    "ClusterGroup": "cluster",
    "ClusteringResult": "cluster",
    "cluster_texts": "cluster",
    "DuplicateGroup": "duplicates",
    "find_duplicates": "duplicates",
    "AnalysisError": "io",
    "read_csv": "io",
    "CollegeReport": "opinions",
    "OpinionResult": "opinions",
    "build_vote_matrix": "opinions",
    "college_consensus": "opinions",
    "opinion_groups": "opinions",
    "read_votes": "opinions",
    "pair_similarity": "similarity",
    "Lemmatizer": "text",
    "normalise": "text",
    "tokenize": "text",
    "EmbeddingBackend": "vectors",
    "LsaBackend": "vectors",
    "SentenceTransformerBackend": "vectors",
}

__all__ = [
    "AnalysisError",
    "BridgingResult",
    "ClusterGroup",
    "ClusteringResult",
    "CollegeReport",
    "DuplicateGroup",
    "EmbeddingBackend",
    "Lemmatizer",
    "LsaBackend",
    "OpinionResult",
    "SentenceTransformerBackend",
    "bridging_scores",
    "build_vote_matrix",
    "cluster_texts",
    "college_consensus",
    "find_duplicates",
    "normalise",
    "opinion_groups",
    "pair_similarity",
    "read_csv",
    "read_votes",
    "tokenize",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
