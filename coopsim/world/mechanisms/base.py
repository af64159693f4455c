"""What every mechanism declares, and the hooks through which it acts on the world.

A mechanism is one module: a frozen dataclass of parameters, validated on construction,
that also carries its behaviour. Declarations:

* ``HYPOTHESIS`` (``"H1"`` ... ``"H6"``, or a label of one's own) and ``NAME`` (its
  section in a scenario and in experiment files);
* ``PREDICTION`` — the direction the literature predicts, stated, never imposed;
* ``PARAMETER`` and ``DIRECTION`` — the parameter an experiment varies to test it and the
  predicted sign (+1: larger values raise cooperation);
* ``SOURCES`` — references;
* ``neutral()`` / ``is_neutral`` — the parameters at which it is off. An off mechanism is
  never called and draws nothing, so runs are bit-identical to runs without it;
* ``STREAM`` — the index of its own random stream (a child of the run's seed sequence;
  0 is the core stream of matching, play and revision; each mechanism that draws random
  numbers has its own index, unique in the registry);
* ``PERIOD_COLUMNS`` — the per-period columns it records (always, also when neutral);
  ``setup``, ``record`` and ``state_columns`` are called for every mechanism (they must
  draw nothing when it is neutral), the other hooks only for active ones;
* ``SETTINGS`` — where it can act: update rules, populations (``"finite"`` states or the
  ``"infinite"`` population of the replicator equation), game kinds (``"pair"``,
  ``"group"``), engines, continuous strategy spaces (True/False). An active mechanism under a setting it does not
  support refuses it (:meth:`check`); nothing is silently ignored.

Hooks, called by the world loop (``coopsim.world.loop``) in this order each period, with
``world`` the explicit world state and ``ns`` the mechanism's own namespace in it:

``setup(world, ns)`` once; then per period ``roles`` → ``withhold`` → ``perceive`` (each
side's rule in its encounter: :class:`~coopsim.world.period.Sides`), play, ``settle``, ``stakes`` →
``charges`` → ``attribute`` (payoffs per round and forms of cooperation:
:class:`~coopsim.world.period.Play`), ``record(world, ns, t)``, ``observe`` (information spreads), ``perceived_payoffs`` (what states see of each
other's payoffs when they imitate), revision, ``adapt`` (traits the mechanism owns),
mutation; ``state_columns`` at the end.
"""
from __future__ import annotations

import dataclasses
from typing import ClassVar


@dataclasses.dataclass(frozen=True)
class Mechanism:
    HYPOTHESIS: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    PREDICTION: ClassVar[str] = ""
    PARAMETER: ClassVar[str] = ""
    DIRECTION: ClassVar[int] = +1
    SOURCES: ClassVar[tuple[str, ...]] = ()
    STREAM: ClassVar[int | None] = None
    PERIOD_COLUMNS: ClassVar[tuple[str, ...]] = ()
    #: where an active mechanism can act; None means every value
    SETTINGS: ClassVar[dict[str, tuple | None]] = {"update": None, "population": None, "game_kind": None,
                                                   "engine": None, "continuous": None}

    @classmethod
    def neutral(cls):
        return cls()

    @property
    def is_neutral(self) -> bool:
        return self == type(self).neutral()

    @property
    def is_active(self) -> bool:
        """True when the world loop must call this mechanism's hooks."""
        return not self.is_neutral

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict | None, prefix: str = ""):
        from ..._validation import ParameterError

        values = dict(values or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ParameterError(f"{prefix or cls.NAME}.{unknown[0]}", values[unknown[0]],
                                 "one of the parameters " + ", ".join(sorted(names)))
        return cls(**values)

    def lockstep(self, scenario) -> bool:
        """True when this mechanism can act in a world of several runs in lockstep
        (:mod:`coopsim.world.batch`): it draws only evenly split arrays (or
        ``random_where``/``per_run``), records per run (``world.run_mean``) and never mixes
        states of different runs. False by default: a mechanism from outside the package
        runs its scenarios one run at a time unless it says so."""
        return False

    # ------------------------------------------------------------------ settings
    def check(self, scenario) -> None:
        """Refuse, with a clear error, a scenario setting this mechanism cannot act under.

        The default compares :attr:`SETTINGS` with the scenario's update rule, its
        population (``"finite"``, or ``"infinite"`` for the replicator equation), game kind
        (pair or group), engine and strategy space; a mechanism refines it by overriding
        (calling ``super().check(scenario)``)."""
        if not self.is_active:
            return
        rule = scenario.update_rule()
        setting = {"update": (scenario.update, "update"),
                   "population": (rule.POPULATION, "update"),
                   "game_kind": ("group" if scenario.is_group_game else "pair", "game"),
                   "engine": (scenario.engine, "engine"),
                   "continuous": (scenario.is_continuous, "strategies")}
        for key, (value, field) in setting.items():
            allowed = self.SETTINGS.get(key)
            if allowed is not None and value not in allowed:
                shown = {"population": f"{scenario.update!r} (an {value} population)",
                         "game_kind": f"{scenario.game if not scenario.is_group_game else scenario.actors.game!r} "
                                      f"(a {value} game)",
                         "continuous": f"{scenario.strategies!r}"}.get(key, repr(value))
                words = {"population": "a rule with a finite population of individual states",
                         "game_kind": " or ".join(f"{a} games" for a in allowed),
                         "continuous": "named strategies" if allowed == (False,) else "a continuous space",
                         }.get(key, " or ".join(repr(a) for a in allowed))
                self.refuse(f"{field} = {shown}", words)

    def refuse(self, setting: str, allowed: str) -> None:
        """Raise the error of an unsupported setting, naming the mechanism and the setting."""
        from ..._validation import ParameterError

        raise ParameterError(self.NAME, self.to_dict(),
                             f"neutral values with {setting}: {self.NAME} acts only with {allowed}; "
                             f"set {self.NAME} to its neutral values or change the setting")

    # ------------------------------------------------------------------ hooks (no-ops by default)
    def setup(self, world, ns) -> None:
        """Once per run, before the first period: draw initial attributes."""

    def roles(self, world, ns, sides) -> None:
        """Roles that fix a side's rule in an encounter (e.g. a hegemon that always cooperates)."""

    def withhold(self, world, ns, sides) -> None:
        """Sides that withhold cooperation from a partner (e.g. reputation-based)."""

    def perceive(self, world, ns, sides) -> None:
        """Sides that play their rule through perception errors."""

    def settle(self, world, ns, play) -> None:
        """After play, before stakes: replace part of the encounters' outcomes (e.g. rounds
        lost to delay before an agreement, ``play.delay(share)``; a play of its own,
        ``play.replay(coop, base, per)``)."""

    def stakes(self, world, ns, play) -> None:
        """Change what an encounter is worth to each side (``play.stake``, per round)."""

    def charges(self, world, ns, play) -> None:
        """Add fines, dues or transfers to ``play.charges`` (per round); update standings."""

    def attribute(self, world, ns, play) -> None:
        """Attribute cooperation to a form: ``play.attribute(mask, "institutional")`` etc."""

    def record(self, world, ns, t: int) -> None:
        """Write this mechanism's period columns for period ``t`` (``world.records``)."""

    def observe(self, world, ns, play) -> None:
        """Information that spreads after the period's play (advice, reputation)."""

    def perceived_payoffs(self, world, ns, play):
        """A function ``adjust(observers, targets, values) -> values`` changing how each
        observer sees a target's payoff when it imitates, or None."""
        return None

    def adapt(self, world, ns, payoffs) -> None:
        """After strategy revision: states revise traits this mechanism owns (e.g. whether
        to be a regime member), comparing ``payoffs`` (a :class:`~coopsim.world.period.Payoffs`);
        ``world.source[i]`` is the state whose strategy ``i`` copied in this revision."""

    def state_columns(self, world, ns) -> dict:
        """Columns of the final ``states`` table that this mechanism owns."""
        return {}
