"""Beyond Milner — relative gains.

Grieco (1988, IO 42:485-507, pp. 499-500): states are "defensive positionalists"; a
state's utility weighs the gap between its gains and its partner's, U = V - k (W - V),
with k > 0 its sensitivity to gaps. Powell (1991, APSR 85:1303-1320): that concern is
not fixed but grows with the utility of force — when force is not at issue, relative
gains do not matter. Snidal (1991, APSR 85:701-726):
relative-gains concerns weaken as the number of actors grows.

Model. Per round of an encounter, what counts for state i (its ``stake``, which revision
compares) becomes

    u_i = pi_i - k_i (pibar_-i - pi_i),

where pi_i is its (capability-scaled) payoff per round and pibar_-i the mean of its
co-players' (its partner's in 2x2 games; the mean of the others in group games). The
coefficient: k = ``weight`` or, when ``force`` (the utility of force, in [0, 1]) is
given, Powell's reduced form k = ``weight`` x ``force`` (linear: no concern when force is
useless, ``weight`` when it is decisive). With ``spread`` > 0 each state draws
k_i = k (1 + spread U), U uniform on [-1, 1], once (stream 4). The recorded payoffs
(``mean_payoff``) are these utilities.

Neutral: k = 0 (``weight`` 0 or ``force`` 0). Prediction (Grieco): a larger weight ->
less cooperation; Snidal: the effect shrinks with more actors — the experiment crosses
``weight`` with ``actors.n_actors`` to measure it. Needs individual states (refuses the
replicator equation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import check_positive, check_probability
from .base import Mechanism


@dataclass(frozen=True)
class RelativeGains(Mechanism):
    HYPOTHESIS = "B2"
    NAME = "relative_gains"
    PREDICTION = "stronger concern for relative gains -> less cooperation (weaker with more actors: Snidal)"
    PARAMETER = "relative_gains.weight"
    DIRECTION = -1
    SOURCES = ("Grieco (1988) IO 42:485-507", "Powell (1991) APSR 85:1303-1320", "Snidal (1991) APSR 85:701-726")

    weight: float = 0.0
    force: float | None = None
    spread: float = 0.0

    STREAM = 4
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",)}

    def __post_init__(self) -> None:
        check_positive("relative_gains.weight", self.weight, strict=False)
        if self.force is not None:
            check_probability("relative_gains.force", self.force)
        check_probability("relative_gains.spread", self.spread)

    @property
    def coefficient(self) -> float:
        """k: ``weight``, or ``weight * force`` when the utility of force is given (Powell)."""
        return float(self.weight if self.force is None else self.weight * self.force)

    @property
    def is_neutral(self) -> bool:
        return self.coefficient == 0.0

    def lockstep(self, scenario) -> bool:
        return True

    # ------------------------------------------------------------------ behaviour
    def setup(self, world, ns) -> None:
        k = self.coefficient
        ns.k = np.full(world.n, k)
        if self.is_active and self.spread > 0:
            ns.k = k * (1.0 + self.spread * world.stream(self).uniform(-1.0, 1.0, world.n))

    def stakes(self, world, ns, play) -> None:
        s = play.stake
        others = (s.sum(axis=1, keepdims=True) - s) / (s.shape[1] - 1)
        play.stake = s - ns.k[play.enc] * (others - s)

    def state_columns(self, world, ns) -> dict:
        return {"relative_gains_k": ns.k}
