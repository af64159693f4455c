"""Per design point summaries of a runs or periods table: emergence frequencies, time to
emergence, per-period means.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validation import ParameterError
from .columns import (
    _as_binary,
    _as_list,
    _check_columns,
    _group_positions,
    _groups,
    _n_error,
    _numeric,
    _resolve_by,
    ok_runs,
)
from .intervals import _check_confidence, _t_bounds, t_interval, wilson_interval

__all__ = ["emergence_table", "time_to_emergence", "period_summary"]


def emergence_table(runs: pd.DataFrame, by: str | Sequence[str] | None = None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Emergence of cooperation per design point, with confidence intervals.

    Groups the runs by ``by`` (default: all varied-parameter columns, see
    :func:`parameter_columns`; ``point`` when there are none) and returns one row per group:

    ``n_runs``
        all runs of the point; ``n_error`` of them failed (``status != "ok"``) and are
        excluded from every statistic; ``n`` the successful runs.
    ``n_emerged``, ``emergence``, ``emergence_low``, ``emergence_high``
        number and share of successful runs in which cooperation emerged, with the
        Wilson (1927) score interval at ``confidence``.
    ``window_cooperation``, ``window_cooperation_low``, ``window_cooperation_high``
        mean cooperation rate over the last window (share of cooperative moves, 0-1) with
        a Student t interval across replications (if the column exists).
    ``emergence_period``
        mean period at which cooperation emerged, among runs in which it emerged (NaN if
        none did); see :func:`time_to_emergence` for its distribution.
    """
    c = _check_confidence(confidence)
    _check_columns(runs, ["emerged"])
    by = _resolve_by(runs, by)
    # the columns read once, as arrays over the successful runs (NaN elsewhere); each group's
    # statistics take its rows from them, in row order
    ok = np.ones(len(runs), dtype=bool) if "status" not in runs.columns else \
        (runs["status"].astype(str) == "ok").to_numpy(dtype=bool)
    columns = {}
    for name in ("emerged", "window_cooperation", "emergence_period"):
        if name in runs.columns:
            columns[name] = np.full(len(runs), np.nan)
            values = runs[name][ok]
            columns[name][ok] = _as_binary(values, name) if name == "emerged" else _numeric(values)
    rows = []
    for key, pos in _group_positions(runs, by):
        pos_ok = pos[ok[pos]]
        emerged_ok = columns["emerged"][pos_ok]
        emerged = emerged_ok[~np.isnan(emerged_ok)]
        row = dict(zip(by, key, strict=True))
        row.update(n_runs=len(pos), n=int(emerged.size), n_error=int(len(pos) - len(pos_ok)),
                   n_emerged=int(emerged.sum()))
        if "window_cooperation" in columns:
            wc = columns["window_cooperation"][pos_ok]
            row["window_cooperation"], row["window_cooperation_low"], row["window_cooperation_high"] = \
                t_interval(wc, c) if (~np.isnan(wc)).any() else (np.nan, np.nan, np.nan)
        if "emergence_period" in columns:
            ep = columns["emergence_period"][pos_ok]
            sel = (emerged_ok == 1) & ~np.isnan(ep)
            row["emergence_period"] = float(ep[sel].mean()) if sel.any() else np.nan
        rows.append(row)
    if not rows:
        raise ParameterError("runs", "<empty table>", "a runs table with at least one row")
    out = pd.DataFrame(rows)
    lo, hi = wilson_interval(out["n_emerged"].to_numpy(), out["n"].to_numpy(), c)
    with np.errstate(invalid="ignore", divide="ignore"):
        freq = out["n_emerged"].to_numpy(float) / out["n"].to_numpy(float)
    pos = len(by) + 4
    for offset, (name, values) in enumerate((("emergence", freq), ("emergence_low", lo), ("emergence_high", hi))):
        out.insert(pos + offset, name, values)
    return out


def time_to_emergence(runs: pd.DataFrame, by: str | Sequence[str] | None = None, *,
                      quantiles: Sequence[float] = (0.25, 0.5, 0.75), curve: bool = False,
                      horizon: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """How long cooperation takes to emerge, per design point.

    The time is ``emergence_period``: the period from which the trailing
    ``window``-period mean cooperation stayed at or above the threshold to the end of the
    run (so it is at least ``window - 1``). Runs in which it did not are
    *right-censored* at the horizon, the
    same for every run of a point; the Kaplan-Meier estimate of the cumulative share of
    runs in which cooperation has emerged by period t then reduces to the empirical share
    F(t) = #{runs with emergence_period ≤ t} / n, an *improper* distribution when some
    runs never get there.

    Returns one row per point: ``n``, ``n_reached`` (runs with an emergence period),
    ``share_reached``, ``mean_period`` / ``median_period`` among them, and ``t_q<q>`` for
    every quantile q: the first period at which F reaches q (NaN if it never does, i.e.
    fewer than q·n runs reached emergence). Note that ``n_reached`` may exceed
    ``emerged`` counts: cooperation can emerge and later collapse.

    With ``curve=True``: the cumulative share F(t) in long form instead (by columns,
    ``period``, ``n``, ``n_reached``, ``share``, ``share_low``, ``share_high`` with Wilson
    bounds), one row per period at which some run reached emergence, plus ``horizon`` if
    given.
    """
    c = _check_confidence(confidence)
    _check_columns(runs, ["emergence_period"])
    by = _resolve_by(runs, by)
    qs = [float(q) for q in quantiles]
    for q in qs:
        if not 0.0 < q <= 1.0:
            raise ParameterError("quantiles", q, "numbers in (0, 1]")
    rows = []
    for key, sub in _groups(runs, by):
        ok = ok_runs(sub)
        t = _numeric(ok["emergence_period"])
        n = len(t)
        reached = np.sort(t[~np.isnan(t)])
        base = dict(zip(by, key, strict=True))
        if curve:
            times = np.unique(reached)
            if horizon is not None:
                times = np.union1d(times, [horizon])
            counts = np.searchsorted(reached, times, side="right")
            lo, hi = wilson_interval(counts, np.full(len(counts), n), c)
            for tt, k, a, b in zip(times, counts, lo, hi, strict=True):
                rows.append({**base, "period": tt, "n": n, "n_reached": int(k), "share": k / n if n else np.nan,
                             "share_low": a, "share_high": b})
            continue
        row = {**base, "n": n, "n_error": _n_error(sub), "n_reached": int(reached.size),
               "share_reached": reached.size / n if n else np.nan,
               "mean_period": float(reached.mean()) if reached.size else np.nan,
               "median_period": float(np.median(reached)) if reached.size else np.nan}
        for q in qs:
            need = int(np.ceil(q * n - 1e-9))
            row[f"t_q{q:g}"] = float(reached[need - 1]) if n and 1 <= need <= reached.size else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def period_summary(periods: pd.DataFrame, value: str = "cooperation", by: str | Sequence[str] | None = None,
                   confidence: float = 0.95) -> pd.DataFrame:
    """Mean of a per-period outcome across replications, per period (and group).

    ``periods`` is the long per-period table (``period``, ``replication``, ``point``,
    outcomes). Returns ``by`` columns, ``period``, ``n`` (replications), ``mean``, ``sd``,
    ``low``, ``high`` (Student t interval of the mean across replications). Default ``by``:
    none (pool all points); use ``by="point"`` for one curve per design point.
    """
    c = _check_confidence(confidence)
    by = _as_list(by) or []
    _check_columns(periods, ["period", value, *by], "periods")
    data = ok_runs(periods)
    g = data.groupby([*by, "period"], dropna=False, sort=True)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    out["low"], out["high"] = _t_bounds(out["mean"], out["sd"], out["n"], c)
    return out
