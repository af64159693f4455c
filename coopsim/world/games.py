"""The stage games a scenario can name: one registry for 2x2 games and group games.

``REGISTRY`` maps a name (``Scenario(game=...)``, or ``actors.game`` for group games) to
a :class:`GameSpec`: its kind (``"pair"`` or ``"group"``) and a builder. Pair builders
take the scenario's ``game_params``; group builders also take the group size and the
actors mechanism (what stays fixed as the group grows, thresholds, risk). A new game is
one builder and one :func:`register` call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import games as G
from .._validation import ParameterError

__all__ = ["GameSpec", "REGISTRY", "register", "get", "names"]


@dataclass(frozen=True)
class GameSpec:
    name: str
    kind: str  # "pair" (2x2) or "group" (N-player)
    build: Callable[..., object]
    description: str = ""


REGISTRY: dict[str, GameSpec] = {}


def register(name: str, build: Callable[..., object], *, kind: str = "pair", description: str = "",
             replace: bool = False) -> GameSpec:
    """Register a stage game. Pair: ``build(**game_params) -> Game``; group:
    ``build(n, actors, **game_params) -> NPlayerGame``."""
    if kind not in ("pair", "group"):
        raise ParameterError("kind", kind, "'pair' or 'group'")
    if name in REGISTRY and not replace:
        raise ParameterError("game", name, "a name not yet registered (or replace=True)")
    REGISTRY[name] = spec = GameSpec(name, kind, build, description)
    return spec


def get(name: str, kind: str | None = None) -> GameSpec:
    spec = REGISTRY.get(name)
    if spec is None or (kind is not None and spec.kind != kind):
        raise ParameterError("actors.game" if kind == "group" else "game", name, "one of " + ", ".join(names(kind)))
    return spec


def names(kind: str | None = None) -> tuple[str, ...]:
    return tuple(n for n, s in REGISTRY.items() if kind is None or s.kind == kind)


def _public_goods(n, actors, **params):
    if actors.hold == "per_capita_return":
        return G.public_goods(n, per_capita_return=actors.per_capita_return, **params)
    return G.public_goods(n, multiplier=actors.multiplier, **params)


def _collective_risk(n, actors, **params):
    return G.collective_risk(n, max(1, int(np.ceil(actors.threshold_share * n))), actors.risk, **params)


for _name in ("prisoners_dilemma", "stag_hunt", "chicken", "harmony", "deadlock", "donation_game",
              "weak_prisoners_dilemma"):
    register(_name, getattr(G, _name), description=(getattr(G, _name).__doc__ or "").split("\n")[0])
register("public_goods", _public_goods, kind="group", description="linear public goods game")
register("n_person_prisoners_dilemma", lambda n, actors, **p: G.n_person_prisoners_dilemma(n, **p), kind="group",
         description="N-person prisoner's dilemma")
register("collective_risk", _collective_risk, kind="group", description="collective-risk (threshold) dilemma")
register("volunteers_dilemma", lambda n, actors, **p: G.volunteers_dilemma(n, **p), kind="group",
         description="volunteer's dilemma")
