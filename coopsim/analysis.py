"""Statistics on experiment results: emergence frequencies, hypothesis verdicts, Sobol indices.

Plain data in, tidy pandas out. The input is the experiment runner's *runs table*: one row
per (design point, replication) with the columns

* ``point``, ``replication`` (and perhaps ``seed``);
* one column per varied parameter, dotted names reaching into mechanisms
  (``regime.monitoring``, ``iteration.continuation``, ``actors.n_actors``, ...);
* the run's metrics: ``emerged`` (bool: the mean cooperation rate over the last ``window``
  periods reached ``threshold``), ``emergence_period`` (first period at which the trailing
  ``window``-period mean reached ``threshold``; NaN if never), ``window_cooperation``,
  ``final_cooperation``, ``mean_cooperation``, ``window_payoff``, ``window_inequality``,
  ``final_share_<strategy>``;
* ``status`` (``"ok"`` or ``"error"``). Failed runs are **counted** (``n_error``) but never
  enter a statistic.

Functions
---------
:func:`wilson_interval`, :func:`newcombe_interval`, :func:`t_interval`
    confidence intervals for a proportion (Wilson 1927), a difference of two proportions
    (Newcombe 1998, method 10) and a mean (Student's t).
:func:`logistic_regression`
    binary logistic regression by Newton-Raphson (IRLS) with Wald standard errors from the
    observed information; Firth's (1993) penalised likelihood when the outcome is
    separated (perfectly predicted), where the maximum-likelihood slope is infinite.
:func:`emergence_table`, :func:`time_to_emergence`, :func:`period_summary`
    per design point summaries.
:func:`hypothesis_report`, :func:`hypothesis_reports`
    for one of Milner's hypotheses: predicted vs measured direction, effect size with CI,
    trend tests and the verdict *supported / not supported / reversed*.
:func:`sobol_indices`, :func:`sobol_interactions`
    first-order, total and second-order Sobol indices from a Saltelli design (SALib,
    an optional dependency: ``pip install coopsim[sensitivity]``).

References
----------
* Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
  inference. *JASA* 22:209-212.
* Newcombe, R. G. (1998a). Two-sided confidence intervals for the single proportion:
  comparison of seven methods. *Statistics in Medicine* 17:857-872.
* Newcombe, R. G. (1998b). Interval estimation for the difference between independent
  proportions: comparison of eleven methods. *Statistics in Medicine* 17:873-890.
* Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
  logistic regression models. *Biometrika* 71:1-10.
* Firth, D. (1993). Bias reduction of maximum likelihood estimates. *Biometrika* 80:27-38.
* Heinze, G. & Schemper, M. (2002). A solution to the problem of separation in logistic
  regression. *Statistics in Medicine* 21:2409-2419.
* Konis, K. (2007). *Linear programming algorithms for detecting separated data in binary
  logistic regression models*. DPhil thesis, University of Oxford.
* Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and
  their Monte Carlo estimates. *Mathematics and Computers in Simulation* 55:271-280.
* Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity indices.
  *Computer Physics Communications* 145:280-297.
* Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
  *Computer Physics Communications* 181:259-270.
* Herman, J. & Usher, W. (2017). SALib: an open-source Python library for sensitivity
  analysis. *Journal of Open Source Software* 2(9):97.
"""
from __future__ import annotations

import dataclasses
import textwrap
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats

from ._validation import ParameterError, check_choice

__all__ = [
    "METRICS",
    "parameter_columns",
    "ok_runs",
    "wilson_interval",
    "newcombe_interval",
    "t_interval",
    "LogisticFit",
    "logistic_regression",
    "is_separated",
    "emergence_table",
    "time_to_emergence",
    "period_summary",
    "find_mechanism",
    "HypothesisReport",
    "hypothesis_report",
    "hypothesis_reports",
    "sobol_indices",
    "sobol_interactions",
]

#: run-level metrics written by the runner (``final_share_<strategy>`` besides)
METRICS = (
    "emerged",
    "emergence_period",
    "window_cooperation",
    "final_cooperation",
    "mean_cooperation",
    "window_payoff",
    "window_inequality",
)
#: columns of a runs or periods table that are neither parameters nor metrics
BOOKKEEPING = (
    "point",
    "replication",
    "status",
    "error",
    "message",
    "traceback",
    "elapsed",
    "duration",
    "runtime",
    "worker",
    "run",
    "run_id",
    "timestamp",
    "period",
)
#: per-period outcomes (the periods table of a run)
PERIOD_COLUMNS = ("cooperation", "mean_payoff", "inequality", "good_standing", "advised")


# ----------------------------------------------------------------------------- helpers
def _check_confidence(confidence: Any, name: str = "confidence") -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ParameterError(name, confidence, "a number strictly between 0 and 1") from None
    if not 0.0 < c < 1.0:
        raise ParameterError(name, confidence, "a number strictly between 0 and 1")
    return c


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _check_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "runs") -> None:
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(what, type(df).__name__, "a pandas DataFrame")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(what, f"<DataFrame with columns {list(df.columns)}>",
                             f"a table with the column(s) {missing}")


def parameter_columns(runs: pd.DataFrame) -> list[str]:
    """The varied-parameter columns of a runs (or periods) table.

    Everything that is not bookkeeping (``point``, ``replication``, ``seed*``, ``status``,
    ...), a metric (:data:`METRICS`, ``final_*``), a per-period outcome or a share column
    (``share_*``). Scenario parameters (``n_states``, ``noise``, ``regime.monitoring``, ...)
    always count; another column counts when the table has no ``point`` column or when it
    is constant within every point (a design value is; a timing or an unknown metric is
    not). Pass ``by=`` explicitly to the summaries when a table holds other columns.

    >>> parameter_columns(pd.DataFrame(columns=["point", "replication", "regime.monitoring",
    ...                                         "emerged", "final_share_TFT", "status"]))
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
    from .world.scenario import Scenario

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
    arr = pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce").to_numpy(float)
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


# ----------------------------------------------------------------------------- intervals
def wilson_interval(k, n, confidence: float = 0.95):
    """Wilson's (1927) score interval for a binomial proportion k/n.

    The set of p whose score test (normal approximation, variance p(1-p)/n) does not
    reject at level 1 - ``confidence``::

        centre = (p̂ + z²/2n) / (1 + z²/n),
        half   = z / (1 + z²/n) · sqrt(p̂(1-p̂)/n + z²/4n²),

    with z the normal quantile. Unlike the Wald interval it stays inside [0, 1], is not
    degenerate at k = 0 or k = n (upper bound z²/(n+z²) at k = 0) and keeps close to its
    nominal coverage for small n (Newcombe 1998a, method 3; Brown, Cai & DasGupta 2001,
    *Statistical Science* 16:101). Vectorised over ``k`` and ``n``; n = 0 gives NaN.

    Returns ``(low, high)``: floats for scalar input, arrays otherwise.

    >>> lo, hi = wilson_interval(81, 263)          # Newcombe (1998a), Table I: 0.2553, 0.3662
    >>> round(lo, 4), round(hi, 4)
    (0.2553, 0.3662)
    >>> wilson_interval(0, 10)[1]                  # z²/(n + z²)
    0.2775
    """
    c = _check_confidence(confidence)
    scalar = np.ndim(k) == 0 and np.ndim(n) == 0
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > n) or np.any(k != np.round(k)) or np.any(n != np.round(n)):
        raise ParameterError("k", k.tolist() if k.ndim else float(k), "whole numbers of successes with 0 <= k <= n")
    z = _z(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    lo = np.where(k == 0, 0.0, lo)  # exact at the boundary (no rounding residue)
    hi = np.where(k == n, 1.0, hi)
    lo = np.where(n > 0, lo, np.nan)
    hi = np.where(n > 0, hi, np.nan)
    if scalar:
        return float(lo), float(hi)
    return lo, hi


def newcombe_interval(k1, n1, k2, n2, confidence: float = 0.95):
    """Newcombe's (1998b, method 10) hybrid score interval for p1 - p2 (independent samples).

    With (l_i, u_i) the Wilson intervals of p̂_i = k_i/n_i and d = p̂1 - p̂2::

        low  = d - sqrt((p̂1 - l1)² + (u2 - p̂2)²),
        high = d + sqrt((u1 - p̂1)² + (p̂2 - l2)²).

    Good coverage even for small samples and at 0 % or 100 %, where the Wald interval
    collapses. Returns ``(difference, low, high)`` (floats or arrays).

    >>> d, lo, hi = newcombe_interval(56, 70, 48, 80)   # Newcombe (1998b), Table II (a)
    >>> round(d, 4), round(lo, 4), round(hi, 4)
    (0.2, 0.0524, 0.3339)
    """
    c = _check_confidence(confidence)
    scalar = all(np.ndim(v) == 0 for v in (k1, n1, k2, n2))
    l1, u1 = wilson_interval(k1, n1, c)
    l2, u2 = wilson_interval(k2, n2, c)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.asarray(k1, float) / np.asarray(n1, float)
        p2 = np.asarray(k2, float) / np.asarray(n2, float)
        d = p1 - p2
        lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    if scalar:
        return float(d), float(lo), float(hi)
    return d, lo, hi


def _t_bounds(mean, sd, n, confidence: float):
    mean, sd, n = (np.asarray(v, dtype=float) for v in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + confidence / 2.0, np.where(n > 1, n - 1, np.nan))
        half = q * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    return mean - half, mean + half


def t_interval(values, confidence: float = 0.95):
    """Student's t interval for a mean: x̄ ± t_{n-1} · s/√n. Returns ``(mean, low, high)``.

    NaNs are dropped; with fewer than two values the bounds are NaN.

    >>> m, lo, hi = t_interval([1.0, 2.0, 3.0])
    >>> m, round(lo, 4), round(hi, 4)                # 2 ± 4.3027 · 1/√3
    (2.0, -0.4841, 4.4841)
    """
    c = _check_confidence(confidence)
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    sd = float(x.std(ddof=1)) if x.size > 1 else float("nan")
    lo, hi = _t_bounds(x.mean(), sd, x.size, c)
    return float(x.mean()), float(lo), float(hi)


# ----------------------------------------------------------------------------- logistic regression
@dataclasses.dataclass(frozen=True)
class LogisticFit:
    """A fitted binary logistic regression logit P(y = 1) = intercept + slope · x.

    ``method`` is ``"mle"`` (maximum likelihood) or ``"firth"`` (Firth's penalised
    likelihood); ``separated`` says whether x perfectly predicts y (quasi-complete or
    complete separation, including an outcome without variation). Standard errors are
    the square roots of the diagonal of the inverse information X'WX at the estimate;
    ``z = slope / slope_se``. ``test`` names how ``p_value`` (slope = 0, two-sided) and
    ``slope_low``/``slope_high`` (at ``confidence``) were obtained: ``"Wald"`` for the MLE;
    ``"penalised LR"`` for Firth's fit — the penalised likelihood-ratio test and the
    profile penalised-likelihood interval (Heinze & Schemper 2002), because Wald
    statistics are unreliable exactly where Firth is needed (a large estimate inflates its
    own standard error: Hauck & Donner 1977). ``coef`` and ``cov`` hold all coefficients
    (intercept first) when there are several covariates.
    """

    intercept: float
    slope: float
    intercept_se: float
    slope_se: float
    slope_low: float
    slope_high: float
    z: float
    p_value: float
    method: str
    test: str
    separated: bool
    converged: bool
    iterations: int
    n: int
    confidence: float
    log_likelihood: float
    coef: np.ndarray = dataclasses.field(repr=False)
    cov: np.ndarray = dataclasses.field(repr=False)


def _design(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ParameterError("x", f"<array of shape {x.shape}>", "a vector or an (n, p) matrix of covariates")
    return np.column_stack([np.ones(len(x)), x])


def is_separated(x, y) -> bool:
    """Whether the covariates separate the binary outcome (no finite MLE exists).

    Albert & Anderson (1984): the MLE of a logistic regression is finite iff the data
    *overlap*. With s_i = 2y_i - 1 and the design X (intercept first), there is
    (quasi-complete or complete) separation iff some β ≠ 0 has s_i x_i'β ≥ 0 for every i
    with strict inequality for at least one (Konis 2007); we decide this by the linear
    programme max Σ s_i x_i'β subject to s_i x_i'β ≥ 0 and -1 ≤ β ≤ 1. An outcome without
    variation counts as separated (the intercept's MLE is infinite).

    >>> is_separated([0, 1, 2, 3], [0, 0, 1, 1]), is_separated([0, 1, 2, 3], [0, 1, 0, 1])
    (True, False)
    """
    X = _design(x)
    y = np.asarray(y, dtype=float)
    if np.all(y == y[0]):
        return True
    # standardise the covariates so the box constraint is well scaled
    scale = X.std(axis=0)
    scale[0] = 1.0
    scale[scale == 0] = 1.0
    centre = X.mean(axis=0)
    centre[0] = 0.0
    Xs = (X - centre) / scale
    Xs[:, 0] = 1.0
    A = (2.0 * y - 1.0)[:, None] * Xs
    res = optimize.linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(A)),
                           bounds=[(-1.0, 1.0)] * A.shape[1], method="highs")
    return bool(res.status == 0 and -res.fun > 1e-7 * len(A))


def _loglik(X, y, beta, firth: bool) -> float:
    eta = X @ beta
    ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    if firth:
        p = special.expit(eta)
        info = X.T @ (X * (p * (1 - p))[:, None])
        sign, logdet = np.linalg.slogdet(info)
        ll += 0.5 * logdet if sign > 0 else -np.inf
    return ll


def _newton(X, y, firth: bool, max_iter: int, tol: float, max_step: float = 5.0):
    """Newton-Raphson (= IRLS) with step-halving on the (penalised) log-likelihood."""
    beta = np.zeros(X.shape[1])
    ll = _loglik(X, y, beta, firth)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        p = special.expit(X @ beta)
        w = p * (1 - p)
        info = X.T @ (X * w[:, None])
        resid = y - p
        try:
            chol = linalg.cho_factor(info)
        except linalg.LinAlgError:
            break
        if firth:
            # Firth's modified score: X'(y - p + h(1/2 - p)), h the hat-matrix diagonal
            h = w * np.einsum("ij,ij->i", X, linalg.cho_solve(chol, X.T).T)
            resid = resid + h * (0.5 - p)
        step = linalg.cho_solve(chol, X.T @ resid)
        biggest = np.max(np.abs(step))
        if biggest > max_step:
            step *= max_step / biggest
        for _ in range(30):
            new_ll = _loglik(X, y, beta + step, firth)
            if new_ll >= ll - 1e-12 * abs(ll):
                break
            step /= 2.0
        beta = beta + step
        ll = new_ll
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    return beta, ll, converged, it


def _profile_loglik(X, y, j: int, value: float, start: np.ndarray, firth: bool) -> tuple[float, np.ndarray]:
    """Maximum of the (penalised) log-likelihood with coefficient j fixed at ``value``."""
    free = np.arange(X.shape[1]) != j
    offset = X[:, j] * value
    Xf = X[:, free]

    def negll(theta):
        beta = np.empty(X.shape[1])
        beta[free], beta[j] = theta, value
        return -_loglik(X, y, beta, firth)

    def grad(theta):  # modified score of the free coefficients (penalty from the full design)
        p = special.expit(Xf @ theta + offset)
        w = p * (1 - p)
        resid = y - p
        if firth:
            info = X.T @ (X * w[:, None])
            h = w * np.einsum("ij,ij->i", X, linalg.solve(info, X.T, assume_a="pos").T)
            resid = resid + h * (0.5 - p)
        return -(Xf.T @ resid)

    res = optimize.minimize(negll, start[free], jac=grad, method="BFGS", options={"gtol": 1e-9})
    beta = np.empty(X.shape[1])
    beta[free], beta[j] = res.x, value
    return -float(res.fun), beta


def _profile_interval(X, y, beta, ll, j: int, se: float, confidence: float, firth: bool):
    """Profile-likelihood bounds for coefficient j: 2(ll - profile(b)) = chi2_1(confidence)."""
    crit = stats.chi2.ppf(confidence, 1)

    def excess(b):
        return 2.0 * (ll - _profile_loglik(X, y, j, b, beta, firth)[0]) - crit

    bounds = []
    for sign in (-1.0, 1.0):
        step = max(se if np.isfinite(se) and se > 0 else 1.0, 1e-3)
        inner, outer = beta[j], beta[j] + sign * step
        found = False
        for _ in range(60):
            if excess(outer) > 0:
                found = True
                break
            inner, outer = outer, beta[j] + sign * (abs(outer - beta[j]) * 2.0)
        bounds.append(optimize.brentq(excess, min(inner, outer), max(inner, outer), xtol=1e-8)
                      if found else sign * np.inf)
    return bounds[0], bounds[1]


def logistic_regression(x, y, *, method: str = "auto", confidence: float = 0.95,
                        max_iter: int = 100, tol: float = 1e-10) -> LogisticFit:
    """Binary logistic regression of y (0/1) on x: logit P(y=1) = β0 + β1 x (+ β2 x2 ...).

    Fitted by Newton-Raphson, which for the canonical logit link is iteratively
    reweighted least squares, with step-halving; standard errors from the inverse of the
    observed (= expected) information X'WX, W = diag(p(1-p)); a Wald test and Wald
    interval for the slope (the first covariate's coefficient).

    ``method``:

    * ``"mle"`` — maximum likelihood; refused (``ParameterError``) when x separates y,
      because the MLE slope is then infinite (Albert & Anderson 1984);
    * ``"firth"`` — Firth's (1993) penalised likelihood, log L + ½ log det(X'WX), whose
      estimate is finite under separation and has O(n⁻²) bias (Heinze & Schemper 2002);
      the slope is tested by the penalised likelihood-ratio test (the statistic
      2[log L*(β̂) - max log L*(β | slope = 0)] against χ²₁) and bounded by the profile
      penalised-likelihood interval, as R's logistf does; standard errors from X'WX at the
      penalised estimate are reported as well;
    * ``"auto"`` (default) — ``"mle"`` unless :func:`is_separated`, then ``"firth"``.

    A 1-D ``x`` fits intercept and slope; an (n, p) matrix fits p coefficients, the first
    being reported as ``slope``.

    >>> fit = logistic_regression([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 0, 1, 1, 1])
    >>> round(fit.slope, 4), fit.method                      # log(3) - log(1/3)
    (2.1972, 'mle')
    """
    check_choice("method", method, ("auto", "mle", "firth"))
    c = _check_confidence(confidence)
    X = _design(x)
    y = np.asarray(y, dtype=float).ravel()
    keep = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    X, y = X[keep], y[keep]
    if X.shape[0] < X.shape[1] + 1:
        raise ParameterError("x", f"<{X.shape[0]} complete observations>",
                             f"at least {X.shape[1] + 1} observations with x and y present")
    if np.any((y != 0) & (y != 1)):
        raise ParameterError("y", y[(y != 0) & (y != 1)][0], "a binary outcome (0/1)")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ParameterError("x", "<constant or collinear covariates>",
                             "covariates that vary (at least two distinct levels)")
    separated = is_separated(X[:, 1:], y)
    if method == "mle" and separated:
        raise ParameterError("method", "mle", "'firth' or 'auto': x perfectly predicts y (separation), so the "
                             "maximum-likelihood slope is infinite")
    firth = method == "firth" or (method == "auto" and separated)
    beta, ll, converged, iters = _newton(X, y, firth, max_iter, tol)
    if not converged:  # fall back on a quasi-Newton optimiser of the same objective
        res = optimize.minimize(lambda b: -_loglik(X, y, b, firth), beta, method="BFGS",
                                options={"gtol": 1e-8, "maxiter": 1000})
        if res.success:
            beta, ll, converged = res.x, -float(res.fun), True
    p = special.expit(X @ beta)
    info = X.T @ (X * (p * (1 - p))[:, None])
    try:
        cov = linalg.inv(info)
    except linalg.LinAlgError:
        cov = np.full_like(info, np.nan)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    z = beta[1] / se[1] if se[1] > 0 else np.nan
    if firth:
        try:
            ll0, _ = _profile_loglik(X, y, 1, 0.0, beta, True)
            pval = float(stats.chi2.sf(max(2.0 * (ll - ll0), 0.0), 1))
            lo, hi = _profile_interval(X, y, beta, ll, 1, se[1], c, True)
        except (linalg.LinAlgError, np.linalg.LinAlgError, ValueError):
            # e.g. one run per level: the penalised information matrix is singular; the
            # caller's Spearman trend test still applies
            pval, lo, hi = float("nan"), float("nan"), float("nan")
        test = "penalised LR"
    else:
        pval = float(2.0 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")
        q = _z(c)
        lo, hi = beta[1] - q * se[1], beta[1] + q * se[1]
        test = "Wald"
    return LogisticFit(
        intercept=float(beta[0]), slope=float(beta[1]), intercept_se=float(se[0]), slope_se=float(se[1]),
        slope_low=float(lo), slope_high=float(hi), z=float(z), p_value=pval, method="firth" if firth else "mle",
        test=test, separated=bool(separated), converged=bool(converged),
        iterations=int(iters), n=int(len(y)), confidence=c, log_likelihood=float(ll), coef=beta, cov=cov,
    )


# ----------------------------------------------------------------------------- per-point summaries
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
    rows = []
    for key, sub in _groups(runs, by):
        ok = ok_runs(sub)
        emerged = _as_binary(ok["emerged"], "emerged")
        emerged = emerged[~np.isnan(emerged)]
        row = dict(zip(by, key, strict=True))
        row.update(n_runs=len(sub), n=int(emerged.size), n_error=_n_error(sub), n_emerged=int(emerged.sum()))
        if "window_cooperation" in ok.columns:
            wc = _numeric(ok["window_cooperation"])
            row["window_cooperation"], row["window_cooperation_low"], row["window_cooperation_high"] = \
                t_interval(wc, c) if (~np.isnan(wc)).any() else (np.nan, np.nan, np.nan)
        if "emergence_period" in ok.columns:
            ep = _numeric(ok["emergence_period"])
            sel = (_as_binary(ok["emerged"], "emerged") == 1) & ~np.isnan(ep)
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

    The time is ``emergence_period``: the first period at which the trailing
    ``window``-period mean cooperation reached the threshold (so it is at least
    ``window - 1``). Runs in which it never did are *right-censored* at the horizon, the
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


# ----------------------------------------------------------------------------- hypotheses
def find_mechanism(parameter: str | None = None, mechanism: Any = None):
    """The mechanism class (from ``REGISTRY``) that tests ``parameter``, or None.

    ``mechanism`` may be a registry name (``"regime"``), a hypothesis label (``"H4"``) or a
    class. Without it the parameter must be some mechanism's ``PARAMETER`` (e.g.
    ``"regime.monitoring"``): other parameters of a section (``regime.sanction``) do not
    inherit its predicted direction silently.
    """
    from .world.mechanisms import REGISTRY

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
    from .world.mechanisms import REGISTRY

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
    others = [p for p in parameter_columns(runs) if p != parameter and runs[p].nunique(dropna=True) > 1]
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


# ----------------------------------------------------------------------------- Sobol indices
def _import_salib():
    try:
        from SALib.analyze import sobol
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Sobol indices need SALib, an optional dependency: "
                          "pip install 'coopsim[sensitivity]' (or pip install SALib)") from exc
    return sobol


def _check_problem(problem: Mapping) -> dict:
    if not isinstance(problem, Mapping) or "names" not in problem:
        raise ParameterError("problem", problem, "a SALib problem dict with 'names' and 'bounds'")
    names = list(problem["names"])
    out = dict(problem)
    out.setdefault("num_vars", len(names))
    if out["num_vars"] != len(names):
        raise ParameterError("problem['num_vars']", out["num_vars"], f"the number of names ({len(names)})")
    return out


def _saltelli_fits(X: np.ndarray, second_order: bool) -> bool:
    """Whether the rows of X are laid out as SALib's Saltelli/Sobol sample."""
    n, d = X.shape
    block = 2 * d + 2 if second_order else d + 2
    if n == 0 or n % block:
        return False
    B3 = X.reshape(n // block, block, d)
    A, B = B3[:, 0, :], B3[:, -1, :]
    for j in range(d):
        ab = B3[:, 1 + j, :]
        expect = A.copy()
        expect[:, j] = B[:, j]
        if not np.allclose(ab, expect, rtol=1e-9, atol=1e-12, equal_nan=True):
            return False
        if second_order:
            ba = B3[:, 1 + d + j, :]
            expect = B.copy()
            expect[:, j] = A[:, j]
            if not np.allclose(ba, expect, rtol=1e-9, atol=1e-12, equal_nan=True):
                return False
    return True


def _point_means(runs: pd.DataFrame, metric: str, names: list[str]):
    """Mean metric per design point (rows in design order) and the points' parameter values."""
    _check_columns(runs, [metric])
    ok = ok_runs(runs).copy()
    ok["_y"] = _numeric(ok[metric])
    have = [n for n in names if n in ok.columns]
    if "point" in ok.columns:
        points = np.sort(runs["point"].unique())
        g = ok.groupby("point", sort=True)
        y = g["_y"].mean().reindex(points)
        X = g[have].first().reindex(points).to_numpy(float) if len(have) == len(names) else None
        missing = points[np.isnan(y.to_numpy())]
        if np.issubdtype(points.dtype, np.integer) and len(points) and \
                not np.array_equal(points, np.arange(points[0], points[0] + len(points))):
            gaps = np.setdiff1d(np.arange(points[0], points[-1] + 1), points)
            missing = np.union1d(missing, gaps)
        y = y.to_numpy()
    else:
        y = ok["_y"].to_numpy()
        X = ok[names].to_numpy(float) if len(have) == len(names) else None
        missing = np.flatnonzero(np.isnan(y))
    if len(missing):
        shown = ", ".join(str(m) for m in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise ParameterError("runs", f"<{len(missing)} design points without a successful run>",
                             f"a value of {metric} at every point of the Saltelli design (missing: points {shown}); "
                             "rerun the failed points")
    return y, X


def _sobol(runs, problem, metric, calc_second_order, confidence, num_resamples, seed, check_design):
    sobol = _import_salib()
    c = _check_confidence(confidence)
    problem = _check_problem(problem)
    names = list(problem["names"])
    d = len(names)
    y, X = _point_means(runs, metric, names)
    if calc_second_order is None:
        if X is not None and check_design:
            calc_second_order = _saltelli_fits(X, True) or not _saltelli_fits(X, False)
        else:
            calc_second_order = len(y) % (2 * d + 2) == 0
    block = 2 * d + 2 if calc_second_order else d + 2
    if len(y) % block:
        raise ParameterError("runs", f"<{len(y)} design points>",
                             f"a Saltelli design for {d} parameters: a multiple of {block} points "
                             f"({'with' if calc_second_order else 'without'} second-order terms)")
    if check_design and X is not None and not _saltelli_fits(X, calc_second_order):
        raise ParameterError("runs", "<design points>", "rows ordered as SALib's Saltelli/Sobol sample of "
                             f"{names} (A, AB_1..AB_d, {'BA_1..BA_d, ' if calc_second_order else ''}B per base "
                             "point); check the order of the points and problem['names']")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(problem, np.asarray(y, float), calc_second_order=bool(calc_second_order),
                           num_resamples=int(num_resamples), conf_level=c, print_to_console=False, seed=seed)
    return si, names, bool(calc_second_order)


def sobol_indices(runs: pd.DataFrame, problem: Mapping, metric: str = "window_cooperation", *,
                  calc_second_order: bool | None = None, confidence: float = 0.95, num_resamples: int = 100,
                  seed: int | None = None, check_design: bool = True) -> pd.DataFrame:
    """First-order and total Sobol' indices of ``metric`` with bootstrap confidence intervals.

    Variance-based global sensitivity analysis (Sobol' 2001): for output Y and parameter
    X_i, the first-order index S1_i = V[E(Y | X_i)] / V(Y) is the share of the output
    variance that X_i explains alone; the total index ST_i = E[V(Y | X_~i)] / V(Y) its
    share including all interactions. ST_i - S1_i measures how much X_i acts through
    interactions; Σ S1 < 1 means the parameters interact. Estimators: Saltelli (2002) /
    Saltelli et al. (2010), computed by ``SALib.analyze.sobol.analyze`` (SALib is an
    optional dependency, imported here); ``*_conf`` are half-widths of bootstrap intervals
    at ``confidence`` (``num_resamples`` resamples; ``seed`` fixes them).

    ``runs`` must come from a Saltelli design (``SALib.sample.sobol.sample(problem, N)``)
    whose rows became the design points ``point`` = 0, 1, ... in the same order;
    replications of a point are averaged first (the indices then describe the expected
    outcome, e.g. the emergence *probability* for ``metric="emerged"``). Every point needs
    at least one successful run. With ``calc_second_order=None`` the layout (with or
    without second-order blocks) is read off the parameter columns; ``check_design``
    verifies that layout (set False when the runner rounded integer parameters so that
    A and B rows cannot be told apart, or when parameter columns are absent).

    Returns one row per parameter: ``parameter``, ``hypothesis`` (H1..H6 from the
    registry, by section), ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    """
    si, names, _ = _sobol(runs, problem, metric, calc_second_order, confidence, num_resamples, seed, check_design)
    return pd.DataFrame({
        "parameter": names,
        "hypothesis": [_hypothesis_label(n) for n in names],
        "S1": np.asarray(si["S1"], float), "S1_conf": np.asarray(si["S1_conf"], float),
        "ST": np.asarray(si["ST"], float), "ST_conf": np.asarray(si["ST_conf"], float),
    })


def sobol_interactions(runs: pd.DataFrame, problem: Mapping, metric: str = "window_cooperation", *,
                       confidence: float = 0.95, num_resamples: int = 100, seed: int | None = None,
                       check_design: bool = True) -> pd.DataFrame:
    """Second-order Sobol' indices S2_ij (the variance share of the i-j interaction alone).

    Needs a Saltelli design with second-order blocks (``calc_second_order=True``, the
    SALib default). Returns ``parameter_1``, ``parameter_2``, ``S2``, ``S2_conf``, one row
    per pair. See :func:`sobol_indices`.
    """
    si, names, second = _sobol(runs, problem, metric, True, confidence, num_resamples, seed, check_design)
    rows = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            rows.append({"parameter_1": names[i], "parameter_2": names[j], "S2": float(si["S2"][i, j]),
                         "S2_conf": float(si["S2_conf"][i, j])})
    return pd.DataFrame(rows, columns=["parameter_1", "parameter_2", "S2", "S2_conf"])
