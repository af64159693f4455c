"""Where the time of ``coopsim plot DIR`` goes: its phases, timed inside fresh processes.

Companion of ``cli_startup.py`` (which times whole commands): each round starts a fresh
``python`` that imports what ``coopsim plot`` imports, reads the results folder and runs
the command's own code (``coopsim.cli`` with ``--output``), with ``coopsim.plots.save``
wrapped so that the shared layout and each file are timed apart. The table shows the
median and the fastest round of each phase; their sum is the command without the
interpreter's own start-up (``python -c pass``, about 20-50 ms). Compiled modules are
cached as in ``cli_startup.py``; the first round (not shown) compiles them.

    python benchmarks/plot_phases.py                      # 7 rounds; a quick results folder first
    python benchmarks/plot_phases.py --rounds 15 --results results/h3_iteration-quick --format png
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import fmt_t
from cli_startup import environment, results_folder

ROOT = Path(__file__).resolve().parents[1]

# run in the child: prints {phase: seconds} as JSON on its last line
CHILD = r"""
import json, sys, time
marks, t0 = {}, [time.perf_counter()]
def mark(name):
    t = time.perf_counter(); marks[name] = t - t0[0]; t0[0] = t
import matplotlib, pandas
mark("import pandas, matplotlib (the floor)")
import coopsim.cli as cli
mark("import coopsim, coopsim.cli")
matplotlib.use("Agg")
from coopsim import analysis, plots
import coopsim.experiments.results as store
mark("import coopsim.plots, the results store")
import matplotlib.figure
from matplotlib.backends import backend_agg
mark("import matplotlib's figure, axes, Agg")
folder, output, formats = sys.argv[1:4]
load, save = store.load_results, plots.save
def timed_load(*args, **kwargs):
    mark("the command's arguments")
    result = load(*args, **kwargs)
    mark("read the folder (checksums, parquet)")
    return result
def timed_save(fig, out, fmts, **kwargs):
    mark("the figure: tables, facets, drawing calls")
    with plots._laid_out(fig, 300, "tight", {}) as bbox:
        mark("layout: constrained layout and tight box, once")
        for f in fmts:
            save(fig, out, (f,), bbox_inches=bbox)
            mark(f"write {f}")
    return []
store.load_results, plots.save = timed_load, timed_save
cli.main(["plot", folder, "--format", formats, "--output", output])
print(json.dumps(marks))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7, help="fresh processes (default: %(default)s)")
    ap.add_argument("--results", help="a results folder (default: h3_iteration.toml --quick, run first)")
    ap.add_argument("--format", default="pdf,svg,png", help="as coopsim plot --format (default: %(default)s)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = environment(ROOT, str(Path(scratch) / "pycache"))  # as cli_startup.py: .pyc files cached
        results = results_folder(args.results, scratch, env)
        runs = []
        for i in range(args.rounds + 1):  # the first warms the file cache
            proc = subprocess.run([sys.executable, "-c", CHILD, results, str(Path(scratch) / "fig"), args.format],
                                  env=env, cwd=scratch, capture_output=True, text=True, check=True)
            if i:
                runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    phases = list(runs[0])
    width = max(map(len, phases))
    print(f"\ncoopsim plot DIR --format {args.format}: {args.rounds} fresh processes\n")
    print(f"{'phase':<{width}}  {'median':>12}  {'fastest':>12}")
    for p in phases:
        print(f"{p:<{width}}  {fmt_t(statistics.median(r[p] for r in runs))}  {fmt_t(min(r[p] for r in runs))}")
    total = [sum(r.values()) for r in runs]
    print(f"{'total':<{width}}  {fmt_t(statistics.median(total))}  {fmt_t(min(total))}")


if __name__ == "__main__":
    main()
