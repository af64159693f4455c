"""Experiments: declarative TOML files, designs, seeded runs on any backend, Parquet results.

Usage::

    from coopsim.experiments import load_experiment, run_experiment
    exp = load_experiment("experiments/h3_iteration.toml")   # validated, or ExperimentError
    res = run_experiment(exp, workers=2, resume=True)        # writes results/<name>/
    res.runs.groupby("iteration.continuation")["emerged"].mean()

* :mod:`~coopsim.experiments.config` — the file format (pydantic models), one-line errors,
  JSON Schema;
* :mod:`~coopsim.experiments.design` — grid, list, random, Latin hypercube and Sobol points;
* :mod:`~coopsim.experiments.runner` — seeds per (point, replication); serial, local
  processes (joblib) or Dask; progress; errors recorded, never fatal;
* :mod:`~coopsim.experiments.results` — incremental Parquet parts, manifest, resume.

The file format is described in ``docs/reference/experiment-files.md``.
"""
from .config import (
    DESIGN_KINDS,
    Experiment,
    ExperimentError,
    json_schema,
    load_experiment,
    loads_experiment,
    parameter_names,
)
from .design import Design, Range, sobol_problem
from .results import ExperimentResult, load_results, read_periods, read_runs
from .runner import run_experiment, run_seed, sweep

__all__ = [
    "DESIGN_KINDS",
    "Design",
    "Experiment",
    "ExperimentError",
    "ExperimentResult",
    "Range",
    "json_schema",
    "load_experiment",
    "load_results",
    "loads_experiment",
    "parameter_names",
    "read_periods",
    "read_runs",
    "run_experiment",
    "run_seed",
    "sobol_problem",
    "sweep",
]
