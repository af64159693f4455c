"""Experiment files run with replications in lockstep against the per-run path, side by side.

Each file is run with every run alone (COOPSIM_LOCKSTEP_STATES=0, the per-run path) and in
lockstep (the default), with 2 workers: the sweep alone (`run_experiment`, in a fresh
process) and the whole `coopsim run FILE` command (sweep, verdicts, figures, report). Both
runs tables must be identical value for value (only the `elapsed` column differs); the
table gives the times and the sweep's ratio, against the goals of issue 13 for the sweep
(each h*.toml, 1,000 runs, under 5 s; the full milner.toml under 60 s).

    python benchmarks/lockstep_vs_per_run.py                      # h1 ... h6
    python benchmarks/lockstep_vs_per_run.py --quick              # their --quick versions
    python benchmarks/lockstep_vs_per_run.py --files milner.toml --sweep-only  # any files in experiments/
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


SWEEP = """
import json, sys, time
from coopsim.experiments.runner import run_experiment
t = time.perf_counter()
run_experiment(sys.argv[1], output=sys.argv[2], workers=int(sys.argv[3]), quick=sys.argv[4] == "1", progress=False)
print(json.dumps(time.perf_counter() - t))
"""


def timed_run(file: str, lockstep: bool, quick: bool, workers: int, command: bool = True):
    """(sweep seconds, command seconds, runs table): the sweep alone (``run_experiment``, in
    a fresh process, interpreter start-up excluded) and the whole ``coopsim run`` command
    (sweep, summary, verdicts, figures, report)."""
    import json

    import pandas as pd

    env = dict(os.environ)
    if not lockstep:
        env["COOPSIM_LOCKSTEP_STATES"] = "0"
    path = str(ROOT / "experiments" / file)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", SWEEP, path, tmp + "/sweep", str(workers), "1" if quick else "0"],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            sys.exit(f"{file}: {proc.stderr.strip()}")
        sweep = json.loads(proc.stdout.strip().splitlines()[-1])
        if not command:
            runs = pd.read_parquet(Path(tmp) / "sweep" / "runs").drop(columns=["elapsed"], errors="ignore")
            return sweep, float("nan"), runs.sort_values(["point", "replication"]).reset_index(drop=True)
        cmd = [sys.executable, "-m", "coopsim", "run", path, "--workers", str(workers), "--quiet", "--output",
               tmp + "/cli"] + (["--quick"] if quick else [])
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        total = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            sys.exit(f"{file}: {proc.stderr.strip()}")
        runs = pd.read_parquet(Path(tmp) / "cli" / "runs").drop(columns=["elapsed"], errors="ignore")
        runs = runs.sort_values(["point", "replication"]).reset_index(drop=True)
    return sweep, total, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", nargs="*", default=HYPOTHESES, help="experiment files in experiments/")
    ap.add_argument("--quick", action="store_true", help="run the files' --quick versions")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sweep-only", action="store_true", help="time the sweeps only, not the whole command")
    args = ap.parse_args()
    import pandas as pd

    print(f"{'experiment':<26} {'runs':>6} | {'sweep: per run':>14} {'lockstep':>9} {'ratio':>6} {'goal':>9} | "
          f"{'command: per run':>16} {'lockstep':>9} | same numbers")
    for file in args.files:
        s_single, c_single, a = timed_run(file, False, args.quick, args.workers, not args.sweep_only)
        s_lock, c_lock, b = timed_run(file, True, args.quick, args.workers, not args.sweep_only)
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            same = "yes"
        except AssertionError as err:
            same = "NO: " + " ".join(str(err).split())[:80]
        goal = GOALS.get(file) if not args.quick else None
        verdict = "" if goal is None else (f"{goal:>4.0f}s" + (" ok" if s_lock < goal else " over"))
        print(f"{file + (' --quick' if args.quick else ''):<26} {len(b):>6} | {s_single:>13.1f}s {s_lock:>8.1f}s "
              f"{s_single / s_lock:>5.1f}x {verdict:>9} | {c_single:>15.1f}s {c_lock:>8.1f}s | {same}", flush=True)

if __name__ == "__main__":
    main()
