"""H6 — power asymmetry (hegemonic stability, and Snidal's k-groups).

Milner (1992): cooperation is more likely with a strong, interested hegemon. Model:

* **Capabilities** (``distribution``, see :mod:`.capabilities`; normalised to mean 1):
  ``"hegemon"`` — state 0 holds ``hegemon_share`` (None: equality); ``"k_major"`` — ``k``
  major powers hold ``major_share`` together; ``"pareto"`` / ``"zipf"`` — quantiles of a
  Pareto law with tail index ``shape`` / a rank-size law with exponent ``shape``;
  ``"vector"`` — the user's ``capabilities``. Deterministic given n_states.
* **Stakes** scale with capability (Olson 1965, ch. 1; Snidal 1985): in a
  public goods encounter a state contributes its capability and the pot is shared in
  proportion to capability (a *privileged group*). In 2x2 games payoffs are multiplied by
  capability and states compare payoffs per unit of capability, so scaling alone changes
  nothing there: only the roles below do.
* **The hegemon(s)**: the largest state — under ``"k_major"`` each of the k major powers
  (a k-group, Snidal 1985); under equality state 0.
* ``hegemon_role``: ``"none"``; ``"benevolent"`` — the hegemon always cooperates (its own
  rule is ALLC: it provides the good whatever others do); ``"coercive"`` — the hegemon
  plays its own (evolving) strategy and fines every co-player in its encounters
  ``coercion`` per round of defection ("forced cooperation"). Enforcement is costly and
  bounded: each period a hegemon can impose fines up to ``budget`` x its capability (in
  payoff units, summed over its encounters; None: unbounded); when the fines it would
  impose exceed that, every fine is scaled down in proportion (rationing, no random
  order). It pays ``coercion_cost`` per unit of fine it imposes.
* ``deference``: in each encounter with a hegemon, each other state cooperates for the
  whole encounter with this probability, whatever its rule (it treats the hegemon
  differently; drawn from the mechanism's stream).

Neutral: equal capabilities, no role, no deference. Prediction: a strong interested
hegemon -> more cooperation (Snidal 1985: not always — small states may free-ride, and a
k-group can do what a hegemon does). Needs individual states: refuses the replicator
equation; ``coercion``, ``coercion_cost`` and ``budget`` act only with a coercive
hegemon; ``deference`` needs a hegemon (unequal capabilities or a role).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import ParameterError, check_choice, check_int, check_positive, check_probability
from . import capabilities as caps
from .base import Mechanism
from .public_good import public_good_stake

_ROUNDING = caps.ROUNDING  # shares this far below 1/n_states count as 1/n_states (equality)
DISTRIBUTIONS = ("hegemon", "k_major", "pareto", "zipf", "vector")


@dataclass(frozen=True)
class Power(Mechanism):
    HYPOTHESIS = "H6"
    NAME = "power"
    PREDICTION = "a strong, interested hegemon -> more cooperation"
    PARAMETER = "power.hegemon_share"
    DIRECTION = +1
    SOURCES = ("Kindleberger (1973) The World in Depression", "Keohane (1984) After Hegemony",
               "Snidal (1985) IO 39:579-614", "Olson (1965) The Logic of Collective Action")

    hegemon_share: float | None = None
    hegemon_role: str = "none"
    coercion: float = 1.0
    coercion_cost: float = 0.2
    budget: float | None = 1.0
    deference: float = 0.0
    distribution: str = "hegemon"
    k: int = 1
    major_share: float | None = None
    shape: float | None = None
    capabilities: tuple | None = None

    STREAM = 6
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",)}

    def __post_init__(self) -> None:
        if self.hegemon_share is not None:
            check_probability("power.hegemon_share", self.hegemon_share)
        check_choice("power.hegemon_role", self.hegemon_role, ("none", "benevolent", "coercive"))
        check_positive("power.coercion", self.coercion, strict=False)
        check_positive("power.coercion_cost", self.coercion_cost, strict=False)
        if self.budget is not None:
            check_positive("power.budget", self.budget, strict=False)
        check_probability("power.deference", self.deference)
        check_choice("power.distribution", self.distribution, DISTRIBUTIONS)
        check_int("power.k", self.k, minimum=1)
        if self.major_share is not None:
            check_probability("power.major_share", self.major_share)
        d = self.distribution
        if d in ("pareto", "zipf"):
            if self.shape is None:
                raise ParameterError("power.shape", None, f"a number > 0 with distribution = {d!r} "
                                     + ("(Pareto tail index)" if d == "pareto" else "(Zipf exponent; 0: equality)"))
            check_positive("power.shape", self.shape, strict=d == "pareto")
        if d == "vector":
            if self.capabilities is None or isinstance(self.capabilities, (str, bytes)):
                raise ParameterError("power.capabilities", self.capabilities,
                                     "a list of positive numbers, one per state, with distribution = 'vector'")
            values = tuple(float(v) for v in self.capabilities)
            if len(values) < 2 or not all(np.isfinite(v) and v > 0 for v in values):
                raise ParameterError("power.capabilities", list(self.capabilities), "a list of positive numbers")
            object.__setattr__(self, "capabilities", values)
        # parameters of one distribution are refused under another (never silently ignored)
        own = {"hegemon": ("hegemon_share",), "k_major": ("k", "major_share"), "pareto": ("shape",),
               "zipf": ("shape",), "vector": ("capabilities",)}[d]
        defaults = {"hegemon_share": None, "k": 1, "major_share": None, "shape": None, "capabilities": None}
        for name, default in defaults.items():
            if name not in own and getattr(self, name) != default:
                users = [k for k, v in {"hegemon": ("hegemon_share",), "k_major": ("k", "major_share"),
                                        "pareto": ("shape",), "zipf": ("shape",),
                                        "vector": ("capabilities",)}.items() if name in v]
                raise ParameterError(f"power.{name}", getattr(self, name),
                                     f"its default with distribution = {d!r} (it sets the distribution "
                                     + " or ".join(repr(u) for u in users) + ")")

    def capability_vector(self, n_states: int) -> np.ndarray:
        """Capabilities normalised to mean 1 (state 0 is the largest, except for ``"vector"``)."""
        d = self.distribution
        if d == "hegemon":
            return caps.hegemon(n_states, self.hegemon_share)
        if d == "k_major":
            return caps.k_major(n_states, self.k, self.major_share)
        if d == "pareto":
            return caps.pareto(n_states, self.shape)
        if d == "zipf":
            return caps.zipf(n_states, self.shape)
        return caps.vector(n_states, self.capabilities)

    def hegemons(self, capability: np.ndarray) -> np.ndarray:
        """Indices of the states holding the role: the k major powers, else the largest state."""
        if self.distribution == "k_major":
            return np.arange(self.k)
        return np.array([int(np.argmax(capability))])

    @property
    def is_neutral(self) -> bool:
        equal = {"hegemon": self.hegemon_share is None, "k_major": self.major_share is None,
                 "zipf": self.shape == 0, "pareto": False, "vector": False}[self.distribution]
        return equal and self.hegemon_role == "none" and self.deference == 0

    def check(self, scenario) -> None:
        cap = self.capability_vector(scenario.n_states)  # validates shares, k and the vector's length
        super().check(scenario)
        if not self.is_active:
            return
        if self.hegemon_role != "coercive":
            for name, default in (("coercion", 1.0), ("coercion_cost", 0.2), ("budget", 1.0)):
                if getattr(self, name) != default:
                    raise ParameterError(f"power.{name}", getattr(self, name),
                                         f"its default {default} with hegemon_role = {self.hegemon_role!r}: "
                                         "it acts only with a coercive hegemon")
        if self.deference > 0 and self.hegemon_role == "none" and np.ptp(cap) < 1e-12:
            raise ParameterError("power.deference", self.deference,
                                 "0 with equal capabilities and hegemon_role = 'none' (there is no hegemon "
                                 "to defer to)")

    # ------------------------------------------------------------------ behaviour
    def lockstep(self, scenario) -> bool:
        return True

    #: may differ between the runs of a batch (coopsim.world.points)
    PER_RUN = ("hegemon_share",)

    def setup(self, world, ns) -> None:
        # quantiles, not draws: the same in every run unless the hegemon's share differs
        if "hegemon_share" in world.varying.get(self.NAME, ()):
            runs = [s.mechanism(self.NAME).capability_vector(world.n_states) for s in world.scenarios]
        else:
            runs = [self.capability_vector(world.n_states)] * world.runs
        world.capability = np.concatenate(runs)
        ns.hegemon = np.zeros(world.n, dtype=bool)
        if world.is_active(self):
            ns.hegemon[np.concatenate([self.hegemons(one) + world.n_states * r for r, one in enumerate(runs)])] = True
        ns.equal_runs = np.array([np.ptp(one) < 1e-12 for one in runs])  # equal capabilities, run by run
        ns.equal = bool(ns.equal_runs.all())

    def roles(self, world, ns, sides) -> None:
        if self.hegemon_role != "benevolent" and not self.deference > 0:
            return  # nothing to override (a coercive hegemon plays its own strategy)
        is_h = ns.hegemon[sides.enc]
        if self.hegemon_role == "benevolent":
            sides.override(is_h, "ALLC")
        if self.deference > 0:
            meets = is_h.any(1, keepdims=True) & ~is_h
            defer = meets & (world.stream(self).random(is_h.shape) < self.deference)
            sides.override(defer, "ALLC")

    def stakes(self, world, ns, play) -> None:
        if world.is_group and not ns.equal and world.game.name == "public_goods":
            # a privileged group: contributions scale with capability, the pot is shared by it
            # (in the runs whose capabilities differ, as each run alone)
            stake = public_good_stake(world, play)
            unequal = ~ns.equal_runs
            play.stake = stake if unequal.all() else np.where(world.by_encounter(unequal, play.E)[:, None], stake,
                                                              play.stake)

    def charges(self, world, ns, play) -> None:
        if self.hegemon_role != "coercive":
            return
        if getattr(ns, "enc", None) is not play.enc:  # a fixed network's encounters: once per run
            is_h = ns.hegemon[play.enc]
            met = is_h[:, 0] | is_h[:, 1] if is_h.shape[1] == 2 else is_h.any(1)
            ns.enc, ns.rows = play.enc, np.flatnonzero(met)  # the encounters a hegemon is in
            ns.sub_enc, ns.is_h = play.enc[ns.rows], is_h[ns.rows]
            ns.not_h, ns.enc_h = ~ns.is_h, ns.sub_enc[ns.is_h]
        if ns.rows.size == 0:
            return
        rows, is_h = ns.rows, ns.is_h
        fined = (1.0 - play.coop[rows]) * ns.not_h  # rounds of defection (play.defect) by the hegemons' co-players
        demand = self.coercion * _side_sum(fined) * is_h  # fines each hegemon side would impose
        if self.budget is not None:
            wanted = np.bincount(ns.enc_h, demand[is_h], minlength=world.n)
            cap = self.budget * world.capability
            factor = np.divide(cap, wanted, out=np.ones(world.n), where=wanted > cap)[ns.sub_enc]
        else:
            factor = np.ones(ns.sub_enc.shape)
        scale = _side_sum(factor * is_h)  # sum of the rationing of the hegemons present
        play.charge_rows(rows, self.coercion * fined * scale)
        play.charge_rows(rows, self.coercion_cost * demand * factor)

    def attribute(self, world, ns, play) -> None:
        """Cooperation of states meeting a coercive hegemon (under its threat) is *forced*."""
        if self.hegemon_role == "coercive":
            if getattr(ns, "forced_enc", None) is not play.enc:  # fixed encounters: once per run
                is_h = ns.hegemon[play.enc]
                met = is_h[:, :1] | is_h[:, 1:2] if is_h.shape[1] == 2 else is_h.any(1)[:, None]
                ns.forced_enc, ns.forced = play.enc, ~is_h & met
                ns.forced.flags.writeable = False  # the same every period: the world may keep what it derives
            play.attribute(ns.forced, "forced")


def _side_sum(x: np.ndarray) -> np.ndarray:
    """(E, 1) sum over each encounter's sides; for pairs one addition (the same number as
    ``x.sum(1, keepdims=True)``, without a reduction per row)."""
    return x[:, :1] + x[:, 1:2] if x.shape[1] == 2 else x.sum(1, keepdims=True)
