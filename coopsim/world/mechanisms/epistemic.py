"""H5 — epistemic communities.

Milner (1992), after Haas (1992): professional experts who share an understanding of a
problem and develop common ways to solve it. Haas gives no formal model; coopsim's
operationalisation is a design choice:

* ``reach``: share of states advised by the community (they perceive moves correctly);
* ``misperception``: probability that an *unadvised* state misreads each move of its
  co-players (perception noise; cf. target T5: noise destroys TFT's cooperation);
* ``payoff_bias``: how far unadvised states misread the stakes, in payoff units: they
  see the temptation as T + bias and the sucker's payoff as S - bias (in group games,
  cooperation as costing ``bias`` more per round), so that, e.g., a stag hunt looks like
  a prisoner's dilemma. It shapes how they judge strategies when they imitate;
* ``diffusion``: per period, probability that an unadvised state with an advised
  neighbour (or partner, when well mixed) becomes advised.

Neutral: ``misperception = 0`` and ``payoff_bias = 0`` (nothing to correct; reach then
has no effect) — the default. Prediction: wider reach -> more cooperation.

Phases: ``setup`` draws the advised states; ``perceive`` makes the unadvised play their
rule through perception errors (an exact transformation of the rule: see
``coopsim.world.perception``); ``observe`` spreads advice by contact; under an update rule
that compares perceived payoffs (Fermi), ``perceived_payoffs`` distorts what the
unadvised see. Records ``advised``. Under the replicator equation the advised share
follows a ← a + diffusion a (1 - a); ``payoff_bias`` needs an update rule that compares
perceived payoffs and is refused elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import check_positive, check_probability
from .base import Mechanism


@dataclass(frozen=True)
class Epistemic(Mechanism):
    HYPOTHESIS = "H5"
    NAME = "epistemic"
    PREDICTION = "wider reach of the epistemic community -> more cooperation"
    PARAMETER = "epistemic.reach"
    DIRECTION = +1
    SOURCES = ("Haas (1992) IO 46:1-35", "Jervis (1978) World Politics 30:167",
               "Nowak & Sigmund (1993) Nature 364:56")

    reach: float = 0.0
    misperception: float = 0.0
    diffusion: float = 0.0
    payoff_bias: float = 0.0

    STREAM = 2
    PERIOD_COLUMNS = ("advised",)

    def __post_init__(self) -> None:
        check_positive("epistemic.payoff_bias", self.payoff_bias, strict=False)
        check_probability("epistemic.reach", self.reach)
        check_probability("epistemic.misperception", self.misperception)
        check_probability("epistemic.diffusion", self.diffusion)

    @property
    def is_neutral(self) -> bool:
        return self.misperception == 0.0 and self.payoff_bias == 0.0

    # ------------------------------------------------------------------ behaviour
    def check(self, scenario) -> None:
        super().check(scenario)
        rule = scenario.update_rule()
        if self.payoff_bias > 0 and not rule.PERCEIVED_PAYOFFS and rule.POPULATION == "finite":
            self.refuse_bias(scenario.update, "it compares true payoffs")
        if self.payoff_bias > 0 and rule.POPULATION != "finite":
            self.refuse_bias(scenario.update, "selection acts on true payoffs")

    def refuse_bias(self, update: str, why: str) -> None:
        from ..._validation import ParameterError

        raise ParameterError("epistemic.payoff_bias", self.payoff_bias,
                             f"0 with update = {update!r} ({why}); payoff_bias acts through an update rule that "
                             "compares perceived payoffs, such as 'fermi'")

    def setup(self, world, ns) -> None:
        n = world.n
        ns.advised = world.stream(self).random(n) < self.reach if self.is_active else np.ones(n, dtype=bool)
        if self.is_active:
            world.perception_error = self.misperception
        world.add_column("advised")

    def perceive(self, world, ns, sides) -> None:
        if self.misperception > 0:
            sides.misperceive(~ns.advised[sides.enc])

    def record(self, world, ns, t: int) -> None:
        world.records["advised"][t] = ns.advised.mean()

    def observe(self, world, ns, play) -> None:
        if self.diffusion > 0:
            enc = play.enc
            any_adv = ns.advised[enc].any(1)
            catch = any_adv[:, None] & ~ns.advised[enc] & (world.stream(self).random(enc.shape) < self.diffusion)
            ns.advised[enc[catch]] = True

    def perceived_payoffs(self, world, ns, play):
        if self.payoff_bias <= 0:
            return None
        # the unadvised see the temptation as T + bias and the sucker's payoff as S - bias
        # (in group games cooperation as costing ``bias`` more per round)
        tilt = -play.coop if world.is_group else play.per[..., 2] - play.per[..., 1]
        tilt_state = play.per_state(tilt)
        bias = np.where(ns.advised, 0.0, self.payoff_bias)

        def adjust(observers, targets, values):
            return values + bias[observers] * tilt_state[targets]

        return adjust

    def replicator_perception(self):
        """(error, advised share, its step per period, column) for the replicator equation."""
        d = self.diffusion
        return self.misperception, self.reach, (lambda a: a + d * a * (1 - a)), "advised"

    def state_columns(self, world, ns) -> dict:
        return {"advised": ns.advised}
