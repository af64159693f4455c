"""Spatial games on regular networks without encounters: payoffs from neighbour counts.

When a period is only "every state plays each neighbour (and itself, with
self-interaction) a pair game whose value is known exactly" — a regular network such as
a lattice or a ring, the exact engine, named strategies, equal capabilities and no
mechanism acting — the loop need not build the period's encounters. Each state's payoff
is ``sum_v count_i(v) * value(own strategy, v) / (degree + self)``, with ``count_i(v)`` the
number of its neighbours holding strategy ``v``: Nowak & May's (1992) integer counts.
Two states with the same strategy and the same neighbour counts therefore get the *same*
payoff to the last bit, so ties between them are ties (best-neighbour imitation keeps
one's own strategy on ties), whatever the order of the neighbours. The cooperation rate
is the same count-weighted sum over the sides of every encounter (each edge seen from
both ends, an encounter with oneself once).
"""
from __future__ import annotations

import numpy as np

__all__ = ["Stencil", "stencil_for"]


class Stencil:
    """The neighbours of a batch (:class:`~coopsim.world.neighbours.RegularNeighbours`) and the pair values of the strategies."""

    def __init__(self, world, table, self_interaction: bool):
        _, base_table, coop_table = world.pair_tables  # (V, V, 2), or (D, V, V, 2): a table per continuation
        m = world.population.size
        self.m = m
        self.own = self_interaction
        value = base_table[..., :m, :m, 0]  # payoff per round of side 0
        coop = coop_table[..., :m, :m, 0]  # its share of C moves
        self.encounters = table.degree + int(self_interaction)  # per state
        self.table = table  # coopsim.world.neighbours.RegularNeighbours
        # value against v of each (table, own strategy), flat: a state's entry is table * m + strategy
        self.value_cols = [np.ascontiguousarray(value[..., v]).reshape(-1) for v in range(m)]
        self.coop_cols = [np.ascontiguousarray(coop[..., v]).reshape(-1) for v in range(m)]
        self.shift = None if world.run_table is None else world.by_state(world.run_table) * m

    def counts(self, types: np.ndarray) -> np.ndarray:
        """(m, n) neighbours (and oneself, with self-interaction) holding each strategy: the
        sum of each strategy's indicator over the neighbours (integer counts, exact in any
        order of addition), the last strategy's count by difference."""
        counts = np.empty((self.m, types.shape[0]))
        for v in range(self.m - 1):
            counts[v] = self.table.reduce(np.add, (types == v).astype(float), include_self=self.own)
        counts[self.m - 1] = self.encounters - counts[:self.m - 1].sum(axis=0)
        return counts

    def period(self, world, types: np.ndarray):
        """``(payoff per state, cooperation rate per run)`` of one period."""
        counts = self.counts(types)
        entry = types if self.shift is None else types + self.shift
        pay = counts[0] * self.value_cols[0].take(entry)
        c = counts[0] * self.coop_cols[0].take(entry)
        for v in range(1, self.m):  # strategy by strategy, in a fixed order: equal counts, equal sums
            pay += counts[v] * self.value_cols[v].take(entry)
            c += counts[v] * self.coop_cols[v].take(entry)
        pay /= self.encounters
        # every side of every encounter: each edge from both ends, the encounter with oneself once
        coop = world.per_run(c).sum(axis=1) / (self.encounters * world.n_states)
        return pay, coop


def stencil_for(world):
    """A :class:`Stencil` when the world's periods can be computed from neighbour counts
    (see the module docstring), else None."""
    from .mechanisms.base import Mechanism
    from .neighbours import regular_neighbours
    from .structure import Network

    hooks = ("roles", "withhold", "perceive", "settle", "stakes", "charges", "attribute", "observe",
             "perceived_payoffs", "adapt")
    acting = [m for m in world.active if any(getattr(type(m), h) is not getattr(Mechanism, h) for h in hooks)]
    base = world.base_structure
    if (world.is_group or acting or world.transforms or world.unequal_capability or world.population.continuous
            or world.population.machines is not None or getattr(world, "pair_tables", None) is None
            or not isinstance(base, Network) or base.group_size != 2):
        return None
    table = regular_neighbours(world.structure)
    return None if table is None else Stencil(world, table, bool(base.self_interaction))
