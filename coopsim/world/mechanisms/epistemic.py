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
"""
from __future__ import annotations

from dataclasses import dataclass

from ..._validation import check_probability
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

    def __post_init__(self) -> None:
        from ..._validation import check_positive

        check_positive("epistemic.payoff_bias", self.payoff_bias, strict=False)
        check_probability("epistemic.reach", self.reach)
        check_probability("epistemic.misperception", self.misperception)
        check_probability("epistemic.diffusion", self.diffusion)

    @property
    def is_neutral(self) -> bool:
        return self.misperception == 0.0 and self.payoff_bias == 0.0
