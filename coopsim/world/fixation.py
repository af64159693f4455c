"""Agent-based fixation experiments, vectorised over replicate runs.

Many independent Moran processes run in lockstep: the population of every run is a row
of an int array ``types`` of shape (runs, N); each step performs one birth-death (BD) or
death-birth (DB) event in every run that has not yet fixed. Payoffs come from a payoff
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
from .structure import Network

__all__ = ["FixationResult", "simulate_fixation", "fixation_frequency"]


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


def _payoffs(types: np.ndarray, A: np.ndarray, net: Network | None, average: bool) -> np.ndarray:
    R, N = types.shape
    if net is None:
        m = A.shape[0]
        counts = np.stack([(types == k).sum(axis=1) for k in range(m)], axis=1)  # (R, m)
        # sum over all others of A[t_i, t_j] = (A @ counts)[t_i] - A[t_i, t_i]
        tot = np.take_along_axis(counts @ A.T, types, axis=1) - A[types, types]
        return tot / (N - 1)
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
    "accumulated" (default: average when well mixed, accumulated on a network).
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

    types = np.tile(init.astype(np.int64), (runs, 1))
    winner = np.full(runs, -1, dtype=np.int64)
    steps = np.zeros(runs, dtype=np.int64)
    active = np.arange(runs)
    first = types[:, :1]
    fixed = np.all(types == first, axis=1)
    winner[fixed] = types[fixed, 0]
    active = active[~fixed]
    if structure is not None:
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
            if structure is None:
                victim = rng.integers(0, N - 1, size=n_act)
                victim += victim >= parent
            else:
                deg = structure.degrees[parent]
                victim = nb[parent, (rng.random(n_act) * deg).astype(np.int64)]
        else:
            victim = rng.integers(0, N, size=n_act)
            if structure is None:
                w = f.copy()
                w[rows, victim] = 0.0
                cand = None
            else:
                cand = nb[victim]  # (n_act, kmax)
                w = np.where(nb_mask[victim], np.take_along_axis(f, cand, axis=1), 0.0)
            cum = np.cumsum(w, axis=1)
            u = rng.random(n_act) * cum[:, -1]
            pick = np.minimum((cum <= u[:, None]).sum(axis=1), w.shape[1] - 1)
            parent = pick if cand is None else cand[rows, pick]
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


def cycle_death_birth_chain(b: float, c: float, population_size: int, selection_intensity: float):
    """Exact birth-death chain of a cooperator cluster on a cycle (target T9).

    Donation game (benefit b, cost c) on a cycle of N states, accumulated payoffs, death-birth
    updating with fitness 1 - s + s * payoff. From one cooperator the cooperators stay one
    contiguous cluster, so the number i of cooperators is a birth-death chain. Returns
    (T_plus, T_minus) for i = 1 .. N-1 (arrays of length N - 1) and the fixation probability
    of a single cooperator, rho_C = 1 / (1 + sum_k prod_{i<=k} T_minus_i / T_plus_i).
    """
    N = check_int("population_size", population_size, minimum=4)
    b = check_real("b", b)
    c = check_real("c", c)
    s = check_real("selection_intensity", selection_intensity)

    def fit(payoff):
        return 1.0 - s + s * payoff

    i = np.arange(1, N)
    d = N - i  # defectors
    f_cb = fit(np.where(i >= 2, b - 2 * c, -2 * c))  # boundary cooperator
    f_d2 = fit(np.where(d == 2, b, 0.0))  # the defector behind a boundary defector
    t_plus = np.where(d >= 2, (2 / N) * f_cb / (f_cb + f_d2), 1 / N)
    f_db = fit(np.where(d == 1, 2 * b, b))  # boundary defector
    f_c2 = fit(np.where(i >= 3, 2 * (b - c), b - 2 * c))  # the cooperator behind a boundary cooperator
    t_minus = np.where(i >= 2, (2 / N) * f_db / (f_db + f_c2), 1 / N)
    rho = 1.0 / (1.0 + np.sum(np.cumprod(t_minus / t_plus)))
    return t_plus, t_minus, float(rho)


def count_transition_probabilities(types, payoff_matrix, *, rule: str = "bd", selection_intensity: float = 0.1,
                                   structure: Network | None = None, payoff: str | None = None,
                                   focal_type: int = 0) -> tuple[float, float]:
    """Exact probabilities that the next event raises / lowers the count of ``focal_type``.

    Computed from the same payoff and fitness code the simulation uses, for one
    configuration ``types`` (length N), so the simulation's bookkeeping can be checked
    against a hand-built chain (target T9a).
    """
    A = np.asarray(payoff_matrix, dtype=float)
    t = np.asarray(types, dtype=np.int64)[None, :]
    N = t.shape[1]
    check_choice("rule", rule, ("bd", "db"))
    payoff = payoff or ("average" if structure is None else "accumulated")
    s = check_real("selection_intensity", selection_intensity)
    f = (1.0 - s + s * _payoffs(t, A, structure, payoff == "average"))[0]
    if structure is None:
        nbrs = [np.delete(np.arange(N), v) for v in range(N)]
    else:
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
