"""The label lifecycle of a project: every allowed transition, in one table."""

from __future__ import annotations

from concertation.core.lifecycle import Lifecycle, Transition
from concertation.projects.models import ProjectState as S
from concertation.projects.models import ProjectTransition

LIFECYCLE = Lifecycle(S, (
    Transition(S.PROPOSED, S.LABELLED, "Labelliser"),
    Transition(S.LABELLED, S.IN_PROGRESS, "Démarrer le projet"),
    Transition(S.IN_PROGRESS, S.DELIVERED, "Marquer comme réalisé"),
    Transition(S.PROPOSED, S.ABANDONED, "Abandonner", needs_reason=True),
    Transition(S.LABELLED, S.ABANDONED, "Abandonner", needs_reason=True),
    Transition(S.IN_PROGRESS, S.ABANDONED, "Abandonner", needs_reason=True),
), log=ProjectTransition, subject="project",
    reason_message="Indiquez le motif de l’abandon : il sera affiché au public.")
