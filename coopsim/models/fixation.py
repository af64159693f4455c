"""Agent-based fixation experiments on payoff matrices, well mixed or on networks,
vectorised over replicate runs (targets T3 (b) and T9).

Many independent Moran processes run in lockstep; each step performs one birth-death (BD)
or death-birth (DB) event in every run that has not yet fixed. Well mixed, a run's state
is its vector of type counts and the step is the shared count step of
:mod:`coopsim.models.moran_chain` (without self-replacement), whose exact chain
(:func:`~coopsim.models.moran_chain.chain_fixation` with ``self_replacement=False``) is
this very process. On a network the population of every run is a row of an int array
``types`` of shape (runs, N). Payoffs come from a payoff
matrix ``A`` (A[i, j]: payoff of a type-i state against a type-j state, e.g. expected
match payoffs from the exact engine, or a one-shot donation game on a graph).

Conventions (they change results; see targets T3 and T9):

* Well mixed: no self-interaction; a state's payoff is the *average* over the N - 1
  others (Nowak et al. 2004): F_i = (a(i-1) + b(N-i)) / (N-1).
* Network: a state's payoff is *accumulated* (summed) over its neighbours by default
  (Ohtsuki et al. 2006), or averaged with ``payoff="average"``.
* Fitness 1 - s + s * payoff with ``selection_intensity`` s (not the continuation).
* BD: reproducer chosen proportionally to fitness, offspring replaces a uniformly random
  *other* state (well mixed) or a uniformly random neighbour. DB: a uniformly random
  state dies, neighbours (all others when well mixed) compete proportionally to fitness.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._random import as_generator
from .._validation import ParameterError, check_choice, check_int, check_real
from ..world.structure import Network
from .moran_chain import cycle_death_birth_chain  # noqa: F401  (the exact T9 chain, importable from here)
from .moran_chain import replacement_probabilities, run_to_fixation, well_mixed_fitness

__all__ = ["FixationResult", "simulate_fixation", "fixation_frequency", "count_transition_probabilities"]


@dataclass(frozen=True)
class FixationResult:
    """Outcome of many runs: ``winner[r]`` (type that fixed, -1 if unfinished within
    ``max_steps``) and ``steps[r]`` (events until fixation)."""

    winner: np.ndarray
    steps: np.ndarray
    n_types: int

    def frequency(self, type_index: int = 0) -> tuple[float, float]:
        """Share of runs in which ``type_index`` fixed, with its binomial standard error."""
        done = self.winner >= 0
        n = int(done.sum())
        if n == 0:
            return float("nan"), float("nan")
        p = float(np.mean(self.winner[done] == type_index))
        return p, float(np.sqrt(p * (1 - p) / n))


def _padded_neighbours(net: Network) -> tuple[np.ndarray, np.ndarray]:
    deg = net.degrees
    kmax = int(deg.max())
    n = net.n_states
    nb = np.zeros((n, kmax), dtype=np.int64)
    mask = np.arange(kmax)[None, :] < deg[:, None]
    nb[mask] = net.indices
    return nb, mask


def _payoffs(types: np.ndarray, A: np.ndarray, net: Network, average: bool) -> np.ndarray:
    """Payoff (R, N) of every state of every run on the network ``net``."""
    N = types.shape[1]
    owner = np.repeat(np.arange(N), net.degrees)
    vals = A[types[:, owner], types[:, net.indices]]  # (R, E_directed)
    tot = np.add.reduceat(vals, net.indptr[:-1], axis=1)
    return tot / net.degrees if average else tot


def simulate_fixation(
    payoff_matrix,
    initial_types,
    *,
    rule: str = "bd",
    selection_intensity: float = 0.1,
    structure: Network | None = None,
    payoff: str | None = None,
    runs: int = 1000,
    max_steps: int = 1_000_000,
    seed=None,
) -> FixationResult:
    """Run ``runs`` independent Moran processes from ``initial_types`` until one type fixes.

    payoff_matrix: (m, m) array; initial_types: length-N ints in [0, m); structure: None
    (well mixed) or a :class:`~coopsim.world.structure.Network`; payoff: "average" or
    "accumulated" on a network (default accumulated); well mixed, a state's payoff is always
    its average over the N - 1 others. Returns the type that fixed and the number of events
    of every run.
    """
    A = np.asarray(payoff_matrix, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ParameterError("payoff_matrix", A.shape, "a square (m, m) matrix")
    init = np.asarray(initial_types)
    m = A.shape[0]
    if init.ndim != 1 or init.min() < 0 or init.max() >= m:
        raise ParameterError("initial_types", initial_types, f"a 1-d array of type indices in [0, {m})")
    N = init.shape[0]
    check_int("population size", N, minimum=2)
    check_choice("rule", rule, ("bd", "db"))
    s = check_real("selection_intensity", selection_intensity)
    runs = check_int("runs", runs, minimum=1)
    if structure is not None and structure.n_states != N:
        raise ParameterError("structure", structure.n_states, f"a network of {N} states (len(initial_types))")
    payoff = payoff or ("average" if structure is None else "accumulated")
    check_choice("payoff", payoff, ("average", "accumulated"))
    rng = as_generator(seed)

    if structure is None:
        def fitness(c):
            W = well_mixed_fitness(c, A, s)
            if np.any(W < 0):
                raise ParameterError("selection_intensity", s, "a value keeping fitness 1 - s + s*payoff >= 0")
            return W

        winner, steps = run_to_fixation(np.bincount(init.astype(np.int64), minlength=m), runs, fitness, rng, rule=rule,
                                        self_replacement=False, max_events=max_steps)
        return FixationResult(winner, steps, m)
    types = np.tile(init.astype(np.int64), (runs, 1))
    winner = np.full(runs, -1, dtype=np.int64)
    steps = np.zeros(runs, dtype=np.int64)
    active = np.arange(runs)
    first = types[:, :1]
    fixed = np.all(types == first, axis=1)
    winner[fixed] = types[fixed, 0]
    active = active[~fixed]
    nb, nb_mask = _padded_neighbours(structure)
    for step in range(1, max_steps + 1):
        if active.size == 0:
            break
        t = types[active]
        n_act = active.size
        pay = _payoffs(t, A, structure, payoff == "average")
        f = 1.0 - s + s * pay
        if np.any(f < 0):
            raise ParameterError("selection_intensity", s, "a value keeping fitness 1 - s + s*payoff >= 0")
        rows = np.arange(n_act)
        if rule == "bd":
            cum = np.cumsum(f, axis=1)
            u = rng.random(n_act) * cum[:, -1]
            parent = np.minimum((cum <= u[:, None]).sum(axis=1), N - 1)
            deg = structure.degrees[parent]
            victim = nb[parent, (rng.random(n_act) * deg).astype(np.int64)]
        else:
            victim = rng.integers(0, N, size=n_act)
            cand = nb[victim]  # (n_act, kmax)
            w = np.where(nb_mask[victim], np.take_along_axis(f, cand, axis=1), 0.0)
            cum = np.cumsum(w, axis=1)
            u = rng.random(n_act) * cum[:, -1]
            pick = np.minimum((cum <= u[:, None]).sum(axis=1), w.shape[1] - 1)
            parent = cand[rows, pick]
        t[rows, victim] = t[rows, parent]
        types[active] = t
        steps[active] = step
        done = np.all(t == t[:, :1], axis=1)
        if done.any():
            winner[active[done]] = t[done, 0]
            active = active[~done]
    return FixationResult(winner, steps, m)


def fixation_frequency(payoff_matrix, population_size: int, mutant: int = 0, resident: int = 1, **kw):
    """Share of runs in which a single ``mutant`` fixes in a population of ``resident``s
    (well mixed unless ``structure=`` is given), with its standard error."""
    N = check_int("population_size", population_size, minimum=2)
    init = np.full(N, resident)
    init[0] = mutant
    return simulate_fixation(payoff_matrix, init, **kw).frequency(mutant)


def count_transition_probabilities(types, payoff_matrix, *, rule: str = "bd", selection_intensity: float = 0.1,
                                   structure: Network | None = None, payoff: str | None = None,
                                   focal_type: int = 0) -> tuple[float, float]:
    """Exact probabilities that the next event raises / lowers the count of ``focal_type``.

    Computed from the same payoff and fitness code the simulation uses, for one
    configuration ``types`` (length N), so the simulation's bookkeeping can be checked
    against a hand-built chain (target T9a): on a network from the states' payoffs, well
    mixed from the law of the shared count step
    (:func:`~coopsim.models.moran_chain.replacement_probabilities`).
    """
    A = np.asarray(payoff_matrix, dtype=float)
    t = np.asarray(types, dtype=np.int64)[None, :]
    N = t.shape[1]
    check_choice("rule", rule, ("bd", "db"))
    payoff = payoff or ("average" if structure is None else "accumulated")
    s = check_real("selection_intensity", selection_intensity)
    if structure is None:
        counts = np.bincount(t[0], minlength=A.shape[0])
        P = replacement_probabilities(counts, well_mixed_fitness(counts[None], A, s)[0], rule=rule,
                                      self_replacement=False)
        other = np.arange(A.shape[0]) != focal_type
        return float(P[focal_type, other].sum()), float(P[other, focal_type].sum())
    f = (1.0 - s + s * _payoffs(t, A, structure, payoff == "average"))[0]
    nbrs = [structure.indices[structure.indptr[v]: structure.indptr[v + 1]] for v in range(N)]
    is_f = t[0] == focal_type
    # P[v, u]: probability that v is replaced by a copy of u in the next event
    P = np.zeros((N, N))
    if rule == "db":
        for v in range(N):
            nb = nbrs[v]
            P[v, nb] = (1.0 / N) * f[nb] / f[nb].sum()
    else:
        for u in range(N):
            nb = nbrs[u]
            P[nb, u] += (f[u] / f.sum()) / nb.size
    up = float(P[~is_f][:, is_f].sum())
    down = float(P[is_f][:, ~is_f].sum())
    return up, down
