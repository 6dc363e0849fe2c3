"""What this app tells the apps above it, without importing them.

`changed` is sent by the services when a registration is created, cancelled or promoted from
the waiting list, in the transaction that writes it: the organisers' webhooks (`api`) write
their delivery rows with it, so an event is queued if and only if the change commits."""

from django.dispatch import Signal

# Arguments: registration, change ("created", "cancelled", "promoted").
changed = Signal()
