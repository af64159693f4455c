"""Validation models: published models of cooperation, each checked against a target of
``validation/targets.md`` (T3, T9, T11, T12). They stand beside the scenario world
(:mod:`coopsim.world`) and share no code with it except the networks of
:mod:`coopsim.world.structure`.

* :mod:`coopsim.models.moran` — Moran processes of iterated-game players by the rules of
  axelrod's ``MoranProcess`` (sampled, cached and expected-payoff modes, runs in lockstep;
  Moran 1958, Knight et al. 2016); through selection intensity it is the process of
  Nowak, Sasaki, Taylor & Fudenberg (2004), **T3**.
* :mod:`coopsim.models.moran_chain` — the Moran process on type counts: one birth-death or
  death-birth event (exact law and lockstep sampling, shared by ``moran`` and
  ``fixation``), runs to fixation and the exact absorbing chain (**T3**); the exact cycle
  chain of Ohtsuki et al. (2006), **T9**.
* :mod:`coopsim.models.moran_axelrod` — the same experiment by axelrod's own classes, for
  comparison.
* :mod:`coopsim.models.fixation` — fixation of a mutant on a payoff matrix, well mixed
  (Nowak et al. 2004, **T3** (b)) or on a network with accumulated payoffs (Ohtsuki,
  Hauert, Lieberman & Nowak 2006, b/c > k, **T9**).
* :mod:`coopsim.models.indirect` — indirect reciprocity through monitoring: discriminators
  against ALLD (Nowak & Sigmund 1998, 2005; Nowak 2006 Table 1), **T11** (Milner H4).
* :mod:`coopsim.models.norms` (with :mod:`coopsim.models.norms_game`) — Axelrod's (1986)
  norms and metanorms games and the dominance variant, with Galán & Izquierdo's (2005)
  conventions, **T12** (Milner H4, H6).

Submodules load on first attribute access (``coopsim.models.moran``). Until 0.3 the old
paths ``coopsim.world.moran``, ``fixation``, ``indirect`` and ``norms`` re-export these
names with a ``DeprecationWarning``.
"""
from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = ("fixation", "indirect", "moran", "moran_axelrod", "moran_chain", "norms", "norms_game")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES))
