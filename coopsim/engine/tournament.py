"""Round-robin tournaments (like ``axelrod.Tournament``) on the sampled or the exact engine.

Every pair of players — and, with ``self_play``, every player against a copy of itself —
plays ``repetitions`` matches. Pairs of memory-one players (coopsim ``MemoryOne`` objects,
and axelrod players that :func:`coopsim.engine.axelrod_bridge.from_axelrod` can convert)
are all played at once on :func:`coopsim.engine.sampled.play`. Pairs in which one side is
a finite-state strategy — a coopsim ``Automaton``, or an axelrod player with a native
form (FSMs, lookup tables, cyclers, grudgers, probers, ... — some 70 of axelrod's classes;
:func:`coopsim.strategies.automata.from_axelrod`) —
and the other is memory-one or finite-state are all played at once on
:func:`coopsim.engine.automata.play_automata`. Any other axelrod player is played by
axelrod's own rules through :func:`coopsim.engine.axelrod_bridge.play_match` (slow,
exact). The bridge, and axelrod, are imported only when a player is an axelrod player.

Tables follow axelrod's definitions (``axelrod.ResultSet``):

* a match's **score** is its total payoff, its **payoff** the score per turn, and a
  **win** goes to the side with the strictly larger score (ties: nobody);
* a player's **normalised score** in one repetition is the mean, over its opponents
  (self-interactions excluded), of its score per turn; players are **ranked** by the
  median of that over repetitions (ties keep the order of the players, as axelrod's
  ``ranked_names``);
* **wins** is the median over repetitions of the number of matches won in a repetition;
  **cooperation rate** = C moves / turns over all matches except self-interactions.

Two further aggregates are ratios of sums, so that with random match lengths
(``continuation``) they estimate exactly what the exact engine computes — the expected
total divided by the expected length: ``payoff_matrix`` (player x opponent, self-play
included) and the summary's ``mean_score_per_turn``. With a fixed number of turns they
equal the plain means of the per-turn payoffs.

Seeds. One ``seed`` gives a root :class:`numpy.random.SeedSequence`; its child with spawn
key ``(0,)`` drives the one batched call of the sampled engine (all memory-one matches), the child
``(2,)`` the batched call of the automaton engine (and ``(3,)`` its deterministic pairs,
played once when there is no noise and the length is fixed), and the match
between the pair number ``k`` (in the fixed order (0, 0), (0, 1), ..., (1, 1), ...) in
repetition ``r`` on the slow path gets the child with spawn key ``(1, k, r)``. Children are built from their keys (the
root is not advanced, so a SeedSequence passed twice gives the same result twice). So the result
depends only on the seed and the inputs (not on evaluation order or on which other slow
matches ran).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .._random import as_seed_sequence
from .._resources import check_matches
from .._validation import ParameterError, check_choice, check_int, check_probability
from ..games import Game, prisoners_dilemma
from ..strategies import CLASSICS, MemoryOne, classic
from ..strategies import registry
from ..strategies.automata import Automaton

__all__ = ["tournament", "TournamentResult"]


class _DefaultTurns(int):
    """The default ``turns=200``, recognisable so that ``continuation`` can replace it."""

    def __repr__(self) -> str:
        return "200"


_TURNS_DEFAULT = _DefaultTurns(200)

_MATCH_COLUMNS = ["match", "player", "opponent", "player_index", "opponent_index", "repetition",
                  "turns", "score", "payoff", "cooperation", "win"]


@dataclass(frozen=True, eq=False)
class TournamentResult:
    """Tidy tables of a round-robin tournament.

    ``matches``: one row per match and side — match, player, opponent, player_index,
    opponent_index, repetition, turns, score (total), payoff (per turn), cooperation
    (share of C), win (1 if this side scored strictly more). A self-interaction has two
    rows, one per copy. With ``engine="exact"``: one "repetition" 0 of expected values
    (turns = expected length, score = payoff x turns, win = larger expected score).

    ``summary``: one row per player, best first — rank (1 = best), player, player_index,
    median_normalised_score, mean_score_per_turn, cooperation_rate, wins.

    ``payoff_matrix``: player x opponent, mean payoff per turn (total score / total turns
    over the repetitions).
    """

    players: tuple[str, ...]
    _matches: Any  # the DataFrame, or a function that builds it on first access
    summary: Any
    payoff_matrix: Any
    engine: str
    parameters: dict = field(default_factory=dict)

    @property
    def matches(self):
        """One row per match and side (built on first access: most uses need only the
        summary and the payoff matrix)."""
        if callable(self._matches):
            object.__setattr__(self, "_matches", self._matches())
        return self._matches

    @property
    def ranked_names(self) -> list[str]:
        """Player names from best to worst (as ``axelrod.ResultSet.ranked_names``)."""
        return list(self.summary["player"])

    def __repr__(self) -> str:
        return (f"TournamentResult({len(self.players)} players, {self.matches['match'].nunique()} matches, "
                f"engine={self.engine!r}; best: {self.ranked_names[0] if self.players else None})")


# --------------------------------------------------------------------------- players
def _name(player: Any) -> str:
    if isinstance(player, (MemoryOne, Automaton)):
        return player.name or repr(player)
    return str(player)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for nm in names:
        seen[nm] = seen.get(nm, 0) + 1
        out.append(nm if seen[nm] == 1 else f"{nm} #{seen[nm]}")
    return out


def _by_name(name: str, game):
    """A classic by its name (any case, as before 0.2), else a registered pair strategy
    built for ``game`` (:mod:`coopsim.strategies.registry`)."""
    if name.upper() in CLASSICS:
        return classic(name)
    if name in registry.names("pair"):
        return registry.build(name, registry.StrategyContext(game))
    raise ParameterError("strategy", name, "a classic or a registered pair strategy: "
                         + ", ".join(dict.fromkeys((*CLASSICS, *registry.names("pair")))))


def _resolve_players(players, game):
    """Per player: the original object, its MemoryOne (or None) and its native finite-state
    form (an Automaton, or None; players with a MemoryOne are not given one)."""
    try:
        plist = list(players)
    except TypeError:
        raise ParameterError("players", players, "a list of MemoryOne strategies or axelrod players") from None
    if not plist:
        raise ParameterError("players", players, "at least one player")
    objs, mems, autos, labels = [], [], [], []
    bridge = None
    for i, pl in enumerate(plist):
        # a registered (non-classic) name labels its player; other players are named by _name
        labels.append(pl if isinstance(pl, str) and pl.upper() not in CLASSICS else None)
        if isinstance(pl, str):
            pl = _by_name(pl, game)
        if isinstance(pl, (MemoryOne, Automaton)):
            objs.append(pl)
            mems.append(pl if isinstance(pl, MemoryOne) else None)
            autos.append(pl if isinstance(pl, Automaton) else None)
            continue
        if bridge is None:
            from . import axelrod_bridge as bridge  # lazily: only for axelrod players
        if not bridge.is_axelrod_player(pl):
            raise ParameterError(f"players[{i}]", pl, "a MemoryOne strategy, an Automaton, a strategy's name or "
                                 "an axelrod player")
        kw = {"game": game} if isinstance(game, Game) else {}
        objs.append(pl)
        mem = bridge.from_axelrod(pl, **kw)
        mems.append(mem)
        autos.append(_native_automaton(pl) if mem is None else None)
    return plist, objs, mems, autos, labels, bridge


def _native_automaton(player):
    """The coopsim automaton of an axelrod player that has one (Grudger, TitFor2Tats, ...)."""
    from ..strategies.automata import from_axelrod

    return from_axelrod(player)


def _pairs(N: int, self_play: bool) -> np.ndarray:
    return np.array([(i, j) for i in range(N) for j in range(i if self_play else i + 1, N)],
                    dtype=np.int64).reshape(-1, 2)


# --------------------------------------------------------------------------- tables
def _build_tables(names, pairs, reps, lengths, score_a, score_b, coop_a, coop_b):
    """Tidy tables from per-match arrays (match m = pair m // reps, repetition m % reps).

    Aggregates are computed with numpy (bincount) and the three DataFrames built once at
    the end: pandas group-bys cost more than the whole tournament's play.
    """
    import pandas as pd

    M = len(lengths)
    N = len(names)
    pair_of = np.repeat(np.arange(len(pairs)), reps)
    ia, ib = pairs[pair_of, 0], pairs[pair_of, 1]
    rep = np.tile(np.arange(reps), len(pairs))
    lengths = np.asarray(lengths, dtype=float)
    score_a, score_b = np.asarray(score_a, dtype=float), np.asarray(score_b, dtype=float)
    coop_a, coop_b = np.asarray(coop_a, dtype=float), np.asarray(coop_b, dtype=float)
    # equal totals summed in a different order (or expected values) may differ in the last bits
    tol = 1e-9 * np.maximum(1.0, np.maximum(np.abs(score_a), np.abs(score_b)))
    win_a, win_b = (score_a - score_b > tol), (score_b - score_a > tol)

    # rows ordered by (match, player_index); the focal side first when indices tie (self-play)
    swap = ib < ia

    def interleave(x_a, x_b):
        first, second = np.where(swap, x_b, x_a), np.where(swap, x_a, x_b)
        return np.stack([first, second], axis=1).ravel()

    pi, oi = interleave(ia, ib), interleave(ib, ia)
    turns = np.repeat(lengths, 2)
    score = interleave(score_a, score_b)
    payoff = score / turns
    coop = interleave(coop_a, coop_b)
    win = interleave(win_a, win_b).astype(np.int64)
    reps_row = np.repeat(rep, 2)
    names_arr = np.array(names, dtype=object)

    def matches_table():
        return pd.DataFrame({
            "match": np.repeat(np.arange(M), 2), "player": names_arr[pi], "opponent": names_arr[oi],
            "player_index": pi, "opponent_index": oi, "repetition": reps_row, "turns": turns, "score": score,
            "payoff": payoff, "cooperation": coop, "win": win,
        })[_MATCH_COLUMNS]

    # payoff matrix (self-play included): total score / total turns
    cell = pi * N + oi
    cell_score = np.bincount(cell, score, minlength=N * N)
    cell_turns = np.bincount(cell, turns, minlength=N * N)
    with np.errstate(invalid="ignore", divide="ignore"):
        pm = np.where(cell_turns > 0, cell_score / np.where(cell_turns > 0, cell_turns, 1), np.nan)
    payoff_matrix = pd.DataFrame(pm.reshape(N, N), index=pd.Index(names, name="player"),
                                 columns=pd.Index(names, name="opponent"))

    # summary (self-interactions excluded, as axelrod): per (player, repetition) the mean payoff
    # per turn over opponents and the wins, then the median over repetitions
    other = pi != oi
    pr = pi[other] * reps + reps_row[other]
    n_pr = np.bincount(pr, minlength=N * reps).reshape(N, reps)
    norm = np.bincount(pr, payoff[other], minlength=N * reps).reshape(N, reps)
    wins = np.bincount(pr, win[other], minlength=N * reps).reshape(N, reps).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        norm = np.where(n_pr > 0, norm / np.where(n_pr > 0, n_pr, 1), np.nan)
    wins = np.where(n_pr > 0, wins, np.nan)
    if n_pr.all():  # the usual case; np.nanmedian goes through masked arrays (slow)
        med_norm, med_wins = np.median(norm, axis=1), np.median(wins, axis=1)
    else:
        has = n_pr.any(axis=1)
        med_norm, med_wins = np.full(N, np.nan), np.full(N, np.nan)
        med_norm[has] = np.nanmedian(norm[has], axis=1)
        med_wins[has] = np.nanmedian(wins[has], axis=1)
    tot_score = np.bincount(pi[other], score[other], minlength=N)
    tot_turns = np.bincount(pi[other], turns[other], minlength=N)
    tot_coops = np.bincount(pi[other], (coop * turns)[other], minlength=N)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.where(tot_turns > 0, tot_score / np.where(tot_turns > 0, tot_turns, 1), np.nan)
        coop_rate = np.where(tot_turns > 0, tot_coops / np.where(tot_turns > 0, tot_turns, 1), np.nan)
    key = -med_norm
    order = np.argsort(np.where(np.isnan(key), np.inf, key), kind="stable")
    summary = pd.DataFrame({
        "rank": np.arange(1, N + 1), "player": names_arr[order], "player_index": order,
        "median_normalised_score": med_norm[order], "mean_score_per_turn": mean_score[order],
        "cooperation_rate": coop_rate[order], "wins": med_wins[order],
    })
    return matches_table, summary, payoff_matrix


def _child(root: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``root`` with spawn key ``root.spawn_key + key`` (``root`` is not advanced)."""
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key), pool_size=root.pool_size)


# --------------------------------------------------------------------------- API

def _for_axelrod(obj):
    """An Automaton as an axelrod player (for a match against a player only axelrod plays)."""
    if isinstance(obj, Automaton):
        from ..strategies.automata import to_axelrod

        return to_axelrod(obj)
    return obj


def _machine_deterministic(obj) -> bool:
    """A MemoryOne or Automaton whose every move probability is 0 or 1."""
    probs = obj.cooperate if isinstance(obj, Automaton) else (*obj.vector, obj.initial)
    return all(x in (0.0, 1.0) for x in probs)


def _deterministic(obj) -> bool:
    """Whether a player's moves are a function of the history (axelrod's classifier)."""
    classifier = getattr(obj, "classifier", None)
    if not isinstance(classifier, dict):
        return False
    return not bool(classifier.get("stochastic", True))

def tournament(
    players: Sequence[Any],
    game: Any = None,
    *,
    turns: int | None = _TURNS_DEFAULT,
    continuation: float | None = None,
    repetitions: int = 10,
    noise: float = 0.0,
    seed: Any = None,
    self_play: bool = True,
    engine: str = "sampled",
) -> TournamentResult:
    """Round-robin tournament: every pair plays ``repetitions`` matches.

    Parameters
    ----------
    players : sequence of MemoryOne, Automaton, axelrod players, or names
        A name is a coopsim classic (any case) or a strategy registered with
        :func:`coopsim.strategies.registry.register` (built for ``game``, and labelled
        by that name).
        Axelrod players are converted to memory-one vectors when they are memory-one
        (:func:`~coopsim.engine.axelrod_bridge.from_axelrod`), to automata when coopsim
        has their machine (:func:`coopsim.strategies.automata.from_axelrod`), otherwise played by axelrod's rules
        (slow; sampled engine only). Duplicate names get " #2", " #3".
    game : Game, optional
        Stage game; default Axelrod's prisoner's dilemma (R, S, T, P) = (3, 0, 5, 1).
    turns : int >= 1
        Match length (default 200), unless ``continuation`` is given.
    continuation : float in [0, 1), optional
        Geometric match lengths: after every round another follows with probability w.
        Give ``turns`` or ``continuation``, not both (the default ``turns`` yields to it).
    repetitions : int >= 1
        Matches per pair (the exact engine computes expected values once).
    noise : float in [0, 1]
        Implementation noise, every move flipped with this probability (the first too).
    seed : None, int, SeedSequence or Generator
        See the module notes: the result depends only on the seed and the inputs.
    self_play : bool
        Include each player against a copy of itself (axelrod's default).
    engine : "sampled" or "exact"
        "exact" uses :func:`coopsim.engine.exact.payoffs` (expected values; memory-one
        players; noise at most 1/2), or :func:`coopsim.engine.automata.expected_payoffs`
        when a player is finite-state (memory-one and finite-state players).

    Returns
    -------
    TournamentResult

    >>> from coopsim import ALLC, ALLD, TFT
    >>> r = tournament([ALLC, ALLD, TFT], turns=10, repetitions=1)
    >>> r.summary[["rank", "player", "median_normalised_score"]].to_numpy().tolist()
    [[1, 'ALLD', 3.2], [2, 'TFT', 1.95], [3, 'ALLC', 1.5]]
    """
    engine = check_choice("engine", engine, ("sampled", "exact"))
    game = prisoners_dilemma() if game is None else game
    if not (hasattr(game, "focal_payoffs") and hasattr(game, "coplayer_payoffs")):
        raise ParameterError("game", game, "a 2-player Game (R, S, T, P)")
    if continuation is not None:
        if turns is not None and turns is not _TURNS_DEFAULT:
            raise ParameterError("turns", turns, "None when continuation is given (give exactly one of turns "
                                 "or continuation)")
        turns = None
        continuation = check_probability("continuation", continuation)
        if continuation >= 1:
            raise ParameterError("continuation", continuation, "a probability in [0, 1)")
    else:
        if turns is None:
            raise ParameterError("turns", turns, "a number of rounds >= 1, or give continuation")
        turns = check_int("turns", turns, minimum=1)
    reps = check_int("repetitions", repetitions, minimum=1)
    noise = check_probability("noise", noise)
    if not isinstance(self_play, (bool, np.bool_)):
        raise ParameterError("self_play", self_play, "True or False")

    plist, objs, mems, autos, labels, bridge = _resolve_players(players, game)
    native = [m if m is not None else a for m, a in zip(mems, autos, strict=True)]  # None: axelrod's rules only
    names = _unique([label or _name(p) for label, p in zip(labels, objs, strict=True)])
    N = len(objs)
    if engine == "sampled":  # every pair plays reps matches: bounded before any is played
        n_pairs = N * (N + 1) // 2 if self_play else N * (N - 1) // 2
        check_matches(n_pairs, 2, turns=turns, continuation=continuation, repetitions=reps)
    pairs = _pairs(N, bool(self_play))
    params = {"game": game, "turns": turns, "continuation": continuation, "repetitions": reps,
              "noise": noise, "self_play": bool(self_play)}

    if engine == "exact":
        bad = [names[i] for i, m in enumerate(native) if m is None]
        if bad:
            raise ParameterError("players", bad, "memory-one or finite-state players for engine='exact' "
                                 "(use engine='sampled')")
        if any(a is not None for a in autos):
            from .automata import expected_payoffs

            v = expected_payoffs([native[i] for i in pairs[:, 0]], [native[j] for j in pairs[:, 1]], game,
                                 rounds=turns, continuation=continuation, noise=noise)
        else:
            from . import exact

            arr = np.stack([m.array for m in mems])
            v = exact.payoffs(arr[pairs[:, 0]], arr[pairs[:, 1]], game, rounds=turns, continuation=continuation,
                              noise=noise)
        length = float(turns) if turns is not None else 1.0 / (1.0 - continuation)
        lengths = np.full(len(pairs), length)
        df, summary, pm = _build_tables(names, pairs, 1, lengths, v.focal * length, v.coplayer * length,
                                        v.focal_cooperation, v.coplayer_cooperation)
        params["repetitions"] = 1
        return TournamentResult(tuple(names), df, summary, pm, "exact", params)

    root = as_seed_sequence(seed)
    fast_ss = _child(root, 0)
    n_match = len(pairs) * reps
    lengths = np.zeros(n_match, dtype=np.int64)
    score_a, score_b = np.zeros(n_match), np.zeros(n_match)
    coop_a, coop_b = np.zeros(n_match), np.zeros(n_match)
    is_fast = np.array([mems[i] is not None and mems[j] is not None for i, j in pairs], dtype=bool)

    is_auto = np.array([not f and native[i] is not None and native[j] is not None
                        for f, (i, j) in zip(is_fast, pairs, strict=True)], dtype=bool)

    fast_pairs = np.flatnonzero(is_fast)
    if fast_pairs.size:
        from . import sampled

        arr = np.stack([m.array if m is not None else np.zeros(5) for m in mems])
        rows = (fast_pairs[:, None] * reps + np.arange(reps)).ravel()
        pa = pairs[fast_pairs, 0].repeat(reps)
        pb = pairs[fast_pairs, 1].repeat(reps)
        res = sampled.play(arr[pa], arr[pb], game, turns=turns, continuation=continuation, noise=noise,
                           seed=fast_ss)
        lengths[rows] = res.lengths
        score_a[rows], score_b[rows] = res.focal_score, res.coplayer_score
        coop_a[rows], coop_b[rows] = res.focal_cooperation, res.coplayer_cooperation

    auto_pairs = np.flatnonzero(is_auto)
    if auto_pairs.size:
        from .automata import play_automata

        # deterministic machines, no noise, fixed length: every repetition is the same match
        # (axelrod caches it the same way); such pairs are played once, on their own seed child
        fixed = noise == 0 and turns is not None
        det = np.array([fixed and _machine_deterministic(native[i]) and _machine_deterministic(native[j])
                        for i, j in pairs[auto_pairs]], dtype=bool)
        for group, n_rep, key in ((auto_pairs[~det], reps, 2), (auto_pairs[det], 1, 3)):
            if not group.size:
                continue
            pa = pairs[group, 0].repeat(n_rep)
            pb = pairs[group, 1].repeat(n_rep)
            res = play_automata([native[i] for i in pa], [native[j] for j in pb], game, turns=turns,
                                continuation=continuation, noise=noise, seed=_child(root, key))
            rows = (group[:, None] * reps + np.arange(reps)).ravel()
            pick = np.arange(group.size * n_rep).reshape(group.size, n_rep)
            pick = np.broadcast_to(pick[:, :1] if n_rep == 1 else pick, (group.size, reps)).ravel()
            lengths[rows] = res.lengths[pick]
            score_a[rows], score_b[rows] = res.focal_score[pick], res.coplayer_score[pick]
            coop_a[rows], coop_b[rows] = res.focal_cooperation[pick], res.coplayer_cooperation[pick]

    slow_pairs = np.flatnonzero(~is_fast & ~is_auto)
    if slow_pairs.size:
        fx = np.asarray(game.focal_payoffs, dtype=float)
        fy = np.asarray(game.coplayer_payoffs, dtype=float)
        for k in slow_pairs:
            i, j = pairs[k]
            # deterministic players, no noise, fixed length: every repetition is the same match
            # (axelrod's Match caches it the same way); play it once
            once = noise == 0 and turns is not None and _deterministic(objs[i]) and _deterministic(objs[j])
            for r in range(reps):
                m = k * reps + r
                if once and r > 0:
                    first = k * reps
                    lengths[m] = lengths[first]
                    score_a[m], score_b[m] = score_a[first], score_b[first]
                    coop_a[m], coop_b[m] = coop_a[first], coop_b[first]
                    continue
                ss = _child(root, 1, int(k), r)
                a_acts, b_acts = bridge.play_match(_for_axelrod(objs[i]), _for_axelrod(objs[j]), game, turns=turns,
                                                   continuation=continuation, noise=noise, seed=ss)
                a_acts = np.asarray(a_acts, dtype=np.int64)
                b_acts = np.asarray(b_acts, dtype=np.int64)
                state = 2 * a_acts + b_acts
                lengths[m] = len(state)
                score_a[m], score_b[m] = fx[state].sum(), fy[state].sum()
                coop_a[m], coop_b[m] = np.mean(a_acts == 0), np.mean(b_acts == 0)

    df, summary, pm = _build_tables(names, pairs, reps, lengths, score_a, score_b, coop_a, coop_b)
    return TournamentResult(tuple(names), df, summary, pm, "sampled", params)
