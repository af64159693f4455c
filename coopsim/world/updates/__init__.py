"""Update rules: how states revise their strategies between periods; one module per rule.

``REGISTRY`` maps a rule's name (``Scenario(update=...)``) to an instance; a new rule is
one module with an :class:`~coopsim.world.updates.base.UpdateRule` subclass and one call
to :func:`register` (which a user can also make from their own code).
"""
from __future__ import annotations

from ..._validation import ParameterError
from .base import UpdateRule
from .best_neighbour import BestNeighbour
from .fermi import Fermi
from .moran import MoranBD, MoranDB
from .replicator import Replicator

__all__ = ["UpdateRule", "REGISTRY", "register", "get", "names"]

REGISTRY: dict[str, UpdateRule] = {}


def register(rule: UpdateRule, *, replace: bool = False) -> UpdateRule:
    """Add an update rule (an instance of an UpdateRule subclass) under ``rule.NAME``."""
    if not isinstance(rule, UpdateRule):
        raise ParameterError("rule", rule, "an instance of coopsim.world.updates.UpdateRule")
    if not rule.NAME:
        raise ParameterError("rule.NAME", rule.NAME, "a non-empty name")
    if rule.NAME in REGISTRY and not replace:
        raise ParameterError("rule.NAME", rule.NAME, "a name not yet registered (or replace=True)")
    REGISTRY[rule.NAME] = rule
    return rule


def get(name: str) -> UpdateRule:
    """The registered rule called ``name``."""
    if name not in REGISTRY:
        raise ParameterError("update", name, "one of " + ", ".join(REGISTRY))
    return REGISTRY[name]


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


for _rule in (Fermi(), MoranBD(), MoranDB(), BestNeighbour(), Replicator()):
    register(_rule)
