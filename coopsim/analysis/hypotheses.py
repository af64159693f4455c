"""Verdicts on Milner's hypotheses: predicted vs measured direction of a parameter's effect,
its average marginal effect from a model of the whole design with a cluster-bootstrap
interval, Holm-adjusted tests, and the verdict *supported / reversed / no effect /
inconclusive* (:mod:`~coopsim.analysis.verdicts`).
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
from .models import DesignFit, bootstrap_floor, bootstrap_p, fit_design, percentile_interval
from .pvalues import p_text
from .verdicts import VERDICTS, check_sesoi, holm, verdict

__all__ = ["find_mechanism", "HypothesisReport", "hypothesis_report", "hypothesis_reports", "hypothesis_list",
           "adjust_family", "direction_words"]


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


_VERDICTS = VERDICTS


@dataclasses.dataclass(frozen=True)
class HypothesisReport:
    """The test of one hypothesis on one runs table (see :func:`hypothesis_report`).

    Flat fields go to :meth:`to_dict` / :meth:`to_series` / :meth:`to_frame`; ``levels``
    holds the per-level table (parameter value, n, emergence or mean with CI) and
    ``curve`` the model's partial-dependence curve with its bootstrap band, used by the
    figures.

    Since 0.2 ``effect``, ``effect_low``, ``effect_high`` are the average marginal effect
    (AME) from the model of the whole design and its cluster-bootstrap percentile interval;
    ``p_value`` is the bootstrap test of AME = 0 and ``p_holm`` its Holm-adjusted value
    over ``family``; ``test`` names that test. ``p_floor`` is the smallest p-value the
    bootstrap can resolve, 1 / (B + 1), and ``p_holm_floor`` that of the Holm-adjusted
    value, m / (B + 1) for a family of m tests: a p-value at its floor means "at most
    this", and prints as ``p < 0.001`` (:func:`~coopsim.analysis.format_p`). The 0.1 numbers (highest minus lowest
    level with Newcombe's interval) are ``endpoint_effect``, ``endpoint_low``,
    ``endpoint_high``; the pooled trend test that decided 0.1's verdict is ``trend_test``,
    ``trend_p`` (slope and Spearman fields as before).
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
    p_holm: float
    p_floor: float
    p_holm_floor: float
    family: str
    alpha: float
    confidence: float
    smallest_effect: float
    conditions: str
    n_runs: int
    n: int
    n_error: int
    n_points: int
    n_levels: int
    low_level: float
    high_level: float
    low_value: float
    high_value: float
    effect: float
    effect_low: float
    effect_high: float
    effect_measure: str
    model: str
    bootstrap: int
    resample: str
    seed: int
    endpoint_effect: float
    endpoint_low: float
    endpoint_high: float
    trend_test: str
    trend_p: float
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
    curve: pd.DataFrame = dataclasses.field(repr=False, compare=False)

    def to_dict(self) -> dict:
        """Every scalar field (not ``levels`` nor ``curve``)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("levels", "curve")}

    def to_series(self) -> pd.Series:
        return pd.Series(self.to_dict(), name=self.hypothesis or self.parameter)

    def to_frame(self) -> pd.DataFrame:
        """The one-row DataFrame form."""
        return pd.DataFrame([self.to_dict()])

    def __getitem__(self, key: str):
        if key in ("levels", "curve"):
            return getattr(self, key)
        return self.to_dict()[key]

    @property
    def significant(self) -> bool:
        """Whether the Holm-adjusted p-value is below ``alpha``."""
        return bool(np.isfinite(self.p_holm) and self.p_holm < self.alpha)

    def __str__(self) -> str:
        lines = [
            f"{self.hypothesis or '?'} ({self.mechanism or 'no mechanism'}): {self.verdict.upper()} "
            f"at alpha = {self.alpha:g}, smallest effect of interest {self.smallest_effect:g}",
            f"  prediction: {self.prediction}",
            f"  parameter {self.parameter} from {_num(self.low_level)} to {_num(self.high_level)} "
            f"({self.n_levels} values, {self.n_points} design points, {self.n} runs, {self.n_error} failed); "
            f"{direction_words(self.measured_direction)}",
            f"  effect ({self.effect_measure}): {self.effect:+.3f} "
            f"[{self.effect_low:+.3f}, {self.effect_high:+.3f}] ({self.confidence:.0%} percentile interval, "
            f"{self.bootstrap} bootstrap replicates resampling {self.resample})",
            f"  {self.test}: {p_text(self.p_value, self.p_floor)}; Holm-adjusted over "
            f"{self.family or self.parameter}: {p_text(self.p_holm, self.p_holm_floor)}",
            f"  highest minus lowest level: {self.endpoint_effect:+.3f} "
            f"[{self.endpoint_low:+.3f}, {self.endpoint_high:+.3f}]; {self.trend_test}: {p_text(self.trend_p)}",
        ]
        if self.conditions:
            lines.append("  conditions: " + self.conditions)
        if self.notes:
            lines.extend(textwrap.wrap("notes: " + self.notes, 100, initial_indent="  ", subsequent_indent="    "))
        return "\n".join(lines)


def _num(v) -> str:
    """A number as text: integers without a decimal point."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return str(int(f)) if np.isfinite(f) and f.is_integer() else f"{f:.4g}"


def direction_words(sign: int) -> str:
    """+1 / -1 / 0 as words: raises / lowers / does not change cooperation."""
    return {1: "raises cooperation", -1: "lowers cooperation"}.get(int(sign), "does not change cooperation")


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


def _prediction(parameter, mechanism, direction):
    cls = find_mechanism(parameter, mechanism)
    if direction is None:
        if cls is None:
            raise ParameterError("parameter", parameter,
                                 "a mechanism's PARAMETER (e.g. 'regime.monitoring'), or pass mechanism= or "
                                 "direction= (+1/-1) to state the prediction")
        direction = cls.DIRECTION
    if direction not in (1, -1):
        raise ParameterError("direction", direction, "+1 (larger values raise cooperation) or -1")
    return cls, int(direction)


def _trend(x, y, binary: bool, c: float, parameter: str, metric: str, notes: list):
    """The 0.1 pooled statistics: per-level table, end-point difference, slope, Spearman."""
    lev = pd.DataFrame({"x": x, "y": y}).groupby("x")["y"].agg(n="count", total="sum", mean="mean", sd="std")
    lev = lev.reset_index().rename(columns={"x": parameter})
    levels_x = lev[parameter].to_numpy(float)
    if binary:
        lev = lev.rename(columns={"total": "n_emerged", "mean": "emergence"}).drop(columns="sd")
        lev["n_emerged"] = lev["n_emerged"].astype(int)
        lev["emergence_low"], lev["emergence_high"] = wilson_interval(lev["n_emerged"].to_numpy(),
                                                                      lev["n"].to_numpy(), c)
    else:
        lev = lev.drop(columns="total")
        lev["low"], lev["high"] = _t_bounds(lev["mean"], lev["sd"], lev["n"], c)
    lo_row, hi_row = lev.iloc[0], lev.iloc[-1]
    if binary:
        effect, e_lo, e_hi = newcombe_interval(int(hi_row["n_emerged"]), int(hi_row["n"]),
                                               int(lo_row["n_emerged"]), int(lo_row["n"]), c)
        low_value, high_value = float(lo_row["emergence"]), float(hi_row["emergence"])
        fit = logistic_regression(x, y, confidence=c)
        slope = (fit.slope, fit.slope_se, fit.slope_low, fit.slope_high, fit.p_value, fit.method, fit.separated)
        if np.all(y == y[0]):
            notes.append(f"no variation in {metric}: {bool(y[0])} in every run")
        elif fit.separated:
            notes.append("the parameter separates the outcome perfectly (pooled trend: Firth's penalised "
                         "estimate; model: extended maximum likelihood)")
        slope_test = "logistic Wald" if fit.test == "Wald" else "logistic (Firth) penalised LR"
    else:
        y_hi, y_lo = y[x == levels_x[-1]], y[x == levels_x[0]]
        effect = float(y_hi.mean() - y_lo.mean())
        if y_hi.size > 1 and y_lo.size > 1:
            ci = stats.ttest_ind(y_hi, y_lo, equal_var=False).confidence_interval(c)
            e_lo, e_hi = float(ci.low), float(ci.high)
        else:
            e_lo = e_hi = float("nan")
        low_value, high_value = float(lo_row["mean"]), float(hi_row["mean"])
        reg = stats.linregress(x, y)
        q = stats.t.ppf(0.5 + c / 2, len(x) - 2)
        se = float(reg.stderr)
        slope = (float(reg.slope), se, reg.slope - q * se, reg.slope + q * se, float(reg.pvalue), "ols", False)
        slope_test = "least-squares slope t"
    return lev, (effect, e_lo, e_hi), (low_value, high_value), slope, slope_test


def hypothesis_report(runs: pd.DataFrame, parameter: str, *, mechanism: Any = None, metric: str = "emerged",
                      direction: int | None = None, alpha: float = 0.05, confidence: float = 0.95,
                      test: str = "auto", conditions: str = "", smallest_effect: float = 0.05,
                      bootstrap: int = 1000, seed: int = 0, ranges: Mapping[str, Sequence[float]] | None = None,
                      coding: str = "auto", fit: DesignFit | None = None, n_curve: int = 25,
                      trend: bool = True) -> HypothesisReport:
    """Does the measured effect of ``parameter`` on ``metric`` bear out the hypothesis?

    **Prediction.** ``DIRECTION`` (+1/-1) and ``PREDICTION`` of the mechanism whose
    ``PARAMETER`` is ``parameter`` (``REGISTRY``), or of ``mechanism`` (name, label ``"H4"``
    or class). ``direction=`` overrides the sign, e.g. ``direction=-1`` for
    ``epistemic.misperception``.

    **Effect** (:mod:`~coopsim.analysis.models`): the average marginal effect (AME) of
    moving ``parameter`` from the low to the high end of its range (``ranges``, default the
    observed extremes), averaged over the design's distribution of every other varied
    parameter, from a logistic GLM of ``emerged`` (a linear model for a continuous metric)
    on all design parameters. For a one-factor grid it is the difference of the emergence
    frequencies at the highest and lowest level. Interval: percentile interval of
    ``bootstrap`` cluster-bootstrap replicates (design points resampled with their
    replications in sampled designs, replications within points in grids; Cameron,
    Gelbach & Miller 2008), seeded by ``seed``. p-value: the bootstrap test of AME = 0
    (:func:`~coopsim.analysis.models.bootstrap_p`: (1 + k) / (B + 1), k the replicates at
    least as far from the AME as the AME is from 0; never below 1 / (B + 1), ``p_floor``); ``p_holm``:
    Holm-adjusted over ``family`` (one
    hypothesis here; :func:`hypothesis_reports` adjusts over all it tests).

    **Verdict** (:func:`~coopsim.analysis.verdicts.verdict`): ``"no effect"`` when the
    whole interval lies inside ±``smallest_effect`` (equivalence, Lakens 2017);
    ``"supported"`` / ``"reversed"`` when p_holm < ``alpha`` and the interval lies wholly on
    the predicted / the opposite side of zero; ``"inconclusive"`` otherwise.

    Also reported, not deciding: the 0.1 statistics pooled over the other parameters —
    highest minus lowest level (Newcombe's interval), the logistic or least-squares slope
    (Firth under separation) and Spearman's rho; ``test`` picks ``trend_test``: ``"auto"``
    (slope for a binary metric, Spearman otherwise), ``"slope"`` or ``"spearman"``.
    ``trend=False`` leaves them out (NaN, ``levels`` empty): the verdict does not use them,
    and :func:`~coopsim.analysis.robust.robustness` keeps only the verdicts.

    ``curve``: the partial-dependence curve at ``n_curve`` values (a factor's levels; 0:
    none). ``fit`` reuses a :func:`~coopsim.analysis.models.fit_design` result. Failed runs
    (``status != "ok"``) are counted (``n_error``) and left out.
    """
    c = _check_confidence(confidence)
    a = _check_confidence(alpha, "alpha")
    sesoi = check_sesoi(smallest_effect)
    check_choice("test", test, ("auto", "slope", "spearman"))
    _check_columns(runs, [parameter, metric])
    varied = parameter_columns(runs)  # read before any operation that could drop runs.attrs
    cls, direction = _prediction(parameter, mechanism, direction)
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
    model_params = [p for p in dict.fromkeys([*varied, parameter]) if ok[p].nunique(dropna=True) > 1]
    others = [p for p in model_params if p != parameter]
    if others:
        notes.append("averaged over the design's distribution of " + ", ".join(others))
    if trend:
        lev, endpoint, values, slope, slope_test = _trend(x, y, binary, c, parameter, metric, notes)
        rho, rho_p = _spearman(x, y)
        trend_test, trend_p = (("Spearman", rho_p) if test == "spearman" or (test == "auto" and not binary)
                               else (slope_test, slope[4]))
    else:  # the verdict alone: the pooled 0.1 statistics are not computed
        nan = float("nan")
        lev, endpoint, values, rho, rho_p = pd.DataFrame(), (nan,) * 3, (nan, nan), nan, nan
        slope, trend_test, trend_p = (nan, nan, nan, nan, nan, "", False), "", nan

    if fit is None:
        fit = fit_design(runs, metric, parameters=model_params, ranges=ranges, coding=coding,
                         bootstrap=bootstrap, seed=seed, confidence=c)
    effect, boot = fit.effect(parameter)
    e_lo, e_hi = percentile_interval(boot, c)
    p_value = bootstrap_p(effect, boot)
    p_floor = bootstrap_floor(boot)
    term = fit.term(parameter)
    if fit.separated:
        notes.append("the design separates the outcome: fitted by extended maximum likelihood (probabilities 0 "
                     "or 1 where the data are)")
    measure = ("average marginal effect on the emergence probability" if fit.family == "binomial"
               else f"average marginal effect on mean {metric}")
    verdict_ = verdict(effect, e_lo, e_hi, p_value, direction, alpha=a, sesoi=sesoi)
    prediction = cls.PREDICTION if cls else f"larger {parameter} -> " + ("more" if direction > 0 else "less") \
        + " cooperation"
    n_points = int(len(fit.points))
    return HypothesisReport(
        hypothesis=cls.HYPOTHESIS if cls else "", mechanism=cls.NAME if cls else "", parameter=parameter,
        metric=metric, prediction=prediction, predicted_direction=direction,
        measured_direction=_sign(effect), verdict=verdict_,
        test=f"cluster bootstrap (resampling {fit.resample}) test of AME = 0", p_value=p_value, p_holm=p_value,
        p_floor=p_floor, p_holm_floor=p_floor, family=parameter, alpha=a, confidence=c, smallest_effect=sesoi,
        conditions=str(conditions or ""),
        n_runs=len(runs), n=int(fit.points["n"].sum()), n_error=_n_error(runs), n_points=n_points,
        n_levels=int(levels_x.size), low_level=float(term.low) if term.kind == "linear" else float(levels_x[0]),
        high_level=float(term.high) if term.kind == "linear" else float(levels_x[-1]),
        low_value=values[0], high_value=values[1], effect=float(effect), effect_low=e_lo, effect_high=e_hi,
        effect_measure=measure, model=f"{fit.method}; {parameter} as a {term.kind} term; main effects of "
        + ", ".join(t.name for t in fit.terms), bootstrap=fit.bootstrap, resample=fit.resample, seed=int(seed),
        endpoint_effect=float(endpoint[0]), endpoint_low=float(endpoint[1]), endpoint_high=float(endpoint[2]),
        trend_test=trend_test, trend_p=float(trend_p), slope=float(slope[0]), slope_se=float(slope[1]),
        slope_low=float(slope[2]), slope_high=float(slope[3]), slope_p=float(slope[4]), slope_method=slope[5],
        separated=bool(slope[6]), spearman_rho=rho, spearman_p=rho_p, notes="; ".join(notes), levels=lev,
        curve=fit.curve(parameter, n_values=n_curve) if n_curve else pd.DataFrame(),
    )


def adjust_family(reports: Sequence[HypothesisReport]) -> list[HypothesisReport]:
    """The reports with Holm-adjusted p-values over all of them (the family) and their verdicts recomputed.

    The floor of a Holm-adjusted bootstrap p-value is m / (B + 1) over a family of m tests
    (the smallest adjusted value is m times the smallest p-value): ``p_holm_floor``.
    """
    adjusted = holm([r.p_value for r in reports])
    m = int(np.count_nonzero(np.isfinite([r.p_value for r in reports])))
    family = ", ".join(r.parameter for r in reports)
    return [dataclasses.replace(r, p_holm=float(p), family=family,
                                p_holm_floor=min(1.0, max(m, 1) * r.p_floor) if np.isfinite(r.p_floor) else r.p_floor,
                                verdict=verdict(r.effect, r.effect_low, r.effect_high, float(p),
                                                r.predicted_direction, alpha=r.alpha, sesoi=r.smallest_effect))
            for r, p in zip(reports, adjusted, strict=True)]


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


def hypothesis_list(runs, parameters: str | Sequence[str] | None = None, *, metric: str = "emerged",
                    mechanisms: Mapping[str, Any] | None = None, directions: Mapping[str, int] | None = None,
                    conditions: str | Mapping[str, str] = "", **kwargs) -> list[HypothesisReport]:
    """The :class:`HypothesisReport` objects of :func:`hypothesis_reports`, Holm-adjusted over all of them.

    One table: the model of the whole design is fitted (and bootstrapped) once and every
    parameter's AME read from it.
    """
    items = _report_items(runs, parameters)
    fits: dict[int, DesignFit] = {}
    reports = []
    for table, p in items:
        kw = dict(kwargs)
        if not isinstance(runs, Mapping) and "fit" not in kw:
            if id(table) not in fits:
                ok = ok_runs(table)
                varied = [q for q in dict.fromkeys([*parameter_columns(table), *(q for _, q in items)])
                          if ok[q].nunique(dropna=True) > 1]
                fits[id(table)] = fit_design(table, metric, parameters=varied, ranges=kw.get("ranges"),
                                             coding=kw.get("coding", "auto"), bootstrap=kw.get("bootstrap", 1000),
                                             seed=kw.get("seed", 0), confidence=kw.get("confidence", 0.95))
            kw["fit"] = fits[id(table)]
        reports.append(hypothesis_report(table, p, metric=metric, mechanism=_per_item(mechanisms, p),
                                         direction=_per_item(directions, p),
                                         conditions=_per_item(conditions, p) or "", **kw))
    return adjust_family(reports)


def hypothesis_reports(runs, parameters: str | Sequence[str] | None = None, *, metric: str = "emerged",
                       mechanisms: Mapping[str, Any] | None = None, directions: Mapping[str, int] | None = None,
                       conditions: str | Mapping[str, str] = "", **kwargs) -> pd.DataFrame:
    """:func:`hypothesis_report` for several parameters, one row each (sorted by hypothesis).

    ``runs`` is either one table (all ``parameters`` are columns of it; default: every
    column that is a mechanism's ``PARAMETER``) or a mapping ``{parameter: runs table}``
    when each hypothesis was tested in its own experiment. In one table each effect is
    read from one model of the whole design (the other parameters averaged over the
    design, not pooled). The p-values are Holm-adjusted over the parameters tested
    (``p_holm``, ``family``) and the verdicts use the adjusted values. ``mechanisms``,
    ``directions`` and ``conditions`` may be mappings keyed by parameter; other keyword
    arguments go to every report.
    """
    reports = hypothesis_list(runs, parameters, metric=metric, mechanisms=mechanisms, directions=directions,
                              conditions=conditions, **kwargs)
    out = pd.concat([r.to_frame() for r in reports], ignore_index=True)
    order = out["hypothesis"].replace("", "H9")
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
