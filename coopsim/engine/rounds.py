"""Building blocks shared by the engines that play rounds: result types, match lengths,
payoff vectors of a stage game, group tables and the group engine (one run, or the runs
of a batch in lockstep).

:mod:`coopsim.engine.sampled` (memory-one and group strategies),
:mod:`coopsim.engine.automata` (finite-state strategies) and the world's period loop all
build on these; they are public so that other packages need no private names.
Conventions (actions C = 0, D = 1; states CC, CD, DC, DD of the focal player; noise;
match lengths; seeds) are those of :mod:`coopsim.engine.sampled`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from .._validation import ParameterError, check_int
from ..strategies.group import GroupStrategy

__all__ = ["Matches", "GroupMatches", "prob_array", "length_spec", "broadcast_k", "game_vectors", "draw_lengths",
           "group_tables", "group_table_index", "group_payoff_table", "play_group_tables", "CHUNK", "FLUSH"]

CHUNK = 16384  # matches per chunk (arrays stay in L2 cache)
FLUSH = (1 << 20)  # rounds between flushes of packed counters (< 2**21)
WINDOW = 1 << 16  # uniform numbers a run draws at a time in the group engine (on average; >= 1 round)
PAY_LAYOUT = 1 << 18  # table entries up to which the group engine lays the payoffs out like the tables


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
    actions: np.ndarray | None = field(default=None, repr=False)

    @property
    def group_cooperation(self) -> np.ndarray:
        """(G,) share of C over all members and rounds of each group."""
        return self.cooperation.mean(axis=1)

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
def prob_array(name, value, *, open_high=False) -> np.ndarray:
    """``value`` as a float array (scalar or 1-d) of probabilities in [0, 1] (or [0, 1))."""
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


def length_spec(turns, continuation):
    """Validated match-length law: ``(turns, None)`` or ``(None, w)``; exactly one is given."""
    if turns is not None and continuation is not None:
        raise ParameterError("turns", turns, "None when continuation is given (give exactly one of turns "
                             "or continuation)")
    if turns is None and continuation is None:
        raise ParameterError("turns", turns, "a number of rounds >= 1, or give continuation "
                             "(exactly one of turns or continuation)")
    if turns is not None:
        return check_int("turns", turns, minimum=1), None
    return None, prob_array("continuation", continuation, open_high=True)


def broadcast_k(name, *shapes) -> int:
    """The common batch size K of inputs of lengths 1 or K (``name`` is blamed otherwise)."""
    sizes = {s for s in shapes if s != 1}
    if len(sizes) > 1:
        raise ParameterError(name, f"lengths {shapes}", "arrays of length 1 or one common length K")
    return sizes.pop() if sizes else 1


def game_vectors(game):
    """Payoff vectors ``(focal, coplayer)``, each (4,) over the focal states CC, CD, DC, DD."""
    try:
        fx = np.asarray(game.focal_payoffs, dtype=float)
        fy = np.asarray(game.coplayer_payoffs, dtype=float)
    except AttributeError:
        raise ParameterError("game", game, "a Game or AsymmetricGame (with focal_payoffs, coplayer_payoffs)") from None
    if fx.shape != (4,) or fy.shape != (4,):
        raise ParameterError("game", game, "a 2-player game with payoffs for CC, CD, DC, DD")
    return fx, fy


def draw_lengths(K, turns, w, rng):
    """Lengths (K,) from :func:`length_spec`'s law: all ``turns``, or geometric on {1, 2, ...}
    with mean 1 / (1 - w) drawn from ``rng``."""
    if turns is not None:
        return np.full(K, turns, dtype=np.int64)
    w = np.broadcast_to(w, (K,))
    return rng.geometric(1.0 - w).astype(np.int64)


# --------------------------------------------------------------------------- N-player
def group_tables(strategies, n_game):
    """(G, n, 2n+1) float array from groups of GroupStrategy (one table per distinct
    object) or an array, validated against the game's group size ``n_game``."""
    tables, index = group_table_index(strategies, n_game)
    return tables[index]


def group_table_index(strategies, n_game):
    """``(tables (U, 2n+1), index (G, n))``: the distinct tables and each member's row.

    O(G n) memory for groups of GroupStrategy objects (U distinct objects); an array
    (G, n, 2n+1) is viewed as G n tables. Validated as :func:`group_tables`.
    """
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
        tabs = np.stack(tables)
        index = np.array(rows, dtype=np.int64)
        if tabs.shape[1] != 2 * n_game + 1:
            raise ParameterError("strategies", f"tables of width {tabs.shape[1]}", f"width {2 * n_game + 1}")
        return _checked(tabs), index
    G, n, width = arr.shape
    if n != n_game or width != 2 * n + 1:
        raise ParameterError("strategies", f"array of shape {arr.shape}",
                             f"shape (G, {n_game}, {2 * n_game + 1}) for the game's group size n = {n_game}")
    return _checked(arr.reshape(G * n, width)), np.arange(G * n, dtype=np.int64).reshape(G, n)


def _checked(tables):
    if not np.all(np.isfinite(tables)) or np.any(tables < 0) or np.any(tables > 1):
        raise ParameterError("strategies", "array with entries outside [0, 1]", "probabilities in [0, 1]")
    return tables


def group_payoff_table(game, n):
    """Payoff of a member by local index a*n + j (own move a, j other cooperators),
    obtained from ``game.payoffs`` on canonical action profiles."""
    profiles = np.ones((2 * n, n), dtype=np.int8)
    for a in (0, 1):
        for j in range(n):
            profiles[a * n + j, 0] = a
            profiles[a * n + j, 1: 1 + j] = 0
    return np.asarray(game.payoffs(profiles), dtype=float)[:, 0]


def play_group_tables(tab, lengths, paytab, rng, record=False, index=None) -> GroupMatches:
    """The group engine on validated inputs (:func:`coopsim.engine.sampled.play_groups`,
    the world's period loop): ``tab`` (G, n, 2n+1) float32 with noise folded in, or
    (U, 2n+1) with ``index`` (G, n) naming each member's table (O(G n) memory);
    ``lengths`` (G,) drawn already; ``paytab`` from :func:`group_payoff_table`.

    A run visits its groups longest first (stable) in chunks of ``CHUNK // n``, round by
    round (the chunks of all runs together, longest first, ties by run), drawing from
    ``rng`` one float32 per active member (none if no table it uses is stochastic).
    ``rng`` a list of R generators plays R runs of G/R groups in lockstep, each with
    exactly the numbers it has alone.
    """
    if index is None:
        G, n, width = tab.shape
        tab = tab.reshape(G * n, width)
        index = np.arange(G * n, dtype=np.int64).reshape(G, n)
    gens = [rng] if isinstance(rng, np.random.Generator) else list(rng)
    R = len(gens)
    GT, n = index.shape
    G = GT // R
    L = np.asarray(lengths, dtype=np.int64)
    max_len = int(L.max(initial=0))
    # every group longest first (stable: ties by run, then place in the run), and each one's
    # rank among its run's groups; a radix sort on small integers where they fit
    order = np.argsort(_small(-L, max_len), kind="stable")
    run_o = order // G
    if R == 1:
        rank_o = np.arange(GT)
    else:
        rank_o = np.empty(GT, dtype=np.int64)
        rank_o[np.argsort(_small(run_o, R), kind="stable")] = np.tile(np.arange(G), R)
    stochastic = np.any((tab > 0) & (tab < 1), axis=1)[index].reshape(R, G * n).any(axis=1)  # per run
    score = np.zeros((GT, n))
    defections = np.zeros((GT, n), dtype=np.int64)
    actions = np.full((GT, max_len, n), -1, dtype=np.int8) if record else None
    step = max(1, CHUNK // n)
    for lo in range(0, G, step):
        # chunk ranks lo ... lo + step - 1 of every run, longest first; each group's run and
        # place in its run's chunk
        if G <= step:
            sub, run_q = order, (run_o, rank_o)
        else:
            pick = (rank_o >= lo) & (rank_o < lo + step)
            sub, run_q = order[pick], (run_o[pick], rank_o[pick] - lo)
        c_score, c_def, c_acts = _group_chunk(tab, index[sub], L[sub], run_q if R > 1 else None, paytab, gens,
                                              stochastic, record)
        score[sub] = c_score
        defections[sub] = c_def
        if record:
            actions[sub, :c_acts.shape[1]] = c_acts
    Lf = np.asarray(lengths).astype(float)
    coop = 1.0 - defections / Lf[:, None]
    return GroupMatches(lengths=lengths, score=score, payoff=score / Lf[:, None], cooperation=coop, actions=actions)


def _small(keys, bound):
    """``keys`` (|keys| <= ``bound``) as int16 when they fit: numpy sorts 16-bit integers
    stably by radix sort, int64 by timsort (15 us against 68 us for 2,400 keys)."""
    return keys.astype(np.int16) if bound < (1 << 15) else keys


def _group_chunk(tables, index, L, run_q, paytab, gens, stochastic, record):
    """Groups sorted by length (descending), group ``j`` at position ``q[j]`` of run
    ``run[j]``'s chunk (``run_q``, None for one run); member (j, i) plays the float32 table
    ``tables[index[j, i]]``.

    A round is seven array operations on the active groups: each member's probability of
    D (a ``take`` from the tables), its move, ``d @ M`` with M = (n+1) I - 1 (own move a
    and j others cooperating in one product, exact small integers in float32), where that
    puts the member in its table (a*n + j past its table's start), its payoff (a ``take``
    from the payoff table laid out like the tables; with very many tables, from the column
    read back: one more) and the two sums.
    """
    (m, n), R = index.shape, len(gens)
    width = tables.shape[1]
    T = int(L[0])
    active = m - np.searchsorted(L[::-1], np.arange(T), side="right")  # #(L > t)
    flat = tables.reshape(-1)
    base = index * width  # where each member's table starts in flat
    draws = bool(stochastic.any())
    if draws:
        window = max(1, WINDOW * R // (n * m))  # rounds drawn at a time
        u = np.zeros(n + n * int(active[:window].sum()), dtype=np.float32)  # the most a window draws
    if draws and R > 1:  # S[r, t]: numbers run r draws before round t (n x the sum of min(L, t) over its groups)
        run, q = run_q
        ended = np.bincount(run * (T + 1) + L, minlength=R * (T + 1)).reshape(R, T + 1).cumsum(axis=1)
        S = np.zeros((R, T + 1), dtype=np.int64)
        np.cumsum(m // R - ended[:, :T], axis=1, out=S[:, 1:])  # m // R - ended[r, t] = #(L > t)
        S *= n
        if not stochastic.all():  # deterministic runs draw nothing and read n zeros at the end of u
            S[~stochastic] = 0
            q = np.where(stochastic[run], q, 0)
        nq = n * q
        members = np.arange(n)
    # (d @ M)[i] = (n+1) d_i - #D; plus n - 1: a*n + j, the column of the member's table for
    # the next round and of the payoff table
    M = np.full((n, n), -1.0, dtype=np.float32)
    M[np.diag_indices(n)] = n
    # float32 holds every integer below 2**24 exactly; past it (very many tables) float64
    exact32 = int(base.max(initial=0)) + 2 * n < 1 << 24
    offset = (base + (n - 1)).astype(np.float32 if exact32 else np.float64)
    # the payoff of column c of any table, laid out like the tables (when they are few; else
    # the column is read back from the table's start: one more operation a round)
    pay_flat = np.tile(np.append(paytab, 0.0), flat.size // width) if flat.size <= PAY_LAYOUT else None
    local = None if pay_flat is not None else np.empty((m, n), dtype=np.int64)
    score = np.zeros((m, n))
    defections = np.zeros((m, n), dtype=np.float32)  # exact for counts < 2**24 (flushed below)
    def_total = np.zeros((m, n), dtype=np.int64)
    acts = np.full((T, m, n), -1, dtype=np.int8) if record else None
    d = np.empty((m, n), dtype=np.float32)  # 1.0 = D
    pr = np.empty((m, n), dtype=np.float32)
    lf = np.empty((m, n), dtype=np.float32)
    pay = np.empty((m, n))
    at_col = (base + (width - 1)).astype(np.int64)  # each member's column, updated in place: the first move's first
    t_end = 0
    for t in range(T):
        k = int(active[t])
        flat.take(at_col[:k], out=pr[:k], mode="clip")  # columns are in range by construction
        if draws and t == t_end:  # numbers of rounds t ... t_end - 1: a row (n,) per round and active group
            t0, t_end, o = t, min(T, t + window), 0
            ks = active[t0:t_end]
            if R == 1:  # one stream, in that order already
                uw = gens[0].random(out=u[:n * int(ks.sum())], dtype=np.float32).reshape(-1, n)
            else:  # each stochastic run draws its numbers, run after run, and each row picks its own
                need = S[:, t_end] - S[:, t0]
                start = np.cumsum(need) - need
                for gen, c, a in zip(gens, need.tolist(), start.tolist()):
                    if c:
                        gen.random(out=u[a:a + c], dtype=np.float32)
                at = (start - S[:, t0])[:, None] + S[:, t0:t_end]  # (R, rounds): where round t's numbers start
                at[need == 0] = u.size - n
                rnd = np.repeat(np.arange(t_end - t0), ks)
                row = np.arange(rnd.size) - np.repeat(np.cumsum(ks) - ks, ks)
                # where each row's numbers start: at[run[row], rnd] + nq[row], as flat gathers
                key = (run * (t_end - t0)).take(row)
                key += rnd
                key = at.reshape(-1).take(key)
                key += nq.take(row)
                # then its n numbers; repeat + tile, not key[:, None] + members (an inner loop of n)
                key = key.repeat(n)
                key += np.tile(members, rnd.size)
                uw = u.take(key, mode="clip").reshape(-1, n)  # in range by construction
        if draws:
            np.greater_equal(uw[o:o + k], pr[:k], out=d[:k])  # a table of 0s and 1s: the same as pr < 0.5
            o += k
        else:
            np.less(pr[:k], 0.5, out=d[:k])
        np.dot(d[:k], M, out=lf[:k])  # dot: no spurious BLAS float warnings
        np.add(lf[:k], offset[:k], out=at_col[:k], casting="unsafe")
        if pay_flat is not None:
            pay_flat.take(at_col[:k], out=pay[:k], mode="clip")
        else:
            np.subtract(at_col[:k], base[:k], out=local[:k])
            paytab.take(local[:k], out=pay[:k], mode="clip")
        score[:k] += pay[:k]
        defections[:k] += d[:k]
        if record:
            acts[t, :k] = d[:k]
        if (t + 1) % FLUSH == 0:
            def_total += defections.astype(np.int64)
            defections[:] = 0
    def_total += defections.astype(np.int64)
    return score, def_total, (acts.transpose(1, 0, 2) if record else None)
