"""From an experiment's results to the tables, figures and report a paper needs.

``write_report(result, folder)`` writes, next to the runs:

* ``summary.csv`` — emergence frequency (Wilson interval) and mean cooperation (t
  interval) per design point (:func:`coopsim.analysis.emergence_table`); shown in the
  report for grid and list designs only (a sampled design's points are single draws);
* ``hypotheses.csv`` — for every varied parameter that is a hypothesis's parameter, the
  average marginal effect from the model of the whole design, its cluster-bootstrap
  interval, Holm-adjusted p-value and verdict (:func:`coopsim.analysis.hypothesis_list`),
  with ``robust`` (the same verdict at every threshold and on ``window_cooperation``);
* ``robustness.csv`` — the verdicts at each emergence threshold of ``[analysis]
  thresholds`` and on ``window_cooperation`` (:func:`coopsim.analysis.robustness`);
* ``interactions.csv`` — for each pair of ``[analysis] interactions``, the effect of the
  first parameter at the low and high end of the second and their difference;
* ``sobol.csv`` — first-order and total Sobol indices with seeded bootstrap intervals and
  the half-sample convergence check, when the design is a Saltelli design;
* ``figures/`` — partial-dependence curves with bootstrap bands for the hypotheses tested,
  model phase diagrams for the interactions, emergence curves and the observed phase
  diagram for grids, cooperation over time, the Sobol indices — as PDF, SVG and PNG;
* ``report.md`` — all of it in one readable page.

Every bootstrap is seeded from the experiment's root seed, so the same results give the
same report. Experiments know nothing of plotting and plotting nothing of files: this module
is where they meet.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_report", "summary_table", "preload"]

FORMATS = ("pdf", "svg", "png")
#: design kinds whose points are draws from a distribution (no per-point tables, no lines)
SAMPLED = ("random", "latin_hypercube", "sobol")


def preload() -> None:
    """Import what :func:`write_report` needs: matplotlib (Agg, with its PDF and SVG writers),
    the figures, the model fits (statsmodels, scipy.stats). ``coopsim run`` calls it in a
    thread while the workers run the sweep, so that the report starts with its modules loaded
    (about a second and a half of imports). Calling it is never needed: ``write_report``
    imports what it uses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.backends.backend_pdf  # noqa: F401 - imported by the first savefig otherwise
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import statsmodels.base.covtype  # noqa: F401 - the fits' imports (coopsim.analysis.models)
    from statsmodels.genmod.families import Binomial  # noqa: F401
    from statsmodels.genmod.generalized_linear_model import GLM  # noqa: F401
    from statsmodels.regression.linear_model import WLS  # noqa: F401

    from . import forms, modelplots, plots  # noqa: F401
    from .analysis import hypotheses, robust, tables  # noqa: F401
    from .world import mechanisms  # noqa: F401


def _varied(result) -> list[str]:
    design = result.design
    cols = [c for c in design.columns if c != "point"] if design is not None else []
    return [c for c in cols if design[c].nunique(dropna=False) > 1]


def _mechanism_parameters() -> dict[str, object]:
    from .world.mechanisms import REGISTRY

    return {cls.PARAMETER: cls for cls in REGISTRY.values()}


def _settings(result):
    from .experiments.schema import AnalysisSection

    exp = result.experiment
    analysis = getattr(exp, "analysis", None) if exp is not None else None
    seed = exp.experiment.seed if exp is not None else int(result.manifest.get("experiment", {}).get("seed", 0) or 0)
    return (analysis if analysis is not None else AnalysisSection()), int(seed)


def _design_kind(result) -> str:
    exp = result.experiment
    if exp is not None and exp.design is not None:
        return str(exp.design.kind)
    return str(result.manifest.get("design", {}).get("kind", "grid")) if isinstance(
        result.manifest.get("design"), dict) else "grid"


def _ranges(result) -> dict | None:
    exp = result.experiment
    d = exp.design if exp is not None else None
    ranges = getattr(d, "ranges", None) if d is not None else None
    if not ranges:
        return None
    return {name: (float(r.low), float(r.high)) for name, r in ranges.items()}


def _integer_columns(df: pd.DataFrame) -> set:
    out = set()
    for c in df.columns:
        v = pd.to_numeric(df[c], errors="coerce") if df[c].dtype != bool else None
        if v is None or df[c].dtype == object and v.isna().any():
            continue
        finite = v[np.isfinite(v.to_numpy(float))] if len(v) else v
        if len(finite) and np.all(finite.to_numpy(float) == np.round(finite.to_numpy(float))):
            out.add(c)
    return out


def _markdown_table(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A markdown table; a column whose values are all whole numbers prints them as integers."""
    cols = list(df.columns)
    ints = _integer_columns(df)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if isinstance(v, (float, np.floating)) and np.isfinite(v) and c in ints:
                cells.append(str(int(v)))
            elif isinstance(v, (float, np.floating)):
                cells.append("" if np.isnan(v) else format(v, floatfmt))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _p(p: float, floor: float | None = None) -> str:
    """A p-value cell: a bootstrap p-value at its floor as a bound ("< 0.001" for 1000
    replicates), never 0 (:func:`coopsim.analysis.format_p`)."""
    from .analysis import format_p

    return format_p(p, floor)


def summary_table(reports, robust: dict | None = None) -> pd.DataFrame:
    """One row per hypothesis: prediction and measured direction in words, AME with its
    interval, Holm-adjusted p, verdict and (with ``robust``) whether it holds across thresholds."""
    from .analysis import direction_words

    rows = []
    for r in reports:
        row = {"hypothesis": r.hypothesis or "", "parameter": r.parameter,
               "prediction": direction_words(r.predicted_direction),
               "measured": direction_words(r.measured_direction),
               "AME [interval]": f"{r.effect:+.3f} [{r.effect_low:+.3f}, {r.effect_high:+.3f}]",
               "Holm p": _p(r.p_holm, r.p_holm_floor), "verdict": r.verdict}
        if robust is not None:
            row["robust across thresholds"] = "yes" if robust.get(r.parameter) else "no"
        rows.append(row)
    return pd.DataFrame(rows)


def _save(plots, plt, fig, figdir, stem, formats, lines, caption):
    plots.save(fig, figdir / stem, formats)
    plt.close(fig)
    lines += [f"![{caption}](figures/{stem}.png)", ""]


def _hypotheses(ok, hyp_params, settings, seed, ranges, coding, folder, figdir, formats, lines, plt, analysis,
                plots):
    """The verdicts section: summary table, robustness, verdict panel."""
    from . import modelplots
    kw = dict(alpha=settings.alpha, confidence=settings.confidence, smallest_effect=settings.smallest_effect,
              bootstrap=settings.bootstrap, seed=seed, ranges=ranges, coding=coding)
    conditions = "other parameters as in the experiment's base scenario"
    reports = analysis.hypothesis_list(ok, hyp_params, conditions=conditions, **kw)
    robust = None
    rob = None
    if "window_cooperation" in ok.columns:
        rob = analysis.robustness(ok, hyp_params, thresholds=settings.thresholds, **kw)
        rob.to_csv(folder / "robustness.csv", index=False)
        summ = analysis.robust_summary(rob)
        robust = dict(zip(summ["parameter"], summ["robust"], strict=True))
    frame = pd.concat([r.to_frame() for r in reports], ignore_index=True)
    if robust is not None:
        frame["robust"] = frame["parameter"].map(robust)
    frame.to_csv(folder / "hypotheses.csv", index=False)
    first, m = reports[0], len(reports)
    lines += ["## Verdicts", "",
              f"Effect: the average marginal effect (AME) of each parameter from the low to the high end of its "
              f"range on the emergence probability, from one model of `emerged` on every design parameter "
              f"({first.model.split(';')[0]}), the others averaged over the design. Interval: {first.confidence:.0%} "
              f"percentile interval of {first.bootstrap} cluster-bootstrap replicates (resampling "
              f"{first.resample}; seed {seed}). p: bootstrap test of AME = 0, (1 + k) / (B + 1) with k the "
              f"replicates at least |AME| away from the AME (Davison & Hinkley 1997), Holm-adjusted over the "
              f"family {first.family} (alpha {first.alpha:g}). With B = {first.bootstrap} replicates and "
              f"{m} test{'s' if m != 1 else ''} no Holm-adjusted p-value below {m}/(B + 1) can be resolved: "
              f"a value at that floor is shown as a bound ('{_p(first.p_holm_floor, first.p_holm_floor)}'). "
              f"Smallest effect of interest: "
              f"{first.smallest_effect:g} (an interval inside ±{first.smallest_effect:g} is 'no effect').", "",
              _markdown_table(summary_table(reports, robust)), ""]
    if rob is not None:
        wide = analysis.robust_summary(rob)
        changed = wide[~wide["robust"]]
        lines += ["### Robustness across thresholds", "",
                  "Verdicts with emergence at each threshold (emerged at t: window cooperation >= t) and on the "
                  "window cooperation rate itself (linear model; AME in cooperation rate).", "",
                  _markdown_table(wide.drop(columns=["changes"]).assign(
                      robust=lambda d: d["robust"].map({True: "yes", False: "no"}))), ""]
        if len(changed):
            lines += ["Verdicts that change: " + "; ".join(f"**{p}** ({c})" for p, c in
                                                            zip(changed["parameter"], changed["changes"],
                                                                strict=True)), ""]
        else:
            lines += ["No verdict changes across the thresholds.", ""]
    fig = modelplots.verdict_panel(reports, robust=robust)
    _save(plots, plt, fig, figdir, "hypotheses", formats, lines, "hypotheses: partial dependence")
    return reports


def _interactions(ok, settings, seed, ranges, coding, folder, figdir, formats, lines, plt, analysis, plots,
                  params):
    from . import modelplots

    pairs = [tuple(p) for p in settings.interactions]
    if not pairs:
        return
    lines += ["## Interactions", ""]
    try:
        tab = analysis.interaction_effects(ok, pairs, parameters=params, confidence=settings.confidence,
                                           bootstrap=settings.bootstrap, seed=seed, ranges=ranges, coding=coding)
    except Exception as err:  # noqa: BLE001 - a report must not lose a finished run
        lines += [f"Not computed: {type(err).__name__}: {err}", ""]
        return
    tab.to_csv(folder / "interactions.csv", index=False)
    show = pd.DataFrame({
        "x": tab["x"], "z": tab["z"],
        "AME of x at low z": [f"{a:+.3f} [{b:+.3f}, {c:+.3f}]" for a, b, c in
                              zip(tab["ame_at_z_low"], tab["ame_at_z_low_low"], tab["ame_at_z_low_high"],
                                  strict=True)],
        "AME of x at high z": [f"{a:+.3f} [{b:+.3f}, {c:+.3f}]" for a, b, c in
                               zip(tab["ame_at_z_high"], tab["ame_at_z_high_low"], tab["ame_at_z_high_high"],
                                   strict=True)],
        "difference": [f"{a:+.3f} [{b:+.3f}, {c:+.3f}]" for a, b, c in
                       zip(tab["interaction"], tab["interaction_low"], tab["interaction_high"], strict=True)],
        "p": [_p(v, f) for v, f in zip(tab["p_value"], tab["p_floor"], strict=True)]})
    lines += ["The effect of x (low to high end of its range) with z at the low and at the high end of its range, "
              "from a model with the x·z product term; the difference is the interaction on the probability "
              "scale, tested by the cluster bootstrap.", "", _markdown_table(show), ""]
    for i, (x, z) in enumerate(pairs):
        fig, ax = plt.subplots(figsize=(5, 4), constrained_layout=True)
        modelplots.model_phase_diagram(ok, x, z, ax=ax, ranges=ranges, coding=coding)
        _save(plots, plt, fig, figdir, f"phase_model_{i}", formats, lines, f"predicted emergence over {x} and {z}")


def _sobol(ok, problem, seed, settings, folder, figdir, formats, lines, plt, analysis, plots):
    from . import modelplots

    try:
        rep = analysis.sobol_report(ok, problem, seed=seed, confidence=settings.confidence)
    except Exception as err:  # noqa: BLE001 - a report must not die on an incomplete design
        lines += ["## Sobol indices", "", f"Not computed: {err}", ""]
        return
    sob = rep["table"]
    sob.to_csv(folder / "sobol.csv", index=False)
    conv = sob["converged"]
    lines += ["## Sobol indices (window cooperation)", "",
              f"Bootstrap intervals ({rep['num_resamples']} resamples, seed {rep['seed']} derived from the "
              f"experiment's seed); `*_half`: the indices from the first half of the base samples.", "",
              _markdown_table(sob), "",
              f"Sum of first-order indices: {rep['sum_S1']:.3f}"
              + (" (below 1: part of the variance comes from interactions" if rep["sum_S1"] < 1 else
                 " (not below 1: no sign of interactions beyond the estimates' noise")
              + f"); sum of total indices {rep['sum_ST']:.3f}."]
    if conv.isna().all():
        lines += ["Convergence not checked: fewer than 4 base samples."]
    elif not conv.astype(bool).all():
        lines += ["**Not converged**: the indices of " + ", ".join(sob.loc[~conv.astype(bool), "parameter"])
                  + " move by more than their interval between half and all of the base samples."]
    else:
        lines += ["Converged: every index from half of the base samples lies within its interval of the full value."]
    if rep["ranking"]:
        lines += ["Ranking claimed (total indices whose intervals separate): "
                  + ", ".join(f"{a} > {b}" for a, b in rep["ranking"]) + "."]
    else:
        lines += ["No ranking claimed: the intervals of the total indices overlap for every pair."]
    lines += [""]
    fig = modelplots.sobol_bars(sob).figure
    _save(plots, plt, fig, figdir, "sobol", formats, lines, "sobol")


def write_report(result, folder: str | Path | None = None, *, formats=FORMATS) -> Path:
    """Write the summary tables, figures and ``report.md`` of an experiment result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import analysis, modelplots, plots

    folder = Path(folder or result.output)
    figdir = folder / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    runs = result.runs
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    ok.attrs = dict(runs.attrs)
    varied = _varied(result)
    exp = result.experiment
    settings, seed = _settings(result)
    kind = _design_kind(result)
    sampled = kind in SAMPLED
    ranges = _ranges(result)
    # sampled designs: numbers enter the model linearly even when few points were drawn
    coding = "linear" if sampled else "auto"
    name = exp.experiment.name if exp is not None else folder.name
    lines = [f"# {name}", ""]
    if exp is not None:
        if exp.experiment.question:
            lines += [f"**Question.** {exp.experiment.question}", ""]
        if exp.experiment.description:
            lines += [exp.experiment.description, ""]
    n_err = int((runs["status"] != "ok").sum()) if "status" in runs else 0
    lines += [f"{len(runs)} runs ({len(result.design)} design points, {kind} design); {n_err} failed.", ""]

    if ok.empty:
        lines += ["No successful run: nothing to analyse."]
        (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return folder / "report.md"

    by = varied or None
    table = analysis.emergence_table(ok, by=by) if by else analysis.emergence_table(ok.assign(all="all"), by="all")
    table.to_csv(folder / "summary.csv", index=False)
    if not sampled:
        show = [c for c in [*(varied or []), "n", "emergence", "emergence_low", "emergence_high",
                            "window_cooperation"] if c in table.columns]
        lines += ["## Emergence of cooperation per design point", "", _markdown_table(table[show].head(60)), ""]
        if len(table) > 60:
            lines += [f"({len(table) - 60} more rows in summary.csv)", ""]
    else:
        lines += ["Per-point emergence frequencies are in summary.csv: each sampled point is one draw of the "
                  "design with a few runs, so the report reads the effects from a model of the whole design "
                  "instead.", ""]

    # ---- hypotheses: only those the experiment varies
    mech = _mechanism_parameters()
    hyp_params = [p for p in varied if p in mech]
    if hyp_params:
        try:
            _hypotheses(ok, hyp_params, settings, seed, ranges, coding, folder, figdir, formats, lines, plt,
                        analysis, plots)
        except Exception as err:  # noqa: BLE001 - a report must not lose a finished run
            lines += ["## Verdicts", "", f"Not computed: {type(err).__name__}: {err}", ""]
    _interactions(ok, settings, seed, ranges, coding, folder, figdir, formats, lines, plt, analysis, plots, varied)

    # ---- Sobol
    problem = getattr(result, "sobol_problem", None)
    problem = problem() if callable(problem) else problem
    if problem:
        _sobol(ok, problem, seed, settings, folder, figdir, formats, lines, plt, analysis, plots)

    # ---- curves
    if sampled and varied:
        others = [p for p in varied if p not in hyp_params]
        if others:
            fit = analysis.fit_design(ok, parameters=varied, ranges=ranges, bootstrap=settings.bootstrap, seed=seed,
                                      confidence=settings.confidence, coding=coding)
            fig, axes = plt.subplots(1, len(others[:3]), figsize=(3.2 * len(others[:3]), 2.8), squeeze=False,
                                     constrained_layout=True)
            for p, ax in zip(others[:3], axes.flat, strict=False):
                modelplots.partial_dependence(fit.curve(p), ax=ax, parameter=p)
            _save(plots, plt, fig, figdir, "partial_dependence", formats, lines,
                  "partial dependence of the other parameters")
    elif not sampled:
        numeric = [p for p in varied if pd.api.types.is_numeric_dtype(ok[p]) and not pd.api.types.is_bool_dtype(ok[p])]
        for i, p in enumerate(numeric[:3]):  # a categorical parameter is a curve family (by=), never an x axis
            other = [q for q in varied if q != p]
            by2 = other[0] if other and ok[other[0]].nunique() <= 6 else None
            fig, ax = plt.subplots(figsize=(5, 3.4), constrained_layout=True)
            plots.emergence_curve(ok, p, by=by2, ax=ax)
            _save(plots, plt, fig, figdir, f"emergence_{i}_{p.replace('.', '_')}", formats, lines,
                  f"emergence vs {p}")
        if len(varied) == 2 and len(numeric) == 2:
            fig, ax = plt.subplots(figsize=(5, 4), constrained_layout=True)
            plots.phase_diagram(ok, varied[0], varied[1], ax=ax)
            _save(plots, plt, fig, figdir, "phase_diagram", formats, lines, "phase diagram")
    periods = result.periods
    if periods is not None and not periods.empty:
        fig, ax = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
        by_t = varied[0] if varied and not sampled and periods[varied[0]].nunique() <= 8 else None
        plots.cooperation_over_time(periods, by=by_t, ax=ax)
        _save(plots, plt, fig, figdir, "cooperation_over_time", formats, lines, "cooperation over time")
    _forms_section(ok, periods, varied, sampled, figdir, formats, lines, plt, plots)
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "report.md"


def _forms_section(ok, periods, varied, sampled, figdir, formats, lines, plt, plots) -> None:
    """Forms of cooperation (tacit, negotiated, institutional, forced), when some mechanism
    attributed cooperation to an explicit form: the composition by condition (grids) and
    over time."""
    from . import forms

    if not forms.has_explicit_forms(ok):
        return
    lines += ["## Forms of cooperation", "",
              "Share of moves that are cooperative, by form (the bars add up to the window cooperation "
              "rate; attribution rule: docs/explanation/forms-of-cooperation.md).", ""]
    by = varied[0] if varied and not sampled else None
    table = forms.forms_table(ok, by)
    lines += [_markdown_table(table[[c for c in table.columns if not c.startswith("composition_")]]), ""]
    if by is not None:
        fig, ax = plt.subplots(figsize=(5, 3.4), constrained_layout=True)
        forms.forms_by_condition(ok, by, ax=ax)
        _save(plots, plt, fig, figdir, "forms_by_condition", formats, lines, "forms of cooperation by condition")
    if periods is not None and not periods.empty and "form_tacit" in periods.columns:
        fig, ax = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
        forms.forms_over_time(periods, ax=ax)
        _save(plots, plt, fig, figdir, "forms_over_time", formats, lines, "forms of cooperation over time")
