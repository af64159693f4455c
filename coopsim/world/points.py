"""Runs of different design points in lockstep: parameters whose value differs between runs.

Points of a design that share every array shape — the same states, structure, strategies,
game, update rule, engine and active mechanisms — can advance together as one batch
(:mod:`coopsim.world.batch`), each run with its own scenario. Only *per-run parameters*
may differ: the few the world loop reads per run (:data:`PER_RUN`: the outcome
threshold, the selection intensity, the mutation and revision rates, the implementation
noise; the continuation probability and the kernel's parameters) and those a mechanism
lists in its ``PER_RUN`` and reads with :meth:`coopsim.world.loop.World.param`. Everything
else is part of the batch's key (:func:`batch_key`): points with different keys never
share a batch.

Safety: the batch's shared scenario (``world.scenario``) holds a :class:`Varying` in place
of each parameter that differs between its runs. Any use of it — a comparison, arithmetic,
``float()``, numpy — raises :class:`VaryingParameterError`, so code that reads such a
parameter as one number (a mechanism from outside the package, a path not written for
per-run values) fails loudly instead of giving every run the first run's value; the
runner then runs those points one by one. A run of a batch gives the numbers it gives
alone, value for value (``tests/test_points.py``).
"""
from __future__ import annotations

import copy
import dataclasses

__all__ = ["PER_RUN", "Varying", "VaryingParameterError", "batch_key", "shared_scenario", "varying_fields"]

#: per-run parameters of the scenario itself (top level) and of sections without hooks
PER_RUN = ("threshold", "selection_intensity", "mutation", "revision_rate", "noise")


class VaryingParameterError(RuntimeError):
    """A parameter that differs between the runs of a batch was read as one value."""


class Varying:
    """Stands for a parameter whose value differs between the runs of a batch: any use raises."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        object.__setattr__(self, "name", name)

    def _refuse(self, *args, **kwargs):
        raise VaryingParameterError(f"{self.name} differs between the runs of this batch: read it per run "
                                    "(World.param), or run these points one by one")

    __bool__ = __float__ = __int__ = __index__ = __array__ = __len__ = __iter__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __hash__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __pow__ = __rpow__ = __neg__ = __abs__ = __round__ = __format__ = _refuse

    def __repr__(self) -> str:
        return f"<varies between runs: {self.name}>"


def _sections(scenario) -> dict:
    """{section name: mechanism instance} of every registered mechanism."""
    return {m.NAME: m for m in scenario.mechanisms()}


def _per_run_fields(mech) -> tuple:
    return tuple(getattr(type(mech), "PER_RUN", ()))


def batch_key(scenario) -> str:
    """What runs of one batch must share: the scenario without its per-run parameters, and
    which mechanisms are active (a text, equal for scenarios that can share a batch)."""
    data = scenario.to_dict()
    for name in PER_RUN:
        data.pop(name, None)
    for name, mech in _sections(scenario).items():
        section = data.get(name)
        if isinstance(section, dict):
            for field in _per_run_fields(mech):
                section.pop(field, None)
    data["_active"] = [m.NAME for m in scenario.mechanisms() if m.is_active]
    return repr(sorted(data.items(), key=lambda kv: kv[0]))


def varying_fields(scenarios) -> dict[str | None, tuple]:
    """{section name (None: the scenario's top level): fields whose values differ between ``scenarios``}."""
    first = scenarios[0]
    out: dict[str | None, tuple] = {}
    top = tuple(f for f in PER_RUN if any(_differ(getattr(s, f), getattr(first, f)) for s in scenarios[1:]))
    if top:
        out[None] = top
    for name, mech in _sections(first).items():
        fields = tuple(f for f in _per_run_fields(mech)
                       if any(_differ(getattr(s.mechanism(name), f), getattr(mech, f)) for s in scenarios[1:]))
        if fields:
            out[name] = fields
    return out


def _differ(a, b) -> bool:
    return type(a) is not type(b) or a != b


def shared_scenario(scenarios, varying: dict):
    """A copy of the first scenario in which each varying parameter is a :class:`Varying`."""
    shared = copy.copy(scenarios[0])
    shared.__dict__.pop("_structure", None)
    if "_structure" in scenarios[0].__dict__:  # the same structure: share the one built
        object.__setattr__(shared, "_structure", scenarios[0].__dict__["_structure"])
    for section, fields in varying.items():
        if section is None:
            for f in fields:
                object.__setattr__(shared, f, Varying(f))
            continue
        mech = copy.copy(shared.mechanism(section))
        for f in fields:
            object.__setattr__(mech, f, Varying(f"{section}.{f}"))
        if section in {f.name for f in dataclasses.fields(shared)}:
            object.__setattr__(shared, section, mech)
        else:
            object.__setattr__(shared, "extensions", {**shared.extensions, section: mech})
    return shared
