"""French full-text search: PostgreSQL's `french` configuration (stemming, stop words), with a
plain word match on SQLite so a laptop install still finds things."""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

# On PostgreSQL, each contribution stores its French text vector in the column
# `search_vector` (written by a trigger with the text, GIN-indexed: migration 0006); the
# model does not declare it, since SQLite has none. Only the contributions table has a column
# of that name, so it needs no table prefix in joined queries.
_MATCH = ("search_vector @@ websearch_to_tsquery('french'::regconfig, %s)")


def search(contributions: QuerySet, query: str, *, any_word: bool = False) -> QuerySet:
    """Contributions matching every word of `query` (web-search syntax on PostgreSQL), or any
    of them with `any_word`."""
    words = query.split()[:30]
    if not words:
        return contributions
    if connection.vendor == "postgresql":
        text = " or ".join(words) if any_word else query
        return contributions.filter(RawSQL(_MATCH, [text], output_field=BooleanField()))
    condition = Q()
    for word in words[:10]:
        match = Q(text__icontains=word) | Q(title__icontains=word)
        condition = (condition | match) if any_word else (condition & match)
    return contributions.filter(condition)
