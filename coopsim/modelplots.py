"""Figures read from a model of the whole design (:func:`coopsim.analysis.fit_design`), in the
style of :mod:`coopsim.plots`:

* :func:`partial_dependence` — predicted emergence as one parameter moves, the others
  averaged over the design, with the bootstrap band;
* :func:`verdict_panel` — one panel per hypothesis tested: partial dependence, verdict,
  AME with interval, Holm-adjusted p, robustness across thresholds;
* :func:`model_phase_diagram` — predicted emergence over two parameters from the model with
  their product term, the design points overlaid;
* :func:`sobol_bars` — first-order and total Sobol indices with their intervals.

Each returns the Axes (:func:`verdict_panel` the Figure); nothing calls ``plt.show()``.
"""
from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import analysis as an
from ._validation import ParameterError
from .plots import _SHARES, PALETTE, VERDICT_COLOURS, _axes, _fmt, _tidy, label, style

__all__ = ["partial_dependence", "verdict_panel", "model_phase_diagram", "sobol_bars"]


def partial_dependence(report, ax=None, *, observed: bool | None = None, colour: str | None = None,
                       parameter: str | None = None, metric: str = "emerged"):
    """The model's predicted emergence (or mean metric) as ``report.parameter`` moves, the
    others averaged over the design, with the bootstrap band (``report.curve`` of a
    :class:`coopsim.analysis.HypothesisReport`; or a curve table from
    :meth:`coopsim.analysis.DesignFit.curve` with ``parameter=`` and ``metric=``).

    ``observed`` (default: when the model treats the parameter as a factor, i.e. in a grid)
    adds the observed frequency or mean per level as points with their intervals, never
    joined by lines (in a sampled design they would pool over the other parameters).
    Returns the Axes.
    """
    if isinstance(report, pd.DataFrame):
        if parameter is None:
            raise ParameterError("parameter", None, "the curve's parameter column when a curve table is given")
        curve, p, levels, metric_ = report, parameter, None, metric
    else:
        curve, p = getattr(report, "curve", None), report.parameter
        levels, metric_ = report.levels, report.metric
    if curve is None or len(curve) == 0:
        raise ParameterError("report", type(report).__name__, "a HypothesisReport with a partial-dependence curve")
    colour = colour or PALETTE[0]
    with style():
        ax = _axes(ax)
        x = an._numeric(curve[p])
        ax.fill_between(x, curve["low"].to_numpy(float), curve["high"].to_numpy(float), color=colour, alpha=0.2,
                        linewidth=0)
        ax.plot(x, curve["estimate"].to_numpy(float), color=colour, marker="o" if len(curve) <= 12 else None)
        lev = levels
        grid = "factor term" in getattr(report, "model", "")
        if lev is not None and (observed if observed is not None else grid):
            binary = "emergence" in lev.columns
            y, lo, hi = ("emergence", "emergence_low", "emergence_high") if binary else ("mean", "low", "high")
            yv = lev[y].to_numpy(float)
            err = np.vstack([yv - lev[lo].to_numpy(float), lev[hi].to_numpy(float) - yv])
            ax.errorbar(lev[p].to_numpy(float), yv, yerr=np.clip(err, 0, None), fmt="s", ms=3, color="0.35",
                        linestyle="none", capsize=2, label="observed")
        ax.set_xlabel(label(p))
        binary = metric_ == "emerged" or (lev is not None and "emergence" in lev.columns)
        ax.set_ylabel(("predicted " + label("emergence")) if binary else ("predicted " + label(metric_)))
        if binary or metric_ in _SHARES:
            ax.set_ylim(-0.02, 1.02)
        _tidy(ax)
    return ax


def verdict_panel(reports, *, robust: Mapping[str, bool] | None = None, ncols: int = 3,
                  panel_size: tuple[float, float] = (3.0, 2.6), title: str | None = None):
    """One panel per hypothesis *tested* (no empty panels for the others): the partial-dependence
    curve with its bootstrap band, the verdict (coloured) and prediction in the title, the AME
    with its interval and the Holm-adjusted p-value in a corner; ``robust``
    ({parameter: bool}) adds "robust" / "not robust across thresholds". Returns the Figure."""
    import matplotlib.pyplot as plt

    reports = list(reports.values()) if isinstance(reports, Mapping) else list(reports)
    if not reports:
        raise ParameterError("reports", reports, "at least one HypothesisReport")
    ncols = max(1, min(ncols, len(reports)))
    nrows = int(np.ceil(len(reports) / ncols))
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                                 layout="constrained", squeeze=False)
        for ax in axes.flat[len(reports):]:
            ax.set_axis_off()
        for k, (rep, ax) in enumerate(zip(reports, axes.flat, strict=False)):
            partial_dependence(rep, ax=ax)
            binary = rep.metric == "emerged"
            ax.set_ylabel(("predicted emergence" if binary else f"predicted {rep.metric}") if k % ncols == 0 else "")
            head = f"{rep.hypothesis or rep.parameter} {rep.mechanism}: {rep.verdict}".strip()
            pred = textwrap.fill(rep.prediction.replace("->", "→"), 40)
            ax.set_title(f"{head}\n{pred}", color=VERDICT_COLOURS.get(rep.verdict, "#555555"), fontsize=8,
                         loc="left")
            text = (f"AME = {rep.effect:+.2f} [{rep.effect_low:+.2f}, {rep.effect_high:+.2f}]\n"
                    + an.p_text(rep.p_holm, getattr(rep, "p_holm_floor", None), "Holm p"))
            if robust is not None and rep.parameter in robust:
                text += "\nrobust across thresholds" if robust[rep.parameter] else "\nnot robust across thresholds"
            rising = rep.effect >= 0
            ax.text(0.02 if rising else 0.98, 0.98, text, transform=ax.transAxes, ha="left" if rising else "right",
                    va="top", fontsize=6.5, color="0.25")
        if title:
            fig.suptitle(title)
    return fig


def model_phase_diagram(runs: pd.DataFrame, x: str, y: str, ax=None, *, metric: str = "emerged", n_grid: int = 40,
                        ranges: Mapping[str, Sequence[float]] | None = None, cmap: str = "viridis",
                        colorbar: bool = True, coding: str = "auto"):
    """Predicted emergence over the (x, y) plane from the model of the whole design with the x·y
    product term (:func:`coopsim.analysis.fit_design`), every other parameter averaged over the
    design; the design points overlaid, coloured by their observed frequency (or mean). A
    factor axis shows its levels; ``coding`` as in :func:`~coopsim.analysis.fit_design`. Returns
    the Axes (the colour bar is an extra Axes)."""
    fit = an.fit_design(runs, metric, interactions=[(x, y)], ranges=ranges, bootstrap=2, coding=coding)
    tx, ty = fit.term(x), fit.term(y)

    def axis_values(t):
        return np.asarray(t.levels, dtype=float) if t.kind == "factor" else np.linspace(t.low, t.high, n_grid)

    xs, ys = axis_values(tx), axis_values(ty)
    z = np.empty((len(ys), len(xs)))
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            z[i, j] = fit.average({x: xv, y: yv})[0]
    pts = fit.points
    obs = pts["total"].to_numpy(float) / pts["n"].to_numpy(float)
    share = fit.family == "binomial" or metric in _SHARES
    vmin, vmax = (0.0, 1.0) if share else (float(np.nanmin(z)), float(np.nanmax(z)))
    with style():
        ax = _axes(ax)
        mesh = ax.pcolormesh(xs, ys, z, cmap=cmap, vmin=vmin, vmax=vmax, shading="nearest")
        ax.scatter(pts[x].to_numpy(float), pts[y].to_numpy(float), c=obs, cmap=cmap, vmin=vmin, vmax=vmax,
                   s=14, edgecolors="white", linewidths=0.6, label="design points (observed)")
        ax.set_xlabel(label(x))
        ax.set_ylabel(label(y))
        if tx.kind == "factor":
            ax.set_xticks(xs, [_fmt(v) for v in tx.levels])
        if ty.kind == "factor":
            ax.set_yticks(ys, [_fmt(v) for v in ty.levels])
        if colorbar:
            cb = ax.figure.colorbar(mesh, ax=ax)
            cb.set_label("predicted " + label("emergence" if fit.family == "binomial" else metric))
            cb.outline.set_visible(False)
    return ax


def sobol_bars(table: pd.DataFrame, ax=None):
    """First-order and total Sobol indices with their bootstrap intervals (a table from
    :func:`coopsim.analysis.sobol_indices` or ``sobol_report(...)["table"]``). Returns the Axes."""
    with style():
        ax = _axes(ax, figsize=(6, 3.2))
        idx = np.arange(len(table))
        ax.bar(idx - 0.2, table["S1"], 0.4, yerr=table["S1_conf"], label="first order $S_1$", color=PALETTE[0])
        ax.bar(idx + 0.2, table["ST"], 0.4, yerr=table["ST_conf"], label="total $S_T$", color=PALETTE[1])
        ax.set_xticks(idx, list(table["parameter"]), rotation=20, ha="right")
        ax.axhline(0.0, color="0.6", linewidth=0.6)
        ax.set_ylabel("Sobol index")
        ax.legend(frameon=False)
        _tidy(ax)
    return ax
