"""Wall-clock time of short ``coopsim`` commands: the command line's start-up.

Goal (issue 13, "Speed at the scale of the field"): under 1 s (warm file cache) for
``coopsim --help``, ``coopsim validate FILE``, argument errors and ``coopsim plot DIR``.
Each command runs as a fresh ``python -m coopsim`` process; the commands take turns (one
run of each, then the next round), so that a change in the machine's load touches all of
them alike, and the table shows the median and the fastest of the rounds after one warm-up.
``python -c "import pandas, matplotlib"`` is the floor: ``plot`` cannot start faster; with
``matplotlib.figure`` (the figure and axes classes, which any drawing needs) it is the floor
of drawing anything. The goal was set on a quiet 2-core machine on which the plain numpy
lattice script of ``lattice_vs_numpy.py`` took 0.56 s; that script (the yardstick) is timed
at the start of every round, and the column "scaled" is the median over rounds of each time
divided by the factor of its round — an estimate of the time there, printed beside the
measured one (this machine's speed can change by a third within one benchmark).
``benchmarks/plot_phases.py`` splits ``coopsim plot DIR`` into its phases.

    python benchmarks/cli_startup.py                 # 7 rounds; a quick results folder first
    python benchmarks/cli_startup.py --rounds 15 --results results/h3_iteration-quick
    git archive COMMIT coopsim | tar -x -C /tmp/before
    python benchmarks/cli_startup.py --before /tmp/before    # the two side by side, interleaved

The coopsim timed is this checkout's (``PYTHONPATH`` = the folder above ``benchmarks/``);
``--before DIR`` also times the ``coopsim`` package in DIR, each command right after the
other, so that both columns see the same load. Compiled modules are cached (in the scratch
folder, even where PYTHONDONTWRITEBYTECODE is set): the warm-up compiles them once.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import REFERENCE_SCRIPT_SECONDS, fmt_t, machine_factor

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.0  # seconds
FILE = str(ROOT / "experiments" / "h3_iteration.toml")


def commands(results: str, scratch: str) -> list[tuple[str, list[str], tuple[int, ...], bool]]:
    """(label, argv after ``python``, accepted exit codes, held to the goal)."""
    cs = ["-m", "coopsim"]
    return [
        ('python -c "pass" (the interpreter)', ["-c", "pass"], (0,), False),
        ('python -c "import pandas, matplotlib" (floor of plot)', ["-c", "import pandas, matplotlib"], (0,), False),
        ('python -c "import pandas, matplotlib.figure" (+ axes)', ["-c", "import pandas, matplotlib.figure"], (0,),
         False),
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
        ("coopsim plot DIR --format pdf", [*cs, "plot", results, "--format", "pdf", "--output",
                                           str(Path(scratch) / "fig_pdf")], (0,), False),
    ]


def environment(checkout: Path, pycache: str) -> dict[str, str]:
    """The environment in which ``python -m coopsim`` is the coopsim package in ``checkout``,
    with bytecode caching on: compiled modules are kept in ``pycache`` (outside the checkout)
    even where PYTHONDONTWRITEBYTECODE is set, so that after the warm-up no process compiles
    coopsim's modules again (an installed coopsim has its .pyc files)."""
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), *([path] if path else [])]),
           "PYTHONPYCACHEPREFIX": pycache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def results_folder(given: str | None, scratch: str, env: dict[str, str]) -> str:
    """``given`` (a results folder), or a fresh ``h3_iteration.toml --quick`` run in ``scratch``."""
    if given:
        return str(Path(given).resolve())
    results = str(Path(scratch) / "h3")
    subprocess.run([sys.executable, "-m", "coopsim", "run", FILE, "--quick", "--quiet", "--output", results],
                   env=env, cwd=scratch, check=True)
    return results


def timed(argv: list[str], ok: tuple[int, ...], env: dict[str, str], cwd: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, cwd=cwd)
    dt = time.perf_counter() - t0
    if proc.returncode not in ok:
        sys.exit(f"python {' '.join(argv)}: exit code {proc.returncode}\n{proc.stderr.strip()}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7, help="timed runs of each command (default: %(default)s)")
    ap.add_argument("--results", help="a results folder for plot (default: h3_iteration.toml --quick, run first)")
    ap.add_argument("--before", metavar="DIR", help="also time the coopsim package in DIR (e.g. an older commit)")
    args = ap.parse_args()
    checkouts = {"now": ROOT} | ({"before": Path(args.before).resolve()} if args.before else {})
    with tempfile.TemporaryDirectory() as scratch:  # the working directory: no coopsim/ in it
        envs = {name: environment(path, str(Path(scratch) / "pycache")) for name, path in checkouts.items()}
        for name, env in envs.items():
            where = subprocess.run([sys.executable, "-c", "import coopsim; print(coopsim.__file__)"], env=env,
                                   cwd=scratch, capture_output=True, text=True, check=True).stdout.strip()
            print(f"{name}: {where}")
        print(f"python: {sys.executable}")
        results = results_folder(args.results, scratch, envs["now"])
        jobs = commands(results, scratch)
        runs = [(i, name) for i in range(len(jobs)) for name in envs]
        for i, name in runs:  # warm-up: file cache, .pyc files, matplotlib's font cache
            timed(jobs[i][1], jobs[i][2], envs[name], scratch)
        times: dict[tuple[int, str], list[float]] = {run: [] for run in runs}
        factors = []  # the yardstick's factor at the start of each round
        for _ in range(args.rounds):
            factors.append(machine_factor(rounds=1)[1])
            for i, name in runs:
                times[i, name].append(timed(jobs[i][1], jobs[i][2], envs[name], scratch))
    width = max(len(label) for label, *_ in jobs)
    head = "".join(f"  {name + ' median':>12}  {name + ' fastest':>14}" for name in envs)
    print(f"\n{args.rounds} rounds, wall clock per command (a fresh process each; goal < {GOAL:g} s)")
    print(f"yardstick: the numpy script of lattice_vs_numpy.py takes {REFERENCE_SCRIPT_SECONDS} s on the machine issue "
          f"13's goals were set on, {min(factors) * REFERENCE_SCRIPT_SECONDS:.2f}-"
          f"{max(factors) * REFERENCE_SCRIPT_SECONDS:.2f} s here at the start of the rounds "
          f"({min(factors):.2f}-{max(factors):.2f}x); 'scaled' = the median over rounds of each time / its round's "
          "factor (an estimate)\n")
    print(f"{'command':<{width}}{head}  goal        {'scaled':>9}")
    print(f"{'-' * width}{''.join(f'  {chr(45) * 12}  {chr(45) * 14}' for _ in envs)}  ----  ---------------")
    for i, (label, _, _, held) in enumerate(jobs):
        cells = "".join(f"  {fmt_t(statistics.median(times[i, name]), 9)}  {fmt_t(min(times[i, name]), 11)}"
                        for name in envs)
        median = statistics.median(times[i, "now"])
        verdict = ("ok  " if median < GOAL else "over") if held else "    "
        est = statistics.median(t / f for t, f in zip(times[i, "now"], factors, strict=True))
        scaled = (fmt_t(est, 7) + (" ok" if est < GOAL else " over")) if held else ""
        print(f"{label:<{width}}{cells}  {verdict}  {scaled}")


if __name__ == "__main__":
    main()
