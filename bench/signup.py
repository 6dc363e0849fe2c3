"""Sign-up burst on PostgreSQL, served by gunicorn on loopback.

    python -m bench.signup [--attempts 1000] [--concurrency 100] [--rounds 2] [--capacity 90]
        [--workers N] [--worker-class sync|gthread] [--threads 1] [--keep-db]

1. Creates the database ``concertation_bench`` (dropping it first), migrates it and collects the
   static files, with the functions of ``bench.web`` (database ``concertation_bench_signup``,
   or $BENCH_SIGNUP_DB). The rate limits keep their defaults: the server runs with
   TRUSTED_PROXIES=127.0.0.1, and each attempt comes "through the proxy" with its own client
   address in X-Forwarded-For, as 1,000 people behind a production reverse proxy would.
2. Seeds, in a child process: the demo data (``bench.web._seed`` with no extra days), then one
   warm-up day and ``--rounds`` days in state registration_open, each with ``--capacity`` seats
   and two workshops of half the seats each in the same time slot.
3. Serves ``bench.wsgi_bench`` with gunicorn as ``bench.web`` does (DEBUG=0, whole middleware
   stack, 2 × cores sync workers, no access log, a free port on 127.0.0.1).
4. Each of ``--concurrency`` client threads first GETs the day's form (CSRF cookie and token,
   not timed), then all fire ``--attempts`` POSTs in all to /journees/<slug>/inscription/, as
   fast as they can, each with a distinct e-mail, a fresh submission_token and one of the two
   workshops in turn. 302 = accepted (confirmed or waitlisted). Per round, the same client
   fires as many POSTs at ``/__bench__/minimal-insert/`` (same middleware, inserts one
   ``RegistrationAttempt`` row) just before and just after the sign-ups; the two count as the
   round's reference, so a drift of the machine's speed during the round weighs on both.
5. Counts the rows in the database after each burst (confirmed must be exactly the capacity,
   no workshop over its own), and prints the tables with PASS/FAIL against the targets
   (confirmed = capacity, no 5xx, p99 < 1 s, requests/s >= 0.5 × the minimal insert's),
   and the CPU each burst cost per request: gunicorn's processes, PostgreSQL's, the client's
   (read from /proc). The exit status is 0 whatever the figures, 1 only when the set-up
   fails.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import web

INSERT_PATH = "/__bench__/minimal-insert/"
TARGET_P99_MS = 1000.0
TARGET_RATIO = 0.5
SLUG = "rafale-inscriptions-{n}"
PROXY = "127.0.0.1"  # the client plays the reverse proxy: TRUSTED_PROXIES on the server
# Its own database, so that `make bench` and `make bench-signup` never drop each other's.
web.DB_NAME = os.environ.get("BENCH_SIGNUP_DB", "concertation_bench_signup")


# --- Seeding (child process, DATABASE_URL set before Django starts) -------------------------


def _seed(rounds: int, capacity: int) -> dict:
    from django.utils import timezone

    from concertation.campaigns.models import Campaign
    from concertation.core.public_cache import bump_public_content
    from concertation.events.models import Event, EventState, Workshop
    from concertation.territories.models import Department, HealthTerritory

    web._seed(0)  # the demo data, and a health territory for every department
    campaign = Campaign.objects.get(slug="cnr-sante-2022")
    department = Department.objects.get(code="69")
    territory = HealthTerritory.objects.filter(departments=department).first()
    date = timezone.localdate() + dt.timedelta(days=30)
    days = []
    for n in range(rounds + 1):  # day 0: warm-up
        event = Event.objects.create(
            slug=SLUG.format(n=n), title=f"Rafale d’inscriptions n°{n}", campaign=campaign,
            department=department, health_territory=territory, date=date,
            starts_at=dt.time(9), ends_at=dt.time(12), venue_name="Salle du conseil",
            venue_address="1 place Bellecour", venue_postcode="69002", venue_city="Lyon",
            capacity=capacity, state=EventState.REGISTRATION_OPEN,
        )
        half = (capacity + 1) // 2
        workshops = Workshop.objects.bulk_create([
            Workshop(event=event, position=i, title=f"Atelier {i + 1}", capacity=half,
                     starts_at=dt.time(10), ends_at=dt.time(11, 30))
            for i in range(2)
        ])
        days.append({"id": event.pk, "slug": event.slug, "n": n,
                     "path": f"/journees/{event.slug}/inscription/",
                     "workshops": [w.pk for w in workshops],
                     "workshop_capacity": half})
    bump_public_content()
    return {"days": days, "colleges": [key for key, _ in campaign.college_choices]}


def _child(rounds: int, capacity: int) -> None:
    import django

    django.setup()
    print(json.dumps(_seed(rounds, capacity)))


# --- Client -------------------------------------------------------------------------------------


@dataclass
class Session:
    cookie: str = ""
    csrf: str = ""


@dataclass
class Burst:
    seconds: float
    latencies_ms: list[float]
    statuses: Counter = field(default_factory=Counter)
    sample_error: str = ""
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds spent, by party

    @property
    def requests_per_s(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies_ms, p)

    def count(self, predicate: Callable[[int], bool]) -> int:
        return sum(n for status, n in self.statuses.items()
                   if isinstance(status, int) and predicate(status))


_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, float]]:
    """Every process of the server (gunicorn, by its command line) and of PostgreSQL (on
    this machine): its party and the CPU seconds it has used."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:  # gone meanwhile
            continue
        party = ("server" if b"bench.wsgi_bench" in command
                 else "postgres" if command.startswith(b"postgres") else None)
        if party:
            found[int(entry.name)] = (party, (int(fields[11]) + int(fields[12])) / _TICK)
    return found


@contextlib.contextmanager
def _cpu_use(into: dict[str, float]) -> Iterator[None]:
    """CPU seconds used meanwhile by the server, PostgreSQL and this client (all its
    threads). A process that ended meanwhile is not counted (PostgreSQL's backends of the
    burst live on: the server keeps its connections)."""
    before, client = _processes(), os.times()
    yield
    after, client_after = _processes(), os.times()
    for pid, (party, seconds) in after.items():
        into[party] = into.get(party, 0.0) + seconds - before.get(pid, (party, 0.0))[1]
    into["client"] = (client_after.user + client_after.system) - (client.user + client.system)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _open_session(port: int, path: str) -> Session:
    """GET the form: the CSRF cookie and the form's token, as a browser gets them."""
    conn = http.client.HTTPConnection(web.HOST, port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    finally:
        conn.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if response.status != 200 or token is None or 'name="submission_token"' not in body \
            or "csrftoken" not in cookies:
        raise SystemExit(f"GET {path}: status {response.status}, no CSRF cookie/token or "
                         "no submission_token field in the form")
    return Session(cookie=f"csrftoken={cookies['csrftoken'].value}", csrf=token[1])


def _fire(port: int, path: str, attempts: int, concurrency: int,
          body: Callable[[int, Session], bytes], session: Callable[[], Session],
          accepted: int, network: int) -> Burst:
    """`attempts` POSTs to `path` from `concurrency` threads, each with its own connection.
    Attempt i says it comes from client 10.<network>.<i // 256>.<i % 256> (X-Forwarded-For)."""
    sessions = [session() for _ in range(concurrency)]  # not timed
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[Counter] = [Counter() for _ in range(concurrency)]
    sample: list[str] = []
    lock = threading.Lock()
    next_attempt = iter(range(attempts))
    gate = threading.Barrier(concurrency + 1)

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(web.HOST, port, timeout=60)
        mine, counts, me = latencies[n], statuses[n], sessions[n]
        clock = time.perf_counter
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if me.cookie:
            headers["Cookie"] = me.cookie
        gate.wait()
        while True:
            with lock:
                i = next(next_attempt, None)
            if i is None:
                break
            payload = body(i, me)
            headers["X-Forwarded-For"] = f"10.{network}.{i // 256}.{i % 256}"
            began = clock()
            try:
                conn.request("POST", path, payload, headers)
                response = conn.getresponse()
                text = response.read()
                mine.append((clock() - began) * 1000)
                counts[response.status] += 1
                if response.status != accepted and not sample:
                    sample.append(f"{response.status}: "
                                  f"{text.decode('utf-8', 'replace')[:2000]}")
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                counts["connection error"] += 1
                if not sample:
                    sample.append(repr(exc))
                conn.close()
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu: dict[str, float] = {}
    with _cpu_use(cpu):
        gate.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    return Burst(elapsed, [x for mine in latencies for x in mine],
                 sum(statuses, Counter()), sample[0] if sample else "", cpu)


def _form_body(day: dict, colleges: list[str], tag: str) -> Callable[[int, Session], bytes]:
    def body(i: int, session: Session) -> bytes:
        return urlencode({
            "csrfmiddlewaretoken": session.csrf,
            "first_name": "Camille", "last_name": f"Essai {i:04d}",
            "email": f"rafale-{tag}-{i:04d}@example.org", "organisation": "Banc d’essai",
            "college": colleges[i % len(colleges)], "accessibility_needs": "",
            "consent_processing": "on", "website": "",
            "submission_token": secrets.token_urlsafe(24),
            "slot_0": str(day["workshops"][i % len(day["workshops"])]),
        }).encode()
    return body


def signup_burst(port: int, day: dict, colleges: list[str], args: argparse.Namespace,
                 attempts: int) -> Burst:
    return _fire(port, day["path"], attempts, args.concurrency,
                 _form_body(day, colleges, day["slug"]),
                 lambda: _open_session(port, day["path"]), accepted=302, network=day["n"])


def insert_burst(port: int, day: dict, colleges: list[str], args: argparse.Namespace,
                 attempts: int, tag: str) -> Burst:
    # The same body as a sign-up (no CSRF: the view is exempt), so parsing costs the same.
    return _fire(port, INSERT_PATH, attempts, args.concurrency,
                 _form_body(day, colleges, tag), Session, accepted=200, network=100 + day["n"])


# --- Database counts ----------------------------------------------------------------------------


def _counts(day: dict) -> dict:
    import psycopg

    with psycopg.connect(web._database_url(), connect_timeout=5) as conn:
        by_status = dict(conn.execute(
            "SELECT status, count(*) FROM registrations_registration WHERE event_id = %s "
            "GROUP BY status", [day["id"]]).fetchall())
        per_workshop = dict(conn.execute(
            "SELECT rw.workshop_id, count(*) FROM registrations_registration_workshops rw "
            "JOIN registrations_registration r ON r.id = rw.registration_id "
            "WHERE r.event_id = %s AND r.status = 'confirmed' GROUP BY rw.workshop_id",
            [day["id"]]).fetchall())
        distinct = conn.execute(
            "SELECT count(DISTINCT email) FROM registrations_registration WHERE event_id = %s",
            [day["id"]]).fetchone()[0]
    return {"confirmed": by_status.get("confirmed", 0),
            "waitlisted": by_status.get("waitlisted", 0),
            "rows": sum(by_status.values()), "distinct_emails": distinct,
            "per_workshop": [per_workshop.get(w, 0) for w in day["workshops"]]}


def _combined(*bursts: Burst) -> Burst:
    cpu: dict[str, float] = {}
    for burst in bursts:
        for party, seconds in burst.cpu_s.items():
            cpu[party] = cpu.get(party, 0.0) + seconds
    return Burst(sum(b.seconds for b in bursts), [x for b in bursts for x in b.latencies_ms],
                 sum((b.statuses for b in bursts), Counter()),
                 next((b.sample_error for b in bursts if b.sample_error), ""), cpu)


def _inserted(tag: str) -> int:
    import psycopg

    with psycopg.connect(web._database_url(), connect_timeout=5) as conn:
        return conn.execute(
            "SELECT count(*) FROM registrations_registrationattempt "
            "WHERE ip_hash = 'bench-minimal-insert' AND email_hash LIKE %s",
            [f"rafale-{tag}-%"]).fetchone()[0]


# --- Report -------------------------------------------------------------------------------------


def _statuses(burst: Burst) -> str:
    return ", ".join(f"{status}: {n}" for status, n in sorted(
        burst.statuses.items(), key=lambda item: str(item[0])))


def _report(rows: list[tuple[str, Burst, Burst, dict, int]], args: argparse.Namespace) -> str:
    lines = [
        "| round | burst | attempts | statuses | rows in DB | confirmed | waitlisted "
        "| requests/s | p50 ms | p99 ms | ratio |",
        "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, insert, signup, counts, inserted in rows:
        lines.append(
            f"| {label} | minimal insert | {len(insert.latencies_ms):,} | {_statuses(insert)} "
            f"| {inserted:,} | — | — | {insert.requests_per_s:,.0f} | {insert.percentile(50):.0f} "
            f"| {insert.percentile(99):.0f} | |")
        lines.append(
            f"| {label} | sign-up | {len(signup.latencies_ms):,} | {_statuses(signup)} "
            f"| {counts['rows']:,} | {counts['confirmed']} "
            f"(workshops {' + '.join(map(str, counts['per_workshop']))}) "
            f"| {counts['waitlisted']} | {signup.requests_per_s:,.0f} "
            f"| {signup.percentile(50):.0f} | {signup.percentile(99):.0f} "
            f"| {signup.requests_per_s / insert.requests_per_s:.2f} |")

    signups = [row[2] for row in rows]
    inserts = [row[1] for row in rows]
    latencies = [x for burst in signups for x in burst.latencies_ms]
    signup_rate = sum(len(b.latencies_ms) for b in signups) / sum(b.seconds for b in signups)
    insert_rate = sum(len(b.latencies_ms) for b in inserts) / sum(b.seconds for b in inserts)
    ratio = signup_rate / insert_rate if insert_rate else 0.0
    confirmed = [row[3]["confirmed"] for row in rows]
    waitlisted = [row[3]["waitlisted"] for row in rows]
    accepted_per_day = [row[2].statuses[302] for row in rows]
    server_errors = sum(b.count(lambda s: s >= 500) for b in signups)
    other = sum(b.count(lambda s: s not in (302,) and s < 500) + b.statuses["connection error"]
                for b in signups)
    accepted = sum(b.statuses[302] for b in signups)
    consistent = all(
        row[3]["rows"] == row[2].statuses[302] == row[3]["distinct_emails"]
        and all(n <= row[3]["workshop_capacity"] for n in row[3]["per_workshop"])
        for row in rows
    )
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    def listing(values: list[int]) -> str:
        return ", ".join(str(v) for v in values)

    checks = [
        "| measure | target | measured | result |",
        "|---|---|--:|---|",
        f"| confirmed (per day) | exactly {args.capacity} | {listing(confirmed)} "
        f"| {verdict(all(c == args.capacity for c in confirmed))} |",
        f"| waitlisted (per day) | the rest | {listing(waitlisted)} | {verdict(all(
            c + w == a for c, w, a in zip(confirmed, waitlisted, accepted_per_day, strict=True)
        ))} |",
        f"| accepted (302) = rows in DB, distinct e-mails | all {args.attempts:,} per day "
        f"| {accepted:,} of {args.attempts * len(rows):,} "
        f"| {verdict(consistent and accepted == args.attempts * len(rows))} |",
        f"| 5xx | 0 | {server_errors} | {verdict(server_errors == 0)} |",
        f"| other non-302 / connection errors | 0 | {other} | {verdict(other == 0)} |",
        f"| registrations/s | — | {signup_rate:,.0f} | — |",
        f"| p50 | — | {p50:.0f} ms | — |",
        f"| p99 | < {TARGET_P99_MS / 1000:.0f} s | {p99:.0f} ms "
        f"| {verdict(p99 < TARGET_P99_MS)} |",
        f"| ratio to minimal insert ({insert_rate:,.0f} requests/s) | ≥ {TARGET_RATIO} "
        f"| {ratio:.2f} | {verdict(ratio >= TARGET_RATIO)} |",
    ]
    return ("\n".join(lines) + "\n\n" + "\n".join(checks) + "\n\n"
            + _cpu_table(inserts, signups))


def _cpu_table(inserts: list[Burst], signups: list[Burst]) -> str:
    """Where the two cores went, per request: the ratio of throughputs follows the ratio of
    these totals, which move less from round to round than the throughputs do."""
    parties = ("server", "postgres", "client")
    lines = ["CPU per request, all rounds (ms):", "",
             "| burst | server (gunicorn) | PostgreSQL | client | total |",
             "|---|--:|--:|--:|--:|"]
    totals = {}
    for label, bursts in (("minimal insert", inserts), ("sign-up", signups)):
        n = sum(len(b.latencies_ms) for b in bursts) or 1
        per = {p: sum(b.cpu_s.get(p, 0.0) for b in bursts) / n * 1000 for p in parties}
        totals[label] = sum(per.values())
        lines.append(f"| {label} | {per['server']:.2f} | {per['postgres']:.2f} "
                     f"| {per['client']:.2f} | {totals[label]:.2f} |")
    if totals["sign-up"]:
        lines.append(f"\nCPU ratio (minimal insert's total ÷ sign-up's): "
                     f"{totals['minimal insert'] / totals['sign-up']:.2f}")
    return "\n".join(lines)


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores
    import gunicorn as gunicorn_package

    print(f"# Concertation sign-up burst — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {cores} cores ({web._cpu_model()}), Python {platform.python_version()}, "
          f"PostgreSQL {web._server_version()}, gunicorn {gunicorn_package.__version__}, "
          f"commit {web._git_commit()}")
    print(f"server: gunicorn bench.wsgi_bench, {workers} workers × {args.threads} thread(s), "
          f"worker class {args.worker_class}; client: {args.concurrency} Python threads, "
          f"{args.attempts:,} POSTs per burst, {args.rounds} round(s) of minimal insert, "
          f"sign-up, minimal insert; {args.capacity} seats per day (2 workshops of "
          f"{(args.capacity + 1) // 2})")
    load = os.getloadavg()
    print(f"load average before: {', '.join(f'{x:.2f}' for x in load)}")
    if load[0] > cores:
        print(f"warning: load average {load[0]:.1f} on {cores} cores: other work shares the "
              "CPU, every absolute figure below is lowered by it")
    var_dir = Path(tempfile.mkdtemp(prefix="concertation-bench-"))
    env = web._environment(var_dir)
    env.update({"TRUSTED_PROXIES": PROXY})
    for name in ("REGISTRATION_RATE_PER_IP", "REGISTRATION_RATE_PER_EMAIL"):
        env.pop(name, None)  # the production defaults
    try:
        step = time.monotonic()
        web._recreate_database()
        web._run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        web._run([sys.executable, "-m", "bench.web", "_collectstatic"], env)
        seeded = json.loads(web._run(
            [sys.executable, "-m", "bench.signup", "_seed", "--rounds", str(args.rounds),
             "--capacity", str(args.capacity)], env).strip().splitlines()[-1])
        days, colleges = seeded["days"], seeded["colleges"]
        print(f"seeded in {time.monotonic() - step:.0f} s: demo data + {len(days)} days "
              f"(1 warm-up), database {web.DB_NAME}")
        rows = []
        with web.gunicorn(env, workers, args.worker_class, args.threads) as port:
            # Warm-up, not counted: every worker imports the views and compiles the templates.
            warm = min(args.attempts, 4 * args.concurrency)
            for burst in (insert_burst(port, days[0], colleges, args, warm, "warmup"),
                          signup_burst(port, days[0], colleges, args, warm)):
                if burst.sample_error:
                    raise SystemExit(f"warm-up: {_statuses(burst)}; first:\n"
                                     f"{burst.sample_error}")
            for n, day in enumerate(days[1:], start=1):
                # The reference runs just before and just after the sign-ups, and counts as
                # one: the speed of this machine's cores drifts by tens of percent from one
                # minute to the next, and a reference on one side only carried that drift
                # into the ratio.
                before = insert_burst(port, day, colleges, args, args.attempts, f"insert{n}a")
                signup = signup_burst(port, day, colleges, args, args.attempts)
                after = insert_burst(port, day, colleges, args, args.attempts, f"insert{n}b")
                insert = _combined(before, after)
                if signup.sample_error:
                    print(f"round {n}, first non-302 answer: {signup.sample_error[:500]}")
                counts = _counts(day) | {"workshop_capacity": day["workshop_capacity"]}
                rows.append((str(n), insert, signup, counts,
                             _inserted(f"insert{n}a") + _inserted(f"insert{n}b")))
        load_after = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n## Sign-up burst — load average after: {load_after}\n")
        print(_report(rows, args))
        print(f"\ntotal {time.monotonic() - started:.0f} s")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                web._drop_database()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_seed"]:  # internal: the child process
        _child(int(argv[argv.index("--rounds") + 1]), int(argv[argv.index("--capacity") + 1]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.signup", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=1000, help="POSTs per burst")
    parser.add_argument("--concurrency", type=int, default=100, help="client threads")
    parser.add_argument("--rounds", type=int, default=2,
                        help="bursts of each kind, interleaved, one fresh day per sign-up burst")
    parser.add_argument("--capacity", type=int, default=90, help="seats per day")
    parser.add_argument("--workers", type=int, default=0, help="default: 2 × cores")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true", help=f"keep {web.DB_NAME} afterwards")
    benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    main()
