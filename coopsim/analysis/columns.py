"""The columns of a runs table: which are design parameters, which runs succeeded, and
conversions of metric columns to arrays.

The results store (:mod:`coopsim.experiments.results`) owns the output columns: the
tables it returns carry ``attrs["parameters"]`` (the design's parameter columns) and
``attrs["metrics"]``. :func:`parameter_columns` reads the former; only a table without it
(built by hand, or after a pandas operation that dropped ``attrs``) falls back on
:func:`infer_parameter_columns`, a guess from the column names.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .._validation import ParameterError
from ..experiments.columns import METRICS

__all__ = ["METRICS", "parameter_columns", "infer_parameter_columns", "ok_runs"]

# METRICS (the run-level metrics; ``final_share_<strategy>`` besides) is the experiments
# package's list: the store owns the output columns.
#: columns the store writes that are neither parameters nor metrics (``period``: the
#: periods table's time index)
BOOKKEEPING = ("point", "replication", "seed_entropy", "seed_spawn_key", "status", "error", "elapsed", "period")
#: per-period outcomes (the periods table of a run, written by the simulation)
PERIOD_COLUMNS = ("cooperation", "mean_payoff", "inequality", "good_standing", "advised")


def _check_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "runs") -> None:
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(what, type(df).__name__, "a pandas DataFrame")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(what, f"<DataFrame with columns {list(df.columns)}>",
                             f"a table with the column(s) {missing}")


def parameter_columns(runs: pd.DataFrame) -> list[str]:
    """The design-parameter columns of a runs (or periods) table.

    ``runs.attrs["parameters"]`` when the table has it (tables from the results store do),
    keeping the columns present in ``runs``; otherwise :func:`infer_parameter_columns`.
    Functions that need the list read it from the table they were given, before any
    pandas operation that might drop ``attrs``.

    >>> runs = pd.DataFrame(columns=["point", "n_states", "my_param", "emerged"])
    >>> runs.attrs["parameters"] = ["n_states", "my_param"]
    >>> parameter_columns(runs)
    ['n_states', 'my_param']
    """
    if not isinstance(runs, pd.DataFrame):
        raise ParameterError("runs", type(runs).__name__, "a pandas DataFrame")
    declared = runs.attrs.get("parameters")
    if declared is None:
        return infer_parameter_columns(runs)
    if isinstance(declared, str) or not all(isinstance(c, str) for c in declared):
        raise ParameterError('runs.attrs["parameters"]', declared, "a list of column names")
    return [c for c in declared if c in runs.columns]


def infer_parameter_columns(runs: pd.DataFrame) -> list[str]:
    """A guess at the varied-parameter columns of a table without ``attrs["parameters"]``.

    The fallback of :func:`parameter_columns` for tables built by hand. Everything that
    is not bookkeeping (``BOOKKEEPING``, ``seed*``), a metric (``METRICS``,
    ``final_*``), a per-period outcome or a share column (``share_*``). Scenario
    parameters (``n_states``, ``noise``, ``regime.monitoring``, ...) always count; another
    column counts when the table has no ``point`` column or when it is constant within
    every point (a design value is; a timing or an unknown metric is not). Pass ``by=``
    explicitly to the summaries, or set ``attrs["parameters"]``, when the guess is wrong.

    >>> infer_parameter_columns(pd.DataFrame(columns=["point", "replication", "regime.monitoring",
    ...                                               "emerged", "final_share_TFT", "status"]))
    ['regime.monitoring']
    """
    skip = set(METRICS) | set(BOOKKEEPING) | set(PERIOD_COLUMNS)
    cols = [c for c in runs.columns if c not in skip and not str(c).startswith(("final_", "share_", "seed"))]
    known = _scenario_parameters()
    unknown = [c for c in cols if c not in known and not (isinstance(c, str) and c.split(".", 1)[0] in known)]
    if "point" in runs.columns and unknown and len(runs):
        varies = runs.groupby("point", dropna=False)[unknown].nunique(dropna=False).max()
        cols = [c for c in cols if c not in unknown or varies[c] <= 1]
    return cols


def _scenario_parameters() -> set[str]:
    """Names a runs table may vary: the Scenario's fields and the mechanisms' sections."""
    from ..world.scenario import Scenario

    return {f.name for f in dataclasses.fields(Scenario)}


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs whose ``status`` is ``"ok"`` (all runs when there is no ``status`` column)."""
    if "status" not in runs.columns:
        return runs
    return runs[runs["status"].astype(str) == "ok"]


def _n_error(runs: pd.DataFrame) -> int:
    return 0 if "status" not in runs.columns else int((runs["status"].astype(str) != "ok").sum())


def _as_binary(values: pd.Series, name: str) -> np.ndarray:
    """A 0/1 float array (NaN for missing) from bools, 0/1 numbers or None."""
    arr = _numeric(values)
    bad = ~np.isnan(arr) & (arr != 0) & (arr != 1)
    if bad.any():
        raise ParameterError(name, values[bad].iloc[0], "a binary outcome (True/False or 1/0)")
    return arr


def _is_binary(values: pd.Series) -> bool:
    if values.dtype == bool:
        return True
    v = pd.to_numeric(values.dropna().astype(object), errors="coerce")
    return bool(len(v)) and bool(v.isin([0, 1]).all())


def _numeric(values: pd.Series) -> np.ndarray:
    """Floats (NaN for missing or non-numeric values) from any column."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":  # numbers and bools: the same floats, directly
        return values.to_numpy(dtype=float, copy=True)
    if isinstance(dtype, pd.BooleanDtype) or (isinstance(dtype, pd.api.extensions.ExtensionDtype)
                                              and dtype.kind in "iuf" and hasattr(values.array, "_mask")):
        return values.to_numpy(dtype=float, na_value=np.nan)  # nullable booleans and numbers: NA -> NaN
    return pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce").to_numpy(float)


def _as_list(by: str | Sequence[str] | None) -> list[str] | None:
    if by is None:
        return None
    return [by] if isinstance(by, str) else list(by)


def _resolve_by(runs: pd.DataFrame, by: str | Sequence[str] | None) -> list[str]:
    """The grouping columns: ``by`` as a list, or the varied parameters; checked to exist."""
    by = _as_list(by)
    if by is None:
        by = _default_by(runs)
    _check_columns(runs, by)
    return by


def _default_by(runs: pd.DataFrame) -> list[str]:
    params = parameter_columns(runs)
    if params:
        return params
    return ["point"] if "point" in runs.columns else []


def _groups(df: pd.DataFrame, by: list[str]):
    """Iterate (key tuple, sub-frame) over groups, keeping NaN keys and the key order."""
    if not by:
        yield (), df
        return
    for key, sub in df.groupby(by, dropna=False, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), sub


def _group_positions(df: pd.DataFrame, by: list[str]):
    """Iterate (key tuple, row positions) over the groups of :func:`_groups`, in its order: the
    keys it gives and the positions of each group's rows in ``df``, in row order."""
    if not by:
        yield (), np.arange(len(df))
        return
    keys = df[by].copy()
    keys.attrs = {}  # (pandas copies a table's attrs in every operation)
    keys["_position"] = np.arange(len(df))
    for key, sub in keys.groupby(by, dropna=False, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), sub["_position"].to_numpy()
