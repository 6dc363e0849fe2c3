"""What this app tells the apps above it, without importing them.

`transmitted` is sent by `services.transition` when a synthesis becomes « transmise », with
its row locked and inside its transaction: a receiver's writes commit or roll back with the
transmission, and an exception from a receiver refuses it. The national inbox
(`national.apps`) is the one receiver."""

from django.dispatch import Signal

# Arguments: synthesis (the locked row, its transmitted_at set), user.
transmitted = Signal()
