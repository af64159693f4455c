"""Mechanisms: one module per hypothesis, each carrying its parameters and behaviour.

``REGISTRY`` maps a section name (``scenario.regime``, ``[scenario.regime]``) to its class,
in the order the world loop calls them. A new mechanism is one module with a
:class:`~coopsim.world.mechanisms.base.Mechanism` subclass and one :func:`register` call
(a user can make it from their own code).
"""
from __future__ import annotations

from ..._validation import ParameterError
from .actors import Actors
from .bargaining import Bargaining
from .base import Mechanism
from .domestic import Domestic
from .epistemic import Epistemic
from .iteration import Iteration
from .linkage import Linkage
from .power import Power
from .reciprocity import Reciprocity
from .regimes import Regime
from .relative_gains import RelativeGains

REGISTRY: dict[str, type] = {}
BUILTIN = ("reciprocity", "actors", "iteration", "regime", "epistemic", "power", "domestic", "linkage",
           "relative_gains", "bargaining")


def register(cls: type, *, replace: bool = False) -> type:
    """Add a mechanism class (a frozen dataclass subclassing Mechanism) under ``cls.NAME``."""
    import dataclasses

    if not (isinstance(cls, type) and issubclass(cls, Mechanism) and dataclasses.is_dataclass(cls)):
        raise ParameterError("mechanism", cls, "a dataclass subclassing coopsim.world.mechanisms.Mechanism")
    if not cls.NAME.isidentifier():
        raise ParameterError(f"{cls.__name__}.NAME", cls.NAME, "a Python identifier (its section name)")
    if cls.NAME in BUILTIN and REGISTRY.get(cls.NAME) is not None and REGISTRY[cls.NAME] is not cls:
        raise ParameterError(f"{cls.__name__}.NAME", cls.NAME, "a name other than the built-in mechanisms")
    if cls.NAME in REGISTRY and REGISTRY[cls.NAME] is not cls and not replace:
        raise ParameterError(f"{cls.__name__}.NAME", cls.NAME, "a name not yet registered (or replace=True)")
    streams = {c.STREAM: n for n, c in REGISTRY.items() if c.STREAM is not None and n != cls.NAME}
    if cls.STREAM is not None and (cls.STREAM < 1 or cls.STREAM in streams):
        raise ParameterError(f"{cls.__name__}.STREAM", cls.STREAM,
                             "a positive stream index not used by another mechanism (used: "
                             + ", ".join(f"{k} by {v}" for k, v in sorted(streams.items())) + ")")
    REGISTRY[cls.NAME] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a mechanism registered from outside the package."""
    if name in BUILTIN:
        raise ParameterError("mechanism", name, "a mechanism registered from outside the package")
    REGISTRY.pop(name, None)


# linkage comes before relative gains (whose gaps count both issues) and bargaining (whose
# delay applies to the main issue's play, which linkage's settle replaces)
for _cls in (Reciprocity, Actors, Iteration, Regime, Epistemic, Power, Domestic, Linkage, RelativeGains, Bargaining):
    register(_cls)

__all__ = ["REGISTRY", "BUILTIN", "Mechanism", "register", "unregister", "Reciprocity", "Actors", "Iteration",
           "Regime", "Epistemic", "Power", "Domestic",
           "Linkage", "RelativeGains", "Bargaining"]
