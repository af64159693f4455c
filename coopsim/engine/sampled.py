"""Sampled engine: many iterated games played at once, vectorised with numpy.

The Python loop runs over *rounds*; every round advances all matches (or groups) of the
batch with a handful of array operations. This is the agent-based counterpart of
:mod:`coopsim.engine.exact`; its averages converge to the exact values.

Conventions
-----------
* Actions C = 0, D = 1. The four states of a 2-player round are CC, CD, DC, DD seen from
  the **focal** player (own move first); state index = 2 * focal move + co-player move.
* Memory-one strategies are arrays (K, 5) = (p_CC, p_CD, p_DC, p_DD, initial), each
  written from its owner's perspective (:func:`coopsim.strategies.as_array`): the
  co-player reads the focal state CD as its own DC (indices 1 and 2 swapped; Press &
  Dyson 2012). ``p`` and ``q`` broadcast (K and K, 1 and K, K and 1).
* **Implementation noise** ``noise`` = ε flips every intended move, *including the
  first*, independently with probability ε (as ``axelrod.Match(noise=ε)`` does); both
  players see the realised (flipped) moves. A probability x of C thus becomes
  (1 - ε) x + ε (1 - x), and one uniform draw per player per round decides the move:
  C if u < that probability.
* Match length: ``turns`` T (every match has T rounds) or ``continuation`` w (after every
  round another follows with probability w: the length is geometric on {1, 2, ...}
  with mean 1 / (1 - w)). With w, the per-round payoff of one match is its total
  divided by its length; the expected-value counterpart of the exact engine
  (E[total] / E[length]) is ``focal_score.sum() / lengths.sum()``, not the mean of the
  per-match means.
* Randomness only through :func:`coopsim._random.as_generator` ``(seed)``: the match
  lengths are drawn first, then the moves. The same seed gives the same numbers. When
  every (noisy) probability of the batch is 0 or 1, no random numbers are drawn for moves,
  so deterministic strategies without noise replay exactly (and as ``axelrod.Match``).
  Uniforms are float32 (resolution 2^-24 ≈ 6e-8), which is far below any statistical
  tolerance.

Speed: a batch is processed in chunks of matches that fit in the CPU cache, matches of
random length are sorted by length so that finished matches drop out of the work (no
wasted rounds), and the four state counts of every match are packed in one int64
counter updated by a table lookup. ``benchmarks/throughput.py`` measures it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from .._random import as_generator
from .._validation import ParameterError, check_choice, check_int
from ..strategies import GroupStrategy, as_array

__all__ = ["Matches", "GroupMatches", "play", "play_groups", "match_lengths"]

_SWAP = np.array([0, 2, 1, 3])  # focal state -> co-player's own state
_CHUNK = 16384  # matches per chunk (arrays stay in L2 cache)
_FIELD = 21  # bits per packed state counter
_FLUSH = (1 << 20)  # rounds between flushes of the packed counters (< 2**21)
_MAX_ACTION_CELLS = 2_000_000_000  # refuse record="actions" arrays larger than this (bytes)

# the bool pair (focal D?, co-player D?) viewed as one little-endian uint16:
# 0 = CC, 1 = DC, 256 = CD, 257 = DD  ->  lookup tables indexed by that code
_CODES = np.array([0, 256, 1, 257])  # code of state CC, CD, DC, DD
_STATE_OF_CODE = np.zeros(258, dtype=np.int64)
_STATE_OF_CODE[_CODES] = np.arange(4)
_PACK_OF_STATE = np.array([1, 1 << _FIELD, 1 << (2 * _FIELD), 0], dtype=np.int64)  # DD = length - rest
_PACK_OF_CODE = np.zeros(258, dtype=np.int64)
_PACK_OF_CODE[_CODES] = _PACK_OF_STATE
_NATIVE_LITTLE = np.little_endian


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class Matches:
    """Results of K two-player matches (arrays of shape (K,), in the order of the input).

    ``focal_score`` / ``coplayer_score``: total payoff; ``focal_payoff`` /
    ``coplayer_payoff``: mean payoff per round; ``focal_cooperation`` /
    ``coplayer_cooperation``: share of rounds with C. ``states`` (K, 4): number of rounds
    in the focal states CC, CD, DC, DD. ``actions`` (only with ``record="actions"``): int8
    array (K, max_len, 2) of realised moves (0 = C, 1 = D; [..., 0] focal, [..., 1]
    co-player), -1 after a match has ended.
    """

    lengths: np.ndarray
    focal_score: np.ndarray
    coplayer_score: np.ndarray
    focal_payoff: np.ndarray
    coplayer_payoff: np.ndarray
    focal_cooperation: np.ndarray
    coplayer_cooperation: np.ndarray
    states: np.ndarray
    actions: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.lengths.shape[0])

    def to_frame(self):
        """Tidy pandas DataFrame, one row per match (state counts as n_CC ... n_DD)."""
        import pandas as pd

        data = {"match": np.arange(len(self))}
        for f in fields(self):
            if f.name in ("states", "actions"):
                continue
            data["length" if f.name == "lengths" else f.name] = getattr(self, f.name)
        for i, s in enumerate(("CC", "CD", "DC", "DD")):
            data[f"n_{s}"] = self.states[:, i]
        return pd.DataFrame(data)


@dataclass(frozen=True, eq=False)
class GroupMatches:
    """Results of G iterated N-player games with n members each.

    ``lengths`` (G,); per member, arrays (G, n): ``score`` (total), ``payoff`` (mean per
    round), ``cooperation`` (share of C); ``group_cooperation`` (G,): share of C over all
    members and rounds. ``actions`` (only with ``record="actions"``): int8 array
    (G, max_len, n), -1 after a game has ended.
    """

    lengths: np.ndarray
    score: np.ndarray
    payoff: np.ndarray
    cooperation: np.ndarray
    group_cooperation: np.ndarray
    actions: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.lengths.shape[0])

    def to_frame(self):
        """Tidy pandas DataFrame, one row per group member (group, member, length, score,
        payoff, cooperation, group_cooperation)."""
        import pandas as pd

        G, n = self.score.shape
        return pd.DataFrame({
            "group": np.repeat(np.arange(G), n),
            "member": np.tile(np.arange(n), G),
            "length": np.repeat(self.lengths, n),
            "score": self.score.ravel(),
            "payoff": self.payoff.ravel(),
            "cooperation": self.cooperation.ravel(),
            "group_cooperation": np.repeat(self.group_cooperation, n),
        })


# --------------------------------------------------------------------------- validation
def _prob_array(name, value, *, open_high=False) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    bad = (arr is None or arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0)
           or np.any(arr >= 1 if open_high else arr > 1))
    if bad:
        rng = "[0, 1)" if open_high else "[0, 1]"
        raise ParameterError(name, value, f"a probability (or 1-d array of probabilities) in {rng}")
    return arr


def _length_spec(turns, continuation):
    if turns is not None and continuation is not None:
        raise ParameterError("turns", turns, "None when continuation is given (give exactly one of turns "
                             "or continuation)")
    if turns is None and continuation is None:
        raise ParameterError("turns", turns, "a number of rounds >= 1, or give continuation "
                             "(exactly one of turns or continuation)")
    if turns is not None:
        return check_int("turns", turns, minimum=1), None
    return None, _prob_array("continuation", continuation, open_high=True)


def _broadcast_k(name, *shapes) -> int:
    sizes = {s for s in shapes if s != 1}
    if len(sizes) > 1:
        raise ParameterError(name, f"lengths {shapes}", "arrays of length 1 or one common length K")
    return sizes.pop() if sizes else 1


def _game_vectors(game):
    try:
        fx = np.asarray(game.focal_payoffs, dtype=float)
        fy = np.asarray(game.coplayer_payoffs, dtype=float)
    except AttributeError:
        raise ParameterError("game", game, "a Game or AsymmetricGame (with focal_payoffs, coplayer_payoffs)") from None
    if fx.shape != (4,) or fy.shape != (4,):
        raise ParameterError("game", game, "a 2-player game with payoffs for CC, CD, DC, DD")
    return fx, fy


def match_lengths(K: int, *, turns=None, continuation=None, seed=None) -> np.ndarray:
    """Lengths (K,) of K matches: all ``turns``, or geometric with mean 1 / (1 - continuation).

    ``continuation`` may be an array of length K (one w per match).

    >>> match_lengths(3, turns=5)
    array([5, 5, 5])
    """
    K = check_int("K", K, minimum=0)
    turns, w = _length_spec(turns, continuation)
    return _lengths(K, turns, w, as_generator(seed) if w is not None else None)


def _lengths(K, turns, w, rng):
    if turns is not None:
        return np.full(K, turns, dtype=np.int64)
    w = np.broadcast_to(w, (K,))
    return rng.geometric(1.0 - w).astype(np.int64)


# --------------------------------------------------------------------------- 2-player core
def _run_pairs(tab, lengths, rng, record):
    """Play K matches. ``tab`` (K, 5, 2) float32: [k, s, 0] focal P(C) in focal state s,
    [k, s, 1] co-player's P(C) in the focal state s (already swapped), s = 4: first round.
    Returns state counts (K, 4) and optionally actions (K, max_len, 2)."""
    K = tab.shape[0]
    max_len = int(lengths.max()) if K else 0
    counts = np.zeros((K, 4), dtype=np.int64)
    actions = None
    if record:
        actions = np.full((K, max_len, 2), -1, dtype=np.int8)
    if K == 0:
        return counts, actions
    stochastic = bool(np.any((tab > 0) & (tab < 1)))
    varying = bool(np.any(lengths != lengths[0]))
    order = np.argsort(-lengths, kind="stable") if varying else np.arange(K)
    L = lengths[order]
    tab = np.ascontiguousarray(tab[order])
    for lo in range(0, K, _CHUNK):
        hi = min(K, lo + _CHUNK)
        c_counts, c_actions = _run_chunk(tab[lo:hi], L[lo:hi], rng, stochastic, record)
        counts[order[lo:hi]] = c_counts
        if record:
            actions[order[lo:hi], : c_actions.shape[1]] = c_actions
    return counts, actions


def _run_chunk(tab, L, rng, stochastic, record):
    """One chunk of matches, sorted by length (descending)."""
    n0 = tab.shape[0]
    T = int(L[0])
    # active[t] = number of matches still running in round t (prefix of the sorted chunk)
    active = n0 - np.searchsorted(L[::-1], np.arange(T), side="right")  # #(L > t)
    counts = np.zeros((n0, 4), dtype=np.int64)
    packed = np.zeros(n0, dtype=np.int64)
    acts = np.full((T, n0, 2), -1, dtype=np.int8) if record else None
    base = np.arange(n0, dtype=np.int64) * 5
    s = np.empty(n0, dtype=np.int64)
    idx = np.empty(n0, dtype=np.int64)
    tmp = np.empty(n0, dtype=np.int64)
    if stochastic:
        tab64 = tab.view(np.int64).reshape(-1)  # (n0*5,) pairs of float32 as one int64
        pr = np.empty((n0, 2), dtype=np.float32)
        u = np.empty((n0, 2), dtype=np.float32)
        m = np.empty((n0, 2), dtype=np.bool_)
        code = m.view(np.uint16).reshape(n0) if _NATIVE_LITTLE else None

        def step(t, n, first):
            if first:
                pr[:n] = tab[:n, 4, :]
            else:
                np.add(base[:n], s[:n], out=idx[:n])
                tab64.take(idx[:n], out=pr[:n].view(np.int64).reshape(n))
            rng.random(out=u[:n], dtype=np.float32)
            np.greater_equal(u[:n], pr[:n], out=m[:n])  # True = D
            c = code[:n] if code is not None else (m[:n, 0] + 256 * m[:n, 1].astype(np.uint16))
            _STATE_OF_CODE.take(c, out=s[:n])
            _PACK_OF_CODE.take(c, out=tmp[:n])
            np.add(packed[:n], tmp[:n], out=packed[:n])
            if record:
                acts[t, :n] = m[:n]
    else:
        # deterministic: the next state is a fixed function of the state
        dmove = (tab < 0.5).astype(np.int64)  # (n0, 5, 2): 1 = D
        nxt = (2 * dmove[:, :, 0] + dmove[:, :, 1]).reshape(-1)  # (n0*5,)

        def step(t, n, first):
            if first:
                s[:n] = nxt[base[:n] + 4]
            else:
                np.add(base[:n], s[:n], out=idx[:n])
                nxt.take(idx[:n], out=s[:n])
            _PACK_OF_STATE.take(s[:n], out=tmp[:n])
            np.add(packed[:n], tmp[:n], out=packed[:n])
            if record:
                acts[t, :n, 0] = s[:n] >> 1
                acts[t, :n, 1] = s[:n] & 1

    def flush(n):
        mask = (1 << _FIELD) - 1
        counts[:n, 0] += packed[:n] & mask
        counts[:n, 1] += (packed[:n] >> _FIELD) & mask
        counts[:n, 2] += (packed[:n] >> (2 * _FIELD)) & mask
        packed[:n] = 0

    for t in range(T):
        n = int(active[t])
        step(t, n, t == 0)
        if (t + 1) % _FLUSH == 0:
            flush(n)
    flush(n0)
    counts[:, 3] = L - counts[:, :3].sum(axis=1)
    return counts, (acts.transpose(1, 0, 2) if record else None)


# --------------------------------------------------------------------------- 2-player API
def _has_automaton(x) -> bool:
    from ..automata import Automaton

    if isinstance(x, Automaton):
        return True
    return isinstance(x, (list, tuple)) and any(isinstance(s, Automaton) for s in x)


def play(p, q, game, *, turns=None, continuation=None, noise=0.0, seed=None, record="summary",
         first_move_noise=True) -> Matches:
    """Play K iterated 2-player games of memory-one strategies at once.

    Parameters
    ----------
    p, q : MemoryOne, sequence of MemoryOne, or array (K, 5) / (K, 4)
        Focal and co-player strategies (p_CC, p_CD, p_DC, p_DD, initial), each from its
        own perspective (C = 0, D = 1; states CC, CD, DC, DD of the focal player; the
        co-player reads focal CD as its DC). One-vs-many broadcasts.
    game : Game or AsymmetricGame
        Stage game; payoffs ``game.focal_payoffs`` = (R, S, T, P) and
        ``game.coplayer_payoffs`` = (R, T, S, P) in the focal player's states.
    turns : int >= 1, optional
        Fixed number of rounds. Give exactly one of ``turns`` and ``continuation``.
    continuation : float in [0, 1) or array (K,), optional
        After every round another follows with probability w (geometric length, mean
        1 / (1 - w)). Each match's length is drawn first; all run to the longest, the
        finished ones masked out.
    noise : float in [0, 1] or array (K,)
        Implementation noise: every intended move, the first included, is flipped
        independently with this probability (as in ``axelrod.Match``). Strategies see the
        realised moves.
    seed : None, int, SeedSequence or Generator
        Through :func:`coopsim._random.as_generator`; ``seed=0`` is a seed like any other.
    record : "summary" or "actions"
        With "actions" the realised moves are kept in ``Matches.actions`` (K, max_len, 2).
    first_move_noise : bool
        False leaves the first move noiseless (the convention of some published tables).

    Returns
    -------
    Matches

    >>> from coopsim import TFT, STFT, prisoners_dilemma
    >>> m = play(TFT, STFT, prisoners_dilemma(), turns=4, record="actions")
    >>> m.actions[0].T.tolist()  # TFT: C D C D;  STFT: D C D C
    [[0, 1, 0, 1], [1, 0, 1, 0]]
    >>> m.focal_score, m.focal_cooperation
    (array([10.]), array([0.5]))
    """
    if _has_automaton(p) or _has_automaton(q):  # finite-state strategies: the automaton player
        from ..automata import play_automata

        if not first_move_noise:
            raise ParameterError("first_move_noise", first_move_noise, "True when an automaton plays")
        return play_automata(p, q, game, turns=turns, continuation=continuation, noise=noise, seed=seed,
                             record=check_choice("record", record, ("summary", "actions")))
    P, Q = as_array(p, "p"), as_array(q, "q")
    fx, fy = _game_vectors(game)
    turns, w = _length_spec(turns, continuation)
    eps = _prob_array("noise", noise)
    record = check_choice("record", record, ("summary", "actions")) == "actions"
    K = _broadcast_k("q", P.shape[0], Q.shape[0], *(eps.shape or (1,)), *(() if w is None else (w.shape or (1,))))
    P, Q = np.broadcast_to(P, (K, 5)), np.broadcast_to(Q, (K, 5))
    e = np.broadcast_to(eps, (K,))[:, None]
    Pn, Qn = e + (1 - 2 * e) * P, e + (1 - 2 * e) * Q  # (1-e) x + e (1-x)
    if not first_move_noise:
        Pn[:, 4], Qn[:, 4] = P[:, 4], Q[:, 4]
    tab = np.empty((K, 5, 2), dtype=np.float32)
    tab[:, :, 0] = Pn
    tab[:, :4, 1] = Qn[:, _SWAP]
    tab[:, 4, 1] = Qn[:, 4]
    rng = as_generator(seed)
    lengths = _lengths(K, turns, w, rng)
    if record and K * int(lengths.max(initial=0)) * 2 > _MAX_ACTION_CELLS:
        raise ParameterError("record", "actions", f"'summary' for {K} matches of up to {lengths.max()} rounds "
                             "(the action array would exceed 2 GB)")
    counts, actions = _run_pairs(tab, lengths, rng, record)
    focal_score = counts @ fx
    co_score = counts @ fy
    Lf = lengths.astype(float)
    return Matches(
        lengths=lengths,
        focal_score=focal_score,
        coplayer_score=co_score,
        focal_payoff=focal_score / Lf,
        coplayer_payoff=co_score / Lf,
        focal_cooperation=(counts[:, 0] + counts[:, 1]) / Lf,
        coplayer_cooperation=(counts[:, 0] + counts[:, 2]) / Lf,
        states=counts,
        actions=actions,
    )


# --------------------------------------------------------------------------- N-player
def _group_tables(strategies, n_game):
    """(G, n, 2n+1) float array from groups of GroupStrategy or an array."""
    if isinstance(strategies, np.ndarray) and strategies.dtype != object:
        arr = np.asarray(strategies, dtype=float)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise ParameterError("strategies", f"array of shape {arr.shape}", "an array (G, n, 2n + 1)")
    else:
        groups = list(strategies)
        if groups and all(isinstance(s, GroupStrategy) for s in groups):
            groups = [groups]  # one group
        index: dict[int, int] = {}  # one table per distinct strategy object
        tables: list[np.ndarray] = []
        rows = []
        for g in groups:
            try:
                members = list(g)
            except TypeError:
                raise ParameterError("strategies", strategies,
                                     "a list of groups, each a list of GroupStrategy") from None
            if len(members) != n_game:
                raise ParameterError("strategies", f"a group of {len(members)} members",
                                     f"groups of n = {n_game} members (the game's group size)")
            row = []
            for s in members:
                key = id(s)
                if key not in index:
                    if not isinstance(s, GroupStrategy):
                        raise ParameterError("strategies", s, "groups of GroupStrategy objects")
                    index[key] = len(tables)
                    tables.append(s.array(n_game))
                row.append(index[key])
            rows.append(row)
        if not rows:
            raise ParameterError("strategies", strategies, "at least one group")
        arr = np.stack(tables)[np.array(rows, dtype=np.int64)]
    G, n, width = arr.shape
    if n != n_game or width != 2 * n + 1:
        raise ParameterError("strategies", f"array of shape {arr.shape}",
                             f"shape (G, {n_game}, {2 * n_game + 1}) for the game's group size n = {n_game}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ParameterError("strategies", "array with entries outside [0, 1]", "probabilities in [0, 1]")
    return arr


def _group_payoff_table(game, n):
    """Payoff of a member by local index a*n + j (own move a, j other cooperators),
    obtained from ``game.payoffs`` on canonical action profiles."""
    profiles = np.ones((2 * n, n), dtype=np.int8)
    for a in (0, 1):
        for j in range(n):
            profiles[a * n + j, 0] = a
            profiles[a * n + j, 1: 1 + j] = 0
    return np.asarray(game.payoffs(profiles), dtype=float)[:, 0]


def _run_group_chunk(tab, L, paytab, rng, stochastic, record):
    """One chunk of groups sorted by length (descending); ``tab`` (g, n, 2n+1) float32."""
    g, n, width = tab.shape
    T = int(L[0])
    active = g - np.searchsorted(L[::-1], np.arange(T), side="right")  # #(L > t)
    flat = tab.reshape(-1)
    base = (np.arange(g * n, dtype=np.int64) * width).reshape(g, n)
    ones = np.ones(n, dtype=np.float32)
    score = np.zeros((g, n))
    defections = np.zeros((g, n), dtype=np.float32)  # exact for counts < 2**24 (flushed below)
    def_total = np.zeros((g, n), dtype=np.int64)
    acts = np.full((T, g, n), -1, dtype=np.int8) if record else None
    d = np.empty((g, n), dtype=np.float32)  # 1.0 = D
    pr = np.empty((g, n), dtype=np.float32)
    u = np.empty((g, n), dtype=np.float32)
    nd = np.empty(g, dtype=np.float32)
    lf = np.empty((g, n), dtype=np.float32)
    local = np.empty((g, n), dtype=np.int64)
    idx = np.empty((g, n), dtype=np.int64)
    pay = np.empty((g, n))
    for t in range(T):
        k = int(active[t])
        if t == 0:
            pr[:k] = tab[:k, :, -1]
        else:
            np.add(base[:k], local[:k], out=idx[:k])
            flat.take(idx[:k], out=pr[:k])
        if stochastic:
            rng.random(out=u[:k], dtype=np.float32)
            np.greater_equal(u[:k], pr[:k], out=d[:k])
        else:
            np.less(pr[:k], 0.5, out=d[:k])
        np.matmul(d[:k], ones, out=nd[:k])  # defectors in the group
        # own move a, j = others cooperating = (n - nd) - (1 - a): local = a*n + j = a*(n+1) + n-1-nd
        np.multiply(d[:k], n + 1, out=lf[:k])
        np.add(lf[:k], (n - 1 - nd[:k])[:, None], out=lf[:k])
        np.copyto(local[:k], lf[:k], casting="unsafe")
        paytab.take(local[:k], out=pay[:k])
        score[:k] += pay[:k]
        defections[:k] += d[:k]
        if record:
            acts[t, :k] = d[:k]
        if (t + 1) % _FLUSH == 0:
            def_total += defections.astype(np.int64)
            defections[:] = 0
    def_total += defections.astype(np.int64)
    return score, def_total, (acts.transpose(1, 0, 2) if record else None)


def play_groups(strategies, game, *, turns=None, continuation=None, noise=0.0, seed=None,
                record="summary", first_move_noise=True) -> GroupMatches:
    """Play G iterated N-player games of group memory-one strategies at once.

    Parameters
    ----------
    strategies : list of G groups, each a list of n GroupStrategy; or array (G, n, 2n + 1)
        Entry [g, i] is member i's flat table from ``GroupStrategy.array(n)``: the (2, n)
        response table, [a, j] = P(C | own last move a, j of the n - 1 others cooperated),
        followed by the first-round probability of C. A single list of GroupStrategy is
        one group.
    game : NPlayerGame
        Payoffs of a round are ``game.payoffs(actions)`` (read once into a lookup by own
        move and number of other cooperators).
    turns, continuation, noise, seed, record, first_move_noise
        As in :func:`play` (noise flips every intended move, the first included; members
        see the realised moves). ``noise`` and ``continuation`` may be arrays (G,).

    Returns
    -------
    GroupMatches

    >>> from coopsim import conditional_cooperator, public_goods
    >>> g = public_goods(3, multiplier=2.0)
    >>> r = play_groups([[conditional_cooperator(2)] * 3], g, turns=10)
    >>> r.group_cooperation, r.payoff[0]
    (array([1.]), array([1., 1., 1.]))
    """
    if not (hasattr(game, "n") and callable(getattr(game, "payoffs", None))):
        raise ParameterError("game", game, "an NPlayerGame")
    n = int(game.n)
    S = _group_tables(strategies, n)
    turns, w = _length_spec(turns, continuation)
    eps = _prob_array("noise", noise)
    record = check_choice("record", record, ("summary", "actions")) == "actions"
    G = _broadcast_k("noise", S.shape[0], *(eps.shape or (1,)), *(() if w is None else (w.shape or (1,))))
    S = np.broadcast_to(S, (G, n, 2 * n + 1))
    e = np.broadcast_to(eps, (G,))[:, None, None]
    Sn = e + (1 - 2 * e) * S
    if not first_move_noise:
        Sn[:, :, -1] = S[:, :, -1]
    tab = np.ascontiguousarray(Sn, dtype=np.float32)
    paytab = _group_payoff_table(game, n)
    rng = as_generator(seed)
    lengths = _lengths(G, turns, w, rng)
    max_len = int(lengths.max(initial=0))
    if record and G * max_len * n > _MAX_ACTION_CELLS:
        raise ParameterError("record", "actions", "'summary' (the action array would exceed 2 GB)")

    return _play_group_tables(tab, lengths, paytab, rng, record)


def _play_group_tables(tab, lengths, paytab, rng, record=False) -> GroupMatches:
    """The core of :func:`play_groups` on validated inputs: ``tab`` (G, n, 2n+1) float32
    with noise folded in, ``lengths`` (G,) drawn from ``rng`` already, ``paytab`` from
    :func:`_group_payoff_table`. The world's period loop calls it directly."""
    G, n = tab.shape[0], tab.shape[1]
    max_len = int(lengths.max(initial=0))
    varying = G > 0 and bool(np.any(lengths != lengths[0]))
    order = np.argsort(-lengths, kind="stable") if varying else np.arange(G)
    L = lengths[order]
    tab = tab[order]
    stochastic = bool(np.any((tab > 0) & (tab < 1)))
    score = np.zeros((G, n))
    defections = np.zeros((G, n), dtype=np.int64)
    actions = np.full((G, max_len, n), -1, dtype=np.int8) if record else None
    step = max(1, _CHUNK // n)
    for lo in range(0, G, step):
        hi = min(G, lo + step)
        c_score, c_def, c_acts = _run_group_chunk(tab[lo:hi], L[lo:hi], paytab, rng, stochastic, record)
        score[order[lo:hi]] = c_score
        defections[order[lo:hi]] = c_def
        if record:
            actions[order[lo:hi], : c_acts.shape[1]] = c_acts
    Lf = lengths.astype(float)
    coop = 1.0 - defections / Lf[:, None]
    return GroupMatches(
        lengths=lengths,
        score=score,
        payoff=score / Lf[:, None],
        cooperation=coop,
        group_cooperation=coop.mean(axis=1),
        actions=actions,
    )
