"""What batches of runs with different numbers of states would save, measured on a proxy.

``h2_actors.toml`` is 15 points (5 group sizes x 12, 24, 48 states), 100 runs each; each
point is a lockstep batch of its own, since a batch's runs must have equal numbers of
states. Much of a period's time does not depend on the batch's size (the group engine's
rounds, the matching, the records: array operations on a few thousand numbers). A batch
holding the three points of one group size (runs of 12, 24 and 48 states) does not exist
yet; its proxy here is one batch of 100 runs of 84 = 12 + 24 + 48 states — as many states
advancing together, the per-period costs paid once. For each group size this script times,
serially in one process (``simulate_runs``, fastest of ``--rounds``), the three batches as
the sweep runs them now and the proxy, and prints the sums: the proxy's sum is an estimate
of the serial time of the sweep with such batches (each block of a real one would add its
own per-run reductions).

A sweep runs its batches on workers, though, and a batch is one worker's work: with fewer,
larger batches the workers may not finish together. So the script also gives the time on
``--workers`` workers — each batch, costliest first, to the worker with the least work so
far (what the runner's chunk order does) — of the 15 batches now, of the 5 proxies, and of
10 half proxies (50 runs of 84 states each: two per group size, for the workers to share).

    python benchmarks/batch_sizes.py
    python benchmarks/batch_sizes.py --rounds 3 --replications 50
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from coopsim.experiments import load_experiment
from coopsim.world.loop import simulate_runs

ROOT = Path(__file__).resolve().parents[1]


def _time(scenario, replications: int, rounds: int) -> float:
    seeds = [np.random.SeedSequence(202, spawn_key=(0, r)) for r in range(replications)]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        simulate_runs(scenario, seeds)
        best = min(best, time.perf_counter() - start)
    return best


def makespan(costs, workers: int) -> float:
    """When the last of ``workers`` workers ends, each batch (costliest first) given to
    the worker with the least work so far."""
    loads = [0.0] * workers
    for cost in sorted(costs, reverse=True):
        loads[loads.index(min(loads))] += cost
    return max(loads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="times per batch; the fastest counts")
    parser.add_argument("--replications", type=int, default=100, help="runs per batch (the file's: 100)")
    parser.add_argument("--workers", type=int, default=2, help="workers the batches are shared by (the goals': 2)")
    args = parser.parse_args()
    experiment = load_experiment(ROOT / "experiments" / "h2_actors.toml")
    base = experiment.base_scenario()
    sizes = (12, 24, 48)
    half = args.replications // 2
    print(f"{'group size':>10} | {'three batches (12, 24, 48 states)':>34} | {'one batch of 84 states':>22} | "
          f"{f'two of {half} runs of 84':>22}")
    now, proxy, halves = [], [], []
    for n_actors in (2, 3, 4, 6, 12):
        apart = [_time(base.with_params({"actors.n_actors": n_actors, "n_states": m}), args.replications, args.rounds)
                 for m in sizes]
        big = base.with_params({"actors.n_actors": n_actors, "n_states": sum(sizes)})
        together = _time(big, args.replications, args.rounds)
        part = _time(big, half, args.rounds)
        now += apart
        proxy.append(together)
        halves += [part, part]
        print(f"{n_actors:>10} | {sum(apart):>32.2f} s | {together:>20.2f} s | {2 * part:>20.2f} s", flush=True)
    print(f"{'sum':>10} | {sum(now):>32.2f} s | {sum(proxy):>20.2f} s | {sum(halves):>20.2f} s  "
          f"(proxy / now = {sum(proxy) / sum(now):.2f})")
    w = args.workers
    print(f"{f'{w} workers':>10} | {makespan(now, w):>32.2f} s | {makespan(proxy, w):>20.2f} s | "
          f"{makespan(halves, w):>20.2f} s  (proxy / now = {makespan(proxy, w) / makespan(now, w):.2f}, "
          f"halves / now = {makespan(halves, w) / makespan(now, w):.2f})")


if __name__ == "__main__":
    main()
