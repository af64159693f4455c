"""The parameters a design can vary: the Scenario's fields and its mechanisms' parameters.

Scenario fields go by name (``n_states``, ``noise``), mechanism parameters by dotted name
(``regime.monitoring``, ``actors.n_actors``). TOML's unquoted dotted keys arrive as nested
tables (``{"regime": {"monitoring": x}}``); :func:`flatten_sections` turns them into
dotted names.
"""
from __future__ import annotations

import dataclasses
import typing
from typing import Any

__all__ = ["parameter_names", "sections", "flatten_sections", "flatten_points", "value_kind", "duplicate_spelling"]


def _kind_of(annotation: Any) -> str:
    """'int', 'float', 'str', 'bool' or 'other' for a dataclass field annotation."""
    args = set(typing.get_args(annotation)) or {annotation}
    args.discard(type(None))
    if args == {int}:
        return "int"
    if args <= {int, float} and float in args:
        return "float"
    if args == {str}:
        return "str"
    if args == {bool}:
        return "bool"
    return "other"


def parameter_names() -> dict[str, str]:
    """Every parameter a design can vary, with its kind (``int``, ``float``, ``str``, ``other``).

    Scenario fields by name (``n_states``, ``noise``) and mechanism parameters by dotted
    name (``regime.monitoring``, ``actors.n_actors``).
    """
    from ..world.mechanisms import REGISTRY
    from ..world.scenario import Scenario, scenario_keys

    hints = typing.get_type_hints(Scenario)
    out: dict[str, str] = {}
    for key in scenario_keys():
        if key in REGISTRY:
            mh = typing.get_type_hints(REGISTRY[key])
            for g in dataclasses.fields(REGISTRY[key]):
                out[f"{key}.{g.name}"] = _kind_of(mh[g.name])
        else:
            out[key] = _kind_of(hints[key])
    return out


def sections() -> tuple[str, ...]:
    """The mechanism sections of a scenario (``regime``, ``actors``, ...)."""
    from ..world.mechanisms import REGISTRY

    return tuple(REGISTRY)


def flatten_sections(value: Any) -> Any:
    """``{"regime": {"monitoring": x}}`` (TOML's unquoted dotted keys) -> ``{"regime.monitoring": x}``."""
    if not isinstance(value, dict):
        return value
    secs = sections()
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k in secs and isinstance(v, dict):
            for sub, x in v.items():
                out[f"{k}.{sub}"] = x
        else:
            out[k] = v
    return out


def flatten_points(value: Any) -> Any:
    """:func:`flatten_sections` of every point of a list."""
    return [flatten_sections(p) for p in value] if isinstance(value, list) else value


def value_kind(v: Any) -> str:
    """'bool', 'number' or 'str': design values of one parameter must share one."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return "str"


def duplicate_spelling(value: Any) -> str | None:
    """The dotted name given twice in a table, once quoted (``"regime.monitoring" = ...``)
    and once as TOML dotted keys (``regime.monitoring = ...``, arriving as a sub-table); None if none."""
    if not isinstance(value, dict):
        return None
    for sec in sections():
        sub = value.get(sec)
        if isinstance(sub, dict):
            for name in sub:
                if f"{sec}.{name}" in value:
                    return f"{sec}.{name}"
    return None
