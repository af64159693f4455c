"""Design kinds: one module per kind, and the registry that ``[design] kind`` looks up.

* :mod:`~coopsim.experiments.designs.registry` — :class:`~.registry.DesignKind`,
  :class:`~.registry.Option`, :class:`~.registry.DesignInput`; ``register``, ``get``,
  ``names``;
* :mod:`~coopsim.experiments.designs.base` — :class:`~.base.Design`, :class:`~.base.Range`
  and the helpers kinds share;
* one module per built-in kind: :mod:`~.grid`, :mod:`~.list`, :mod:`~.random`,
  :mod:`~.latin_hypercube`, :mod:`~.sobol` (each defines ``KIND``).

A new kind is one module defining ``KIND`` plus its name in
:data:`~coopsim.experiments.designs.registry.BUILTIN_KINDS`, or, outside the package, a
call of :func:`~coopsim.experiments.designs.registry.register`.
"""
from .base import Design, Range, single_point
from .registry import DesignInput, DesignKind, Option, get, names, register, unregister

__all__ = ["Design", "DesignInput", "DesignKind", "Option", "Range", "get", "names", "register", "single_point",
           "unregister"]
