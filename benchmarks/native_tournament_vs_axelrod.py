"""Benchmark: a round robin of every natively playable deterministic axelrod strategy.

Players: every class in ``axelrod.all_strategies`` whose default instance coopsim plays
natively (a memory-one vector, :func:`coopsim.engine.axelrod_bridge.from_axelrod`, or a
Moore machine, :func:`coopsim.strategies.automata.from_axelrod`) and which is
deterministic. 200 turns, 5 repetitions, self-play, axelrod's default game (3, 0, 5, 1).

In one run it times ``axelrod.Tournament(...).play(processes=1)`` (the full call a user makes,
ResultSet included) and ``coopsim.tournament`` on the same axelrod players (conversion
cached after a first, reported, call; then the full call with its pandas tables), asserts
identical scores (every player's total score in every repetition, self-interactions
excluded, as ``ResultSet.scores``) and prints the ratio.

Run::

    .venv/bin/python benchmarks/native_tournament_vs_axelrod.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from _timing import fmt_t  # noqa: E402  (benchmarks/, the script's folder)

TURNS = 200
REPETITIONS = 5
SEED = 12


def native_deterministic_classes():
    import axelrod as axl

    from coopsim.engine.axelrod_bridge import from_axelrod as memory_one
    from coopsim.strategies.automata import from_axelrod as automaton

    out = []
    for cls in axl.all_strategies:
        p = cls()
        if axl.Classifiers["stochastic"](p):
            continue
        if memory_one(p) is not None or automaton(p) is not None:
            out.append(cls)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1, help="timed calls of coopsim's tournament (best kept)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    import axelrod as axl

    import coopsim as cs

    print(f"import axelrod: {fmt_t(time.perf_counter() - t0)} (not counted)")
    t0 = time.perf_counter()
    classes = native_deterministic_classes()
    t_convert = time.perf_counter() - t0
    N = len(classes)
    print(f"{N} natively playable deterministic strategies (catalogue and conversion: {fmt_t(t_convert)}, "
          f"cached per class)")

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        tour = axl.Tournament([c() for c in classes], turns=TURNS, repetitions=REPETITIONS, seed=SEED)
        res = tour.play(progress_bar=False, processes=1, filename=os.path.join(tmp, "interactions.csv"))
        t_axl = time.perf_counter() - t0
    print(f"axelrod.Tournament.play (serial, ResultSet included): {fmt_t(t_axl)}")

    best = float("inf")
    ours = None
    for _ in range(max(1, args.repeats)):
        players = [c() for c in classes]
        t0 = time.perf_counter()
        ours = cs.tournament(players, turns=TURNS, repetitions=REPETITIONS, seed=SEED)
        best = min(best, time.perf_counter() - t0)
    print(f"coopsim.tournament (sampled engine, tables included): {fmt_t(best)}")

    # identical scores: total score per player and repetition, self-interactions excluded
    m = ours.matches
    m = m[m["player_index"] != m["opponent_index"]]
    got = np.zeros((N, REPETITIONS))
    np.add.at(got, (m["player_index"].to_numpy(), m["repetition"].to_numpy()), m["score"].to_numpy())
    want = np.array(res.scores, dtype=float)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert np.array_equal(got, want), np.argwhere(got != want)[:5]
    print(f"scores identical for all {N} players x {REPETITIONS} repetitions "
          f"({N * (N + 1) // 2 * REPETITIONS} matches of {TURNS} turns)")
    print(f"ratio axelrod / coopsim: {t_axl / best:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
