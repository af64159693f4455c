"""From an experiment's results to the tables, figures and report a paper needs.

``write_report(result, folder)`` writes, next to the runs:

* ``summary.csv`` — emergence frequency (Wilson interval) and mean cooperation (t
  interval) per design point (:func:`coopsim.analysis.emergence_table`);
* ``hypotheses.csv`` — for every varied parameter that is a hypothesis's parameter, the
  predicted and measured direction, effect size with CI, trend tests and verdict
  (:func:`coopsim.analysis.hypothesis_report`);
* ``sobol.csv`` — first-order and total Sobol indices when the design asked for them;
* ``figures/`` — emergence against each varied parameter (one line per level of a
  second one), a phase diagram for two-parameter grids, cooperation over time when
  periods were recorded, the hypothesis panel when several hypotheses were varied, the
  Sobol indices — each as PDF, SVG and PNG;
* ``report.md`` — all of it in one readable page.

Experiments know nothing of plotting and plotting nothing of files: this module is where
they meet.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_report"]

FORMATS = ("pdf", "svg", "png")


def _varied(result) -> list[str]:
    design = result.design
    cols = [c for c in design.columns if c != "point"] if design is not None else []
    return [c for c in cols if design[c].nunique(dropna=False) > 1]


def _mechanism_parameters() -> dict[str, object]:
    from .world.mechanisms import REGISTRY

    return {cls.PARAMETER: cls for cls in REGISTRY.values()}


def _markdown_table(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if isinstance(v, float) and v.is_integer() and c in ("n", "n_runs", "n_error", "n_emerged"):
                cells.append(str(int(v)))
            else:
                cells.append(format(v, floatfmt) if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(result, folder: str | Path | None = None, *, formats=FORMATS) -> Path:
    """Write the summary tables, figures and ``report.md`` of an experiment result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import analysis, plots

    folder = Path(folder or result.output)
    figdir = folder / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    runs = result.runs
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    varied = _varied(result)
    exp = result.experiment
    name = exp.experiment.name if exp is not None else folder.name
    lines = [f"# {name}", ""]
    if exp is not None:
        if exp.experiment.question:
            lines += [f"**Question.** {exp.experiment.question}", ""]
        if exp.experiment.description:
            lines += [exp.experiment.description, ""]
    n_err = int((runs.get("status", pd.Series(dtype=str)) != "ok").sum()) if "status" in runs else 0
    lines += [f"{len(runs)} runs ({len(result.design)} design points); {n_err} failed.", ""]

    if ok.empty:
        lines += ["No successful run: nothing to analyse."]
        (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return folder / "report.md"

    by = varied or None
    table = analysis.emergence_table(ok, by=by) if by else analysis.emergence_table(ok.assign(all="all"), by="all")
    table.to_csv(folder / "summary.csv", index=False)
    show = [c for c in [*(varied or []), "n", "emergence", "emergence_low", "emergence_high", "window_cooperation"]
            if c in table.columns]
    lines += ["## Emergence of cooperation per design point", "",
              _markdown_table(table[show].head(60)), ""]
    if len(table) > 60:
        lines += [f"({len(table) - 60} more rows in summary.csv)", ""]

    # ---- hypotheses
    mech = _mechanism_parameters()
    hyp_params = [p for p in varied if p in mech]
    if hyp_params:
        conditions = "other parameters as in the experiment's base scenario"
        lines += ["## Hypotheses", ""]
        try:
            reports = analysis.hypothesis_reports(ok, hyp_params, conditions=conditions)
        except Exception as err:  # noqa: BLE001 - a report must not lose a finished run
            reports = None
            lines += [f"Not computed: {type(err).__name__}: {err}", ""]
            hyp_params = []
    if hyp_params and reports is not None:
        reports.to_csv(folder / "hypotheses.csv", index=False)
        keep = [c for c in ("hypothesis", "parameter", "predicted_direction", "measured_direction", "verdict",
                            "effect", "effect_low",
                            "effect_high", "p_value", "spearman_rho") if c in reports.columns]
        lines += [_markdown_table(reports[keep]), ""]
        if len(hyp_params) >= 2:
            fig = plots.hypothesis_panel(ok, hyp_params)
            plots.save(fig, figdir / "hypotheses", formats)
            plt.close(fig)
            lines += ["![hypotheses](figures/hypotheses.png)", ""]

    # ---- Sobol
    problem = getattr(result, "sobol_problem", None)
    problem = problem() if callable(problem) else problem
    if problem:
        try:
            sob = analysis.sobol_indices(ok, problem)
        except Exception as err:  # noqa: BLE001 - a report must not die on an incomplete design
            lines += ["## Sobol indices", "", f"Not computed: {err}", ""]
        else:
            sob.to_csv(folder / "sobol.csv", index=False)
            lines += ["## Sobol indices (window cooperation)", "", _markdown_table(sob), ""]
            fig, ax = plt.subplots(figsize=(6, 3.2), constrained_layout=True)
            idx = range(len(sob))
            ax.bar([i - 0.2 for i in idx], sob["S1"], 0.4, yerr=sob["S1_conf"], label="first order $S_1$")
            ax.bar([i + 0.2 for i in idx], sob["ST"], 0.4, yerr=sob["ST_conf"], label="total $S_T$")
            ax.set_xticks(list(idx), sob["parameter"], rotation=20, ha="right")
            ax.set_ylabel("Sobol index")
            ax.legend(frameon=False)
            plots.save(fig, figdir / "sobol", formats)
            plt.close(fig)
            lines += ["![sobol](figures/sobol.png)", ""]

    # ---- curves and phase diagram
    if not problem:
        numeric = [p for p in varied if pd.api.types.is_numeric_dtype(ok[p])]
        for i, p in enumerate(numeric[:3]):  # a categorical parameter is drawn as by=, not as x
            other = [q for q in varied if q != p]
            by2 = other[0] if other and ok[other[0]].nunique() <= 6 else None
            fig, ax = plt.subplots(figsize=(5, 3.4), constrained_layout=True)
            plots.emergence_curve(ok, p, by=by2, ax=ax)
            stem = f"emergence_{i}_{p.replace('.', '_')}"
            plots.save(fig, figdir / stem, formats)
            plt.close(fig)
            lines += [f"![emergence vs {p}](figures/{stem}.png)", ""]
        if len(varied) == 2 and len(numeric) == 2:
            fig, ax = plt.subplots(figsize=(5, 4), constrained_layout=True)
            plots.phase_diagram(ok, varied[0], varied[1], ax=ax)
            plots.save(fig, figdir / "phase_diagram", formats)
            plt.close(fig)
            lines += ["![phase diagram](figures/phase_diagram.png)", ""]
    periods = result.periods
    if periods is not None and not periods.empty:
        fig, ax = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
        by_t = varied[0] if varied and periods[varied[0]].nunique() <= 8 else None
        plots.cooperation_over_time(periods, by=by_t, ax=ax)
        plots.save(fig, figdir / "cooperation_over_time", formats)
        plt.close(fig)
        lines += ["![cooperation over time](figures/cooperation_over_time.png)", ""]
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "report.md"
