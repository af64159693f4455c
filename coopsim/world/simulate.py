"""Compatibility module of 0.1: the world loop now lives in :mod:`coopsim.world.loop`,
the replicator equation in :mod:`coopsim.world.updates.replicator`, outcomes in
:mod:`coopsim.world.outcomes`. Importing this module warns; it goes in 0.3."""
from __future__ import annotations

import warnings

from .loop import simulate
from .outcomes import gini, weighted_gini

warnings.warn("coopsim.world.simulate moved: use Scenario.run, coopsim.world.loop.simulate or "
              "coopsim.world.outcomes; the old path goes in 0.3", DeprecationWarning, stacklevel=2)


def simulate_replicator(sc):
    """The replicator equation of 0.1 (now ``Scenario(update='replicator').run()``)."""
    return sc.update_rule().simulate(sc)


__all__ = ["simulate", "simulate_replicator", "gini", "weighted_gini"]
