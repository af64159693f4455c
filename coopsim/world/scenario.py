"""A whole simulated international system: one validated object, ``run(seed)`` -> tables.

Each period (see ``docs/explanation/hypotheses.md``):

1. the interaction structure forms encounters (pairs, or groups of ``actors.n_actors``);
2. mechanisms adjust the rules played in each encounter: a benevolent hegemon always
   cooperates (H6), regime members withhold cooperation from partners they know to be in
   bad standing (H4), unadvised states misperceive moves (H5, as a transformed rule);
3. every encounter is an iterated game (``iteration.continuation`` or ``rounds``, H3)
   with implementation ``noise``, played by the sampled engine (or, for pairs with
   ``engine="exact"``, valued by the exact engine's expected state occupancies);
4. payoffs per round: stakes scale with capability (H6); regime dues and sanctions and a
   coercive hegemon's fines are charged (H4, H6);
5. standings are updated from monitored encounters, advice diffuses (H4, H5);
6. states revise strategies (Fermi / Moran / best neighbour) comparing payoffs *per unit
   of capability*, as seen through their perceived game (H5), then explore with
   probability ``mutation`` using a kernel weighted by ``reciprocity.share`` (H1).

Outcomes per period: cooperation rate (share of C moves), strategy shares, mean payoff,
payoff inequality (Gini of payoffs shifted to be non-negative), standing and advice
shares. A run shows *emergent cooperation* when the mean cooperation rate over the last
``window`` periods reaches ``threshold``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import games as G
from .. import strategies as S
from .._validation import ParameterError, check_choice, check_int, check_probability, check_real
from . import dynamics, structure as st
from .mechanisms import REGISTRY, Actors, Epistemic, Iteration, Power, Reciprocity, Regime
from .mechanisms.reciprocity import RECIPROCATORS

__all__ = ["Scenario", "ScenarioResult", "GAMES_2X2", "STRUCTURES", "PAIR_STRATEGIES", "GROUP_STRATEGIES"]

GAMES_2X2 = {
    "prisoners_dilemma": G.prisoners_dilemma,
    "stag_hunt": G.stag_hunt,
    "chicken": G.chicken,
    "harmony": G.harmony,
    "deadlock": G.deadlock,
    "donation_game": G.donation_game,
}
STRUCTURES = ("random_matching", "all_pairs", "ring", "lattice", "small_world", "scale_free", "blocs")
PAIR_STRATEGIES = ("ALLC", "ALLD", "TFT", "STFT", "GTFT", "WSLS", "GRIM", "RANDOM", "EXTORT")
CONTINUOUS_SPACES = ("memory_one", "reactive")
UPDATES = dynamics.UPDATE_RULES + ("replicator",)
GROUP_STRATEGIES = ("ALLC", "ALLD", "TFT", "GTFT", "WSLS", "CondCoop50", "RANDOM")


def _group_rule(name: str, n: int, generosity: float) -> np.ndarray:
    """Flat group memory-one rule (2n table + initial) for a named group strategy."""
    j = np.arange(n)
    all_others = (j == n - 1).astype(float)
    if name == "ALLC":
        t, init = np.ones((2, n)), 1.0
    elif name == "ALLD":
        t, init = np.zeros((2, n)), 0.0
    elif name == "TFT":  # cooperate iff all others cooperated (n = 2: tit-for-tat)
        t, init = np.tile(all_others, (2, 1)), 1.0
    elif name == "GTFT":  # ... else forgive with probability q
        t, init = np.tile(np.maximum(all_others, generosity), (2, 1)), 1.0
    elif name == "WSLS":  # stay after full cooperation or after (D, nobody cooperated)
        t, init = np.stack([all_others, (j == 0).astype(float)]), 1.0
    elif name == "CondCoop50":
        t, init = np.tile((j >= np.ceil(0.5 * (n - 1))).astype(float), (2, 1)), 1.0
    elif name == "RANDOM":
        t, init = np.full((2, n), 0.5), 0.5
    else:  # pragma: no cover - validated before
        raise ParameterError("strategies", name, "one of " + ", ".join(GROUP_STRATEGIES))
    return np.concatenate([t.ravel(), [init]])


@dataclass(frozen=True)
class Scenario:
    """A simulated international system; all parameters validated at construction.

    >>> sc = Scenario(n_states=20, periods=50)
    >>> res = sc.run(seed=1)
    >>> list(res.periods.columns[:3])
    ['period', 'cooperation', 'mean_payoff']
    """

    n_states: int = 50
    periods: int = 500
    game: str = "prisoners_dilemma"
    game_params: dict = field(default_factory=dict)
    strategies: tuple = ("ALLC", "ALLD", "TFT", "GTFT", "WSLS")
    structure: str = "random_matching"
    structure_params: dict = field(default_factory=dict)
    update: str = "fermi"
    selection_intensity: float = 1.0
    revision_rate: float = 0.1
    mutation: float = 0.01
    noise: float = 0.01
    engine: str = "sampled"
    window: int = 50
    threshold: float = 0.7
    reciprocity: Reciprocity = field(default_factory=Reciprocity)
    actors: Actors = field(default_factory=Actors)
    iteration: Iteration = field(default_factory=Iteration)
    regime: Regime = field(default_factory=Regime)
    epistemic: Epistemic = field(default_factory=Epistemic)
    power: Power = field(default_factory=Power)

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        n = check_int("n_states", self.n_states, minimum=2)
        check_int("periods", self.periods, minimum=1)
        for name, cls in REGISTRY.items():
            value = getattr(self, name)
            if isinstance(value, dict):
                value = cls.from_dict(value, prefix=name)
                object.__setattr__(self, name, value)
            if not isinstance(value, cls):
                raise ParameterError(name, value, f"a {cls.__name__} or a table of its parameters")
        group_games = ("public_goods", "n_person_prisoners_dilemma", "collective_risk", "volunteers_dilemma")
        check_choice("game", self.game, tuple(GAMES_2X2) + ("group",) + group_games)
        if self.game in group_games:  # shorthand: game = "public_goods" means a group game of that kind
            object.__setattr__(self, "actors", dataclasses.replace(self.actors, game=self.game))
            object.__setattr__(self, "game", "group")
        if not isinstance(self.game_params, dict):
            raise ParameterError("game_params", self.game_params, "a table of payoff parameters")
        strategies = (self.strategies,) if isinstance(self.strategies, str) else tuple(self.strategies)
        object.__setattr__(self, "strategies", strategies)
        allowed = GROUP_STRATEGIES if self.is_group_game else PAIR_STRATEGIES + CONTINUOUS_SPACES
        if not strategies:
            raise ParameterError("strategies", self.strategies, "at least one of " + ", ".join(allowed))
        if any(s in CONTINUOUS_SPACES for s in strategies) and (len(strategies) > 1 or self.is_group_game):
            raise ParameterError("strategies", strategies,
                                 "a continuous space ('memory_one' or 'reactive') alone, in a 2x2 game")
        for s in strategies:
            if s not in allowed:
                raise ParameterError("strategies", s, "one of " + ", ".join(allowed))
        if len(set(strategies)) != len(strategies):
            raise ParameterError("strategies", strategies, "names without repetition")
        check_choice("structure", self.structure, STRUCTURES)
        if not isinstance(self.structure_params, dict):
            raise ParameterError("structure_params", self.structure_params, "a table of structure parameters")
        check_choice("update", self.update, UPDATES)
        s = check_real("selection_intensity", self.selection_intensity)
        if s < 0:
            raise ParameterError("selection_intensity", s, "a number >= 0")
        check_probability("revision_rate", self.revision_rate)
        check_probability("mutation", self.mutation)
        nz = check_probability("noise", self.noise)
        if nz > 0.5:
            raise ParameterError("noise", nz, "a probability in [0, 0.5]")
        check_choice("engine", self.engine, ("sampled", "exact"))
        check_int("window", self.window, minimum=1, maximum=self.periods)
        check_probability("threshold", self.threshold)
        if not self.is_group_game and self.actors.n_actors != 2:
            raise ParameterError("actors.n_actors", self.actors.n_actors,
                                 "2 with a 2x2 game; set game to a group game (e.g. 'public_goods') for larger groups")
        if self.actors.n_actors > n:
            raise ParameterError("actors.n_actors", self.actors.n_actors, f"at most n_states = {n}")
        if self.is_group_game and self.engine == "exact":
            raise ParameterError("engine", "exact", "'sampled' for group games (no exact N-player iterated engine)")
        if self.power.hegemon_share is not None:
            self.power.capabilities(n)  # validates share >= 1/n
        if self.update == "replicator":
            self._check_replicator()
        self.build_structure()  # validates structure parameters
        self.stage_game()  # validates payoffs

    @property
    def is_group_game(self) -> bool:
        return self.game == "group"

    @property
    def is_continuous(self) -> bool:
        """True when strategies are drawn from a continuous space (each state its own vector)."""
        return self.strategies[0] in CONTINUOUS_SPACES

    def trait_labels(self) -> list[str]:
        """Per-period columns describing the population: strategy shares, or the mean
        vector components for a continuous space."""
        if self.is_continuous:
            return ["mean_p_CC", "mean_p_CD", "mean_p_DC", "mean_p_DD", "mean_initial"]
        return [f"share_{name}" for name in self.strategies]

    def draw_strategies(self, rng, size: int) -> np.ndarray:
        """Random strategies from the continuous space (uniform, as in Nowak & Sigmund 1993)."""
        if self.strategies[0] == "reactive":
            pq = rng.random((size, 2))
            return np.column_stack([pq[:, 0], pq[:, 1], pq[:, 0], pq[:, 1], pq[:, 0]])
        return rng.random((size, 5))

    def _check_replicator(self) -> None:
        """Replicator dynamics: an infinite well-mixed population of named strategies."""
        if self.is_group_game:
            raise ParameterError("update", "replicator", "a pairwise rule for group games (replicator: 2x2 only)")
        if self.is_continuous:
            raise ParameterError("strategies", self.strategies, "named strategies with update = 'replicator'")
        if self.structure != "random_matching":
            raise ParameterError("structure", self.structure, "'random_matching' (well mixed) with replicator dynamics")
        if not self.regime.is_neutral:
            raise ParameterError("regime", self.regime.to_dict(), "neutral values with replicator dynamics "
                                 "(reputations need individual states)")
        if not self.power.is_neutral:
            raise ParameterError("power", self.power.to_dict(), "neutral values with replicator dynamics")
        if self.epistemic.payoff_bias > 0:
            raise ParameterError("epistemic.payoff_bias", self.epistemic.payoff_bias,
                                 "0 with replicator dynamics (selection acts on true payoffs)")

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_dict(cls, values: dict) -> Scenario:
        """A scenario from plain data (e.g. a TOML table); mechanism sections are sub-tables."""
        if not isinstance(values, dict):
            raise ParameterError("scenario", values, "a table of parameters")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ParameterError(unknown[0], values[unknown[0]], "a scenario parameter: " + ", ".join(sorted(names)))
        kw = dict(values)
        if "strategies" in kw and isinstance(kw["strategies"], list):
            kw["strategies"] = tuple(kw["strategies"])
        return cls(**kw)

    def to_dict(self) -> dict:
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.to_dict() if hasattr(v, "to_dict") else (list(v) if isinstance(v, tuple) else v)
        return out

    def with_params(self, params: dict[str, Any] | None = None, **kw) -> Scenario:
        """A copy with some parameters changed; dotted names reach into mechanisms:
        ``sc.with_params({"regime.monitoring": 0.5, "n_states": 80})``."""
        updates = dict(params or {}, **kw)
        top: dict[str, Any] = {}
        nested: dict[str, dict] = {}
        for key, value in updates.items():
            if "." in key:
                sec, sub = key.split(".", 1)
                if sec not in REGISTRY:
                    raise ParameterError(key, value, "a parameter such as regime.monitoring (sections: "
                                         + ", ".join(REGISTRY) + ")")
                nested.setdefault(sec, {})[sub] = value
            else:
                top[key] = value
        data = self.to_dict()
        for sec, vals in nested.items():
            base = dict(top.get(sec, data[sec]))
            unknown = set(vals) - set(base)
            if unknown:
                name = sorted(unknown)[0]
                raise ParameterError(f"{sec}.{name}", vals[name], "one of " + ", ".join(f"{sec}.{k}" for k in base))
            base.update(vals)
            if sec == "iteration":  # continuation and rounds exclude each other: setting one clears the other
                if "rounds" in vals and "continuation" not in vals:
                    base["continuation"] = None
                elif "continuation" in vals and "rounds" not in vals:
                    base["rounds"] = None
            top[sec] = base
        data.update(top)
        return Scenario.from_dict(data)

    def stage_game(self, n_actors: int | None = None):
        """The 2x2 Game or, for group games, the NPlayerGame for ``n_actors``."""
        if not self.is_group_game:
            try:
                return GAMES_2X2[self.game](**self.game_params)
            except TypeError as err:
                raise ParameterError("game_params", self.game_params, f"payoff parameters of {self.game}: {err}") \
                    from None
        a = self.actors
        n = n_actors or a.n_actors
        if a.game == "public_goods":
            if a.hold == "per_capita_return":
                return G.public_goods(n, per_capita_return=a.per_capita_return, **self.game_params)
            return G.public_goods(n, multiplier=a.multiplier, **self.game_params)
        if a.game == "n_person_prisoners_dilemma":
            return G.n_person_prisoners_dilemma(n, **self.game_params)
        if a.game == "collective_risk":
            return G.collective_risk(n, max(1, int(np.ceil(a.threshold_share * n))), a.risk, **self.game_params)
        return G.volunteers_dilemma(n, **self.game_params)

    def build_structure(self, seed=None) -> st.Structure:
        n, k, p = self.n_states, self.actors.n_actors, dict(self.structure_params)
        try:
            if self.structure == "random_matching":
                return st.Groups(n, k, **p) if self.is_group_game else st.WellMixed(n, "random", **p)
            if self.structure == "all_pairs":
                if self.is_group_game:
                    raise ParameterError("structure", "all_pairs", "random_matching or a network for group games")
                return st.WellMixed(n, "all_pairs", **p)
            net_kw = {"group_size": k} if self.is_group_game else {}
            if self.structure == "ring":
                return st.ring(n, **p, **net_kw)
            if self.structure == "lattice":
                side = int(round(np.sqrt(n)))
                if side * side != n:
                    raise ParameterError("n_states", n, "a square number for a lattice")
                return st.lattice(side, **p, **net_kw)
            if self.structure == "small_world":
                return st.small_world(n, seed=p.pop("seed", 0), **p, **net_kw)
            if self.structure == "scale_free":
                return st.scale_free(n, seed=p.pop("seed", 0), **p, **net_kw)
            sizes = p.pop("sizes", None) or [n // 2, n - n // 2]
            if sum(sizes) != n:
                raise ParameterError("structure_params.sizes", sizes, f"bloc sizes adding up to n_states = {n}")
            return st.blocs(sizes, seed=p.pop("seed", 0), **p, **net_kw)
        except TypeError as err:
            raise ParameterError("structure_params", self.structure_params,
                                 f"parameters of the {self.structure} structure: {err}") from None

    def strategy_rules(self) -> np.ndarray:
        """Engine rows for the strategy set: (m, 5) memory-one or (m, 2n+1) group rules."""
        game = self.stage_game()
        if self.is_continuous:
            return np.zeros((1, 5))
        if self.is_group_game:
            q = self.reciprocity.generosity if self.reciprocity.generosity is not None else 1 / 3
            return np.stack([_group_rule(name, self.actors.n_actors, q) for name in self.strategies])
        rows = []
        for name in self.strategies:
            if name == "GTFT":
                q = self.reciprocity.generosity
                if q is None:
                    q = game.gtft_forgiveness() if game.classify() == "prisoners_dilemma" else 1 / 3
                rows.append(S.gtft(q=q).array)
            elif name == "EXTORT":
                rows.append(S.extortionate(game).array)
            else:
                rows.append(S.classic(name).array)
        return np.stack(rows)

    def kernel(self) -> np.ndarray:
        """Probabilities of each strategy in the initial population and for mutants (H1)."""
        m = len(self.strategies)
        share = self.reciprocity.share
        if self.is_continuous:
            if share is not None:
                raise ParameterError("reciprocity.share", share, "None with a continuous strategy space")
            return np.ones(1)
        if share is None:
            return np.full(m, 1.0 / m)
        recip = np.array([any(s.startswith(r) for r in RECIPROCATORS) for s in self.strategies])
        if recip.all() or not recip.any():
            raise ParameterError("reciprocity.share", share,
                                 "None unless the strategy set mixes reciprocators (TFT, GTFT, WSLS, GRIM, CondCoop) "
                                 "and others")
        return np.where(recip, share / recip.sum(), (1 - share) / (~recip).sum())

    def run(self, seed=None) -> ScenarioResult:
        """Simulate the world; same seed, same numbers."""
        from .simulate import simulate, simulate_replicator

        if self.update == "replicator":
            return simulate_replicator(self)
        return simulate(self, seed)


@dataclass(frozen=True)
class ScenarioResult:
    """Tables from one run.

    ``periods``: one row per period (period, cooperation, mean_payoff, inequality,
    share_<strategy> ..., good_standing, advised). ``states``: the final state of every
    state (strategy, capability, member, advised, good_standing, mean payoff over the
    last window). ``summary``: a dict of run outcomes (emerged, emergence_period,
    final_cooperation, window_cooperation, ...).
    """

    scenario: Scenario
    periods: Any
    states: Any
    summary: dict

    @property
    def emerged(self) -> bool:
        return bool(self.summary["emerged"])
