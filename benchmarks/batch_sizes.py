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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="times per batch; the fastest counts")
    parser.add_argument("--replications", type=int, default=100, help="runs per batch (the file's: 100)")
    args = parser.parse_args()
    experiment = load_experiment(ROOT / "experiments" / "h2_actors.toml")
    base = experiment.base_scenario()
    sizes = (12, 24, 48)
    print(f"{'group size':>10} | {'three batches (12, 24, 48 states)':>34} | {'one batch of 84 states':>22}")
    totals = [0.0, 0.0]
    for n_actors in (2, 3, 4, 6, 12):
        apart = sum(_time(base.with_params({"actors.n_actors": n_actors, "n_states": m}), args.replications,
                          args.rounds) for m in sizes)
        together = _time(base.with_params({"actors.n_actors": n_actors, "n_states": sum(sizes)}),
                         args.replications, args.rounds)
        totals[0] += apart
        totals[1] += together
        print(f"{n_actors:>10} | {apart:>32.2f} s | {together:>20.2f} s", flush=True)
    print(f"{'sum':>10} | {totals[0]:>32.2f} s | {totals[1]:>20.2f} s  "
          f"(proxy / now = {totals[1] / totals[0]:.2f})")


if __name__ == "__main__":
    main()
