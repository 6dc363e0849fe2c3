"""The national tier at the scale of a national campaign, on PostgreSQL.

    python -m bench.national [--days 250] [--participants 10000] [--contributions 20000]
        [--proposals 2000] [--requests 60] [--keep-db]

1. Creates the database ``concertation_bench_national`` (dropped first; $BENCH_NATIONAL_DB
   to change it) and migrates it, with the helpers of ``bench.web``.
2. Seeds, in a child process, the 18 regions: ``--days`` held days spread over every
   department (one health territory each), ``--participants`` registrations spread over the
   days (colleges mixed, two thirds checked in), ``--contributions`` contributions of the
   days' four workshops whose texts are drawn from the French answers of
   ``shared/data/contributions/entendre-la-france-tagged.csv`` (CONCERTATION_SHARED_DATA, as
   for bench-analysis), ten votes per registration on contributions of its day; then one
   regional synthesis per region, validated and transmitted (its ``Transmission`` in the
   inbox), ``--proposals`` adopted proposals in all (one in ten amended) citing every
   contribution of their region, one in ten merged into another of the same proposal, and a
   follow-up recorded on one in four. Proposal texts repeat 300 ideas with regional wordings,
   so that near-duplicates exist across regions.
3. Measures, in one child process, after a warm-up of each:
   - national near-duplicate suggestions: the analysis engine of the regional consolidation
     (``synthesis.consolidation.duplicate_groups``) on every transmitted proposal; reference:
     the same on one region's proposals;
   - provenance of the consolidated list (``provenance.compute_many`` over every edition and
     proposal): time and queries, and the queries for two editions (the count must not
     move); reference: reading the same (group, contribution) rows with ``values_list``;
   - the national dashboard with its map (``/espace-organisateur/tableau-de-bord/`` as the
     national secretariat; the back-office is never cached), ``--requests`` requests through
     Django's test client: p50 and p99; reference: the national inbox, same client;
   - the national consolidation page (its first page of 50, every filter off): p50 and p99;
     reference: the inbox;
   - the national report as PDF of every proposal: time and pages; reference: rendering its
     HTML (the same data and template), so the ratio is WeasyPrint's share.
4. Prints each figure next to its reference, PASS/FAIL against the issue's targets
   (duplicates ≤ 60 s, provenance ≤ 2 s with a constant query count, dashboard p99 ≤ 200 ms,
   PDF ≤ 60 s), and the load average. Exit status 0 whatever the figures, 1 when the set-up
   fails.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import web
from bench.analysis.corpus import DATA as SHARED_DATA

web.DB_NAME = os.environ.get("BENCH_NATIONAL_DB", "concertation_bench_national")
TEXTS = SHARED_DATA / "contributions" / "entendre-la-france-tagged.csv"
THEMES = ["Accès à un médecin traitant", "Attractivité des métiers de la santé",
          "Permanence et continuité des soins", "Prévention et promotion de la santé"]
COLLEGES = ["usager", "professionnel", "etablissement", "elu", "institution", "citoyen"]
VOTES_PER_REGISTRATION = 10
IDEAS = 300
TARGET_DUPLICATES_S, TARGET_PROVENANCE_S, TARGET_DASHBOARD_MS, TARGET_PDF_S = 60, 2, 200, 60


def _texts() -> list[str]:
    if not TEXTS.exists():
        raise SystemExit(f"{TEXTS} is missing: set CONCERTATION_SHARED_DATA to the shared data "
                         "folder (see docs/benchmarks.md).")
    with TEXTS.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"].replace("&&", " ").strip() for row in csv.DictReader(handle)]
    return [t[:700] for t in texts if len(t) >= 40]


# --- Seeding (child process) -----------------------------------------------------------------


def _seed(args: argparse.Namespace) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from concertation.accounts.models import OrganiserMembership, Role
    from concertation.campaigns.models import Campaign, Theme
    from concertation.contributions.models import Contribution, Vote
    from concertation.events.models import Event, EventState, Workshop
    from concertation.national.models import FollowUp, Transmission
    from concertation.registrations.models import Registration
    from concertation.synthesis.models import Decision, Synthesis, SynthesisGroup, SynthesisItem
    from concertation.territories.models import Department, HealthTerritory, Region

    rng = random.Random(2022)
    texts = _texts()
    now = timezone.now()
    campaign = Campaign.objects.create(title="CNR Santé (banc national)", slug="banc-national",
                                       scope="national")
    themes = [Theme.objects.create(campaign=campaign, title=t, slug=f"banc-theme-{i}",
                                   position=i) for i, t in enumerate(THEMES)]
    departments = list(Department.objects.select_related("region").order_by("code"))
    territories = {}
    for department in departments:
        territory = HealthTerritory.objects.create(
            region=department.region, name=department.name,
            slug=f"banc-territoire-{department.code.lower()}")
        territory.departments.add(department)
        territories[department.pk] = territory
    days = []
    for i in range(args.days):
        department = departments[i % len(departments)]
        days.append(Event(
            campaign=campaign, title=f"Journée de concertation {department.name} n° {i}",
            slug=f"banc-journee-{i}", department=department,
            health_territory=territories[department.pk],
            date=dt.date(2022, 11, 25) + dt.timedelta(days=i % 120), starts_at=dt.time(9),
            ends_at=dt.time(17), venue_name="Préfecture", venue_address="1 place de la Mairie",
            venue_postcode="00000", venue_city=department.name, state=EventState.HELD))
    days = Event.objects.bulk_create(days)
    workshops = Workshop.objects.bulk_create([
        Workshop(event=day, title=f"Atelier {t}", theme=themes[k], capacity=60, position=k)
        for day in days for k, t in enumerate(THEMES)])
    workshops_of: dict[int, list] = {}
    for w in workshops:
        workshops_of.setdefault(w.event_id, []).append(w)
    registrations = Registration.objects.bulk_create([
        Registration(event=days[n % len(days)], status="confirmed", first_name="Participant",
                     last_name=str(n), college=COLLEGES[n % len(COLLEGES)],
                     checked_in_at=now if n % 3 else None)
        for n in range(args.participants)], batch_size=5000)
    rows = []
    for n in range(args.contributions):
        day = days[n % len(days)]
        workshop = workshops_of[day.pk][n % 4]
        rows.append(Contribution(
            campaign=campaign, theme_id=workshop.theme_id, text=texts[rng.randrange(len(texts))],
            origin="workshop", event=day, workshop=workshop, department_id=day.department_id,
            health_territory_id=day.health_territory_id, college=rng.choice(COLLEGES),
            state="transmitted", created_at=now))
    contributions = Contribution.objects.bulk_create(rows, batch_size=5000)
    by_day: dict[int, list[int]] = {}
    for c in contributions:
        by_day.setdefault(c.event_id, []).append(c.pk)
    values = [1] * 60 + [-1] * 25 + [0] * 15
    Vote.objects.bulk_create([
        Vote(contribution_id=pk, registration=r, value=rng.choice(values), college=r.college)
        for r in registrations
        for pk in rng.sample(by_day[r.event_id], min(VOTES_PER_REGISTRATION,
                                                      len(by_day[r.event_id])))
    ], batch_size=10000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contributions_contribution c SET agree_count = v.a, disagree_count = v.d, "
            "pass_count = v.p FROM (SELECT contribution_id, "
            "count(*) FILTER (WHERE value = 1) a, count(*) FILTER (WHERE value = -1) d, "
            "count(*) FILTER (WHERE value = 0) p FROM contributions_vote "
            "GROUP BY contribution_id) v WHERE c.id = v.contribution_id")
    national = get_user_model().objects.create(username="banc-ministere", password="!")
    OrganiserMembership.objects.create(user=national, role=Role.NATIONAL)
    ideas = [texts[rng.randrange(len(texts))][:400] for _ in range(IDEAS)]
    wordings = ["", " dans la région", ", au plus près des habitants", ", avec les CPTS"]
    regions = list(Region.objects.order_by("code"))
    by_region: dict[int, list] = {r.pk: [] for r in regions}
    region_of_day = {d.pk: d.department.region_id for d in days}
    for c in contributions:
        by_region[region_of_day[c.event_id]].append(c)
    seeded_regions = [r for r in regions if by_region[r.pk]]
    share = {r.pk: len(by_region[r.pk]) for r in seeded_regions}
    total = sum(share.values())
    proposals = 0
    for k, region in enumerate(seeded_regions):
        n = (args.proposals - proposals if k == len(seeded_regions) - 1
             else round(args.proposals * share[region.pk] / total))
        n = max(1, min(n, share[region.pk]))
        proposals += n
        synthesis = Synthesis.objects.create(
            campaign=campaign, level="region", region=region,
            title=f"Synthèse régionale {region.name} (banc)", slug=f"banc-synthese-{region.code}",
            introduction="Journées départementales de la région, consolidées par l’ARS et "
                         "validées avec la CRSA.", state="transmitted", is_public=True,
            transmitted_at=now, revision=1)
        synthesis.days.set([d for d in days if region_of_day[d.pk] == region.pk])
        groups = SynthesisGroup.objects.bulk_create([
            SynthesisGroup(synthesis=synthesis, position=i, theme=themes[i % len(themes)],
                           title=(idea := ideas[rng.randrange(IDEAS)])[:90],
                           text=idea + rng.choice(wordings) + ".")
            for i in range(n)])
        members = by_region[region.pk]
        items, merged = [], []
        for j, c in enumerate(members):
            group = groups[j % n]
            first = members[j % n]
            if j >= n and j % 10 == 3:
                merged.append((c.pk, first.pk))
            else:
                items.append(SynthesisItem(synthesis=synthesis, group=group, contribution=c))
        SynthesisItem.objects.bulk_create(items, batch_size=5000)
        for source, target in merged:
            Contribution.objects.filter(pk=source).update(merged_into_id=target, state="merged")
        Decision.objects.bulk_create([
            Decision(group=g, outcome="amended" if i % 10 == 3 else "adopted",
                     votes_for=40 - i % 7, votes_against=i % 5, abstentions=i % 3,
                     original_text=g.text,
                     amended_text=(g.text + " (amendée en séance)") if i % 10 == 3 else "")
            for i, g in enumerate(groups)])
        transmission = Transmission.objects.create(synthesis=synthesis, received_at=now)
        FollowUp.objects.bulk_create([
            FollowUp(transmission=transmission, group=g,
                     outcome=["retained", "covered", "not_retained"][i % 3],
                     measure="Mesure nationale (banc)" if i % 3 != 2 else "",
                     reason="Motif (banc)" if i % 3 == 2 else "", recorded_by=national)
            for i, g in enumerate(groups) if i % 4 == 0])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"regions": len(seeded_regions), "days": len(days),
            "registrations": len(registrations), "contributions": len(contributions),
            "votes": Vote.objects.count(), "proposals": proposals}


# --- Measures (child process) ----------------------------------------------------------------


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _measure(requests: int) -> dict:
    import io

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from concertation.contributions.models import Contribution
    from concertation.national import consolidation
    from concertation.national import report as national_report
    from concertation.national.models import Transmission
    from concertation.synthesis import provenance
    from concertation.synthesis.consolidation import duplicate_groups
    from concertation.synthesis.models import SynthesisGroup, SynthesisItem

    settings.ALLOWED_HOSTS = ["testserver"]
    result: dict = {}
    transmissions = list(Transmission.objects.select_related("synthesis__campaign",
                                                             "synthesis__region"))
    syntheses = [t.synthesis for t in transmissions]
    groups = list(SynthesisGroup.objects.filter(synthesis__in=syntheses)
                  .values_list("pk", "text", "synthesis_id"))
    ids = [g[0] for g in groups]

    # Near-duplicates across regions: the engine on every transmitted proposal.
    duplicate_groups([(pk, text) for pk, text, _ in groups[:50]])  # warm-up (imports)
    one = [(pk, text) for pk, text, s in groups if s == syntheses[0].pk]
    start, cpu = time.perf_counter(), time.process_time()
    found = duplicate_groups([(pk, text) for pk, text, _ in groups])
    result["duplicates_s"] = time.perf_counter() - start
    result["duplicates_cpu_s"] = time.process_time() - cpu
    result["duplicate_groups"] = len(found)
    synthesis_of = {pk: s for pk, _, s in groups}
    result["duplicates_regions"] = sum(1 for g in found if len({synthesis_of[pk] for pk in g}) > 1)
    start = time.perf_counter()
    duplicate_groups(one)
    result["duplicates_reference_s"] = time.perf_counter() - start
    result["duplicates_reference_n"] = len(one)

    # Provenance of the whole consolidated list, and its query count at 18 and 2 editions.
    provenance.compute_many(syntheses, ids)  # warm-up
    with CaptureQueriesContext(connection) as all_queries:
        start, cpu = time.perf_counter(), time.process_time()
        figures = provenance.compute_many(syntheses, ids)
        result["provenance_s"] = time.perf_counter() - start
        result["provenance_cpu_s"] = time.process_time() - cpu
    result["provenance_queries"] = len(all_queries.captured_queries)
    result["provenance_participants"] = figures.total.participants
    with CaptureQueriesContext(connection) as two:
        provenance.compute_many(syntheses[:2], [g[0] for g in groups
                                                if g[2] in {s.pk for s in syntheses[:2]}])
    result["provenance_queries_two"] = len(two.captured_queries)
    start = time.perf_counter()
    rows = list(SynthesisItem.objects.filter(synthesis__in=syntheses)
                .values_list("group_id", "contribution_id"))
    list(Contribution.objects.filter(merged_into_id__in=[r[1] for r in rows])
         .values_list("pk", "merged_into_id"))
    result["provenance_reference_s"] = time.perf_counter() - start
    result["provenance_rows"] = len(rows)

    # Pages, through Django's full stack (middleware, session, templates), signed in.
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="banc-ministere"))

    def timed(name: str, url: str) -> list[float]:
        assert client.get(url).status_code == 200, url  # warm-up
        samples = []
        cpu = time.process_time()
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, url
        result[f"{name}_cpu_ms"] = (time.process_time() - cpu) * 1000 / requests
        return samples

    for name, url in (("dashboard", "/espace-organisateur/tableau-de-bord/"),
                      ("consolidation", "/espace-national/consolidation/"),
                      ("inbox", "/espace-national/")):
        samples = timed(name, url)
        result[f"{name}_p50_ms"] = statistics.median(samples)
        result[f"{name}_p99_ms"] = _percentile(samples, 0.99)
    page = client.get("/espace-national/consolidation/").content.decode()
    result["dashboard_has_map"] = "<svg" in client.get(
        "/espace-organisateur/tableau-de-bord/").content.decode()
    result["consolidation_cards"] = page.count('class="fr-card ')

    # The national report of every proposal, as PDF.
    import weasyprint  # noqa: F401  (imported before timing, as a running process has it)

    national_report.render_html(consolidation.collect(consolidation.Filters(
        region=syntheses[0].region.code)))  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    pdf = national_report.document(consolidation.collect(consolidation.Filters()), "pdf")
    result["pdf_s"] = time.perf_counter() - start
    result["pdf_cpu_s"] = time.process_time() - cpu
    result["pdf_pages"] = len(PdfReader(io.BytesIO(pdf)).pages)
    result["pdf_bytes"] = len(pdf)
    start = time.perf_counter()
    national_report.render_html(consolidation.collect(consolidation.Filters()))
    result["pdf_reference_s"] = time.perf_counter() - start
    return result


def _child(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[0] == "_seed":
        print(json.dumps(_seed(_parser().parse_args(argv[1:]))))
        return
    print(json.dumps(_measure(int(argv[1]))))


# --- Orchestration ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.national",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--contributions", type=int, default=20_000)
    parser.add_argument("--proposals", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep-db", action="store_true")
    return parser


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def benchmark(args: argparse.Namespace) -> int:
    print(f"# Concertation national benchmark — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {os.cpu_count()} cores ({web._cpu_model()}), Python "
          f"{platform.python_version()}, PostgreSQL {web._server_version()}, commit "
          f"{web._git_commit()}; load average before: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    var_dir = Path(tempfile.mkdtemp(prefix="concertation-bench-national-"))
    env = web._environment(var_dir)
    env["MEDIA_ROOT"] = str(var_dir / "media")
    try:
        step = time.monotonic()
        web._recreate_database()
        web._run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        web._run([sys.executable, "-m", "bench.web", "_collectstatic"], env)
        seeded = json.loads(web._run(
            [sys.executable, "-m", "bench.national", "_seed", "--days", str(args.days),
             "--participants", str(args.participants), "--contributions",
             str(args.contributions), "--proposals", str(args.proposals)], env
        ).strip().splitlines()[-1])
        print(f"seeded in {time.monotonic() - step:.0f} s (database {web.DB_NAME}): "
              f"{seeded['regions']} regions, {seeded['days']} days, {seeded['registrations']:,}"
              f" participants, {seeded['contributions']:,} contributions, "
              f"{seeded['votes']:,} votes, {seeded['proposals']:,} validated regional "
              f"proposals in {seeded['regions']} transmitted editions")
        r = json.loads(web._run([sys.executable, "-m", "bench.national", "_measure",
                                 str(args.requests)], env).strip().splitlines()[-1])
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                web._drop_database()

    print(f"\none process after a warm-up of each measure; {args.requests} requests a page; "
          f"load average after: {load}\n")
    print("| measure | figure | reference (same run) | ratio | target | |")
    print("|---|---|---|---|---|---|")
    duplicates_ratio = r["duplicates_s"] / r["duplicates_reference_s"]
    print(f"| national near-duplicate suggestions ({seeded['proposals']:,} proposals: "
          f"{r['duplicate_groups']} groups, {r['duplicates_regions']} across regions) | "
          f"{r['duplicates_s']:.1f} s | one region's {r['duplicates_reference_n']} proposals "
          f"{r['duplicates_reference_s']:.2f} s | ×{duplicates_ratio:.0f} | "
          f"≤ {TARGET_DUPLICATES_S} s | {_verdict(r['duplicates_s'] <= TARGET_DUPLICATES_S)} |")
    constant = r["provenance_queries"] == r["provenance_queries_two"]
    print(f"| provenance of the consolidated list ({r['provenance_participants']:,} participants"
          f" counted once) | {r['provenance_s']:.2f} s, {r['provenance_queries']} queries "
          f"({r['provenance_queries_two']} for 2 editions) | reading its "
          f"{r['provenance_rows']:,} cited rows {r['provenance_reference_s']:.2f} s | "
          f"×{r['provenance_s'] / r['provenance_reference_s']:.1f} | ≤ {TARGET_PROVENANCE_S} s, "
          f"constant | {_verdict(r['provenance_s'] <= TARGET_PROVENANCE_S and constant)} |")
    print(f"| national dashboard with the map (map drawn: {r['dashboard_has_map']}) | p50 "
          f"{r['dashboard_p50_ms']:.0f} ms, p99 {r['dashboard_p99_ms']:.0f} ms | inbox p50 "
          f"{r['inbox_p50_ms']:.0f} ms, p99 {r['inbox_p99_ms']:.0f} ms | "
          f"×{r['dashboard_p99_ms'] / r['inbox_p99_ms']:.1f} | p99 ≤ {TARGET_DASHBOARD_MS} ms | "
          f"{_verdict(r['dashboard_p99_ms'] <= TARGET_DASHBOARD_MS)} |")
    print(f"| national consolidation page ({r['consolidation_cards']} proposals a page) | p50 "
          f"{r['consolidation_p50_ms']:.0f} ms, p99 {r['consolidation_p99_ms']:.0f} ms | inbox "
          f"p50 {r['inbox_p50_ms']:.0f} ms | ×{r['consolidation_p50_ms'] / r['inbox_p50_ms']:.1f}"
          f" | (none) | |")
    print(f"| national report PDF ({r['pdf_pages']} pages, {r['pdf_bytes'] // 1024:,} KiB) | "
          f"{r['pdf_s']:.1f} s | its HTML rendered {r['pdf_reference_s']:.2f} s | "
          f"×{r['pdf_s'] / r['pdf_reference_s']:.1f} | ≤ {TARGET_PDF_S} s | "
          f"{_verdict(r['pdf_s'] <= TARGET_PDF_S)} |")
    print("\nCPU time of the measuring process (on a loaded machine, closer to what an idle core "
          f"takes; the database's own time is not in it): duplicates {r['duplicates_cpu_s']:.1f} s,"
          f" provenance {r['provenance_cpu_s']:.2f} s, dashboard {r['dashboard_cpu_ms']:.0f} ms "
          f"a request, consolidation page {r['consolidation_cpu_ms']:.0f} ms, inbox "
          f"{r['inbox_cpu_ms']:.0f} ms, report PDF {r['pdf_cpu_s']:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["_seed"], ["_measure"]):  # internal: the child processes
        _child(argv)
        return
    args = _parser().parse_args(argv)
    try:
        raise SystemExit(benchmark(args))
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"failed: {exc}") from exc


if __name__ == "__main__":
    main()
