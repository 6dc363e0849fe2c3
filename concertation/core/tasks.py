"""The path that e-mail deliveries queued before the task moved into `core/outbox.py` still
name (`concertation.core.tasks.deliver_email`): the worker finds them here."""

from concertation.core.outbox import deliver_email

__all__ = ["deliver_email"]
