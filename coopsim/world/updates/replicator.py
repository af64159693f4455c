"""Discrete-time replicator dynamics for an infinite, well-mixed population.

Shares x of the named strategies evolve as x_i' = x_i exp(s π_i) / Σ_j x_j exp(s π_j)
(s = ``selection_intensity``), then x' = (1 - μ) x' + μ k with the population's kernel k
(H1). π comes from the exact engine (expected payoff per round with ``continuation`` or
``rounds`` and ``noise``). Deterministic: the seed is not used.

Mechanisms act here only through perception: a mechanism that supports this rule
implements ``replicator_perception() -> (error, share, step, column)`` — a share of every
strategy (``share``, moving by ``step(share)`` each period) plays its rule correctly, the
rest through perception ``error`` (H5's advised share, recorded in ``column``). Any other active mechanism is
refused by its ``check`` (it needs individual states).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import ParameterError
from ..outcomes import CORE_PERIOD_COLUMNS, FORMS, result, weighted_gini
from ..perception import misperceive_memory_one
from .base import UpdateRule


@dataclass(frozen=True)
class Replicator(UpdateRule):
    NAME = "replicator"
    DESCRIPTION = "replicator equation of an infinite well-mixed population (exact payoffs)"
    SOURCES = ("Taylor & Jonker (1978) Math. Biosci. 40:145", "Hofbauer & Sigmund (1998) Evolutionary Games")
    POPULATION = "infinite"

    def check(self, scenario) -> None:
        if scenario.is_group_game:
            raise ParameterError("update", "replicator", "a pairwise rule for group games (replicator: 2x2 only)")
        if scenario.is_continuous:
            raise ParameterError("strategies", scenario.strategies, "named strategies with update = 'replicator'")
        if scenario.structure != "random_matching":
            raise ParameterError("structure", scenario.structure, "'random_matching' (well mixed) with replicator dynamics")
        errors = [m.replicator_perception()[0] for m in scenario.mechanisms()
                  if m.is_active and hasattr(m, "replicator_perception")]
        if any(e > 0 for e in errors) and scenario.population().machines is not None:
            raise ParameterError("strategies", scenario.strategies, "memory-one strategies only: perception errors "
                                 "act on memory-one rules, not on finite-state machines (automata)")

    def simulate(self, sc, seed=None):
        import pandas as pd

        from ...engine import exact

        game = sc.stage_game()
        pop = sc.population()
        rules, kernel, m = pop.rules, pop.kernel, pop.size
        e, a, step, column = 0.0, 1.0, None, None
        for mech in sc.mechanisms():
            if mech.is_active and hasattr(mech, "replicator_perception"):
                e, a, step, column = mech.replicator_perception()
        it = sc.iteration
        if pop.machines is not None:  # finite-state machines: the joint machine chain
            if e > 0:
                raise ParameterError("strategies", pop.labels, "memory-one strategies only: perception errors act on "
                                     "memory-one rules, not on finite-state machines (automata)")
            from ...engine.automata import expected_payoffs

            machines = np.array([x for x in pop.machines for _ in (0, 1)], dtype=object)  # (type, advised)
            idx = np.arange(2 * m)
            P, Q = np.repeat(idx, 2 * m), np.tile(idx, 2 * m)
            v = expected_payoffs(list(machines[P]), list(machines[Q]), game, continuation=it.continuation,
                                 rounds=it.rounds, noise=sc.noise)
        else:
            # (type, advised) pairs: index 2 * i + advised
            variants = np.stack([misperceive_memory_one(rules, e), rules], axis=1).reshape(2 * m, -1)
            P, Q = np.repeat(variants, 2 * m, axis=0), np.tile(variants, (2 * m, 1))
            v = exact.payoffs(P, Q, game, continuation=it.continuation, rounds=it.rounds, noise=sc.noise)
        pay = v.focal.reshape(2 * m, 2 * m)
        coop = v.focal_cooperation.reshape(2 * m, 2 * m)
        x = kernel.copy()
        floor = float(min(game.rstp))
        rec = {key: np.zeros(sc.periods) for key in CORE_PERIOD_COLUMNS + tuple(f"form_{f}" for f in FORMS)}
        rec.update({name: np.ones(sc.periods) for name in _mechanism_columns(sc)})
        shares = np.zeros((sc.periods, m))
        for t in range(sc.periods):
            z = np.stack([x * (1 - a), x * a], axis=1).ravel()  # joint shares over (type, advised)
            pi_variant = pay @ z
            pi_type = (pi_variant.reshape(m, 2) * np.array([1 - a, a])).sum(1)
            rec["cooperation"][t] = rec["form_tacit"][t] = float(z @ coop @ z)  # no mechanism makes it explicit
            rec["mean_payoff"][t] = float(x @ pi_type)
            rec["inequality"][t] = weighted_gini(pi_type - floor, x) if x.sum() > 0 else 0.0
            if column is not None:
                rec[column][t] = a
            shares[t] = x
            f = np.exp(sc.selection_intensity * (pi_type - pi_type.max()))
            x = x * f
            x = x / x.sum()
            x = (1 - sc.mutation) * x + sc.mutation * kernel
            a = step(a) if step is not None else a
        return result(sc, rec, shares, pop.trait_labels,
                      pd.DataFrame({"strategy": list(pop.labels), "share": x}))


def _mechanism_columns(sc) -> list[str]:
    return [c for mech in sc.mechanisms() for c in mech.PERIOD_COLUMNS]
