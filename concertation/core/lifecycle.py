"""The one lifecycle helper: an app lists its allowed transitions in a `Lifecycle` table (its
`workflow.py`) and moves an object through `Lifecycle.apply`, which checks the table, writes
the app's log row and the audit trail's entry (`core/audit.py`), sets the state and bumps
the public content version.

Adding a state to an app touches that app's `workflow.py` (and the state's choice in its
model), nothing else: the buttons, the checks and the log all read the table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from concertation.core import audit
from concertation.core.public_cache import bump_public_content


class TransitionNotAllowed(ValidationError):
    pass


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    action: str  # the button label in the back-office
    help: str = ""  # what the button does, shown next to it
    needs_reason: bool = False
    # For a step that cannot be undone: what the confirmation page says will happen, the title
    # it completes (« Confirmer : … ») and its button. Empty for a step that can be undone.
    consequences: tuple[str, ...] = ()
    confirm_title: str = ""
    confirm_label: str = ""


@dataclass(frozen=True)
class Lifecycle:
    """An app's table of transitions and where its moves are logged.

    `log` is the app's transition log model (`from_state`, `to_state`, `user` and the
    `reason_field`), linked to the object by `subject`; None for a lifecycle without a log.
    `reason_message` is the French refusal when a step that needs a reason has none.
    `audit_action` is the audit trail's code for a move (default `app.model.transition`)."""

    states: type[models.TextChoices]
    transitions: tuple[Transition, ...]
    log: type[models.Model] | None = None
    subject: str = ""
    reason_field: str = "reason"
    reason_message: str = "Indiquez le motif."
    audit_action: str = ""
    _by_pair: dict[tuple[str, str], Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_pair: dict[tuple[str, str], Transition] = {}
        for t in self.transitions:
            if (t.source, t.target) in by_pair:
                raise ValueError(f"Transition listed twice: {t.source} → {t.target}")
            if t.source not in self.states.values or t.target not in self.states.values:
                raise ValueError(f"Unknown state in transition {t.source} → {t.target}")
            by_pair[(t.source, t.target)] = t
        object.__setattr__(self, "_by_pair", by_pair)

    def __iter__(self):
        return iter(self.transitions)

    def find(self, source: str, target: str) -> Transition | None:
        return self._by_pair.get((source, target))

    def is_allowed(self, source: str, target: str) -> bool:
        return (source, target) in self._by_pair

    def allowed_targets(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state]

    def needs_reason(self, source: str, target: str) -> bool:
        step = self.find(source, target)
        return bool(step and step.needs_reason)

    @property
    def final_states(self) -> frozenset[str]:
        """The states no transition leaves."""
        sources = {t.source for t in self.transitions}
        return frozenset(s for s in self.states.values if s not in sources)

    def label(self, state: str) -> str:
        return str(self.states(state).label) if state in self.states.values else state

    def with_transitions(self, extra: Iterable[Transition]) -> Lifecycle:
        """A copy of this table with more transitions (for tests and for apps that extend
        another's table)."""
        return Lifecycle(self.states, (*self.transitions, *extra), log=self.log,
                         subject=self.subject, reason_field=self.reason_field,
                         reason_message=self.reason_message, audit_action=self.audit_action)

    def check(self, source: str, target: str, reason: str = "", *,
              error: type[ValidationError] = TransitionNotAllowed) -> Transition:
        """The step from `source` to `target`, or `error` in French: not in the table, or its
        reason missing."""
        step = self.find(source, target)
        if step is None:
            raise error(f"Passage impossible de « {self.label(source)} » à "
                        f"« {self.label(target)} ».")
        if step.needs_reason and not (reason or "").strip():
            raise error(self.reason_message)
        return step

    def apply(self, locked: Any, target: str, *, user: Any, reason: str = "",
              error: type[ValidationError] = TransitionNotAllowed, checked: bool = True,
              update_fields: Iterable[str] = (), save: bool = True,
              bump: bool = True) -> Transition | None:
        """Move `locked` (a row its service locked, in its transaction) to `target`: check the
        table (`checked=False` only for the moves a service makes on purpose outside it, such
        as a merge), write the log row and the audit entry, set and save the state (with
        `update_fields`, which the caller set on the object) and bump the public content
        version.

        Returns the step taken (None for an unchecked move)."""
        source = locked.state
        reason = (reason or "").strip()
        step = self.check(source, target, reason, error=error) if checked else None
        if self.log is not None:
            self.log._default_manager.create(**{
                self.subject: locked, "from_state": source, "to_state": target, "user": user,
                self.reason_field: reason})
        meta = locked._meta
        summary = f"{self.label(source)} → {self.label(target)}"
        audit.record(self.audit_action or f"{meta.app_label}.{meta.model_name}.transition",
                     locked, user=user, summary=summary + (f" — {reason}" if reason else ""),
                     details={"from": source, "to": target, "reason": reason}
                     if reason else {"from": source, "to": target})
        locked.state = target
        if save:
            fields = ["state", *update_fields]
            if any(f.name == "updated_at" for f in locked._meta.concrete_fields):
                fields.append("updated_at")
            locked.save(update_fields=fields)
        if bump:
            bump_public_content()
        return step


def lock[M: models.Model](obj: M) -> M:
    """The row of `obj` again, locked until the end of the transaction."""
    return type(obj)._default_manager.select_for_update(of=("self",)).get(pk=obj.pk)
