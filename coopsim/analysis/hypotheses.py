"""Verdicts on Milner's hypotheses: predicted vs measured direction of a parameter's effect,
effect size with confidence interval, trend tests, *supported / not supported / reversed*.
"""
from __future__ import annotations

import dataclasses
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import ParameterError, check_choice
from .columns import _as_binary, _check_columns, _is_binary, _n_error, _numeric, ok_runs, parameter_columns
from .intervals import _check_confidence, _t_bounds, newcombe_interval, wilson_interval
from .logistic import logistic_regression

__all__ = ["find_mechanism", "HypothesisReport", "hypothesis_report", "hypothesis_reports"]


def find_mechanism(parameter: str | None = None, mechanism: Any = None):
    """The mechanism class (from ``REGISTRY``) that tests ``parameter``, or None.

    ``mechanism`` may be a registry name (``"regime"``), a hypothesis label (``"H4"``) or a
    class. Without it the parameter must be some mechanism's ``PARAMETER`` (e.g.
    ``"regime.monitoring"``): other parameters of a section (``regime.sanction``) do not
    inherit its predicted direction silently.
    """
    from ..world.mechanisms import REGISTRY

    if mechanism is not None:
        if isinstance(mechanism, type):
            return mechanism
        for cls in REGISTRY.values():
            if mechanism in (cls.NAME, cls.HYPOTHESIS):
                return cls
        raise ParameterError("mechanism", mechanism,
                             "a mechanism name (" + ", ".join(REGISTRY) + ") or a label H1..H6")
    for cls in REGISTRY.values():
        if cls.PARAMETER == parameter:
            return cls
    return None


def _hypothesis_label(parameter: str) -> str:
    from ..world.mechanisms import REGISTRY

    cls = find_mechanism(parameter)
    if cls is None and "." in str(parameter):
        cls = REGISTRY.get(str(parameter).split(".", 1)[0])
    return cls.HYPOTHESIS if cls is not None else ""


_VERDICTS = ("supported", "not supported", "reversed")


@dataclasses.dataclass(frozen=True)
class HypothesisReport:
    """The test of one hypothesis on one runs table (see :func:`hypothesis_report`).

    Flat fields go to :meth:`to_dict` / :meth:`to_series` / :meth:`to_frame`; ``levels``
    holds the per-level table (parameter value, n, emergence or mean with CI) used by the
    figures.
    """

    hypothesis: str
    mechanism: str
    parameter: str
    metric: str
    prediction: str
    predicted_direction: int
    measured_direction: int
    verdict: str
    test: str
    p_value: float
    alpha: float
    confidence: float
    conditions: str
    n_runs: int
    n: int
    n_error: int
    n_levels: int
    low_level: float
    high_level: float
    low_value: float
    high_value: float
    effect: float
    effect_low: float
    effect_high: float
    effect_measure: str
    slope: float
    slope_se: float
    slope_low: float
    slope_high: float
    slope_p: float
    slope_method: str
    separated: bool
    spearman_rho: float
    spearman_p: float
    notes: str
    levels: pd.DataFrame = dataclasses.field(repr=False, compare=False)

    def to_dict(self) -> dict:
        """Every scalar field (not ``levels``)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "levels"}

    def to_series(self) -> pd.Series:
        return pd.Series(self.to_dict(), name=self.hypothesis or self.parameter)

    def to_frame(self) -> pd.DataFrame:
        """The one-row DataFrame form."""
        return pd.DataFrame([self.to_dict()])

    def __getitem__(self, key: str):
        return self.levels if key == "levels" else self.to_dict()[key]

    @property
    def significant(self) -> bool:
        return bool(np.isfinite(self.p_value) and self.p_value < self.alpha)

    def __str__(self) -> str:
        arrow = {1: "increases", -1: "decreases", 0: "does not change"}
        lines = [
            f"{self.hypothesis or '?'} ({self.mechanism or 'no mechanism'}): {self.verdict.upper()} "
            f"at alpha = {self.alpha:g}",
            f"  prediction: {self.prediction}",
            f"  parameter {self.parameter} from {self.low_level:g} to {self.high_level:g} ({self.n_levels} levels, "
            f"{self.n} runs, {self.n_error} failed); {self.metric} {arrow.get(self.measured_direction, '?')}",
            f"  effect ({self.effect_measure}): {self.effect:+.3f} "
            f"[{self.effect_low:+.3f}, {self.effect_high:+.3f}] ({self.confidence:.0%} CI)",
            f"  slope ({self.slope_method}): {self.slope:+.4g} [{self.slope_low:+.4g}, {self.slope_high:+.4g}], "
            f"p = {self.slope_p:.3g}; Spearman rho = {self.spearman_rho:+.3f}, p = {self.spearman_p:.3g}",
            f"  decided by: {self.test} test, p = {self.p_value:.3g}",
        ]
        if self.conditions:
            lines.append("  conditions: " + self.conditions)
        if self.notes:
            lines.extend(textwrap.wrap("notes: " + self.notes, 100, initial_indent="  ", subsequent_indent="    "))
        return "\n".join(lines)


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if np.unique(x).size < 2 or np.unique(y).size < 2:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.spearmanr(x, y)
    return float(res.statistic), float(res.pvalue)


def _sign(value: float, scale: float = 1.0) -> int:
    """+1/-1, or 0 for a zero (up to rounding: |value| <= 1e-8 · scale) or missing estimate."""
    if not np.isfinite(value):
        return 0
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    return 0 if abs(value) <= 1e-8 * scale else int(np.sign(value))


def hypothesis_report(runs: pd.DataFrame, parameter: str, *, mechanism: Any = None, metric: str = "emerged",
                      direction: int | None = None, alpha: float = 0.05, confidence: float = 0.95,
                      test: str = "auto", conditions: str = "") -> HypothesisReport:
    """Does the measured effect of ``parameter`` on ``metric`` bear out the hypothesis?

    **Prediction.** ``DIRECTION`` (+1/-1) and ``PREDICTION`` of the mechanism whose
    ``PARAMETER`` is ``parameter`` (``REGISTRY``), or of ``mechanism`` (name, label ``"H4"``
    or class). ``direction=`` overrides the sign, e.g. ``direction=-1`` for
    ``epistemic.misperception``.

    **Effect size** (highest minus lowest level of the parameter):

    * binary metric (``emerged``): difference in emergence frequency with Newcombe's
      (1998b) hybrid Wilson score interval; and the slope of a logistic regression of the
      run outcome on the parameter value (log-odds per unit of the parameter) with a Wald
      interval (:func:`logistic_regression`). **Separation** (e.g. no run emerges at the
      low levels and all at the high ones) makes the maximum-likelihood slope infinite;
      the fit then falls back on Firth's penalised likelihood (finite, bias-reduced) and
      ``slope_method`` says ``"firth"``;
    * continuous metric (``window_cooperation``, ...): difference in means with a Welch
      t interval; and the least-squares slope with its t interval.

    **Trend tests.** The slope's Wald test (binary; under separation Firth's penalised
    likelihood-ratio test; a t test for continuous metrics) and
    Spearman's rank correlation between parameter and outcome over the runs. ``test``
    chooses the test that decides the verdict: ``"auto"`` (logistic Wald test for a binary
    metric, Spearman otherwise), ``"slope"`` or ``"spearman"``.

    **Verdict** at ``alpha``: ``"supported"`` if the trend is significant in the predicted
    direction, ``"reversed"`` if significant in the opposite direction, ``"not supported"``
    if not significant. The verdict holds under ``conditions`` (the fixed parameters of
    the experiment; pass them in words) and the tests' assumptions, which the notes list:
    independent replications, a monotone (logistic: log-linear in the odds) trend, and,
    when other parameters vary in the table, effects pooled over them.

    Failed runs (``status != "ok"``) are counted (``n_error``) and left out.
    """
    c = _check_confidence(confidence)
    a = _check_confidence(alpha, "alpha")
    check_choice("test", test, ("auto", "slope", "spearman"))
    _check_columns(runs, [parameter, metric])
    varied = parameter_columns(runs)  # read before any operation that could drop runs.attrs
    cls = find_mechanism(parameter, mechanism)
    if direction is None:
        if cls is None:
            raise ParameterError("parameter", parameter,
                                 "a mechanism's PARAMETER (e.g. 'regime.monitoring'), or pass mechanism= or "
                                 "direction= (+1/-1) to state the prediction")
        direction = cls.DIRECTION
    if direction not in (1, -1):
        raise ParameterError("direction", direction, "+1 (larger values raise cooperation) or -1")
    notes = []
    if cls is not None and cls.PARAMETER != parameter:
        notes.append(f"predicted direction {direction:+d} taken for {parameter}, not the mechanism's own "
                     f"parameter {cls.PARAMETER}")
    ok = ok_runs(runs)
    x_all = _numeric(ok[parameter])
    binary = metric == "emerged" or _is_binary(ok[metric])
    y_all = _as_binary(ok[metric], metric) if binary else _numeric(ok[metric])
    keep = ~np.isnan(x_all) & ~np.isnan(y_all)
    x, y = x_all[keep], y_all[keep]
    if keep.sum() < len(keep):
        notes.append(f"{len(keep) - keep.sum()} runs without a value of {parameter} or {metric} left out")
    levels_x = np.unique(x)
    if levels_x.size < 2:
        raise ParameterError("parameter", parameter, f"a parameter with at least two levels in the runs "
                             f"(found {levels_x.tolist()})")
    others = [p for p in varied if p != parameter and runs[p].nunique(dropna=True) > 1]
    if others:
        notes.append("pooled over the other varied parameters " + ", ".join(others))

    # per-level table
    lev = pd.DataFrame({"x": x, "y": y}).groupby("x")["y"].agg(n="count", total="sum", mean="mean", sd="std")
    lev = lev.reset_index().rename(columns={"x": parameter})
    if binary:
        lev = lev.rename(columns={"total": "n_emerged", "mean": "emergence"}).drop(columns="sd")
        lev["n_emerged"] = lev["n_emerged"].astype(int)
        lev["emergence_low"], lev["emergence_high"] = wilson_interval(lev["n_emerged"].to_numpy(),
                                                                      lev["n"].to_numpy(), c)
    else:
        lev = lev.drop(columns="total")
        lev["low"], lev["high"] = _t_bounds(lev["mean"], lev["sd"], lev["n"], c)
    lo_row, hi_row = lev.iloc[0], lev.iloc[-1]

    # effect size and slope
    if binary:
        effect, e_lo, e_hi = newcombe_interval(int(hi_row["n_emerged"]), int(hi_row["n"]),
                                               int(lo_row["n_emerged"]), int(lo_row["n"]), c)
        measure = "difference in emergence frequency"
        low_value, high_value = float(lo_row["emergence"]), float(hi_row["emergence"])
        fit = logistic_regression(x, y, confidence=c)
        slope, slope_se, s_lo, s_hi, slope_p = fit.slope, fit.slope_se, fit.slope_low, fit.slope_high, fit.p_value
        slope_method, separated = fit.method, fit.separated
        if np.all(y == y[0]):
            notes.append(f"no variation in {metric}: {bool(y[0])} in every run")
        elif separated:
            notes.append("the parameter separates the outcome perfectly: maximum-likelihood slope infinite, "
                         "Firth's penalised estimate reported with its penalised likelihood-ratio test and "
                         "profile interval")
        test_name = "logistic Wald" if fit.test == "Wald" else "logistic (Firth) penalised LR"
    else:
        y_hi, y_lo = y[x == levels_x[-1]], y[x == levels_x[0]]
        effect = float(y_hi.mean() - y_lo.mean())
        if y_hi.size > 1 and y_lo.size > 1:
            welch = stats.ttest_ind(y_hi, y_lo, equal_var=False)
            ci = welch.confidence_interval(c)
            e_lo, e_hi = float(ci.low), float(ci.high)
        else:
            e_lo = e_hi = float("nan")
        measure = f"difference in mean {metric}"
        low_value, high_value = float(lo_row["mean"]), float(hi_row["mean"])
        reg = stats.linregress(x, y)
        q = stats.t.ppf(0.5 + c / 2, len(x) - 2)
        slope, slope_se = float(reg.slope), float(reg.stderr)
        s_lo, s_hi, slope_p = slope - q * slope_se, slope + q * slope_se, float(reg.pvalue)
        slope_method, separated = "ols", False
        test_name = "least-squares slope t"
    rho, rho_p = _spearman(x, y)

    if test == "spearman" or (test == "auto" and not binary):
        p_value, estimate, test_name = rho_p, rho, "Spearman"
    else:
        p_value, estimate = slope_p, slope
    measured = _sign(estimate, slope_se if estimate is slope else 1.0)
    significant = bool(np.isfinite(p_value) and p_value < a)
    if not significant:
        verdict = "not supported"
    else:
        verdict = "supported" if measured == direction else "reversed"
    notes.append("assumes independent replications and a monotone trend"
                 + (" (logistic: linear in the log-odds)" if binary and test != "spearman" else ""))
    prediction = cls.PREDICTION if cls else f"larger {parameter} -> " + ("more" if direction > 0 else "less") \
        + " cooperation"
    return HypothesisReport(
        hypothesis=cls.HYPOTHESIS if cls else "", mechanism=cls.NAME if cls else "", parameter=parameter,
        metric=metric, prediction=prediction, predicted_direction=int(direction), measured_direction=measured,
        verdict=verdict,
        test=test_name, p_value=float(p_value), alpha=a, confidence=c, conditions=str(conditions or ""),
        n_runs=len(runs), n=int(len(x)), n_error=_n_error(runs), n_levels=int(levels_x.size),
        low_level=float(levels_x[0]), high_level=float(levels_x[-1]), low_value=low_value, high_value=high_value,
        effect=float(effect), effect_low=float(e_lo), effect_high=float(e_hi), effect_measure=measure,
        slope=float(slope), slope_se=float(slope_se), slope_low=float(s_lo), slope_high=float(s_hi),
        slope_p=float(slope_p), slope_method=slope_method, separated=bool(separated), spearman_rho=rho,
        spearman_p=rho_p, notes="; ".join(notes), levels=lev,
    )


def _report_items(runs, parameters):
    """(runs table, parameter) pairs for hypothesis_reports / hypothesis_panel."""
    if isinstance(runs, Mapping):
        keys = list(runs) if parameters is None else list(parameters)
        return [(runs[k], k) for k in keys]
    if parameters is None:
        parameters = [p for p in parameter_columns(runs) if find_mechanism(p) is not None]
        if not parameters:
            raise ParameterError("parameters", None, "a list of parameters: the runs vary no mechanism's PARAMETER")
    elif isinstance(parameters, str):
        parameters = [parameters]
    return [(runs, p) for p in parameters]


def _per_item(option, parameter):
    if isinstance(option, Mapping):
        return option.get(parameter)
    return option


def hypothesis_reports(runs, parameters: str | Sequence[str] | None = None, *, metric: str = "emerged",
                       mechanisms: Mapping[str, Any] | None = None, directions: Mapping[str, int] | None = None,
                       conditions: str | Mapping[str, str] = "", **kwargs) -> pd.DataFrame:
    """:func:`hypothesis_report` for several parameters, one row each (sorted by hypothesis).

    ``runs`` is either one table (all ``parameters`` are columns of it; default: every
    column that is a mechanism's ``PARAMETER``) or a mapping ``{parameter: runs table}``
    when each hypothesis was tested in its own experiment (the usual case: a
    one-at-a-time sweep pooled into one table would mix the others' levels into each
    comparison). ``mechanisms``, ``directions`` and ``conditions`` may be mappings keyed
    by parameter; other keyword arguments go to every report.
    """
    items = _report_items(runs, parameters)
    frames = []
    for table, p in items:
        rep = hypothesis_report(table, p, metric=metric, mechanism=_per_item(mechanisms, p),
                                direction=_per_item(directions, p),
                                conditions=_per_item(conditions, p) or "", **kwargs)
        frames.append(rep.to_frame())
    out = pd.concat(frames, ignore_index=True)
    order = out["hypothesis"].replace("", "H9")
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
