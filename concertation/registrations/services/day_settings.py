"""The one write path of a day's settings (issue 18): the organiser's scope checked, the row
locked, and the public content version bumped (the accessibility declaration is on the day's
public page)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from concertation.accounts.scope import Scope
from concertation.core.public_cache import bump_public_content
from concertation.events.models import Event
from concertation.registrations.models import DaySettings
from concertation.registrations.services.base import RegistrationError

FIELDS = ("reminder_days", "data_protection_text", "step_free_access", "induction_loop",
          "sign_language", "accessibility_notes", "signatory_name", "signatory_role")


@transaction.atomic
def save_settings(*, scope: Scope, event: Event, user: User,
                  values: dict[str, Any]) -> DaySettings:
    if not scope.can_manage_event(event):
        raise RegistrationError("Cette journée n’est pas dans votre périmètre.")
    DaySettings.objects.get_or_create(event=event)
    row = DaySettings.objects.select_for_update().get(event=event)
    for name in FIELDS:
        setattr(row, name, values[name])
    row.updated_by = user
    row.save()
    bump_public_content()
    return row
