"""H1 — reciprocity.

Milner (1992): states expect gains from cooperation and fear losses, even sanctions, if
they defect. Model: the share of *reciprocating* strategies (those that reward C and
punish D: TFT, GTFT, WSLS; conditional cooperators in groups) in the initial population
and in the mutation kernel, and their generosity (GTFT's forgiveness q).

Neutral: ``share=None`` — the initial population and mutations are uniform over the
scenario's strategy set; ``generosity=None`` — GTFT uses the game's q* (Nowak & Sigmund
1992). Prediction: a larger share of reciprocators makes cooperation more likely.

Behaviour: :meth:`Reciprocity.kernel` (the population's initial and mutation
distribution); which strategies are reciprocators is their registry flag or, for strategy
objects, ``coopsim.strategies.registry.is_reciprocator``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import ParameterError, check_probability
from .base import Mechanism

#: the registered strategies flagged as reciprocators (see coopsim.strategies.registry)
RECIPROCATORS = ("TFT", "GTFT", "WSLS", "GRIM", "CondCoop")


@dataclass(frozen=True)
class Reciprocity(Mechanism):
    HYPOTHESIS = "H1"
    NAME = "reciprocity"
    PREDICTION = "more reciprocating states -> more cooperation"
    PARAMETER = "reciprocity.share"
    DIRECTION = +1
    SOURCES = ("Axelrod (1984) The Evolution of Cooperation",
               "Keohane (1986) Reciprocity in international relations, IO 40:1-27",
               "Nowak & Sigmund (1992) Nature 355:250; (1993) Nature 364:56")

    share: float | None = None
    generosity: float | None = None

    def __post_init__(self) -> None:
        if self.share is not None:
            object.__setattr__(self, "share", check_probability("reciprocity.share", self.share))
        if self.generosity is not None:
            object.__setattr__(self, "generosity", check_probability("reciprocity.generosity", self.generosity))

    def kernel(self, reciprocators, continuous: bool = False) -> np.ndarray:
        """Probabilities of each strategy in the initial population and for mutants."""
        share = self.share
        recip = np.asarray(reciprocators, dtype=bool)
        m = recip.shape[0]
        if continuous:
            if share is not None:
                raise ParameterError("reciprocity.share", share, "None with a continuous strategy space")
            return np.ones(1)
        if share is None:
            return np.full(m, 1.0 / m)
        if recip.all() or not recip.any():
            raise ParameterError("reciprocity.share", share,
                                 "None unless the strategy set mixes reciprocators (TFT, GTFT, WSLS, GRIM, CondCoop) "
                                 "and others")
        return np.where(recip, share / recip.sum(), (1 - share) / (~recip).sum())
