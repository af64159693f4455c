"""The experiment file format: TOML validated by pydantic models, errors on one line.

An experiment file has four tables (see ``docs/reference/experiment-files.md``):

``[experiment]``
    name, description, question, replications, seed, output, metrics, record_periods;
``[scenario]``
    the base scenario, passed to :meth:`coopsim.world.scenario.Scenario.from_dict`
    (mechanism sub-tables such as ``[scenario.regime]``);
``[design]`` (optional; without it the base scenario is the only point)
    ``kind`` = ``"grid"`` | ``"list"`` | ``"random"`` | ``"latin_hypercube"`` | ``"sobol"``;
    ``[design.parameters]`` (grid), ``points`` (list) or ``[design.ranges]`` with
    ``samples`` and ``seed`` (random, Latin hypercube, Sobol; ``analysis = "sobol"`` for a
    Saltelli design whose Sobol indices can be computed);
``[quick]`` (optional)
    smaller replications, periods, samples, grid values or points for ``--quick``.

:func:`load_experiment` reads and validates a file. Every problem raises an
:class:`ExperimentError` whose message is one line naming the file, the key path
(``design.parameters."regime.monitorin"``), the bad value and what is allowed. Validation
goes all the way: the base scenario and the scenario of every design point (also in quick
mode) are constructed, so a sweep never starts with a point that cannot run.
"""
from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import hashlib
import json
import math
import re
import tomllib
import types
import typing
from pathlib import Path

import numpy as np
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
)

from .._validation import ParameterError

__all__ = [
    "ExperimentError",
    "Experiment",
    "ExperimentSection",
    "DesignSection",
    "RangeSpec",
    "QuickSection",
    "load_experiment",
    "loads_experiment",
    "json_schema",
    "parameter_names",
    "DESIGN_KINDS",
    "METRICS",
]

DESIGN_KINDS = ("grid", "list", "random", "latin_hypercube", "sobol")
#: summary metrics every run reports (plus ``final_<share or mean vector>`` per strategy)
METRICS = ("emerged", "emergence_period", "window_cooperation", "final_cooperation", "mean_cooperation",
           "window_payoff", "window_inequality")
#: points whose scenarios are all constructed at load time; larger designs are checked at
#: every parameter's extreme values and on the first VALIDATE_ALL points
VALIDATE_ALL = 4096
_MAX_SEED = 2**63 - 1


# ============================================================================ the error
class ExperimentError(ParameterError):
    """An experiment file (or experiment) is not valid; the message is one line:
    ``<file>: <key path>: <value> is not allowed: <what is allowed>``.

    A :class:`coopsim.ParameterError` (so a ``ValueError``) with ``file``, ``path``,
    ``value`` and ``allowed`` attributes.
    """

    def __init__(self, file: str | None, path: str, problem: str, *, value: Any = None, allowed: str = ""):
        self.file, self.path, self.problem = file, path, problem
        self.name, self.value, self.allowed = path, value, allowed
        where = ": ".join(p for p in (file or "<experiment>", path) if p)
        message = f"{where}: {problem}"
        ValueError.__init__(self, " ".join(message.split()))  # one line, always

    def __reduce__(self):  # picklable across processes
        return (_rebuild_error, (self.file, self.path, self.problem, self.value, self.allowed))


def _rebuild_error(file, path, problem, value, allowed):
    return ExperimentError(file, path, problem, value=value, allowed=allowed)


def _show(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it (TOML/JSON-like), shortened."""
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key_path(*parts: Any) -> str:
    """A TOML key path: ``design.parameters."regime.monitoring"``, ``design.points[2]``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif isinstance(p, str) and p.startswith("[") and p.endswith("]"):
            out += p
        else:
            s = str(p)
            seg = s if _BARE.match(s) else json.dumps(s)
            out += ("." if out else "") + seg
    return out


def _not_allowed(value: Any, allowed: str) -> str:
    return f"{_show(value)} is not allowed: {allowed}"


# ============================================================================ parameter names
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
    from ..world.scenario import Scenario

    hints = typing.get_type_hints(Scenario)
    out: dict[str, str] = {}
    for f in dataclasses.fields(Scenario):
        if f.name in REGISTRY:
            mh = typing.get_type_hints(REGISTRY[f.name])
            for g in dataclasses.fields(REGISTRY[f.name]):
                out[f"{f.name}.{g.name}"] = _kind_of(mh[g.name])
        else:
            out[f.name] = _kind_of(hints[f.name])
    return out


def _sections() -> tuple[str, ...]:
    from ..world.mechanisms import REGISTRY

    return tuple(REGISTRY)


def _flatten_sections(value: Any) -> Any:
    """``{"regime": {"monitoring": x}}`` (TOML's unquoted dotted keys) -> ``{"regime.monitoring": x}``."""
    if not isinstance(value, dict):
        return value
    sections = _sections()
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k in sections and isinstance(v, dict):
            for sub, x in v.items():
                out[f"{k}.{sub}"] = x
        else:
            out[k] = v
    return out


def _flatten_points(value: Any) -> Any:
    return [_flatten_sections(p) for p in value] if isinstance(value, list) else value


# ============================================================================ the models
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, frozen=True)


Scalar = int | float | str | bool


class ExperimentSection(_Strict):
    """``[experiment]``: what the experiment is and how often each point runs."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100,
                      description="short identifier: letters, digits, '_', '-', '.' (default output folder "
                                  "results/<name>)")
    description: str = Field("", description="what the experiment does")
    question: str = Field("", description="the research question it answers")
    replications: int = Field(ge=1, le=10_000_000, description="runs per design point, an integer >= 1")
    seed: int = Field(ge=0, le=_MAX_SEED,
                      description="root seed, an integer >= 0; run (point, replication) uses "
                                  "SeedSequence(seed, spawn_key=(point, replication))")
    output: str | None = Field(None, min_length=1,
                               description="output folder (relative to the working directory); "
                                           "default results/<name>")
    metrics: list[str] | None = Field(None, description="summary metrics to keep (names or glob patterns such as "
                                                        "'final_share_*'); default: all")
    record_periods: bool = Field(False, description="also store every run's per-period time series")


class RangeSpec(_Strict):
    """A range of a random, Latin hypercube or Sobol design: ``[low, high]`` or a table."""

    low: float = Field(description="lower bound (inclusive)")
    high: float = Field(description="upper bound")
    integer: bool | None = Field(None, description="draw integers from low..high (default: true for integer "
                                                   "parameters such as n_states)")
    log: bool = Field(False, description="uniform on a log scale (needs low > 0)")


def _range_from_list(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError("a range [low, high] of two numbers, or a table {low, high, integer, log}")
        return {"low": value[0], "high": value[1]}
    return value


_RANGE_SCHEMA = {
    "anyOf": [
        {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
         "description": "[low, high]"},
        {"type": "object", "additionalProperties": False, "required": ["low", "high"],
         "properties": {"low": {"type": "number"}, "high": {"type": "number"},
                        "integer": {"type": "boolean"}, "log": {"type": "boolean"}}},
    ],
}
Range = Annotated[RangeSpec, BeforeValidator(_range_from_list), WithJsonSchema(_RANGE_SCHEMA)]
Values = Annotated[dict[str, list[Scalar]], BeforeValidator(_flatten_sections)]
Points = Annotated[list[dict[str, Scalar]], BeforeValidator(_flatten_points)]
Ranges = Annotated[dict[str, Range], BeforeValidator(_flatten_sections)]


class DesignSection(_Strict):
    """``[design]``: the points of the sweep."""

    kind: Literal["grid", "list", "random", "latin_hypercube", "sobol"] = Field(
        description="grid (every combination of design.parameters), list (design.points), random, "
                    "latin_hypercube or sobol (design.ranges with samples)")
    parameters: Values | None = Field(None, description="grid: parameter -> list of values (dotted names reach "
                                                        "into mechanisms, e.g. \"regime.monitoring\")")
    points: Points | None = Field(None, description="list: an array of tables, each a point's parameter values")
    ranges: Ranges | None = Field(None, description="random / latin_hypercube / sobol: parameter -> [low, high] "
                                                    "or {low, high, integer, log}")
    samples: int | None = Field(None, ge=1, le=100_000_000, validation_alias=AliasChoices("samples", "n"),
                                description="random / latin_hypercube: number of points; sobol: a power of 2 "
                                            "(with analysis = \"sobol\": the base sample N, giving N(2d+2) points)")
    seed: int | None = Field(None, ge=0, le=_MAX_SEED, description="seed of the sampled design (default: the "
                                                                  "experiment's seed)")
    analysis: Literal["sobol"] | None = Field(None, description="sobol designs: \"sobol\" lays the points out as "
                                                                "SALib's Saltelli sample for Sobol indices")
    second_order: bool | None = Field(None, description="with analysis = \"sobol\": include the second-order "
                                                        "blocks (default true)")


class QuickSection(_Strict):
    """``[quick]``: overrides applied by ``--quick`` (a fast smoke run of the same experiment)."""

    replications: int | None = Field(None, ge=1, description="replications per point")
    periods: int | None = Field(None, ge=1, description="periods per run (the window shrinks in proportion "
                                                        "unless quick.scenario sets it)")
    samples: int | None = Field(None, ge=1, validation_alias=AliasChoices("samples", "n"),
                                description="samples of a random / latin_hypercube / sobol design")
    scenario: Annotated[dict[str, Any], BeforeValidator(_flatten_sections)] | None = Field(
        None, description="scenario parameters to override (dotted names reach into mechanisms)")
    parameters: Values | None = Field(None, description="grid designs: replacement value lists for some "
                                                        "parameters")
    points: Points | None = Field(None, description="list designs: replacement points")


class Experiment(_Strict):
    """A validated experiment: the four tables of an experiment file.

    Build one with :func:`load_experiment` (from a file), :func:`loads_experiment` (from
    TOML text) or :meth:`Experiment.from_dict`; those check the scenario and every design
    point too. ``model_validate`` alone checks only the structure.
    """

    experiment: ExperimentSection = Field(description="[experiment]: name, replications, seed, ...")
    scenario: dict[str, Any] = Field(description="[scenario]: the base scenario (Scenario.from_dict); "
                                                 "mechanisms as sub-tables like [scenario.regime]")
    design: DesignSection | None = Field(None, description="[design]: the points to sweep (default: the base "
                                                           "scenario alone)")
    quick: QuickSection | None = Field(None, description="[quick]: overrides for a fast run")

    _source: str | None = PrivateAttr(None)
    _text: str | None = PrivateAttr(None)
    _path: Path | None = PrivateAttr(None)
    _cache: dict = PrivateAttr(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None, text: str | None = None) -> Experiment:
        """Validate plain data (e.g. a parsed TOML document): structure, scenario, design."""
        if not isinstance(data, dict):
            raise ExperimentError(source, "", _not_allowed(data, "a table with [experiment], [scenario] and "
                                                                 "optionally [design] and [quick]"))
        if not data:
            raise ExperimentError(source, "", "the experiment is empty: expected the tables [experiment] "
                                              "(name, replications, seed) and [scenario], optionally [design] "
                                              "and [quick]")
        try:
            exp = cls.model_validate(data)
        except ValidationError as err:
            raise _from_validation_error(err, source, data) from None
        exp._source, exp._text = source, text
        exp.check()
        return exp

    @property
    def source(self) -> str | None:
        """The file the experiment was read from (None if built in code)."""
        return self._source

    @property
    def path(self) -> Path | None:
        """The absolute path of the experiment file (None if not read from a file)."""
        return self._path

    @property
    def text(self) -> str | None:
        """The file's text (None if built in code)."""
        return self._text

    @property
    def name(self) -> str:
        return self.experiment.name

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's bytes (or, built in code, of its canonical JSON)."""
        if self._text is not None:
            return hashlib.sha256(self._text.encode("utf-8")).hexdigest()
        canonical = json.dumps(self.model_dump(mode="json", exclude_none=True), sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def _error(self, path: str, problem: str, **kw) -> ExperimentError:
        return ExperimentError(self._source, path, problem, **kw)

    # ------------------------------------------------------------------ derived objects
    def replications(self, quick: bool = False) -> int:
        q = self.quick if quick else None
        return q.replications if q is not None and q.replications is not None else self.experiment.replications

    def base_scenario(self, quick: bool = False):
        """The base :class:`~coopsim.world.scenario.Scenario` (with ``[quick]`` overrides)."""
        key = ("scenario", bool(quick))
        if key not in self._cache:
            self._cache[key] = self._build_scenario(quick)
        return self._cache[key]

    def design_points(self, quick: bool = False):
        """The :class:`~coopsim.experiments.design.Design`: its ``table`` has one row per point."""
        key = ("design", bool(quick))
        if key not in self._cache:
            self._cache[key] = self._build_design(quick)
        return self._cache[key]

    def sobol_problem(self) -> dict | None:
        """SALib's problem dict (``num_vars``, ``names``, ``bounds``) for a sobol design, else None."""
        from . import design as dz

        d = self.design
        if d is None or d.kind != "sobol":
            return None
        return dz.sobol_problem(self._ranges(d.ranges, "design"))

    def output_folder(self, quick: bool = False) -> Path:
        """Where results go: ``[experiment] output`` or ``results/<name>``; ``<...>-quick`` in quick mode."""
        out = Path(self.experiment.output or Path("results") / self.experiment.name)
        return out.with_name(out.name + "-quick") if quick else out

    # ------------------------------------------------------------------ semantic checks
    def check(self) -> Experiment:
        """Check what the models cannot: the scenario, metrics, the design and every point."""
        from ..world.scenario import Scenario

        try:
            base = Scenario.from_dict(self.scenario)
        except (ParameterError, TypeError, ValueError) as err:
            raise self._scenario_error(err, ("scenario",)) from None
        self._cache[("scenario", False)] = base
        self._check_metrics(base)
        self._check_design_keys()
        self.design_points(quick=False)
        if self.quick is not None:
            self._check_quick_keys()
            self.base_scenario(quick=True)
            self.design_points(quick=True)
        self._cache[("checked",)] = True
        return self

    def describe(self, quick: bool = False) -> str:
        """A few lines for humans: what runs, how many times, where results go."""
        d = self.design_points(quick)
        reps = self.replications(quick)
        base = self.base_scenario(quick)
        lines = [f"experiment {self.name!r}" + (" (quick)" if quick else "") + (f": {self.experiment.description}"
                                                                              if self.experiment.description else "")]
        if self.experiment.question:
            lines.append(f"  question: {self.experiment.question}")
        kind = "base scenario only" if d.kind == "single" else f"{d.kind} design"
        lines.append(f"  {len(d)} point{'s' if len(d) != 1 else ''} ({kind}) x {reps} replication"
                     f"{'s' if reps != 1 else ''} = {len(d) * reps} runs of {base.periods} periods, "
                     f"{base.n_states} states")
        for name in d.parameters:
            col = d.table[name]
            values = list(dict.fromkeys(col.tolist()))
            shown = (", ".join(_show(v) for v in values) if len(values) <= 8
                     else f"{len(values)} values in [{_show(col.min())}, {_show(col.max())}]")
            lines.append(f"  {name}: {shown}")
        lines.append(f"  seed {self.experiment.seed}; output {self.output_folder(quick)}")
        return "\n".join(lines)

    def _scenario_error(self, err: Exception, prefix: tuple) -> ExperimentError:
        if isinstance(err, ParameterError) and not isinstance(err, ExperimentError):
            name = err.name
            parts = prefix + tuple(name.split(".", 1)) if name != "scenario" else prefix
            if name.split(".", 1)[0] in _sections():
                parts = prefix + tuple(name.split("."))
            return self._error(key_path(*parts), _not_allowed(err.value, err.allowed),
                               value=err.value, allowed=err.allowed)
        return self._error(key_path(*prefix), f"not a valid scenario: {err}")

    def _check_metrics(self, base) -> None:
        metrics = self.experiment.metrics
        if metrics is None:
            return
        known = list(METRICS) + [f"final_{label}" for label in base.trait_labels()]
        if not metrics:
            raise self._error("experiment.metrics", _not_allowed(metrics, "at least one metric (or leave metrics out "
                                                                          "for all of them)"))
        for i, m in enumerate(metrics):
            pattern = any(c in m for c in "*?[")
            ok = fnmatch.filter(known, m) if pattern else (m in known or m.startswith("final_"))
            if not ok:
                hint = difflib.get_close_matches(m, known, n=1)
                raise self._error(key_path("experiment", "metrics", i),
                                  _not_allowed(m, "a metric: " + ", ".join(known) + " (or a pattern such as "
                                               "'final_share_*')" + (f"; did you mean {hint[0]!r}?" if hint else "")),
                                  value=m)

    def _check_design_keys(self) -> None:
        d = self.design
        if d is None:
            return
        uses = {"grid": {"parameters"}, "list": {"points"}, "random": {"ranges", "samples", "seed"},
                "latin_hypercube": {"ranges", "samples", "seed"},
                "sobol": {"ranges", "samples", "seed", "analysis", "second_order"}}[d.kind]
        needed = {"grid": ["parameters"], "list": ["points"], "random": ["ranges", "samples"],
                  "latin_hypercube": ["ranges", "samples"], "sobol": ["ranges", "samples"]}[d.kind]
        for key in ("parameters", "points", "ranges", "samples", "seed", "analysis", "second_order"):
            if getattr(d, key) is not None and key not in uses:
                raise self._error(key_path("design", key),
                                  f"not used by kind = {d.kind!r}: a {d.kind} design takes "
                                  + ", ".join(f"design.{k}" for k in sorted(uses)))
        for key in needed:
            if getattr(d, key) is None:
                raise self._error(key_path("design", key), f"missing: required by kind = {d.kind!r} "
                                  f"({DesignSection.model_fields[key].description})")
        if d.second_order is not None and d.analysis is None:
            raise self._error("design.second_order", "only used with analysis = \"sobol\"")
        if d.kind == "grid":
            self._check_values(d.parameters, ("design", "parameters"))
        elif d.kind == "list":
            self._check_points(d.points, ("design", "points"))
        else:
            self._ranges(d.ranges, "design")
            self._check_samples(d.samples, ("design", "samples"))

    def _check_samples(self, samples: int, path: tuple) -> None:
        d = self.design
        if d.kind == "sobol" and samples & (samples - 1):
            raise self._error(key_path(*path), _not_allowed(samples, "a power of 2 for a sobol design "
                                                                     "(1, 2, 4, 8, ...): Sobol' points are "
                                                                     "balanced only then"), value=samples)

    def _check_name(self, name: str, path: tuple, kinds: tuple = ()) -> str:
        names = parameter_names()
        if name in _sections():
            raise self._error(key_path(*path), f"{name!r} is a mechanism section: vary its parameters by dotted "
                              "name (" + ", ".join(n for n in names if n.startswith(name + ".")) + ")", value=name)
        if name not in names:
            if "." in name and name.split(".", 1)[0] in _sections():
                sec = name.split(".", 1)[0]
                allowed = ", ".join(n for n in names if n.startswith(sec + "."))
            else:
                allowed = ("a scenario parameter (" + ", ".join(n for n in names if "." not in n)
                           + ") or a mechanism parameter such as regime.monitoring")
            hint = difflib.get_close_matches(name, list(names), n=1)
            raise self._error(key_path(*path), f"unknown parameter {name!r}; allowed: {allowed}"
                              + (f" (did you mean {hint[0]!r}?)" if hint else ""), value=name)
        if names[name] == "other":
            raise self._error(key_path(*path), f"{name!r} cannot be a design parameter: design values are "
                                               "numbers, strings or booleans (set it in [scenario])", value=name)
        if kinds and names[name] not in kinds:
            raise self._error(key_path(*path), f"{name!r} is not a numeric parameter: ranges take numbers "
                                               "(vary it with a grid or list design)", value=name)
        return names[name]

    def _check_values(self, values: dict, path: tuple) -> None:
        if not values:
            raise self._error(key_path(*path), "empty: give at least one parameter with a list of values")
        for name, vals in values.items():
            self._check_name(name, path + (name,))
            if not vals:
                raise self._error(key_path(*path, name), _not_allowed(vals, "a non-empty list of values"))
            kinds = {_value_kind(v) for v in vals}
            if len(kinds) > 1:
                raise self._error(key_path(*path, name), _not_allowed(vals, "values of one kind (all numbers, all "
                                                                           "strings or all booleans)"), value=vals)
            if "number" in kinds and any(isinstance(v, float) and not math.isfinite(v) for v in vals):
                raise self._error(key_path(*path, name), _not_allowed(vals, "finite numbers"), value=vals)

    def _check_points(self, points: list, path: tuple) -> None:
        if not points:
            raise self._error(key_path(*path), "empty: give at least one point (a table of parameter values; "
                                               "{} is the base scenario)")
        for i, p in enumerate(points):
            for name, v in p.items():
                self._check_name(name, path + (i, name))
                if isinstance(v, float) and not math.isfinite(v):
                    raise self._error(key_path(*path, i, name), _not_allowed(v, "a finite number"), value=v)
        kinds: dict[str, set] = {}
        for p in points:
            for name, v in p.items():
                kinds.setdefault(name, set()).add(_value_kind(v))
        for name, k in kinds.items():
            if len(k) > 1:
                i = next(i for i, p in enumerate(points) if name in p and _value_kind(p[name]) != _value_kind(
                    next(q[name] for q in points if name in q)))
                raise self._error(key_path(*path, i, name), _not_allowed(points[i][name], f"values of {name!r} of "
                                                                         "one kind in every point"))

    def _ranges(self, ranges: dict, section: str) -> dict:
        from .design import Range as R

        if not ranges:
            raise self._error(key_path(section, "ranges"), "empty: give at least one parameter with [low, high]")
        out = {}
        for name, r in ranges.items():
            path = (section, "ranges", name)
            kind = self._check_name(name, path, kinds=("int", "float"))
            low, high = r.low, r.high
            integer = r.integer if r.integer is not None else kind == "int"
            if not (math.isfinite(low) and math.isfinite(high)):
                raise self._error(key_path(*path), _not_allowed([low, high], "finite bounds"))
            if not low < high:
                raise self._error(key_path(*path), _not_allowed([low, high], "a range [low, high] with low < high"),
                                  value=[low, high])
            if r.log and low <= 0:
                raise self._error(key_path(*path), _not_allowed([low, high], "low > 0 with log = true"))
            if integer and not (float(low).is_integer() and float(high).is_integer()):
                raise self._error(key_path(*path), _not_allowed([low, high], "integer bounds for an integer "
                                                                             "parameter"))
            out[name] = R(float(low), float(high), integer=bool(integer), log=r.log)
        return out

    def _check_quick_keys(self) -> None:
        q, d = self.quick, self.design
        kind = d.kind if d is not None else None
        if q.samples is not None:
            if kind not in ("random", "latin_hypercube", "sobol"):
                raise self._error("quick.samples", "only used by random, latin_hypercube and sobol designs")
            self._check_samples(q.samples, ("quick", "samples"))
        if q.parameters is not None:
            if kind != "grid":
                raise self._error("quick.parameters", "only used by grid designs (replacement value lists)")
            self._check_values(q.parameters, ("quick", "parameters"))
            for name in q.parameters:
                if name not in d.parameters:
                    raise self._error(key_path("quick", "parameters", name),
                                      f"not a parameter of the grid; allowed: {', '.join(d.parameters)}", value=name)
        if q.points is not None:
            if kind != "list":
                raise self._error("quick.points", "only used by list designs (replacement points)")
            self._check_points(q.points, ("quick", "points"))
        if q.scenario is not None:
            for name in q.scenario:
                if name not in parameter_names() and name not in _sections():
                    self._check_name(name, ("quick", "scenario", name))

    # ------------------------------------------------------------------ builders
    def _build_scenario(self, quick: bool):
        base = self._cache.get(("scenario", False))
        if base is None:
            from ..world.scenario import Scenario

            try:
                base = Scenario.from_dict(self.scenario)
            except (ParameterError, TypeError, ValueError) as err:
                raise self._scenario_error(err, ("scenario",)) from None
        q = self.quick if quick else None
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
                raise self._error("quick.periods", _not_allowed(err.value, err.allowed)) from None
            raise self._scenario_error(err, ("quick", "scenario")) from None

    def _build_design(self, quick: bool):
        from . import design as dz

        d = self.design_section
        q = self.quick if quick else None
        base = self.base_scenario(quick)
        if d is None:
            design = dz.single_point()
            section_path: tuple = ()
        elif d.kind == "grid":
            values = dict(d.parameters)
            section_path = ("design", "parameters")
            if q is not None and q.parameters:
                values.update(q.parameters)
                section_path = ("quick", "parameters") if set(q.parameters) == set(values) else section_path
            design = dz.grid(values)
        elif d.kind == "list":
            points, section_path = d.points, ("design", "points")
            if q is not None and q.points is not None:
                points, section_path = q.points, ("quick", "points")
            design = dz.from_list(points, base)
        else:
            ranges = self._ranges(d.ranges, "design")
            samples = q.samples if q is not None and q.samples is not None else d.samples
            seed = d.seed if d.seed is not None else self.experiment.seed
            section_path = ("design", "ranges")
            if d.kind == "random":
                design = dz.random_design(ranges, samples, seed)
            elif d.kind == "latin_hypercube":
                design = dz.latin_hypercube(ranges, samples, seed)
            else:
                design = dz.sobol(ranges, samples, seed, saltelli=d.analysis == "sobol",
                                  second_order=d.second_order if d.second_order is not None else True)
        self._validate_points(design, base, section_path, quick)
        return design

    @property
    def design_section(self) -> DesignSection | None:
        return self.design if isinstance(self.design, DesignSection) else None

    def _validate_points(self, design, base, section_path: tuple, quick: bool) -> None:
        """Construct each point's scenario (all of them up to VALIDATE_ALL points; beyond,
        every parameter's extreme values one at a time and the first VALIDATE_ALL points)."""
        if not design.parameters:
            return
        checks: list[tuple[int | None, dict]] = []
        for name, r in (design.ranges or {}).items():  # the values a range can reach at either end
            top = r.high if r.integer else float(np.nextafter(r.high, -np.inf))
            checks += [(None, {name: int(r.low) if r.integer else r.low}), (None, {name: int(top) if r.integer
                                                                                  else top})]
        checks += list(enumerate(design.params[:VALIDATE_ALL]))
        if len(design) > VALIDATE_ALL:
            for name in design.parameters:
                col = design.table[name]
                vals = col.unique() if col.dtype == object or str(col.dtype).startswith(("str", "bool")) \
                    else [col.min(), col.max()]
                for v in vals:
                    checks.append((None, {name: dz_py(v)}))
        seen: set = set()
        for i, params in checks:
            key = tuple(sorted((k, repr(v)) for k, v in params.items()))
            if key in seen:
                continue
            seen.add(key)
            try:
                base.with_params(params)
            except (ParameterError, TypeError, ValueError) as err:
                raise self._point_error(err, params, i, section_path, design.kind, quick) from None

    def _point_error(self, err, params: dict, i, section_path: tuple, kind: str, quick: bool) -> ExperimentError:
        name = getattr(err, "name", None)
        allowed = getattr(err, "allowed", str(err))
        value = getattr(err, "value", None)
        at = f" (design point {i}: {_show(params, 120)})" if i is not None else ""
        mode = " in quick mode" if quick and section_path[:1] == ("design",) else ""
        if name in params and i is None and design_ranges(kind):
            return self._error(key_path(*section_path, name), f"the range reaches {_show(params[name])}, which is "
                               f"not allowed: {allowed}{mode}", value=params[name], allowed=allowed)
        if name in params:
            if kind == "list":
                path = key_path(*section_path, i, name) if i is not None else key_path(*section_path)
            else:
                path = key_path(*section_path, name)
            problem = _not_allowed(params[name], allowed)
            if kind in ("random", "latin_hypercube", "sobol"):
                problem = f"sampled value {_show(params[name])} is not allowed: {allowed} (check the range)"
            return self._error(path, problem + mode, value=params[name], allowed=allowed)
        if kind == "list" and i is not None:
            return self._error(key_path(*section_path, i), f"{name}={_show(value)} is not allowed: {allowed}"
                               f"{at}{mode}", value=value, allowed=allowed)
        problem = f"{name}={_show(value)} is not allowed: {allowed}" if name else str(err)
        return self._error(key_path(*section_path), problem + at + mode, value=value, allowed=allowed)


def design_ranges(kind: str) -> bool:
    return kind in ("random", "latin_hypercube", "sobol")


def dz_py(value: Any) -> Any:
    """A numpy scalar as a plain Python value."""
    return value.item() if hasattr(value, "item") else value


def _value_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return "str"


# ============================================================================ pydantic errors
_TYPE_WORDS = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "dict_type": "a table",
    "list_type": "an array", "model_type": "a table", "model_attributes_type": "a table",
}


def _model_at(loc: tuple) -> Any:
    """The annotation (model class, dict, list ...) found by walking ``loc`` from Experiment."""
    ann: Any = Experiment
    for seg in loc:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(seg) if isinstance(seg, str) else None
            if field is None:
                field = next((f for f in ann.model_fields.values() if f.validation_alias is not None
                              and seg in getattr(f.validation_alias, "choices", [])), None)
            if field is None:
                return None
            ann = field.annotation
        else:
            origin = typing.get_origin(ann)
            args = typing.get_args(ann)
            if origin is dict:
                ann = args[1]
            elif origin is list:
                ann = args[0]
            else:
                return None
    return _unwrap(ann)


def _unwrap(ann: Any) -> Any:
    while True:
        origin = typing.get_origin(ann)
        if origin is Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            ann = models[0] if models else args[0] if len(args) == 1 else ann
            if ann is not args[0] and not models:
                return ann
        else:
            return ann


def _describe(loc: tuple) -> str:
    parent = _model_at(loc[:-1])
    if isinstance(parent, type) and issubclass(parent, BaseModel) and isinstance(loc[-1], str):
        f = parent.model_fields.get(loc[-1])
        if f is not None and f.description:
            return f.description
    return ""


def _from_validation_error(err: ValidationError, source: str | None, data: dict) -> ExperimentError:
    errors = err.errors(include_url=False)
    # report missing top-level tables first, then the first problem in file order
    # (an unknown key explains a missing one better than the other way round)
    errors.sort(key=lambda e: (len(e["loc"]) != 1 or e["type"] != "missing", e["type"] != "extra_forbidden"))
    e = errors[0]
    loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and (x.startswith("function-") or x in
                                                                    ("list[...]",))))
    path = key_path(*loc)
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    typ, value = e["type"], e.get("input")
    if typ == "missing":
        what = _describe(loc)
        if len(loc) == 1:
            problem = f"missing table [{loc[0]}]" + (f" ({what})" if what else "")
        else:
            problem = "missing" + (f"; required: {what}" if what else "")
        return ExperimentError(source, path, problem + more)
    if typ == "extra_forbidden":
        parent = _model_at(loc[:-1])
        allowed = list(parent.model_fields) if isinstance(parent, type) and issubclass(parent, BaseModel) else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        where = f"[{key_path(*loc[:-1])}]" if loc[:-1] else "the top level"
        problem = (f"unknown key in {where}; allowed: " + ", ".join(allowed)
                   + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        return ExperimentError(source, path, problem + more, value=value, allowed=", ".join(allowed))
    ctx = e.get("ctx") or {}
    if loc and loc[-1] in ("int", "float", "str", "bool"):  # a design value (a union of scalars)
        loc = loc[:-1]
        path = key_path(*loc)
        others = [x for x in errors if tuple(x["loc"])[:len(loc)] != loc]
        more = f" (and {len(others)} more problem{'s' if len(others) > 1 else ''})" if others else ""
        allowed = "a number, a string or a boolean (design values are single values)"
        return ExperimentError(source, path, _not_allowed(value, allowed) + more, value=value, allowed=allowed)
    if len(loc) == 3 and loc[1] == "ranges" and typ in ("model_type", "model_attributes_type"):
        allowed = "a range [low, high] or a table {low, high, integer, log}"
        return ExperimentError(source, path, _not_allowed(value, allowed) + more, value=value, allowed=allowed)
    if typ in _TYPE_WORDS:
        allowed = _TYPE_WORDS[typ]
    elif typ == "literal_error":
        allowed = "one of " + str(ctx.get("expected", ""))
    elif typ in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[typ]
        bound = next(iter(ctx.values()))
        what = "an integer" if isinstance(value, int) and not isinstance(value, bool) else "a number"
        allowed = f"{what} {sign} {bound}"
    elif typ == "string_pattern_mismatch":
        allowed = _describe(loc) or f"a string matching {ctx.get('pattern')}"
    elif typ in ("string_too_short", "too_short"):
        allowed = "a non-empty value"
    else:
        msg = e["msg"]
        allowed = msg.removeprefix("Value error, ")
        allowed = allowed[:1].lower() + allowed[1:]
    what = _describe(loc)
    if what and what != allowed and typ != "string_pattern_mismatch":
        allowed += f" ({what})"
    return ExperimentError(source, path, _not_allowed(value, allowed) + more, value=value, allowed=allowed)


# ============================================================================ loading
def loads_experiment(text: str, source: str | None = None) -> Experiment:
    """Parse and validate the TOML text of an experiment (``source`` names it in errors)."""
    if not text.strip():
        raise ExperimentError(source, "", "the file is empty: expected the tables [experiment] (name, replications, "
                                          "seed) and [scenario], optionally [design] and [quick]")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ExperimentError(source, "", f"not valid TOML: {err}") from None
    if not data:
        raise ExperimentError(source, "", "the file is empty (comments only): expected the tables [experiment] "
                                          "(name, replications, seed) and [scenario], optionally [design] and "
                                          "[quick]")
    return Experiment.from_dict(data, source=source, text=text)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; raise :class:`ExperimentError` (one line) if it is not valid.

    The file's scenario and the scenario of every design point (also with ``[quick]``) are
    constructed, so that a sweep never starts with a point that cannot run.
    """
    p = Path(path)
    source = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ExperimentError(source, "", "no such file") from None
    except IsADirectoryError:
        raise ExperimentError(source, "", "a folder, not an experiment file") from None
    except OSError as err:
        raise ExperimentError(source, "", f"cannot be read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ExperimentError(source, "", f"not UTF-8 text (byte {err.start}): TOML files are UTF-8") from None
    exp = loads_experiment(text, source=source)
    exp._path = p.resolve()
    return exp


# ============================================================================ JSON Schema
def _scenario_schema() -> dict:
    from ..world.mechanisms import REGISTRY

    kinds = {"int": {"type": "integer"}, "float": {"type": "number"}, "str": {"type": "string"},
             "bool": {"type": "boolean"}}
    names = parameter_names()
    props: dict[str, Any] = {}
    from ..world.scenario import Scenario

    for f in dataclasses.fields(Scenario):
        if f.name in REGISTRY:
            cls = REGISTRY[f.name]
            sub = {n.split(".", 1)[1]: kinds.get(k, {}) for n, k in names.items() if n.startswith(f.name + ".")}
            props[f.name] = {"type": "object", "additionalProperties": False, "properties": sub,
                             "description": f"{cls.HYPOTHESIS} {cls.NAME}: {cls.PREDICTION}"}
        elif f.name == "strategies":
            props[f.name] = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
        elif f.name in ("game_params", "structure_params"):
            props[f.name] = {"type": "object"}
        else:
            props[f.name] = dict(kinds.get(names[f.name], {}))
    return {"type": "object", "additionalProperties": False, "properties": props,
            "description": "[scenario]: the base scenario; mechanism sub-tables such as [scenario.regime]"}


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of experiment files, for editors (e.g. Taplo / Even Better TOML)."""
    schema = Experiment.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "coopsim experiment file"
    schema["description"] = ("An experiment: [experiment], [scenario], optionally [design] and [quick]. "
                             "See docs/reference/experiment-files.md.")
    schema["properties"]["scenario"] = _scenario_schema()
    # mechanism parameters may be written as TOML dotted keys, i.e. nested tables
    value = {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]}
    values = {"type": "array", "items": value, "minItems": 1}

    def sectioned(leaf: dict, description: str) -> dict:
        return {"type": "object", "description": description, "additionalProperties": leaf,
                "properties": {sec: {"type": "object", "additionalProperties": leaf} for sec in _sections()}}

    defs = schema["$defs"]
    for model in ("DesignSection", "QuickSection"):
        props = defs[model]["properties"]
        props["parameters"] = sectioned(values, "parameter -> array of values")
        props["points"] = {"type": "array", "description": "array of tables of parameter values",
                           "items": sectioned(value, "a point's parameter values")}
    defs["DesignSection"]["properties"]["ranges"] = sectioned(_RANGE_SCHEMA, "parameter -> [low, high] or "
                                                                             "{low, high, integer, log}")
    defs["QuickSection"]["properties"]["scenario"] = {"type": "object", "description": "scenario overrides"}
    return schema


def scenario_keys_table() -> str:
    """Markdown table of every ``[scenario]`` key of the schema (mechanism sub-tables
    included) with its JSON type and its default; the reference page embeds it and a test
    keeps the two identical."""
    import dataclasses

    from ..world.mechanisms import REGISTRY
    from ..world.scenario import Scenario

    def kind(node: dict) -> str:
        if "anyOf" in node:
            return " or ".join(kind(n) for n in node["anyOf"])
        if node.get("type") == "array":
            return f"array of {kind(node.get('items', {}))}"
        return str(node.get("type", "any"))

    def default(field) -> str:
        if field.default is not dataclasses.MISSING:
            value = field.default
        elif field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            value = field.default_factory()  # type: ignore[misc]
        else:
            return "required"
        return "(none)" if value is None else f"`{value!r}`".replace("'", '"')

    scenario = _scenario_schema()["properties"]
    fields = {f.name: f for f in dataclasses.fields(Scenario)}
    rows = ["| key | type | default |", "|---|---|---|"]
    for key, node in scenario.items():
        if key in REGISTRY:
            mech = {f.name: f for f in dataclasses.fields(REGISTRY[key])}
            for sub, subnode in node["properties"].items():
                rows.append(f"| `{key}.{sub}` | {kind(subnode)} | {default(mech[sub])} |")
        else:
            rows.append(f"| `{key}` | {kind(node)} | {default(fields[key])} |")
    return "\n".join(rows)
