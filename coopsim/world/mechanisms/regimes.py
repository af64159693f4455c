"""H4 — international regimes.

Milner (1992): norms, principles, rules and decision-making procedures at the centre of
cooperation. Keohane (1984): regimes matter through information (monitoring) and by
raising the cost of defection. Model:

* ``membership``: share of states that are regime members (drawn at the start);
* ``monitoring``: probability that an encounter's moves become public to members. Members
  keep a reputation (good/bad standing) for every state; a member that knows its partner
  is in bad standing withholds cooperation for the encounter (plays ALLD). Standing
  (Sugden 1986; Ohtsuki & Iwasa 2004): a state falls into bad standing when seen
  defecting against a partner in good standing; defecting against a partner in bad
  standing is justified and keeps good standing; cooperating restores it;
* ``sanction``: fine per round of unjustified defection by a *member*, when seen;
* ``dues``: cost per round of membership (what monitoring costs).

Neutral: membership = monitoring = sanction = dues = 0. Prediction: a stronger regime
(more members, more monitoring, higher sanctions) -> more cooperation.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..._validation import check_positive, check_probability
from .base import Mechanism


@dataclass(frozen=True)
class Regime(Mechanism):
    HYPOTHESIS = "H4"
    NAME = "regime"
    PREDICTION = "stronger regime (monitoring, sanctions, membership) -> more cooperation"
    PARAMETER = "regime.monitoring"
    DIRECTION = +1
    SOURCES = ("Keohane (1984) After Hegemony", "Nowak & Sigmund (1998) Nature 393:573",
               "Ohtsuki & Iwasa (2004) J. Theor. Biol. 231:107", "Axelrod (1986) APSR 80:1095")

    membership: float = 0.0
    monitoring: float = 0.0
    sanction: float = 0.0
    dues: float = 0.0

    def __post_init__(self) -> None:
        check_probability("regime.membership", self.membership)
        check_probability("regime.monitoring", self.monitoring)
        check_positive("regime.sanction", self.sanction, strict=False)
        check_positive("regime.dues", self.dues, strict=False)
