"""Forms of cooperation in results: composition tables and figures.

Every cooperative move of a run is attributed to one form — tacit, negotiated,
institutional or forced (:data:`coopsim.world.outcomes.FORMS`; the rule is in
``docs/explanation/forms-of-cooperation.md``). Periods carry ``form_<name>`` (share of all
moves that are C moves of that form; they add up to ``cooperation``), runs
``window_form_<name>`` (the same over the outcome window). The functions take tidy
DataFrames, draw on an optional ``ax`` and return the Axes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .world.outcomes import FORMS

__all__ = ["FORMS", "forms_table", "forms_over_time", "forms_by_condition", "has_explicit_forms"]

_COLOURS = {"tacit": "#9e9e9e", "negotiated": "#4c72b0", "institutional": "#55a868", "forced": "#c44e52"}


def _columns(df: pd.DataFrame, prefix: str) -> list[str]:
    cols = [f"{prefix}{f}" for f in FORMS]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        from ._validation import ParameterError

        raise ParameterError("data", sorted(df.columns)[:8], f"a table with the columns {', '.join(cols)}")
    return cols


def has_explicit_forms(runs: pd.DataFrame) -> bool:
    """True when some cooperation in ``runs`` is not tacit (a mechanism attributed it)."""
    cols = [f"window_form_{f}" for f in FORMS[1:] if f"window_form_{f}" in runs.columns]
    return bool(cols) and bool((pd.DataFrame(runs[cols]).fillna(0).to_numpy() > 0).any())


def forms_table(runs: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """Mean share of moves in each form per group of ``by`` (pooled without it), with the
    cooperation rate and each form's share of cooperation (``composition_<form>``)."""
    cols = _columns(runs, "window_form_")
    keys = [by] if isinstance(by, str) else list(by or [])
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    table = ok.groupby(keys, sort=True)[cols].mean().reset_index() if keys else ok[cols].mean().to_frame().T
    table = table.rename(columns={c: c.replace("window_form_", "") for c in cols})
    table["cooperation"] = table[list(FORMS)].sum(axis=1)
    total = table["cooperation"].replace(0.0, np.nan)
    for f in FORMS:
        table[f"composition_{f}"] = (table[f] / total).fillna(0.0)
    table.insert(len(keys), "runs", ok.groupby(keys).size().to_numpy() if keys else len(ok))
    return table


def forms_over_time(periods: pd.DataFrame, *, ax=None):
    """Stacked mean share of moves in each form per period (pooled over the rows given:
    select one condition first); the top edge is the cooperation rate."""
    from . import plots

    cols = _columns(periods, "form_")
    mean = periods.groupby("period")[cols].mean()
    with plots.style():
        ax = plots._axes(ax)
        ax.stackplot(mean.index.to_numpy(float), *(mean[c].to_numpy(float) for c in cols),
                     labels=list(FORMS), colors=[_COLOURS[f] for f in FORMS], alpha=0.9, linewidth=0)
        ax.set_xlabel(plots.label("period"))
        ax.set_ylabel("share of moves\n(cooperative, by form)")
        ax.set_ylim(0, 1)
        ax.set_xlim(mean.index.min(), mean.index.max())
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        plots._tidy(ax)
    return ax


def forms_by_condition(runs: pd.DataFrame, by: str, *, ax=None):
    """Stacked bars: mean share of moves in each form over the outcome window, one bar per
    level of ``by``; the height is the window cooperation rate."""
    from . import plots

    table = forms_table(runs, by)
    with plots.style():
        ax = plots._axes(ax)
        x = np.arange(len(table))
        bottom = np.zeros(len(table))
        for f in FORMS:
            ax.bar(x, table[f], bottom=bottom, color=_COLOURS[f], label=f, width=0.7)
            bottom += table[f].to_numpy(float)
        ax.set_xticks(x, [plots._fmt(v) for v in table[by]])
        ax.set_xlabel(plots.label(by))
        ax.set_ylabel("share of moves\n(cooperative, by form)")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        plots._tidy(ax)
    return ax
