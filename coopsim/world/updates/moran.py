"""Moran updating on the world: birth-death (Nowak et al. 2004) or death-birth (Ohtsuki
et al. 2006) events, ``max(1, round(revision_rate * n_states))`` per period, fitness
exp(selection_intensity * payoff); on a network offspring go to neighbours."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import dynamics
from ..structure import Network
from .base import UpdateRule


@dataclass(frozen=True)
class _Moran(UpdateRule):
    def prepare(self, world) -> None:
        world.neighbours = world.structure.neighbours_csr if isinstance(world.structure, Network) else None

    def revise(self, world, payoffs) -> np.ndarray:
        sc, n = world.scenario, world.n
        events = max(1, int(round(sc.revision_rate * n)))
        rule = dynamics.moran_bd if self.NAME == "moran_bd" else dynamics.moran_db
        src = np.arange(n)
        for _ in range(events):
            step = rule(payoffs.judge, sc.selection_intensity, world.rng, neighbours=world.neighbours,
                        fitness_kind="exponential")
            src = src[step]
        return src


@dataclass(frozen=True)
class MoranBD(_Moran):
    NAME = "moran_bd"
    DESCRIPTION = "Moran birth-death events"
    SOURCES = ("Nowak et al. (2004) Nature 428:646",)


@dataclass(frozen=True)
class MoranDB(_Moran):
    NAME = "moran_db"
    DESCRIPTION = "Moran death-birth events"
    SOURCES = ("Ohtsuki et al. (2006) Nature 441:502",)
