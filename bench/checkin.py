"""The door's sync under load: offline check-ins from several devices at once, on PostgreSQL,
served by gunicorn on loopback.

    python -m bench.checkin [--people 1000] [--devices 4] [--batch 50] [--overlap 25]
        [--workers N] [--keep-db]

1. Creates the database ``concertation_bench_checkin`` (or $BENCH_CHECKIN_DB), dropping it
   first, migrates it and collects the static files, with the functions of ``bench.web``.
2. Seeds, in a child process: the demo data, one day held today with ``--people`` confirmed
   registrations, and an organiser of its territory who signs in with a password.
3. Serves ``bench.wsgi_bench`` with gunicorn as ``bench.web`` does (DEBUG=0, the whole
   middleware stack, 2 × cores sync workers, no access log).
4. Each of ``--devices`` client threads signs in as the organiser (its own session, as a
   tablet at the door would), opens the door page for its CSRF token, then, released with
   the others at one instant, sends its queue to .../accueil/appareil/synchroniser/ in
   batches of ``--batch``: its share of the people, each flagged offline with a device time,
   plus ``--overlap`` people of the next device's share (two devices pointing the same
   person), and every batch sent twice (an answer lost on the way back: the device sends
   again under the same ids). Then, the same way, the same number of requests carrying the
   same number of items to ``/__bench__/minimal-insert-json/`` (same middleware, one
   transaction inserting one small row per item): the cheapest write of as many rows.
5. Counts in the database: every person checked in exactly once, flagged offline, one
   ``DoorSync`` row per id (people + overlap), and prints time, items/s and p50/p99 per
   request of the sync next to the minimal insert's, with PASS/FAIL on exactly-once and no
   5xx. The exit status is 0 whatever the figures, 1 only when the set-up fails.
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
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import web
from bench.signup import _percentile

INSERT_PATH = "/__bench__/minimal-insert-json/"
USERNAME = "banc-accueil"
PASSWORD = "banc-accueil-mot-de-passe"
web.DB_NAME = os.environ.get("BENCH_CHECKIN_DB", "concertation_bench_checkin")


# --- Seeding (child process, DATABASE_URL set before Django starts) -------------------------


def _seed(people: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from concertation.accounts.models import OrganiserMembership
    from concertation.campaigns.models import Campaign
    from concertation.events.models import Event, EventState
    from concertation.registrations.models import Registration, new_code
    from concertation.territories.models import Department, HealthTerritory

    web._seed(0)  # the demo data, and a health territory for every department
    campaign = Campaign.objects.get(slug="cnr-sante-2022")
    department = Department.objects.get(code="69")
    territory = HealthTerritory.objects.filter(departments=department).first()
    event = Event.objects.create(
        slug="accueil-sous-charge", title="Accueil sous charge", campaign=campaign,
        department=department, health_territory=territory, date=timezone.localdate(),
        starts_at=dt.time(9), ends_at=dt.time(17), venue_name="Salle du conseil",
        venue_address="1 place Bellecour", venue_postcode="69002", venue_city="Lyon",
        state=EventState.REGISTRATION_CLOSED,
    )
    colleges = [key for key, _ in campaign.college_choices]
    codes = set()
    while len(codes) < people:
        codes.add(new_code())
    Registration.objects.bulk_create([
        Registration(event=event, code=code, status="confirmed", first_name="Camille",
                     last_name=f"Essai {i:04d}", email=f"accueil-{i:04d}@example.org",
                     college=colleges[i % len(colleges)], consent_processing=True)
        for i, code in enumerate(sorted(codes))
    ])
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD,
                                                email="banc-accueil@example.org")
    OrganiserMembership.objects.create(user=user, council=territory.council)
    return {"id": event.pk, "codes": sorted(codes),
            "path": f"/espace-organisateur/journees/{event.pk}/accueil/appareil/"}


def _child(people: int) -> None:
    import django

    django.setup()
    print(json.dumps(_seed(people)))


# --- Client -------------------------------------------------------------------------------------


@dataclass
class Device:
    cookie: str = ""
    csrf: str = ""


@dataclass
class Burst:
    seconds: float
    items: int
    latencies_ms: list[float]
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    sample_error: str = ""


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        parsed = SimpleCookie()
        parsed.load(header)
        jar.update({name: morsel.value for name, morsel in parsed.items()})


def _request(port: int, method: str, path: str, jar: dict[str, str], body: bytes = b"",
             headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection(web.HOST, port, timeout=60)
    try:
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), **(headers or {})}
        conn.request(method, path, body, sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        _cookies(response, jar)
        return response.status, response.headers.get("Location", ""), text
    finally:
        conn.close()


def _sign_in(port: int, door_path: str) -> Device:
    """The organiser's password sign-in, then the door page's CSRF token: not timed."""
    jar: dict[str, str] = {}
    status, _, page = _request(port, "GET", "/compte/connexion/", jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        raise SystemExit(f"GET /compte/connexion/: status {status}, no CSRF token")
    body = urlencode({"csrfmiddlewaretoken": token[1], "username": USERNAME,
                      "password": PASSWORD, "next": ""}).encode()
    status, location, _ = _request(port, "POST", "/compte/connexion/", jar, body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://{web.HOST}:{port}/compte/connexion/"})
    if status != 302 or "sessionid" not in jar:
        raise SystemExit(f"sign-in: status {status} to {location!r}, no session")
    status, _, page = _request(port, "GET", door_path, jar)
    token = re.search(r'data-csrf="([^"]+)"', page)
    if status != 200 or token is None:
        raise SystemExit(f"GET {door_path}: status {status}, no data-csrf")
    return Device(cookie="; ".join(f"{k}={v}" for k, v in jar.items()), csrf=token[1])


def _queues(codes: list[str], devices: int, overlap: int) -> list[list[dict]]:
    """Each device's offline queue: its share of the people, and `overlap` people of the
    next device's share, with ids made on the device and its clock's time."""
    share = (len(codes) + devices - 1) // devices
    parts = [codes[i * share:(i + 1) * share] for i in range(devices)]
    now = dt.datetime.now(dt.UTC)
    queues = []
    for n, part in enumerate(parts):
        mine = part + parts[(n + 1) % devices][:overlap]
        queues.append([{"client_id": str(uuid.uuid4()), "kind": "check_in", "code": code,
                        "offline": True,
                        "device_at": (now - dt.timedelta(seconds=i)).isoformat()}
                       for i, code in enumerate(mine)])
    return queues


def _fire(port: int, path: str, devices: list[Device], batches: list[list[bytes]],
          items: int) -> Burst:
    """Each device's batches, in order, from its own thread and connection, all released at
    one instant."""
    latencies: list[list[float]] = [[] for _ in devices]
    statuses: list[Counter] = [Counter() for _ in devices]
    outcomes: list[Counter] = [Counter() for _ in devices]
    sample: list[str] = []
    gate = threading.Barrier(len(devices) + 1)

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(web.HOST, port, timeout=60)
        headers = {"Content-Type": "application/json", "Cookie": devices[n].cookie,
                   "X-CSRFToken": devices[n].csrf,
                   "Referer": f"http://{web.HOST}:{port}/"}
        gate.wait()
        for body in batches[n]:
            began = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                text = response.read()
                latencies[n].append((time.perf_counter() - began) * 1000)
                statuses[n][response.status] += 1
                if response.status != 200:
                    if not sample:
                        sample.append(f"{response.status}: {text[:1000]!r}")
                elif text.startswith(b"{\"results\""):
                    outcomes[n].update(r["outcome"] for r in json.loads(text)["results"])
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                statuses[n]["connection error"] += 1
                if not sample:
                    sample.append(repr(exc))
                conn.close()
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(devices))]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return Burst(time.perf_counter() - began, items, [x for mine in latencies for x in mine],
                 sum(statuses, Counter()), sum(outcomes, Counter()),
                 sample[0] if sample else "")


def _batches(queue: list[dict], size: int, replay: bool) -> list[bytes]:
    out = []
    for i in range(0, len(queue), size):
        body = json.dumps({"items": queue[i:i + size]}).encode()
        out += [body, body] if replay else [body]
    return out


def _counts(event_id: int) -> dict:
    import psycopg

    with psycopg.connect(web._database_url(), connect_timeout=5) as conn:
        present, offline, people = conn.execute(
            "SELECT count(checked_in_at), count(*) FILTER (WHERE checked_in_offline), count(*) "
            "FROM registrations_registration WHERE event_id = %s", [event_id]).fetchone()
        syncs = dict(conn.execute(
            "SELECT outcome, count(*) FROM registrations_doorsync WHERE event_id = %s "
            "GROUP BY outcome", [event_id]).fetchall())
        inserted = conn.execute(
            "SELECT count(*) FROM registrations_registrationattempt "
            "WHERE ip_hash = 'bench-minimal-insert-json'").fetchone()[0]
    return {"present": present, "offline": offline, "people": people, "syncs": syncs,
            "inserted": inserted}


def _line(name: str, burst: Burst) -> str:
    return (f"| {name} | {burst.items:,} | {len(burst.latencies_ms)} | {burst.seconds:.2f} | "
            f"{burst.items / burst.seconds:,.0f} | {_percentile(burst.latencies_ms, 50):.0f} | "
            f"{_percentile(burst.latencies_ms, 99):.0f} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(burst.statuses.items(), key=str))} |")


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores
    import gunicorn as gunicorn_package

    print(f"# Concertation door sync — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {cores} cores ({web._cpu_model()}), Python {platform.python_version()}, "
          f"PostgreSQL {web._server_version()}, gunicorn {gunicorn_package.__version__}, "
          f"commit {web._git_commit()}")
    print(f"server: gunicorn bench.wsgi_bench, {workers} sync workers; client: "
          f"{args.devices} devices (threads, own session each), {args.people:,} people, "
          f"{args.overlap} of the next device's people each, batches of {args.batch}, "
          "every batch sent twice")
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    var_dir = Path(tempfile.mkdtemp(prefix="concertation-bench-"))
    env = web._environment(var_dir)
    try:
        web._recreate_database()
        web._run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        web._run([sys.executable, "-m", "bench.web", "_collectstatic"], env)
        day = json.loads(web._run([sys.executable, "-m", "bench.checkin", "_seed", "--people",
                                   str(args.people)], env).strip().splitlines()[-1])
        queues = _queues(day["codes"], args.devices, args.overlap)
        items = sum(len(q) for q in queues)
        sync_path = day["path"] + "synchroniser/"
        with web.gunicorn(env, workers, "sync", 1) as port:
            devices = [_sign_in(port, day["path"]) for _ in range(args.devices)]
            # Warm-up, not counted: every worker imports the views (a list read each).
            for device in devices * workers:
                _request(port, "GET", day["path"] + "liste.json",
                         dict(c.split("=", 1) for c in device.cookie.split("; ")))
            sync = _fire(port, sync_path, devices,
                         [_batches(q, args.batch, replay=True) for q in queues], 2 * items)
            inserts = [[{"tag": i["client_id"]} for i in q] for q in queues]
            insert = _fire(port, INSERT_PATH, devices,
                           [_batches(q, args.batch, replay=True) for q in inserts], 2 * items)
        counts = _counts(day["id"])
        expected_syncs = {"recorded": args.people, "already": args.devices * args.overlap}
        exactly_once = (counts["present"] == counts["offline"] == counts["people"] == args.people
                        and counts["syncs"] == expected_syncs)
        no_5xx = not any(isinstance(s, int) and s >= 500 or s == "connection error"
                         for b in (sync, insert) for s in b.statuses)
        print(f"\n## Door sync — load average after: "
              f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| requests to | items sent | requests | time (s) | items/s | p50 (ms) | "
              "p99 (ms) | statuses |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        print(_line("door sync", sync))
        print(_line("minimal insert (reference)", insert))
        print(f"\nsync time / minimal insert time: {sync.seconds / insert.seconds:.2f}")
        print(f"answers: {dict(sync.outcomes)} (each batch twice: the replay repeats the "
              "first answer)")
        print(f"database: {counts['present']:,} of {counts['people']:,} checked in, "
              f"{counts['offline']:,} flagged offline, door sync rows {counts['syncs']}, "
              f"minimal rows {counts['inserted']:,}")
        print(f"exactly once: {'PASS' if exactly_once else 'FAIL'} (expected "
              f"{args.people:,} checked in and offline, rows {expected_syncs}); "
              f"no 5xx: {'PASS' if no_5xx else 'FAIL'}")
        if sync.sample_error or insert.sample_error:
            print(f"first non-200 answer: {(sync.sample_error or insert.sample_error)[:500]}")
        print(f"\ntotal {time.monotonic() - started:.0f} s")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                web._drop_database()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_seed"]:  # internal: the child process
        _child(int(argv[argv.index("--people") + 1]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.checkin", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1000, help="offline check-ins to sync")
    parser.add_argument("--devices", type=int, default=4, help="devices syncing at once")
    parser.add_argument("--batch", type=int, default=50, help="items per request")
    parser.add_argument("--overlap", type=int, default=25,
                        help="people each device also points from the next one's share")
    parser.add_argument("--workers", type=int, default=0, help="default: 2 × cores")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {web.DB_NAME} afterwards")
    benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    main()
