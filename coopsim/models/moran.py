"""Moran processes of iterated-game players, by the rules of ``axelrod.MoranProcess``, vectorised.

A population of N players, each holding a strategy of the iterated game (memory-one
strategies, finite-state automata of :mod:`coopsim.strategies.automata`, or axelrod
players that convert to either). One **generation**:

1. every pair of distinct players plays one match of ``turns`` rounds with fresh
   implementation noise (a round robin without self-play, as axelrod's default complete
   interaction graph without loops);
2. a player's **fitness** is its total score over its N - 1 matches (axelrod sums the
   per-turn scores ``final_score_per_turn``; with a fixed number of turns that is the total
   divided by ``turns``, and proportional selection does not see the factor); no fitness
   transformation (axelrod's default ``fitness_transformation=None``);
3. one player is chosen to reproduce with probability proportional to fitness;
4. one player is chosen to die **uniformly among all N, the reproducer included**
   (axelrod's default reproduction graph is the complete graph *with* loops; when the
   reproducer is drawn the generation changes nothing but still counts);
5. the dead player is replaced by a copy of the reproducer.

The process stops when one strategy holds the whole population (fixation); ``generations``
counts the generations played until then (``len(mp) - 1`` for an axelrod ``MoranProcess``
``mp``). Only birth-death without mutation on the complete graph is implemented (axelrod's
default ``mode="bd"``, ``mutation_rate=0``).

**Vectorisation.** ``runs`` independent processes advance in lockstep. Players of the same
strategy are interchangeable, so a run's state is its vector of strategy counts n, and the
selection step needs only the summed fitness of each type, W_a = sum of the scores of the
n_a type-a players: the reproducer is of type a with probability W_a / sum W (the same
law as choosing an individual proportionally to fitness and reading its type), the dead of
type b with probability n_b / N. This selection step and the lockstep loop are those of
:mod:`coopsim.models.moran_chain` (birth-death with self-replacement), shared with
:func:`coopsim.models.fixation.simulate_fixation`. Each generation the matches of *all* active runs — for
every run, n_a n_b matches of each type pair a < b and n_a (n_a - 1) / 2 of each pair a, a,
i.e. exactly its N (N - 1) / 2 round-robin matches — are played in **one**
:func:`coopsim.engine.sampled.play` call.

**Payoff modes** (``payoffs=``):

* ``"sampled"`` — fresh matches every generation, as ``axelrod.MoranProcess``.
* ``"cached"`` — as ``axelrod.ApproximateMoranProcess``: for every unordered pair of types
  a cache of ``cache_size`` matches is played once; each match of each generation is then a
  draw, uniform with replacement, from that cache. (axelrod leaves the cache to the user: a
  ``Pdf`` over a ``Counter`` of outcomes, sampled with probability count / total, which is a
  uniform draw of one cached match.) The cache makes the process cheap but freezes one
  sample of outcomes for the whole experiment.
* ``"exact"`` — every match scores its **expected** total from the exact engine
  (:func:`coopsim.engine.exact.payoffs`), so fitness is a deterministic function of the
  counts. This is the *expected-payoff* process; it differs from the sampled one only
  through payoff noise (E[W_a / sum W] is not E[W_a] / E[sum W]). Its fixation distribution
  is computed without simulation by :func:`~coopsim.models.moran_chain.chain_fixation` /
  :func:`exact_fixation_distribution` (an absorbing Markov chain on the count vectors).

**Selection intensity.** ``selection_intensity`` s gives each player the fitness
1 - s + s * F_i, where F_i is its *average total match score* over its N - 1 co-players
(Nowak et al. 2004, target T3: with 10 rounds of TFT vs ALLD, a = 30). The default s = 1
gives F_i, proportional to axelrod's fitness (the sum of per-turn scores is
(N - 1) F_i / turns), hence **the same process as axelrod's**. For two types, the
process with s is exactly the T3 process of :func:`coopsim.engine.exact.fixation_probability`
with selection intensity s: both draw the dying individual from all N (T+ carries the
factor (N - i)/N), and the fitness of a type-A player among i A's is
1 - s + s (a (i - 1) + b (N - i)) / (N - 1).

**Randomness.** One generator from ``seed`` drives everything (match play, then the
birth and death draws, generation by generation): the same seed and arguments give the
same result; a run's stream depends on the other runs of the batch (lockstep).

axelrod's own classes run the same experiment in :mod:`coopsim.models.moran_axelrod`.

Sources: Moran (1958); Nowak, Sasaki, Taylor & Fudenberg (2004) *Nature* 428:646;
Knight et al. (2016) (axelrod's ``MoranProcess`` and ``ApproximateMoranProcess``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._random import as_generator
from .._validation import ParameterError, check_choice, check_int, check_probability, check_real
from ..strategies import MemoryOne, as_array
from .moran_chain import ChainFixation, chain_fixation, run_to_fixation, well_mixed_fitness  # noqa: F401

__all__ = [
    "MoranResult",
    "moran_process",
    "payoff_matrix",
    "exact_fixation_distribution",
    "homogeneity_test",
]

_MODES = ("sampled", "cached", "exact")


# --------------------------------------------------------------------------- strategy types
def _is_automaton(obj) -> bool:
    from ..strategies.automata import Automaton

    return isinstance(obj, Automaton)


def _convert_axelrod(player):
    """A coopsim strategy that plays as the axelrod ``player``: its memory-one vector if it
    has one, else its native machine (:func:`coopsim.strategies.automata.from_axelrod`:
    FSMs, lookup tables, cyclers, grudgers, probers, ...; docs/explanation/axelrod-coverage.md)."""
    from ..engine import axelrod_bridge
    from ..strategies.automata import from_axelrod as automaton_from_axelrod

    found = axelrod_bridge.from_axelrod(player)
    if found is None:
        found = automaton_from_axelrod(player)
    if found is None:
        raise ParameterError("players", str(player),
                             "axelrod players with a native form (memory-one or a finite machine; see the "
                             "coverage table docs/explanation/axelrod-coverage.md)")
    return found


def _label(strategy) -> str:
    return str(strategy)


@dataclass(frozen=True, eq=False)
class _Types:
    """The distinct strategies of a population, their labels and initial counts."""

    strategies: tuple
    labels: tuple[str, ...]
    counts: np.ndarray

    @property
    def m(self) -> int:
        return len(self.strategies)

    @property
    def memory_one(self) -> bool:
        return all(isinstance(s, MemoryOne) for s in self.strategies)

    def __post_init__(self):
        if self.memory_one:
            table = as_array(list(self.strategies))
        else:
            table = np.empty(len(self.strategies), dtype=object)
            table[:] = list(self.strategies)
        object.__setattr__(self, "_table", table)

    def batch(self, idx: np.ndarray):
        """Strategies for :func:`sampled.play` / :func:`exact.payoffs`, one per entry of ``idx``."""
        return self._table[idx] if self.memory_one else list(self._table[idx])


def _parse_players(players) -> _Types:
    """Distinct strategies (in order of first appearance) and how many players hold each."""
    from ..engine.axelrod_bridge import is_axelrod_player

    if isinstance(players, Mapping):
        items = list(players.items())
    else:
        try:
            seq = list(players)
        except TypeError:
            raise ParameterError("players", players, "a sequence of strategies (one per player) or a mapping "
                                 "strategy -> number of players") from None
        items = [(s, 1) for s in seq]
    keys: dict[Any, int] = {}
    strategies: list = []
    labels: list[str] = []
    counts: list[int] = []
    converted: dict[str, Any] = {}
    for s, c in items:
        c = check_int("number of players", c, minimum=0)
        if is_axelrod_player(s):
            name = str(s)
            if name not in converted:
                converted[name] = _convert_axelrod(s)
            strat, key = converted[name], ("axelrod", name)
        elif isinstance(s, MemoryOne) or _is_automaton(s):
            strat = s
            try:
                key = (_label(s), s)
                hash(key)
            except TypeError:
                key = (_label(s), id(s))
        else:
            raise ParameterError("players", s, "MemoryOne strategies, coopsim automata or axelrod players")
        if key not in keys:
            keys[key] = len(strategies)
            strategies.append(strat)
            labels.append(key[1] if key[0] == "axelrod" else _label(s))
            counts.append(0)
        counts[keys[key]] += c
    keep = [k for k, c in enumerate(counts) if c > 0]
    strategies = [strategies[k] for k in keep]
    labels = [labels[k] for k in keep]
    counts = [counts[k] for k in keep]
    if sum(counts) < 2:
        raise ParameterError("players", players, "a population of at least 2 players")
    if any(isinstance(s, MemoryOne) for s in strategies) and not all(isinstance(s, MemoryOne) for s in strategies):
        from ..strategies.automata import from_memory_one

        strategies = [from_memory_one(s) if isinstance(s, MemoryOne) else s for s in strategies]
    seen: dict[str, int] = {}
    for k, lab in enumerate(labels):  # make labels unique
        if lab in seen:
            seen[lab] += 1
            labels[k] = f"{lab} ({seen[lab]})"
        else:
            seen[lab] = 1
    return _Types(tuple(strategies), tuple(labels), np.array(counts, dtype=np.int64))


def _game_payoffs(game):
    from ..engine.rounds import game_vectors as _game_vectors

    fx, fy = _game_vectors(game)
    if not np.array_equal(fy, fx[[0, 2, 1, 3]]):
        raise ParameterError("game", game, "a symmetric 2-player Game (R, S, T, P)")
    return fx


def _check_selection(selection_intensity, game, turns):
    s = check_real("selection_intensity", selection_intensity)
    if s < 0:
        raise ParameterError("selection_intensity", s, "a number >= 0")
    lo = float(np.min(_game_payoffs(game))) * turns  # smallest possible average total score
    if 1 - s + s * lo < 0:
        raise ParameterError("selection_intensity", s,
                             f"a value keeping fitness 1 - s + s * score >= 0 for every possible score (scores can "
                             f"be as low as {lo:g}; axelrod's rule, s = 1, needs non-negative payoffs)")
    return s


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class MoranResult:
    """Outcome of ``runs`` Moran processes.

    ``winner[r]``: index (into ``labels``) of the strategy that fixed in run r, -1 if the run
    had not fixed after ``max_generations``; ``generations[r]``: generations played (until
    fixation). ``initial_counts``: players per strategy at the start.
    """

    labels: tuple[str, ...]
    initial_counts: np.ndarray
    winner: np.ndarray
    generations: np.ndarray
    payoffs: str
    turns: int
    noise: float
    selection_intensity: float = 1.0
    source: str = "coopsim"
    info: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return int(self.winner.shape[0])

    @property
    def population_size(self) -> int:
        return int(self.initial_counts.sum())

    @property
    def unfinished(self) -> int:
        """Runs that had not fixed within ``max_generations``."""
        return int(np.sum(self.winner < 0))

    def fixation_counts(self) -> np.ndarray:
        """Number of runs won by each strategy (unfinished runs not counted)."""
        w = self.winner[self.winner >= 0]
        return np.bincount(w, minlength=len(self.labels))

    def fixation_distribution(self):
        """Tidy DataFrame, one row per strategy: strategy, initial_count, fixations, runs,
        probability (share of the *finished* runs it won) and its binomial standard error
        se = sqrt(p (1 - p) / runs)."""
        import pandas as pd

        k = self.fixation_counts()
        n = int(k.sum())
        p = k / n if n else np.full(len(k), np.nan)
        return pd.DataFrame({"strategy": list(self.labels), "initial_count": self.initial_counts,
                             "fixations": k, "runs": n, "probability": p,
                             "se": np.sqrt(p * (1 - p) / n) if n else np.full(len(k), np.nan)})

    def to_frame(self):
        """Tidy DataFrame, one row per run: run, winner (strategy label, None if unfinished),
        generations."""
        import pandas as pd

        lab = np.array(list(self.labels) + [None], dtype=object)
        return pd.DataFrame({"run": np.arange(self.runs), "winner": lab[self.winner],
                             "generations": self.generations})

    def __repr__(self) -> str:
        k = self.fixation_counts()
        parts = ", ".join(f"{lab}: {c}" for lab, c in zip(self.labels, k, strict=True))
        return (f"MoranResult({self.source}, payoffs={self.payoffs!r}, N={self.population_size}, runs={self.runs}, "
                f"fixations {{{parts}}}, mean generations {np.mean(self.generations):.1f})")


# --------------------------------------------------------------------------- exact payoffs
def payoff_matrix(strategies, game, *, turns: int = 200, noise: float = 0.0) -> np.ndarray:
    """(m, m) expected **total** scores of a ``turns``-round match: entry [a, b] is what
    strategy a earns against b (exact engine; noise flips every move, the first included).

    ``strategies``: a sequence of distinct strategies (MemoryOne or automata), or a
    population as accepted by :func:`moran_process` (then its distinct strategies).

    >>> from coopsim import TFT, ALLD, prisoners_dilemma
    >>> payoff_matrix([TFT, ALLD], prisoners_dilemma(), turns=10)
    array([[30.,  9.],
           [14., 10.]])
    """
    types = strategies if isinstance(strategies, _Types) else _parse_players(strategies)
    turns = check_int("turns", turns, minimum=1)
    noise = check_probability("noise", noise)
    _game_payoffs(game)
    from ..engine import exact

    m = types.m
    a, b = np.repeat(np.arange(m), m), np.tile(np.arange(m), m)
    if types.memory_one:
        v = exact.payoffs(types.batch(a), types.batch(b), game, rounds=turns, noise=noise)
    else:
        from ..engine.automata import expected_payoffs

        v = expected_payoffs(types.batch(a), types.batch(b), game, rounds=turns, noise=noise)
    return np.asarray(v.focal, dtype=float).reshape(m, m) * turns


# --------------------------------------------------------------------------- simulation core
def _pair_index(m):
    a, b = np.triu_indices(m)  # unordered type pairs a <= b
    return a.astype(np.int64), b.astype(np.int64)


def _matches_per_pair(counts, pa, pb):
    """(R, P) number of round-robin matches of each type pair in each run."""
    na, nb = counts[:, pa], counts[:, pb]
    return np.where(pa == pb, na * (na - 1) // 2, na * nb)


def _type_scores_from_matches(counts, pa, pb, focal, coplayer, run_of, pair_of):
    R, m = counts.shape
    W = np.bincount(run_of * m + pa[pair_of], weights=focal, minlength=R * m)
    W += np.bincount(run_of * m + pb[pair_of], weights=coplayer, minlength=R * m)
    return W.reshape(R, m)


def moran_process(
    players,
    game,
    *,
    turns: int = 200,
    noise: float = 0.0,
    runs: int = 100,
    payoffs: str = "sampled",
    selection_intensity: float = 1.0,
    cache_size: int = 1000,
    seed=None,
    max_generations: int = 100_000,
) -> MoranResult:
    """Run ``runs`` Moran processes of iterated-game players to fixation, in lockstep.

    Parameters
    ----------
    players : sequence of strategies, or mapping strategy -> count
        The initial population, one entry per player (``[TFT] * 5 + [ALLD] * 5``) or counts
        (``{TFT: 5, ALLD: 5}``). MemoryOne strategies, automata (:mod:`coopsim.strategies.automata`,
        when available) or axelrod players (converted with
        :func:`~coopsim.engine.axelrod_bridge.from_axelrod` or the automata converter;
        players with the same ``str`` are one type, as axelrod's fixation check has it).
    game : Game
        Symmetric stage game (axelrod's default is ``prisoners_dilemma()`` (3, 0, 5, 1)).
    turns : int
        Rounds per match (fixed length, as ``MoranProcess(turns=...)``).
    noise : float
        Implementation noise of every move, the first included (as ``axelrod.Match``).
    runs : int
        Independent processes, advanced in lockstep.
    payoffs : "sampled", "cached" or "exact"
        Fresh matches every generation (``MoranProcess``); draws from a per-pair cache of
        ``cache_size`` matches (``ApproximateMoranProcess``); or expected match scores from
        the exact engine (see the module docstring).
    selection_intensity : float
        Fitness 1 - s + s * (average total match score); 1 (default) is axelrod's rule.
    cache_size : int
        Matches per unordered pair of types in the cache (``payoffs="cached"`` only).
    seed : None, int, SeedSequence or Generator
    max_generations : int
        A run not fixed after this many generations is reported with winner -1.

    Returns
    -------
    MoranResult

    >>> from coopsim import TFT, ALLD, prisoners_dilemma
    >>> r = moran_process([TFT] * 3 + [ALLD] * 3, prisoners_dilemma(), turns=20, runs=200, seed=1)
    >>> r.fixation_distribution()[["strategy", "fixations"]].to_dict("list")
    {'strategy': ['TFT', 'ALLD'], 'fixations': [145, 55]}
    """
    types = _parse_players(players)
    turns = check_int("turns", turns, minimum=1)
    noise = check_probability("noise", noise)
    runs = check_int("runs", runs, minimum=1)
    mode = check_choice("payoffs", payoffs, _MODES)
    s = _check_selection(selection_intensity, game, turns)
    cache_size = check_int("cache_size", cache_size, minimum=1)
    max_generations = check_int("max_generations", max_generations, minimum=0)
    rng = as_generator(seed)
    from ..engine import sampled

    m, N = types.m, int(types.counts.sum())
    pa, pb = _pair_index(m)
    P = pa.size
    info: dict = {}
    if mode == "exact":
        A = payoff_matrix(types, game, turns=turns, noise=noise)
        info["payoff_matrix"] = A
    elif mode == "cached":
        cf = np.empty((P, cache_size))
        cc = np.empty((P, cache_size))
        pair_rep = np.repeat(np.arange(P), cache_size)
        mt = sampled.play(types.batch(pa[pair_rep]), types.batch(pb[pair_rep]), game, turns=turns, noise=noise,
                          seed=rng)
        cf[:] = mt.focal_score.reshape(P, cache_size)
        cc[:] = mt.coplayer_score.reshape(P, cache_size)
        info["cache_size"] = cache_size

    played = 0

    def fitness(c):
        """Summed fitness of each type in the active runs (plays their matches)."""
        nonlocal played
        if mode == "exact":
            return well_mixed_fitness(c, A, s)
        R = c.shape[0]
        nm = _matches_per_pair(c, pa, pb).ravel()
        rk = np.repeat(np.arange(R * P), nm)
        run_of, pair_of = rk // P, rk % P
        played += rk.size
        if mode == "sampled":
            mt = sampled.play(types.batch(pa[pair_of]), types.batch(pb[pair_of]), game, turns=turns,
                              noise=noise, seed=rng)
            f, g = mt.focal_score, mt.coplayer_score
        else:
            j = rng.integers(0, cache_size, size=rk.size)
            f, g = cf[pair_of, j], cc[pair_of, j]
        S = _type_scores_from_matches(c, pa, pb, f, g, run_of, pair_of)
        return c * (1.0 - s) + s * S / (N - 1) if s != 1.0 else S

    winner, generations = run_to_fixation(types.counts, runs, fitness, rng, max_events=max_generations)
    info["matches_played"] = played
    return MoranResult(types.labels, types.counts.copy(), winner, generations, mode, turns, noise, s, "coopsim", info)


# --------------------------------------------------------------------------- exact chain
def exact_fixation_distribution(players, game, *, turns: int = 200, noise: float = 0.0,
                                selection_intensity: float = 1.0) -> ChainFixation:
    """Fixation distribution of the expected-payoff Moran process of a population of
    iterated-game players, without simulation: expected match scores from the exact engine
    (:func:`payoff_matrix`), then :func:`chain_fixation`. Same rules and arguments as
    :func:`moran_process` (``payoffs="exact"`` simulates this very process).

    >>> from coopsim import TFT, ALLD, prisoners_dilemma
    >>> r = exact_fixation_distribution({TFT: 3, ALLD: 3}, prisoners_dilemma(), turns=20)
    >>> r.fixation_distribution().round(4).to_dict("list")
    {'strategy': ['TFT', 'ALLD'], 'initial_count': [3, 3], 'probability': [0.7518, 0.2482]}
    """
    types = _parse_players(players)
    turns = check_int("turns", turns, minimum=1)
    s = _check_selection(selection_intensity, game, turns)
    A = payoff_matrix(types, game, turns=turns, noise=noise)
    return chain_fixation(A, types.counts, selection_intensity=s, labels=types.labels)


# --------------------------------------------------------------------------- comparison
def homogeneity_test(*results) -> tuple[float, int, float]:
    """Chi-square test that several fixation distributions are the same: ``results`` are
    :class:`MoranResult` objects or count vectors (runs won by each strategy). Strategies
    that never fixed in any sample are dropped. Returns (statistic, degrees of freedom,
    p-value)."""
    from scipy.stats import chi2

    table = np.array([r.fixation_counts() if isinstance(r, MoranResult) else np.asarray(r) for r in results],
                     dtype=float)
    if table.ndim != 2 or table.shape[0] < 2:
        raise ParameterError("results", len(results), "at least two results with the same strategies")
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 0, 1.0
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    stat = float(((table - expected) ** 2 / expected).sum())
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return stat, dof, float(chi2.sf(stat, dof))
