"""A spatial game on a large lattice: coopsim's world against a plain numpy script.

The model (Nowak & May 1992): a side x side torus, Moore neighbourhood with
self-interaction (9 encounters per state), a one-shot weak prisoner's dilemma (R = 1,
T = b, S = P = 0), payoff = mean over the 9 encounters, synchronous best-neighbour
imitation (ties keep one's own strategy), no mutation. The numpy script is the 30-line
array-shift version a researcher would write; coopsim runs the same model as a
``Scenario`` (structure "lattice", exact one-shot payoffs, update "best_neighbour").
Both start from 90 % cooperators (their own random draws), so final cooperation agrees
only in distribution (about 0.3 at b = 1.9).

With ``--rounds N`` both run N times, taking turns (a change of the machine's speed touches
both), and each line gives the fastest and the median; the ratio is of the fastest.

Run::

    .venv/bin/python benchmarks/lattice_vs_numpy.py [--side 200] [--generations 300] [--rounds 3]
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def numpy_nowak_may(coop: np.ndarray, generations: int, b: float) -> np.ndarray:
    shifts = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    for _ in range(generations):
        c = coop.astype(float)
        ncoop = sum(np.roll(np.roll(c, dx, 0), dy, 1) for dx, dy in shifts)  # cooperators among the 9
        pay = np.where(coop, ncoop, ncoop * b) / 9
        best_pay, best = pay.copy(), coop.copy()
        for dx, dy in shifts:
            if dx == dy == 0:
                continue
            p = np.roll(np.roll(pay, dx, 0), dy, 1)
            s = np.roll(np.roll(coop, dx, 0), dy, 1)
            better = p > best_pay
            best_pay = np.where(better, p, best_pay)
            best = np.where(better, s, best)
        coop = best
    return coop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", type=int, default=200)
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--b", type=float, default=1.9)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each, taking turns (default: %(default)s)")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error(f"--rounds: {args.rounds}, expected a whole number >= 1")
    import statistics

    import coopsim as cs

    n = args.side ** 2
    t = time.perf_counter()
    sc = cs.Scenario(n_states=n, periods=args.generations, window=10, structure="lattice",
                     structure_params={"neighbourhood": "moore", "self_interaction": True},
                     game="weak_prisoners_dilemma", game_params={"b": args.b}, strategies=("ALLC", "ALLD"),
                     reciprocity={"cooperators": 0.9}, iteration={"continuation": 0.0}, noise=0.0,
                     engine="exact", update="best_neighbour", revision_rate=1.0, mutation=0.0)
    t_build = time.perf_counter() - t
    times_np, times_cs = [], []
    for _ in range(args.rounds):  # the same runs each round
        rng = np.random.default_rng(1)
        t = time.perf_counter()
        final = numpy_nowak_may(rng.random((args.side, args.side)) < 0.9, args.generations, args.b)
        times_np.append(time.perf_counter() - t)
        t = time.perf_counter()
        res = sc.run(seed=1)
        times_cs.append(time.perf_counter() - t)
    t_np, t_cs = min(times_np), min(times_cs)
    print(f"{args.side} x {args.side} lattice ({n} states), {args.generations} generations, b = {args.b}; "
          f"fastest (median) of {args.rounds}")
    print(f"  plain numpy script : {t_np:7.2f} s ({statistics.median(times_np):.2f} s)   "
          f"final cooperation {final.mean():.3f}")
    print(f"  coopsim Scenario   : {t_cs:7.2f} s ({statistics.median(times_cs):.2f} s)   "
          f"final cooperation {res.periods['cooperation'].iloc[-1]:.3f}"
          f"   (+ {t_build:.2f} s to build and validate the scenario)")
    print(f"  coopsim / numpy    : {t_cs / t_np:7.2f}x")


if __name__ == "__main__":
    main()
