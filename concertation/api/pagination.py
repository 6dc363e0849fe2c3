"""Cursor pagination with a stable order (keyset): the cursor holds the last row's values of
the ordering fields, and the next page is the rows strictly after them. A page costs the same
at the millionth row as at the first, and rows inserted meanwhile neither repeat nor skip
rows of the order already read (an offset would)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import GeneratedField, Model, Q, QuerySet

BAD_CURSOR = "Curseur invalide : reprenez l’adresse « next » de la page précédente."


def _encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise ValidationError(BAD_CURSOR) from error
    if not isinstance(values, list) or len(values) != count:
        raise ValidationError(BAD_CURSOR)
    return values


def _after(model: type[Model], ordering: Sequence[str], values: list[Any]) -> Q:
    """Rows after `values` in `ordering`: (a > va) or (a = va and b > vb) or …"""
    condition = Q()
    equal = Q()
    for name, raw in zip(ordering, values, strict=True):
        field_name = name.lstrip("-")
        field = model._meta.get_field(field_name)
        if isinstance(field, GeneratedField):
            field = field.output_field
        try:
            value = field.to_python(raw) if raw is not None else None
        except (ValidationError, TypeError, ValueError) as error:
            raise ValidationError(BAD_CURSOR) from error
        if value is None:
            raise ValidationError(BAD_CURSOR)
        lookup = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field_name}__{lookup}": value})
        equal &= Q(**{field_name: value})
    return condition


def keyset_page[M: Model](queryset: QuerySet[M], ordering: Sequence[str], cursor: str | None,
                          limit: int) -> tuple[list[M], str | None]:
    """One page of `queryset` in `ordering` (whose last field must be unique, the id), and
    the cursor of the next page, None on the last. Its fields must never be null."""
    if cursor:
        queryset = queryset.filter(_after(queryset.model, ordering,
                                          _decode(cursor, len(ordering))))
    rows = list(queryset.order_by(*ordering)[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if not more or not rows:
        return rows, None
    last = rows[-1]
    return rows, _encode([getattr(last, name.lstrip("-")) for name in ordering])


def next_url(request, cursor: str | None) -> str | None:
    """The full URL of the page after `cursor` (None on the last page)."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return settings.SITE_URL + request.path + "?" + query.urlencode()
