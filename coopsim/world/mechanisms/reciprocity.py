"""H1 — reciprocity.

Milner (1992): states expect gains from cooperation and fear losses, even sanctions, if
they defect. Model: the share of *reciprocating* strategies (those that reward C and
punish D: TFT, GTFT, WSLS; conditional cooperators in groups) in the initial population
and in the mutation kernel, and their generosity (GTFT's forgiveness q).

Neutral: ``share=None`` — the initial population and mutations are uniform over the
scenario's strategy set; ``generosity=None`` — GTFT uses the game's q* (Nowak & Sigmund
1992). Prediction: a larger share of reciprocators makes cooperation more likely.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..._validation import check_probability
from .base import Mechanism

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
