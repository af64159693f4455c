"""What the models cannot check: the scenario, the metrics, the design's keys, every point.

:func:`check` runs when an :class:`~coopsim.experiments.schema.Experiment` is built:
the base scenario and the scenario of every design point (also in quick mode) are
constructed, so that a sweep never starts with a point that cannot run. Designs larger
than :data:`VALIDATE_ALL` points are checked at every parameter's extreme values and on
their first ``VALIDATE_ALL`` points. :func:`build_scenario` and :func:`build_design` make
the base scenario and the :class:`~coopsim.experiments.designs.base.Design` (through the
design kind's ``build``), translating every problem into a one-line
:class:`~coopsim.experiments.errors.ExperimentError`.
"""
from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import itertools
import math
from typing import Any

import numpy as np

from .._resources import check_run
from .._validation import ParameterError
from .budget import LAZY_POINTS, check_budget, experiment_limits
from .columns import run_metrics
from .designs import registry
from .designs.base import Range, single_point
from .designs.list import from_list
from .designs.random import random_design
from .designs.registry import DesignInput
from .errors import ExperimentError, key_path, not_allowed, show
from .parameters import parameter_names, sections, value_kind

__all__ = ["check", "build_scenario", "build_design", "ranges", "VALIDATE_ALL"]

#: points whose scenarios are all constructed at load time; larger designs are checked at
#: every parameter's extreme values and on the first VALIDATE_ALL points
VALIDATE_ALL = 4096


def _error(exp, path: str, problem: str, **kw) -> ExperimentError:
    return ExperimentError(exp.source, path, problem, **kw)


# ============================================================================ the experiment
def check(exp):
    """Check ``exp`` (an Experiment) all the way; return it."""
    from ..world.scenario import Scenario

    try:
        base = Scenario.from_dict(exp.scenario)
    except (ParameterError, TypeError, ValueError) as err:
        raise _scenario_error(exp, err, ("scenario",)) from None
    exp._cache[("scenario", False)] = base
    _check_metrics(exp, base)
    _check_design_keys(exp)
    _check_points_bounded(exp, quick=False)
    if exp.quick is not None:
        _check_quick_keys(exp)
        exp.base_scenario(quick=True)
        _check_points_bounded(exp, quick=True)
    exp._cache[("checked",)] = True
    return exp


def _check_points_bounded(exp, quick: bool) -> None:
    """Refuse a design beyond the resource limits (counted, not built); then check its
    points: all of them (building the design) up to LAZY_POINTS points, beyond that a
    bounded sample and every parameter's extremes without building it."""
    inp = design_input(exp, quick)
    size = check_budget(exp, inp, quick)
    if size is None or size <= LAZY_POINTS:
        exp.design_points(quick)
        return
    kind = registry.get(inp.kind)
    if kind.takes == "parameters":
        names = list(inp.values)
        rows = [dict(zip(names, combo, strict=True))
                for combo in itertools.islice(itertools.product(*inp.values.values()), VALIDATE_ALL)]
        sample = from_list(rows)
        extremes = from_list([{n: v} for n in names for v in _extremes(inp.values[n])])
        for design in (sample, extremes):
            _validate_points(exp, design, inp.base, inp.source, kind.takes, quick, first=VALIDATE_ALL)
    elif kind.takes == "ranges":
        sample = random_design(inp.ranges, VALIDATE_ALL, inp.seed)
        _validate_points(exp, sample, inp.base, inp.source, kind.takes, quick, first=0)
    else:
        exp.design_points(quick)
        return
    exp._cache[("validated", bool(quick))] = True


def _extremes(values: list) -> list:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers and len(numbers) == len(values):
        return list(dict.fromkeys([min(numbers), max(numbers)]))
    return list(dict.fromkeys(values))


def _scenario_error(exp, err: Exception, prefix: tuple) -> ExperimentError:
    if isinstance(err, ParameterError) and not isinstance(err, ExperimentError):
        name = err.name
        parts = prefix + tuple(name.split(".", 1)) if name != "scenario" else prefix
        if name.split(".", 1)[0] in sections():
            parts = prefix + tuple(name.split("."))
        return _error(exp, key_path(*parts), not_allowed(err.value, err.allowed), value=err.value,
                      allowed=err.allowed)
    return _error(exp, key_path(*prefix), f"not a valid scenario: {err}")


def _check_metrics(exp, base) -> None:
    metrics = exp.experiment.metrics
    if metrics is None:
        return
    known = run_metrics(base)
    if not metrics:
        raise _error(exp, "experiment.metrics", not_allowed(metrics, "at least one metric (or leave metrics out "
                                                                     "for all of them)"))
    for i, m in enumerate(metrics):
        pattern = any(c in m for c in "*?[")
        ok = fnmatch.filter(known, m) if pattern else (m in known or m.startswith("final_"))
        if not ok:
            hint = difflib.get_close_matches(m, known, n=1)
            raise _error(exp, key_path("experiment", "metrics", i),
                         not_allowed(m, "a metric: " + ", ".join(known) + " (or a pattern such as "
                                     "'final_share_*')" + (f"; did you mean {hint[0]!r}?" if hint else "")), value=m)


# ============================================================================ the design's keys
def _given(d) -> set[str]:
    """The keys of the ``[design]`` table that were given (not None)."""
    keys = ("parameters", "points", "ranges") + registry.option_names()
    return {k for k in keys if getattr(d, k, None) is not None}


def _check_design_keys(exp) -> None:
    d = exp.design
    if d is None:
        return
    kind = registry.get(d.kind)
    uses = {kind.takes} | {o.name for o in kind.options}
    given = _given(d)
    for key in ("parameters", "points", "ranges") + registry.option_names():
        if key in given and key not in uses:
            raise _error(exp, key_path("design", key), f"not used by kind = {d.kind!r}: a {d.kind} design takes "
                         + ", ".join(f"design.{k}" for k in sorted(uses)))
    for key in [kind.takes] + [o.name for o in kind.options if o.required]:
        if key not in given:
            raise _error(exp, key_path("design", key), f"missing: required by kind = {d.kind!r} "
                         f"({registry.describe(key)})")
    for opt in kind.options:
        if opt.name in given:
            _check_option(exp, kind, opt.name, getattr(d, opt.name), ("design", opt.name))
    if kind.check is not None:
        problem = kind.check(_options(kind, d), given)
        if problem is not None:
            raise _error(exp, key_path("design", problem[0]), problem[1])
    if kind.takes == "parameters":
        _check_values(exp, d.parameters, ("design", "parameters"))
    elif kind.takes == "points":
        _check_points(exp, d.points, ("design", "points"))
    else:
        ranges(exp, d.ranges, "design")


def _check_option(exp, kind, name: str, value: Any, path: tuple) -> None:
    opt = kind.option(name)
    allowed = opt.check(value) if opt is not None and opt.check is not None else None
    if allowed:
        raise _error(exp, key_path(*path), not_allowed(value, allowed), value=value, allowed=allowed)


def _options(kind, d) -> dict[str, Any]:
    """The kind's options: the file's value, else the option's default."""
    out = kind.defaults()
    for opt in kind.options:
        value = getattr(d, opt.name, None)
        if value is not None:
            out[opt.name] = value
    return out


def _check_name(exp, name: str, path: tuple, kinds: tuple = ()) -> str:
    names = parameter_names()
    if name in sections():
        raise _error(exp, key_path(*path), f"{name!r} is a mechanism section: vary its parameters by dotted name ("
                     + ", ".join(n for n in names if n.startswith(name + ".")) + ")", value=name)
    if name not in names:
        if "." in name and name.split(".", 1)[0] in sections():
            sec = name.split(".", 1)[0]
            allowed = ", ".join(n for n in names if n.startswith(sec + "."))
        else:
            allowed = ("a scenario parameter (" + ", ".join(n for n in names if "." not in n)
                       + ") or a mechanism parameter such as regime.monitoring")
        hint = difflib.get_close_matches(name, list(names), n=1)
        raise _error(exp, key_path(*path), f"unknown parameter {name!r}; allowed: {allowed}"
                     + (f" (did you mean {hint[0]!r}?)" if hint else ""), value=name)
    if names[name] == "other":
        raise _error(exp, key_path(*path), f"{name!r} cannot be a design parameter: design values are numbers, "
                                           "strings or booleans (set it in [scenario])", value=name)
    if kinds and names[name] not in kinds:
        raise _error(exp, key_path(*path), f"{name!r} is not a numeric parameter: ranges take numbers (vary it "
                                           "with a grid or list design)", value=name)
    return names[name]


def _check_values(exp, values: dict, path: tuple) -> None:
    if not values:
        raise _error(exp, key_path(*path), "empty: give at least one parameter with a list of values")
    for name, vals in values.items():
        _check_name(exp, name, path + (name,))
        if not vals:
            raise _error(exp, key_path(*path, name), not_allowed(vals, "a non-empty list of values"))
        kinds = {value_kind(v) for v in vals}
        if len(kinds) > 1:
            raise _error(exp, key_path(*path, name), not_allowed(vals, "values of one kind (all numbers, all "
                                                                      "strings or all booleans)"), value=vals)
        if "number" in kinds and any(isinstance(v, float) and not math.isfinite(v) for v in vals):
            raise _error(exp, key_path(*path, name), not_allowed(vals, "finite numbers"), value=vals)


def _check_points(exp, points: list, path: tuple) -> None:
    if not points:
        raise _error(exp, key_path(*path), "empty: give at least one point (a table of parameter values; {} is the "
                                           "base scenario)")
    for i, p in enumerate(points):
        for name, v in p.items():
            _check_name(exp, name, path + (i, name))
            if isinstance(v, float) and not math.isfinite(v):
                raise _error(exp, key_path(*path, i, name), not_allowed(v, "a finite number"), value=v)
    kinds: dict[str, set] = {}
    for p in points:
        for name, v in p.items():
            kinds.setdefault(name, set()).add(value_kind(v))
    for name, k in kinds.items():
        if len(k) > 1:
            first = value_kind(next(q[name] for q in points if name in q))
            i = next(i for i, p in enumerate(points) if name in p and value_kind(p[name]) != first)
            raise _error(exp, key_path(*path, i, name), not_allowed(points[i][name], f"values of {name!r} of one "
                                                                                     "kind in every point"))


def ranges(exp, specs: dict, section: str) -> dict[str, Range]:
    """The checked :class:`~coopsim.experiments.designs.base.Range` of each ``[<section>.ranges]`` entry."""
    if not specs:
        raise _error(exp, key_path(section, "ranges"), "empty: give at least one parameter with [low, high]")
    out = {}
    for name, r in specs.items():
        path = (section, "ranges", name)
        kind = _check_name(exp, name, path, kinds=("int", "float"))
        low, high = r.low, r.high
        integer = r.integer if r.integer is not None else kind == "int"
        if not (math.isfinite(low) and math.isfinite(high)):
            raise _error(exp, key_path(*path), not_allowed([low, high], "finite bounds"))
        if not low < high:
            raise _error(exp, key_path(*path), not_allowed([low, high], "a range [low, high] with low < high"),
                         value=[low, high])
        if r.log and low <= 0:
            raise _error(exp, key_path(*path), not_allowed([low, high], "low > 0 with log = true"))
        if integer and not (float(low).is_integer() and float(high).is_integer()):
            raise _error(exp, key_path(*path), not_allowed([low, high], "integer bounds for an integer parameter"))
        out[name] = Range(float(low), float(high), integer=bool(integer), log=r.log)
    return out


def _check_quick_keys(exp) -> None:
    q, d = exp.quick, exp.design
    kind = registry.get(d.kind) if d is not None else None
    what = {"samples": "", "parameters": " (replacement value lists)", "points": " (replacement points)"}
    for key in ("samples", "parameters", "points"):
        value = getattr(q, key)
        if value is None:
            continue
        if kind is None or key not in kind.quick:
            users = registry.users(key, "quick")
            raise _error(exp, key_path("quick", key), f"only used by {registry.join_names(users)} designs{what[key]}")
        if key == "samples":
            _check_option(exp, kind, "samples", value, ("quick", "samples"))
        elif key == "parameters":
            _check_values(exp, value, ("quick", "parameters"))
            for name in value:
                if name not in d.parameters:
                    raise _error(exp, key_path("quick", "parameters", name),
                                 f"not a parameter of the {d.kind} design; allowed: {', '.join(d.parameters)}",
                                 value=name)
        else:
            _check_points(exp, value, ("quick", "points"))
    if q.scenario is not None:
        for name in q.scenario:
            if name not in parameter_names() and name not in sections():
                _check_name(exp, name, ("quick", "scenario", name))


# ============================================================================ builders
def build_scenario(exp, quick: bool):
    """The base scenario, with ``[quick]`` overrides in quick mode."""
    base = exp._cache.get(("scenario", False))
    if base is None:
        from ..world.scenario import Scenario

        try:
            base = Scenario.from_dict(exp.scenario)
        except (ParameterError, TypeError, ValueError) as err:
            raise _scenario_error(exp, err, ("scenario",)) from None
    q = exp.quick if quick else None
    if q is None:
        return base
    updates = dict(q.scenario or {})
    if q.periods is not None:
        updates.setdefault("periods", q.periods)
        if "window" not in updates and base.window > 1:
            updates["window"] = max(1, min(q.periods, round(base.window * q.periods / base.periods)))
    if not updates:
        return base
    try:
        return base.with_params(updates)
    except (ParameterError, TypeError, ValueError) as err:
        name = getattr(err, "name", "")
        if isinstance(err, ParameterError) and name == "periods" and "periods" not in (q.scenario or {}):
            raise _error(exp, "quick.periods", not_allowed(err.value, err.allowed)) from None
        raise _scenario_error(exp, err, ("quick", "scenario")) from None


def design_input(exp, quick: bool) -> DesignInput | None:
    """What the design kind builds from (None without ``[design]``), ``[quick]`` applied."""
    d = exp.design
    if d is None:
        return None
    kind = registry.get(d.kind)
    options = _options(kind, d)
    seed = options.get("seed")
    inp = DesignInput(kind=kind.name, options=options, seed=seed if seed is not None else exp.experiment.seed,
                      base=exp.base_scenario(quick), source=("design", kind.takes))
    if kind.takes == "parameters":
        inp = inp.replace(values=dict(d.parameters))
    elif kind.takes == "points":
        inp = inp.replace(points=list(d.points))
    else:
        inp = inp.replace(ranges=ranges(exp, d.ranges, "design"))
    q = exp.quick if quick else None
    if q is not None:
        for key, shrink in kind.quick.items():
            value = getattr(q, key)
            if value:
                inp = shrink(inp, value)
    return inp


def build_design(exp, quick: bool):
    """The :class:`~coopsim.experiments.designs.base.Design` of ``exp``, every point checked."""
    inp = design_input(exp, quick)
    if inp is None:
        design, source, takes = single_point(), (), "parameters"
    else:
        kind = registry.get(inp.kind)
        try:
            design = kind.build(inp)
        except ParameterError as err:
            raise _error(exp, key_path(*inp.source), not_allowed(err.value, err.allowed), value=err.value,
                         allowed=err.allowed) from None
        if design.kind != kind.name:
            design = dataclasses.replace(design, kind=kind.name)
        source, takes = inp.source, kind.takes
    if not exp._cache.get(("validated", bool(quick))):
        _validate_points(exp, design, inp.base if inp else exp.base_scenario(quick), source, takes, quick)
    return design


def _validate_points(exp, design, base, source: tuple, takes: str, quick: bool, first: int | None = None) -> None:
    """Construct each point's scenario (all of them up to VALIDATE_ALL points; beyond,
    every parameter's extreme values one at a time and the first VALIDATE_ALL points),
    each within the experiment's resource limits. ``first``: only the first ``first``
    points are numbered as design points in errors (the others are a sample)."""
    if not design.parameters:
        return
    lim = experiment_limits(exp) if (exp.experiment.max_memory is not None
                                     or exp.experiment.max_run_time is not None) else None
    todo: list[tuple[int | None, dict]] = []
    for name, r in (design.ranges or {}).items():  # the values a range can reach at either end
        top = r.high if r.integer else float(np.nextafter(r.high, -np.inf))
        todo += [(None, {name: int(r.low) if r.integer else r.low}), (None, {name: int(top) if r.integer else top})]
    todo += [(i if first is None or i < first else None, p) for i, p in enumerate(design.params[:VALIDATE_ALL])]
    if len(design) > VALIDATE_ALL:
        for name in design.parameters:
            col = design.table[name]
            vals = col.unique() if col.dtype == object or str(col.dtype).startswith(("str", "bool")) \
                else [col.min(), col.max()]
            for v in vals:
                todo.append((None, {name: v.item() if hasattr(v, "item") else v}))
    seen: set = set()
    for i, params in todo:
        key = tuple(sorted((k, repr(v)) for k, v in params.items()))
        if key in seen:
            continue
        seen.add(key)
        try:
            sc = base.with_params(params)
            if lim is not None:
                check_run(sc, memory=lim["memory"], run_seconds=lim["run_seconds"])
        except (ParameterError, TypeError, ValueError) as err:
            raise _point_error(exp, err, params, i, source, takes, quick) from None


def _point_error(exp, err, params: dict, i, source: tuple, takes: str, quick: bool) -> ExperimentError:
    name = getattr(err, "name", None)
    allowed = getattr(err, "allowed", str(err))
    value = getattr(err, "value", None)
    at = f" (design point {i}: {show(params, 120)})" if i is not None else ""
    mode = " in quick mode" if quick and source[:1] == ("design",) else ""
    if name in params and i is None and takes == "ranges":
        return _error(exp, key_path(*source, name), f"the range reaches {show(params[name])}, which is not "
                      f"allowed: {allowed}{mode}", value=params[name], allowed=allowed)
    if name in params:
        if takes == "points":
            path = key_path(*source, i, name) if i is not None else key_path(*source)
        else:
            path = key_path(*source, name)
        problem = not_allowed(params[name], allowed)
        if takes == "ranges":
            problem = f"sampled value {show(params[name])} is not allowed: {allowed} (check the range)"
        return _error(exp, path, problem + mode, value=params[name], allowed=allowed)
    if takes == "points" and i is not None:
        return _error(exp, key_path(*source, i), f"{name}={show(value)} is not allowed: {allowed}{at}{mode}",
                      value=value, allowed=allowed)
    problem = f"{name}={show(value)} is not allowed: {allowed}" if name else str(err)
    return _error(exp, key_path(*source), problem + at + mode, value=value, allowed=allowed)
