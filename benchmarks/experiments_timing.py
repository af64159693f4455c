"""Wall-clock time of the shipped experiments through the command line.

Goals (issue "Experiments"): `coopsim run experiments/milner.toml --quick` under 2 minutes
and the full milner.toml (>= 6,000 runs, Sobol design) under 15 minutes on 2 cores.

    python benchmarks/experiments_timing.py            # milner --quick
    python benchmarks/experiments_timing.py --full     # + the full milner.toml and h1..h6
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_run(file: str, *extra: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "coopsim", "run", str(ROOT / "experiments" / file),
                               "--workers", "2", "--quiet", "--output", tmp, *extra], capture_output=True, text=True)
        dt = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            sys.exit(f"{file}: {proc.stderr.strip()}")
        import pandas as pd

        n = len(pd.read_parquet(Path(tmp) / "runs"))
    return dt, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also the full milner.toml and the six hypothesis files")
    args = ap.parse_args()
    jobs = [("milner.toml", ("--quick",), 120)]
    if args.full:
        jobs += [("milner.toml", (), 900)] + [(f"{h}.toml", (), None) for h in (
            "h1_reciprocity", "h2_actors", "h3_iteration", "h4_regimes", "h5_epistemic", "h6_power")]
    print(f"{'experiment':<28} {'runs':>6} {'seconds':>9} {'goal':>8}")
    for file, extra, goal in jobs:
        dt, n = timed_run(file, *extra)
        label = file + (" " + " ".join(extra) if extra else "")
        verdict = "" if goal is None else (" ok" if dt < goal else " OVER")
        print(f"{label:<28} {n:>6} {dt:>9.1f} {goal if goal else '':>8}{verdict}", flush=True)


if __name__ == "__main__":
    main()
