"""Binary logistic regression by Newton-Raphson (IRLS) with Wald standard errors, and
Firth's (1993) penalised likelihood with profile intervals when the outcome is separated.

* Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
  logistic regression models. *Biometrika* 71:1-10.
* Firth, D. (1993). Bias reduction of maximum likelihood estimates. *Biometrika* 80:27-38.
* Heinze, G. & Schemper, M. (2002). A solution to the problem of separation in logistic
  regression. *Statistics in Medicine* 21:2409-2419.
* Konis, K. (2007). *Linear programming algorithms for detecting separated data in binary
  logistic regression models*. DPhil thesis, University of Oxford.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy import linalg, optimize, special, stats

from .._validation import ParameterError, check_choice
from .intervals import _check_confidence, _z

__all__ = ["LogisticFit", "logistic_regression", "is_separated", "binomial_newton"]


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


def binomial_newton(X, successes, trials, *, max_iter: int = 60, tol: float = 1e-9,
                    ridge: float = 1e-9) -> np.ndarray:
    """Maximum-likelihood logistic coefficients for many weighted fits at once.

    ``X`` is the (m, p) design matrix of m design points (intercept included);
    ``successes`` and ``trials`` are (m,) or (B, m) arrays (B fits of the same design, e.g.
    bootstrap replicates whose weights are folded into the counts). Newton-Raphson (= IRLS)
    on every fit at once, with step-halving where a step lowers a fit's log-likelihood.
    Returns the (p,) or (B, p) coefficients.

    Under separation (Albert & Anderson 1984) the MLE is infinite; the iterations then run
    along the direction of recession and the fitted probabilities converge to those of the
    *extended* MLE, exactly 0 or 1 on the separated design points (Geyer 2009, *Electronic
    Journal of Statistics* 3:259). After ``max_iter`` iterations (linear predictors beyond
    ±30) the fitted probabilities are within about 1e-13 of those limits, which is what
    predictions and average marginal effects need; the coefficients themselves are then
    meaningless. ``ridge`` (added to the information matrix) keeps the Newton systems
    solvable when a column is empty in a replicate.
    """
    X = np.asarray(X, dtype=float)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    single = k.ndim == 1
    k, n = np.atleast_2d(k), np.atleast_2d(n)
    B, p = k.shape[0], X.shape[1]
    beta = np.zeros((B, p))
    eye = ridge * np.eye(p)

    def loglik(b, rows):
        eta = np.clip(b @ X.T, -700, 700)
        return np.sum(k[rows] * eta - n[rows] * np.logaddexp(0.0, eta), axis=1)

    ll = loglik(beta, np.arange(B))
    active = np.ones(B, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        b = beta[idx]
        mu = special.expit(b @ X.T)
        w = n[idx] * mu * (1.0 - mu)
        grad = (k[idx] - n[idx] * mu) @ X
        info = np.einsum("bm,mi,mj->bij", w, X, X, optimize=True) + eye
        try:
            step = np.linalg.solve(info, grad[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(a, g, rcond=None)[0] for a, g in zip(info, grad, strict=True)])
        big = np.max(np.abs(step), axis=1, keepdims=True)
        step = np.where(big > 10.0, step * 10.0 / np.maximum(big, 1e-300), step)
        old = ll[idx]
        new = loglik(b + step, idx)
        for _ in range(20):  # step-halving for the fits whose likelihood fell
            worse = new < old - 1e-12 * np.abs(old)
            if not worse.any():
                break
            step[worse] /= 2.0
            new[worse] = loglik(b[worse] + step[worse], idx[worse])
        beta[idx] = b + step
        ll[idx] = new
        done = (np.abs(new - old) <= tol * (1.0 + np.abs(new))) & (np.max(np.abs(step), axis=1) < 1e-6)
        active[idx[done | (np.abs(new - old) <= 1e-13 * (1.0 + np.abs(new)))]] = False
    return beta[0] if single else beta
