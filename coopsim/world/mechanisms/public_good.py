"""The payoff per round of a linear public goods encounter with capabilities and exclusion.

Shared by H4 (exclusion from a regime's club good) and H6 (a privileged group): member i
contributes ``cost`` x w_i x coop_i per round (w: capability, coop: its share of C moves);
the pot, multiplied by r, is shared among the members not excluded in proportion to their
capability (Olson 1965, ch. 1; Buchanan 1965 on clubs). With equal capabilities and
nobody excluded this is the game's own payoff, r c K / n - c a, averaged over the rounds
(the game is linear, so the mean over rounds is exact).
"""
from __future__ import annotations

import numpy as np


def public_good_stake(world, play) -> np.ndarray:
    """(E, k) payoff per round, capability-scaled; ``play.excluded`` sides get no share."""
    params = world.game.parameters
    c, r = params["cost"], params["multiplier"]
    w = world.capability[play.enc]
    contrib = c * w * play.coop
    share = np.where(play.excluded, 0.0, w)
    total = share.sum(1, keepdims=True)
    pot = r * contrib.sum(1, keepdims=True)
    return np.divide(pot * share, total, out=np.zeros_like(share), where=total > 0) - contrib
