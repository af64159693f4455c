"""The report of an experiment against the whole command: `coopsim run FILE --workers 2`.

Goal (issue 13): each h*.toml, the whole command (sweep, verdicts with their bootstrap,
robustness, figures, report), under 5 s with 2 workers. For each file the command runs as
a fresh process; the time of the report inside it (``write_report`` after the sweep, in
the same process) is taken by wrapping ``coopsim.cli._write_report`` — the process is
otherwise ``python -m coopsim run FILE --workers 2 --quiet``. Then ``coopsim report DIR``
rewrites the report of that folder in a fresh process (start-up and reading included).

    python benchmarks/report_timing.py                      # h1 ... h6, 3 rounds
    python benchmarks/report_timing.py --files h4_regimes.toml --rounds 5
    git archive COMMIT coopsim | tar -x -C /tmp/before
    python benchmarks/report_timing.py --before /tmp/before # both, interleaved, reports compared

With ``--before DIR`` the coopsim package in DIR runs each command right after this
checkout's, so both see the same load, and the report files of the two (``summary.csv``,
``hypotheses.csv``, ``robustness.csv``, ``interactions.csv``, ``sobol.csv``, ``report.md``)
are compared: text exactly, numbers to 1e-12 relative. Times: median (fastest) of the
rounds, wall clock; the load average is printed before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HYPOTHESES = ["h1_reciprocity.toml", "h2_actors.toml", "h3_iteration.toml", "h4_regimes.toml",
              "h5_epistemic.toml", "h6_power.toml"]
GOAL = 5.0  # seconds, the whole command
TABLES = ("summary.csv", "hypotheses.csv", "robustness.csv", "interactions.csv", "sobol.csv")

#: ``python -m coopsim`` with the report timed: its seconds (wall clock, CPU of the process) go to
#: the file $REPORT_TIMING_OUT
WRAPPER = """
import json, os, sys, time
import coopsim.cli as cli
_write = cli._write_report
def _timed(*args, **kwargs):
    t, c = time.perf_counter(), time.process_time()
    try:
        return _write(*args, **kwargs)
    finally:
        with open(os.environ["REPORT_TIMING_OUT"], "w") as f:
            json.dump([time.perf_counter() - t, time.process_time() - c], f)
cli._write_report = _timed
sys.exit(cli.main(sys.argv[1:]))
"""


def environment(checkout: Path) -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), *([path] if path else [])])}


def timed_command(file: str, out: Path, env: dict[str, str], workers: int) -> tuple[float, float, float, float]:
    """(whole command, report inside it, the report's CPU time, ``coopsim report DIR`` alone) in seconds."""
    stamp = out.parent / (out.name + ".report-seconds")
    cmd = [sys.executable, "-c", WRAPPER, "run", str(ROOT / "experiments" / file), "--workers", str(workers),
           "--quiet", "--output", str(out), "--overwrite"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**env, "REPORT_TIMING_OUT": str(stamp)},
                          cwd=out.parent)
    whole = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"{file}: {proc.stderr.strip()}")
    report, cpu = json.loads(stamp.read_text())
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "coopsim", "report", str(out)], capture_output=True, text=True,
                          env=env, cwd=out.parent)
    alone = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"coopsim report {out}: {proc.stderr.strip()}")
    return whole, report, cpu, alone


def compare_reports(a: Path, b: Path) -> str:
    """"same" when the report files of two folders agree (numbers to 1e-12 relative), else what differs."""
    import numpy as np
    import pandas as pd

    diffs = []
    for name in TABLES:
        fa, fb = a / name, b / name
        if fa.exists() != fb.exists():
            diffs.append(f"{name} in one folder only")
            continue
        if not fa.exists():
            continue
        x, y = pd.read_csv(fa), pd.read_csv(fb)
        if list(x.columns) != list(y.columns) or x.shape != y.shape:
            diffs.append(f"{name}: columns or shape")
            continue
        for col in x.columns:
            u, v = x[col], y[col]
            if pd.api.types.is_numeric_dtype(u) and pd.api.types.is_numeric_dtype(v):
                uu, vv = u.to_numpy(float), v.to_numpy(float)
                if not np.allclose(uu, vv, rtol=1e-12, atol=0.0, equal_nan=True):
                    worst = np.nanmax(np.abs(uu - vv) / np.maximum(np.abs(vv), 1e-300))
                    diffs.append(f"{name}:{col} (relative {worst:.1e})")
            elif not u.astype(str).equals(v.astype(str)):
                diffs.append(f"{name}:{col}")
    if (a / "report.md").read_text(encoding="utf-8") != (b / "report.md").read_text(encoding="utf-8"):
        diffs.append("report.md")
    return "same" if not diffs else "DIFFERENT: " + "; ".join(diffs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", nargs="*", default=HYPOTHESES, help="experiment files in experiments/")
    ap.add_argument("--rounds", type=int, default=3, help="timed runs of each command (default: %(default)s)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--before", metavar="DIR", help="also time the coopsim package in DIR (e.g. an older commit)")
    args = ap.parse_args()
    checkouts = {"now": ROOT} | ({"before": Path(args.before).resolve()} if args.before else {})
    envs = {name: environment(path) for name, path in checkouts.items()}
    print(f"python: {sys.executable}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    head = " ".join(f"{name + ': sweep':>14} {'report':>7} {'(cpu)':>6} {'command':>14} {'report DIR':>11}"
                    for name in envs)
    print(f"\nmedian (fastest) of {args.rounds} rounds, seconds; sweep = command - report (start-up included); "
          "(cpu): the report's CPU time\n")
    print(f"{'experiment':<22} {head} {'goal < 5 s':>10}" + ("  report files" if args.before else ""), flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        for file in args.files:
            times: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in envs}
            for _ in range(args.rounds):
                for name, env in envs.items():
                    times[name].append(timed_command(file, Path(scratch) / name, env, args.workers))
            cells = []
            for name in envs:
                whole, report, cpu, alone = (list(col) for col in zip(*times[name], strict=True))
                sweep = [w - r for w, r in zip(whole, report, strict=True)]
                cells.append(f"{statistics.median(sweep):>14.2f} {statistics.median(report):>7.2f} "
                             f"{statistics.median(cpu):>6.2f} {statistics.median(whole):>6.2f} ({min(whole):>5.2f}) "
                             f"{statistics.median(alone):>11.2f}")
            best = min(t[0] for t in times["now"])
            verdict = "ok" if statistics.median(t[0] for t in times["now"]) < GOAL else \
                ("fastest ok" if best < GOAL else "over")
            same = "  " + compare_reports(Path(scratch) / "now", Path(scratch) / "before") if args.before else ""
            print(f"{Path(file).stem:<22} {' '.join(cells)} {verdict:>10}{same}", flush=True)
    print(f"\nload average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
