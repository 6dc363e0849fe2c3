"""The public API at scale on PostgreSQL, served by gunicorn on loopback.

    python -m bench.api [--contributions 100000] [--votes 1000000] [--requests 400]
        [--rounds 2] [--connections 8] [--workers N] [--keep-db]

1. Creates and seeds the database exactly as ``bench.contributions`` does (its ``_seed``:
   the demo, 500 days, ``--contributions`` contributions and ``--votes`` votes by COPY).
2. Serves ``bench.wsgi_bench`` with gunicorn (``DEBUG=0``, the whole middleware stack, the
   API's rate limit lifted for the load generator, which is one address).
3. Loads, in ``--rounds`` interleaved rounds: the minimal JSON view of ``bench.urls_bench``
   (a ``JsonResponse`` of an empty page, same middleware), and ``GET /api/v1/contributions/``
   with a mix of what a client does: the first page, the three sorts, 200 rows at once, a
   French full-text search, filters by territory, theme, day, college and status, and pages
   10 and 50 reached by following ``next`` (the cursors read beforehand).
4. Prints requests/s, p50, p99 of each, the throughput ratio to the minimal JSON view, and
   PASS/FAIL against the targets (p99 < 100 ms, throughput >= 0.5 of the minimal JSON view).
   The exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from bench import contributions as seeding
from bench import web

web.DB_NAME = "concertation_bench_api"  # apart from the other benchmarks' databases

MINIMAL_JSON_PATH = "/__bench__/minimal-json/"
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.5


def _api_paths(port: int, seeded: dict) -> list[str]:
    """The client's mix: the list paths of `bench.contributions` turned into the API's
    parameters, and pages deep in the list reached by following `next`."""
    paths = ["/api/v1/contributions/", "/api/v1/contributions/?sort=soutenues",
             "/api/v1/contributions/?sort=consensuelles", "/api/v1/contributions/?limit=200"]
    for path in seeded["list_paths"]:
        query = urlsplit(path).query
        if query and "page=" not in query and query.split("=")[0] != "sort":
            paths.append(f"/api/v1/contributions/?{query}")
    following = "/api/v1/contributions/?sort=soutenues"
    for page in range(2, 51):
        status, body = web._get(port, following, timeout=60)
        if status != 200:
            raise SystemExit(f"{following}: status {status}")
        following = urlsplit(json.loads(body)["next"])
        following = f"{following.path}?{following.query}"
        if page in (10, 50):
            paths.append(following)
    return paths


def _check(port: int, paths: list[str]) -> None:
    for path in paths:
        status, body = web._get(port, path, timeout=60)
        if status != 200 or '"results"' not in body:
            raise SystemExit(f"{path}: status {status}: {body[:200]}")


def measure(port: int, paths: list[str], args: argparse.Namespace) -> dict:
    readers = [seeding.Client() for _ in range(args.connections)]
    _check(port, paths)
    # Warm-up, not counted: each worker imports the API and plans each query once.
    seeding._fire(port, readers, seeding._get_requests(paths, 4 * args.workers * len(paths)),
                  {200})
    seeding._fire(port, readers, seeding._get_requests([MINIMAL_JSON_PATH], 200), {200})
    results: dict[str, seeding.Burst] = defaultdict(seeding.Burst)
    for _ in range(args.rounds):
        results["minimal"].add(seeding._fire(port, readers, seeding._get_requests(
            [MINIMAL_JSON_PATH], args.requests), {200}))
        results["api"].add(seeding._fire(port, readers, seeding._get_requests(
            paths, args.requests), {200}))
    return results


def report(results: dict) -> str:
    minimal, api = results["minimal"], results["api"]
    ratio = api.requests_per_s / minimal.requests_per_s
    ok = api.percentile(99) < TARGET_P99_MS and ratio >= TARGET_RATIO
    lines = [
        "| measure | requests | requests/s | p50 ms | p99 ms | throughput ÷ minimal "
        "| errors | target | result |",
        "|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for label, burst, target, verdict in (
            ("minimal JSON view (GET)", minimal, "—", "reference"),
            ("GET /api/v1/contributions/, client mix", api,
             f"p99 < {TARGET_P99_MS:.0f} ms, ≥ {TARGET_RATIO} × minimal",
             "PASS" if ok else "FAIL")):
        errors = sum(n for s, n in burst.statuses.items() if s != 200)
        lines.append(f"| {label} | {len(burst.latencies_ms):,} | {burst.requests_per_s:,.0f} "
                     f"| {burst.percentile(50):.1f} | {burst.percentile(99):.1f} "
                     f"| {burst.requests_per_s / minimal.requests_per_s:.2f} | {errors} "
                     f"| {target} | {verdict} |")
    lines += ["", "| API URL | requests | p50 ms | p99 ms |", "|---|--:|--:|--:|"]
    for path, values in sorted(api.by_path.items(),
                               key=lambda kv: -seeding._percentile(kv[1], 50)):
        lines.append(f"| `{path[:110]}` | {len(values)} | {seeding._percentile(values, 50):.1f} "
                     f"| {seeding._percentile(values, 99):.1f} |")
    for name, burst in results.items():
        if burst.sample_error:
            lines.append(f"\nfirst unexpected answer ({name}): {burst.sample_error[:400]}")
    return "\n".join(lines)


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    cores = os.cpu_count() or 1
    args.workers = args.workers or 2 * cores
    import gunicorn as gunicorn_package

    print(f"# Concertation public API benchmark — "
          f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {cores} cores ({web._cpu_model()}), Python {platform.python_version()}, "
          f"PostgreSQL {web._server_version()}, gunicorn {gunicorn_package.__version__}, "
          f"commit {web._git_commit()}")
    print(f"server: gunicorn bench.wsgi_bench, {args.workers} sync workers; client: Python "
          f"threads ({args.connections} connections), {args.requests} requests per measure "
          f"and round, {args.rounds} interleaved rounds")
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    var_dir = Path(tempfile.mkdtemp(prefix="concertation-bench-api-"))
    env = web._environment(var_dir)
    env["API_RATE_PER_MINUTE"] = str(10**9)  # the load generator is one address
    try:
        step = time.monotonic()
        web._recreate_database()
        web._run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        seeded = json.loads(web._run(
            [sys.executable, "-m", "bench.contributions", "_seed", str(args.contributions),
             str(args.votes)], env).strip().splitlines()[-1])
        web._run([sys.executable, "-m", "bench.web", "_collectstatic"], env)
        print(f"seeded in {time.monotonic() - step:.0f} s: {seeded['contributions']:,} "
              f"contributions, {seeded['votes']:,} votes by {seeded['voters']:,} accounts")
        with web.gunicorn(env, args.workers, "sync", 1, "bench.wsgi_bench:application") as port:
            paths = _api_paths(port, seeded)
            results = measure(port, paths, args)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\nload average after: {load}\n")
        print(report(results))
        print(f"\ntotal {time.monotonic() - started:.0f} s")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                web._drop_database()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400,
                        help="requests per measure and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="default: 2 × cores")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {web.DB_NAME} afterwards")
    benchmark(parser.parse_args(argv if argv is not None else sys.argv[1:]))


if __name__ == "__main__":
    main()
