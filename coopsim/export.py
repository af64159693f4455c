"""Results for statistics packages: one table (CSV, Stata .dta or Parquet) plus a codebook.

A results folder stores its runs as Parquet parts with dotted column names
(``iteration.continuation``) that Stata cannot take. :func:`export_results` writes one
table — one row per run, or with ``periods=True`` one row per run and period — whose
variable names are valid everywhere (:func:`variable_names`: at most 32 characters,
``[A-Za-z_][A-Za-z0-9_]*``, unique, no Stata reserved word), keeps the original names as
Stata variable labels, and writes a codebook next to it (CSV, or Markdown when its name
ends in ``.md``): for each column the exported name, the original name, its role
(bookkeeping, parameter, metric), meaning, unit and observed values or range. Which
columns are parameters and which are metrics comes from the store
(``runs.attrs["parameters"]``, ``runs.attrs["metrics"]``), not from guessing.

>>> variable_names(["iteration.continuation", "1st", "int", "a.b", "a_b"])
{'iteration.continuation': 'iteration_continuation', '1st': '_1st', 'int': 'int_', 'a.b': 'a_b', 'a_b': 'a_b_2'}
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ._validation import ParameterError

__all__ = ["FORMATS", "variable_names", "export_table", "codebook", "export_results"]

#: output formats and their file suffixes
FORMATS = {"csv": ".csv", "stata": ".dta", "parquet": ".parquet"}

#: Stata's reserved names (Stata 18 manual, [U] 11.3), refused as variable names
_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
             "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"}
_MAX_NAME = 32
_MAX_LABEL = 80
_STR_MAX = 244  # longer strings are stored as strL

#: meaning and unit of the bookkeeping columns
_BOOKKEEPING = {
    "point": ("design point (one combination of parameter values), numbered from 0", "index"),
    "replication": ("replication of the design point, numbered from 0", "index"),
    "seed_entropy": ("root seed of the experiment", "integer"),
    "seed_spawn_key": ("(point, replication): the run's seed is SeedSequence(seed_entropy, spawn_key)",
                       "text"),
    "status": ("ok, or error when the run raised (its metrics are then missing)", "category"),
    "error": ("the exception of a failed run (empty when ok)", "text"),
    "elapsed": ("computing time of the run", "seconds"),
    "period": ("period of the run (one round of encounters and strategy revision)", "period number"),
}
#: per-run meanings where the axis label describes an aggregate
_PER_RUN = {"emerged": "cooperation emerged in this run (window cooperation at or above the threshold)",
            "emergence_period": "period from which cooperation stayed at or above the threshold "
                                "(missing: it did not emerge)"}

_SHARE_UNIT = "share (0 to 1)"
_UNITS = {
    "emerged": "0/1 (1 = yes)", "emergence_period": "period number",
    "window_payoff": "payoff per round", "mean_payoff": "payoff per round", "window_inequality": "Gini (0 to 1)",
    "inequality": "Gini (0 to 1)", "n_states": "states", "iteration.rounds": "rounds",
    "actors.n_actors": "states per encounter", "periods": "periods", "regime.sanction": "payoff",
    "regime.dues": "payoff per round", "power.coercion": "payoff per unit of capability",
    "power.coercion_cost": "payoff", "selection_intensity": "1/payoff",
}
_PROBABILITY = ("continuation", "noise", "mutation", "monitoring", "misperception", "generosity", "revision_rate",
                "diffusion", "reach", "membership", "share", "hegemon_share")


def _valid(name: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]", "_", str(name))
    if not out or not re.match(r"[A-Za-z_]", out[0]):
        out = "_" + out
    if out in _RESERVED:
        out += "_"
    return out[:_MAX_NAME]


def variable_names(columns: Iterable[str]) -> dict[str, str]:
    """Original column name -> a valid, unique Stata/R/SPSS variable name (<= 32 characters).

    Characters other than letters, digits and ``_`` become ``_``; a name starting with a
    digit gets a leading ``_``; a reserved word gets a trailing ``_``; a name that would
    repeat an earlier one is shortened and numbered (``..._2``).
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = _valid(col)
        k = 2
        while name.lower() in used:
            suffix = f"_{k}"
            name = _valid(col)[:_MAX_NAME - len(suffix)] + suffix
            k += 1
        used.add(name.lower())
        out[col] = name
    return out


def _roles(df: pd.DataFrame) -> dict[str, str]:
    params = set(df.attrs.get("parameters", []))
    metrics = set(df.attrs.get("metrics", []))
    return {c: "parameter" if c in params else "metric" if c in metrics else "bookkeeping" for c in df.columns}


def export_table(folder: str | Path, periods: bool = False) -> pd.DataFrame:
    """The runs table of a results folder (or its periods table), labelled with
    ``attrs["parameters"]``/``attrs["metrics"]``; refuses when periods were not recorded."""
    from .experiments.results import load_results

    result = load_results(folder, experiment=False)  # the tables are enough
    if not periods:
        return result.runs
    if result.periods is None:
        raise ParameterError("--periods", str(folder), "a results folder with per-period data (set "
                             "record_periods = true in [experiment] and run again); without --periods "
                             "one row per run is exported")
    return result.periods


def _meaning(col: str, role: str) -> str:
    from .plots import label

    if col in _BOOKKEEPING:
        return _BOOKKEEPING[col][0]
    if col in _PER_RUN:
        return _PER_RUN[col]
    text = label(col)
    if role == "parameter":
        prefix = "design parameter"
        if "." in col:
            prefix += f" of [scenario.{col.split('.', 1)[0]}]"
        return f"{prefix}: {text}" if text != col else f"{prefix} {col} (see the experiment file)"
    if text == col:
        return f"outcome {col} reported by every run"
    return text


def _unit(col: str, series: pd.Series) -> str:
    if col in _BOOKKEEPING:
        return _BOOKKEEPING[col][1]
    if col in _UNITS:
        return _UNITS[col]
    last = col.rsplit(".", 1)[-1]
    if col.startswith(("final_share_", "share_")) or "cooperation" in col or col in ("good_standing", "advised"):
        return _SHARE_UNIT
    if last in _PROBABILITY or last.endswith("_share"):
        return "probability or share (0 to 1)"
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return "number"
    return "category"


def _values(series: pd.Series) -> str:
    s = series.dropna()
    n_missing = int(series.isna().sum())
    missing = f"; {n_missing} missing" if n_missing else ""
    if s.empty:
        return "all missing" if len(series) else "no rows"
    if pd.api.types.is_bool_dtype(s):
        return "0 = no, 1 = yes" + missing
    if pd.api.types.is_numeric_dtype(s):
        levels = np.unique(s.to_numpy(dtype=float))
        if len(levels) <= 8:
            return "values " + ", ".join(f"{v:g}" for v in levels) + missing
        return f"range {levels[0]:g} to {levels[-1]:g}" + missing
    levels = sorted(map(str, s.unique()))
    if len(levels) <= 8 and max(map(len, levels)) <= 40:
        return "values " + ", ".join(levels) + missing
    return f"{len(levels)} distinct texts" + missing


def codebook(table: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per column of ``table``: ``variable`` (exported name), ``original``,
    ``role``, ``meaning``, ``unit``, ``values`` (observed values or range, and missing)."""
    names = names or variable_names(table.columns)
    roles = _roles(table)
    rows = [{"variable": names[c], "original": c, "role": roles[c], "meaning": _meaning(c, roles[c]),
             "unit": _unit(c, table[c]), "values": _values(table[c])} for c in table.columns]
    return pd.DataFrame(rows, columns=["variable", "original", "role", "meaning", "unit", "values"])


def _for_stata(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Booleans as 0/1 floats (missing stays missing), texts as Python str ('' when missing);
    returns the table and the text columns longer than Stata's str244."""
    out = df.copy()
    strl = []
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = s.astype("Float64").astype(float)
        elif pd.api.types.is_integer_dtype(s):
            out[col] = s.astype(float) if s.isna().any() else s.astype(np.int64)
        elif not pd.api.types.is_numeric_dtype(s):
            text = s.astype(object).where(s.notna(), "").map(str)
            out[col] = text.astype(object)
            if len(text) and text.map(len).max() > _STR_MAX:
                strl.append(col)
    return out, strl


def export_results(folder: str | Path, format: str = "csv", output: str | Path | None = None, *,
                   periods: bool = False, codebook_path: str | Path | None = None) -> tuple[Path, Path]:
    """Write a results folder's runs (or, with ``periods``, its per-period rows) as one table.

    ``format``: ``"csv"``, ``"stata"`` (a version-118 ``.dta``: original names as variable
    labels, the experiment as data label) or ``"parquet"``. ``output`` defaults to
    ``FOLDER/export/runs.<ext>`` (``periods.<ext>``); the codebook to ``<output
    stem>_codebook.csv`` (a ``.md`` name writes Markdown). Returns (table, codebook) paths.
    """
    if format not in FORMATS:
        raise ParameterError("--format", format, "one of " + ", ".join(FORMATS))
    folder = Path(folder)
    table = export_table(folder, periods)
    names = variable_names(table.columns)
    book = codebook(table, names)
    name = "periods" if periods else "runs"
    out = Path(output) if output else folder / "export" / f"{name}{FORMATS[format]}"
    book_path = Path(codebook_path) if codebook_path else out.with_name(f"{out.stem}_codebook.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    book_path.parent.mkdir(parents=True, exist_ok=True)
    renamed = table.rename(columns=names)
    if format == "csv":
        renamed.to_csv(out, index=False)
    elif format == "parquet":
        renamed.attrs = {}
        renamed.to_parquet(out, index=False)
    else:
        data, strl = _for_stata(renamed)
        labels = {names[c]: str(c)[:_MAX_LABEL] for c in table.columns}
        from .experiments.results import ResultStore

        manifest = ResultStore(folder).read_manifest() or {}
        title = str(manifest.get("experiment", {}).get("name") or folder.name)[:_MAX_LABEL]
        data.to_stata(out, write_index=False, version=118, variable_labels=labels, data_label=title,
                      convert_strl=strl)
    if book_path.suffix.lower() == ".md":
        book_path.write_text(_markdown(book), encoding="utf-8")
    else:
        book.to_csv(book_path, index=False)
    return out, book_path


def _markdown(book: pd.DataFrame) -> str:
    def cell(v) -> str:
        return str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(book.columns) + " |", "|" + "---|" * len(book.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in book.itertuples(index=False)]
    return "# Codebook\n\n" + "\n".join(lines) + "\n"
