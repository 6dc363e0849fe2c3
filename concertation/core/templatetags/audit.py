"""`{% history object %}`: the object's history from the audit trail (`core/audit.py`), one
shared block for every back-office page, in one query whatever the object. The page showing
it is gated as the object is (`role_required` and `within(scope)`), so whoever can manage
the object sees its history, and nobody else."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from concertation.core import audit

register = template.Library()


@register.inclusion_tag("includes/history.html")
def history(obj: models.Model, title: str = "Historique") -> dict[str, Any]:
    entries = audit.history(obj)
    return {"entries": entries[:audit.HISTORY_LENGTH], "title": title,
            "more": len(entries) > audit.HISTORY_LENGTH, "length": audit.HISTORY_LENGTH}
