"""Compatibility module: the experiment file format now lives in several modules.

* :mod:`~coopsim.experiments.schema` — the pydantic models (:class:`Experiment`, ...);
* :mod:`~coopsim.experiments.checks` — the checks of the scenario and every design point;
* :mod:`~coopsim.experiments.errors` — :class:`ExperimentError` and one-line messages;
* :mod:`~coopsim.experiments.schemagen` — :func:`json_schema`, :func:`scenario_keys_table`;
* :mod:`~coopsim.experiments.loading` — :func:`load_experiment`, :func:`loads_experiment`;
* :mod:`~coopsim.experiments.parameters` — :func:`parameter_names`;
* :mod:`~coopsim.experiments.columns` — :data:`METRICS` and the other output columns;
* :mod:`~coopsim.experiments.designs` — the design kinds.

The old names are re-exported here.
"""
from .checks import VALIDATE_ALL
from .columns import METRICS
from .designs.registry import BUILTIN_KINDS as DESIGN_KINDS
from .errors import ExperimentError, _rebuild_error, key_path
from .loading import load_experiment, loads_experiment
from .parameters import parameter_names
from .schema import DesignSection, Experiment, ExperimentSection, QuickSection, RangeSpec
from .schemagen import json_schema, scenario_keys_table

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
    "scenario_keys_table",
    "parameter_names",
    "key_path",
    "DESIGN_KINDS",
    "METRICS",
    "VALIDATE_ALL",
    "_rebuild_error",
]
