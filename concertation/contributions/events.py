"""What this app tells the apps above it, without importing them (`signals.py` holds this
app's own receivers).

`published` is sent by the lifecycle when a contribution becomes « publiée », inside its
transaction (the organisers' webhooks listen)."""

from django.dispatch import Signal

# Arguments: contribution (its state set).
published = Signal()
