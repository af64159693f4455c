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
from .designs import DesignInput, DesignKind, Option, register
from .designs.base import Design, Range
from .designs.registry import BUILTIN_KINDS as DESIGN_KINDS
from .designs.sobol import sobol_problem
from .errors import ExperimentError
from .loading import load_experiment, loads_experiment
from .parameters import parameter_names
from .schema import Experiment
from .schemagen import json_schema
from .results import ExperimentResult, load_results, read_periods, read_runs
from .runner import run_experiment, run_seed, sweep

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
