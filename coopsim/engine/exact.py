"""Exact engine: Markov-chain match values, Moran fixation, replicator dynamics.

Noiseless, batched (no Python loop over strategy pairs) computations that serve as the
oracles of the sampled engine and of the validation targets (``targets.md`` T1-T6, T13).

Conventions
-----------
* Actions C = 0, D = 1. The four states of a round are CC, CD, DC, DD seen from the
  **focal** player (own move first). Memory-one arrays have shape (K, 5):
  (p_CC, p_CD, p_DC, p_DD, initial); ``p`` and ``q`` are each written from their own
  player's perspective, so the co-player reads the focal state CD as its own DC (indices 1
  and 2 swapped; Press & Dyson 2012). Inputs go through
  :func:`coopsim.strategies.as_array` (MemoryOne objects, lists, arrays); ``p`` and ``q``
  broadcast (K and K, 1 and K, or K and 1).
* **Implementation noise** ``noise`` = ε in [0, 1/2]: every intended move, *including the
  first*, is flipped independently with probability ε, so a probability x of playing C
  becomes (1 - ε) x + ε (1 - x) (as in ``axelrod.Match(noise=ε)``). ε > 1/2 is excluded:
  it is noise 1 - ε on the complementary strategies. ``first_move_noise=False`` leaves the
  first move noiseless (the convention of some published tables; see the tests of T5).
* Match length: ``rounds=T`` averages over rounds 0..T-1; ``continuation=w`` (0 <= w < 1;
  another round follows with probability w, expected length 1/(1-w)) weights round t by
  (1 - w) w^t, i.e. **per-round values = expected total over the geometric match divided
  by its expected length** (1-w) E[sum_t w^t pi_t]; with neither, the limit of means
  (Cesàro limit, correct also for reducible and periodic noiseless chains).
  ``continuation`` and ``noise`` may be arrays broadcasting against K.
* Payoffs come from any game with ``focal_payoffs`` (R, S, T, P) and ``coplayer_payoffs``
  (R, T, S, P) in the focal player's state order (``Game``, ``AsymmetricGame``).

Sources: Nowak & Sigmund (1990, 1992, 1993) for memory-one Markov chains; Press & Dyson
(2012) for the determinant formula; Nowak, Sasaki, Taylor & Fudenberg (2004) for Moran
fixation; Taylor & Jonker (1978), Hofbauer & Sigmund (1998) for replicator dynamics;
Hauert et al. (2006) for the N-player replicator; Meyer (1975) for the Cesàro limit.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import ParameterError, check_int, check_probability
from ..strategies import as_array

__all__ = [
    "MatchValues", "transition_matrices", "initial_distribution", "limit_matrix",
    "state_distribution", "stationary_distribution", "payoffs", "pairwise_payoffs",
    "press_dyson_payoffs", "moran_transition_probabilities", "fixation_probability",
    "weak_selection_favours", "replicator", "group_replicator",
]

_SWAP = [0, 2, 1, 3]  # focal state -> co-player's own state


class MatchValues(NamedTuple):
    """Per-round match values, arrays of shape (K,): payoffs and cooperation rates."""

    focal: np.ndarray
    coplayer: np.ndarray
    focal_cooperation: np.ndarray
    coplayer_cooperation: np.ndarray


# --------------------------------------------------------------------------- validation
def _prob_array(name, value, high=1.0, *, open_high=False) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    bad = arr is None or arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0) \
        or np.any(arr >= high if open_high else arr > high)
    if bad:
        rng = f"[0, {high:g})" if open_high else f"[0, {high:g}]"
        raise ParameterError(name, value, f"a number (or 1-d array of numbers) in {rng}")
    return arr


def _pair(p, q, noise=0.0, first_move_noise=True, extra=()):
    """Broadcast p, q (and noise, and an ``extra`` parameter shape) to K pairs (K, 5); apply noise."""
    P, Q = as_array(p, "p"), as_array(q, "q")
    eps = _prob_array("noise", noise, 0.5)
    try:
        K = np.broadcast_shapes(P.shape[:1], Q.shape[:1], eps.shape, extra)[0]
    except ValueError:
        raise ParameterError("q", f"{Q.shape[0]} strategies", f"1 or {P.shape[0]} strategies to pair with p "
                             "(noise and continuation arrays of the same length)") from None
    P, Q = np.broadcast_to(P, (K, 5)), np.broadcast_to(Q, (K, 5))
    e = np.broadcast_to(eps, (K,))[:, None]
    Pn, Qn = e + (1 - 2 * e) * P, e + (1 - 2 * e) * Q
    if not first_move_noise:
        Pn[:, 4], Qn[:, 4] = P[:, 4], Q[:, 4]
    return Pn, Qn


def _outer(x, y):
    """Distribution over (focal, co-player) moves CC, CD, DC, DD for P(C) = x, y."""
    return np.stack([x * y, x * (1 - y), (1 - x) * y, (1 - x) * (1 - y)], axis=-1)


def _game(game):
    try:
        return np.asarray(game.focal_payoffs, float), np.asarray(game.coplayer_payoffs, float)
    except AttributeError:
        raise ParameterError("game", game, "a Game or AsymmetricGame (with focal_payoffs, coplayer_payoffs)") from None


# --------------------------------------------------------------------------- Markov chain
def transition_matrices(p, q, noise=0.0) -> np.ndarray:
    """Transition matrices M[k, s, s'] (K, 4, 4) of the focal states CC, CD, DC, DD."""
    P, Q = _pair(p, q, noise)
    return _outer(P[:, :4], Q[:, _SWAP])


def initial_distribution(p, q, noise=0.0, *, first_move_noise=True) -> np.ndarray:
    """Distribution (K, 4) of the first round's state."""
    P, Q = _pair(p, q, noise, first_move_noise)
    return _outer(P[:, 4], Q[:, 4])


def _reach(M):
    R = ((M > 0) | np.eye(4, dtype=bool)).astype(np.int64)
    for _ in range(2):  # paths of length <= 4 cover a 4-state chain
        R = (R @ R > 0).astype(np.int64)
    return R.astype(bool)


def _classes(M):
    """Structural class decomposition: recurrent mask (K, 4), class label (K, 4), #classes."""
    R = _reach(M)
    mutual = R & np.swapaxes(R, 1, 2)
    recurrent = np.all(~R | np.swapaxes(R, 1, 2), axis=2)
    label = np.argmax(mutual, axis=2)  # smallest state of the communicating class
    n_closed = np.sum(recurrent & (label == np.arange(4)), axis=1)
    return recurrent, label, n_closed


def limit_matrix(M) -> np.ndarray:
    """Cesàro limit P* = lim (1/T) sum_{t<T} M^t of stacked stochastic matrices (K, 4, 4).

    Exact structural method: closed classes from the support graph (M > 0); each closed
    class gets its stationary distribution (linear solve), transient states the mixture
    given by their absorption probabilities, (I - M_TT) X_T = M_TR X_R. No tolerances.
    """
    M = np.asarray(M, dtype=float)
    K, eye = M.shape[0], np.eye(4)
    recurrent, label, _ = _classes(M)
    A = eye - M
    pis = np.zeros((K, 4, 4))  # pis[:, c] = stationary distribution of the class labelled c
    for c in range(4):  # loop over the 4 possible class labels, batched over K
        member = recurrent & (label == c)
        has = member[:, c]
        G = np.where(member[:, :, None], np.swapaxes(A, 1, 2), eye)  # G[s, t] = A[t, s] for s in class
        G[:, c, :] = np.where(has[:, None], member, eye[c])
        pis[:, c] = np.linalg.solve(G, np.broadcast_to(eye[c], (K, 4))[..., None])[..., 0]
    B = np.where(recurrent[:, :, None], pis[np.arange(K)[:, None], label], 0.0)
    lhs = np.where(recurrent[:, :, None], eye, A)
    return np.linalg.solve(lhs, B)


def _sum_of_powers(M, T):
    """S = sum_{t<T} M^t by binary doubling (O(log T) batched products)."""
    S, Pw = np.zeros_like(M), np.broadcast_to(np.eye(4), M.shape).copy()
    for bit in bin(T)[2:]:
        S, Pw = S + Pw @ S, Pw @ Pw
        if bit == "1":
            S, Pw = S + Pw, Pw @ M
    return S


def state_distribution(p, q, *, continuation=None, rounds=None, noise=0.0, first_move_noise=True) -> np.ndarray:
    """Mean occupancy (K, 4) of states CC, CD, DC, DD per round (see module conventions)."""
    if continuation is not None and rounds is not None:
        raise ParameterError("rounds", rounds, "None when continuation is given (choose one match length)")
    w = None if continuation is None else _prob_array("continuation", continuation, open_high=True)
    P, Q = _pair(p, q, noise, first_move_noise, () if w is None else w.shape)
    M, v0 = _outer(P[:, :4], Q[:, _SWAP]), _outer(P[:, 4], Q[:, 4])
    if rounds is not None:
        T = check_int("rounds", rounds, minimum=1)
        return np.einsum("ks,kst->kt", v0, _sum_of_powers(M, T)) / T
    if w is not None:
        w = np.broadcast_to(w, (M.shape[0],))
        A = np.eye(4) - w[:, None, None] * M
        x = np.linalg.solve(np.swapaxes(A, 1, 2), v0[..., None])[..., 0]
        return (1 - w)[:, None] * x
    return np.einsum("ks,kst->kt", v0, limit_matrix(M))


def stationary_distribution(p, q, noise=0.0, *, strict=True) -> np.ndarray:
    """Stationary distribution (K, 4) of chains with a unique one (one closed class).

    With ``strict`` (default) a chain with several closed classes (e.g. noiseless TFT vs
    TFT) raises; with ``strict=False`` it returns the Cesàro limit from the actual first
    round (= :func:`state_distribution` with neither continuation nor rounds).
    """
    M = transition_matrices(p, q, noise)
    n_closed = _classes(M)[2]
    if strict and np.any(n_closed > 1):
        bad = np.flatnonzero(n_closed > 1)[:5].tolist()
        raise ParameterError("p, q", f"pairs {bad} with several closed classes",
                             "chains with a unique stationary distribution (add noise, or strict=False)")
    v0 = initial_distribution(p, q, noise)
    return np.einsum("ks,kst->kt", v0, limit_matrix(M))


def payoffs(p, q, game, *, continuation=None, rounds=None, noise=0.0, first_move_noise=True) -> MatchValues:
    """Per-round payoffs and cooperation rates of focal ``p`` against co-player ``q``.

    Per-round normalisation: mean over ``rounds``; with ``continuation`` w the expected
    total over a geometric match divided by its expected length 1/(1-w); with neither the
    limit of means. Multiply by the length to get expected totals.

    >>> from coopsim import TFT, STFT, prisoners_dilemma
    >>> v = payoffs(TFT, [TFT, STFT], prisoners_dilemma())  # STFT: alternating CD/DC
    >>> v.focal, v.focal_cooperation
    (array([3. , 2.5]), array([1. , 0.5]))
    """
    fx, fy = _game(game)
    v = state_distribution(p, q, continuation=continuation, rounds=rounds, noise=noise,
                           first_move_noise=first_move_noise)
    return MatchValues(v @ fx, v @ fy, v[:, 0] + v[:, 1], v[:, 0] + v[:, 2])


def pairwise_payoffs(strategies, game, **kw) -> np.ndarray:
    """(m, m) matrix of per-round focal payoffs: entry [i, j] is strategy i against j."""
    S = as_array(strategies)
    m = S.shape[0]
    return payoffs(np.repeat(S, m, 0), np.tile(S, (m, 1)), game, **kw).focal.reshape(m, m)


def press_dyson_payoffs(p, q, game, noise=0.0) -> tuple[np.ndarray, np.ndarray]:
    """Limit-of-means payoffs (s_X, s_Y) by Press & Dyson's (2012) determinant formula.

    s_X = D(p, q, S_X) / D(p, q, 1), where D replaces the last column of
    [[-1+p1q1, -1+p1, -1+q1], [p2q3, -1+p2, q3], [p3q2, p3, -1+q2], [p4q4, p4, q4]] by f.
    Valid for chains with a unique stationary distribution (D(p, q, 1) != 0; otherwise nan).
    """
    fx, fy = _game(game)
    P, Q = _pair(p, q, noise)
    p1, p2, p3, p4 = P[:, :4].T
    q1, q2, q3, q4 = Q[:, :4].T
    cols = np.stack([np.stack([-1 + p1 * q1, p2 * q3, p3 * q2, p4 * q4], -1),
                     np.stack([-1 + p1, -1 + p2, p3, p4], -1),
                     np.stack([-1 + q1, q3, -1 + q2, q4], -1)], -1)

    def D(f):
        return np.linalg.det(np.concatenate([cols, np.broadcast_to(f, (P.shape[0], 4))[..., None]], -1))

    unique = _classes(_outer(P[:, :4], Q[:, _SWAP]))[2] == 1
    d1 = np.where(unique, D(np.ones(4)), np.nan)
    return D(fx) / d1, D(fy) / d1


# --------------------------------------------------------------------------- Moran process
def _moran_setup(payoff_matrix, population_size, selection_intensity):
    A = np.asarray(payoff_matrix, dtype=float)
    if A.shape != (2, 2) or not np.all(np.isfinite(A)):
        raise ParameterError("payoff_matrix", payoff_matrix, "a finite 2x2 matrix [[a, b], [c, d]]")
    N = check_int("population_size", population_size, minimum=2)
    s = _prob_array("selection_intensity", selection_intensity)[..., None]
    (a, b), (c, d) = A
    i = np.arange(1, N)
    F = (a * (i - 1) + b * (N - i)) / (N - 1)
    G = (c * i + d * (N - i - 1)) / (N - 1)
    f, g = 1 - s + s * F, 1 - s + s * G
    if np.any(f <= 0) or np.any(g <= 0):
        raise ParameterError("selection_intensity", selection_intensity,
                             "a value keeping fitness 1 - s + s*payoff > 0 for this payoff matrix")
    return N, i, f, g


def moran_transition_probabilities(payoff_matrix, population_size, selection_intensity):
    """(T+, T-) for i = 0..N mutants (A players), Moran birth-death, no self-interaction.

    T_i^+ = i f_i / (i f_i + (N-i) g_i) * (N-i)/N, T_i^- = (N-i) g_i / (...) * i/N with
    f_i = 1 - s + s F_i, g_i = 1 - s + s G_i (Nowak et al. 2004). Shape (..., N + 1).
    """
    N, i, f, g = _moran_setup(payoff_matrix, population_size, selection_intensity)
    tot = i * f + (N - i) * g
    pad = [(0, 0)] * (f.ndim - 1) + [(1, 1)]
    return np.pad(i * f / tot * (N - i) / N, pad), np.pad((N - i) * g / tot * i / N, pad)


def fixation_probability(payoff_matrix, population_size, selection_intensity):
    """(rho_A, rho_B): fixation probabilities of one A mutant among N-1 B, and vice versa.

    Moran birth-death, payoff matrix [[a, b], [c, d]] (row = own strategy A, B), no
    self-interaction, fitness 1 - s + s * payoff with ``selection_intensity`` s in [0, 1]
    (not the continuation probability; may be an array):
    rho_A = 1 / (1 + sum_{k=1}^{N-1} prod_{i=1}^{k} g_i / f_i), rho_B = rho_A prod_{i<N} g_i/f_i.
    Nowak, Sasaki, Taylor & Fudenberg (2004), Nature 428:646.
    """
    N, i, f, g = _moran_setup(payoff_matrix, population_size, selection_intensity)
    logs = np.cumsum(np.log(g) - np.log(f), axis=-1)  # log prod_{i<=k} g_i/f_i
    top = np.maximum(logs.max(axis=-1, keepdims=True), 0.0)
    denom = np.exp(-top[..., 0]) + np.exp(logs - top).sum(-1)
    return np.exp(-top[..., 0]) / denom, np.exp(logs[..., -1] - top[..., 0]) / denom


def weak_selection_favours(payoff_matrix, population_size) -> bool:
    """True iff rho_A > 1/N under weak selection: a(N-2) + b(2N-1) > c(N+1) + d(2N-4).

    Nowak et al. (2004); for large N the one-third rule a + 2b > c + 2d.
    """
    N = _moran_setup(payoff_matrix, population_size, 0.0)[0]
    (a, b), (c, d) = np.asarray(payoff_matrix, dtype=float)
    return bool(a * (N - 2) + b * (2 * N - 1) > c * (N + 1) + d * (2 * N - 4))


# --------------------------------------------------------------------------- replicator
def _times(times):
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.diff(t) < 0):
        raise ParameterError("times", times, "non-negative, non-decreasing times (x0 is the state at time 0)")
    return t


def _tidy(t, X, labels):
    import pandas as pd

    return pd.DataFrame({"time": np.repeat(t, X.shape[1]), "strategy": np.tile(list(labels), t.size),
                         "share": X.ravel()})


def replicator(payoff_matrix_or_game, x0, times, *, labels=None, tidy=False, rtol=1e-10, atol=1e-12):
    """Replicator dynamics x_i' = x_i ((A x)_i - x.A x) on the simplex (Taylor & Jonker 1978).

    ``payoff_matrix_or_game``: (m, m) matrix A[i, j] = payoff of i against j, or a symmetric
    ``Game`` (strategies C, D). ``x0``: shares at time 0 (a scalar = share of the first
    strategy when m = 2). Returns shares (len(times), m), or with ``tidy`` a DataFrame with
    columns time, strategy, share. Integrated with scipy's DOP853.
    """
    from scipy.integrate import solve_ivp

    g = payoff_matrix_or_game
    A = np.asarray(g.payoff_matrix if hasattr(g, "payoff_matrix") else g, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.all(np.isfinite(A)):
        raise ParameterError("payoff_matrix", g, "a finite square matrix or a symmetric Game")
    m = A.shape[0]
    x = np.atleast_1d(np.asarray(x0, dtype=float))
    if x.size == 1 and m == 2:
        x = np.array([check_probability("x0", float(x[0])), 1 - float(x[0])])
    if x.shape != (m,) or np.any(x < 0) or abs(x.sum() - 1) > 1e-9:
        raise ParameterError("x0", x0, f"{m} non-negative shares summing to 1")
    t = _times(times)

    def rhs(_, y):
        f = A @ y
        return y * (f - y @ f)

    sol = solve_ivp(rhs, (0.0, t[-1]), x, method="DOP853", t_eval=t, rtol=rtol, atol=atol)
    X = np.clip(sol.y.T, 0, 1)
    X /= X.sum(1, keepdims=True)
    labels = labels or (["C", "D"] if hasattr(g, "payoff_matrix") else [str(k) for k in range(m)])
    return _tidy(t, X, labels) if tidy else X


def group_replicator(npgame, x0, times, *, tidy=False, rtol=1e-10, atol=1e-12):
    """Cooperator share under x' = x (1 - x) (pi_C(x) - pi_D(x)) for an ``NPlayerGame``.

    Groups of n are drawn binomially from an infinite population with cooperator share x
    (Hauert et al. 2006); pi_C, pi_D from ``NPlayerGame.mean_payoffs``. Returns the
    cooperator share (len(times),), or with ``tidy`` a DataFrame (time, strategy C/D, share).
    """
    from scipy.integrate import solve_ivp

    if not hasattr(npgame, "mean_payoffs"):
        raise ParameterError("npgame", npgame, "an NPlayerGame")
    x = check_probability("x0", x0)
    t = _times(times)

    def rhs(_, y):
        pc, pd_ = npgame.mean_payoffs(np.clip(y[0], 0.0, 1.0))
        return [y[0] * (1 - y[0]) * (pc - pd_)]

    sol = solve_ivp(rhs, (0.0, t[-1]), [x], method="DOP853", t_eval=t, rtol=rtol, atol=atol)
    xs = np.clip(sol.y[0], 0, 1)
    return _tidy(t, np.stack([xs, 1 - xs], 1), ["C", "D"]) if tidy else xs
