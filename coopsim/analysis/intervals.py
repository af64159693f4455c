"""Confidence intervals: Wilson's score interval for a proportion, Newcombe's hybrid score
interval for a difference of two proportions, Student's t interval for a mean.

* Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
  inference. *JASA* 22:209-212.
* Newcombe, R. G. (1998a). Two-sided confidence intervals for the single proportion:
  comparison of seven methods. *Statistics in Medicine* 17:857-872.
* Newcombe, R. G. (1998b). Interval estimation for the difference between independent
  proportions: comparison of eleven methods. *Statistics in Medicine* 17:873-890.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import ParameterError

__all__ = ["wilson_interval", "newcombe_interval", "t_interval"]


def _check_confidence(confidence: Any, name: str = "confidence") -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ParameterError(name, confidence, "a number strictly between 0 and 1") from None
    if not 0.0 < c < 1.0:
        raise ParameterError(name, confidence, "a number strictly between 0 and 1")
    return c


#: the normal quantiles z of the usual levels, as the floats scipy.special.ndtri(0.5 + c/2)
#: gives (tests check): a Wilson interval at these levels (``coopsim plot``) needs no scipy
_Z = {0.9: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}


def _z(confidence: float) -> float:
    z = _Z.get(confidence)
    if z is None:
        from scipy import special  # the quantiles of scipy.stats (the same floats) without its 0.4 s import

        z = float(special.ndtri(0.5 + confidence / 2.0))  # = scipy.stats.norm.ppf
    return z


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
    from scipy import special

    mean, sd, n = (np.asarray(v, dtype=float) for v in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        # = scipy.stats.t.ppf, the same floats; NaN where n < 2
        q = special.stdtrit(np.where(n > 1, n - 1, np.nan), 0.5 + confidence / 2.0)
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
