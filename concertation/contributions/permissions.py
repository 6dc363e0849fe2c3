"""Who may facilitate a workshop: its facilitators, and the organisers of the day's territory."""

from __future__ import annotations

from concertation.accounts.scope import scope_for
from concertation.contributions.models import Facilitation
from concertation.events.models import Workshop


def can_facilitate(user, workshop: Workshop) -> bool:
    if not user.is_authenticated:
        return False
    if Facilitation.objects.filter(user=user, workshop=workshop).exists():
        return True
    return scope_for(user).can_manage_event(workshop.event)
