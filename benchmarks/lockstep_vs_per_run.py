"""Experiment files run in lockstep against the per-run path, side by side.

Each file is run three ways with 2 workers: every run alone (COOPSIM_LOCKSTEP_STATES=0,
the per-run path), each point's replications in lockstep but points apart
(COOPSIM_LOCKSTEP_POINTS=0), and the default — points that differ only in per-run
parameters share batches too (coopsim.world.points). The sweep alone (`run_experiment`,
in a fresh process) is timed each way, the whole `coopsim run FILE` command (sweep,
verdicts, figures, report) per run and by default. The runs tables must be identical value
for value (only the `elapsed` column differs); the table gives the times and the sweep's
ratio, against the goals of issue 13 for the sweep (each h*.toml, 1,000 runs, under 5 s;
the full milner.toml under 60 s). Those goals were set on a quiet 2-core machine on which the
plain numpy lattice script of ``lattice_vs_numpy.py`` took 0.56 s: the script (the yardstick)
is timed here at the start, at the end, and just before each sweep it scales (this machine's
speed can change by a third within one benchmark); the column "scaled" is the median over
rounds of each sweep divided by the factor measured beside it — an estimate of the time on
that machine, printed beside the measured one.

A second, closer yardstick: the very command the issue measured on that machine, with the
code it measured — ``coopsim run experiments/h4_regimes.toml --workers 2`` with coopsim 0.1
(commit 145cbe3): 27-28 s there. ``--reference DIR`` (a checkout of 0.1: ``git worktree
add DIR 145cbe3``) times that command just before each sweep; the column "scaled (0.1)" is
the median over rounds of each sweep x 28 s / that command's time here (28 s, the upper
end: the estimate errs on the slow side). It is a sweep of small numpy arrays on 2 workers,
as today's are, where the lattice script is a few large arrays.

    python benchmarks/lockstep_vs_per_run.py                      # h1 ... h6
    python benchmarks/lockstep_vs_per_run.py --quick              # their --quick versions
    python benchmarks/lockstep_vs_per_run.py --files milner.toml --sweep-only  # any files in experiments/
    python benchmarks/lockstep_vs_per_run.py --files milner.toml --sweep-only --skip-per-run
    git worktree add /tmp/before 776b9c8   # the streams before their blocks, side by side:
    python benchmarks/lockstep_vs_per_run.py --skip-per-run --before /tmp/before
    python benchmarks/lockstep_vs_per_run.py --files h2_actors.toml --sweep-only --skip-per-run --rounds 5
    python benchmarks/lockstep_vs_per_run.py --files benchmarks/evolution_sweep.toml --sweep-only --skip-per-run
    git worktree add /tmp/coopsim-0.1 145cbe3     # the code issue 13 measured
    python benchmarks/lockstep_vs_per_run.py --sweep-only --skip-per-run --rounds 3 --reference /tmp/coopsim-0.1

``--files`` names files in experiments/, or paths to other experiment files (the sweep over
selection intensity and mutation rate in benchmarks/, whose points differ only in per-run
parameters).

With ``--rounds N`` the sweeps (points apart, together, and before) are run N times, taking
turns, and the table gives each one's median, the fastest of "together" beside it: on a
shared machine one run of a few seconds can be 30 % off.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import REFERENCE_SCRIPT_SECONDS, machine_factor

ROOT = Path(__file__).resolve().parents[1]
HYPOTHESES = ["h1_reciprocity.toml", "h2_actors.toml", "h3_iteration.toml", "h4_regimes.toml",
              "h5_epistemic.toml", "h6_power.toml"]
GOALS = {name: 5.0 for name in HYPOTHESES} | {"milner.toml": 60.0}
#: issue 13: ``coopsim run experiments/h4_regimes.toml --workers 2`` took 27-28 s with coopsim 0.1
#: on the machine its goals were set on (the upper end: scaled times err on the slow side)
REFERENCE_COMMAND_SECONDS = 28.0


SWEEP = """
import json, sys, time
from coopsim.experiments.runner import run_experiment
t = time.perf_counter()
run_experiment(sys.argv[1], output=sys.argv[2], workers=int(sys.argv[3]), quick=sys.argv[4] == "1", progress=False)
print(json.dumps(time.perf_counter() - t))
"""


#: the environment of each way of running: every run alone, points apart, points together
MODES = {"per_run": {"COOPSIM_LOCKSTEP_STATES": "0"}, "points_apart": {"COOPSIM_LOCKSTEP_POINTS": "0"},
         "together": {}}


def timed_run(file: str, mode: str, quick: bool, workers: int, command: bool = True, code: str | None = None):
    """(sweep seconds, command seconds, runs table): the sweep alone (``run_experiment``, in
    a fresh process, interpreter start-up excluded) and the whole ``coopsim run`` command
    (sweep, summary, verdicts, figures, report); ``code``: another checkout of coopsim to
    run instead of this one."""
    import json

    import pandas as pd

    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPSIM_LOCKSTEP_")} | MODES[mode]
    cwd = ROOT if code is None else Path(code).resolve()  # python -c imports from its working directory first
    if code is not None:
        env["PYTHONPATH"] = str(cwd)
    shipped = ROOT / "experiments" / file
    path = str(shipped if shipped.exists() else Path(file).resolve())  # a file of experiments/, or a path
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", SWEEP, path, tmp + "/sweep", str(workers), "1" if quick else "0"],
                              capture_output=True, text=True, env=env, cwd=cwd)
        if proc.returncode != 0:
            sys.exit(f"{file}: {proc.stderr.strip()}")
        sweep = json.loads(proc.stdout.strip().splitlines()[-1])
        if not command:
            runs = pd.read_parquet(Path(tmp) / "sweep" / "runs").drop(columns=["elapsed"], errors="ignore")
            return sweep, float("nan"), runs.sort_values(["point", "replication"]).reset_index(drop=True)
        cmd = [sys.executable, "-m", "coopsim", "run", path, "--workers", str(workers), "--quiet", "--output",
               tmp + "/cli"] + (["--quick"] if quick else [])
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
        total = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            sys.exit(f"{file}: {proc.stderr.strip()}")
        runs = pd.read_parquet(Path(tmp) / "cli" / "runs").drop(columns=["elapsed"], errors="ignore")
        runs = runs.sort_values(["point", "replication"]).reset_index(drop=True)
    return sweep, total, runs


def reference_time(checkout: str, workers: int) -> float:
    """Seconds of ``coopsim run experiments/h4_regimes.toml --workers`` ``workers`` with the
    coopsim in ``checkout`` (0.1, the code issue 13 measured), in its own folder."""
    cwd = Path(checkout).resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPSIM_")} | {"PYTHONPATH": str(cwd)}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "coopsim", "run", "experiments/h4_regimes.toml", "--workers", str(workers),
               "--output", tmp + "/ref"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
        seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"reference {cwd}: {proc.stderr.strip()}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", nargs="*", default=HYPOTHESES, help="experiment files in experiments/, or paths")
    ap.add_argument("--quick", action="store_true", help="run the files' --quick versions")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sweep-only", action="store_true", help="time the sweeps only, not the whole command")
    ap.add_argument("--skip-per-run", action="store_true", help="do not run the per-run path (slow)")
    ap.add_argument("--rounds", type=int, default=1, help="sweeps per way, taking turns (median shown)")
    ap.add_argument("--before", metavar="DIR", help="a checkout of an earlier coopsim (git worktree add DIR REV): "
                    "its sweep is timed too, by default, side by side (its numbers may differ)")
    ap.add_argument("--reference", metavar="DIR", help="a checkout of coopsim 0.1 (git worktree add DIR 145cbe3): "
                    "its h4_regimes.toml command, which took 27-28 s where the goals were set, is timed before "
                    "each sweep and scales it")
    args = ap.parse_args()
    import statistics

    import pandas as pd

    nan = float("nan")
    if args.rounds < 1:
        ap.error(f"--rounds: {args.rounds}, expected a whole number >= 1")
    script, factor = machine_factor()
    print(f"yardstick: the numpy script of lattice_vs_numpy.py takes {script:.2f} s here, "
          f"{REFERENCE_SCRIPT_SECONDS} s on the machine issue 13's goals were set on: this machine is "
          f"{factor:.2f}x that one's time; 'scaled' = each sweep / the yardstick's factor timed just before it, "
          "median over rounds (an estimate)", flush=True)
    print(f"{'experiment':<26} {'runs':>6} | {'sweep: per run':>14} {'points apart':>12} {'together':>9} "
          f"{'ratio':>6} {'goal':>9} {'scaled':>12}" + (f" {'scaled (0.1)':>13}" if args.reference else "")
          + (f" {'fastest':>8}" if args.rounds > 1 else "")
          + f" | {'command: per run':>16} {'together':>9} | same numbers"
          + (" | before: sweep  ratio" if args.before else ""))
    for file in args.files:
        command = not args.sweep_only
        s_single, c_single, a = ((nan, nan, None) if args.skip_per_run
                                 else timed_run(file, "per_run", args.quick, args.workers, command))
        apart, lock, before, scaled_runs, by_reference, references = [], [], [], [], [], []
        for i in range(args.rounds):  # taking turns, so that a change of the machine's speed touches all
            s, _, b = timed_run(file, "points_apart", args.quick, args.workers, False)
            apart.append(s)
            if args.reference:
                references.append(reference_time(args.reference, args.workers))
            near = machine_factor(rounds=2)[1]  # the yardstick just before the sweep it scales
            s, c_run, c_tab = timed_run(file, "together", args.quick, args.workers, command and i == 0)
            lock.append(s)
            scaled_runs.append(s / near)
            if args.reference:
                by_reference.append(s * REFERENCE_COMMAND_SECONDS / references[-1])
            if i == 0:
                c_lock, c = c_run, c_tab
            elif not c_tab.equals(c):
                sys.exit(f"{file}: the runs table of round {i + 1} differs from the first's")
            if args.before:
                before.append(timed_run(file, "together", args.quick, args.workers, False, args.before)[0])
        s_apart, s_lock = statistics.median(apart), statistics.median(lock)
        s_before = statistics.median(before) if before else nan
        try:
            for other in (a, b):
                if other is not None:
                    pd.testing.assert_frame_equal(other, c, check_exact=True)
            same = "yes"
        except AssertionError as err:
            same = "NO: " + " ".join(str(err).split())[:80]
        goal = GOALS.get(file) if not args.quick else None
        verdict = "" if goal is None else (f"{goal:>4.0f}s" + (" ok" if s_lock < goal else " over"))
        s_scaled = statistics.median(scaled_runs)
        scaled = "" if goal is None else f"{s_scaled:.1f}s" + (" ok" if s_scaled < goal else " over")
        if args.reference:
            s_ref = statistics.median(by_reference)
            scaled += f" {s_ref:>8.1f}s" + ("" if goal is None else (" ok" if s_ref < goal else " over"))
            print(f"  {file}: coopsim 0.1's h4_regimes.toml command here "
                  + ", ".join(f"{t:.1f} s" for t in references) + f" (28 s there)", flush=True)
        base = s_apart if args.skip_per_run else s_single
        print(f"{Path(file).name + (' --quick' if args.quick else ''):<26} {len(c):>6} | {s_single:>13.1f}s {s_apart:>11.1f}s "
              f"{s_lock:>8.1f}s {base / s_lock:>5.1f}x {verdict:>9} {scaled:>{12 + 14 * bool(args.reference)}}"
              + (f" {min(lock):>7.1f}s" if args.rounds > 1 else "")
              + f" | {c_single:>15.1f}s {c_lock:>8.1f}s | {same}"
              + (f" | {s_before:>12.1f}s {s_before / s_lock:>5.1f}x" if args.before else ""), flush=True)
    script_after, factor_after = machine_factor()
    print(f"yardstick again at the end: {script_after:.2f} s ({factor_after:.2f}x); the machine's speed changed "
          f"by {abs(factor_after / factor - 1):.0%} during the benchmark", flush=True)


if __name__ == "__main__":
    main()
