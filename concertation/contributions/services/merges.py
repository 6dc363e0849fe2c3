"""Reversible merges: votes carried to the target without counting anyone twice, and
provenance."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from concertation.contributions.models import (
    Contribution,
    ContributionState,
    Merge,
    MergeSource,
    Vote,
)
from concertation.contributions.services.lifecycle import ContributionError, _log
from concertation.contributions.services.votes import _recount
from concertation.contributions.workflow import MERGEABLE_STATES


@transaction.atomic
def merge(*, target: Contribution, sources: Sequence[Contribution], user: User,
          reason: str = "") -> Merge:
    """Merge `sources` into `target`. Each voter's vote is carried to the target unless that
    voter already voted there (nobody counts twice). Logged and reversible (`unmerge`)."""
    ids = sorted({c.pk for c in sources} | {target.pk})
    # Locked in the order of their ids, as `unmerge` does, so two merges never deadlock.
    locked = {c.pk: c for c in Contribution.objects.select_for_update().filter(pk__in=ids)
              .order_by("pk")}
    target = locked[target.pk]
    sources = [locked[c.pk] for c in sources if c.pk != target.pk]
    if not sources:
        raise ContributionError("Choisissez au moins deux contributions à fusionner.")
    for contribution in [target, *sources]:
        if contribution.state not in MERGEABLE_STATES:
            raise ContributionError(
                f"« {contribution} » ne peut pas être fusionnée dans son état "
                f"({contribution.get_state_display()})."
            )
    if any(c.campaign_id != target.campaign_id for c in sources):
        raise ContributionError("On ne fusionne que des contributions d’une même concertation.")
    record = Merge.objects.create(target=target, user=user, reason=reason.strip())
    voters_on_target = {(v.user_id, v.registration_id) for v in target.votes.all()}
    for source in sources:
        moved = []
        for source_vote in source.votes.all():
            key = (source_vote.user_id, source_vote.registration_id)
            if key in voters_on_target:
                continue
            copy = Vote.objects.create(
                contribution=target, user_id=source_vote.user_id,
                registration_id=source_vote.registration_id, value=source_vote.value,
                college=source_vote.college, created_at=source_vote.created_at,
            )
            voters_on_target.add(key)
            moved.append([copy.pk, source_vote.pk])
        MergeSource.objects.create(merge=record, contribution=source,
                                   previous_state=source.state, moved_votes=moved)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        _log(source, ContributionState.MERGED, user, f"Fusionnée dans #{target.pk}")
    _recount(target)
    return record


@transaction.atomic
def unmerge(*, merge_record: Merge, user: User) -> None:
    record = Merge.objects.select_for_update().get(pk=merge_record.pk)
    if record.undone_at is not None:
        raise ContributionError("Cette fusion a déjà été annulée.")
    source_records = list(record.sources.all())
    # The target and its sources locked in one go, in the order `merge` locks them: a vote
    # on the target waits until its copied votes are gone and its counts recounted, so the
    # recount misses no vote and no vote is changed while it is removed.
    ids = sorted({record.target_id, *(r.contribution_id for r in source_records)})
    locked = {c.pk: c for c in Contribution.objects.select_for_update().filter(pk__in=ids)
              .order_by("pk")}
    for source_record in source_records:
        Vote.objects.filter(pk__in=[pair[0] for pair in source_record.moved_votes]).delete()
        source = locked[source_record.contribution_id]
        source.merged_into = None
        source.save(update_fields=["merged_into", "updated_at"])
        _log(source, source_record.previous_state, user, f"Fusion dans #{record.target_id} annulée")
    record.undone_at, record.undone_by = timezone.now(), user
    record.save(update_fields=["undone_at", "undone_by"])
    _recount(record.target)


def provenance(contribution: Contribution) -> list[Contribution]:
    """The contribution and every contribution merged into it, however deep."""
    found, frontier = [contribution], [contribution.pk]
    while frontier:
        children = list(Contribution.objects.filter(merged_into_id__in=frontier)
                        .select_related("event", "workshop", "department", "health_territory"))
        found.extend(children)
        frontier = [c.pk for c in children]
    return found
