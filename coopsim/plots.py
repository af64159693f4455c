"""Paper-ready figures from coopsim's tidy tables (matplotlib).

Every plotting function takes a DataFrame (a runs table, a summary from
:mod:`coopsim.analysis`, or a per-period table) and column names, draws on ``ax`` when one
is given (otherwise on a new figure) and returns the ``Axes`` (:func:`hypothesis_panel`
returns its ``Figure``). Nothing calls ``plt.show()``; :func:`save` writes PDF, SVG and
PNG files.

* :func:`emergence_curve` — emergence frequency (or a mean metric) vs a parameter, with
  Wilson (or t) confidence ribbons; one line per level of a second parameter;
* :func:`phase_diagram` — two-parameter heatmap of emergence frequency or a mean metric,
  with colour bar;
* :func:`cooperation_over_time` — mean cooperation per period with a t band across
  replications, optionally one line per design point;
* :func:`strategy_shares` — stacked areas of the strategies' population shares over time;
* :func:`hypothesis_panel` — 2 x 3 panels, one per Milner hypothesis: emergence vs its
  parameter, verdict and prediction in the title;
* :func:`save` — one figure to several file formats.

Figures read from a model of the whole design (partial dependence, the verdict panel, the
model phase diagram, Sobol bars) are in :mod:`coopsim.modelplots`.

Style (:data:`STYLE`, :func:`style`): 9 pt type, no top/right spines, no grid, frameless
legends, the colour-blind-safe palette of Okabe & Ito (2008), TrueType fonts embedded in
PDF (``pdf.fonttype = 42``) and text kept as text in SVG, so that journals and vector
editors accept the files. Axis labels name the quantity and its unit or meaning
(:data:`LABELS`, :func:`label`).
"""
from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler

from . import analysis as an
from ._validation import ParameterError

__all__ = [
    "STYLE",
    "PALETTE",
    "LABELS",
    "label",
    "style",
    "emergence_curve",
    "phase_diagram",
    "cooperation_over_time",
    "strategy_shares",
    "hypothesis_panel",
    "save",
]

#: Okabe & Ito (2008) colour-blind-safe palette (black last)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")

#: fixed colours for named strategies, so a strategy keeps its colour across figures
STRATEGY_COLOURS = {
    "ALLC": "#009E73", "ALLD": "#D55E00", "TFT": "#0072B2", "GTFT": "#56B4E9", "WSLS": "#E69F00",
    "GRIM": "#000000", "STFT": "#CC79A7", "RANDOM": "#999999", "CondCoop": "#F0E442",
}

VERDICT_COLOURS = {"supported": "#009E73", "reversed": "#D55E00", "not supported": "#555555",
                   "no effect": "#56B4E9", "inconclusive": "#555555"}

STYLE: dict[str, Any] = {
    "figure.figsize": (4.5, 3.2),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "lines.markersize": 4,
    "image.cmap": "viridis",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "coopsim",
}

#: axis labels: the quantity and its unit or meaning
LABELS: dict[str, str] = {
    "reciprocity.share": "initial share of reciprocators",
    "reciprocity.generosity": "generosity of GTFT (P(forgive))",
    "actors.n_actors": "actors per encounter",
    "iteration.continuation": "continuation probability w",
    "iteration.rounds": "rounds per encounter",
    "regime.membership": "share of states in the regime",
    "regime.monitoring": "monitoring: P(move made public)",
    "regime.sanction": "sanction per detected defection (payoff)",
    "regime.dues": "membership dues per round (payoff)",
    "regime.peer_sanction": "peer fine per punisher per round of defection",
    "regime.peer_cost": "punisher's cost per round of defection punished",
    "epistemic.reach": "reach: share of states advised",
    "epistemic.misperception": "misperception: P(move misread)",
    "epistemic.diffusion": "diffusion of advice (per period)",
    "power.hegemon_share": "hegemon's share of capability",
    "power.hegemon_role": "the hegemon's role",
    "power.coercion": "hegemon's fine per round of defection",
    "power.coercion_cost": "hegemon's cost per unit of fine",
    "power.budget": "enforcement budget (x capability, per period)",
    "power.deference": "deference: P(cooperate with the hegemon)",
    "power.major_share": "major powers' share of capability",
    "power.k": "number of major powers",
    "power.shape": "concentration parameter",
    "actors.hold": "held fixed as groups grow",
    "actors.per_capita_return": "per-capita return r/n",
    "actors.multiplier": "multiplier r",
    "structure": "interaction structure",
    "update": "update rule",
    "game": "stage game",
    "engine": "engine",
    "n_states": "number of states",
    "noise": "implementation noise (P(move flipped))",
    "mutation": "mutation rate (per revision)",
    "selection_intensity": "selection intensity",
    "revision_rate": "revision rate (per period)",
    "emerged": "emergence frequency (share of runs)",
    "emergence": "emergence frequency (share of runs)",
    "emergence_period": "period of emergence",
    "window_cooperation": "cooperation rate, last window",
    "final_cooperation": "cooperation rate, final period",
    "mean_cooperation": "cooperation rate, mean over periods",
    "window_payoff": "mean payoff per round, last window",
    "window_inequality": "payoff inequality (Gini), last window",
    "cooperation": "cooperation rate (share of C moves)",
    "mean_payoff": "mean payoff per round",
    "inequality": "payoff inequality (Gini)",
    "good_standing": "share of states in good standing",
    "advised": "share of states advised",
    "period": "period",
    "point": "design point",
}

#: quantities that are shares in [0, 1]
_SHARES = {"emerged", "emergence", "window_cooperation", "final_cooperation", "mean_cooperation", "cooperation",
           "good_standing", "advised"}


def label(name: str) -> str:
    """The axis label of a column (the name itself when unknown)."""
    if name in LABELS:
        return LABELS[name]
    if str(name).startswith(("share_", "final_share_")):
        return f"share of {str(name).split('share_', 1)[1]}"
    return str(name)


@contextlib.contextmanager
def style(**overrides):
    """Context manager applying coopsim's :data:`STYLE` (plus ``overrides``) to matplotlib.

    Only the keys it sets are restored on exit. (``matplotlib.rc_context`` restores every
    rcParam: when the first figure of a Jupyter session is created inside it, leaving it
    switched interactive mode back off and later figures were no longer shown.)
    """
    new = {**STYLE, **overrides}
    saved = {key: mpl.rcParams[key] for key in new}
    mpl.rcParams.update(new)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)


def _axes(ax, figsize=None):
    """The given Axes, or a new figure's Axes (inside the style context)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _tidy(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "NaN" if np.isnan(v) else f"{v:g}"
    return str(v)


def _group_colours(n: int, colormap: str | None = None) -> list:
    if n <= len(PALETTE) and colormap is None:
        return list(PALETTE[:n])
    cmap = mpl.colormaps[colormap or "viridis"]
    return [cmap(t) for t in (np.linspace(0.0, 0.9, n) if n > 1 else [0.0])]


def _is_summary(df: pd.DataFrame, value: str) -> bool:
    return value in df.columns and f"{value}_low" in df.columns and f"{value}_high" in df.columns


def _emergence_table(data: pd.DataFrame, keys: list[str], confidence: float) -> pd.DataFrame:
    """:func:`~coopsim.analysis.emergence_table` of the columns a figure shows (the Wilson
    intervals of emergence, not the t intervals of the other metrics, nor scipy for them)."""
    cols = list(dict.fromkeys(c for c in (*keys, "emerged", "status") if c in data.columns))
    return an.emergence_table(data[cols], by=keys, confidence=confidence)


def _curve_table(data: pd.DataFrame, keys: list[str], metric: str, confidence: float) -> tuple[pd.DataFrame, str]:
    """x/by keys, ``value``, ``low``, ``high`` per group; from a runs table or a summary."""
    an._check_columns(data, keys, "data")
    value = "emergence" if metric in ("emerged", "emergence") else metric
    if _is_summary(data, value) and not data.duplicated(keys).any():
        out = data[keys].copy()
        out["value"], out["low"], out["high"] = data[value], data[f"{value}_low"], data[f"{value}_high"]
        return out.sort_values(keys).reset_index(drop=True), value
    if value == "emergence":
        table = _emergence_table(data, keys, confidence)
        out = table[keys].copy()
        out["value"], out["low"], out["high"] = table["emergence"], table["emergence_low"], table["emergence_high"]
        return out, value
    an._check_columns(data, [metric], "data")
    ok = an.ok_runs(data)
    rows = []
    for key, sub in an._groups(ok, keys):
        m, lo, hi = an.t_interval(an._numeric(sub[metric]), confidence)
        rows.append({**dict(zip(keys, key, strict=True)), "value": m, "low": lo, "high": hi})
    return pd.DataFrame(rows), value


# ----------------------------------------------------------------------------- figures
def emergence_curve(data: pd.DataFrame, parameter: str, by: str | None = None, *, metric: str = "emerged",
                    ax=None, confidence: float = 0.95, markers: bool = True, colormap: str | None = None,
                    legend: bool = True):
    """Emergence frequency (or the mean of ``metric``) against ``parameter``, with CI ribbons.

    ``data`` is a runs table (frequencies and Wilson intervals are computed with
    :func:`coopsim.analysis.emergence_table`; for a continuous ``metric`` such as
    ``window_cooperation``, means with Student t intervals across replications) or a
    summary table that already has ``<value>``, ``<value>_low``, ``<value>_high`` columns
    (``emergence`` for ``metric="emerged"``). ``by``: a second parameter, one line per
    level (colour: Okabe-Ito, or ``colormap`` for many levels). Draws one line and one
    ribbon (a ``PolyCollection``) per group; returns the Axes.
    """
    keys = [parameter] + ([by] if by else [])
    with style():
        table, value = _curve_table(data, keys, metric, confidence)
        ax = _axes(ax)
        groups = list(an._groups(table, [by] if by else []))
        colours = _group_colours(len(groups), colormap)
        x_all = an._numeric(table[parameter])
        if len(table) and np.isnan(x_all).all():
            raise ParameterError("parameter", parameter, "a numeric column for the x axis (a categorical one such "
                                 f"as {parameter!r} belongs in by=)")
        share = value in _SHARES
        for (key, sub), colour in zip(groups, colours, strict=True):
            sub = sub.sort_values(parameter)
            x = an._numeric(sub[parameter])
            name = f"{_fmt(key[0])}" if by else None
            low, high = sub["low"].to_numpy(float), sub["high"].to_numpy(float)
            if share:  # a share's interval stays in [0, 1] (t intervals may cross the bounds)
                low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
            ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
            ax.plot(x, sub["value"].to_numpy(float), marker="o" if markers else None, color=colour, label=name)
        ax.set_xlabel(label(parameter))
        kind = "Wilson" if value == "emergence" else "t"
        ax.set_ylabel(f"{label(value)}\n({confidence:.0%} {kind} CI)")
        if value in _SHARES:
            ax.set_ylim(-0.02, 1.02)
        if by and legend:
            ax.legend(title=label(by), loc="best")
        _tidy(ax)
    return ax


def phase_diagram(data: pd.DataFrame, x: str, y: str, *, value: str = "emergence", ax=None,
                  cmap: str = "viridis", vmin: float | None = None, vmax: float | None = None,
                  annotate: bool = False, colorbar: bool = True, confidence: float = 0.95):
    """Heatmap of emergence frequency (or the mean of a metric) over two parameters.

    ``data``: a runs table (aggregated per (x, y) cell: emergence frequency for
    ``value="emergence"``, the mean otherwise) or a table with one row per cell and a
    ``value`` column. The levels of each parameter are shown as equally spaced cells
    labelled with their values (grid designs need not be evenly spaced, e.g. 2, 4, 8
    actors). Empty cells stay blank. Shares use the fixed colour range [0, 1] so that
    diagrams are comparable. ``annotate`` writes each cell's value. Returns the Axes (the
    colour bar is an extra Axes of the same figure).
    """
    value_col = "emergence" if value in ("emerged", "emergence") else value
    with style():
        an._check_columns(data, [x, y], "data")
        if value_col in data.columns and not data.duplicated([x, y]).any():
            cells = data[[x, y, value_col]]
        elif value_col == "emergence":
            cells = _emergence_table(data, [x, y], confidence)[[x, y, "emergence"]]
        else:
            an._check_columns(data, [value_col], "data")
            ok = an.ok_runs(data).assign(_v=lambda d: an._numeric(d[value_col]))
            cells = ok.groupby([x, y], dropna=False)["_v"].mean().rename(value_col).reset_index()
        grid = cells.pivot_table(index=y, columns=x, values=value_col, aggfunc="mean", dropna=False)
        grid = grid.sort_index(axis=0).sort_index(axis=1)
        z = np.ma.masked_invalid(grid.to_numpy(float))
        if value_col in _SHARES:
            vmin = 0.0 if vmin is None else vmin
            vmax = 1.0 if vmax is None else vmax
        ax = _axes(ax)
        mesh = ax.pcolormesh(np.arange(grid.shape[1] + 1), np.arange(grid.shape[0] + 1), z, cmap=cmap,
                             vmin=vmin, vmax=vmax, edgecolors="face", linewidth=0)
        ax.set_xticks(np.arange(grid.shape[1]) + 0.5, [_fmt(v) for v in grid.columns])
        ax.set_yticks(np.arange(grid.shape[0]) + 0.5, [_fmt(v) for v in grid.index])
        ax.set_xlabel(label(x))
        ax.set_ylabel(label(y))
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        if annotate:
            norm = mesh.norm
            for i in range(grid.shape[0]):
                for j in range(grid.shape[1]):
                    if not np.ma.is_masked(z[i, j]):
                        dark = norm(z[i, j]) < 0.6
                        ax.text(j + 0.5, i + 0.5, f"{z[i, j]:.2f}", ha="center", va="center", fontsize=7,
                                color="white" if dark else "black")
        if colorbar:
            cb = ax.figure.colorbar(mesh, ax=ax)
            cb.set_label(label(value_col))
            cb.outline.set_visible(False)
    return ax


def cooperation_over_time(periods: pd.DataFrame, by: str | None = None, *, value: str = "cooperation", ax=None,
                          confidence: float = 0.95, threshold: float | None = None, colormap: str | None = None,
                          legend: bool = True):
    """Mean ``value`` (default the cooperation rate) per period, with a t band across replications.

    ``periods`` is the long per-period table (``period``, ``replication``, ``point``,
    ``cooperation``, ...). Without ``by`` all rows are pooled into one curve; with
    ``by="point"`` (or a parameter column) one curve per group. ``threshold`` draws the
    emergence threshold as a dashed grey line. One line and one band (``PolyCollection``)
    per group; returns the Axes. A single run has no band (there is nothing to average):
    then no band is drawn and the axis label says "one run".
    """
    with style():
        table = an.period_summary(periods, value=value, by=by, confidence=confidence)
        ax = _axes(ax)
        groups = list(an._groups(table, [by] if by else []))
        colours = _group_colours(len(groups), colormap)
        single = len(table) > 0 and int(table["n"].max()) <= 1
        for (key, sub), colour in zip(groups, colours, strict=True):
            t = sub["period"].to_numpy(float)
            mean = sub["mean"].to_numpy(float)
            lo = np.where(np.isnan(sub["low"]), mean, sub["low"])
            hi = np.where(np.isnan(sub["high"]), mean, sub["high"])
            if value in _SHARES:  # a mean share stays in [0, 1]
                lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
            if not single:
                ax.fill_between(t, lo, hi, color=colour, alpha=0.2, linewidth=0)
            ax.plot(t, sub["mean"].to_numpy(float), color=colour, linewidth=1.2,
                    label=_fmt(key[0]) if by else None)
        if threshold is not None:
            ax.axhline(threshold, color="0.5", linestyle="--", linewidth=0.8, label="threshold")
        ax.set_xlabel(label("period"))
        ax.set_ylabel(f"{label(value)}\n(one run)" if single else f"{label(value)}\n(mean, {confidence:.0%} t band)")
        if value in _SHARES:
            ax.set_ylim(-0.02, 1.02)
        ax.set_xlim(table["period"].min(), table["period"].max())
        if legend and (by or threshold is not None):
            ax.legend(title=label(by) if by else None, loc="best")
        _tidy(ax)
    return ax


def strategy_shares(periods: pd.DataFrame, *, strategies: Sequence[str] | None = None, point: Any = None,
                    ax=None, legend: bool = True):
    """Stacked areas of the strategies' population shares over time (mean across replications).

    ``periods``: per-period table(s) with ``share_<strategy>`` columns; rows of several
    replications (and points) are averaged per period; ``point=`` selects one design
    point first. ``strategies`` picks and orders the strategies (default: all share
    columns, in table order). Named strategies keep fixed colours across figures. One
    ``PolyCollection`` per strategy; returns the Axes.
    """
    with style():
        an._check_columns(periods, ["period"], "periods")
        data = periods
        if point is not None:
            an._check_columns(periods, ["point"], "periods")
            data = periods[periods["point"] == point]
            if data.empty:
                raise ParameterError("point", point, "a design point present in the periods table")
        cols = [c for c in data.columns if str(c).startswith("share_")]
        if strategies is not None:
            wanted = [f"share_{s}" for s in strategies]
            missing = [w for w in wanted if w not in cols]
            if missing:
                raise ParameterError("strategies", list(strategies), f"strategies with share columns (have {cols})")
            cols = wanted
        if not cols:
            raise ParameterError("periods", "<no share_* columns>",
                                 "a per-period table of a named strategy set (share_<strategy> columns)")
        mean = an.ok_runs(data).groupby("period", sort=True)[cols].mean()
        names = [c[len("share_"):] for c in cols]
        spare = iter([c for c in PALETTE if c not in STRATEGY_COLOURS.values()] + list(PALETTE))
        colours = []
        for n in names:
            base = next((v for k, v in STRATEGY_COLOURS.items() if n == k or n.startswith(k)), None)
            colours.append(base if base is not None else next(spare))
        ax = _axes(ax)
        ax.stackplot(mean.index.to_numpy(float), mean.to_numpy(float).T, labels=names, colors=colours,
                     linewidth=0, alpha=0.9)
        ax.set_xlabel(label("period"))
        ax.set_ylabel("population share of strategy")
        ax.set_xlim(mean.index.min(), mean.index.max())
        ax.set_ylim(0, max(1.0, float(mean.sum(axis=1).max())))
        if legend:
            handles, labels_ = ax.get_legend_handles_labels()
            ax.legend(handles[::-1], labels_[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5), title="strategy")
        _tidy(ax)
    return ax


def _reports(reports_or_runs, parameters, report_kwargs) -> list:
    if isinstance(reports_or_runs, an.HypothesisReport):
        return [reports_or_runs]
    if isinstance(reports_or_runs, Mapping) and reports_or_runs and \
            all(isinstance(v, an.HypothesisReport) for v in reports_or_runs.values()):
        return list(reports_or_runs.values())
    if isinstance(reports_or_runs, Sequence) and not isinstance(reports_or_runs, (str, pd.DataFrame)):
        bad = [r for r in reports_or_runs if not isinstance(r, an.HypothesisReport)]
        if bad:
            raise ParameterError("reports_or_runs", type(bad[0]).__name__,
                                 "HypothesisReport objects, a runs table or {parameter: runs table}")
        return list(reports_or_runs)
    # one family: the verdicts use the Holm-adjusted p-values, as in hypothesis_reports
    return an.hypothesis_list(reports_or_runs, parameters, **report_kwargs)


def hypothesis_panel(reports_or_runs, parameters: Sequence[str] | None = None, *, confidence: float = 0.95,
                     alpha: float = 0.05, metric: str = "emerged", conditions: str | Mapping[str, str] = "",
                     title: str | None = None, figsize: tuple[float, float] = (9.0, 5.6), **report_kwargs):
    """A 2 x 3 figure, one panel per Milner hypothesis (H1 ... H6, in reading order).

    Each panel shows the emergence frequency (or the mean of ``metric``) against the
    hypothesis's parameter with its confidence ribbon; the title gives the hypothesis,
    the verdict (coloured: supported green, reversed vermilion, not supported grey) and
    the mechanism's prediction; the lower right corner the effect (highest minus lowest
    level) with its CI and the p value of the deciding test.

    ``reports_or_runs``: :class:`coopsim.analysis.HypothesisReport` objects (a list or a
    mapping), or what :func:`coopsim.analysis.hypothesis_reports` takes — a mapping
    ``{parameter: runs table}`` (one experiment per hypothesis) or one runs table with
    ``parameters``. A hypothesis without a report gets an empty panel marked "not
    tested"; reports without a hypothesis label fill further panels. Returns the Figure.
    """
    reports = _reports(reports_or_runs, parameters,
                       dict(report_kwargs, confidence=confidence, alpha=alpha, metric=metric, conditions=conditions))
    slots: dict[int, Any] = {}
    extra = []
    for rep in reports:
        k = int(rep.hypothesis[1:]) - 1 if rep.hypothesis[1:].isdigit() else -1
        if 0 <= k < 6 and k not in slots:
            slots[k] = rep
        else:
            extra.append(rep)
    for rep in extra:
        slots[max([5, *slots]) + 1] = rep
    n_panels = max(6, max(slots, default=0) + 1)
    nrows = int(np.ceil(n_panels / 3))
    import matplotlib.pyplot as plt

    with style():
        fig, axes = plt.subplots(nrows, 3, figsize=(figsize[0], figsize[1] * nrows / 2), layout="constrained",
                                 squeeze=False)
        for k, ax in enumerate(axes.flat):
            rep = slots.get(k)
            if rep is None:
                ax.set_axis_off()
                if k < 6:
                    ax.text(0.5, 0.5, f"H{k + 1}: not tested", ha="center", va="center", color="0.5",
                            transform=ax.transAxes)
                continue
            lev = rep.levels
            binary = "emergence" in lev.columns
            y, lo, hi = ("emergence", "emergence_low", "emergence_high") if binary else ("mean", "low", "high")
            x = lev[rep.parameter].to_numpy(float)
            colour = VERDICT_COLOURS.get(rep.verdict, "#555555")
            ax.fill_between(x, lev[lo].to_numpy(float), lev[hi].to_numpy(float), color=PALETTE[0], alpha=0.2,
                            linewidth=0)
            ax.plot(x, lev[y].to_numpy(float), marker="o", color=PALETTE[0])
            head = f"{rep.hypothesis or rep.parameter} {rep.mechanism}: {rep.verdict}".strip()
            pred = textwrap.fill(rep.prediction.replace("->", "→"), 44)
            ax.set_title(f"{head}\n{pred}", color=colour, fontsize=8, loc="left")
            ax.set_xlabel(label(rep.parameter))
            if k % 3 == 0:
                ax.set_ylabel(label("emergence" if binary else rep.metric))
            if binary or rep.metric in _SHARES:
                ax.set_ylim(-0.02, 1.02)
            # effect and test in the corner the curve leaves free: upper left when it rises,
            # upper right when it falls, lower left when flat and high
            rising = rep.high_value >= rep.low_value
            flat_high = rep.high_value == rep.low_value and rep.high_value > 0.5
            tx, ty = (0.02, 0.04) if flat_high else ((0.02, 0.98) if rising else (0.98, 0.98))
            test = textwrap.shorten(str(rep.test), 60, placeholder="…")
            note = f"Δ = {rep.effect:+.2f} [{rep.effect_low:+.2f}, {rep.effect_high:+.2f}]\n" + \
                textwrap.fill(f"{an.p_text(rep.p_value, getattr(rep, 'p_floor', None))} ({test})", 30)
            ax.text(tx, ty, note, transform=ax.transAxes, ha="left" if tx < 0.5 else "right",
                    va="top" if ty > 0.5 else "bottom", fontsize=7, color="0.25")
            _tidy(ax)
        if title:
            fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- files
def save(fig_or_ax, path: str | Path, formats: Sequence[str] = ("pdf", "svg", "png"), *, dpi: int = 300,
         **savefig_kwargs) -> list[Path]:
    """Write a figure (or an Axes' figure) to ``path`` in each of ``formats``; returns the paths.

    ``path`` without its suffix (when the suffix is a format) is the stem: ``save(fig,
    "figs/h3.pdf")`` writes ``figs/h3.pdf``, ``figs/h3.svg``, ``figs/h3.png``. Parent
    directories are created. PDFs embed TrueType fonts, SVGs keep text as text; creation
    dates are left out and SVG ids are salted with a constant, so the same figure gives the
    same file. PNGs at ``dpi`` (300, the usual print requirement). The figure is laid out
    once (layout engine, tight bounding box) and each file drawn once with that layout.
    """
    fig = getattr(fig_or_ax, "figure", None) if not hasattr(fig_or_ax, "savefig") else fig_or_ax
    if fig is None or not hasattr(fig, "savefig"):
        raise ParameterError("fig_or_ax", type(fig_or_ax).__name__, "a matplotlib Figure or Axes")
    if isinstance(formats, str):
        formats = (formats,)
    supported = fig.canvas.get_supported_filetypes()
    for f in formats:
        if f not in supported:
            raise ParameterError("formats", f, "file formats matplotlib writes: " + ", ".join(sorted(supported)))
    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lstrip(".").lower() in supported else path
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}
    bbox = savefig_kwargs.pop("bbox_inches", "tight")
    with mpl.rc_context({k: STYLE[k] for k in ("pdf.fonttype", "ps.fonttype", "svg.fonttype", "svg.hashsalt")}), \
            _laid_out(fig, dpi, bbox, savefig_kwargs) as bbox:
        for f in formats:
            out = stem.parent / f"{stem.name}.{f}"
            kwargs = dict(dpi=dpi, bbox_inches=bbox, **savefig_kwargs)
            if f in metadata and "metadata" not in savefig_kwargs:
                kwargs["metadata"] = metadata[f]
            fig.savefig(out, format=f, **kwargs)
            written.append(out)
    return written


@contextlib.contextmanager
def _laid_out(fig, dpi: float, bbox, savefig_kwargs: dict):
    """``fig`` laid out once at ``dpi`` for several files; yields the ``bbox_inches`` they share.

    What ``savefig`` does before each file (a draw that runs the layout engine, the padded
    tight box) done once; in the block the engine is off: each ``savefig`` only draws.
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    engine, old_dpi, canvas = fig.get_layout_engine(), fig.dpi, fig.canvas
    tight = isinstance(bbox, str) and bbox == "tight"
    if engine is None and not tight:  # nothing to compute: each savefig just draws
        yield bbox
        return
    manager, canvas.manager = canvas.manager, None  # as savefig: no window resizes with the dpi
    fig.dpi = dpi
    try:
        fig.draw_without_rendering()
        if tight:
            pad = savefig_kwargs.get("pad_inches")
            if pad == "layout" and isinstance(engine, ConstrainedLayoutEngine):
                w_pad, h_pad = engine.get()["w_pad"], engine.get()["h_pad"]
            else:
                w_pad = h_pad = mpl.rcParams["savefig.pad_inches"] if pad in (None, "layout") else pad
            extra = savefig_kwargs.get("bbox_extra_artists")
            bbox = fig.get_tightbbox(bbox_extra_artists=extra).padded(w_pad, h_pad)
    finally:
        fig.dpi = old_dpi
        canvas.manager = manager
    no_engine = {"figure.autolayout": False, "figure.constrained_layout.use": False}
    with mpl.rc_context(no_engine):
        fig.set_layout_engine(None)  # the layout stays as computed
    try:
        yield bbox
    finally:
        with mpl.rc_context(no_engine):
            fig.set_layout_engine(engine)
