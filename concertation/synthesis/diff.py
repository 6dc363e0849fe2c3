"""Readable differences between two snapshots of a synthesis (see `services.snapshot`), and
between two texts (an amendment against the original)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from concertation.synthesis.models import Decision, SynthesisGroup, SynthesisState

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "added" or "removed"
    text: str


def text_diff(old: str, new: str) -> list[Segment]:
    """Word-level differences of two texts, for <del>/<ins> display."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", "".join(b[j1:j2])))
    return segments


@dataclass
class GroupChange:
    title: str
    what: list[str] = field(default_factory=list)
    text: list[Segment] | None = None


@dataclass
class Moved:
    contribution_id: int
    source: str  # group title, or "" when it was not grouped
    target: str


@dataclass
class SnapshotDiff:
    state: tuple[str, str] | None = None
    title: tuple[str, str] | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[GroupChange] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.state or self.title or self.added or self.removed or self.changed
                    or self.moved)


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def _decision_text(decision: dict) -> str:
    outcome = _label(Decision.Outcome, decision["outcome"]).lower()
    return (f"décision de la CRSA : {outcome} ({decision['votes_for']} pour, "
            f"{decision['votes_against']} contre, {decision['abstentions']} abstentions)")


def snapshot_diff(old: dict, new: dict) -> SnapshotDiff:
    result = SnapshotDiff()
    if old.get("state") != new.get("state"):
        result.state = (_label(SynthesisState, old.get("state")),
                        _label(SynthesisState, new.get("state")))
    if old.get("title") != new.get("title"):
        result.title = (old.get("title", ""), new.get("title", ""))
    before = {g["id"]: g for g in old.get("groups", [])}
    after = {g["id"]: g for g in new.get("groups", [])}
    result.added = [g["title"] for pk, g in after.items() if pk not in before]
    result.removed = [g["title"] for pk, g in before.items() if pk not in after]
    for pk, g in after.items():
        if pk not in before:
            continue
        was = before[pk]
        change = GroupChange(title=g["title"])
        if was["title"] != g["title"]:
            change.what.append(f"renommé (avant : « {was['title']} »)")
        if was["accepted"] != g["accepted"]:
            change.what.append("retenu" if g["accepted"] else "remis en suggestion")
        if was["kind"] != g["kind"]:
            change.what.append(f"nature : {_label(SynthesisGroup.Kind, g['kind']).lower()}")
        if was["theme"] != g["theme"]:
            change.what.append(f"thème : {g['theme'] or 'aucun'}")
        if was["text"] != g["text"]:
            change.what.append("texte modifié")
            change.text = text_diff(was["text"], g["text"])
        if was.get("decision") != g.get("decision") and g.get("decision"):
            change.what.append(_decision_text(g["decision"]))
        if change.what:
            result.changed.append(change)
    where_before = {c: before[pk]["title"] for pk in before for c in before[pk]["contributions"]}
    where_after = {c: after[pk]["title"] for pk in after for c in after[pk]["contributions"]}
    # A contribution "moves" when its group changed, except when its whole group was renamed
    # or removed (already told above).
    group_before = {c: pk for pk in before for c in before[pk]["contributions"]}
    group_after = {c: pk for pk in after for c in after[pk]["contributions"]}
    for contribution in sorted(set(group_before) | set(group_after)):
        a, b = group_before.get(contribution), group_after.get(contribution)
        if a == b:
            continue
        if a is not None and b is None and a not in after:
            continue  # its group was dismissed or deleted
        if b is not None and a is None and b not in before:
            continue  # it arrived with a new suggestion
        result.moved.append(Moved(contribution, where_before.get(contribution, ""),
                                  where_after.get(contribution, "")))
    return result
