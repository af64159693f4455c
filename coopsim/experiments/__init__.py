"""Experiments: declarative TOML files, designs, seeded runs on any backend, Parquet results.

Usage::

    from coopsim.experiments import load_experiment, run_experiment
    exp = load_experiment("experiments/h3_iteration.toml")   # validated, or ExperimentError
    res = run_experiment(exp, workers=2, resume=True)        # writes results/<name>/
    res.runs.groupby("iteration.continuation")["emerged"].mean()

* :mod:`~coopsim.experiments.schema` — the file format (pydantic models);
* :mod:`~coopsim.experiments.checks` — the scenario and every design point, checked at load;
* :mod:`~coopsim.experiments.errors` — one-line errors naming key, value and what is allowed;
* :mod:`~coopsim.experiments.loading` — :func:`load_experiment`, :func:`loads_experiment`;
* :mod:`~coopsim.experiments.schemagen` — JSON Schema and the reference table of the docs;
* :mod:`~coopsim.experiments.designs` — the design kinds (grid, list, random, Latin
  hypercube, Sobol) and their registry;
* :mod:`~coopsim.experiments.runner` — seeds per (point, replication); serial, local
  processes (joblib) or Dask; progress; errors recorded, never fatal;
* :mod:`~coopsim.experiments.results` — incremental Parquet parts, manifest, resume;
* :mod:`~coopsim.experiments.columns` — the columns of the results tables.

(:mod:`~coopsim.experiments.config` and :mod:`~coopsim.experiments.design` re-export the
names they held before.)

The file format is described in ``docs/reference/experiment-files.md``.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load with their module on first use (PEP 562): reading a results folder
# (``coopsim plot``, ``coopsim export``) needs neither the file format's pydantic models
# nor the runner, the designs or the world.
_WHERE: dict[str, tuple[str, str]] = {
    "DesignInput": ("designs", "DesignInput"),
    "DesignKind": ("designs", "DesignKind"),
    "Option": ("designs", "Option"),
    "register": ("designs", "register"),
    "Design": ("designs.base", "Design"),
    "Range": ("designs.base", "Range"),
    "DESIGN_KINDS": ("designs.registry", "BUILTIN_KINDS"),
    "sobol_problem": ("designs.sobol", "sobol_problem"),
    "ExperimentError": ("errors", "ExperimentError"),
    "load_experiment": ("loading", "load_experiment"),
    "loads_experiment": ("loading", "loads_experiment"),
    "parameter_names": ("parameters", "parameter_names"),
    "Experiment": ("schema", "Experiment"),
    "json_schema": ("schemagen", "json_schema"),
    "ExperimentResult": ("results", "ExperimentResult"),
    "load_results": ("results", "load_results"),
    "read_periods": ("results", "read_periods"),
    "read_runs": ("results", "read_runs"),
    "run_experiment": ("runner", "run_experiment"),
    "run_seed": ("runner", "run_seed"),
    "sweep": ("runner", "sweep"),
}

if TYPE_CHECKING:  # what static tools see; at run time __getattr__ imports on demand
    from .designs import DesignInput, DesignKind, Option, register
    from .designs.base import Design, Range
    from .designs.registry import BUILTIN_KINDS as DESIGN_KINDS
    from .designs.sobol import sobol_problem
    from .errors import ExperimentError
    from .loading import load_experiment, loads_experiment
    from .parameters import parameter_names
    from .results import ExperimentResult, load_results, read_periods, read_runs
    from .runner import run_experiment, run_seed, sweep
    from .schema import Experiment
    from .schemagen import json_schema


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module, attr = _WHERE[name]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
        globals()[name] = value  # the next access is a plain lookup
        return value
    if not name.startswith("__"):  # a submodule: coopsim.experiments.runner
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "DESIGN_KINDS",
    "Design",
    "DesignInput",
    "DesignKind",
    "Experiment",
    "ExperimentError",
    "ExperimentResult",
    "Range",
    "json_schema",
    "load_experiment",
    "load_results",
    "loads_experiment",
    "Option",
    "parameter_names",
    "read_periods",
    "read_runs",
    "register",
    "run_experiment",
    "run_seed",
    "sobol_problem",
    "sweep",
]
