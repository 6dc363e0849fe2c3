"""The differences between a region's transmitted version and the one it transmitted before.

Each edition has its own groups (a new edition copies them), so the snapshots of two editions
do not share group ids: the groups of the older one are first matched to the newer one's (same
title, else same place in the list, as `new_edition` copies them), then compared with the
synthesis's own `snapshot_diff`. The older version is compared with its final texts (amended
where the CRSA amended them), the texts the newer version started from."""

from __future__ import annotations

from concertation.national.models import Transmission
from concertation.synthesis.diff import SnapshotDiff, snapshot_diff
from concertation.synthesis.models import Decision, SynthesisRevision


def _last_snapshot(transmission: Transmission) -> dict:
    revision = (SynthesisRevision.objects.filter(synthesis_id=transmission.synthesis_id)
                .order_by("-number").first())
    return revision.snapshot if revision else {"groups": []}


def _final(group: dict) -> dict:
    decision = group.get("decision") or {}
    if decision.get("outcome") == Decision.Outcome.AMENDED and decision.get("amended_text"):
        return {**group, "text": decision["amended_text"]}
    return group


def version_diff(transmission: Transmission) -> SnapshotDiff | None:
    """What changed since the previous transmitted version; None for a first version."""
    if transmission.previous is None:
        return None
    old, new = _last_snapshot(transmission.previous), _last_snapshot(transmission)
    old_groups = [_final(g) for g in old.get("groups", [])]
    new_groups = new.get("groups", [])
    by_title = {g["title"]: g["id"] for g in new_groups}
    by_position = {g["position"]: g["id"] for g in new_groups}
    taken: set[int] = set()
    renumbered = []
    for group in old_groups:
        match = by_title.get(group["title"])
        if match is None or match in taken:
            match = by_position.get(group["position"])
        if match is None or match in taken:
            # Gone from the new version: an id no new group has.
            match = f"old-{group['id']}"
        else:
            taken.add(match)
        renumbered.append({**group, "id": match})
    # The newer version's decisions are its own; only a changed decision is worth telling.
    return snapshot_diff({**old, "groups": renumbered, "state": new.get("state")}, new)
