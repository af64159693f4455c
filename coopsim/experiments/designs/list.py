"""``kind = "list"``: explicit points, ``points = [{...}, {...}]``.

A parameter a point leaves out keeps the base scenario's value (shown in the table, not
passed to ``with_params``). ``[quick] points`` replaces the points.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..._validation import ParameterError
from .base import Design, make_table, replace_points
from .registry import DesignInput, DesignKind

__all__ = ["from_list", "KIND"]


def _base_value(base, name: str) -> Any:
    obj = base
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj if obj is None or isinstance(obj, (bool, int, float, str)) else None


def from_list(points: Sequence[Mapping[str, Any]], base=None) -> Design:
    """Explicit points; a parameter a point leaves out shows the ``base`` scenario's value in the table."""
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence) or not len(points):
        raise ParameterError("points", points, "a non-empty list of tables of parameter values")
    names: list[str] = []
    for p in points:
        if not isinstance(p, Mapping):
            raise ParameterError("points", p, "a table of parameter values")
        names += [k for k in p if k not in names]
    params = tuple(dict(p) for p in points)
    rows = [{n: (p[n] if n in p else (_base_value(base, n) if base is not None else None)) for n in names}
            for p in params]
    return Design("list", make_table(names, rows), params, tuple(names))


def _build(inp: DesignInput) -> Design:
    return from_list(inp.points, inp.base)


KIND = DesignKind(
    name="list",
    takes="points",
    summary="design.points",
    build=_build,
    quick={"points": replace_points},
)
