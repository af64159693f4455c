"""Throughput of the sampled engine: match-rounds per second on large batches.

    .venv/bin/python benchmarks/throughput.py [--matches 100000] [--turns 200] [--repeat 3]

Rows: random stochastic memory-one pairs with and without noise, deterministic classics
(no random draws), geometric lengths (continuation w with mean length = turns), N-player
groups (rounds x members per second), and a round-robin tournament. Each cell is the best
of ``--repeat`` runs (wall clock, one process). The target for memory-one batches is at
least 20 million match-rounds per second.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

import coopsim as cs  # noqa: E402
from coopsim.engine import sampled  # noqa: E402
from coopsim.strategies import group_allc, group_alld  # noqa: E402
from coopsim.engine.tournament import tournament  # noqa: E402


def best_time(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--matches", type=int, default=100_000)
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    K, T = a.matches, a.turns
    game = cs.prisoners_dilemma()
    rng = np.random.default_rng(a.seed)
    P, Q = rng.random((K, 5)), rng.random((K, 5))
    classics = np.stack([s.array for s in (cs.TFT, cs.WSLS, cs.GRIM, cs.ALLD, cs.STFT)])
    DP, DQ = classics[rng.integers(0, 5, K)], classics[rng.integers(0, 5, K)]
    w = 1 - 1 / T  # geometric lengths with mean T

    rows = []

    def pairs(label, p, q, **kw):
        t, m = best_time(lambda: sampled.play(p, q, game, seed=a.seed, **kw), a.repeat)
        rounds = int(m.lengths.sum())
        rows.append((label, f"{len(m):,} matches", f"{rounds:,}", t, rounds / t))

    pairs(f"memory-one, stochastic, turns={T}, noise=0.01", P, Q, turns=T, noise=0.01)
    pairs(f"memory-one, stochastic, turns={T}, no noise", P, Q, turns=T)
    pairs(f"memory-one, deterministic, turns={T}, no noise", DP, DQ, turns=T)
    pairs(f"memory-one, deterministic, turns={T}, noise=0.01", DP, DQ, turns=T, noise=0.01)
    pairs(f"memory-one, stochastic, continuation={w:g}, noise=0.01", P, Q, continuation=w, noise=0.01)
    pairs(f"memory-one, turns={T}, noise=0.01, record='actions'", P, Q, turns=T, noise=0.01, record="actions")

    for n in (5, 20):
        G = max(1, K // n)
        g = cs.public_goods(n, multiplier=3.0)
        S = np.stack([cs.conditional_cooperator(0.5).array(n), group_allc().array(n),
                      group_alld().array(n)])[rng.integers(0, 3, (G, n))]
        t, r = best_time(lambda S=S, g=g: sampled.play_groups(S, g, turns=T, noise=0.05, seed=a.seed), a.repeat)
        rounds = int(r.lengths.sum()) * n
        rows.append((f"N-player public goods, n={n}, turns={T}, noise=0.05 (member-rounds)",
                     f"{G:,} groups", f"{rounds:,}", t, rounds / t))

    players = [cs.MemoryOne(tuple(x[:4]), float(x[4]), f"s{i}") for i, x in enumerate(rng.random((50, 5)))]
    t, res = best_time(lambda: tournament(players, turns=T, repetitions=10, noise=0.01, seed=a.seed), a.repeat)
    rounds = int(res.matches.drop_duplicates("match")["turns"].sum())
    rows.append((f"tournament, 50 players, turns={T}, 10 repetitions, noise=0.01 (incl. tables)",
                 f"{res.matches['match'].nunique():,} matches", f"{rounds:,}", t, rounds / t))

    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'batch':>17}  {'rounds':>13}  {'seconds':>8}  {'M rounds/s':>10}")
    for label, batch, rounds, t, rate in rows:
        print(f"{label:<{width}}  {batch:>17}  {rounds:>13}  {t:8.3f}  {rate / 1e6:10.1f}")
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs visible, best of {a.repeat}")


if __name__ == "__main__":
    main()
