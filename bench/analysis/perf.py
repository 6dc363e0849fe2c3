"""Performance benchmark of the command line (wall time, CPU time and peak memory).

    python -m bench.analysis.perf [--sizes 10000,100000,1000000] [--no-opinions]
        [--no-cluster] [--stage all|duplicates]
        [--reddwarf-python /tmp/rdvenv/bin/python] [--workdir /tmp/concertation-bench]

* cluster: synthetic French corpora of the given sizes (bench.analysis.corpus, seeded),
  ``python -m concertation.analysis cluster`` end to end (start-up, CSV reading and JSON
  writing included); targets 60 s / 2 GB at 100k and 10 min / 6 GB at 1M. The engine's
  own per-phase wall and CPU times are printed too.
* ``--stage duplicates``: near-duplicate detection alone (``find_duplicates``) on the
  corpus vectors and topic groups, which are computed once and cached in the workdir; it
  also prints the recall of the copies the generator planted, by kind of edit. For
  iterating on the slowest phase without rerunning the whole 1M pipeline.
* opinions: 33,000 participants × 800 comments × 2,000,000 votes with planted groups;
  ``python -m concertation.analysis opinions`` end to end; target 5 s / 1.5 GB. The same
  file is then given to red-dwarf 0.4.0 (Pol.is reimplementation) when a Python with it
  installed is available (a measuring dependency pinned in requirements-dev.txt, never a
  run-time one: this interpreter by default, or ``--reddwarf-python`` / $REDDWARF_PYTHON),
  and the time ratio is printed; ``--no-reddwarf`` skips it.

Peak memory is the child's maximum resident set size and CPU time its user + system time
(``wait4``). The machine's 1-minute load average is printed before and after every
measure: on a shared 2-core machine other work slows wall times down, CPU times much less.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.analysis.corpus import write_corpus, write_votes

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {10_000: (None, None), 100_000: (60.0, 2048.0), 1_000_000: (600.0, 6144.0)}
OPINION_TARGET = (5.0, 1536.0)

REDDWARF_SCRIPT = r"""
import csv, sys, time
start = time.perf_counter()
from reddwarf.implementations.polis import run_pipeline
latest = {}
with open(sys.argv[1], newline="") as handle:
    for row in csv.DictReader(handle):
        # red-dwarf needs one vote per (participant, statement): keep the latest.
        latest[(int(row["voter-id"]), int(row["comment-id"]))] = (
            int(row["vote"]), int(row["timestamp"]))
votes = [{"participant_id": p, "statement_id": c, "vote": v, "modified": t}
         for (p, c), (v, t) in latest.items()]
result = run_pipeline(votes=votes, random_state=0)
labels = result.clusterer.labels_ if result.clusterer is not None else []
print("groups", len(set(labels)), "seconds-inside", round(time.perf_counter() - start, 2))
"""


@dataclass(frozen=True)
class Measure:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    peak: float  # MiB, maximum resident set size of the child
    status: int
    log: str
    load_before: float
    load_after: float

    def loads(self) -> str:
        return f"load {self.load_before:.1f} → {self.load_after:.1f}"


def measure(command: list[str]) -> Measure:
    """Wall and CPU seconds, peak RSS in MiB, exit status and output of one child process."""
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    out = (process.stdout.read() if process.stdout else "") + (
        process.stderr.read() if process.stderr else ""
    )
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measure(
        wall=elapsed,
        cpu=usage.ru_utime + usage.ru_stime,
        peak=usage.ru_maxrss / 1024.0,
        status=process.returncode,
        log=out.strip(),
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )


def _ratio(value: float, target: float | None) -> str:
    return "" if target is None else f" ({value / target:.2f} × target {target:g})"


def _corpus(size: int, workdir: Path) -> Path:
    corpus = workdir / f"corpus-{size}.csv"
    if not corpus.exists():
        start = time.perf_counter()
        write_corpus(corpus, size, seed=0)
        print(f"  generated {corpus.name} in {time.perf_counter() - start:.1f} s", flush=True)
    return corpus


def bench_cluster(size: int, workdir: Path) -> None:
    corpus = _corpus(size, workdir)
    out = workdir / f"cluster-{size}.json"
    m = measure(
        [sys.executable, "-m", "concertation.analysis", "cluster", str(corpus), "--out", str(out)]
    )
    target_s, target_mb = TARGETS.get(size, (None, None))
    if m.status != 0:
        print(f"cluster {size:>9,}: FAILED (exit {m.status}) {m.log[-300:]}")
        return
    params = json.loads(out.read_text(encoding="utf-8"))["parameters"]
    print(
        f"cluster {size:>9,}: {m.wall:7.1f} s{_ratio(m.wall, target_s)}, CPU {m.cpu:.1f} s, "
        f"peak {m.peak:7.0f} MiB{_ratio(m.peak, target_mb)}; k={params['k']}; {m.loads()}\n"
        f"    phases wall {params.get('seconds')}\n"
        f"    phases CPU  {params.get('cpu_seconds')}",
        flush=True,
    )


def bench_duplicates(size: int, workdir: Path) -> None:
    corpus = _corpus(size, workdir)
    m = measure(
        [sys.executable, "-m", "bench.analysis.perf", "--duplicates-child", str(size),
         "--workdir", str(workdir)]
    )  # fmt: skip
    if m.status != 0:
        print(f"duplicates {size:>9,}: FAILED (exit {m.status}) {m.log[-300:]}")
        return
    print(
        f"duplicates {size:>9,} ({corpus.name}): child {m.wall:.1f} s, CPU {m.cpu:.1f} s, "
        f"peak {m.peak:.0f} MiB; {m.loads()}\n    {m.log}",
        flush=True,
    )


def duplicates_child(size: int, workdir: Path) -> None:
    """Runs in a child: cached vectors and groups, then find_duplicates alone, timed."""
    import numpy as np

    from bench.analysis.corpus import generate_texts
    from concertation.analysis.duplicates import find_duplicates
    from concertation.analysis.io import read_csv

    table = read_csv(workdir / f"corpus-{size}.csv")
    texts = [row[table.column("text")] for row in table.rows]
    cache = workdir / f"vectors-{size}.npz"
    if cache.exists():
        stored = np.load(cache)
        vectors, labels, planted = stored["vectors"], stored["labels"], stored["planted"]
        kinds = [str(k) for k in stored["kinds"]]
    else:
        from concertation.analysis.cluster import cluster_texts
        from concertation.analysis.vectors import LsaBackend

        backend = LsaBackend()
        result = cluster_texts(texts, backend=backend, detect_duplicates=False)
        assert backend.weights is not None
        vectors = backend.reduce(backend.weights, seed=0)  # the vectors cluster_texts used
        labels = result.labels(len(texts))
        found: list[tuple[int, int, str]] = []
        generate_texts(size, seed=0, planted=found)
        planted = np.array([(a, b) for a, b, _ in found], dtype=np.int64).reshape(-1, 2)
        kinds = [k for _, _, k in found]
        np.savez(cache, vectors=vectors, labels=labels, planted=planted, kinds=np.array(kinds))
    start, cpu = time.perf_counter(), time.process_time()
    groups = find_duplicates(texts, vectors, labels)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    group_of = np.full(len(texts), -1)
    for g, group in enumerate(groups):
        group_of[group.members] = g
    same = (group_of[planted[:, 0]] >= 0) & (group_of[planted[:, 0]] == group_of[planted[:, 1]])
    recall = {kind: f"{same[[k == kind for k in kinds]].mean():.4f}" for kind in sorted(set(kinds))}
    print(
        f"find_duplicates: {wall:.1f} s, CPU {cpu:.1f} s; {len(groups)} groups "
        f"({sum(g.kind == 'paraphrase' for g in groups)} with paraphrases); "
        f"recall of planted copies by edit: {recall}"
    )


def bench_opinions(workdir: Path, reddwarf_python: str | None) -> None:
    votes = workdir / "votes-33k-800-2m.csv"
    if not votes.exists():
        write_votes(votes, participants=33_000, comments=800, votes=2_000_000, seed=0)
    out = workdir / "opinions.json"
    ours = measure(
        [sys.executable, "-m", "concertation.analysis", "opinions", str(votes), "--out", str(out)]
    )
    if ours.status != 0:
        print(f"opinions: FAILED (exit {ours.status}) {ours.log[-300:]}")
        return
    params = json.loads(out.read_text(encoding="utf-8"))["parameters"]
    print(
        f"opinions 33k × 800 × 2M: {ours.wall:.2f} s{_ratio(ours.wall, OPINION_TARGET[0])}, "
        f"CPU {ours.cpu:.2f} s, peak {ours.peak:.0f} MiB{_ratio(ours.peak, OPINION_TARGET[1])}; "
        f"k={params['k']}, clustered {params['clustered_participants']}; {ours.loads()}",
        flush=True,
    )
    if not reddwarf_python or not Path(reddwarf_python).exists():
        print("red-dwarf: skipped (no Python with red-dwarf 0.4.0; pass --reddwarf-python)")
        return
    rd = measure([reddwarf_python, "-W", "ignore", "-c", REDDWARF_SCRIPT, str(votes)])
    if rd.status != 0:
        print(f"red-dwarf: failed (exit {rd.status}): {rd.log.splitlines()[-1] if rd.log else ''}")
        return
    print(
        f"red-dwarf 0.4.0 same input: {rd.wall:.2f} s, CPU {rd.cpu:.2f} s, peak {rd.peak:.0f} MiB "
        f"({rd.log}); {rd.loads()}; ratio red-dwarf / ours: time {rd.wall / ours.wall:.1f}, "
        f"CPU {rd.cpu / ours.cpu:.1f}, memory {rd.peak / ours.peak:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Performance of concertation.analysis")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--no-opinions", action="store_true")
    parser.add_argument("--no-cluster", action="store_true")
    parser.add_argument(
        "--stage",
        choices=("all", "duplicates"),
        default="all",
        help="duplicates: time near-duplicate detection alone (vectors cached in --workdir)",
    )
    parser.add_argument("--duplicates-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--reddwarf-python",
        # red-dwarf 0.4.0 is pinned in requirements-dev.txt: this interpreter has it after
        # `make test`'s install; another one can be named.
        default=os.environ.get("REDDWARF_PYTHON")
        or (sys.executable if importlib.util.find_spec("reddwarf") else None),
    )
    parser.add_argument(
        "--no-reddwarf", action="store_true", help="skip red-dwarf on the opinions input"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/concertation-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.duplicates_child:
        duplicates_child(args.duplicates_child, args.workdir)
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.stage == "duplicates":
        for size in sizes:
            bench_duplicates(size, args.workdir)
    else:
        if not args.no_cluster:
            for size in sizes:
                bench_cluster(size, args.workdir)
        if not args.no_opinions:
            bench_opinions(args.workdir, None if args.no_reddwarf else args.reddwarf_python)
    print(f"load at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
