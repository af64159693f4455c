"""H6 — power asymmetry (hegemonic stability).

Milner (1992): cooperation is more likely with a strong, interested hegemon. Model:

* ``hegemon_share``: share of total capability held by the largest state; the others
  share the rest equally. ``None`` (or 1/n_states, or a value rounded from it to within 5e-4) is equality. Capabilities are
  normalised to mean 1.
* Stakes scale with capability (Olson 1965; Snidal 1985): in a public-goods encounter a
  state's contribution is its capability and the pot, multiplied, is shared in proportion
  to capability, so a large state receives a large share of the good it provides (a
  *privileged group*). In 2x2 games each state's payoffs are multiplied by its
  capability and states imitate by payoff *per unit of capability*, so scaling alone
  changes nothing: only the roles below do.
* ``hegemon_role``: ``"none"``; ``"benevolent"`` — the hegemon always cooperates (it
  provides the good whatever others do); ``"coercive"`` — the hegemon fines every
  partner that defects against it ``coercion`` x its capability per round of defection
  (a stronger hegemon enforces harder), at a cost ``coercion_cost`` per round of
  punishing to itself ("forced cooperation"). The hegemon is state 0; it meets the states
  the interaction structure brings it (e.g. under ``all_pairs`` everyone every period).

Neutral: equality and no role. Prediction: a strong interested hegemon -> more
cooperation (Snidal 1985: not always — small states may free-ride on the hegemon).

Phases: ``setup`` sets capabilities; ``roles`` makes a benevolent hegemon play ALLC;
``stakes`` shares a public good in proportion to capability; ``charges`` adds a coercive
hegemon's fines and its cost of punishing. Needs individual states: refuses the
replicator equation.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..._validation import check_choice, check_positive, check_probability
from .base import Mechanism


_ROUNDING = 5e-4  # shares this far below 1/n_states count as 1/n_states (equality)


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

    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",)}

    def __post_init__(self) -> None:
        if self.hegemon_share is not None:
            check_probability("power.hegemon_share", self.hegemon_share)
        check_choice("power.hegemon_role", self.hegemon_role, ("none", "benevolent", "coercive"))
        check_positive("power.coercion", self.coercion, strict=False)
        check_positive("power.coercion_cost", self.coercion_cost, strict=False)

    def capabilities(self, n_states: int):
        """Capabilities normalised to mean 1; state 0 is the hegemon when there is one."""
        import numpy as np

        from ..._validation import ParameterError

        if self.hegemon_share is None:
            return np.ones(n_states)
        h = self.hegemon_share
        if h < 1.0 / n_states - _ROUNDING:
            raise ParameterError("power.hegemon_share", h,
                                 f"at least 1/n_states = {1 / n_states:.4g} (the largest state's share)")
        h = max(h, 1.0 / n_states)  # a share rounded from 1/n (e.g. 0.0333 for 30 states) means equality
        w = np.full(n_states, (1.0 - h) / (n_states - 1))
        w[0] = h
        return w * n_states

    @property
    def is_neutral(self) -> bool:
        return self.hegemon_share is None and self.hegemon_role == "none"

    # ------------------------------------------------------------------ behaviour
    def setup(self, world, ns) -> None:
        world.capability = self.capabilities(world.n)
        ns.hegemon = 0 if self.is_active else -1

    def roles(self, world, ns, sides) -> None:
        if self.hegemon_role == "benevolent":
            sides.override(sides.enc == ns.hegemon, "ALLC")

    def stakes(self, world, ns, play) -> None:
        game = world.game
        if world.is_group and self.hegemon_share is not None and game.name == "public_goods":
            # a privileged group: contributions scale with capability, the pot is shared by it
            c, r = game.parameters["cost"], game.parameters["multiplier"]
            w = world.capability[play.enc]
            contrib = c * w * play.coop
            play.stake = r * contrib.sum(1, keepdims=True) * w / w.sum(1, keepdims=True) - contrib

    def charges(self, world, ns, play) -> None:
        if self.hegemon_role != "coercive":
            return
        h = ns.hegemon
        has_h = play.enc == h
        fined = (~has_h) & has_h.any(1)[:, None]
        play.charges += self.coercion * world.capability[h] * play.defect * fined  # enforcement scales with capability
        play.charges += has_h * (self.coercion_cost * (play.defect * fined).sum(1, keepdims=True))

    def attribute(self, world, ns, play) -> None:
        """Cooperation of states meeting a coercive hegemon (under its threat) is *forced*."""
        if self.hegemon_role == "coercive":
            has_h = play.enc == ns.hegemon
            play.attribute((~has_h) & has_h.any(1)[:, None], "forced")
