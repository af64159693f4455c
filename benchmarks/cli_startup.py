"""Wall-clock time of short ``coopsim`` commands: the command line's start-up.

Goal (issue 13, "Speed at the scale of the field"): under 1 s (warm file cache) for
``coopsim --help``, ``coopsim validate FILE``, argument errors and ``coopsim plot DIR``.
Each command runs as a fresh ``python -m coopsim`` process; the commands take turns (one
run of each, then the next round), so that a change in the machine's load touches all of
them alike, and the table shows the median and the fastest of the rounds after one warm-up.
``python -c "import pandas, matplotlib"`` is the floor: ``plot`` cannot start faster.

    python benchmarks/cli_startup.py                 # 7 rounds; a quick results folder first
    python benchmarks/cli_startup.py --rounds 15 --results results/h3_iteration-quick

Timings are of the coopsim that ``python -c "import coopsim"`` finds (printed first): with
``PYTHONPATH=/some/checkout`` the same script times another version.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import fmt_t

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.0  # seconds
FILE = str(ROOT / "experiments" / "h3_iteration.toml")


def commands(results: str, scratch: str) -> list[tuple[str, list[str], tuple[int, ...], bool]]:
    """(label, argv after ``python``, accepted exit codes, held to the goal)."""
    cs = ["-m", "coopsim"]
    return [
        ('python -c "pass" (the interpreter)', ["-c", "pass"], (0,), False),
        ('python -c "import pandas, matplotlib" (floor of plot)', ["-c", "import pandas, matplotlib"], (0,), False),
        ("coopsim --help", [*cs, "--help"], (0,), True),
        ("coopsim validate h3_iteration.toml", [*cs, "validate", FILE], (0,), True),
        ("coopsim run missing.toml (no such file)", [*cs, "run", str(Path(scratch) / "missing.toml")], (2,), True),
        ("coopsim run h3_iteration.toml --workers 0", [*cs, "run", FILE, "--workers", "0"], (2,), True),
        ("coopsim plot DIR --kind nope (bad option)", [*cs, "plot", results, "--kind", "nope"], (2,), True),
        ("coopsim plot DIR --metric nope (bad metric)", [*cs, "plot", results, "--metric", "nope"], (2,), True),
        ("coopsim plot DIR (pdf, svg, png)", [*cs, "plot", results, "--output", str(Path(scratch) / "fig")], (0,),
         True),
        ("coopsim plot DIR --format png", [*cs, "plot", results, "--format", "png", "--output",
                                           str(Path(scratch) / "fig_png")], (0,), False),
    ]


def timed(argv: list[str], ok: tuple[int, ...]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode not in ok:
        sys.exit(f"python {' '.join(argv)}: exit code {proc.returncode}\n{proc.stderr.strip()}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7, help="timed runs of each command (default: %(default)s)")
    ap.add_argument("--results", help="a results folder for plot (default: h3_iteration.toml --quick, run first)")
    args = ap.parse_args()
    where = subprocess.run([sys.executable, "-c", "import coopsim; print(coopsim.__file__)"], capture_output=True,
                           text=True, check=True).stdout.strip()
    print(f"coopsim: {where}\npython: {sys.executable}")
    with tempfile.TemporaryDirectory() as scratch:
        results = args.results
        if results is None:
            results = str(Path(scratch) / "h3")
            subprocess.run([sys.executable, "-m", "coopsim", "run", FILE, "--quick", "--quiet", "--output", results],
                           check=True)
        jobs = commands(results, scratch)
        for _, argv, ok, _ in jobs:  # warm-up: file cache, .pyc files, matplotlib's font cache
            timed(argv, ok)
        times: list[list[float]] = [[] for _ in jobs]
        for _ in range(args.rounds):
            for i, (_, argv, ok, _) in enumerate(jobs):
                times[i].append(timed(argv, ok))
    width = max(len(label) for label, *_ in jobs)
    print(f"\n{args.rounds} rounds, wall clock per command (a fresh process each)\n")
    print(f"{'command':<{width}}  {'median':>12}  {'fastest':>12}  goal < {GOAL:g} s")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 12}  {'-' * 11}")
    for (label, _, _, held), ts in zip(jobs, times, strict=True):
        med = statistics.median(ts)
        verdict = ("ok" if med < GOAL else "over") if held else ""
        print(f"{label:<{width}}  {fmt_t(med, 9)}  {fmt_t(min(ts), 9)}  {verdict}")


if __name__ == "__main__":
    main()
