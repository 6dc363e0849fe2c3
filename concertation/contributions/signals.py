"""Vote counts kept true when a voter is deleted outright.

Votes are written and removed by `contributions.services`, which keeps the counts on each
contribution. Erasure of personal data only anonymises, so votes stay. But an account or a
registration deleted outright (the admin, the deletion of a day) takes its votes with it by
cascade, past the services: the contributions it voted on are recounted once that commits."""

from __future__ import annotations

from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import pre_delete

from concertation.contributions.models import Vote
from concertation.registrations.models import Registration


def _recount_after(sender, instance, using, **kwargs) -> None:
    from concertation.contributions.services import recount_votes

    voter = "registration" if sender is Registration else "user"
    ids = list(Vote.objects.using(using).filter(**{voter: instance})
               .values_list("contribution_id", flat=True).distinct())
    if ids:
        transaction.on_commit(partial(recount_votes, ids), using=using)


def connect() -> None:
    for model in (get_user_model(), Registration):
        pre_delete.connect(_recount_after, sender=model,
                           dispatch_uid=f"contributions.recount_after.{model._meta.label}")
