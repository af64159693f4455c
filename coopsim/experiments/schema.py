"""The experiment file as pydantic models: ``[experiment]``, ``[scenario]``, ``[design]``, ``[quick]``.

An experiment file has four tables (see ``docs/reference/experiment-files.md``):

``[experiment]``
    name, description, question, replications, seed, output, metrics, record_periods;
``[scenario]``
    the base scenario, passed to :meth:`coopsim.world.scenario.Scenario.from_dict`
    (mechanism sub-tables such as ``[scenario.regime]``);
``[design]`` (optional; without it the base scenario is the only point)
    ``kind`` names a registered design kind (:mod:`coopsim.experiments.designs`: ``grid``,
    ``list``, ``random``, ``latin_hypercube``, ``sobol``, and any registered at run time);
    the kind's input (``[design.parameters]``, ``points`` or ``[design.ranges]``) and its
    options (``samples``, ``seed``, ...). The model of this table, :func:`design_model`, is
    built from the registry;
``[quick]`` (optional)
    smaller replications, periods, samples, grid values or points for ``--quick``;
``[analysis]`` (optional)
    alpha, smallest_effect, bootstrap, thresholds and interactions of the report's verdicts.

The models check the structure; :mod:`~coopsim.experiments.checks` checks the rest (the
scenario, the design's keys and every design point) when an :class:`Experiment` is built
by :meth:`Experiment.from_dict` (or loaded by :mod:`~coopsim.experiments.loading`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
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
    create_model,
    field_validator,
)

from .._resources import parse_duration, parse_size
from . import budget, checks
from .designs import registry
from .errors import ExperimentError, check_nesting, from_validation_error, key_path, not_allowed, show
from .parameters import duplicate_spelling, flatten_points, flatten_sections

__all__ = ["Experiment", "ExperimentSection", "DesignSection", "RangeSpec", "QuickSection", "AnalysisSection",
           "design_model",
           "RANGE_SCHEMA", "MAX_SEED"]

MAX_SEED = 2**63 - 1


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
    seed: int = Field(ge=0, le=MAX_SEED,
                      description="root seed, an integer >= 0; run (point, replication) uses "
                                  "SeedSequence(seed, spawn_key=(point, replication))")
    output: str | None = Field(None, min_length=1,
                               description="output folder (relative to the working directory); "
                                           "default results/<name>")
    metrics: list[str] | None = Field(None, description="summary metrics to keep (names or glob patterns such as "
                                                        "'final_share_*'); default: all")
    record_periods: bool = Field(False, description="also store every run's per-period time series")
    max_memory: str | int | None = Field(None, description="memory the design and each run may use, a size such as "
                                                           "\"4GB\" (default: the memory available)")
    max_runs: int | None = Field(None, ge=1, description="most runs (points x replications) the experiment may have")
    max_run_time: str | int | None = Field(None, description="time one run may take, a duration such as \"2h\" "
                                                             "(default 24h)")

    @field_validator("max_memory")
    @classmethod
    def _size(cls, value: Any) -> Any:
        if value is not None:
            parse_size(value)
        return value

    @field_validator("max_run_time")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if value is not None:
            parse_duration(value)
        return value

    @property
    def max_memory_bytes(self) -> float | None:
        return None if self.max_memory is None else parse_size(self.max_memory)

    @property
    def max_run_seconds(self) -> float | None:
        return None if self.max_run_time is None else parse_duration(self.max_run_time)

    @field_validator("output")
    @classmethod
    def _relative_output(cls, value: str | None) -> str | None:
        parts = Path(value).parts if value is not None else ()
        if value is not None and (Path(value).is_absolute() or ".." in parts or not parts or "~" in value[:1]):
            raise ValueError("a relative folder below the working directory, such as results/<name> "
                             "(the command line's --output may point elsewhere)")
        return value


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


RANGE_SCHEMA = {
    "anyOf": [
        {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
         "description": "[low, high]"},
        {"type": "object", "additionalProperties": False, "required": ["low", "high"],
         "properties": {"low": {"type": "number"}, "high": {"type": "number"},
                        "integer": {"type": "boolean"}, "log": {"type": "boolean"}}},
    ],
}
Range = Annotated[RangeSpec, BeforeValidator(_range_from_list), WithJsonSchema(RANGE_SCHEMA)]
Values = Annotated[dict[str, list[Scalar]], BeforeValidator(flatten_sections)]
Points = Annotated[list[dict[str, Scalar]], BeforeValidator(flatten_points)]
Ranges = Annotated[dict[str, Range], BeforeValidator(flatten_sections)]


class DesignSection(_Strict):
    """``[design]``: the points of the sweep (the base of the model :func:`design_model` builds)."""

    def __reduce__(self):  # the model is built at run time: pickle its data, rebuild on loading
        return (_design_from_dict, (self.model_dump(exclude_none=True),))


def _design_from_dict(data: dict) -> DesignSection:
    return design_model().model_validate(data)


_DESIGN_MODELS: dict[int, type[DesignSection]] = {}
_INPUT_TYPES = {"parameters": Values, "points": Points, "ranges": Ranges}


def design_model() -> type[DesignSection]:
    """The model of ``[design]`` for the registered design kinds: ``kind`` (one of their
    names), the inputs ``parameters``, ``points`` and ``ranges``, and every option of every
    kind. Rebuilt when a kind is registered."""
    version = registry.version()
    model = _DESIGN_MODELS.get(version)
    if model is None:
        fields: dict[str, Any] = {
            "kind": (Literal[registry.names()], Field(description=registry.describe("kind"))),
        }
        for name, annotation in _INPUT_TYPES.items():
            fields[name] = (annotation | None, Field(None, description=registry.describe(name)))
        for name in registry.option_names():
            opt = next(k.option(name) for k in registry.kinds() if k.option(name) is not None)
            annotation = Literal[opt.choices] if opt.choices else opt.type
            alias = AliasChoices(name, *opt.aliases) if opt.aliases else None
            fields[name] = (annotation | None, Field(None, ge=opt.ge, le=opt.le, validation_alias=alias,
                                                      description=registry.describe(name)))
        model = create_model("DesignSection", __base__=DesignSection, __module__=__name__,
                             __doc__=DesignSection.__doc__, **fields)
        _DESIGN_MODELS.clear()
        _DESIGN_MODELS[version] = model
    return model


class QuickSection(_Strict):
    """``[quick]``: overrides applied by ``--quick`` (a fast smoke run of the same experiment)."""

    replications: int | None = Field(None, ge=1, description="replications per point")
    periods: int | None = Field(None, ge=1, description="periods per run (the window shrinks in proportion "
                                                        "unless quick.scenario sets it)")
    samples: int | None = Field(None, ge=1, validation_alias=AliasChoices("samples", "n"),
                                description="samples of a random / latin_hypercube / sobol design")
    scenario: Annotated[dict[str, Any], BeforeValidator(flatten_sections)] | None = Field(
        None, description="scenario parameters to override (dotted names reach into mechanisms)")
    parameters: Values | None = Field(None, description="grid designs: replacement value lists for some "
                                                        "parameters")
    points: Points | None = Field(None, description="list designs: replacement points")


def _check_spellings(data: dict, source: str | None) -> None:
    """Refuse a parameter given both quoted and as dotted keys in one table."""
    tables = []
    for sec, keys in (("design", ("parameters", "ranges", "points")), ("quick", ("parameters", "scenario", "points"))):
        table = data.get(sec)
        if isinstance(table, dict):
            for key in keys:
                value = table.get(key)
                if isinstance(value, list):
                    tables += [((sec, key, i), p) for i, p in enumerate(value)]
                else:
                    tables.append(((sec, key), value))
    for path, table in tables:
        name = duplicate_spelling(table)
        if name is not None:
            sec, sub = name.split(".", 1)
            raise ExperimentError(source, key_path(*path, name),
                                  f"given twice, quoted (\"{name}\" = ...) and dotted ({sec}.{sub} = ... or "
                                  f"[{key_path(*path[:2])}.{sec}]): not allowed, give it once", value=name)


def _pair(value: Any) -> Any:
    if not (isinstance(value, list) and len(value) == 2):
        raise ValueError("a pair [x, z] of two design parameters")
    return value


class AnalysisSection(_Strict):
    """``[analysis]``: how the report computes its verdicts (:mod:`coopsim.analysis`)."""

    alpha: float = Field(0.05, gt=0, lt=1, description="family-wise error rate of the verdicts (Holm over the "
                                                       "hypotheses the experiment varies)")
    confidence: float = Field(0.95, gt=0, lt=1, description="level of the bootstrap intervals")
    smallest_effect: float = Field(0.05, gt=0, le=1, description="smallest effect of interest (SESOI): an effect "
                                                                 "interval inside +-smallest_effect means 'no "
                                                                 "effect' (emergence frequency; cooperation rate "
                                                                 "for window_cooperation)")
    bootstrap: int = Field(1000, ge=100, le=100_000, description="cluster-bootstrap replicates (seeded from "
                                                                 "[experiment] seed)")
    thresholds: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        [0.5, 0.6, 0.7, 0.8, 0.9], min_length=1, description="emergence thresholds at which the verdicts are "
                                                             "recomputed from window_cooperation")
    interactions: list[Annotated[list[str], BeforeValidator(_pair)]] = Field(
        [], description="pairs [x, z] of design parameters: the effect of x at the low and high end of z, "
                        "a test of the interaction and a phase diagram")

    def check(self, exp) -> None:
        """Every name in ``interactions`` must be a parameter the design varies."""
        if not self.interactions:
            return
        names = list(exp.design_points(quick=False).parameters)
        for i, pair in enumerate(self.interactions):
            for j, name in enumerate(pair):
                if name not in names:
                    allowed = ", ".join(names) if names else "none: the design varies no parameter"
                    raise ExperimentError(exp.source, f"analysis.interactions[{i}][{j}]",
                                          not_allowed(name, f"a parameter of the design ({allowed})"),
                                          value=name, allowed=allowed)
            if pair[0] == pair[1]:
                raise ExperimentError(exp.source, f"analysis.interactions[{i}]",
                                      not_allowed(pair, "two different design parameters"), value=pair)


class Experiment(_Strict):
    """A validated experiment: the four tables of an experiment file.

    Build one with :func:`load_experiment` (from a file), :func:`loads_experiment` (from
    TOML text) or :meth:`Experiment.from_dict`; those check the scenario and every design
    point too. ``model_validate`` alone checks only the structure.
    """

    experiment: ExperimentSection = Field(description="[experiment]: name, replications, seed, ...")
    scenario: dict[str, Any] = Field(description="[scenario]: the base scenario (Scenario.from_dict); "
                                                 "mechanisms as sub-tables like [scenario.regime]")
    design: Any = Field(None, description="[design]: the points to sweep (default: the base scenario alone)")
    quick: QuickSection | None = Field(None, description="[quick]: overrides for a fast run")
    analysis: AnalysisSection = Field(default_factory=AnalysisSection,
                                      description="[analysis]: alpha, smallest effect, bootstrap, thresholds, "
                                                  "interactions of the report's verdicts")

    @field_validator("design", mode="before")
    @classmethod
    def _design_table(cls, value: Any) -> Any:
        return None if value is None else design_model().model_validate(value)

    @classmethod
    def field_model(cls, name: str) -> type[BaseModel] | None:
        """The model validating field ``name`` when it is built at run time (``design``)."""
        return design_model() if name == "design" else None

    _source: str | None = PrivateAttr(None)
    _text: str | None = PrivateAttr(None)
    _path: Path | None = PrivateAttr(None)
    _cache: dict = PrivateAttr(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None, text: str | None = None) -> Experiment:
        """Validate plain data (e.g. a parsed TOML document): structure, scenario, design."""
        if not isinstance(data, dict):
            raise ExperimentError(source, "", not_allowed(data, "a table with [experiment], [scenario] and "
                                                                 "optionally [design] and [quick]"))
        if not data:
            raise ExperimentError(source, "", "the experiment is empty: expected the tables [experiment] "
                                              "(name, replications, seed) and [scenario], optionally [design] "
                                              "and [quick]")
        check_nesting(data, source)
        _check_spellings(data, source)
        try:
            exp = cls.model_validate(data)
        except ValidationError as err:
            raise from_validation_error(err, source, cls) from None
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
            self._cache[key] = checks.build_scenario(self, quick)
        return self._cache[key]

    def design_points(self, quick: bool = False):
        """The :class:`~coopsim.experiments.design.Design`: its ``table`` has one row per point."""
        key = ("design", bool(quick))
        if key not in self._cache:
            self._cache[key] = checks.build_design(self, quick)
        return self._cache[key]

    def sobol_problem(self) -> dict | None:
        """SALib's problem dict (``num_vars``, ``names``, ``bounds``) for a design kind that
        supports the ``"sobol"`` analysis (the sobol kind), else None."""
        d = self.design
        problem = registry.get(d.kind).analyses.get("sobol") if d is not None else None
        return problem(checks.ranges(self, d.ranges, "design")) if problem is not None else None

    def output_folder(self, quick: bool = False) -> Path:
        """Where results go: ``[experiment] output`` or ``results/<name>``; ``<...>-quick`` in quick mode."""
        out = Path(self.experiment.output or Path("results") / self.experiment.name)
        return out.with_name(out.name + "-quick") if quick else out

    # ------------------------------------------------------------------ checks
    def check(self) -> Experiment:
        """Check what the models cannot: the scenario, metrics, the design and every point."""
        checks.check(self)
        self.analysis.check(self)
        return self

    def n_points(self, quick: bool = False) -> int:
        """Number of design points, counted without building the design when the kind allows."""
        size = budget.design_size(checks.design_input(self, quick))
        return size if size is not None else len(self.design_points(quick))

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
            shown = (", ".join(show(v) for v in values) if len(values) <= 8
                     else f"{len(values)} values in [{show(col.min())}, {show(col.max())}]")
            lines.append(f"  {name}: {shown}")
        lines.append(budget.describe_budget(self, checks.design_input(self, quick), quick))
        lines.append(f"  seed {self.experiment.seed}; output {self.output_folder(quick)}")
        return "\n".join(lines)


    @property
    def design_section(self) -> DesignSection | None:
        return self.design if isinstance(self.design, DesignSection) else None
