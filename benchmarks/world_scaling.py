"""How the simulated world's run time grows with n_states, n_actors and periods.

Headline (issue "simulated world"): 100 states, 1000 periods, random matching, games of 10
rounds on average (continuation 0.9), noise 0.01, sampled play — goal: about a second.
Then one factor at a time around that point, on the sampled and the exact engine.

    python benchmarks/world_scaling.py [--repeats 3] [--quick] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import time

from coopsim.world.scenario import Scenario


def best_time(sc: Scenario, repeats: int) -> float:
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        sc.run(seed=r)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer points")
    ap.add_argument("--json", help="write the measurements to this file")
    args = ap.parse_args()
    base = Scenario(n_states=100, periods=1000, window=100, iteration={"continuation": 0.9}, noise=0.01)
    Scenario(n_states=10, periods=5, window=2).run(seed=0)  # warm imports

    rows = []

    def measure(label: str, value, sc: Scenario) -> None:
        t = best_time(sc, args.repeats)
        per = t / sc.periods * 1e3
        rows.append({"factor": label, "value": value, "engine": sc.engine, "seconds": t, "ms_per_period": per})
        print(f"{label:<10} {str(value):>6} {sc.engine:>8} {t:8.3f} s {per:8.3f} ms/period", flush=True)

    print("headline: 100 states x 1000 periods, random pairs, w = 0.9, noise 0.01")
    measure("headline", "-", base)
    measure("headline", "-", base.with_params({"engine": "exact"}))
    states = [25, 100, 400] if args.quick else [25, 50, 100, 200, 400, 800]
    for n in states:
        for engine in ("sampled", "exact"):
            measure("n_states", n, base.with_params({"n_states": n, "engine": engine}))
    periods = [250, 1000] if args.quick else [250, 500, 1000, 2000, 4000]
    for p in periods:
        measure("periods", p, base.with_params({"periods": p, "window": min(100, p)}))
    pg = base.with_params({"game": "public_goods", "strategies": ["ALLC", "ALLD", "TFT", "CondCoop50", "WSLS"]})
    for k in ([2, 5, 10] if args.quick else [2, 3, 5, 10, 20]):
        measure("n_actors", k, pg.with_params({"actors.n_actors": k}))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    head = [r["seconds"] for r in rows if r["factor"] == "headline" and r["engine"] == "sampled"][0]
    print(f"\nheadline sampled run: {head:.2f} s (goal: about 1 s or less); "
          f"time grows ~linearly in n_states and periods: see ms_per_period")


if __name__ == "__main__":
    main()
