"""What every registration service shares: its errors, the day's row lock, the rule of
workshops chosen together, queuing a mail."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError

from concertation.core import outbox
from concertation.events.models import Event, Workshop
from concertation.registrations.models import (
    Registration,
)


class RegistrationError(ValidationError):
    """A sign-up or change that cannot be made; its message is shown as is."""


class AlreadyRegistered(RegistrationError):
    """Shown as is to the secretariat only: the public form answers as for a new sign-up and
    mails the owner instead (`remind_registered`), so that it tells nobody who registered."""

    def __init__(self, registration: Registration):
        super().__init__(
            "Cette adresse électronique est déjà inscrite à cette journée : aucune seconde "
            "place n’a été prise. Vous pouvez recevoir à nouveau votre confirmation."
        )
        self.registration = registration


class RateLimited(RegistrationError):
    pass


def _lock(event: Event) -> Event:
    # The day's row only, not its campaign's: other days of the campaign go on.
    return Event.objects.select_for_update(of=("self",)).select_related("campaign").get(
        pk=event.pk)


def send_email(registration: Registration, kind: str) -> None:
    if not registration.email:
        return
    outbox.send(kind, registration=registration)


def validate_workshops(event: Event, workshops: Sequence[Workshop]) -> None:
    if any(w.event_id != event.pk for w in workshops):
        raise RegistrationError("Cet atelier n’appartient pas à cette journée.")
    slots = [w.starts_at for w in workshops]
    if len(slots) != len(set(slots)):
        raise RegistrationError("Choisissez un seul atelier par créneau horaire.")
