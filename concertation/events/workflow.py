"""The lifecycle of a consultation day: every allowed transition, in one table."""

from __future__ import annotations

from concertation.core.lifecycle import Lifecycle, Transition
from concertation.events.models import EventState as S
from concertation.events.models import EventTransition

# Cancelling needs a public reason, kept in the log's `note`.
LIFECYCLE = Lifecycle(S, (
    Transition(S.DRAFT, S.PUBLISHED, "Publier"),
    Transition(S.DRAFT, S.REGISTRATION_OPEN, "Publier et ouvrir les inscriptions"),
    Transition(S.PUBLISHED, S.REGISTRATION_OPEN, "Ouvrir les inscriptions"),
    Transition(S.REGISTRATION_OPEN, S.REGISTRATION_CLOSED, "Clore les inscriptions"),
    Transition(S.REGISTRATION_CLOSED, S.REGISTRATION_OPEN, "Rouvrir les inscriptions"),
    Transition(S.PUBLISHED, S.HELD, "Marquer comme tenue"),
    Transition(S.REGISTRATION_OPEN, S.HELD, "Marquer comme tenue"),
    Transition(S.REGISTRATION_CLOSED, S.HELD, "Marquer comme tenue"),
    Transition(S.HELD, S.RESTITUTION_PUBLISHED, "Publier la restitution"),
    Transition(S.DRAFT, S.CANCELLED, "Annuler", needs_reason=True),
    Transition(S.PUBLISHED, S.CANCELLED, "Annuler", needs_reason=True),
    Transition(S.REGISTRATION_OPEN, S.CANCELLED, "Annuler", needs_reason=True),
    Transition(S.REGISTRATION_CLOSED, S.CANCELLED, "Annuler", needs_reason=True),
), log=EventTransition, subject="event", reason_field="note",
    reason_message="Indiquez le motif de l’annulation : il sera affiché au public.",
    audit_action="events.day.transition")

# States in which the programme and practical details may still be edited.
EDITABLE_STATES = frozenset({S.DRAFT, S.PUBLISHED, S.REGISTRATION_OPEN, S.REGISTRATION_CLOSED})

