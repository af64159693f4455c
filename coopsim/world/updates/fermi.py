"""Pairwise comparison (Fermi) imitation (Szabó & Tőke 1998; Traulsen et al. 2006).

Each revising state (probability ``revision_rate``) picks a model — a random other state,
or a random neighbour on a network — and copies it with probability
1 / (1 + exp(-selection_intensity * (π_model - π_self))), payoffs as it perceives them.
States that met nobody this period neither copy nor are copied.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import dynamics
from .base import UpdateRule


@dataclass(frozen=True)
class Fermi(UpdateRule):
    NAME = "fermi"
    DESCRIPTION = "pairwise comparison with a random model (Fermi rule)"
    SOURCES = ("Szabó & Tőke (1998) Phys. Rev. E 58:69", "Traulsen et al. (2006) Phys. Rev. E 74:011909")
    PERCEIVED_PAYOFFS = True
    LOCKSTEP = True

    def revise(self, world, payoffs) -> np.ndarray:
        rng, n = world.rng, world.n
        models = world.structure.models(rng)
        if payoffs.perceived:
            everyone = np.arange(n)
            own, model = payoffs.seen(everyone, everyone), payoffs.seen(everyone, models)
        else:
            own, model = payoffs.judge, payoffs.judge[models]
        s, rate = (world.by_state(world.param(None, name)) for name in ("selection_intensity", "revision_rate"))
        src = dynamics.fermi(own, models, s, rng, rate, model_payoffs=model)  # per state when they differ between runs
        played = payoffs.played
        return np.where(played & played[src], src, np.arange(n))
