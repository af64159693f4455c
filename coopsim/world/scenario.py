"""A whole simulated international system: one validated object, ``run(seed)`` -> tables.

``Scenario`` is the configuration: the population (``n_states``, ``strategies``), the
stage game, the interaction structure, the update rule, the engine, the outcome window,
and one section per mechanism (Milner's six hypotheses, plus any mechanism registered
from outside the package). Every name is looked up in a registry — strategies
(``coopsim.strategies.registry``), games (:mod:`coopsim.world.games`), structures
(:mod:`coopsim.world.structure`), update rules (:mod:`coopsim.world.updates`) and
mechanisms (:mod:`coopsim.world.mechanisms`) — and every mechanism checks that it can act
under the chosen setting, so nothing is silently ignored.

``run(seed)`` hands the scenario to the world loop (:mod:`coopsim.world.loop`: encounters,
rules, play, payoffs, observation, revision, mutation) or, for an infinite population, to
the update rule's own dynamics (the replicator equation). Outcomes: a per-period table, the
final states and a summary (:mod:`coopsim.world.outcomes`); a run shows *emergent
cooperation* when the mean cooperation rate over the last ``window`` periods reaches
``threshold``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._resources import check_run
from .._validation import ParameterError, check_choice, check_int, check_probability, check_real
from . import games as game_registry
from . import structure as st
from . import updates
from .mechanisms import (BUILTIN, REGISTRY, Actors, Bargaining, Domestic, Epistemic, Iteration, Linkage, Power,
                         Reciprocity, Regime, RelativeGains)
from .outcomes import ScenarioResult
from .population import CONTINUOUS_SPACES, Population, build_population

__all__ = ["Scenario", "ScenarioResult", "GAMES_2X2", "STRUCTURES", "PAIR_STRATEGIES", "GROUP_STRATEGIES",
           "CONTINUOUS_SPACES", "UPDATES", "scenario_keys"]

# names registered by the package itself (each registry takes more at run time)
GAMES_2X2 = {name: game_registry.get(name).build for name in game_registry.names("pair")}
STRUCTURES = tuple(st.REGISTRY)
PAIR_STRATEGIES = ("ALLC", "ALLD", "TFT", "STFT", "GTFT", "WSLS", "GRIM", "RANDOM", "EXTORT")
GROUP_STRATEGIES = ("ALLC", "ALLD", "TFT", "GTFT", "WSLS", "CondCoop50", "RANDOM")
UPDATES = updates.names()


@dataclass(frozen=True)
class Scenario:
    """A simulated international system; all parameters validated at construction.

    ``strategies``: registered names (``coopsim.strategies.registry``), strategy objects
    (any MemoryOne in 2x2 games, any GroupStrategy in group games), or one continuous
    space (``"memory_one"``, ``"reactive"``). ``extensions``: sections of mechanisms
    registered from outside the package (``{"name": {...}}``; in ``from_dict`` and
    ``with_params`` they are top-level sections like the six built-in ones).

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
    domestic: Domestic = field(default_factory=Domestic)
    linkage: Linkage = field(default_factory=Linkage)
    relative_gains: RelativeGains = field(default_factory=RelativeGains)
    bargaining: Bargaining = field(default_factory=Bargaining)
    extensions: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        n = check_int("n_states", self.n_states, minimum=2)
        check_int("periods", self.periods, minimum=1)
        for name in BUILTIN:
            object.__setattr__(self, name, _mechanism(name, getattr(self, name)))
        if not isinstance(self.extensions, dict):
            raise ParameterError("extensions", self.extensions, "a table of mechanism sections")
        ext = {}
        for name, value in self.extensions.items():
            if name in BUILTIN or name not in REGISTRY:
                extra = sorted(set(REGISTRY) - set(BUILTIN))
                raise ParameterError(name, value, "a mechanism registered from outside the package"
                                     + (f" ({', '.join(extra)})" if extra else " (none is registered)"))
            ext[name] = _mechanism(name, value)
        object.__setattr__(self, "extensions", ext)
        check_choice("game", self.game, game_registry.names("pair") + ("group",) + game_registry.names("group"))
        if self.game != "group" and game_registry.get(self.game).kind == "group":
            # shorthand: game = "public_goods" means a group game of that kind
            object.__setattr__(self, "actors", dataclasses.replace(self.actors, game=self.game))
            object.__setattr__(self, "game", "group")
        if not isinstance(self.game_params, dict):
            raise ParameterError("game_params", self.game_params, "a table of payoff parameters")
        self._check_strategies()
        check_choice("structure", self.structure, tuple(st.REGISTRY))
        if not isinstance(self.structure_params, dict):
            raise ParameterError("structure_params", self.structure_params, "a table of structure parameters")
        check_choice("update", self.update, updates.names())
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
        self.power.capability_vector(n)  # validates shares, k and a capability vector's length
        self.update_rule().check(self)
        for mech in self.mechanisms():
            mech.check(self)
        check_run(self)  # memory and time of a run within the limits (before building anything large)
        self.build_structure()  # validates structure parameters
        self.stage_game()  # validates payoffs
        if self.population().machines is not None and self.update_rule().POPULATION == "finite":
            from .loop import check_machines

            check_machines(self)  # finite-state machines take no rule transformation

    def _check_strategies(self) -> None:
        strategies = (self.strategies,) if isinstance(self.strategies, str) else tuple(self.strategies)
        object.__setattr__(self, "strategies", strategies)
        from ..strategies import registry

        kind = "group" if self.is_group_game else "pair"
        allowed = registry.names(kind) + (() if self.is_group_game else CONTINUOUS_SPACES)
        if not strategies:
            raise ParameterError("strategies", self.strategies, "at least one of " + ", ".join(allowed))
        if any(isinstance(s, str) and s in CONTINUOUS_SPACES for s in strategies) and (
                len(strategies) > 1 or self.is_group_game):
            raise ParameterError("strategies", strategies,
                                 "a continuous space ('memory_one' or 'reactive') alone, in a 2x2 game")
        for s in strategies:
            if isinstance(s, str) and s not in allowed:
                raise ParameterError("strategies", s, "one of " + ", ".join(allowed)
                                     + " (or a strategy object)")
        labels = [s if isinstance(s, str) else getattr(s, "name", None) or repr(s) for s in strategies]
        if len(set(labels)) != len(labels):
            raise ParameterError("strategies", strategies, "strategies without repetition (names must differ)")

    @property
    def is_group_game(self) -> bool:
        return self.game == "group"

    @property
    def is_continuous(self) -> bool:
        """True when strategies are drawn from a continuous space (each state its own vector)."""
        return isinstance(self.strategies[0], str) and self.strategies[0] in CONTINUOUS_SPACES

    # ------------------------------------------------------------------ registries
    def mechanisms(self) -> list:
        """Every registered mechanism's section, in registry order (the loop's order)."""
        return [self.mechanism(name) for name in REGISTRY]

    def mechanism(self, name: str):
        """The section of mechanism ``name`` (neutral if an outside mechanism is not set)."""
        if name in BUILTIN:
            return getattr(self, name)
        if name not in REGISTRY:
            raise ParameterError("mechanism", name, "one of " + ", ".join(REGISTRY))
        return self.extensions.get(name) or REGISTRY[name].neutral()

    def update_rule(self) -> updates.UpdateRule:
        return updates.get(self.update)

    def population(self) -> Population:
        """The strategy set as the engines play it, with its kernel (H1)."""
        return build_population(self)

    def stage_game(self, n_actors: int | None = None):
        """The 2x2 Game or, for group games, the NPlayerGame for ``n_actors``."""
        try:
            if self.is_group_game:
                return self.actors.stage_game(self.game_params, n_actors)
            return game_registry.get(self.game, "pair").build(**self.game_params)
        except TypeError as err:
            raise ParameterError("game_params", self.game_params, f"payoff parameters of {self.game}: {err}") \
                from None
        except ParameterError as err:  # name the key of game_params, or the payoffs that gave a bad value
            if isinstance(err.name, str) and err.name in self.game_params:
                raise ParameterError(f"game_params.{err.name}", err.value, err.allowed) from None
            if err.name == "game_params" or not isinstance(err.name, str):
                raise
            raise ParameterError("game_params", self.game_params,
                                 f"payoffs giving {err.name}={err.value!r}, which is not allowed: {err.allowed}") \
                from None

    def build_structure(self, seed=None) -> st.Structure:
        """The interaction structure (built once per scenario and cached)."""
        cached = self.__dict__.get("_structure")
        if cached is None:
            cached = st.build(self.structure, self.n_states, self.structure_params, self.actors.n_actors,
                              self.is_group_game)
            object.__setattr__(self, "_structure", cached)
        return cached

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_structure", None)  # rebuilt on demand: keeps pickles for workers small
        return state

    # ------------------------------------------------------------------ 0.1 helpers
    def strategy_rules(self) -> np.ndarray:
        """Engine rows for the strategy set: (m, 5) memory-one or (m, 2n+1) group rules."""
        return self.population().rules

    def kernel(self) -> np.ndarray:
        """Probabilities of each strategy in the initial population and for mutants (H1)."""
        return self.population().kernel

    def trait_labels(self) -> list[str]:
        """Per-period columns describing the population (strategy shares or mean vector)."""
        return self.population().trait_labels

    def draw_strategies(self, rng, size: int) -> np.ndarray:
        """Random strategies from the continuous space (uniform, as in Nowak & Sigmund 1993)."""
        return self.population().draw(rng, size)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_dict(cls, values: dict) -> Scenario:
        """A scenario from plain data (e.g. a TOML table); mechanism sections are sub-tables."""
        if not isinstance(values, dict):
            raise ParameterError("scenario", values, "a table of parameters")
        names = {f.name for f in dataclasses.fields(cls)} - {"extensions"}
        outside = set(REGISTRY) - set(BUILTIN)
        unknown = sorted(set(values) - names - outside)
        if unknown:
            raise ParameterError(unknown[0], values[unknown[0]],
                                 "a scenario parameter: " + ", ".join(sorted(names | outside)))
        kw = {k: v for k, v in values.items() if k not in outside}
        ext = {k: v for k, v in values.items() if k in outside}
        if ext:
            kw["extensions"] = ext
        if "strategies" in kw and isinstance(kw["strategies"], list):
            kw["strategies"] = tuple(kw["strategies"])
        return cls(**kw)

    def to_dict(self) -> dict:
        """Plain data (mechanism sections as tables); ``from_dict(to_dict())`` round-trips."""
        out = {}
        for f in dataclasses.fields(self):
            if f.name == "extensions":
                continue
            v = getattr(self, f.name)
            out[f.name] = v.to_dict() if hasattr(v, "to_dict") else (list(v) if isinstance(v, tuple) else v)
        for name, mech in self.extensions.items():
            out[name] = mech.to_dict()
        return out

    def with_params(self, params: dict[str, Any] | None = None, **kw) -> Scenario:
        """A copy with some parameters changed; dotted names reach into mechanisms:
        ``sc.with_params({"regime.monitoring": 0.5, "n_states": 80})``."""
        updates_ = dict(params or {}, **kw)
        top: dict[str, Any] = {}
        nested: dict[str, dict] = {}
        for key, value in updates_.items():
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
            base = dict(top.get(sec, data.get(sec) or self.mechanism(sec).to_dict()))
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

    def run(self, seed=None) -> ScenarioResult:
        """Simulate the world; same seed, same numbers."""
        rule = self.update_rule()
        if rule.POPULATION != "finite":
            return rule.simulate(self, seed)
        from .loop import simulate

        return simulate(self, seed)

    def run_batch(self, seeds) -> list[ScenarioResult]:
        """One run per seed, in lockstep when the scenario allows it
        (:mod:`coopsim.world.batch`), else one by one; ``run_batch(seeds)[i]`` equals
        ``run(seeds[i])`` value for value.

        >>> sc = Scenario(n_states=10, periods=20, window=5)
        >>> [r.summary["window_cooperation"] for r in sc.run_batch([1, 2])] == [
        ...     sc.run(seed=1).summary["window_cooperation"], sc.run(seed=2).summary["window_cooperation"]]
        True
        """
        from .batch import supports_lockstep

        seeds = list(seeds)
        if len(seeds) > 1 and supports_lockstep(self):
            from .loop import simulate_runs

            return simulate_runs(self, seeds)
        return [self.run(seed=s) for s in seeds]


def scenario_keys() -> list[str]:
    """The top-level keys of a scenario table (TOML ``[scenario]``): its fields, then the
    sections of mechanisms registered from outside the package."""
    keys = [f.name for f in dataclasses.fields(Scenario) if f.name != "extensions"]
    return keys + [name for name in REGISTRY if name not in BUILTIN]


def _mechanism(name: str, value):
    cls = REGISTRY[name]
    if isinstance(value, dict):
        value = cls.from_dict(value, prefix=name)
    if not isinstance(value, cls):
        raise ParameterError(name, value, f"a {cls.__name__} or a table of its parameters")
    return value
