"""Numbers typed in a request (a query string, a form field read by hand), parsed once.

`int()` and `str.isdigit()` are both wrong on hostile input: `"²".isdigit()` is true but
`int("²")` raises, `int("٣")` is 3, and a 20-digit id passes both yet overflows SQLite's and
PostgreSQL's 64-bit integers (a 500 from the database driver). Here only ASCII digits are
numbers, and only within the bounds the caller gives (by default what an id column holds).
A bad value reads as `default`: a filter is ignored, an id finds nothing (a 404 or a French
message in the view), never a 500."""

from __future__ import annotations

from collections.abc import Iterable

# The largest value of a 64-bit signed integer: PostgreSQL's bigint, SQLite's INTEGER.
MAX_BIGINT = 2**63 - 1
# PostgreSQL's integer, the column behind Django's IntegerField and PositiveIntegerField.
MAX_INT = 2**31 - 1


def int_param(value, default=None, *, min: int = 0, max: int = MAX_BIGINT):
    """`value` (a string from GET or POST, or None) as an int within [min, max], else
    `default`. An optional leading minus sign is accepted when `min` is negative."""
    if value is None:
        return default
    text = str(value).strip()
    digits = text[1:] if text.startswith("-") and min < 0 else text
    # 19 digits hold any 64-bit integer: a longer run is refused before converting it.
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        return default
    number = int(text)
    return number if min <= number <= max else default


def int_list(values: Iterable, *, min: int = 1, max: int = MAX_BIGINT) -> list[int] | None:
    """Every value as an id within bounds, in order; None if any one is not (a tampered form:
    the caller refuses the whole selection rather than act on part of it)."""
    out = []
    for value in values:
        number = int_param(value, min=min, max=max)
        if number is None:
            return None
        out.append(number)
    return out
