"""Transmission package and open-data export of a synthesis, on PostgreSQL.

    python -m bench.package [--contributions 5000] [--proposals 300] [--open-contributions
        12000] [--comments 17000] [--rounds 2] [--keep-db]

1. Creates the database ``concertation_bench_package`` (dropped first; $BENCH_PACKAGE_DB to
   change it) and migrates it, with the helpers of ``bench.web``.
2. Seeds, in a child process, one regional campaign of Auvergne-Rhône-Alpes: 12 days (one
   per department, each with its health territory), 150 registrations per day (colleges
   spread, two thirds checked in), ``--open-contributions`` contributions whose texts are
   drawn from the 7,511 French answers of ``../shared/data/contributions/
   entendre-la-france-tagged.csv`` (read in place, never copied; 85 % from the days'
   workshops, 15 % online), 12 votes per registration on contributions of its day, and
   ``--comments`` comments (one in five a reply). Then two validated syntheses:
   - **region**: ``--proposals`` adopted proposals (one in ten amended) and 20 rejected
     ones, filed under 5 national themes, citing ``--contributions`` contributions, 300 of
     which are merged into another contribution of the same proposal;
   - **open data**: 600 proposals citing all the contributions.
3. Measures, each in a fresh child process (so that its peak memory is its own), in
   ``--rounds`` interleaved rounds:
   - the full package of the region (PDF, DOCX, ODT, XLSX, open-data set, zips, saved to
     storage: ``package.generate``; the PDF is laid out in a process of its own meanwhile),
     with the time of each part; reference: reading the
     same contributions and writing them as a plain CSV, in the same process;
   - the PDF alone; reference: rendering its HTML (the template, charts and data), in the
     same process, so the ratio is WeasyPrint's share;
   - the open-data export of the open-data synthesis (``opendata.write``): time and peak
     resident memory (the process's VmHWM, and its growth over the RSS measured after
     Django's start and a warm-up); reference: another child that reads the same
     contributions and comments with ``.values_list().iterator()`` and writes a plain CSV.
4. Prints each figure with its ratio to its reference, PASS/FAIL against the targets (full
   package ≤ 30 s, PDF ≤ 10 s, open data ≤ 10 s and ≤ 200 MB peak), and the load average.
   The exit status is 0 whatever the figures, 1 only when the set-up fails.
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import web

web.DB_NAME = os.environ.get("BENCH_PACKAGE_DB", "concertation_bench_package")
DATA = web.ROOT.parent / "shared" / "data" / "contributions" / "entendre-la-france-tagged.csv"
REGION = "84"
REGISTRATIONS_PER_DAY = 150
VOTES_PER_REGISTRATION = 12
OPEN_GROUPS = 600
REJECTED = 20
MERGED = 300
THEMES = ["Accès aux soins", "Prévention", "Attractivité des métiers", "Santé mentale",
          "Grand âge et autonomie"]
COLLEGES = ["usager", "professionnel", "etablissement", "elu", "institution", "citoyen"]
TARGET_PACKAGE_S, TARGET_PDF_S = 30.0, 10.0
TARGET_OPEN_S, TARGET_OPEN_MB = 10.0, 200.0


# --- Seeding (child process) -----------------------------------------------------------------


def _texts() -> list[str]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"].replace("&&", " ").strip() for row in csv.DictReader(handle)]
    return [t[:1500] for t in texts if len(t) >= 20]


def _seed(args: argparse.Namespace) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from concertation.campaigns.models import Campaign, Theme
    from concertation.contributions.models import Comment, Contribution, Vote
    from concertation.events.models import Event, EventState, Workshop
    from concertation.registrations.models import Registration
    from concertation.synthesis.models import (
        Decision,
        Synthesis,
        SynthesisGroup,
        SynthesisItem,
    )
    from concertation.territories.models import Department, HealthTerritory, Region

    rng = random.Random(20221125)
    texts = _texts()
    now = timezone.now()
    region = Region.objects.get(code=REGION)
    campaign = Campaign.objects.create(title="CNR Santé Auvergne-Rhône-Alpes (banc)",
                                       slug="banc-cnr-ara", scope="local", region=region)
    themes = [Theme.objects.create(campaign=campaign, title=t, slug=f"banc-theme-{i}",
                                   position=i) for i, t in enumerate(THEMES)]
    days, workshops = [], {}
    for i, department in enumerate(Department.objects.filter(region=region).order_by("code")):
        territory = HealthTerritory.objects.create(region=region, name=department.name,
                                                   slug=f"banc-territoire-{department.code}")
        territory.departments.add(department)
        day = Event.objects.create(
            campaign=campaign, title=f"Journée de concertation — {department.name}",
            slug=f"banc-journee-{department.code}", department=department,
            health_territory=territory, date=dt.date(2022, 11, 25) + dt.timedelta(days=7 * i),
            starts_at=dt.time(9), ends_at=dt.time(17), venue_name="Préfecture",
            venue_address="1 place de la République", venue_postcode=f"{department.code}000"[:5],
            venue_city=department.name, state=EventState.HELD)
        days.append(day)
        workshops[day.pk] = [Workshop.objects.create(event=day, title=f"Atelier {t}",
                                                     theme=themes[k], capacity=40)
                             for k, t in enumerate(THEMES)]
    registrations = Registration.objects.bulk_create([
        Registration(event=day, status="confirmed", first_name="Participant",
                     last_name=str(n), college=COLLEGES[n % len(COLLEGES)],
                     checked_in_at=now if n % 3 else None)
        for day in days for n in range(REGISTRATIONS_PER_DAY)
    ], batch_size=2000)
    users = get_user_model().objects.bulk_create([
        get_user_model()(username=f"banc-contributeur-{n}", password="!") for n in range(400)])
    rows = []
    for _ in range(args.open_contributions):
        text = texts[rng.randrange(len(texts))]
        created = now - dt.timedelta(minutes=rng.randrange(500_000))
        if rng.random() < 0.85:
            day = days[rng.randrange(len(days))]
            workshop = rng.choice(workshops[day.pk])
            rows.append(Contribution(
                campaign=campaign, theme_id=workshop.theme_id, text=text, origin="workshop",
                event=day, workshop=workshop, department_id=day.department_id,
                health_territory_id=day.health_territory_id,
                registration=registrations[rng.randrange(len(registrations))]
                if rng.random() < 0.3 else None,
                college=rng.choice(COLLEGES), state="published", created_at=created))
        else:
            day = days[rng.randrange(len(days))]
            rows.append(Contribution(
                campaign=campaign, theme=rng.choice(themes), title=text[:60], text=text,
                origin="online", department_id=day.department_id,
                health_territory_id=day.health_territory_id, author=rng.choice(users),
                college=rng.choice(COLLEGES), state="published", created_at=created))
    contributions = Contribution.objects.bulk_create(rows, batch_size=2000)
    by_day: dict[int, list[int]] = {}
    for c in contributions:
        if c.event_id:
            by_day.setdefault(c.event_id, []).append(c.pk)
    values = [1] * 60 + [-1] * 25 + [0] * 15
    Vote.objects.bulk_create([
        Vote(contribution_id=pk, registration=r, value=rng.choice(values), college=r.college)
        for r in registrations
        for pk in rng.sample(by_day[r.event_id], min(VOTES_PER_REGISTRATION,
                                                      len(by_day[r.event_id])))
    ], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contributions_contribution c SET agree_count = v.a, disagree_count = v.d, "
            "pass_count = v.p FROM (SELECT contribution_id, "
            "count(*) FILTER (WHERE value = 1) a, count(*) FILTER (WHERE value = -1) d, "
            "count(*) FILTER (WHERE value = 0) p FROM contributions_vote "
            "GROUP BY contribution_id) v WHERE c.id = v.contribution_id")
    parents = Comment.objects.bulk_create([
        Comment(contribution=contributions[rng.randrange(len(contributions))],
                author=rng.choice(users), text=texts[rng.randrange(len(texts))][:600],
                created_at=now)
        for _ in range(args.comments - args.comments // 5)], batch_size=5000)
    Comment.objects.bulk_create([
        Comment(contribution_id=p.contribution_id, parent=p, author=rng.choice(users),
                text=texts[rng.randrange(len(texts))][:600], created_at=now)
        for p in rng.sample(parents, args.comments // 5)], batch_size=5000)

    def synthesis(slug: str, title: str, cited: list, n_groups: int, merged: int,
                  adopted: int) -> Synthesis:
        s = Synthesis.objects.create(
            campaign=campaign, level="region", region=region, title=title, slug=slug,
            introduction="Douze journées départementales ont réuni usagers, professionnels, "
                         "élus et institutions autour des priorités de santé de la région.",
            includes_online=True, state="validated", revision=1)
        s.days.set(days)
        groups = SynthesisGroup.objects.bulk_create([
            SynthesisGroup(synthesis=s, position=i, title=texts[rng.randrange(len(texts))][:90],
                           text=texts[rng.randrange(len(texts))][:700],
                           theme=themes[i % len(themes)])
            for i in range(n_groups)])
        # Contributions per group, then `merged` of them merged into their group's first one.
        per_group = [cited[i::n_groups] for i in range(n_groups)]
        merged_ids, items = [], []
        for group, members in zip(groups, per_group, strict=True):
            for k, c in enumerate(members):
                if len(merged_ids) < merged and k > 0 and k % 2 == 0:
                    merged_ids.append((c.pk, members[0].pk))
                else:
                    items.append(SynthesisItem(synthesis=s, group=group, contribution=c))
        SynthesisItem.objects.bulk_create(items, batch_size=5000)
        for source, target in merged_ids:
            Contribution.objects.filter(pk=source).update(merged_into_id=target, state="merged")
        Decision.objects.bulk_create([
            Decision(group=g, outcome="amended" if i % 10 == 3 and i < adopted else
                     "adopted" if i < adopted else "rejected",
                     votes_for=40 - i % 7, votes_against=i % 5, abstentions=i % 3,
                     original_text=g.text,
                     amended_text=(g.text + " (amendée en séance)") if i % 10 == 3 else "")
            for i, g in enumerate(groups)])
        return s

    region_synthesis = synthesis(
        "banc-synthese-regionale", "Synthèse régionale Auvergne-Rhône-Alpes (banc)",
        contributions[:args.contributions], args.proposals + REJECTED, MERGED, args.proposals)
    open_synthesis = synthesis(
        "banc-synthese-donnees-ouvertes", "Synthèse — données ouvertes (banc)",
        contributions[args.contributions:], OPEN_GROUPS, 0, OPEN_GROUPS)
    # The open-data synthesis cites every contribution: the region's too (those merged come
    # through their targets).
    open_groups = list(open_synthesis.groups.order_by("position").values_list("pk", flat=True))
    SynthesisItem.objects.bulk_create([
        SynthesisItem(synthesis=open_synthesis, group_id=open_groups[i % OPEN_GROUPS],
                      contribution_id=c)
        for i, c in enumerate(SynthesisItem.objects.filter(synthesis=region_synthesis)
                              .values_list("contribution_id", flat=True))
    ], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "region": region_synthesis.pk, "open": open_synthesis.pk,
        "contributions": Contribution.objects.filter(campaign=campaign).count(),
        "comments": Comment.objects.count(), "votes": Vote.objects.count(),
        "registrations": len(registrations),
    }


# --- Measures (child processes) --------------------------------------------------------------


def _memory() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _plain_csv(synthesis_id: int, target: Path, comments: bool) -> int:
    """The reference: the same contributions (and comments) read by the ORM in chunks and
    written as a plain CSV, with no provenance, schema nor JSON."""
    from concertation.contributions.models import Comment, Contribution
    from concertation.synthesis.models import SynthesisItem

    cited = SynthesisItem.objects.filter(synthesis_id=synthesis_id).values("contribution_id")
    wanted = Contribution.objects.filter(pk__in=cited) | Contribution.objects.filter(
        merged_into__in=cited)
    rows = 0
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in wanted.order_by("pk").values_list(
                "pk", "merged_into_id", "origin", "event__slug", "event__date",
                "department__code", "college", "theme__title", "title", "text", "state",
                "agree_count", "disagree_count", "pass_count", "created_at"
        ).iterator(chunk_size=2000):
            writer.writerow(row)
            rows += 1
        if comments:
            for row in Comment.objects.filter(contribution__in=wanted, masked=False).order_by(
                    "pk").values_list("pk", "contribution_id", "parent_id", "text",
                                      "created_at").iterator(chunk_size=2000):
                writer.writerow(row)
                rows += 1
    return rows


def _measure(task: str, synthesis_id: int) -> dict:
    from concertation.synthesis import opendata, package, report
    from concertation.synthesis.models import Synthesis

    synthesis = Synthesis.objects.get(pk=synthesis_id)
    work = Path(tempfile.mkdtemp(prefix="banc-dossier-"))
    # Warm-up: imports and first queries are not what is measured.
    if task in ("package", "pdf"):
        report.render_html(report.collect(Synthesis.objects.get(pk=synthesis_id)))
        import weasyprint  # noqa: F401  (imported before timing, as a running worker has it)

    baseline_rss, _ = _memory()
    result: dict = {"baseline_rss_mb": round(baseline_rss, 1)}
    try:
        if task == "package":
            start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
            files, timings = package.generate(synthesis)
            result["seconds"] = time.perf_counter() - start
            result["cpu_seconds"] = time.process_time() - cpu
            result["pdf_process_cpu_seconds"] = _children_cpu() - children
            result["parts"] = {k: round(v, 2) for k, v in vars(timings).items()}
            from django.core.files.storage import default_storage

            result["bytes"] = {k: default_storage.size(p) for k, p in files.items()}
            start = time.perf_counter()
            _plain_csv(synthesis_id, work / "plain.csv", comments=False)
            result["reference_seconds"] = time.perf_counter() - start
        elif task == "pdf":
            start, cpu = time.perf_counter(), time.process_time()
            data = report.collect(synthesis)
            pdf = report.pdf(data)
            result["seconds"] = time.perf_counter() - start
            result["cpu_seconds"] = time.process_time() - cpu
            import io

            from pypdf import PdfReader

            result["pages"] = len(PdfReader(io.BytesIO(pdf)).pages)
            result["bytes"] = len(pdf)
            start = time.perf_counter()
            report.render_html(report.collect(synthesis))
            result["reference_seconds"] = time.perf_counter() - start
        elif task == "opendata":
            start, cpu = time.perf_counter(), time.process_time()
            counts = opendata.write(synthesis, work / "od")
            result["seconds"] = time.perf_counter() - start
            result["cpu_seconds"] = time.process_time() - cpu
            result["rows"] = counts
            result["bytes"] = sum(p.stat().st_size for p in (work / "od").iterdir())
        elif task == "reference":
            start, cpu = time.perf_counter(), time.process_time()
            result["rows"] = _plain_csv(synthesis_id, work / "plain.csv", comments=True)
            result["seconds"] = time.perf_counter() - start
            result["cpu_seconds"] = time.process_time() - cpu
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _, peak = _memory()
    result["peak_rss_mb"] = round(peak, 1)
    return result


def _child(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[0] == "_seed":
        args = _parser().parse_args(argv[1:])
        print(json.dumps(_seed(args)))
        return
    print(json.dumps(_measure(argv[1], int(argv[2]))))


# --- Orchestration ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.package",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--contributions", type=int, default=5000)
    parser.add_argument("--proposals", type=int, default=300)
    parser.add_argument("--open-contributions", type=int, default=12000)
    parser.add_argument("--comments", type=int, default=17000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep-db", action="store_true")
    return parser


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def benchmark(args: argparse.Namespace) -> int:
    print(f"# Concertation package benchmark — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {os.cpu_count()} cores ({web._cpu_model()}), Python "
          f"{platform.python_version()}, PostgreSQL {web._server_version()}, commit "
          f"{web._git_commit()}; load average before: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    var_dir = Path(tempfile.mkdtemp(prefix="concertation-bench-package-"))
    env = web._environment(var_dir)
    env["MEDIA_ROOT"] = str(var_dir / "media")
    try:
        step = time.monotonic()
        web._recreate_database()
        web._run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        seeded = json.loads(web._run(
            [sys.executable, "-m", "bench.package", "_seed",
             "--contributions", str(args.contributions), "--proposals", str(args.proposals),
             "--open-contributions", str(args.open_contributions),
             "--comments", str(args.comments)], env).strip().splitlines()[-1])
        print(f"seeded in {time.monotonic() - step:.0f} s (database {web.DB_NAME}): 12 days, "
              f"{seeded['registrations']:,} registrations, {seeded['contributions']:,} "
              f"contributions, {seeded['votes']:,} votes, {seeded['comments']:,} comments; "
              f"region synthesis: {args.proposals} adopted + {REJECTED} rejected proposals "
              f"citing {args.contributions:,} contributions ({MERGED} merged); open-data "
              f"synthesis: {OPEN_GROUPS} proposals citing all contributions")
        runs: dict[str, list[dict]] = {"package": [], "pdf": [], "opendata": [],
                                       "reference": []}
        for _ in range(args.rounds):
            for task, synthesis in (("package", seeded["region"]), ("pdf", seeded["region"]),
                                    ("opendata", seeded["open"]),
                                    ("reference", seeded["open"])):
                out = web._run([sys.executable, "-m", "bench.package", "_measure", task,
                                str(synthesis)], env)
                runs[task].append(json.loads(out.strip().splitlines()[-1]))
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                web._drop_database()

    def best(task: str) -> dict:
        return min(runs[task], key=lambda r: r["seconds"])

    package, pdf, open_, reference = (best(t) for t in ("package", "pdf", "opendata",
                                                         "reference"))
    print(f"\nbest of {args.rounds} rounds, each measure in a fresh process; "
          f"load average after: {load}\n")
    print("| measure | time | reference | ratio | target | |")
    print("|---|---|---|---|---|---|")
    print(f"| full package (region, {args.proposals} proposals) | {package['seconds']:.1f} s | "
          f"plain CSV of its contributions {package['reference_seconds']:.2f} s | "
          f"×{package['seconds'] / package['reference_seconds']:.0f} | ≤ {TARGET_PACKAGE_S:.0f} s"
          f" | {_verdict(package['seconds'] <= TARGET_PACKAGE_S)} |")
    print(f"| PDF alone ({pdf['pages']} pages) | {pdf['seconds']:.1f} s | its HTML rendered "
          f"{pdf['reference_seconds']:.2f} s | ×{pdf['seconds'] / pdf['reference_seconds']:.1f}"
          f" | ≤ {TARGET_PDF_S:.0f} s | {_verdict(pdf['seconds'] <= TARGET_PDF_S)} |")
    rows = open_["rows"]
    print(f"| open data ({rows['contributions']:,} contributions, {rows['commentaires']:,} "
          f"comments, {rows['propositions']} proposals) | {open_['seconds']:.1f} s | plain CSV "
          f"{reference['seconds']:.2f} s | ×{open_['seconds'] / reference['seconds']:.1f} | "
          f"≤ {TARGET_OPEN_S:.0f} s | {_verdict(open_['seconds'] <= TARGET_OPEN_S)} |")
    growth = open_["peak_rss_mb"] - open_["baseline_rss_mb"]
    print(f"| open data, peak RSS | {open_['peak_rss_mb']:.0f} MB (after start "
          f"{open_['baseline_rss_mb']:.0f} MB, +{growth:.0f})"
          f" | plain CSV {reference['peak_rss_mb']:.0f} MB (after start "
          f"{reference['baseline_rss_mb']:.0f} MB) | "
          f"×{open_['peak_rss_mb'] / reference['peak_rss_mb']:.2f} | ≤ {TARGET_OPEN_MB:.0f} MB | "
          f"{_verdict(open_['peak_rss_mb'] <= TARGET_OPEN_MB)} |")
    print("\nparts of the full package (s): " + ", ".join(
        f"{k} {v}" for k, v in package["parts"].items()))
    print("sizes (KiB): " + ", ".join(f"{k} {v // 1024:,}" for k, v in package["bytes"].items())
          + f"; open-data files {open_['bytes'] // 1024:,}")
    print("CPU time of this process (s; on a loaded machine, closer to what an idle core "
          f"takes): full package {package['cpu_seconds']:.1f} + its PDF process "
          f"{package['pdf_process_cpu_seconds']:.1f}, PDF alone {pdf['cpu_seconds']:.1f}, "
          f"open data {open_['cpu_seconds']:.1f}, its plain CSV {reference['cpu_seconds']:.1f}")
    print("all runs (s): " + "; ".join(
        f"{task} " + ", ".join(f"{r['seconds']:.1f}" for r in rs) for task, rs in runs.items()))
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
