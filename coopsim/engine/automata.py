"""Play and exact valuation of finite-state strategies (automata) in the 2-player game.

:func:`play_automata` plays many matches at once (vectorised over matches; a Python loop
over rounds only), with the conventions of :func:`coopsim.engine.sampled.play` (which
hands matches to it whenever one side is an automaton): implementation noise flips every
intended move, the first included, and both sides see the realised moves.
:func:`outcome_distribution` and :func:`expected_payoffs` are exact: the joint state of
the two machines is a Markov chain. The machines themselves are defined in
:mod:`coopsim.strategies.automata`.
"""
from __future__ import annotations

import numpy as np

from .._random import as_generator
from .._validation import ParameterError, check_probability
from ..strategies.automata import Automaton, as_automaton
from ..strategies.memory_one import MemoryOne
from .exact import MatchValues
from .rounds import Matches, draw_lengths, game_vectors, length_spec

__all__ = ["play_automata", "outcome_distribution", "expected_payoffs"]


def _unique(strategies):
    """The distinct objects (by identity) among K strategies and each entry's index into
    them (K may be ~10^5 entries naming a handful of strategies: no Python loop over K)."""
    ids = np.fromiter(map(id, strategies), dtype=np.int64, count=len(strategies))
    _, first, which = np.unique(ids, return_index=True, return_inverse=True)
    return [as_automaton(strategies[i]) for i in first], which.reshape(-1).astype(np.int64)


def _tables(autos):
    """Padded arrays of U automata: cooperate (U, Mmax), transition (U, Mmax, 4), start (U,)."""
    Mmax = max(a.n_states for a in autos)
    U = len(autos)
    coop = np.zeros((U, Mmax))
    trans = np.zeros((U, Mmax, 4), dtype=np.int64)
    start = np.zeros(U, dtype=np.int64)
    for k, a in enumerate(autos):
        coop[k, : a.n_states] = a.cooperate
        trans[k, : a.n_states] = a.transition
        start[k] = a.initial_state
    return coop, trans, start, Mmax


def _stack(strategies):
    """Padded arrays for K automata: cooperate (K, Mmax), transition (K, Mmax, 4), start (K,)."""
    autos, which = _unique(strategies)
    coop, trans, start, Mmax = _tables(autos)
    return coop[which], trans[which], start[which], Mmax


def play_automata(p, q, game, *, turns=None, continuation=None, noise=0.0, seed=None, record: str = "summary"):
    """Play K matches between automata (or memory-one strategies) at once.

    Same conventions and result (:class:`coopsim.engine.sampled.Matches`) as
    :func:`coopsim.engine.sampled.play`: implementation noise flips every intended move,
    the first included; both sides see the realised moves.
    """
    ps, qs, K = _pairs(p, q)
    fx, fy = game_vectors(game)
    turns, w = length_spec(turns, continuation)
    eps = float(np.asarray(noise))
    if not 0.0 <= eps <= 1.0:
        raise ParameterError("noise", noise, "a probability in [0, 1]")
    rng = as_generator(seed)
    lengths = draw_lengths(K, turns, w, rng)
    # tables of the distinct machines only: memory O(U * M), not O(K * M)
    autos_a, wa = _unique(ps)
    autos_b, wb = _unique(qs)
    ca, ta, sa, Ma = _tables(autos_a)
    cb, tb, sb, Mb = _tables(autos_b)
    # effective probability of C with noise folded in: (1 - e) c + e (1 - c)
    ca, cb = eps + (1 - 2 * eps) * ca, eps + (1 - 2 * eps) * cb
    rows = np.arange(K)
    T = int(lengths.max()) if K else 0
    counts = np.zeros((K, 4), dtype=np.int64)
    acts = np.full((K, T, 2), -1, dtype=np.int8) if record == "actions" else None
    # global state ids g = u * M + m (u: the distinct machine): one flat lookup for the move,
    # one for the transition
    ca, cb = ca.ravel(), cb.ravel()
    ga = (np.arange(len(autos_a))[:, None, None] * Ma + ta).ravel()  # (U * Ma * 4,) next global state
    gb = (np.arange(len(autos_b))[:, None, None] * Mb + tb).ravel()
    state_a, state_b = wa * Ma + sa[wa], wb * Mb + sb[wb]
    flat = np.zeros(K * 4, dtype=np.int64)
    fixed = bool(K) and bool((lengths == T).all())
    for t in range(T):
        u = rng.random((K, 2))
        da = (u[:, 0] >= ca[state_a]).astype(np.int64)  # 1 = D
        db = (u[:, 1] >= cb[state_b]).astype(np.int64)
        outcome_a = 2 * da + db  # focal view
        new_a = ga[state_a * 4 + outcome_a]
        new_b = gb[state_b * 4 + 2 * db + da]  # the co-player's own view
        if fixed:
            flat[rows * 4 + outcome_a] += 1  # each row once per round: no repeated indices
            if acts is not None:
                acts[:, t, 0], acts[:, t, 1] = da, db
            state_a, state_b = new_a, new_b
        else:
            live = lengths > t
            flat[(rows * 4 + outcome_a)[live]] += 1
            if acts is not None:
                acts[live, t, 0], acts[live, t, 1] = da[live], db[live]
            state_a = np.where(live, new_a, state_a)
            state_b = np.where(live, new_b, state_b)
    counts = flat.reshape(K, 4)
    focal, co = counts @ fx, counts @ fy
    L = lengths.astype(float)
    return Matches(lengths=lengths, focal_score=focal, coplayer_score=co, focal_payoff=focal / L,
                   coplayer_payoff=co / L, focal_cooperation=(counts[:, 0] + counts[:, 1]) / L,
                   coplayer_cooperation=(counts[:, 0] + counts[:, 2]) / L, states=counts, actions=acts)


# --------------------------------------------------------------------------- exact values
def _pairs(p, q):
    ps = [p] if isinstance(p, (Automaton, MemoryOne)) else list(p)
    qs = [q] if isinstance(q, (Automaton, MemoryOne)) else list(q)
    K = max(len(ps), len(qs))
    if len(ps) not in (1, K) or len(qs) not in (1, K):
        raise ParameterError("q", f"{len(qs)} strategies", f"1 or {len(ps)} (as many as p)")
    return ps * (K // len(ps)), qs * (K // len(qs)), K


def outcome_distribution(p, q, *, rounds=None, continuation=None, noise=0.0) -> np.ndarray:
    """(K, 4) expected share of the rounds ending in CC, CD, DC, DD (focal ``p``'s view).

    Exact: the joint state (state of p, state of q) is a Markov chain on Mp * Mq states;
    over ``rounds`` rounds its distributions are summed (then divided by ``rounds``); with
    ``continuation`` w the occupation measure d0 (I - w P)^-1 is weighted by (1 - w), i.e.
    the expected total over a geometric match divided by its expected length 1 / (1 - w).
    Implementation noise flips every intended move, the first included (as :func:`play_automata`).

    Each distinct pair is valued once; pairs are grouped by their machines' sizes (no
    padding) and in chunks of bounded memory; chains of more than
    ``_SPARSE_ABOVE`` joint states use sparse matrices (scipy), one pair at a time.
    """
    ps, qs, K = _pairs(p, q)
    turns, w = length_spec(rounds, continuation)
    eps = check_probability("noise", noise)
    ua, wa = _unique(ps)
    ub, wb = _unique(qs)
    codes = wa * len(ub) + wb
    pair_id, inverse = np.unique(codes, return_inverse=True)
    pa, pb = pair_id // len(ub), pair_id % len(ub)
    out = np.zeros((pair_id.size, 4))
    sizes = np.array([[ua[i].n_states, ub[j].n_states] for i, j in zip(pa, pb, strict=True)]).reshape(-1, 2)
    for na, nb in np.unique(sizes, axis=0):
        idx = np.flatnonzero((sizes[:, 0] == na) & (sizes[:, 1] == nb))
        size = int(na) * int(nb)
        if size > _SPARSE_ABOVE:
            for k in idx:
                out[k] = _sparse_one(ua[pa[k]], ub[pb[k]], turns, w, eps)
            continue
        chunk = max(1, int(_CHUNK_BYTES // (8 * size * size)))
        for c in range(0, idx.size, chunk):
            part = idx[c:c + chunk]
            out[part] = _dense([ua[i] for i in pa[part]], [ub[j] for j in pb[part]], turns, w, eps)
    return out[inverse.ravel()]


_SPARSE_ABOVE = 1500  # joint states; above this a dense S x S chain is not built
_CHUNK_BYTES = 2**28  # bound on the dense transition matrices built at once


def _joint(ps, qs, eps):
    """Outcome probabilities (K, S, 4) and next joint states (K, S, 4) of K pairs of equal sizes."""
    ca, ta, sa, Ma = _tables(ps)
    cb, tb, sb, Mb = _tables(qs)
    ca, cb = eps + (1 - 2 * eps) * ca, eps + (1 - 2 * eps) * cb
    K, S = len(ps), Ma * Mb
    # outcome probabilities of every joint state (i, j): (K, Ma, Mb, 4) in the order CC, CD, DC, DD
    A, B = ca[:, :, None], cb[:, None, :]
    out = np.stack([A * B, A * (1 - B), (1 - A) * B, (1 - A) * (1 - B)], -1).reshape(K, S, 4)
    # next joint state of (i, j) after outcome o: (ta[i, o], tb[j, swap(o)])
    swap = np.array([0, 2, 1, 3])
    ni = np.broadcast_to(ta[:, :, None, :], (K, Ma, Mb, 4))
    nj = np.broadcast_to(tb[:, None, :, :][..., swap], (K, Ma, Mb, 4))
    nxt = (ni * Mb + nj).reshape(K, S, 4)
    return out, nxt, sa * Mb + sb, S


def _dense(ps, qs, turns, w, eps):
    out, nxt, start, S = _joint(ps, qs, eps)
    K = len(ps)
    P = np.zeros((K, S, S))
    kk = np.broadcast_to(np.arange(K)[:, None, None], (K, S, 4))
    ss = np.broadcast_to(np.arange(S)[None, :, None], (K, S, 4))
    np.add.at(P, (kk, ss, nxt), out)
    d = np.zeros((K, S))
    d[np.arange(K), start] = 1.0
    if w is None:
        occ = np.zeros((K, S))
        for _ in range(turns):
            occ += d
            d = np.einsum("ks,kst->kt", d, P)
        occ /= turns
    else:
        eye = np.eye(S)[None]
        occ = (1 - w) * np.linalg.solve(np.swapaxes(eye - w * P, 1, 2), d[..., None])[..., 0]
    return np.einsum("ks,kso->ko", occ, out)


def _sparse_one(a, b, turns, w, eps):
    """The same chain for one large pair, with a sparse transition matrix."""
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    out, nxt, start, S = _joint([a], [b], eps)
    out, nxt = out[0], nxt[0]
    P = sparse.csr_matrix((out.ravel(), (np.repeat(np.arange(S), 4), nxt.ravel())), shape=(S, S))
    d = np.zeros(S)
    d[start[0]] = 1.0
    PT = P.T.tocsr()
    if w is None:
        occ = np.zeros(S)
        for _ in range(turns):
            occ += d
            d = PT @ d
        occ /= turns
    else:
        occ = (1 - w) * spsolve((sparse.identity(S, format="csc") - w * P.T).tocsc(), d)
    return occ @ out


def expected_payoffs(p, q, game, *, rounds=None, continuation=None, noise=0.0):
    """Per-round expected payoffs and cooperation rates of automata ``p`` against ``q``
    (a :class:`coopsim.engine.exact.MatchValues`, as :func:`coopsim.engine.exact.payoffs`
    gives for memory-one strategies; multiply by ``rounds`` for expected totals)."""
    fx, fy = game_vectors(game)
    v = outcome_distribution(p, q, rounds=rounds, continuation=continuation, noise=noise)
    return MatchValues(v @ fx, v @ fy, v[:, 0] + v[:, 1], v[:, 0] + v[:, 2])
