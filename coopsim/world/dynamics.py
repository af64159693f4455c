"""Strategy revision: how states change strategy between periods.

Every rule returns ``source``: an int array with, for each state ``i``, the state whose
strategy ``i`` holds after the update (``source[i] == i`` keeps its own). The caller
applies it with ``strategies = strategies[source]``, so the same rules serve named
strategy sets and continuous memory-one strategies. All rules are vectorised over states.

Rules (``selection_intensity`` is the strength of selection, never the continuation
probability):

* ``fermi``: pairwise comparison (Szabó & Tőke 1998; Traulsen et al. 2006). Each
  revising state picks a model (a random other state, or a random neighbour) and copies
  it with probability 1 / (1 + exp(-selection_intensity * (π_model - π_self))).
* ``moran_bd``: Moran birth-death (Nowak et al. 2004): one state reproduces with
  probability proportional to fitness, its offspring replaces a random other state (a
  random neighbour on a network). One event per call.
* ``moran_db``: death-birth (Ohtsuki et al. 2006): a random state dies, its neighbours
  compete for the site proportionally to fitness. One event per call.
* ``best_neighbour``: each revising state copies the best-scoring state among itself and
  its neighbours (Nowak & May 1992); ties keep the current strategy.

Fitness for the Moran rules is ``1 - s + s * payoff`` ("linear", Nowak et al. 2004; it
must stay positive: an error says which payoff breaks it) or ``exp(s * payoff)``
("exponential", always positive).
"""
from __future__ import annotations

import numpy as np

from .._validation import ParameterError, check_choice, check_probabilities, check_probability, check_real

__all__ = ["UPDATE_RULES", "fitness", "fermi", "fermi_probability", "moran_bd", "moran_db", "best_neighbour", "mutate"]

UPDATE_RULES = ("fermi", "moran_bd", "moran_db", "best_neighbour")


def fitness(payoffs: np.ndarray, selection_intensity: float, kind: str = "linear") -> np.ndarray:
    """Fitness from payoffs: linear 1 - s + s*π or exponential exp(s*π)."""
    s = check_real("selection_intensity", selection_intensity)
    check_choice("fitness", kind, ("linear", "exponential"))
    if kind == "exponential":
        z = s * payoffs
        return np.exp(z - z.max())
    f = 1.0 - s + s * payoffs
    if np.any(f < 0):
        raise ParameterError("selection_intensity", s,
                             f"a value keeping fitness 1 - s + s*payoff >= 0 (lowest payoff {payoffs.min():.4g}); "
                             "lower it or use fitness='exponential'")
    return f


def _revisers(n: int, revision_rate, rng: np.random.Generator) -> np.ndarray:
    """Who revises: everyone when the rate is 1 (no draws), else those whose uniform number
    falls below it; with one rate per state, only the states whose rate is below 1 draw."""
    if np.ndim(revision_rate) == 0:
        if revision_rate >= 1.0:
            return np.ones(n, dtype=bool)
        return rng.random(n) < revision_rate
    return _below(revision_rate, revision_rate < 1.0, rng, True)


def _below(p: np.ndarray, draws: np.ndarray, rng, fill: bool) -> np.ndarray:
    """``u < p`` for the states in ``draws``, ``fill`` elsewhere: one uniform number per
    drawing state — its run's next, as each run alone (``Streams.random_where``, runs of a
    batch whose points differ in ``p``), or a generator's next ones in order."""
    out = np.full(p.shape[0], fill)
    if draws.any():
        u = rng.random_where(draws) if hasattr(rng, "random_where") else rng.random(int(draws.sum()))
        out[draws] = u < p[draws]
    return out


def _probability(name: str, value, n: int):
    """One probability, or one per state (``n`` of them)."""
    return check_probability(name, value) if np.ndim(value) == 0 else check_probabilities(name, value, length=n)


def fermi(payoffs, models, selection_intensity, rng: np.random.Generator,
          revision_rate: float = 1.0, model_payoffs=None) -> np.ndarray:
    """Pairwise-comparison imitation; ``models[i]`` is state i's model this period.

    ``model_payoffs[i]``, if given, is the model's payoff *as state i sees it* (e.g. in a
    misperceived game); by default it is ``payoffs[models[i]]``. ``selection_intensity``
    and ``revision_rate``: one number, or one per state (runs of a batch whose points
    differ in it).
    """
    payoffs = np.asarray(payoffs, dtype=float)
    s = _intensity(selection_intensity)
    n = payoffs.shape[0]
    revision_rate = _probability("revision_rate", revision_rate, n)
    diff = (payoffs[models] if model_payoffs is None else np.asarray(model_payoffs, dtype=float)) - payoffs
    prob = fermi_probability(s, diff)
    adopt = (rng.random(n) < prob) & _revisers(n, revision_rate, rng)
    return np.where(adopt, models, np.arange(n))


def fermi_probability(selection_intensity, payoff_difference):
    """The probability 1 / (1 + exp(-s (π_model - π_self))) of copying a model (Szabó & Tőke
    1998), computed overflow-free as (1 + tanh(s Δπ / 2)) / 2; ``s`` one number or one per state."""
    return 0.5 * (1.0 + np.tanh(0.5 * selection_intensity * payoff_difference))


def _intensity(selection_intensity):
    """A selection intensity (>= 0): one number, or an array of them (one per state)."""
    if np.ndim(selection_intensity) == 0:
        s = check_real("selection_intensity", selection_intensity)
        if s < 0:
            raise ParameterError("selection_intensity", s, "a number >= 0")
        return s
    s = np.asarray(selection_intensity, dtype=float)
    bad = ~(np.isfinite(s) & (s >= 0))
    if bad.any():
        raise ParameterError("selection_intensity", s[bad][0], "a finite number >= 0")
    return s


def _neighbour_of(i: int, indptr: np.ndarray, indices: np.ndarray, rng: np.random.Generator) -> int:
    lo, hi = indptr[i], indptr[i + 1]
    return int(indices[lo + rng.integers(0, hi - lo)])


def moran_bd(payoffs, selection_intensity: float, rng: np.random.Generator, neighbours=None,
             fitness_kind: str = "linear") -> np.ndarray:
    """One Moran birth-death event. ``neighbours``: (indptr, indices) or None (well mixed)."""
    f = fitness(np.asarray(payoffs, dtype=float), selection_intensity, fitness_kind)
    n = f.shape[0]
    total = f.sum()
    parent = int(rng.choice(n, p=f / total)) if total > 0 else int(rng.integers(n))
    if neighbours is None:
        victim = int(rng.integers(0, n - 1))
        victim += victim >= parent
    else:
        victim = _neighbour_of(parent, *neighbours, rng)
    source = np.arange(n)
    source[victim] = parent
    return source


def moran_db(payoffs, selection_intensity: float, rng: np.random.Generator, neighbours=None,
             fitness_kind: str = "linear") -> np.ndarray:
    """One Moran death-birth event: a random state dies; its neighbours (everyone else when
    well mixed) compete for the site with probability proportional to fitness."""
    f = fitness(np.asarray(payoffs, dtype=float), selection_intensity, fitness_kind)
    n = f.shape[0]
    victim = int(rng.integers(n))
    if neighbours is None:
        cand = np.delete(np.arange(n), victim)
    else:
        indptr, indices = neighbours
        cand = indices[indptr[victim]: indptr[victim + 1]]
    w = f[cand]
    total = w.sum()
    parent = int(cand[rng.choice(cand.shape[0], p=w / total)]) if total > 0 else int(rng.choice(cand))
    source = np.arange(n)
    source[victim] = parent
    return source


def best_neighbour(payoffs, neighbours, rng: np.random.Generator, revision_rate: float = 1.0,
                   table=None) -> np.ndarray:
    """Copy the best-scoring state among oneself and one's neighbours (Nowak & May 1992).

    Synchronous when ``revision_rate == 1``; otherwise each state revises with that
    probability (asynchronous in the limit of small rates; one rate per state allowed). Ties keep one's own strategy;
    among equally good neighbours, the first in CSR order is copied. ``table``, optional:
    the :class:`~coopsim.world.neighbours.RegularNeighbours` of a regular graph, built
    once by callers that revise every period.
    """
    from .neighbours import RegularNeighbours, regular_columns

    payoffs = np.asarray(payoffs, dtype=float)
    indptr, indices = neighbours
    n = payoffs.shape[0]
    revision_rate = _probability("revision_rate", revision_rate, n)
    if table is None:
        columns = regular_columns(neighbours)
        table = None if columns is None else RegularNeighbours(columns)
    if table is not None:
        # regular graph (lattices, rings): the best neighbour's payoff (a maximum over the
        # columns, shifted slices on a torus); for the states that will copy, the first
        # column reaching it (argmax: the first best neighbour in CSR order)
        top = table.reduce(np.maximum, payoffs)
        change = (top > payoffs) & _revisers(n, revision_rate, rng)
        who = np.flatnonzero(change)
        source = np.arange(n)
        source[who] = table.first_reaching(payoffs, top, who)
        return source
    # irregular graph: each state's best payoff among its neighbours (a segment maximum),
    # then the first neighbour in CSR order that reaches it (no sorting)
    deg = np.diff(indptr)
    nb_pay = payoffs[indices]
    top = np.maximum.reduceat(nb_pay, indptr[:-1])
    hits = np.flatnonzero(nb_pay == np.repeat(top, deg))
    best = indices[hits[np.searchsorted(hits, indptr[:-1])]]
    change = (top > payoffs) & _revisers(n, revision_rate, rng)
    return np.where(change, best, np.arange(n))


def mutate(n: int, mutation, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of the states that explore (draw a random strategy) this period; with
    one rate per state, only the states whose rate is above 0 draw."""
    mu = _probability("mutation", mutation, n)
    if np.ndim(mu) == 0:
        return np.zeros(n, dtype=bool) if mu == 0.0 else rng.random(n) < mu
    return _below(mu, mu > 0.0, rng, False)
