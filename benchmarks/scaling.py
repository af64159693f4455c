"""How a batch of runs' time grows with states, periods and runs in lockstep: figure and slopes.

Two settings, one factor at a time around a base point (30 states, 300 periods, 100 runs
in lockstep — the size of one point of an h*.toml file):

* ``pd_exact``: prisoner's dilemma, random pairs, exact engine (h1/h3/h5/h6 files);
* ``pg_sampled``: public goods in random groups of 5 with a regime (the h4 file).

For each factor the script fits time ~ x^slope by least squares on log-log axes and
states the slope (1: linear; below 1: the fixed cost per period is shared). "runs" is the
batch size, with time per run: the per-run path is the batch of 1.

    python benchmarks/scaling.py [--quick] [--figure docs/explanation/scaling.png] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from coopsim.world.loop import simulate_runs
from coopsim.world.scenario import Scenario

SETTINGS = {
    "pd_exact": dict(engine="exact", strategies=("ALLC", "ALLD", "TFT", "GTFT", "WSLS"),
                     iteration={"continuation": 0.9}, noise=0.01),
    "pg_sampled": dict(game="public_goods", actors={"n_actors": 5, "per_capita_return": 0.75},
                       strategies=("ALLC", "ALLD", "TFT", "CondCoop50", "WSLS"), iteration={"continuation": 0.5},
                       regime={"membership": 1.0, "monitoring": 0.5, "sanction": 0.1, "exclusion": "exclude"}),
}
BASE = dict(n_states=30, periods=300, runs=100)


def timed(setting: str, n_states: int, periods: int, runs: int, repeats: int) -> float:
    """Best wall-clock seconds of ``runs`` runs in lockstep."""
    sc = Scenario(n_states=n_states, periods=periods, window=min(50, periods), **SETTINGS[setting])
    best = np.inf
    for r in range(repeats):
        t0 = time.perf_counter()
        simulate_runs(sc, list(range(r * runs, (r + 1) * runs)))
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer, smaller points")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--figure", help="write the figure (PNG) here")
    ap.add_argument("--json", help="write the measurements here")
    args = ap.parse_args()
    factors = {
        "n_states": [30, 60, 120, 240, 480, 960] if not args.quick else [30, 120, 480],
        "periods": [75, 150, 300, 600, 1200] if not args.quick else [75, 300],
        "runs": [1, 3, 10, 30, 100, 300] if not args.quick else [1, 10, 100],
    }
    timed("pd_exact", 10, 5, 2, 1)  # warm imports
    out: dict = {}
    print(f"{'setting':<11} {'factor':<9} {'value':>6} {'seconds':>9} {'per run':>10}")
    for setting in SETTINGS:
        for factor, values in factors.items():
            rows = []
            for v in values:
                p = {**BASE, factor: v}
                if factor != "runs" and not args.quick:
                    p["runs"] = 30 if factor == "n_states" else BASE["runs"]
                t = timed(setting, p["n_states"], p["periods"], p["runs"], args.repeats)
                rows.append((v, t, t / p["runs"]))
                print(f"{setting:<11} {factor:<9} {v:>6} {t:>9.3f} {t / p['runs'] * 1e3:>8.2f}ms", flush=True)
            x = np.log([r[0] for r in rows])
            y = np.log([r[2] if factor == "runs" else r[1] for r in rows])
            slope = float(np.polyfit(x, y, 1)[0])
            top = float((y[-1] - y[-2]) / (x[-1] - x[-2]))  # the last doubling or tripling: the trend at scale
            what = "time per run" if factor == "runs" else "time"
            print(f"{setting:<11} {factor:<9} slope of log({what}) on log({factor}): {slope:+.2f} over the range, "
                  f"{top:+.2f} between the two largest values")
            out.setdefault(setting, {})[factor] = {"points": rows, "slope": slope, "top_slope": top}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    if args.figure:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
        for ax, factor in zip(axes, factors, strict=True):
            for setting, marker in zip(SETTINGS, "os", strict=True):
                pts = out[setting][factor]["points"]
                xs = [p[0] for p in pts]
                ys = [p[2] * 1e3 if factor == "runs" else p[1] for p in pts]
                f = out[setting][factor]
                ax.loglog(xs, ys, marker=marker, label=f"{setting} (slope {f['slope']:+.2f}; last {f['top_slope']:+.2f})")
            ax.set_xlabel({"n_states": f"states per run ({30 if not args.quick else BASE['runs']} runs)",
                           "periods": f"periods ({BASE['runs']} runs)",
                           "runs": "runs in lockstep (batch size)"}[factor])
            ax.set_ylabel("ms per run" if factor == "runs" else "seconds (batch)")
            ax.legend(fontsize=8)
            ax.grid(True, which="both", alpha=0.3)
        fig.suptitle("coopsim world: time against states, periods and runs in lockstep (base: 30 states, "
                     "300 periods)", fontsize=10)
        fig.tight_layout()
        fig.savefig(args.figure, dpi=110)
        print("figure:", args.figure)


if __name__ == "__main__":
    main()
