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
    """The neighbour table of a batch, transposed (degree, n), and the pair values of the strategies."""

    def __init__(self, world, columns: np.ndarray, self_interaction: bool):
        _, base_table, coop_table = world.pair_tables
        m = world.population.size
        self.m = m
        self.own = self_interaction
        self.value = np.ascontiguousarray(base_table[:m, :m, 0])  # payoff per round of side 0
        self.coop = np.ascontiguousarray(coop_table[:m, :m, 0])  # its share of C moves
        self.encounters = columns.shape[0] + int(self_interaction)  # per state
        self.columns = columns  # (degree, n): the j-th neighbour of every state

    def counts(self, types: np.ndarray) -> np.ndarray:
        """(n, m) neighbours (and oneself, with self-interaction) holding each strategy."""
        nb = types[self.columns]  # (degree, n): the strategy of every state's j-th neighbour
        counts = np.empty((types.shape[0], self.m))
        for v in range(self.m):
            counts[:, v] = (nb == v).sum(axis=0) + (self.own & (types == v))
        return counts

    def period(self, world, types: np.ndarray):
        """``(payoff per state, cooperation rate per run)`` of one period."""
        counts = self.counts(types)
        value, coop = self.value[types], self.coop[types]
        pay = counts[:, 0] * value[:, 0]
        c = counts[:, 0] * coop[:, 0]
        for v in range(1, self.m):  # strategy by strategy, in a fixed order: equal counts, equal sums
            pay = pay + counts[:, v] * value[:, v]
            c = c + counts[:, v] * coop[:, v]
        pay = pay / self.encounters
        # every side of every encounter: each edge from both ends, the encounter with oneself once
        coop = world.per_run(c).sum(axis=1) / (self.encounters * world.n_states)
        return pay, coop


def stencil_for(world):
    """A :class:`Stencil` when the world's periods can be computed from neighbour counts
    (see the module docstring), else None."""
    from .dynamics import regular_columns
    from .mechanisms.base import Mechanism
    from .structure import Network

    hooks = ("roles", "withhold", "perceive", "settle", "stakes", "charges", "attribute", "observe",
             "perceived_payoffs", "adapt")
    acting = [m for m in world.active if any(getattr(type(m), h) is not getattr(Mechanism, h) for h in hooks)]
    base = world.base_structure
    if (world.is_group or acting or world.transforms or world.unequal_capability or world.population.continuous
            or world.population.machines is not None or getattr(world, "pair_tables", None) is None
            or not isinstance(base, Network) or base.group_size != 2):
        return None
    columns = regular_columns(world.structure.neighbours_csr)
    return None if columns is None else Stencil(world, columns, bool(base.self_interaction))
