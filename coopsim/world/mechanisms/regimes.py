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

Phases: ``setup`` draws members; ``withhold`` (pair games) makes members who know their
partner's bad standing play ALLD; ``charges`` adds dues and sanctions and, from the
encounters made public, updates standings. Records ``good_standing`` (share of states in
good standing). Needs individual states: refuses the replicator equation. In group games
only dues and sanctions act (standing is not defined there).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    STREAM = 1
    PERIOD_COLUMNS = ("good_standing",)
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",)}

    def __post_init__(self) -> None:
        check_probability("regime.membership", self.membership)
        check_probability("regime.monitoring", self.monitoring)
        check_positive("regime.sanction", self.sanction, strict=False)
        check_positive("regime.dues", self.dues, strict=False)

    # ------------------------------------------------------------------ behaviour
    def setup(self, world, ns) -> None:
        n = world.n
        ns.member = world.stream(self).random(n) < self.membership if self.is_active else np.zeros(n, dtype=bool)
        ns.good = np.ones(n, dtype=bool)
        world.add_column("good_standing")

    def withhold(self, world, ns, sides) -> None:
        enc = sides.enc
        if world.is_group:
            ns.bad_partner = np.zeros(enc.shape, dtype=bool)
            return
        ns.bad_partner = ~ns.good[enc[:, ::-1]]
        knows = ns.member[enc] & (world.stream(self).random((sides.E, 2)) < self.monitoring) & ns.bad_partner
        sides.override(knows, "ALLD")

    def charges(self, world, ns, play) -> None:
        enc = play.enc
        play.charges += self.dues * ns.member[enc]
        if self.sanction > 0 or self.monitoring > 0:
            observed = world.stream(self).random(play.E) < self.monitoring
            unjust = np.where(ns.bad_partner, 0.0, play.defect)
            play.charges += self.sanction * unjust * (ns.member[enc] & observed[:, None])
            if not world.is_group:
                obs = np.flatnonzero(observed)
                newgood = (play.coop[obs] >= 0.5) | ns.bad_partner[obs]
                ns.good[enc[obs].ravel()] = newgood.ravel()

    def attribute(self, world, ns, play) -> None:
        """Cooperation between regime members under monitoring (which sanctions also need)
        is *institutional*."""
        if self.monitoring > 0:
            play.attribute(np.broadcast_to(ns.member[play.enc].all(1)[:, None], play.enc.shape), "institutional")

    def record(self, world, ns, t: int) -> None:
        world.records["good_standing"][t] = ns.good.mean()

    def state_columns(self, world, ns) -> dict:
        return {"member": ns.member, "good_standing": ns.good}
