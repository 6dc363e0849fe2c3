"""French full-text search: PostgreSQL's `french` configuration (stemming, stop words), with a
plain word match on SQLite so a laptop install still finds things."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet


# The expression the GIN index of migration 0002 is built on: queries must use the same.
def _vector():
    from django.contrib.postgres.search import SearchVector

    return SearchVector("text", config="french")


def search(contributions: QuerySet, query: str) -> QuerySet:
    query = query.strip()
    if not query:
        return contributions
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        return contributions.annotate(search=_vector()).filter(
            search=SearchQuery(query, config="french", search_type="websearch")
        )
    condition = Q()
    for word in query.split()[:10]:
        condition &= Q(text__icontains=word) | Q(title__icontains=word)
    return contributions.filter(condition)
