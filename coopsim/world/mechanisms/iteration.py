"""H3 — iteration (the shadow of the future).

Milner (1992): the chance that states take the path of cooperation grows with the length
of their interaction. Model: after every round another follows with probability
``continuation`` (w; expected length 1/(1-w)), or matches last a fixed number of
``rounds``.

Give one of the two; with neither, continuation is 0.9. Neutral: a one-shot game is the
absence of iteration (w = 0); the default w = 0.9 is a baseline, not a neutral value, since every encounter has *some* length.
Prediction: longer interaction -> more cooperation (Axelrod 1984, Prop. 2; Nowak 2006).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..._validation import ParameterError, check_int, check_real
from .base import Mechanism

DEFAULT_CONTINUATION = 0.9  # used when neither continuation nor rounds is given


@dataclass(frozen=True)
class Iteration(Mechanism):
    HYPOTHESIS = "H3"
    NAME = "iteration"
    PREDICTION = "longer shadow of the future -> more cooperation"
    PARAMETER = "iteration.continuation"
    DIRECTION = +1
    SOURCES = ("Axelrod & Hamilton (1981) Science 211:1390", "Axelrod (1984) The Evolution of Cooperation",
               "Axelrod & Keohane (1985) World Politics 38:226", "Nowak (2006) Science 314:1560")

    continuation: float | None = None
    rounds: int | None = None

    #: may differ between the runs of a batch (coopsim.world.points): exact tables and
    #: match lengths are each run's own
    PER_RUN = ("continuation",)

    def lockstep(self, scenario) -> bool:
        return True  # no hooks: it only sets the scenario's game, kernel or lengths

    def __post_init__(self) -> None:
        if self.continuation is None and self.rounds is None:
            object.__setattr__(self, "continuation", DEFAULT_CONTINUATION)
        if (self.continuation is None) == (self.rounds is None):
            raise ParameterError("iteration", {"continuation": self.continuation, "rounds": self.rounds},
                                 "exactly one of continuation (probability of another round) or rounds")
        if self.continuation is not None:
            w = check_real("iteration.continuation", self.continuation)
            if not 0.0 <= w < 1.0:
                raise ParameterError("iteration.continuation", self.continuation, "a probability in [0, 1)")
        if self.rounds is not None:
            check_int("iteration.rounds", self.rounds, minimum=1)

    @classmethod
    def neutral(cls):
        return cls(continuation=0.0)

    @property
    def expected_rounds(self) -> float:
        return float(self.rounds) if self.rounds is not None else 1.0 / (1.0 - self.continuation)
