"""Best-neighbour imitation (Nowak & May 1992): each revising state copies the
best-scoring state among itself and its neighbours (everyone, when well mixed); ties keep
its own strategy; states that met nobody count as scoring -inf."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import dynamics
from ..neighbours import regular_neighbours
from .base import UpdateRule


@dataclass(frozen=True)
class BestNeighbour(UpdateRule):
    NAME = "best_neighbour"
    DESCRIPTION = "copy the best-scoring neighbour (deterministic imitation)"
    SOURCES = ("Nowak & May (1992) Nature 359:826",)
    LOCKSTEP = True

    def prepare(self, world) -> None:
        world.neighbours = world.structure.neighbours_csr
        world.neighbour_table = regular_neighbours(world.structure)  # once per run (None: irregular)

    def revise(self, world, payoffs) -> np.ndarray:
        judge = np.where(payoffs.played, payoffs.judge, -np.inf)
        rate = world.by_state(world.param(None, "revision_rate"))  # per state when it differs between runs
        return dynamics.best_neighbour(judge, world.neighbours, world.rng, rate, table=world.neighbour_table)
