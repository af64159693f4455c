"""Beyond Milner — bargaining before enforcement.

Fearon (1998, IO 52:269-305): before states can enforce a cooperative agreement they must
settle which one — how the gains are divided. A longer shadow of the future makes
enforcement easier but raises the stakes of the bargain, so states hold out longer and
agreement can be delayed (pp. 270, 278-280).

Model (a reduced form of the war of attrition over the split). In each encounter the two
states first bargain; until they agree, they play the non-cooperative outcome (both
defect). Winning the split is worth ``at_stake`` s per round of the relationship (payoff
units: what a state gains per round by getting its preferred division rather than
conceding), so over an expected 1/(1 - w) rounds its value is V = s / (1 - w)
(w = ``iteration.continuation``). Each round of delay costs each side c = ``delay_cost``
(default: the cooperative surplus forgone, R - P). In the symmetric stationary
equilibrium of the discrete war of attrition (Hendricks, Weiss & Wilson 1988, IER
29:663-680; Fudenberg & Tirole 1991, *Game Theory*, ch. 4) each side concedes each round with the probability that
makes holding out one more round worthless, q V = c:

    q = min(1, c (1 - w) / s),    agreement per round a = 1 - (1 - q)^2.

The delay D (rounds before agreement) is geometric with parameter a; an encounter lasts L
rounds (geometric with w); the first min(D, L) rounds are mutual defection and the rest
are played by the states' rules, the remainder of a geometric game being again a
geometric game (memoryless). Share of rounds lost to delay:

    exact engine:   delta = E[min(D, L)] / E[L] = (1 - a)(1 - w) / (1 - w (1 - a));
    sampled engine: min(D, L) / L per encounter, D drawn (stream 5), L the realised
                    length, the agreed rounds taking the per-round outcome of the whole match.

Expected delay (uncapped by the encounter) E[D] = (1 - a) / a rises with w: Fearon's
claim. As w -> 1 the share delta -> s / (s + 2c): delay grows like the relationship.

Neutral: ``at_stake = 0`` (nothing to divide; immediate agreement). Prediction: higher
stakes -> more delay -> less cooperation; with stakes, the effect of the shadow of the
future (H3) may turn non-monotone (the experiment measures it). Pair games, finite
populations and a geometric length (``iteration.continuation``) only; refused otherwise.
Records ``delay`` (share of the period's rounds lost to delay).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import ParameterError, check_positive
from .base import Mechanism


def concession(stakes, cost: float, continuation):
    """q = min(1, c (1 - w) / s): each side's concession probability per round (s > 0);
    numbers or arrays (one value per run)."""
    q = np.minimum(1.0, cost * (1.0 - np.asarray(continuation, dtype=float)) / np.asarray(stakes, dtype=float))
    return float(q) if q.ndim == 0 else q


def agreement(q: float) -> float:
    """Probability that the bargain ends in a round: at least one of two sides concedes."""
    return 1.0 - (1.0 - q) ** 2


def delay_share(a: float, continuation: float) -> float:
    """E[min(D, L)] / E[L]: share of an encounter's rounds lost to delay (exact)."""
    w = continuation
    return (1.0 - a) * (1.0 - w) / (1.0 - w * (1.0 - a))


@dataclass(frozen=True)
class Bargaining(Mechanism):
    HYPOTHESIS = "B3"
    NAME = "bargaining"
    PREDICTION = "higher stakes of the bargain -> longer delay -> less cooperation; a longer shadow of the " \
                 "future raises the stakes (H3 may turn non-monotone)"
    PARAMETER = "bargaining.at_stake"
    DIRECTION = -1
    SOURCES = ("Fearon (1998) IO 52:269-305", "Hendricks, Weiss & Wilson (1988) IER 29:663-680",
               "Fudenberg & Tirole (1991) Game Theory, ch. 4")

    at_stake: float = 0.0
    delay_cost: float | None = None

    STREAM = 5
    PERIOD_COLUMNS = ("delay",)
    #: may differ between the runs of a batch (coopsim.world.points); read with world.param
    PER_RUN = ("at_stake",)
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",), "game_kind": ("pair",)}

    def __post_init__(self) -> None:
        check_positive("bargaining.at_stake", self.at_stake, strict=False)
        if self.delay_cost is not None:
            check_positive("bargaining.delay_cost", self.delay_cost)

    @property
    def is_neutral(self) -> bool:
        return self.at_stake == 0.0

    def cost(self, game) -> float:
        """c: ``delay_cost``, or the cooperative surplus forgone per round, R - P."""
        return float(self.delay_cost) if self.delay_cost is not None else float(game.R - game.P)

    def check(self, scenario) -> None:
        super().check(scenario)
        if not self.is_active:
            return
        if scenario.iteration.rounds is not None:
            raise ParameterError("iteration.rounds", scenario.iteration.rounds,
                                 "None with bargaining.at_stake > 0 (bargaining needs a geometric length: set "
                                 "iteration.continuation)")
        if self.cost(scenario.stage_game()) <= 0:
            raise ParameterError("bargaining.delay_cost", self.delay_cost,
                                 f"a positive cost per round of delay (the game's R - P is not positive: "
                                 f"{scenario.game})")

    def lockstep(self, scenario) -> bool:
        return True

    # ------------------------------------------------------------------ behaviour
    def setup(self, world, ns) -> None:
        world.add_column("delay")
        ns.delay = 0.0
        if world.is_active(self):  # per run when the stakes or the continuation differ between runs
            w = world.param(world.scenario.iteration, "continuation")
            ns.agree = agreement(concession(world.param(self, "at_stake"), self.cost(world.game), w))
            ns.share = delay_share(ns.agree, w)

    def settle(self, world, ns, play) -> None:
        if world.scenario.engine == "exact":
            share = np.full(play.E, world.by_encounter(ns.share, play.E))
        else:  # rounds before agreement, each encounter with its run's probability
            d = world.stream(self).geometric(world.by_encounter(ns.agree, play.E), size=play.E) - 1
            share = np.minimum(d, play.length) / play.length
        play.delay(share)
        # share of all rounds, per run
        ns.delay = world.per_run(share * play.length).sum(axis=1) / world.per_run(play.length).sum(axis=1)

    def attribute(self, world, ns, play) -> None:
        """Cooperation after the parties settled the terms is *negotiated* (the source
        texts' form; a regime or a hegemon acting in the same encounter takes precedence)."""
        play.attribute(np.ones(play.enc.shape, dtype=bool), "negotiated")

    def record(self, world, ns, t: int) -> None:
        world.records["delay"][t] = ns.delay
