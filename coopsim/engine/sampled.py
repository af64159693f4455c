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

The building blocks (result types, length laws, payoff vectors, group tables and the
group core) live in :mod:`coopsim.engine.rounds` and are re-exported here under their
public names: ``game_vectors``, ``length_spec``, ``draw_lengths``, ``group_tables``,
``group_payoff_table``, ``play_group_tables``.

Speed: a batch is processed in chunks of matches that fit in the CPU cache, matches of
random length are sorted by length so that finished matches drop out of the work (no
wasted rounds), and the four state counts of every match are packed in one int64
counter updated by a table lookup. ``benchmarks/throughput.py`` measures it.
"""
from __future__ import annotations

import numpy as np

from .._random import as_generator
from .._resources import check_matches
from .._validation import ParameterError, check_choice, check_int
from ..strategies.automata import Automaton
from ..strategies.memory_one import as_array
from .rounds import (
    CHUNK as _CHUNK,
    FLUSH as _FLUSH,
    GroupMatches,
    Matches,
    broadcast_k,
    draw_lengths,
    game_vectors,
    group_payoff_table,
    group_table_index,
    group_tables,
    length_spec,
    play_group_tables,
    prob_array,
)

__all__ = ["Matches", "GroupMatches", "play", "play_groups", "match_lengths", "game_vectors", "length_spec",
           "draw_lengths", "group_tables", "group_payoff_table", "play_group_tables"]

# the names before 0.2 (private then, used by other packages); kept as aliases
_game_vectors, _length_spec, _lengths = game_vectors, length_spec, draw_lengths
_group_tables, _group_payoff_table, _play_group_tables = group_tables, group_payoff_table, play_group_tables
_prob_array, _broadcast_k = prob_array, broadcast_k

_SWAP = np.array([0, 2, 1, 3])  # focal state -> co-player's own state
_FIELD = 21  # bits per packed state counter
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


def match_lengths(K: int, *, turns=None, continuation=None, seed=None) -> np.ndarray:
    """Lengths (K,) of K matches: all ``turns``, or geometric with mean 1 / (1 - continuation).

    ``continuation`` may be an array of length K (one w per match).

    >>> match_lengths(3, turns=5)
    array([5, 5, 5])
    """
    K = check_int("K", K, minimum=0)
    turns, w = length_spec(turns, continuation)
    return draw_lengths(K, turns, w, as_generator(seed) if w is not None else None)


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
    if isinstance(x, Automaton):
        return True
    return isinstance(x, (list, tuple)) and any(isinstance(s, Automaton) for s in x)


def _nonempty(name, value):
    """``value`` unchanged, unless it is an empty array or sequence or holds booleans
    (refused, naming ``name``: True is not a probability)."""
    if value is None or isinstance(value, (str, bytes)):
        return value
    try:
        arr = np.asarray(value, dtype=object)
    except (TypeError, ValueError):  # ragged: prob_array refuses it
        return value
    if arr.size == 0 or any(isinstance(v, (bool, np.bool_)) for v in arr.ravel()):
        raise ParameterError(name, value, "a probability or a non-empty 1-d array of probabilities")
    return value


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
        from .automata import play_automata

        if not first_move_noise:
            raise ParameterError("first_move_noise", first_move_noise, "True when an automaton plays")
        return play_automata(p, q, game, turns=turns, continuation=continuation, noise=noise, seed=seed,
                             record=check_choice("record", record, ("summary", "actions")))
    P, Q = as_array(p, "p"), as_array(q, "q")
    fx, fy = game_vectors(game)
    turns, w = length_spec(turns, _nonempty("continuation", continuation))
    eps = prob_array("noise", _nonempty("noise", noise))
    record = check_choice("record", record, ("summary", "actions")) == "actions"
    K = broadcast_k("q", P.shape[0], Q.shape[0], *(eps.shape or (1,)), *(() if w is None else (w.shape or (1,))))
    check_matches(K, 2, turns=turns, continuation=None if w is None else float(np.max(w)), record=record)
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
    lengths = draw_lengths(K, turns, w, rng)
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
    tables, index = group_table_index(strategies, n)
    turns, w = length_spec(turns, _nonempty("continuation", continuation))
    eps = prob_array("noise", _nonempty("noise", noise))
    record = check_choice("record", record, ("summary", "actions")) == "actions"
    G = broadcast_k("noise", index.shape[0], *(eps.shape or (1,)), *(() if w is None else (w.shape or (1,))))
    check_matches(G, n, turns=turns, continuation=None if w is None else float(np.max(w)), record=record)
    index = np.broadcast_to(index, (G, n))
    # noise folded into one table per distinct (table, noise level): O(G n) memory (issue 9, item 7)
    e_values, e_index = np.unique(np.broadcast_to(eps, (G,)), return_inverse=True)
    combo, index = np.unique(index * e_values.size + e_index.reshape(G, 1), return_inverse=True)
    index = index.reshape(G, n)
    S = tables[combo // e_values.size]
    e = e_values[combo % e_values.size][:, None]
    Sn = e + (1 - 2 * e) * S
    if not first_move_noise:
        Sn[:, -1] = S[:, -1]
    tab = np.ascontiguousarray(Sn, dtype=np.float32)
    paytab = group_payoff_table(game, n)
    rng = as_generator(seed)
    lengths = draw_lengths(G, turns, w, rng)
    max_len = int(lengths.max(initial=0))
    if record and G * max_len * n > _MAX_ACTION_CELLS:
        raise ParameterError("record", "actions", "'summary' (the action array would exceed 2 GB)")

    return play_group_tables(tab, lengths, paytab, rng, record, index=index)
