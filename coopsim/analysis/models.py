"""A model of the whole design: a GLM of a run's outcome on every design parameter, fitted
once to the experiment and to each cluster-bootstrap replicate, from which average marginal
effects (AME), partial-dependence curves and interaction effects are read.

Model. For a binary outcome (``emerged``) a logistic GLM, for a continuous one
(``window_cooperation``, ...) a linear model, with the main effects of all varied design
parameters: numbers as linear terms, strings, booleans and the parameters of a full
factorial grid as factors (one dummy per level but the lowest). A grid's model is then
saturated in each factor's main effect, so for a one-factor grid the predicted
probabilities are the observed frequencies. Optional product terms for interactions.
Fitted on the design points' counts (a run's covariates are its point's), which gives the
same estimates as a fit on the runs: statsmodels' GLM (Binomial) or WLS; the
extended maximum-likelihood estimate (Geyer 2009) by our own Newton iterations when the
outcome is separated, and for the bootstrap replicates (all fitted at once).

AME (Williams 2012; Ai & Norton 2003 for interactions on the probability scale). The
effect of moving a parameter from the low to the high end of its range, everything else
as in the design: (1/N) Σ_runs [ŷ(x_high, z_i) - ŷ(x_low, z_i)].

Cluster bootstrap (Cameron, Gelbach & Miller 2008; Davison & Hinkley 1997, 3.8). In a
sampled design (random, Latin hypercube, Sobol: some parameter enters linearly) the design
points are a sample of the design's distribution: resample points with all their
replications. In a factorial grid (every parameter a factor) the points are fixed by the
design, and resampling them would drop levels: resample the replications within each
point. Replicates are drawn from ``numpy.random.default_rng(SeedSequence(seed,
spawn_key=(BOOTSTRAP_KEY,)))``. The draws depend on the seed, the number of replicates and
the runs per point alone, so the fits of one design at several emergence thresholds share
them; a design fitted again to the same outcome (the report's primary analysis and its
robustness row at the scenario's threshold) reuses the fit. Both are kept for the last few
designs and give exactly what a fresh computation gives.
"""
from __future__ import annotations

import dataclasses
import hashlib
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .._validation import ParameterError, check_choice
from .columns import _as_binary, _check_columns, _is_binary, _numeric, ok_runs, parameter_columns
from .logistic import binomial_newton, is_separated

__all__ = ["DesignFit", "fit_design", "Term", "BOOTSTRAP_KEY", "bootstrap_rng", "bootstrap_p", "bootstrap_floor"]

#: spawn key of the bootstrap's stream (the runs use spawn keys (point, replication))
BOOTSTRAP_KEY = 0xB00757
#: at most this many levels make a parameter of a full grid a factor
MAX_FACTOR_LEVELS = 12


def bootstrap_rng(seed: int, key: int = BOOTSTRAP_KEY) -> np.random.Generator:
    """The analysis' random stream derived from an experiment's root ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(key),)))


@dataclasses.dataclass(frozen=True)
class Term:
    """One design parameter in the model: ``kind`` ``"linear"`` or ``"factor"``.

    A linear term enters as (x - centre) / scale; a factor as dummies for ``levels[1:]``.
    ``low`` and ``high`` are the ends of the range over which its AME is taken.
    """

    name: str
    kind: str
    levels: tuple = ()
    centre: float = 0.0
    scale: float = 1.0
    low: Any = None
    high: Any = None

    @property
    def width(self) -> int:
        return 1 if self.kind == "linear" else len(self.levels) - 1

    def encode(self, values) -> np.ndarray:
        if self.kind == "linear":
            return ((np.asarray(values, dtype=float) - self.centre) / self.scale)[:, None]
        vals = np.asarray(values, dtype=object)
        return np.column_stack([vals == lev for lev in self.levels[1:]]).astype(float) if self.width else \
            np.zeros((len(vals), 0))


def _is_full_grid(points: pd.DataFrame, names: list[str]) -> bool:
    counts = [points[n].nunique(dropna=False) for n in names]
    if any(c > MAX_FACTOR_LEVELS for c in counts):
        return False
    return len(points[names].drop_duplicates()) == int(np.prod(counts))


def _sort_levels(values: pd.Series) -> tuple:
    uniq = pd.unique(values)
    try:
        return tuple(sorted(uniq))
    except TypeError:
        return tuple(sorted(uniq, key=str))


def _term(points: pd.DataFrame, n: np.ndarray, name: str, factor: bool, ranges: Mapping | None) -> Term:
    col = points[name]
    numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
    if factor or not numeric:
        levels = _sort_levels(col)
        return Term(name, "factor", levels=levels, low=levels[0], high=levels[-1])
    x = col.to_numpy(float)
    lo, hi = (float(v) for v in ranges[name]) if ranges and name in ranges else (float(x.min()), float(x.max()))
    scale = (hi - lo) or 1.0
    return Term(name, "linear", centre=float(np.average(x, weights=n)), scale=scale, low=lo, high=hi)


@dataclasses.dataclass
class DesignFit:
    """A fitted model of a design and its bootstrap replicates (see :func:`fit_design`).

    ``points``: one row per design point (parameter values, ``n`` runs, ``total`` outcome
    sum); ``coef``: the estimate; ``boot_coef`` (B, p) and ``boot_n`` (B, m): each
    replicate's coefficients and runs per point (its weights).
    """

    metric: str
    family: str
    terms: list[Term]
    interactions: list[tuple[str, str]]
    points: pd.DataFrame
    coef: np.ndarray
    boot_coef: np.ndarray
    boot_n: np.ndarray
    method: str
    resample: str
    confidence: float
    separated: bool

    @property
    def bootstrap(self) -> int:
        return int(self.boot_coef.shape[0])

    def term(self, name: str) -> Term:
        for t in self.terms:
            if t.name == name:
                return t
        raise ParameterError("parameter", name, "a varied design parameter: " + ", ".join(t.name for t in self.terms))

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The design matrix (intercept, terms, interaction products) of ``frame``'s rows."""
        enc = {t.name: t.encode(frame[t.name].to_numpy()) for t in self.terms}
        cols = [np.ones((len(frame), 1)), *enc.values()]
        for a, b in self.interactions:
            cols.append(np.einsum("mi,mj->mij", enc[a], enc[b]).reshape(len(frame), -1))
        return np.hstack(cols)

    def _mean(self, coef: np.ndarray, X: np.ndarray) -> np.ndarray:
        eta = coef @ X.T
        return special.expit(eta) if self.family == "binomial" else eta

    def average(self, settings: Mapping[str, Any]):
        """Estimate and (B,) replicates of the design-averaged prediction with the parameters in
        ``settings`` set to the given values (each run weighted by its point's runs)."""
        frame = self.points.copy()
        for name, value in settings.items():
            frame[name] = value
        X = self.matrix(frame)
        n = self.points["n"].to_numpy(float)
        est = float(np.dot(self._mean(self.coef, X), n) / n.sum())
        boot = np.sum(self._mean(self.boot_coef, X) * self.boot_n, axis=1) / self.boot_n.sum(axis=1)
        return est, boot

    def effect(self, parameter: str, at: Mapping[str, Any] | None = None):
        """AME of ``parameter`` from its low to its high end (others as in the design, or set by
        ``at``): (estimate, (B,) bootstrap replicates)."""
        t = self.term(parameter)
        at = dict(at or {})
        hi, bhi = self.average({**at, parameter: t.high})
        lo, blo = self.average({**at, parameter: t.low})
        return hi - lo, bhi - blo

    def curve(self, parameter: str, values: Sequence | None = None, confidence: float | None = None,
              n_values: int = 25) -> pd.DataFrame:
        """Partial dependence: the design-averaged prediction with ``parameter`` set to each of
        ``values`` (default: a factor's levels, or ``n_values`` points over a linear term's
        range), with percentile bootstrap bands: columns parameter, ``estimate``, ``low``, ``high``."""
        t = self.term(parameter)
        c = self.confidence if confidence is None else confidence
        if values is None:
            values = list(t.levels) if t.kind == "factor" else np.linspace(t.low, t.high, n_values)
        rows = []
        for v in values:
            est, boot = self.average({parameter: v})
            lo, hi = percentile_interval(boot, c)
            rows.append({parameter: v, "estimate": est, "low": lo, "high": hi})
        return pd.DataFrame(rows)


def percentile_interval(boot: np.ndarray, confidence: float) -> tuple[float, float]:
    """The percentile bootstrap interval (Efron & Tibshirani 1993, 13.3) of finite replicates."""
    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    if b.size < 2:
        return float("nan"), float("nan")
    lo, hi = np.quantile(b, [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0])
    return float(lo), float(hi)


def bootstrap_p(estimate: float, boot: np.ndarray) -> float:
    """Two-sided bootstrap test of effect = 0: ``(1 + k) / (B + 1)``.

    ``k`` counts the replicates whose deviation from the estimate is at least as large as
    the estimate itself, ``|t*_b - t| >= |t|``: the bootstrap distribution centred on the
    estimate stands in for the distribution of the estimate under the null (Hall & Wilson
    1991), and the ``+1`` in numerator and denominator gives a Monte Carlo p-value that is
    never 0 (Davison & Hinkley 1997, ch. 4). ``B`` is the number of finite replicates. A
    bootstrap of B replicates cannot resolve p below ``1 / (B + 1)``
    (:func:`bootstrap_floor`): when no replicate lies that far from the estimate the
    p-value is exactly that floor, which :func:`~coopsim.analysis.format_p` prints as
    ``"< 0.001"`` for B = 1000. An estimate of exactly 0 gives p = 1.

    * Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their Application*.
      Cambridge University Press, ch. 4 (tests; Monte Carlo p-values).
    * Hall, P. & Wilson, S. R. (1991). Two guidelines for bootstrap hypothesis testing.
      *Biometrics* 47:757-762.

    >>> bootstrap_p(0.5, [0.4, 0.5, 0.6])  # no replicate 0.5 away from 0.5: the floor 1/4
    0.25
    >>> bootstrap_p(0.1, [-0.1, 0.05, 0.1, 0.25])  # two replicates at least 0.1 away
    0.6
    """
    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    if not np.isfinite(estimate) or b.size < 2:
        return float("nan")
    t = abs(float(estimate))
    # rounding guard: deviations equal to |t| up to floating-point noise count as reaching it
    k = int(np.count_nonzero(np.abs(b - float(estimate)) >= t - 1e-12 * max(1.0, t)))
    return (1.0 + k) / (b.size + 1.0)


def bootstrap_floor(boot) -> float:
    """The smallest p-value :func:`bootstrap_p` can give with these replicates, ``1 / (B + 1)``
    (``boot``: the replicates, B the finite ones; or the number B itself).

    >>> bootstrap_floor(999)
    0.001
    """
    if np.ndim(boot) == 0:
        n = int(boot)
    else:
        b = np.asarray(boot, dtype=float)
        n = int(np.count_nonzero(np.isfinite(b)))
    return float("nan") if n < 2 else 1.0 / (n + 1.0)


def _outcome(ok: pd.DataFrame, metric: str) -> tuple[np.ndarray, str]:
    if metric == "emerged" or _is_binary(ok[metric]):
        return _as_binary(ok[metric], metric), "binomial"
    return _numeric(ok[metric]), "gaussian"


def fit_design(runs: pd.DataFrame, metric: str = "emerged", *, parameters: Sequence[str] | None = None,
               interactions: Sequence[Sequence[str]] = (), ranges: Mapping[str, Sequence[float]] | None = None,
               coding: str = "auto", resample: str = "auto", bootstrap: int = 1000, seed: int = 0,
               confidence: float = 0.95, family: str = "auto") -> DesignFit:
    """Fit the model of the whole design to ``runs`` and to ``bootstrap`` cluster-bootstrap replicates.

    ``parameters``: the design parameters (default: the table's, those that vary);
    ``interactions``: pairs of them that get a product term; ``ranges``: {name: (low, high)}
    for the AME of linear terms (default: the observed minimum and maximum); ``coding``:
    ``"auto"`` (a full factorial grid of at most 12 levels each: factors; otherwise linear
    numbers — a sampled design of one parameter and at most 12 points looks like a grid,
    so pass ``"linear"`` when the design kind is known, as the reports do), ``"factor"``
    or ``"linear"``; ``resample``: ``"auto"`` (points if any term is
    linear, else runs within points), ``"points"`` or ``"runs"``; ``family``: ``"auto"``
    (binomial for a 0/1 outcome), ``"binomial"`` or ``"gaussian"``. Failed runs and runs
    without the outcome are left out. See the module docstring for the model.
    """
    check_choice("coding", coding, ("auto", "factor", "linear"))
    check_choice("resample", resample, ("auto", "points", "runs"))
    check_choice("family", family, ("auto", "binomial", "gaussian"))
    if int(bootstrap) < 2:
        raise ParameterError("bootstrap", bootstrap, "an integer >= 2 (number of bootstrap replicates)")
    declared = parameter_columns(runs) if parameters is None else list(parameters)
    _check_columns(runs, [metric, *declared])
    ok = ok_runs(runs)
    y, fam = _outcome(ok, metric)
    fam = fam if family == "auto" else family
    keep = ~np.isnan(y) & ~ok[declared].isna().any(axis=1).to_numpy()
    data = ok.loc[keep, declared].copy()
    data["_y"] = y[keep]
    names = [p for p in declared if data[p].nunique() > 1]
    if not names:
        raise ParameterError("parameters", declared, "at least one design parameter with two or more values "
                                                     "among the successful runs")
    for a, b in interactions:
        for p in (a, b):
            if p not in names:
                raise ParameterError("interactions", [a, b], f"pairs of varied design parameters ({', '.join(names)})")
    # a design point: its ``point`` number and its parameter values (tables concatenated
    # from several experiments may reuse point numbers)
    keys = names + (["_point"] if "point" in ok.columns else [])
    if "point" in ok.columns:
        data["_point"] = ok.loc[keep, "point"].to_numpy()
    codes = data.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
    data["_c"] = codes
    g = data.groupby("_c", sort=True)
    points = g[names].first().reset_index(drop=True)
    points["n"] = g["_y"].size().to_numpy(float)
    points["total"] = g["_y"].sum().to_numpy(float)
    n = points["n"].to_numpy()
    factor = coding == "factor" or (coding == "auto" and _is_full_grid(points, names))
    terms = [_term(points, n, p, factor, ranges) for p in names]
    fit = DesignFit(metric, fam, terms, [tuple(i) for i in interactions], points, np.zeros(0), np.zeros((0, 0)),
                    np.zeros((0, 0)), "", "", float(confidence), False)
    X = fit.matrix(points)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ParameterError("parameters", names, "parameters that can be told apart in the design (the model's "
                                                  f"{X.shape[1]} columns are collinear over {len(points)} points)")
    kind = resample if resample != "auto" else ("points" if any(t.kind == "linear" for t in terms) else "runs")
    B, m = int(bootstrap), len(points)
    draws = _draws(seed, B, kind, n)
    if kind == "points":
        mult = draws[0]
        boot_n, boot_total = mult * n, mult * points["total"].to_numpy()
    else:
        boot_n = np.tile(n, (B, 1))
        boot_total = np.empty((B, m))
        yv, cv = data["_y"].to_numpy(), codes
        order = np.argsort(cv, kind="stable")
        starts = np.concatenate([[0], np.cumsum(n.astype(int))])
        for j in range(m):
            yj = yv[order[starts[j]:starts[j + 1]]]
            boot_total[:, j] = draws[j] @ yj
    total = points["total"].to_numpy()
    key = _digest(fam, X, total, n, boot_total, boot_n)
    coef, boot_coef, method, separated = _remember(_FITS, key, 8, lambda: _estimate(fam, X, total, n, boot_total,
                                                                                     boot_n))
    fit.coef, fit.boot_coef, fit.boot_n = coef.copy(), boot_coef.copy(), boot_n
    fit.method, fit.resample, fit.separated = method, kind, separated
    return fit


#: the last resampling draws and fits (:func:`_remember`): a report fits one design at several
#: emergence thresholds, with the same draws, and often to the same outcome twice
_DRAWS: OrderedDict = OrderedDict()
_FITS: OrderedDict = OrderedDict()


def _remember(cache: OrderedDict, key, size: int, compute: Callable[[], Any]):
    """``compute()``, or its value from ``cache`` when ``key`` (which determines it) was seen
    among the last ``size`` keys."""
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = compute()
    cache[key] = value
    while len(cache) > size:
        cache.popitem(last=False)
    return value


def _digest(*parts) -> bytes:
    """A key for the arrays (dtype, shape and bytes) and strings in ``parts``."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        if isinstance(part, np.ndarray):
            a = np.ascontiguousarray(part)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(memoryview(a).cast("B"))
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.digest()


def _draws(seed: int, B: int, kind: str, n: np.ndarray) -> tuple:
    """The bootstrap's resampling counts, drawn from :func:`bootstrap_rng`: ``kind`` ``"points"``:
    one (B, m) array, how often each design point is drawn; ``"runs"``: for each point a (B, n_j)
    array, how often each of its runs is drawn. They depend on ``seed``, ``B`` and the runs per
    point ``n`` alone, so the fits of one design at several thresholds share them (the last
    draws are kept; read-only, in the smallest integer type that holds them)."""
    sizes = tuple(int(v) for v in n)

    def draw() -> tuple:
        rng = bootstrap_rng(seed)
        m = len(sizes)
        if kind == "points":
            out = (rng.multinomial(m, np.full(m, 1.0 / m), size=B).astype(float),)
        else:  # counts up to n_j: exact in a small integer type, and as floats in ``counts @ y``
            out = tuple(rng.multinomial(k, np.full(k, 1.0 / k), size=B).astype(np.min_scalar_type(k))
                        for k in sizes)
        for a in out:
            a.setflags(write=False)
        return out

    return _remember(_DRAWS, (int(seed), int(B), kind, sizes), 1, draw)


def _estimate(fam: str, X: np.ndarray, total: np.ndarray, n: np.ndarray, boot_total: np.ndarray,
              boot_n: np.ndarray) -> tuple[np.ndarray, np.ndarray, str, bool]:
    """The model's coefficients on the design points' counts and on each bootstrap replicate's:
    (coef, boot_coef, method, separated)."""
    if fam == "binomial":
        ybin = np.concatenate([np.ones(int((total > 0).sum())), np.zeros(int((total < n).sum()))])
        xsep = np.vstack([X[total > 0, 1:], X[total < n, 1:]])
        separated = bool(is_separated(xsep, ybin)) if X.shape[1] > 1 else bool(np.all(ybin == ybin[0]))
        if separated:
            coef, method = binomial_newton(X, total, n), "logistic GLM, extended MLE under separation (own Newton)"
        else:
            # statsmodels' classes from their modules: statsmodels.api would also load formulas, graphics, ...
            from statsmodels.genmod.families import Binomial
            from statsmodels.genmod.generalized_linear_model import GLM

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = GLM(np.column_stack([total, n - total]), X, family=Binomial()).fit(tol=1e-13)
            coef, method = np.asarray(res.params, float), "logistic GLM (statsmodels)"
        boot_coef = binomial_newton(X, boot_total, boot_n)
    else:
        from statsmodels.regression.linear_model import WLS

        separated = False
        coef = np.asarray(WLS(total / n, X, weights=n).fit().params, float)
        method = "linear model (statsmodels WLS on point means)"
        info = np.einsum("bm,mi,mj->bij", boot_n, X, X, optimize=True) + 1e-9 * np.eye(X.shape[1])
        boot_coef = np.linalg.solve(info, (boot_total @ X)[:, :, None])[:, :, 0]
    return coef, boot_coef, method, separated
