"""Experiment files run with replications in lockstep against the per-run path, side by side.

Each file is run twice through the command line, `coopsim run FILE --workers 2`: once
with every run alone (COOPSIM_LOCKSTEP_STATES=0, the per-run path) and once in lockstep
(the default). Both runs tables must be identical value for value (only the `elapsed`
column differs); the table gives both wall-clock times and their ratio, against the goal
of issue 13 (each h*.toml, 1,000 runs, under 5 s; the full milner.toml under 60 s).

    python benchmarks/lockstep_vs_per_run.py                      # h1 ... h6
    python benchmarks/lockstep_vs_per_run.py --quick              # their --quick versions
    python benchmarks/lockstep_vs_per_run.py --files milner.toml  # any files in experiments/
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HYPOTHESES = ["h1_reciprocity.toml", "h2_actors.toml", "h3_iteration.toml", "h4_regimes.toml",
              "h5_epistemic.toml", "h6_power.toml"]
GOALS = {name: 5.0 for name in HYPOTHESES} | {"milner.toml": 60.0}


def timed_run(file: str, lockstep: bool, quick: bool, workers: int):
    import pandas as pd

    env = dict(os.environ)
    if not lockstep:
        env["COOPSIM_LOCKSTEP_STATES"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "coopsim", "run", str(ROOT / "experiments" / file), "--workers", str(workers),
               "--quiet", "--output", tmp] + (["--quick"] if quick else [])
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        dt = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            sys.exit(f"{file}: {proc.stderr.strip()}")
        runs = pd.read_parquet(Path(tmp) / "runs").drop(columns=["elapsed"], errors="ignore")
        runs = runs.sort_values(["point", "replication"]).reset_index(drop=True)
    return dt, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", nargs="*", default=HYPOTHESES, help="experiment files in experiments/")
    ap.add_argument("--quick", action="store_true", help="run the files' --quick versions")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    import pandas as pd

    print(f"{'experiment':<26} {'runs':>6} {'per run':>9} {'lockstep':>9} {'ratio':>6} {'goal':>6}  same numbers")
    for file in args.files:
        t_single, a = timed_run(file, False, args.quick, args.workers)
        t_lock, b = timed_run(file, True, args.quick, args.workers)
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            same = "yes"
        except AssertionError as err:
            same = "NO: " + " ".join(str(err).split())[:80]
        goal = GOALS.get(file) if not args.quick else None
        verdict = "" if goal is None else (f"{goal:>5.0f}s" + (" ok" if t_lock < goal else " over"))
        print(f"{file + (' --quick' if args.quick else ''):<26} {len(b):>6} {t_single:>8.1f}s {t_lock:>8.1f}s "
              f"{t_single / t_lock:>5.1f}x {verdict:>9}  {same}", flush=True)


if __name__ == "__main__":
    main()
