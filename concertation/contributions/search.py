"""French full-text search: PostgreSQL's `french` configuration (stemming, stop words), with a
plain word match on SQLite so a laptop install still finds things."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet


# The expression the GIN index of migration 0002 is built on: queries must use the same.
def _vector():
    from django.contrib.postgres.search import SearchVector

    return SearchVector("text", config="french")


def search(contributions: QuerySet, query: str, *, any_word: bool = False) -> QuerySet:
    """Contributions matching every word of `query` (web-search syntax on PostgreSQL), or any
    of them with `any_word`."""
    words = query.split()[:30]
    if not words:
        return contributions
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        text = " or ".join(words) if any_word else query
        return contributions.annotate(search=_vector()).filter(
            search=SearchQuery(text, config="french", search_type="websearch")
        )
    condition = Q()
    for word in words[:10]:
        match = Q(text__icontains=word) | Q(title__icontains=word)
        condition = (condition | match) if any_word else (condition & match)
    return contributions.filter(condition)
