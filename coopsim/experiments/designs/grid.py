"""``kind = "grid"``: every combination of the value lists in ``[design.parameters]``.

The *last* parameter varies fastest (``itertools.product`` order over the parameters in
the order given). ``[quick] parameters`` replaces some value lists.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from ..._validation import ParameterError
from .base import Design, make_table, replace_values
from .registry import DesignInput, DesignKind

__all__ = ["grid", "KIND"]


def grid(parameters: Mapping[str, Sequence[Any]]) -> Design:
    """Every combination of the value lists (last parameter fastest).

    >>> grid({"n_states": [10, 20], "regime.monitoring": [0.0, 0.5, 1.0]}).table.shape
    (6, 3)
    """
    names = list(parameters)
    for name in names:
        if isinstance(parameters[name], (str, bytes)) or not isinstance(parameters[name], Sequence) \
                or not len(parameters[name]):
            raise ParameterError(f"parameters[{name!r}]", parameters[name], "a non-empty list of values")
    rows = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(parameters[n] for n in names))]
    return Design("grid", make_table(names, rows), tuple(rows), tuple(names))


def _build(inp: DesignInput) -> Design:
    return grid(inp.values)


KIND = DesignKind(
    name="grid",
    takes="parameters",
    summary="every combination of design.parameters",
    build=_build,
    quick={"parameters": replace_values},
)
