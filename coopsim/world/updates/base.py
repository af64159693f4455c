"""What an update rule (strategy revision between periods) declares and does.

One signature for every rule: ``revise(world, payoffs) -> source``, an int array with,
for each state ``i``, the state whose strategy ``i`` holds after the update
(``source[i] == i`` keeps its own). ``payoffs`` is a :class:`~coopsim.world.period.Payoffs`
(``judge``: payoff per round per unit of capability; ``played``; ``seen(observers,
targets)``: payoffs as observers perceive them). A rule that compares payoffs as states
*perceive* them sets ``PERCEIVED_PAYOFFS = True``; mechanisms that distort perception
refuse the others.

A rule with ``POPULATION = "infinite"`` (the replicator equation) replaces the finite
world loop by its own ``simulate(scenario, seed)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class UpdateRule:
    NAME: ClassVar[str] = ""
    DESCRIPTION: ClassVar[str] = ""
    SOURCES: ClassVar[tuple[str, ...]] = ()
    POPULATION: ClassVar[str] = "finite"
    PERCEIVED_PAYOFFS: ClassVar[bool] = False
    #: True when ``revise`` works on a world of several runs in lockstep
    #: (:mod:`coopsim.world.batch`): it draws evenly split arrays from ``world.rng`` and
    #: takes models only from ``world.structure`` (which keeps them inside each run)
    LOCKSTEP: ClassVar[bool] = False

    def check(self, scenario) -> None:
        """Refuse scenario settings this rule cannot honour (ParameterError)."""

    def prepare(self, world) -> None:
        """Once per run, before the first period (e.g. cache the neighbour lists)."""

    def revise(self, world, payoffs) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def simulate(self, scenario, seed):  # pragma: no cover - infinite-population rules only
        raise NotImplementedError
