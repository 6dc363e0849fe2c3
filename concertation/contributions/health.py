"""A warning when a text seems to reveal someone's health condition.

Contributions are public: a sentence such as « ma voisine a un cancer » discloses health data
about a person (RGPD article 9). This check is deliberately simple and explainable: it looks
for a health condition near a personal reference, warns the author before publication, and
flags the contribution for the moderators, who decide."""

from __future__ import annotations

import re
import unicodedata

CONDITIONS = (
    "cancer", "tumeur", "diabete", "diabetique", "vih", "sida", "seropositi", "hepatite",
    "alzheimer", "parkinson", "sclerose", "epilep", "schizophren", "bipolaire", "depression",
    "depressi", "autis", "handicap", "psychiatri", "dialyse", "chimio", "avc", "infarctus",
    "maladie de", "atteint d", "atteinte d", "enceinte", "ivg", "addiction", "alcoolique",
    "toxicomane", "anorex", "suicid",
)
PERSONAL = (
    r"\bje\b", r"\bj'", r"\bmon\b", r"\bma\b", r"\bmes\b", r"\bmoi\b", r"\bmonsieur\b",
    r"\bmadame\b", r"\bm\.\s*[a-z]", r"\bmme\b", r"\bmon fils\b", r"\bma fille\b",
    r"\bvoisin", r"\bpatient[e]? [A-Z]",
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower()).replace("’", "'")
    return "".join(c for c in text if not unicodedata.combining(c))


def health_details(text: str) -> list[str]:
    """The health terms found in a text that also speaks of a person; empty if none."""
    folded = _fold(text)
    if not any(re.search(pattern, folded) for pattern in PERSONAL):
        return []
    return sorted({term.strip() for term in CONDITIONS if term in folded})
