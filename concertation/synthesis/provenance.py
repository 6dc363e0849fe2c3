"""Where each synthesis proposal comes from: days and their workshops, territories, colleges,
participants, votes.

Everything is computed in a fixed number of queries whatever the number of groups: one
recursive query walks each cited contribution and everything merged into it (however deep),
one reads the votes on that tree, and a few bulk reads fetch names. A participant is a
registration (a participant of a day, without an account) or a user account, among the
authors and the voters; a person who voted on two contributions later merged counts once, and
so does their vote (the merge copied it onto the target only if they had none there).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db import connection
from django.db.models import Count, Q

from concertation.contributions.models import Contribution, Vote
from concertation.events.models import Event, Workshop
from concertation.registrations.models import (
    AttendanceSummary,
    Registration,
    RegistrationStatus,
)
from concertation.territories.models import Department, HealthTerritory

if TYPE_CHECKING:
    from concertation.synthesis.models import Synthesis

Participant = tuple[str, int]  # ("r", registration id) or ("u", user id)


@dataclass(frozen=True)
class DayRef:
    id: int
    title: str
    slug: str
    date: datetime.date
    city: str
    department: str = ""  # code, for the participation of a day
    territory: str = ""


@dataclass(frozen=True)
class PlaceRef:
    id: int
    name: str
    code: str = ""


@dataclass(frozen=True)
class WorkshopRef:
    id: int
    title: str
    day_id: int


@dataclass(frozen=True)
class CollegeCount:
    code: str
    label: str
    participants: int


@dataclass
class Provenance:
    """The provenance of one proposal (or, for `SynthesisProvenance.total`, of them all)."""

    contributions: int = 0  # cited directly
    merged: int = 0  # merged into the cited ones
    online: int = 0  # of all the contributions behind it, those made online
    days: list[DayRef] = field(default_factory=list)
    workshops: list[WorkshopRef] = field(default_factory=list)
    health_territories: list[PlaceRef] = field(default_factory=list)
    departments: list[PlaceRef] = field(default_factory=list)
    colleges: list[CollegeCount] = field(default_factory=list)
    participants: int = 0
    votes_agree: int = 0
    votes_disagree: int = 0
    votes_pass: int = 0
    contribution_ids: list[int] = field(default_factory=list)

    @property
    def votes(self) -> int:
        return self.votes_agree + self.votes_disagree + self.votes_pass

    @property
    def origins(self) -> list[tuple[DayRef, list[WorkshopRef]]]:
        """Each day with the workshops of that day the contributions come from."""
        by_day: dict[int, list[WorkshopRef]] = defaultdict(list)
        for workshop in self.workshops:
            by_day[workshop.day_id].append(workshop)
        return [(day, by_day.get(day.id, [])) for day in self.days]

    @property
    def origins_line(self) -> str:
        """« 25 novembre 2022, Chartres : Atelier A, Atelier B ; … » (days in date order)."""
        from django.utils.formats import date_format

        parts = []
        for day, workshops in self.origins:
            label = f"{day.title} ({date_format(day.date, 'j F Y')})"
            if workshops:
                label += " : " + ", ".join(f"atelier « {w.title} »" for w in workshops)
            parts.append(label)
        return " ; ".join(parts)

    @property
    def breadth(self) -> tuple[int, int, int, int]:
        """Sort key for breadth of support: territories, colleges, participants, votes."""
        return (len(self.health_territories) or len(self.departments), len(self.colleges),
                self.participants, self.votes)


@dataclass
class SynthesisProvenance:
    groups: dict[int, Provenance]
    total: Provenance

    def for_group(self, group_id: int) -> Provenance:
        return self.groups.get(group_id) or Provenance()


class _Acc:
    """Accumulates the raw facts of one group before they are turned into a `Provenance`."""

    def __init__(self) -> None:
        self.roots: set[int] = set()
        self.contribution_ids: set[int] = set()
        self.online: set[int] = set()
        self.events: set[int] = set()
        self.workshops: set[int] = set()
        self.territories: set[int] = set()
        self.departments: set[int] = set()
        self.contribution_colleges: set[str] = set()
        self.participants: set[Participant] = set()
        # (root, voter) -> value: a voter counts once per cited contribution.
        self.votes: dict[tuple[int, Participant], int] = {}


def _tree_sql(where: str) -> str:
    item = _table("synthesis", "SynthesisItem")
    group = _table("synthesis", "SynthesisGroup")
    contribution = Contribution._meta.db_table
    return f"""
        WITH RECURSIVE tree(group_id, root_id, id, depth) AS (
            SELECT i.group_id, i.contribution_id, i.contribution_id, 0
            FROM {item} i JOIN {group} g ON g.id = i.group_id
            WHERE {where}
            UNION ALL
            SELECT tree.group_id, tree.root_id, c.id, tree.depth + 1
            FROM {contribution} c JOIN tree ON c.merged_into_id = tree.id
            WHERE tree.depth < 50
        )
    """


def _table(app: str, model: str) -> str:
    from django.apps import apps

    return apps.get_model(app, model)._meta.db_table


def _where(synthesis_id: int, group_ids: Iterable[int] | None) -> tuple[str, list]:
    return _where_many([synthesis_id], group_ids)


def _where_many(synthesis_ids: Iterable[int], group_ids: Iterable[int] | None
                ) -> tuple[str, list]:
    # Groups not accepted (analysis suggestions) carry no proposal: no provenance either.
    ids = [int(pk) for pk in synthesis_ids] or [0]
    where = f"i.synthesis_id IN ({', '.join(['%s'] * len(ids))}) AND g.accepted = %s"
    params: list = [*ids, True]
    if group_ids is not None:
        ids = [int(pk) for pk in group_ids]
        if not ids:
            ids = [0]
        where += f" AND i.group_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    return where, params


def compute(synthesis: Synthesis, group_ids: Iterable[int] | None = None) -> SynthesisProvenance:
    """Provenance of each accepted group of `synthesis` (or of `group_ids` only) and of them
    all together, in six queries whatever their number."""
    where, params = _where(synthesis.pk, group_ids)
    return _compute(where, params, synthesis.campaign.college_label)


def compute_many(syntheses: Sequence[Synthesis], group_ids: Iterable[int] | None = None
                 ) -> SynthesisProvenance:
    """The same for the groups of several syntheses at once (the national consolidation:
    every region's transmitted edition), in five queries whatever their number, with their
    campaigns read by the caller. `total` counts a participant, a vote or a day once across
    them all."""
    where, params = _where_many([s.pk for s in syntheses], group_ids)
    labels: dict[str, str] = {}
    for synthesis in syntheses:
        for code, label in synthesis.campaign.college_choices:
            labels.setdefault(code, label)
    return _compute(where, params, lambda code: labels.get(code, code))


def _compute(where: str, params: list, label) -> SynthesisProvenance:
    contribution = Contribution._meta.db_table
    event = Event._meta.db_table
    workshop = Workshop._meta.db_table
    registration = Registration._meta.db_table
    vote = Vote._meta.db_table
    groups: dict[int, _Acc] = defaultdict(_Acc)
    total = _Acc()
    # A registration's college completes an author's or voter's own (a captured proposal may
    # carry none); the day's places complete the contribution's.
    with connection.cursor() as cursor:
        cursor.execute(
            _tree_sql(where) + f"""
            SELECT tree.group_id, tree.root_id, tree.id, c.origin, c.event_id,
                   COALESCE(c.health_territory_id, e.health_territory_id),
                   COALESCE(c.department_id, e.department_id),
                   c.college, c.author_id, c.registration_id, r.college, c.workshop_id,
                   w.title
            FROM tree
            JOIN {contribution} c ON c.id = tree.id
            LEFT JOIN {event} e ON e.id = c.event_id
            LEFT JOIN {workshop} w ON w.id = c.workshop_id
            LEFT JOIN {registration} r ON r.id = c.registration_id
            """,
            params,
        )
        participant_college: dict[Participant, str] = {}
        # The workshops come with their title in the same pass: no query to name them.
        workshops: dict[int, WorkshopRef] = {}
        for (group_id, root_id, cid, origin, event_id, territory_id, department_id, college,
             author_id, registration_id, registration_college, workshop_id,
             workshop_title) in cursor.fetchall():
            if workshop_id and event_id and workshop_id not in workshops:
                workshops[workshop_id] = WorkshopRef(workshop_id, workshop_title, event_id)
            for acc in (groups[group_id], total):
                if workshop_id and event_id:
                    acc.workshops.add(workshop_id)
                acc.roots.add(root_id)
                acc.contribution_ids.add(cid)
                if origin == Contribution.Origin.ONLINE:
                    acc.online.add(cid)
                if event_id:
                    acc.events.add(event_id)
                if territory_id:
                    acc.territories.add(territory_id)
                if department_id:
                    acc.departments.add(department_id)
            who = _participant(author_id, registration_id)
            code = college or registration_college or ""
            if who is not None:
                for acc in (groups[group_id], total):
                    acc.participants.add(who)
                if code:
                    participant_college.setdefault(who, code)
            elif code:
                # A proposal typed for a table of participants: its college still counts.
                groups[group_id].contribution_colleges.add(code)
                total.contribution_colleges.add(code)

        cursor.execute(
            _tree_sql(where) + f"""
            SELECT tree.group_id, tree.root_id, tree.depth, v.user_id, v.registration_id,
                   v.value, v.college, r.college
            FROM tree
            JOIN {vote} v ON v.contribution_id = tree.id
            LEFT JOIN {registration} r ON r.id = v.registration_id
            ORDER BY tree.depth
            """,
            params,
        )
        for (group_id, root_id, _depth, user_id, registration_id, value, college,
             registration_college) in cursor.fetchall():
            who = _participant(user_id, registration_id)
            if who is None:
                continue
            code = college or registration_college or ""
            if code:
                participant_college.setdefault(who, code)
            # Ordered by depth: the vote on the cited contribution itself wins over the one it
            # was copied from.
            for acc in (groups[group_id], total):
                acc.participants.add(who)
                acc.votes.setdefault((root_id, who), value)

    names = _names(total, workshops)
    result = {gid: _build(acc, names, participant_college, label) for gid, acc in groups.items()}
    return SynthesisProvenance(groups=result,
                               total=_build(total, names, participant_college, label))


def _participant(user_id: int | None, registration_id: int | None) -> Participant | None:
    if registration_id:
        return ("r", registration_id)
    if user_id:
        return ("u", user_id)
    return None


class _Names(TypedDict):
    days: dict[int, DayRef]
    territories: dict[int, PlaceRef]
    departments: dict[int, PlaceRef]
    workshops: dict[int, WorkshopRef]


def _names(total: _Acc, workshops: dict[int, WorkshopRef]) -> _Names:
    days = {
        e["id"]: DayRef(id=e["id"], title=e["title"], slug=e["slug"], date=e["date"],
                        city=e["venue_city"])
        for e in Event.objects.filter(pk__in=total.events)
        .values("id", "title", "slug", "date", "venue_city")
    }
    territories = {
        t["id"]: PlaceRef(id=t["id"], name=t["name"])
        for t in HealthTerritory.objects.filter(pk__in=total.territories).values("id", "name")
    }
    departments = {
        d["id"]: PlaceRef(id=d["id"], name=d["name"], code=d["code"])
        for d in Department.objects.filter(pk__in=total.departments).values("id", "name", "code")
    }
    return {"days": days, "territories": territories, "departments": departments,
            "workshops": workshops}


def _build(acc: _Acc, names: _Names, participant_college: dict[Participant, str],
           label) -> Provenance:
    per_college: dict[str, int] = defaultdict(int)
    for who in acc.participants:
        code = participant_college.get(who)
        if code:
            per_college[code] += 1
    for code in acc.contribution_colleges:
        per_college.setdefault(code, 0)
    values = list(acc.votes.values())
    return Provenance(
        contributions=len(acc.roots),
        merged=len(acc.contribution_ids - acc.roots),
        online=len(acc.online),
        days=sorted((names["days"][pk] for pk in acc.events),
                    key=lambda d: (d.date, d.title, d.id)),
        workshops=sorted((names["workshops"][pk] for pk in acc.workshops),
                         key=lambda w: (w.day_id, w.title, w.id)),
        health_territories=sorted((names["territories"][pk] for pk in acc.territories),
                                  key=lambda t: (t.name, t.id)),
        departments=sorted((names["departments"][pk] for pk in acc.departments),
                           key=lambda d: (d.code, d.id)),
        colleges=sorted(
            (CollegeCount(code=code, label=label(code), participants=n)
             for code, n in per_college.items()),
            key=lambda c: (-c.participants, c.label),
        ),
        participants=len(acc.participants),
        votes_agree=values.count(Vote.Value.AGREE),
        votes_disagree=values.count(Vote.Value.DISAGREE),
        votes_pass=values.count(Vote.Value.PASS),
        contribution_ids=sorted(acc.contribution_ids),
    )


# ---------------------------------------------------------------------------------------
# Participation: registrations confirmed and checked in, by day, territory and college.


@dataclass(frozen=True)
class ParticipationRow:
    label: str
    registered: int
    present: int


@dataclass
class Participation:
    days: list[tuple[DayRef, ParticipationRow]]
    by_territory: list[ParticipationRow]
    by_department: list[ParticipationRow]
    by_college: list[ParticipationRow]
    registered: int
    present: int


def synthesis_days(synthesis: Synthesis):
    """The days a synthesis covers: those it consolidates, or else those of its scope."""
    from concertation.synthesis.models import Synthesis as SynthesisModel

    chosen = synthesis.days.all()
    if synthesis.level == SynthesisModel.Level.EVENT and synthesis.event_id:
        return Event.objects.filter(pk=synthesis.event_id)
    days = Event.objects.filter(campaign_id=synthesis.campaign_id,
                                kind=Event.Kind.CONSULTATION_DAY)
    if synthesis.level == SynthesisModel.Level.TERRITORY and synthesis.health_territory_id:
        days = days.filter(health_territory_id=synthesis.health_territory_id)
    elif synthesis.level == SynthesisModel.Level.REGION and synthesis.region_id:
        days = days.filter(department__region_id=synthesis.region_id)
    return Event.objects.filter(pk__in=chosen.values("pk")) if chosen.exists() else days


def participation(synthesis: Synthesis) -> Participation:
    """Confirmed registrations and arrivals of the synthesis's days, by day, territory and
    college. Days whose registrations were anonymised read their kept `AttendanceSummary`."""
    return participation_for_days(synthesis_days(synthesis), synthesis.campaign)


def participation_for_days(days_qs, campaign) -> Participation:
    """`days_qs`: a queryset of days, or a list of days already read with their department
    and health territory (a day's page has them: no query for them)."""
    if isinstance(days_qs, list):
        days = sorted(days_qs, key=lambda d: (d.date, d.pk))
    else:
        days = list(days_qs.select_related("department", "health_territory")
                    .order_by("date", "id"))
    ids = [d.pk for d in days]
    summaries = {s.event_id: s.counts for s in AttendanceSummary.objects.filter(event_id__in=ids)}
    live: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    rows = (Registration.objects.filter(event_id__in=ids, status=RegistrationStatus.CONFIRMED)
            .values("event_id", "college")
            .annotate(n=Count("id"), present=Count("id", filter=Q(checked_in_at__isnull=False)))
            .order_by("event_id", "college"))
    for row in rows:
        live[row["event_id"]].append(
            (campaign.college_label(row["college"]), row["n"], row["present"]))
    by_territory: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_department: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_college: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    day_rows = []
    for day in days:
        if day.pk in summaries:
            colleges = [(c["label"], c["registered"], c["present"])
                        for c in summaries[day.pk].get("by_college", [])]
        else:
            colleges = live.get(day.pk, [])
        registered = sum(c[1] for c in colleges)
        present = sum(c[2] for c in colleges)
        ref = DayRef(id=day.pk, title=day.title, slug=day.slug, date=day.date,
                     city=day.venue_city, department=day.department.code,
                     territory=day.health_territory.name if day.health_territory else "")
        day_rows.append((ref, ParticipationRow(day.title, registered, present)))
        territory = day.health_territory.name if day.health_territory else day.department.name
        for key, table in ((territory, by_territory),
                           (f"{day.department.name} ({day.department.code})", by_department)):
            table[key][0] += registered
            table[key][1] += present
        for label, n, p in colleges:
            by_college[label][0] += n
            by_college[label][1] += p

    def rows_of(table: dict[str, list[int]]) -> list[ParticipationRow]:
        return sorted((ParticipationRow(k, v[0], v[1]) for k, v in table.items()),
                      key=lambda r: (-r.registered, r.label))

    return Participation(
        days=day_rows, by_territory=rows_of(by_territory), by_department=rows_of(by_department),
        by_college=rows_of(by_college),
        registered=sum(r.registered for _, r in day_rows),
        present=sum(r.present for _, r in day_rows),
    )
