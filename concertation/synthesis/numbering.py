"""The number of each proposal of a synthesis, the same in every format of the transmission
package (PDF, DOCX, ODT, XLSX, open data) and on the public page.

Proposals validated by the CRSA come first, by national theme in the campaign's order (those
without a theme last), each theme by place in the synthesis; then the others (rejected,
postponed, undecided) by the same order. Sorted here rather than by the database: NULLs (no
theme) sort first on SQLite and last on PostgreSQL, which once numbered the PDF 18, 19, 1…"""

from __future__ import annotations

from collections.abc import Iterable

from concertation.synthesis.models import Decision

VALIDATED_OUTCOMES = (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED)


def sort_key(*, pk: int, position: int, theme_id: int | None, theme_position: int | None,
             outcome: str | None) -> tuple:
    return (outcome not in VALIDATED_OUTCOMES, theme_id is None, theme_position or 0,
            theme_id or 0, position, pk)


def numbers(rows: Iterable[tuple[int, int, int | None, int | None, str | None]]
            ) -> dict[int, int]:
    """{group id: number from 1} for rows of (id, position, theme id, theme position,
    decision outcome) of the accepted groups of one synthesis."""
    ordered = sorted(rows, key=lambda r: sort_key(pk=r[0], position=r[1], theme_id=r[2],
                                                  theme_position=r[3], outcome=r[4]))
    return {row[0]: i for i, row in enumerate(ordered, start=1)}
