"""Contributions at scale on PostgreSQL, served by gunicorn on loopback.

    python -m bench.contributions [--contributions 100000] [--votes 1000000] [--requests 400]
        [--connections 8] [--vote-clients 16] [--capture-clients 8] [--rounds 2]
        [--workers N] [--keep-db] [--reuse-db]

1. Creates the database ``concertation_bench_contributions`` (dropped first), migrates it and
   collects the static files, with the helpers of ``bench.web``.
2. Seeds, in a child process: the demo data (``bench.web._seed`` with no extra days: every
   department gets its health territory), 500 days of the national campaign across every
   department with 5 workshops each, then by ``COPY``: ``--contributions`` contributions
   (70% from workshops, 30% online; 85% published, 8% retained as work leads, the rest
   submitted or rejected) whose texts are drawn from the 7,511 French answers of
   ``../shared/data/contributions/entendre-la-france-tagged.csv`` (read in place, never
   copied), ``--votes // 50`` voter accounts and ``--votes`` votes (50 per voter on distinct
   published contributions, 60% agree / 25% disagree / 15% pass), and the vote counts kept on
   each row recomputed in one UPDATE; then ``ANALYZE``. One more day, open, holds 400 of the
   published proposals in 4 workshops, 5,000 confirmed registrations (their signed links
   made in the child, with the server's SECRET_KEY) and a facilitator account.
3. Serves ``bench.wsgi_bench`` (the site plus the minimal views of ``bench.urls_bench``) with
   gunicorn, ``DEBUG=0``, the whole middleware stack, as ``bench.web`` does: first with the
   public page cache on (production), then with ``PUBLIC_PAGE_CACHE=0``.
4. Loads, in ``--rounds`` interleaved rounds so that every measure sees the same outside
   load: the minimal view (GET), the public list with a mix of what a visitor does (first
   page, the three sorts, pages 2, 10 and 100, French full-text searches, filters by
   territory, theme, day, college and status, combined filters with a page), vote submission
   (POST through the participant's real view, CSRF cookie and token, a random registration
   among 5,000 and a random proposal of their day, htmx request as the page sends it), the
   minimal insert view (POST, one INSERT), and facilitator capture (signed in through the
   login form, POST with a fresh client id, JSON answer as ``capture.js`` asks).
5. Prints each figure with its ratio to the minimal view measured in the same run, and
   PASS/FAIL against the targets: list p50 < 50 ms and p99 < 200 ms (cached and uncached),
   votes ≥ 300/s, capture p99 < 150 ms. The exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import web

web.DB_NAME = "concertation_bench_contributions"  # apart from the other benchmarks' database
# ../shared/data beside the checkout, or $CONCERTATION_SHARED_DATA (as bench.analysis reads it).
DATA = (Path(os.environ.get("CONCERTATION_SHARED_DATA") or web.ROOT.parent / "shared" / "data")
        / "contributions" / "entendre-la-france-tagged.csv")
DAYS = 500
WORKSHOPS_PER_DAY = 5
VOTES_PER_VOTER = 50
BENCH_DAY = "banc-votes-et-saisie"
BENCH_PROPOSALS = 400
BENCH_REGISTRATIONS = 5000
FACILITATOR = ("banc-animation", "banc-animation-mot-de-passe")
TARGET_LIST_P50_MS, TARGET_LIST_P99_MS = 50.0, 200.0
TARGET_VOTES_PER_S = 300.0
TARGET_CAPTURE_P99_MS = 150.0
COLLEGES = ["usager", "professionnel", "elu", "institution"]


# --- Seeding (child process, DATABASE_URL set before Django starts) -------------------------


def _texts() -> list[str]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"].replace("&&", " ").strip() for row in csv.DictReader(handle)]
    return [t[:1500] for t in texts if len(t) >= 20]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _seed(n_contributions: int, n_votes: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from concertation.campaigns.models import Campaign
    from concertation.contributions.models import Facilitation
    from concertation.core.public_cache import bump_public_content
    from concertation.events.models import Event, EventState, Workshop
    from concertation.registrations.models import Registration, RegistrationStatus
    from concertation.registrations.tokens import make_token
    from concertation.territories.models import Department, HealthTerritory

    web._seed(0)  # the demo data, and a health territory for every department
    rng = random.Random(20_221_125)
    texts = _texts()
    now = timezone.now()
    today = timezone.localdate()
    campaign = Campaign.objects.get(slug="cnr-sante-2022")
    themes = [t.pk for t in campaign.themes.order_by("position")]
    departments = list(Department.objects.order_by("code"))
    territory_of = dict(HealthTerritory.departments.through.objects.values_list(
        "department_id", "healthterritory_id"))
    with transaction.atomic():
        events = Event.objects.bulk_create([
            Event(slug=f"banc-journee-{i:04d}-{slugify(d.name)}",
                  title=f"Journée n°{i:04d} — {d.name}", campaign=campaign, department=d,
                  health_territory_id=territory_of[d.pk],
                  date=today - dt.timedelta(days=rng.randint(1, 700)), starts_at=dt.time(9),
                  ends_at=dt.time(12), venue_name="Salle des fêtes", venue_address="1 place",
                  venue_postcode="00000", venue_city=d.name, state=EventState.HELD)
            for i, d in ((i, departments[i % len(departments)]) for i in range(DAYS))
        ], batch_size=500)
        department = Department.objects.get(code="28")
        bench_day = Event.objects.create(
            slug=BENCH_DAY, title="Journée de banc d’essai : votes et saisie", campaign=campaign,
            department=department, health_territory_id=territory_of[department.pk],
            date=today + dt.timedelta(days=10), starts_at=dt.time(9), ends_at=dt.time(17),
            venue_name="CCI", venue_address="5bis avenue Marcel Proust",
            venue_postcode="28000", venue_city="Chartres",
            state=EventState.REGISTRATION_OPEN)
        workshops = Workshop.objects.bulk_create([
            Workshop(event=e, position=n, title=f"Atelier {n + 1}", capacity=30,
                     theme_id=themes[n % len(themes)], starts_at=dt.time(10),
                     ends_at=dt.time(11, 30))
            for e in [*events, bench_day]
            for n in range(WORKSHOPS_PER_DAY if e is not bench_day else 4)
        ], batch_size=2000)
        bench_workshops = [w for w in workshops if w.event_id == bench_day.pk]
        by_event = defaultdict(list)
        for w in workshops:
            if w.event_id != bench_day.pk:
                by_event[w.event_id].append(w)
        facilitator = get_user_model().objects.create_user(
            FACILITATOR[0], "animation@banc.invalid", FACILITATOR[1])
        Facilitation.objects.bulk_create([Facilitation(user=facilitator, workshop=w)
                                          for w in bench_workshops])
        registrations = Registration.objects.bulk_create([
            Registration(event=bench_day, code=f"B{i:07d}", status=RegistrationStatus.CONFIRMED,
                         first_name="Camille", last_name=f"Votant {i}",
                         email=f"votant-{i}@banc.invalid", college=COLLEGES[i % 4],
                         consent_processing=True)
            for i in range(BENCH_REGISTRATIONS)
        ], batch_size=2000)

    states = (["published"] * 85 + ["retained"] * 8 + ["submitted"] * 4 + ["rejected"] * 3)
    columns = ["campaign_id", "theme_id", "title", "text", "origin", "event_id", "workshop_id",
               "department_id", "health_territory_id", "college", "state", "agree_count",
               "disagree_count", "pass_count", "created_at", "updated_at"]
    start = now - dt.timedelta(days=700)

    def contributions():
        for i in range(n_contributions):
            created = start + dt.timedelta(seconds=rng.randint(0, 700 * 86400))
            text = texts[rng.randrange(len(texts))]
            if i < BENCH_PROPOSALS:  # the open day's proposals, published
                w = bench_workshops[i % len(bench_workshops)]
                yield (campaign.pk, w.theme_id, "", text, "workshop", bench_day.pk, w.pk,
                       bench_day.department_id, bench_day.health_territory_id,
                       COLLEGES[i % 4], "published", 0, 0, 0, now, now)
            elif rng.random() < 0.7:
                e = events[rng.randrange(len(events))]
                w = rng.choice(by_event[e.pk])
                yield (campaign.pk, w.theme_id, "", text, "workshop", e.pk, w.pk,
                       e.department_id, e.health_territory_id, rng.choice(COLLEGES),
                       rng.choice(states), 0, 0, 0, created, created)
            else:
                d = departments[rng.randrange(len(departments))]
                yield (campaign.pk, rng.choice(themes), text[:60], text, "online", None, None,
                       d.pk, territory_of[d.pk], rng.choice(COLLEGES), rng.choice(states),
                       0, 0, 0, created, created)

    step = time.monotonic()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own cursor, for COPY
        _copy(cursor, "contributions_contribution", columns, contributions())
        copied_contributions = time.monotonic() - step
        cursor.execute("SELECT id FROM contributions_contribution WHERE state IN "
                       "('published', 'retained') ORDER BY id")
        votable = [row[0] for row in cursor.fetchall()]
        voters = max(1, n_votes // VOTES_PER_VOTER)
        step = time.monotonic()
        _copy(cursor, "auth_user", ["password", "username", "first_name", "last_name", "email",
                                    "is_superuser", "is_staff", "is_active", "date_joined"],
              (("!", f"banc-votant-{i}", "Votant", str(i), f"banc-votant-{i}@banc.invalid",
                False, False, True, now) for i in range(voters)))
        cursor.execute("SELECT id FROM auth_user WHERE username LIKE 'banc-votant-%%' "
                       "ORDER BY id")
        users = [row[0] for row in cursor.fetchall()]
        values = [1] * 60 + [-1] * 25 + [0] * 15

        def votes():
            left = n_votes
            for user in users:
                take = min(VOTES_PER_VOTER, left)
                left -= take
                college = COLLEGES[user % 4]
                for contribution in rng.sample(votable, take):
                    yield (contribution, user, rng.choice(values), college, now, now)

        _copy(cursor, "contributions_vote", ["contribution_id", "user_id", "value", "college",
                                             "created_at", "updated_at"], votes())
        copied_votes = time.monotonic() - step
        cursor.execute(
            "UPDATE contributions_contribution c SET agree_count = v.a, disagree_count = v.d, "
            "pass_count = v.p FROM (SELECT contribution_id, "
            "count(*) FILTER (WHERE value = 1) a, count(*) FILTER (WHERE value = -1) d, "
            "count(*) FILTER (WHERE value = 0) p FROM contributions_vote "
            "GROUP BY contribution_id) v WHERE c.id = v.contribution_id")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM contributions_contribution")
        total_contributions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM contributions_vote")
        total_votes = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM contributions_contribution WHERE event_id = %s "
                       "ORDER BY id", [bench_day.pk])
        bench_proposals = [row[0] for row in cursor.fetchall()]
    bump_public_content()
    sample = events[7]
    territory = sample.health_territory_id
    list_paths = [
        "/contributions/",
        "/contributions/?sort=soutenues",
        "/contributions/?sort=consensuelles",
        "/contributions/?page=2",
        "/contributions/?page=10",
        "/contributions/?page=100",
        "/contributions/?q=h%C3%B4pital",
        "/contributions/?q=m%C3%A9decins+g%C3%A9n%C3%A9ralistes&sort=soutenues",
        f"/contributions/?territory={territory}",
        f"/contributions/?theme={themes[1]}&sort=soutenues",
        f"/contributions/?event={sample.pk}",
        "/contributions/?college=usager&state=retained",
        f"/contributions/?campaign={campaign.pk}&theme={themes[0]}&territory={territory}"
        "&sort=consensuelles&page=2",
        "/contributions/?q=transports&sort=consensuelles&page=3",
    ]
    return {
        "contributions": total_contributions, "votes": total_votes, "voters": len(users),
        "copy_contributions_s": round(copied_contributions, 1),
        "copy_votes_s": round(copied_votes, 1),
        "list_paths": list_paths,
        "tokens": [make_token(r) for r in registrations],
        "proposals": bench_proposals,
        "workshops": [w.pk for w in bench_workshops],
    }


def _child(n_contributions: int, n_votes: int) -> None:
    import django

    django.setup()
    print(json.dumps(_seed(n_contributions, n_votes)))


# --- Client --------------------------------------------------------------------------------------


@dataclass
class Burst:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    by_path: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sample_error: str = ""

    @property
    def requests_per_s(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies_ms, p)

    def add(self, other: Burst) -> None:
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms
        self.statuses += other.statuses
        for path, values in other.by_path.items():
            self.by_path[path] += values
        self.sample_error = self.sample_error or other.sample_error


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass
class Client:
    """One client thread's cookies and CSRF token, as a browser keeps them."""

    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, port: int, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, str, dict]:
        conn = http.client.HTTPConnection(web.HOST, port, timeout=60)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = self.header()
            if body is not None:
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body, sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            jar = SimpleCookie()
            for value in response.headers.get_all("Set-Cookie") or []:
                jar.load(value)
            self.cookies.update({k: m.value for k, m in jar.items()})
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
            if token:
                self.csrf = token[1]
            return response.status, text, dict(response.headers)
        finally:
            conn.close()


Request = tuple[str, str, bytes | None, dict]  # method, path, body, headers


def _fire(port: int, clients: list[Client], requests: list[Request], accepted: set[int]
          ) -> Burst:
    """`requests` from len(clients) threads, each on its own keep-alive connection."""
    lock = threading.Lock()
    todo = iter(requests)
    gate = threading.Barrier(len(clients) + 1)
    parts = [Burst() for _ in clients]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(web.HOST, port, timeout=60)
        me, mine = clients[n], parts[n]
        clock = time.perf_counter
        gate.wait()
        while True:
            with lock:
                item = next(todo, None)
            if item is None:
                break
            method, path, body, headers = item
            sent = dict(headers)
            if me.cookies:
                sent["Cookie"] = me.header()
            if body is not None:
                sent["Content-Type"] = "application/x-www-form-urlencoded"
                body = body.replace(b"__CSRF__", me.csrf.encode())
            began = clock()
            try:
                conn.request(method, path, body, sent)
                response = conn.getresponse()
                text = response.read()
                elapsed = (clock() - began) * 1000
                mine.latencies_ms.append(elapsed)
                mine.by_path[path.split("/inscriptions/")[0] or "vote"].append(elapsed)
                mine.statuses[response.status] += 1
                if response.status not in accepted and not mine.sample_error:
                    mine.sample_error = (f"{method} {path}: {response.status}: "
                                         f"{text.decode('utf-8', 'replace')[:800]}")
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                mine.statuses["connection error"] += 1
                mine.sample_error = mine.sample_error or repr(exc)
                conn.close()
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    total = Burst(seconds=time.perf_counter() - began)
    for part in parts:
        total.add(part)
    total.seconds = time.perf_counter() - began
    return total


# --- The measures ------------------------------------------------------------------------------


def _get_requests(paths: list[str], n: int) -> list[Request]:
    return [("GET", paths[i % len(paths)], None, {}) for i in range(n)]


def _vote_requests(seeded: dict, n: int, rng: random.Random) -> list[Request]:
    requests = []
    for _ in range(n):
        token = rng.choice(seeded["tokens"])
        proposal = rng.choice(seeded["proposals"])
        body = urlencode({"csrfmiddlewaretoken": "__CSRF__",
                          "value": rng.choice([1, 1, -1, 0])}).encode()
        requests.append(("POST", f"/inscriptions/{token}/contributions/{proposal}/vote/", body,
                         {"HX-Request": "true"}))
    return requests


def _insert_requests(n: int) -> list[Request]:
    return [("POST", "/__bench__/minimal-insert/",
             urlencode({"csrfmiddlewaretoken": "__CSRF__", "value": "1",
                        "email": f"vote-ref-{i}"}).encode(), {}) for i in range(n)]


def _capture_requests(seeded: dict, n: int, rng: random.Random) -> list[Request]:
    texts = ["Créer une maison de santé pluriprofessionnelle dans chaque canton",
             "Former les équipes d’accueil à la désescalade des conflits",
             "Développer le transport solidaire vers les consultations",
             "Ouvrir des consultations sans rendez-vous le samedi matin"]
    requests = []
    for i in range(n):
        workshop = seeded["workshops"][i % len(seeded["workshops"])]
        body = urlencode({"csrfmiddlewaretoken": "__CSRF__",
                          "text": f"{rng.choice(texts)} (proposition {i})",
                          "client_id": uuid.uuid4().hex}).encode()
        requests.append(("POST", f"/animation/ateliers/{workshop}/saisie/", body,
                         {"Accept": "application/json"}))
    return requests


def _voter_clients(port: int, seeded: dict, n: int) -> list[Client]:
    clients = []
    for i in range(n):
        client = Client()
        status, _, _ = client.request(
            port, "GET", f"/inscriptions/{seeded['tokens'][i]}/contributions/")
        if status != 200 or not client.csrf or "csrftoken" not in client.cookies:
            raise SystemExit(f"vote page: status {status}, no CSRF cookie or token")
        clients.append(client)
    return clients


def _facilitator_clients(port: int, seeded: dict, n: int) -> list[Client]:
    clients = []
    for _ in range(n):
        client = Client()
        client.request(port, "GET", "/compte/connexion/")
        status, _, headers = client.request(port, "POST", "/compte/connexion/", urlencode({
            "csrfmiddlewaretoken": client.csrf, "username": FACILITATOR[0],
            "password": FACILITATOR[1]}).encode())
        if status != 302 or "sessionid" not in client.cookies:
            raise SystemExit(f"facilitator login: status {status}")
        status, _, _ = client.request(port, "GET", f"/animation/ateliers/"
                                                   f"{seeded['workshops'][0]}/")
        if status != 200:
            raise SystemExit(f"capture page: status {status}")
        clients.append(client)
    return clients


def _check_list(port: int, paths: list[str]) -> None:
    for path in paths:
        status, body = web._get(port, path, timeout=60)
        if status != 200 or "contribution" not in body:
            raise SystemExit(f"{path}: status {status}")


def measure(port: int, seeded: dict, args: argparse.Namespace, writes: bool) -> dict:
    rng = random.Random(7)
    paths = seeded["list_paths"]
    readers = [Client() for _ in range(args.connections)]
    _check_list(port, paths)
    # Warm-up, not counted: each worker imports the views, compiles the templates and, with
    # the cache on, renders each URL once.
    _fire(port, readers, _get_requests(paths, 4 * args.workers * len(paths)), {200})
    _fire(port, readers, _get_requests([web.MINIMAL_PATH], 200), {200})
    results: dict[str, Burst] = defaultdict(Burst)
    if writes:
        voters = _voter_clients(port, seeded, args.vote_clients)
        facilitators = _facilitator_clients(port, seeded, args.capture_clients)
        _fire(port, voters, _vote_requests(seeded, 100, rng), {200})
        _fire(port, facilitators, _capture_requests(seeded, 50, rng), {200, 201})
    for _ in range(args.rounds):
        if writes:
            results["minimal insert"].add(_fire(port, voters, _insert_requests(args.requests),
                                                {200}))
            results["vote"].add(_fire(port, voters, _vote_requests(seeded, args.requests, rng),
                                      {200}))
            results["capture"].add(_fire(port, facilitators, _capture_requests(
                seeded, args.requests // 2, rng), {201}))
            # Each capture publishes a proposal, so it changes the content version and every
            # cached page: the first request of each list URL in each worker renders it
            # again. Measured apart (not timed here), so that the cached figure is the cache's.
            results["list, first after a capture"].add(_fire(port, readers, _get_requests(
                paths, len(paths) * args.workers), {200}))
            _fire(port, readers, _get_requests(paths, 2 * len(paths) * args.workers), {200})
        results["minimal"].add(_fire(port, readers, _get_requests(
            [web.MINIMAL_PATH], args.requests), {200}))
        results["list"].add(_fire(port, readers, _get_requests(paths, args.requests), {200}))
    return results


# --- Report --------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _row(label: str, burst: Burst, minimal: Burst, target: str, ok: bool | None) -> str:
    errors = sum(n for s, n in burst.statuses.items() if s not in (200, 201))
    return (f"| {label} | {len(burst.latencies_ms):,} | {burst.requests_per_s:,.0f} "
            f"| {burst.percentile(50):.1f} | {burst.percentile(99):.1f} "
            f"| {burst.requests_per_s / minimal.requests_per_s:.2f} "
            f"| {burst.percentile(50) / minimal.percentile(50):.1f} | {errors} | {target} "
            f"| {_result(label, ok)} |")


def _result(label: str, ok: bool | None) -> str:
    if ok is None:
        return "reference" if label.startswith("minimal") else "—"
    return _verdict(ok)


def report(label: str, results: dict, writes: bool) -> str:
    minimal, listing = results["minimal"], results["list"]
    lines = [
        f"### {label}",
        "",
        "| measure | requests | requests/s | p50 ms | p99 ms | throughput ÷ minimal "
        "| p50 ÷ minimal p50 | errors | target | result |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|---|",
        _row("minimal view (GET)", minimal, minimal, "—", None),
        _row("public list, visitor mix", listing, minimal,
             f"p50 < {TARGET_LIST_P50_MS:.0f} ms, p99 < {TARGET_LIST_P99_MS:.0f} ms",
             listing.percentile(50) < TARGET_LIST_P50_MS
             and listing.percentile(99) < TARGET_LIST_P99_MS),
    ]
    if writes:
        insert, vote, capture = (results["minimal insert"], results["vote"],
                                 results["capture"])
        lines += [
            _row("minimal insert (POST)", insert, minimal, "—", None),
            _row("vote submission (POST)", vote, minimal,
                 f"≥ {TARGET_VOTES_PER_S:.0f}/s", vote.requests_per_s >= TARGET_VOTES_PER_S),
            _row("facilitator capture (POST)", capture, minimal,
                 f"p99 < {TARGET_CAPTURE_P99_MS:.0f} ms",
                 capture.percentile(99) < TARGET_CAPTURE_P99_MS),
            _row("public list, first requests after a capture", results[
                "list, first after a capture"], minimal, "—", None),
        ]
        lines.append(f"\nvotes ÷ minimal insert throughput: "
                     f"{vote.requests_per_s / insert.requests_per_s:.2f}")
    lines += ["", "| list URL | requests | p50 ms | p99 ms |", "|---|--:|--:|--:|"]
    for path, values in sorted(listing.by_path.items(), key=lambda kv: -_percentile(kv[1], 50)):
        lines.append(f"| `{path}` | {len(values)} | {_percentile(values, 50):.1f} "
                     f"| {_percentile(values, 99):.1f} |")
    for name, burst in results.items():
        if burst.sample_error:
            lines.append(f"\nfirst unexpected answer ({name}): {burst.sample_error[:400]}")
    return "\n".join(lines)


def _in_process_queries(env: dict, paths: list[str]) -> str:
    """One uncached request per list URL in one process: its SQL queries and time."""
    code = (
        "import django, json, sys, time; django.setup()\n"
        "from django.test import Client; from django.db import connection\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "c = Client(); out = []\n"
        "for p in json.loads(sys.argv[1]):\n"
        "    c.get(p)\n"
        "    with CaptureQueriesContext(connection) as q:\n"
        "        t = time.perf_counter(); r = c.get(p); ms = (time.perf_counter() - t) * 1000\n"
        "    out.append([p, r.status_code, len(q.captured_queries), round(ms, 1),"
        " round(max([float(x['time']) for x in q.captured_queries] or [0]) * 1000, 1)])\n"
        "print(json.dumps(out))\n"
    )
    local = dict(env, PUBLIC_PAGE_CACHE="0", ALLOWED_HOSTS="testserver,127.0.0.1", DEBUG="0")
    rows = json.loads(web._run([sys.executable, "-c", code, json.dumps(paths)], local)
                      .strip().splitlines()[-1])
    lines = ["| list URL (one process, page cache off, count and options kept) | status "
             "| queries | ms | slowest query ms |",
             "|---|--:|--:|--:|--:|"]
    lines += [f"| `{p}` | {s} | {n} | {ms} | {slow} |" for p, s, n, ms, slow in rows]
    return "\n".join(lines)


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    cores = os.cpu_count() or 1
    args.workers = args.workers or 2 * cores
    import gunicorn as gunicorn_package

    print(f"# Concertation contributions benchmark — "
          f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {cores} cores ({web._cpu_model()}), Python {platform.python_version()}, "
          f"PostgreSQL {web._server_version()}, gunicorn {gunicorn_package.__version__}, "
          f"commit {web._git_commit()}")
    print(f"server: gunicorn bench.wsgi_bench, {args.workers} sync workers; client: Python "
          f"threads ({args.connections} readers, {args.vote_clients} voters, "
          f"{args.capture_clients} facilitators), {args.requests} requests per measure and "
          f"round, {args.rounds} interleaved rounds")
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: the texts are read from ../shared/data")
    var_dir = Path(tempfile.mkdtemp(prefix="concertation-bench-contrib-"))
    env = web._environment(var_dir)
    seed_file = var_dir / "seeded.json"
    try:
        step = time.monotonic()
        if args.reuse_db and args.seeded:
            seeded = json.loads(Path(args.seeded).read_text())
        else:
            web._recreate_database()
            web._run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
                     env)
            seeded = json.loads(web._run(
                [sys.executable, "-m", "bench.contributions", "_seed", str(args.contributions),
                 str(args.votes)], env).strip().splitlines()[-1])
            if args.seeded:
                Path(args.seeded).write_text(json.dumps(seeded))
        web._run([sys.executable, "-m", "bench.web", "_collectstatic"], env)
        seed_file.write_text(json.dumps(seeded))
        print(f"seeded in {time.monotonic() - step:.0f} s: {seeded['contributions']:,} "
              f"contributions (COPY {seeded['copy_contributions_s']} s), {seeded['votes']:,} "
              f"votes by {seeded['voters']:,} accounts (COPY {seeded['copy_votes_s']} s), "
              f"database {web.DB_NAME}")
        print()
        print(_in_process_queries(env, seeded["list_paths"]))
        for cached in (True, False):
            env["PUBLIC_PAGE_CACHE"] = "1" if cached else "0"
            label = ("public page cache on (production set-up)" if cached
                     else "public page cache off (PUBLIC_PAGE_CACHE=0): every list rendered "
                          "(counts and filter options still kept per content version)")
            app = ("bench.contributions:persistent_application()"
                   if args.persistent_connections else "bench.wsgi_bench:application")
            with web.gunicorn(env, args.workers, "sync", 1, app) as port:
                results = measure(port, seeded, args, writes=cached)
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"\n{report(label + f' — load average after: {load}', results, cached)}")
        print(f"\ntotal {time.monotonic() - started:.0f} s")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                web._drop_database()


def persistent_application():
    """`bench.wsgi_bench` with persistent database connections (CONN_MAX_AGE=60), for
    ``--persistent-connections``: an experiment, not the production set-up, which opens a
    connection per request (each then plans its queries with cold catalog caches)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concertation.settings")
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    from bench.wsgi_bench import application

    return application


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_seed"]:  # internal: the child process
        _child(int(argv[1]), int(argv[2]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.contributions", description=__doc__
                                     .split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400,
                        help="requests per measure and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8, help="list readers")
    parser.add_argument("--vote-clients", type=int, default=16)
    parser.add_argument("--capture-clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="default: 2 × cores")
    parser.add_argument("--keep-db", action="store_true",
                        help=f"keep {web.DB_NAME} afterwards")
    parser.add_argument("--seeded", default="",
                        help="file to write (or, with --reuse-db, read) the seeding's output")
    parser.add_argument("--persistent-connections", action="store_true",
                        help="serve with CONN_MAX_AGE=60 (an experiment, not production)")
    parser.add_argument("--reuse-db", action="store_true",
                        help="skip the seeding: reuse a kept database and its --seeded file")
    benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    main()

