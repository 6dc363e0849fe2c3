"""Benchmark of the public pages on PostgreSQL, served by gunicorn on loopback.

    python -m bench.web [--no-cache | --both] [--duration 10] [--warmup 2] [--rounds 2]
        [--connections 8] [--workers N] [--worker-class sync|gthread] [--threads 1]
        [--client auto|wrk|python] [--days 1000] [--keep-db]

1. Creates the database ``concertation_bench`` on $BENCH_POSTGRES_URL's server (default
   ``postgres://postgres@127.0.0.1:5432``), dropping it first, migrates it and collects the
   static files into a temporary CONCERTATION_VAR_DIR.
2. Seeds it: the demo data (``concertation.demo.load_demo``), then 1,000 public days (held in
   the past; registration open or published in the future) over every department, with one
   to three themes, two talks and ten workshops each, by ``bulk_create``.
3. Serves ``bench.wsgi_bench`` (the site plus a minimal "ok" view, same middleware) with
   gunicorn, DEBUG=0, no access log, 2 × cores workers, bound to a free port on 127.0.0.1.
4. Checks once that each page answers 200 with its expected text, primes every worker, then
   loads each URL for ``--warmup`` seconds (not counted) and ``--duration`` seconds, cut into
   ``--rounds`` slices interleaved with the other URLs, with ``--connections`` concurrent
   connections: ``wrk`` when it is installed (``apt-get install wrk``), otherwise a client
   of Python threads with persistent ``http.client`` connections.
5. Prints requests/s, p50 and p99 per page, the ratio of each page's throughput to the minimal
   view's, and PASS/FAIL against the targets (ratio >= 0.5, p99 < 100 ms). It is a
   measurement: the exit status is 0 whatever the figures, and 1 only when the set-up fails.

Public pages are cached per process for anonymous visitors (concertation/core/public_cache.py):
the default measures that production set-up; ``--no-cache`` (PUBLIC_PAGE_CACHE=0) measures the
rendering itself; ``--both`` runs the two against one seeded database. The server and the load
generator share the machine's cores: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "concertation_bench"
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
HOST = "127.0.0.1"
DAYS = 1000
WORKSHOPS_PER_DAY = 10
TALKS_PER_DAY = 2
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0
MINIMAL_PATH = "/__bench__/minimal/"
FILTER_REGION = "84"  # Auvergne-Rhône-Alpes: twelve departments, enough days for a page 2


# --- Seeding (runs in a child process with DATABASE_URL set before Django starts) ----------


def _seed(days: int) -> None:
    import random

    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from concertation.campaigns.models import Campaign
    from concertation.core.public_cache import bump_public_content
    from concertation.demo import load_demo
    from concertation.events.models import Event, EventState, Talk, Workshop
    from concertation.territories.models import Department, HealthTerritory

    load_demo()
    rng = random.Random(20_241_212)
    today = timezone.localdate()
    campaign = Campaign.objects.get(slug="cnr-sante-2022")
    themes = list(campaign.themes.order_by("position"))
    departments = list(Department.objects.select_related("region").order_by("code"))
    with transaction.atomic():
        # Every department gets its health territory, as the demo's eighteen have.
        covered = set(HealthTerritory.departments.through.objects.values_list(
            "department_id", flat=True))
        missing = [d for d in departments if d.pk not in covered]
        territories = HealthTerritory.objects.bulk_create([
            HealthTerritory(region=d.region, name=d.name, slug=f"ts-{d.code.lower()}")
            for d in missing
        ])
        HealthTerritory.departments.through.objects.bulk_create([
            HealthTerritory.departments.through(healthterritory_id=t.pk, department_id=d.pk)
            for t, d in zip(territories, missing, strict=True)
        ])
        territory_of = dict(HealthTerritory.departments.through.objects.values_list(
            "department_id", "healthterritory_id"))

        events = []
        for i in range(days):
            department = departments[i % len(departments)]
            date = today + dt.timedelta(days=rng.randint(-730, 365))
            if date < today:
                state = EventState.HELD
            else:
                state = rng.choice([EventState.REGISTRATION_OPEN] * 3 + [EventState.PUBLISHED])
            starts = dt.time(rng.choice([9, 9, 14]), rng.choice([0, 30]))
            events.append(Event(
                slug=f"journee-{i + 1:04d}-{slugify(department.name)}",
                title=f"Journée de concertation n°{i + 1:04d} — {department.name}",
                campaign=campaign, department=department,
                health_territory_id=territory_of[department.pk],
                summary=(
                    f"Journée d’échanges du conseil territorial de santé {department.name} "
                    "avec les usagers, les professionnels et les élus, sur les thématiques "
                    "nationales : accès aux soins, prévention, attractivité des métiers."
                ),
                co_organisers=(f"Conseil territorial de santé — {department.name}\n"
                               f"ARS {department.region.name}"),
                date=date, starts_at=starts, ends_at=dt.time(starts.hour + 3, starts.minute),
                venue_name=f"Salle des fêtes de {department.name}",
                venue_address=f"{i % 90 + 1} avenue de la République",
                venue_postcode=f"{department.code[:2].replace('A', '0').replace('B', '0')}000",
                venue_city=department.name, capacity=rng.choice([None, 80, 120, 200]),
                plenary_title="Restitution en plénière", state=state,
            ))
        events = Event.objects.bulk_create(events, batch_size=500)
        through = Event.themes.through
        through.objects.bulk_create([
            through(event_id=event.pk, theme_id=theme.pk)
            for event in events
            for theme in rng.sample(themes, rng.randint(1, 3))
        ], batch_size=2000)
        Talk.objects.bulk_create([
            Talk(event=event, position=n, title=title, speakers=speakers,
                 starts_at=dt.time(event.starts_at.hour, 15 * n))
            for event in events
            for n, (title, speakers) in enumerate([
                ("Ouverture de la journée", "Président du conseil territorial de santé"),
                ("Présentation de la démarche", "Délégation départementale de l’ARS"),
            ][:TALKS_PER_DAY])
        ], batch_size=2000)
        Workshop.objects.bulk_create([
            Workshop(event=event, position=n, title=f"Atelier {n + 1} : {theme.title}",
                     theme=theme, capacity=rng.choice([20, 30, 40]),
                     description="Échanges en petit groupe, animés par un membre du CTS.",
                     starts_at=dt.time(event.starts_at.hour + 1), ends_at=dt.time(
                         event.starts_at.hour + 2, 30))
            for event in events
            for n, theme in ((n, themes[n % len(themes)]) for n in range(WORKSHOPS_PER_DAY))
        ], batch_size=2000)
        bump_public_content()


def _expectations() -> dict:
    """The URLs to load and a text each must contain, computed the way the views do."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from concertation.events.models import Event, EventState, Workshop
    from concertation.events.views.public import AGENDA_PAGE_SIZE, agenda_order

    today = timezone.localdate()
    public = Event.objects.public()
    listing = agenda_order(public.for_listing(), today)
    regional = agenda_order(
        public.filter(department__region__code=FILTER_REGION).distinct().for_listing(), today
    )
    day = (public.filter(state=EventState.REGISTRATION_OPEN, date__gte=today,
                         slug__startswith="journee-", department__region__code=FILTER_REGION)
           .order_by("date", "id").first())
    last_workshop = day.workshops.order_by("-position").first()
    pages = {
        "minimal": {"path": MINIMAL_PATH, "expect": ["ok"]},
        "agenda": {"path": "/agenda/", "expect": [listing[0].title, f"{listing.count()} journées"]},
        "agenda filtered, page 2": {
            "path": f"/agenda/?region={FILTER_REGION}&page=2",
            "expect": [regional[AGENDA_PAGE_SIZE].title],
        },
        "day page": {"path": day.get_absolute_url(),
                     "expect": [day.title, last_workshop.title]},
    }
    for page in pages.values():
        page["expect"] = [html.escape(text) for text in page["expect"]]
    # One uncached request per page in this process: queries and time, for the report.
    client = Client(HTTP_HOST=HOST)
    with override_settings(PUBLIC_PAGE_CACHE=False):
        for page in pages.values():
            client.get(page["path"])  # imports, template loading
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(page["path"])
                page["render_ms"] = (time.perf_counter() - start) * 1000
            page["queries"] = len(queries)
            page["bytes"] = len(response.content)
    return {
        "pages": pages,
        "events_public": public.count(),
        "workshops": Workshop.objects.count(),
    }


def _child(task: str, days: int) -> None:
    import django
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls_bench"
    if task == "collectstatic":
        # The same hashed names and manifest as production's CompressedManifestStaticFilesStorage,
        # without writing the gzip and Brotli copies of 3,500 files (over a minute on 2 cores):
        # the benchmark requests HTML pages only, never a static file.
        settings.STORAGES = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    django.setup()
    if task == "collectstatic":
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        return
    _seed(days)
    print(json.dumps(_expectations()))


# --- Set-up of the database and the server ----------------------------------------------------


def _database_url() -> str:
    return f"{SERVER_URL.rstrip('/')}/{DB_NAME}"


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL.rstrip('/')}/postgres", autocommit=True,
                         connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL.rstrip('/')}/postgres", autocommit=True,
                         connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _server_version() -> str:
    import psycopg

    with psycopg.connect(f"{SERVER_URL.rstrip('/')}/postgres", connect_timeout=5) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def _environment(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "concertation.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "bench-" + "x" * 60,
        "DEBUG": "0",
        "ALLOWED_HOSTS": HOST,
        "CONCERTATION_VAR_DIR": str(var_dir),
        "WHITENOISE_USE_FINDERS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.pop("PUBLIC_PAGE_CACHE", None)
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 10) -> tuple[int, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, worker_class: str, threads: int,
             app: str = "bench.wsgi_bench:application") -> Iterator[int]:
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--worker-class", worker_class,
        "--threads", str(threads), "--keep-alive", "5", "--log-level", "warning",
    ]  # no --access-logfile: gunicorn writes no access log
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {process.returncode}")
            with contextlib.suppress(OSError):
                if _get(port, MINIMAL_PATH, timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Load generation ---------------------------------------------------------------------------


@dataclass
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _wrk_ms(text: str) -> float:
    if text == "nan":
        return float("nan")
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(value) * _UNITS_MS[unit]


def _wrk(url: str, seconds: float, connections: int) -> Result:
    out = subprocess.run(
        ["wrk", "--threads", "1", "--connections", str(connections),
         "--duration", f"{max(1, round(seconds))}s", "--timeout", "10s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if len(percentiles) < 2:
        sys.stderr.write(f"could not read wrk's percentiles:\n{out}\n")
        percentiles = {"50": "nan", "99": "nan"}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        # wrk counts a server-side close of an idle keep-alive connection as a read error;
        # connect errors and timeouts are real failures.
        errors += int(socket_errors[1]) + int(socket_errors[4])
    return Result(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        p50_ms=_wrk_ms(percentiles["50"]),
        p99_ms=_wrk_ms(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", out)[1]),
        errors=errors,
    )


def _python_client(port: int, path: str, seconds: float, connections: int) -> Result:
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start_gate = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        mine = latencies[n]
        clock = time.perf_counter
        start_gate.wait()
        while clock() < deadline[0]:
            began = clock()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[n] += 1
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                conn.close()
                continue
            mine.append(clock() - began)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for mine in latencies for x in mine)
    if not every:
        return Result(0.0, float("nan"), float("nan"), 0, sum(errors))

    def percentile(p: float) -> float:
        return every[min(len(every) - 1, int(p / 100 * len(every)))] * 1000

    return Result(len(every) / elapsed, percentile(50), percentile(99), len(every), sum(errors))


def _load(port: int, path: str, seconds: float, args: argparse.Namespace) -> Result:
    if args.client == "wrk":
        return _wrk(f"http://{HOST}:{port}{path}", seconds, args.connections)
    return _python_client(port, path, seconds, args.connections)


def measure_all(port: int, paths: list[str], args: argparse.Namespace) -> list[Result]:
    """Each path for `--duration` seconds in all, as `--rounds` interleaved slices.

    Interleaving puts the minimal view and the pages under the same outside load, so their
    ratio holds on a machine where other work comes and goes. Requests/s is the total over
    the slices; p50 is the median of the slices' p50s, p99 the highest slice p99 (at least
    the p99 of all requests together).
    """
    if args.warmup:
        for path in paths:
            _load(port, path, args.warmup, args)
    slices: list[list[Result]] = [[] for _ in paths]
    for _ in range(args.rounds):
        for n, path in enumerate(paths):
            slices[n].append(_load(port, path, args.duration / args.rounds, args))
    results = []
    for runs in slices:
        seconds = sum(r.requests / r.requests_per_s for r in runs if r.requests_per_s)
        p50s = sorted(r.p50_ms for r in runs)
        results.append(Result(
            requests_per_s=sum(r.requests for r in runs) / seconds if seconds else 0.0,
            p50_ms=p50s[len(p50s) // 2],
            p99_ms=max(r.p99_ms for r in runs),
            requests=sum(r.requests for r in runs),
            errors=sum(r.errors for r in runs),
        ))
    return results


# --- Report ------------------------------------------------------------------------------------


def _table(rows: list[tuple[str, str, Result]]) -> str:
    minimal = rows[0][2].requests_per_s
    lines = [
        "| page | URL | requests/s | p50 ms | p99 ms | ratio to minimal | errors | result |",
        "|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for name, path, result in rows:
        if path == MINIMAL_PATH:
            ratio, verdict = "1.00", "reference"
        else:
            value = result.requests_per_s / minimal if minimal else 0.0
            ratio = f"{value:.2f}"
            failures = []
            if value < TARGET_RATIO:
                failures.append(f"ratio < {TARGET_RATIO}")
            if not result.p99_ms < TARGET_P99_MS:
                failures.append(f"p99 ≥ {TARGET_P99_MS:.0f} ms")
            if result.errors or not result.requests:
                failures.append("errors")
            verdict = "PASS" if not failures else "FAIL (" + ", ".join(failures) + ")"
        lines.append(
            f"| {name} | `{path}` | {result.requests_per_s:,.0f} | {result.p50_ms:.1f} "
            f"| {result.p99_ms:.1f} | {ratio} | {result.errors} | {verdict} |"
        )
    return "\n".join(lines)


def _check_pages(port: int, pages: dict, workers: int) -> None:
    for name, page in pages.items():
        status, body = _get(port, page["path"])
        missing = [text for text in page["expect"] if text not in body]
        if status != 200 or missing:
            raise SystemExit(f"{name} ({page['path']}): status {status}, missing {missing}")
    # A worker's first request of a page imports views and compiles templates (seconds on a
    # busy machine): give every worker a few of each before anything is timed.
    def prime() -> None:
        for _ in range(3):
            for page in pages.values():
                _get(port, page["path"], timeout=60)

    threads = [threading.Thread(target=prime) for _ in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    return "unknown"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    modes = [True, False] if args.both else [not args.no_cache]
    import gunicorn as gunicorn_package

    print(f"# Concertation web benchmark — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {cores} cores ({_cpu_model()}), Python {platform.python_version()}, "
          f"PostgreSQL {_server_version()}, gunicorn {gunicorn_package.__version__}, "
          f"commit {_git_commit()}")
    print(f"server: gunicorn {args.app}, {workers} workers × {args.threads} thread(s), "
          f"worker class {args.worker_class}; client: {args.client}, {args.connections} "
          f"connections, {args.warmup:g} s warm-up + {args.duration:g} s per page "
          f"in {args.rounds} interleaved rounds")
    load = os.getloadavg()[0]
    if load > cores:
        print(f"warning: load average {load:.1f} on {cores} cores before the run: other work "
              "shares the CPU, every figure below is lowered by it")
    var_dir = Path(tempfile.mkdtemp(prefix="concertation-bench-"))
    env = _environment(var_dir)
    try:
        step = time.monotonic()
        _recreate_database()
        manage = [sys.executable, "manage.py"]
        _run([*manage, "migrate", "--noinput", "--verbosity", "0"], env)
        _run([sys.executable, "-m", "bench.web", "_collectstatic"], env)
        seeded = json.loads(_run(
            [sys.executable, "-m", "bench.web", "_seed", "--days", str(args.days)], env
        ).strip().splitlines()[-1])
        pages = seeded["pages"]
        print(f"seeded in {time.monotonic() - step:.0f} s: {seeded['events_public']} public "
              f"days, {seeded['workshops']} workshops (database {DB_NAME})")
        print("one uncached request per page, in process: "
              + "; ".join(f"{name} {page['queries']} queries, {page['render_ms']:.0f} ms, "
                          f"{page['bytes'] / 1024:.0f} KiB" for name, page in pages.items()))
        for cached in modes:
            env["PUBLIC_PAGE_CACHE"] = "1" if cached else "0"
            label = ("public page cache on (production set-up)" if cached
                     else "public page cache off (PUBLIC_PAGE_CACHE=0)")
            with gunicorn(env, workers, args.worker_class, args.threads, args.app) as port:
                _check_pages(port, pages, workers)
                paths = [page["path"] for page in pages.values()]
                rows = list(zip(pages, paths, measure_all(port, paths, args), strict=True))
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"\n## {label} — load average after: {load}\n")
            print(_table(rows))
        print(f"\ntargets: each page ≥ {TARGET_RATIO:.0%} of the minimal view's requests/s "
              f"and p99 < {TARGET_P99_MS:.0f} ms; total {time.monotonic() - started:.0f} s")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                _drop_database()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["_seed"], ["_collectstatic"]):  # internal: the child processes
        days = int(argv[argv.index("--days") + 1]) if "--days" in argv else DAYS
        _child(argv[0][1:], days)
        return
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument("--no-cache", action="store_true",
                       help="serve with PUBLIC_PAGE_CACHE=0 (rendering cost)")
    cache.add_argument("--both", action="store_true", help="cache on, then cache off")
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each page")
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved slices the duration is cut into")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="default: 2 × cores")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--app", default="bench.wsgi_bench:application",
                        help="WSGI application to serve, to try a change out (it must keep "
                             "the minimal view of bench.urls_bench)")
    parser.add_argument("--client", default="auto", choices=["auto", "wrk", "python"])
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DB_NAME} afterwards")
    args = parser.parse_args(argv)
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")
    benchmark(args)


if __name__ == "__main__":
    main()
