"""The Moran process on type counts: one selection event, lockstep runs to fixation, and
the exact absorbing chain.

In a well-mixed population individuals of one type are interchangeable, so a run's state
is its vector of type counts n (sum N) and an event needs only the **summed fitness**
W_a of the n_a type-a individuals. One event (``rule``, ``self_replacement``):

* ``"bd"`` (birth-death): the reproducer is of type a with probability W_a / sum W (an
  individual chosen proportionally to fitness); the dying individual is uniform among all
  N, the reproducer included (``self_replacement=True``: axelrod's ``MoranProcess``; the
  offspring may replace its own parent, then nothing changes) or among the N - 1 others
  (``False``: Nowak et al. 2004, target T3).
* ``"db"`` (death-birth): the dying individual is uniform among all N (type b with
  probability n_b / N); the reproducer is chosen proportionally to fitness among the N - 1
  others (``self_replacement=False``: Ohtsuki et al. 2006 on the complete graph) or among
  all N (``True``). The dying individual's fitness is W_b / n_b, so death-birth needs the
  individuals of a type to share one fitness.

A population with zero total fitness chooses its reproducer uniformly. Both rules count
every event, null ones included, as axelrod counts generations.

:func:`replacement_probabilities` is the exact law of one event; :func:`moran_event`
samples it for many runs at once and :func:`run_to_fixation` repeats it until every run
has fixed (used by :func:`coopsim.models.moran.moran_process` and, well mixed, by
:func:`coopsim.models.fixation.simulate_fixation`); :func:`chain_fixation` solves the
absorbing chain built from the same law. :func:`cycle_death_birth_chain` is the exact chain
of a cooperator cluster on a cycle (target T9).

Sources: Moran (1958); Nowak, Sasaki, Taylor & Fudenberg (2004) *Nature* 428:646;
Ohtsuki, Hauert, Lieberman & Nowak (2006) *Nature* 441:502; Knight et al. (2016)
(axelrod's ``MoranProcess``).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validation import ParameterError, check_choice, check_int, check_real

__all__ = [
    "ChainFixation",
    "RULES",
    "well_mixed_fitness",
    "replacement_probabilities",
    "moran_event",
    "run_to_fixation",
    "chain_fixation",
    "cycle_death_birth_chain",
]

RULES = ("bd", "db")
_MAX_CHAIN_STATES = 3_000_000


# --------------------------------------------------------------------------- one event
def well_mixed_fitness(counts: np.ndarray, A: np.ndarray, selection_intensity: float) -> np.ndarray:
    """Summed fitness W (R, m) of each type, well mixed, no self-interaction.

    A type-a individual's payoff is its average over the N - 1 others, F_a = ((A n)_a -
    A_aa) / (N - 1) (A[a, b]: payoff of a against b), its fitness 1 - s + s F_a, and
    W_a = n_a (1 - s + s F_a). With s = 1 the common factor 1 / (N - 1) is left out
    (selection proportional to fitness does not see it).

    >>> well_mixed_fitness(np.array([[1, 9]]), np.array([[30.0, 9.0], [14.0, 10.0]]), 0.1)
    array([[ 1.8, 17.5]])
    """
    c = np.asarray(counts)
    N = int(c[0].sum())
    S = c * (c @ A.T - np.diag(A)[None, :])  # summed payoff of the n_a type-a individuals
    return c * (1.0 - selection_intensity) + selection_intensity * S / (N - 1) if selection_intensity != 1.0 else S


def _check_rule(rule: str, self_replacement) -> tuple[str, bool]:
    rule = check_choice("rule", rule, RULES)
    if not isinstance(self_replacement, (bool, np.bool_)):
        raise ParameterError("self_replacement", self_replacement, "True or False")
    return rule, bool(self_replacement)


def replacement_probabilities(counts, W, *, rule: str = "bd", self_replacement: bool = True) -> np.ndarray:
    """Exact law of one event: P[..., a, b] = probability that an offspring of type a
    replaces an individual of type b (a == b: the counts do not change).

    ``counts``, ``W``: (..., m) type counts and summed fitness (see the module docstring).

    >>> replacement_probabilities([1, 3], [2.0, 3.0], self_replacement=False).round(3).tolist()
    [[0.0, 0.4], [0.2, 0.4]]
    """
    rule, self_replacement = _check_rule(rule, self_replacement)
    X = np.asarray(counts)
    W = np.asarray(W, dtype=float)
    N = int(X.sum(axis=-1).flat[0])
    m = X.shape[-1]
    eye = np.eye(m, dtype=np.int64)
    if rule == "bd":
        tot = W.sum(axis=-1, keepdims=True)
        W = np.where(tot > 0, W, X.astype(float))
        birth = W / W.sum(axis=-1, keepdims=True)
        if self_replacement:
            return birth[..., :, None] * (X / N)[..., None, :]
        return birth[..., :, None] * (X[..., None, :] - eye) / (N - 1)
    # death-birth: q[..., b, a] = P(reproducer of type a | a type-b individual died)
    cand = np.broadcast_to(X[..., None, :], X.shape[:-1] + (m, m)).astype(float)
    w = np.broadcast_to(W[..., None, :], cand.shape).copy()
    if not self_replacement:
        own = np.divide(W, X, out=np.zeros_like(W), where=X > 0)  # fitness of one type-b individual
        w -= own[..., :, None] * eye
        cand = cand - eye
    tot = w.sum(axis=-1, keepdims=True)
    w = np.where(tot > 0, w, cand)
    tot = w.sum(axis=-1, keepdims=True)
    q = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
    return np.swapaxes(q, -1, -2) * (X / N)[..., None, :]


def _roulette(W: np.ndarray, fallback: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row, with probability proportional to the row of W (``fallback``
    where a row sums to zero); u in (0, total] so zero weights are never chosen."""
    tot = W.sum(axis=1)
    zero = tot <= 0
    if np.any(zero):
        W = np.where(zero[:, None], fallback.astype(float), W)
        tot = W.sum(axis=1)
    u = (1.0 - rng.random(W.shape[0])) * tot
    cum = np.cumsum(W, axis=1)
    return np.minimum((cum < u[:, None]).sum(axis=1), W.shape[1] - 1)


def _uniform_member(counts: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Type of one individual drawn uniformly from each row's population of ``total``."""
    v = rng.integers(0, total, size=counts.shape[0])
    return (np.cumsum(counts, axis=1) <= v[:, None]).sum(axis=1)


def moran_event(counts: np.ndarray, W: np.ndarray, rng: np.random.Generator, *, rule: str = "bd",
                self_replacement: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One event in every row (run) of ``counts`` (R, m), in place; returns the types of
    the reproducer and of the dying individual, shape (R,) each.

    Draws, per event: birth-death: one uniform for the reproducer, then one integer for
    the dying individual; death-birth: the integer first, then the uniform.
    """
    rule, self_replacement = _check_rule(rule, self_replacement)
    R = counts.shape[0]
    N = int(counts[0].sum()) if R else 0
    rows = np.arange(R)
    if rule == "bd":
        parent = _roulette(W, counts, rng)
        if self_replacement:
            dead = _uniform_member(counts, N, rng)
        else:
            others = counts.copy()
            others[rows, parent] -= 1
            dead = _uniform_member(others, N - 1, rng)
    else:
        dead = _uniform_member(counts, N, rng)
        w, cand = W, counts
        if not self_replacement:
            w = W.astype(float)  # copy
            w[rows, dead] -= W[rows, dead] / counts[rows, dead]
            cand = counts.copy()
            cand[rows, dead] -= 1
        parent = _roulette(w, cand, rng)
    counts[rows, parent] += 1
    counts[rows, dead] -= 1
    return parent, dead


def run_to_fixation(initial_counts, runs: int, fitness: Callable[[np.ndarray], np.ndarray],
                    rng: np.random.Generator, *, rule: str = "bd", self_replacement: bool = True,
                    max_events: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """``runs`` processes from ``initial_counts`` (m,), advanced in lockstep until fixation.

    Every step calls ``fitness(c)`` with the counts (R, m) of the R runs not yet fixed and
    expects their summed fitness W (R, m) (it may draw from ``rng``, e.g. to play matches),
    then applies :func:`moran_event`. Returns ``winner`` (type that fixed, -1 if unfixed
    after ``max_events``) and ``events`` (events until fixation), shape (runs,) each.
    """
    rule, self_replacement = _check_rule(rule, self_replacement)
    init = np.asarray(initial_counts, dtype=np.int64)
    N = int(init.sum())
    counts = np.tile(init, (runs, 1))
    winner = np.full(runs, -1, dtype=np.int64)
    events = np.zeros(runs, dtype=np.int64)
    fixed = counts.max(axis=1) == N
    winner[fixed] = counts[fixed].argmax(axis=1)
    active = np.flatnonzero(~fixed)
    for step in range(1, max_events + 1):
        if active.size == 0:
            break
        c = counts[active]
        moran_event(c, fitness(c), rng, rule=rule, self_replacement=self_replacement)
        counts[active] = c
        events[active] = step
        done = c.max(axis=1) == N
        if done.any():
            winner[active[done]] = c[done].argmax(axis=1)
            active = active[~done]
    return winner, events


# --------------------------------------------------------------------------- exact chain
@dataclass(frozen=True, eq=False)
class ChainFixation:
    """Exact fixation distribution of the expected-payoff Moran process (:func:`chain_fixation`).

    ``probabilities[a]``: probability that strategy a fixes from ``initial_counts``;
    ``expected_generations``: expected number of generations until fixation (the
    generations that change nothing included, as axelrod counts them); ``n_states``: number
    of count vectors of the chain; ``payoff_matrix``: expected total match scores used.
    """

    labels: tuple[str, ...]
    initial_counts: np.ndarray
    probabilities: np.ndarray
    expected_generations: float
    n_states: int
    payoff_matrix: np.ndarray
    selection_intensity: float = 1.0

    def fixation_distribution(self):
        """Tidy DataFrame: strategy, initial_count, probability."""
        import pandas as pd

        return pd.DataFrame({"strategy": list(self.labels), "initial_count": self.initial_counts,
                             "probability": self.probabilities})


def _compositions(N, m):
    """All count vectors (n_1..n_m) >= 0 with sum N, shape (C(N+m-1, m-1), m)."""
    if m == 1:
        return np.array([[N]], dtype=np.int64)
    bars = np.array(list(itertools.combinations(range(N + m - 1), m - 1)), dtype=np.int64)
    edges = np.concatenate([np.full((bars.shape[0], 1), -1), bars, np.full((bars.shape[0], 1), N + m - 1)], axis=1)
    return np.diff(edges, axis=1) - 1


def chain_fixation(payoff_matrix_, initial_counts, *, selection_intensity: float = 1.0,
                   labels=None, rule: str = "bd", self_replacement: bool = True) -> ChainFixation:
    """Exact fixation distribution of the expected-payoff Moran process on type counts.

    The well-mixed process of :func:`coopsim.models.moran.moran_process` with deterministic
    match scores ``payoff_matrix_`` (A[a, b]: total score of a against b) is a Markov chain
    on the count vectors n (sum N): by default (birth-death with self-replacement, axelrod's
    rule) type a reproduces with probability W_a / sum W,
    W_a = n_a (1 - s + s ((A n)_a - A_aa) / (N - 1)), and type b dies with probability
    n_b / N (the reproducer can die: then nothing changes). ``rule`` and
    ``self_replacement`` select the other events of :func:`replacement_probabilities`
    (``self_replacement=False`` is the well-mixed process of
    :func:`coopsim.models.fixation.simulate_fixation`). The chain has
    C(N + m - 1, m - 1) states (1771 for 4 types and N = 20) and m absorbing ones; one
    sparse linear solve of x (I - Q) = e_start gives the expected visits x to the transient
    states, the absorption probabilities x R and the expected number of generations sum x.

    This answers the fixation question of the **expected-payoff** process, which differs
    from the sampled process (fresh noisy matches every generation) only through payoff
    noise. For two types and ``initial_counts`` (1, N - 1) it equals T3's
    :func:`coopsim.engine.exact.fixation_probability` with the same selection intensity.

    >>> r = chain_fixation([[30.0, 9.0], [14.0, 10.0]], [1, 9], selection_intensity=0.1)
    >>> round(float(r.probabilities[0]), 5)  # T3: rho_TFT, N = 10, w = 0.1
    0.15222
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    A = np.asarray(payoff_matrix_, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.all(np.isfinite(A)):
        raise ParameterError("payoff_matrix", payoff_matrix_, "a finite square (m, m) matrix")
    m = A.shape[0]
    n0 = np.asarray(initial_counts)
    if n0.shape != (m,) or np.any(n0 < 0) or np.any(n0 != np.round(n0)) or n0.sum() < 2:
        raise ParameterError("initial_counts", initial_counts, f"{m} non-negative integer counts summing to >= 2")
    n0 = n0.astype(np.int64)
    N = int(n0.sum())
    s = check_real("selection_intensity", selection_intensity)
    if s < 0:
        raise ParameterError("selection_intensity", s, "a number >= 0")
    _check_rule(rule, self_replacement)
    labels = tuple(labels) if labels is not None else tuple(str(k) for k in range(m))
    n_states = math.comb(N + m - 1, m - 1)
    if n_states > _MAX_CHAIN_STATES:
        raise ParameterError("initial_counts", f"N={N} with {m} types",
                             f"at most {_MAX_CHAIN_STATES} count vectors (this chain has {n_states}); simulate instead")
    if n0.max() == N:
        probs = (n0 == N).astype(float)
        return ChainFixation(labels, n0, probs, 0.0, n_states, A, s)
    X = _compositions(N, m)  # (S, m)
    base = (N + 1) ** np.arange(m, dtype=np.int64)
    code = X @ base
    order = np.argsort(code)
    code_sorted = code[order]

    def index(c):
        return order[np.searchsorted(code_sorted, c)]

    F = (X @ A.T - np.diag(A)[None, :]) / (N - 1)  # average score of one type-a player
    fit = 1.0 - s + s * F
    if np.any((X > 0) & (fit < 0)):
        raise ParameterError("selection_intensity", s, "a value keeping fitness 1 - s + s * score >= 0")
    P = replacement_probabilities(X, X * fit, rule=rule, self_replacement=self_replacement)
    absorbing = X.max(axis=1) == N
    rows, cols, vals = [], [], []
    for a in range(m):
        for b in range(m):
            if a == b:
                continue
            pr = P[:, a, b]
            ok = (pr > 0) & ~absorbing
            src = np.flatnonzero(ok)
            rows.append(src)
            cols.append(index(code[src] + base[a] - base[b]))
            vals.append(pr[src])
    rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    S_ = X.shape[0]
    Pm = sp.csr_matrix((vals, (rows, cols)), shape=(S_, S_))
    out = np.asarray(Pm.sum(axis=1)).ravel()  # probability of leaving each state
    trans = np.flatnonzero(~absorbing)
    absr = np.flatnonzero(absorbing)
    pos = np.full(S_, -1)
    pos[trans] = np.arange(trans.size)
    Q = Pm[trans][:, trans]
    Rm = Pm[trans][:, absr]
    IminusQ = sp.diags(out[trans]) - Q  # I - Q, with Q's diagonal (staying put) 1 - out
    start = pos[index(int(n0 @ base))]
    e = np.zeros(trans.size)
    e[start] = 1.0
    x = spsolve(IminusQ.T.tocsc(), e)
    absorbed = Rm.T @ x  # (n_absorbing,)
    probs = np.zeros(m)
    probs[X[absr].argmax(axis=1)] = absorbed
    return ChainFixation(labels, n0, probs, float(x.sum()), n_states, A, s)


# --------------------------------------------------------------------------- cycle (T9)
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
