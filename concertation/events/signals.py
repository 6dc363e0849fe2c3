"""What this app tells the apps above it, without importing them.

`transitioned` is sent by `services.transition` with the day's row locked, inside its
transaction, once the day has its new state (the organisers' webhooks listen for « restitution
publiée »)."""

from django.dispatch import Signal

# Arguments: event (the locked row, its new state set), from_state.
transitioned = Signal()
