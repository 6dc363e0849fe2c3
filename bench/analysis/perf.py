"""Performance benchmark of the command line (wall time and peak memory).

    python -m bench.analysis.perf [--sizes 10000,100000,1000000] [--no-opinions]
        [--reddwarf-python /tmp/rdvenv/bin/python] [--workdir /tmp/concertation-bench]

* cluster: synthetic French corpora of the given sizes (bench.analysis.corpus, seeded),
  ``python -m concertation.analysis cluster`` end to end (start-up, CSV reading and JSON
  writing included); targets 60 s / 2 GB at 100k and 10 min / 6 GB at 1M.
* opinions: 33,000 participants × 800 comments × 2,000,000 votes with planted groups;
  ``python -m concertation.analysis opinions`` end to end; target 5 s / 1.5 GB. The same
  file is then given to red-dwarf 0.4.0 (Pol.is reimplementation) when a Python with it
  installed is available (``--reddwarf-python`` or $REDDWARF_PYTHON; a throwaway venv, it
  is not a project dependency), and the time ratio is printed; otherwise it is skipped.

Peak memory is the child's maximum resident set size (``wait4``). The machine's load
average is printed: on a shared 2-core machine other work slows every figure down.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
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


def measure(command: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MiB, exit status and stderr of one child process."""
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
    return elapsed, usage.ru_maxrss / 1024.0, process.returncode, out.strip()


def _ratio(value: float, target: float | None) -> str:
    return "" if target is None else f" ({value / target:.2f} × target {target:g})"


def bench_cluster(size: int, workdir: Path) -> None:
    corpus = workdir / f"corpus-{size}.csv"
    if not corpus.exists():
        start = time.perf_counter()
        write_corpus(corpus, size, seed=0)
        print(f"  generated {corpus.name} in {time.perf_counter() - start:.1f} s", flush=True)
    out = workdir / f"cluster-{size}.json"
    seconds, peak, status, log = measure(
        [sys.executable, "-m", "concertation.analysis", "cluster", str(corpus), "--out", str(out)]
    )
    target_s, target_mb = TARGETS.get(size, (None, None))
    if status != 0:
        print(f"cluster {size:>9,}: FAILED (exit {status}) {log[-300:]}")
        return
    params = json.loads(out.read_text(encoding="utf-8"))["parameters"]
    print(
        f"cluster {size:>9,}: {seconds:7.1f} s{_ratio(seconds, target_s)}, "
        f"peak {peak:7.0f} MiB{_ratio(peak, target_mb)}; k={params['k']}, "
        f"phases {params.get('seconds')}",
        flush=True,
    )


def bench_opinions(workdir: Path, reddwarf_python: str | None) -> None:
    votes = workdir / "votes-33k-800-2m.csv"
    if not votes.exists():
        write_votes(votes, participants=33_000, comments=800, votes=2_000_000, seed=0)
    out = workdir / "opinions.json"
    seconds, peak, status, log = measure(
        [sys.executable, "-m", "concertation.analysis", "opinions", str(votes), "--out", str(out)]
    )
    if status != 0:
        print(f"opinions: FAILED (exit {status}) {log[-300:]}")
        return
    params = json.loads(out.read_text(encoding="utf-8"))["parameters"]
    print(
        f"opinions 33k × 800 × 2M: {seconds:.2f} s{_ratio(seconds, OPINION_TARGET[0])}, "
        f"peak {peak:.0f} MiB{_ratio(peak, OPINION_TARGET[1])}; k={params['k']}, "
        f"clustered {params['clustered_participants']}",
        flush=True,
    )
    if not reddwarf_python or not Path(reddwarf_python).exists():
        print("red-dwarf: skipped (no Python with red-dwarf 0.4.0; pass --reddwarf-python)")
        return
    rd_seconds, rd_peak, status, log = measure(
        [reddwarf_python, "-W", "ignore", "-c", REDDWARF_SCRIPT, str(votes)]
    )
    if status != 0:
        print(f"red-dwarf: failed (exit {status}): {log.splitlines()[-1] if log else ''}")
        return
    print(
        f"red-dwarf 0.4.0 same input: {rd_seconds:.2f} s, peak {rd_peak:.0f} MiB ({log}); "
        f"time ratio red-dwarf / ours = {rd_seconds / seconds:.1f}, "
        f"memory ratio = {rd_peak / peak:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Performance of concertation.analysis")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--no-opinions", action="store_true")
    parser.add_argument("--no-cluster", action="store_true")
    parser.add_argument(
        "--reddwarf-python",
        default=os.environ.get("REDDWARF_PYTHON", "/tmp/rdvenv/bin/python"),
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/concertation-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    if not args.no_cluster:
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            bench_cluster(size, args.workdir)
    if not args.no_opinions:
        bench_opinions(args.workdir, args.reddwarf_python)
    print(f"load at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
