"""The population's strategy set: rules the engines play, labels, and the kernel.

A scenario's ``strategies`` is either a continuous space (``"memory_one"`` or
``"reactive"``: every state its own vector, drawn uniformly as in Nowak & Sigmund 1993),
or a set of strategies, each a registered name (``coopsim.strategies.registry``) or a
strategy object — any :class:`~coopsim.strategies.MemoryOne` (memory-one or reactive)
in 2x2 games, any :class:`~coopsim.strategies.GroupStrategy` in group games. The
initial population and mutants are drawn from the *kernel*, which the reciprocity
mechanism (H1) weights: by the share of reciprocators, or — the matched contrast — by the
share of reciprocators among nice strategies at a fixed share of nice strategies
(``coopsim.world.mechanisms.reciprocity.strategy_classes`` classifies each rule).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import ParameterError

__all__ = ["Population", "CONTINUOUS_SPACES", "build_population", "label_of"]

CONTINUOUS_SPACES = ("memory_one", "reactive")


@dataclass(frozen=True, eq=False)
class Population:
    """``labels`` (m,), engine ``rules`` (m, d), ``kernel`` (m,) and ``reciprocators`` (m,)
    for a strategy set; ``continuous`` names the space of a continuous population."""

    labels: tuple
    rules: np.ndarray
    kernel: np.ndarray
    reciprocators: np.ndarray
    continuous: str | None = None
    #: finite-state machines (pair games), when the set holds an automaton: every strategy
    #: as an Automaton (memory-one ones converted exactly); ``rules`` then index them
    machines: tuple | None = None

    @property
    def size(self) -> int:
        return int(self.rules.shape[0])

    @property
    def trait_labels(self) -> list[str]:
        """Per-period columns describing the population: strategy shares, or the mean
        vector components for a continuous space."""
        if self.continuous:
            return ["mean_p_CC", "mean_p_CD", "mean_p_DC", "mean_p_DD", "mean_initial"]
        return [f"share_{name}" for name in self.labels]

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Random strategies from the continuous space (uniform, as in Nowak & Sigmund 1993)."""
        if self.continuous == "reactive":
            pq = rng.random((size, 2))
            return np.column_stack([pq[:, 0], pq[:, 1], pq[:, 0], pq[:, 1], pq[:, 0]])
        return rng.random((size, 5))


def label_of(strategy) -> str:
    """The label of a strategy in tables: its name, or its name attribute for objects."""
    if isinstance(strategy, str):
        return strategy
    name = getattr(strategy, "name", "") or ""
    return str(name) if name else repr(strategy)


def _resolve(strategy, context, kind: str):
    """A strategy object and its reciprocator flag, from a registered name or an object."""
    from ..strategies import Automaton, GroupStrategy, MemoryOne, registry

    if isinstance(strategy, str):
        entry = registry.get(strategy, kind)
        return registry.build(strategy, context, kind), entry.reciprocator
    wanted = GroupStrategy if kind == "group" else (MemoryOne, Automaton)
    if not isinstance(strategy, wanted):
        what = "a GroupStrategy (group games)" if kind == "group" else "a MemoryOne strategy or an Automaton (2x2 games)"
        raise ParameterError("strategies", strategy, f"a registered name ({', '.join(registry.names(kind))}) or {what}")
    return strategy, registry.is_reciprocator(strategy)


def build_population(sc) -> Population:
    """The population of scenario ``sc`` (its strategies, game and reciprocity)."""
    strategies = sc.strategies
    if strategies[0] in CONTINUOUS_SPACES:
        kernel = sc.reciprocity.kernel(np.zeros(1, dtype=bool), continuous=True)
        return Population(tuple(strategies), np.zeros((1, 5)), kernel, np.zeros(1, dtype=bool), strategies[0])
    from ..strategies.registry import StrategyContext

    kind = "group" if sc.is_group_game else "pair"
    context = StrategyContext(game=sc.stage_game(), n_actors=sc.actors.n_actors if sc.is_group_game else 2,
                              generosity=sc.reciprocity.generosity)
    resolved = [_resolve(s, context, kind) for s in strategies]
    recip = np.array([flag for _, flag in resolved], dtype=bool)
    labels = tuple(label_of(s) for s in strategies)
    from ..strategies import Automaton

    if kind == "pair" and any(isinstance(obj, Automaton) for obj, _ in resolved):
        from ..strategies.automata import as_automaton

        machines = tuple(as_automaton(obj) for obj, _ in resolved)
        kernel = sc.reciprocity.kernel(recip, rules=_niceness_rows(machines))
        return Population(labels, np.arange(len(machines), dtype=float)[:, None], kernel, recip, machines=machines)
    if kind == "group":
        rules = np.stack([obj.array(context.n_actors) for obj, _ in resolved])
    else:
        rules = np.stack([obj.array for obj, _ in resolved])
    kernel = sc.reciprocity.kernel(recip, rules=rules, group=kind == "group")
    return Population(labels, rules, kernel, recip)


def _niceness_rows(machines) -> np.ndarray:
    """Memory-one rows that carry what the reciprocity classes read of a machine: its first
    move (p0) and its move after a first round of mutual cooperation (p_CC); the rest 0."""
    rows = np.zeros((len(machines), 5))
    for i, a in enumerate(machines):
        rows[i, 4] = a.cooperate[a.initial_state]
        rows[i, 0] = a.cooperate[a.transition[a.initial_state][0]]
    return rows
