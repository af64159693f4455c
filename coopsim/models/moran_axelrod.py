"""Moran processes of iterated-game players run by axelrod's own classes, for comparison.

:func:`axelrod_moran_process` runs the experiment of
:func:`coopsim.models.moran.moran_process` with ``axelrod.MoranProcess`` (or
``axelrod.ApproximateMoranProcess`` on a cache of matches), one run after another, and
returns the same :class:`~coopsim.models.moran.MoranResult`; compare the two with
:func:`~coopsim.models.moran.homogeneity_test`. Needs the axelrod package (imported on call).

Source: Knight et al. (2016) *PLoS ONE* 11:e0147512 (the axelrod library's
``MoranProcess`` and ``ApproximateMoranProcess``).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._random import as_seed_sequence
from .._validation import ParameterError, check_int, check_probability
from ..strategies import MemoryOne
from .moran import MoranResult, _pair_index, _parse_players

__all__ = ["axelrod_moran_process"]


def _to_axelrod(strategy):
    from ..engine import axelrod_bridge

    if isinstance(strategy, MemoryOne):
        return axelrod_bridge.to_axelrod(strategy)
    from ..strategies.automata import to_axelrod

    return to_axelrod(strategy)


def axelrod_moran_process(players, game, *, turns: int = 200, noise: float = 0.0, runs: int = 10,
                          approximate: bool = False, cache_size: int = 1000, seed=None) -> MoranResult:
    """The same experiment by axelrod's own classes, one run after another (slow; for
    comparisons and benchmarks).

    ``players`` as for :func:`~coopsim.models.moran.moran_process`; axelrod players are used as given, coopsim
    strategies become axelrod players (``to_axelrod``; automata through
    :mod:`coopsim.strategies.automata`). With ``approximate=False`` each run is an
    ``axelrod.MoranProcess(players, turns, noise, game, seed)``; with ``approximate=True``
    a cache of ``cache_size`` ``axelrod.Match`` outcomes (per-turn scores) per unordered
    pair of types is built once (its cost is in ``info["cache_seconds"]``) and every run is
    an ``axelrod.ApproximateMoranProcess`` on it. Seeds of the runs, matches and ``Pdf``
    objects derive from ``seed``. ``info["seconds"]`` holds the wall time of each run.
    """
    import time
    from collections import Counter

    import axelrod as axl

    from ..engine.axelrod_bridge import axelrod_game, is_axelrod_player

    types = _parse_players(players)
    turns = check_int("turns", turns, minimum=1)
    noise = check_probability("noise", noise)
    runs = check_int("runs", runs, minimum=1)
    ss = as_seed_sequence(seed)
    rng = np.random.default_rng(ss)
    g = axelrod_game(game)
    # one axelrod prototype per type (axelrod players given by the user are kept)
    protos = []
    if isinstance(players, Mapping):
        given = {}
    else:
        given = {str(p): p for p in players if is_axelrod_player(p)}
    for strat, lab in zip(types.strategies, types.labels, strict=True):
        protos.append(given[lab].clone() if lab in given else _to_axelrod(strat))
    names = [str(p) for p in protos]
    if len(set(names)) != len(names):
        raise ParameterError("players", names, "types whose axelrod players have distinct names")
    info: dict = {"seconds": []}
    cache = None
    if approximate:
        t0 = time.perf_counter()
        cache = {}
        for a, b in zip(*_pair_index(types.m), strict=True):
            outcomes = Counter()
            for _ in range(cache_size):
                match = axl.Match((protos[a].clone(), protos[b].clone()), turns=turns, noise=noise, game=g,
                                  seed=int(rng.integers(0, 2**32 - 1)))
                match.play()
                outcomes[tuple(match.final_score_per_turn())] += 1
            cache[(names[a], names[b])] = axl.Pdf(outcomes, seed=int(rng.integers(0, 2**32 - 1)))
        info["cache_seconds"] = time.perf_counter() - t0
        info["cache_size"] = cache_size
    winner = np.full(runs, -1, dtype=np.int64)
    generations = np.zeros(runs, dtype=np.int64)
    index = {n: k for k, n in enumerate(names)}
    for r in range(runs):
        population = [protos[k].clone() for k in range(types.m) for _ in range(int(types.counts[k]))]
        run_seed = int(rng.integers(0, 2**32 - 1))
        t0 = time.perf_counter()
        if approximate:
            mp = axl.ApproximateMoranProcess(population, cached_outcomes=cache, seed=run_seed)
        else:
            mp = axl.MoranProcess(population, turns=turns, noise=noise, game=g, seed=run_seed)
        mp.play()
        info["seconds"].append(time.perf_counter() - t0)
        winner[r] = index[mp.winning_strategy_name]
        generations[r] = len(mp) - 1
    source = "axelrod.ApproximateMoranProcess" if approximate else "axelrod.MoranProcess"
    return MoranResult(types.labels, types.counts.copy(), winner, generations, "cached" if approximate else "sampled",
                       turns, noise, 1.0, source, info)
