"""Verdicts from an effect, its interval and a multiplicity-adjusted p-value.

Four verdicts on a hypothesis that predicts the sign ``direction`` of an effect, with the
smallest effect size of interest ``sesoi`` (SESOI) and the confidence interval [low, high]:

``"no effect"``
    equivalence: the whole interval lies inside [-SESOI, +SESOI] (Lakens 2017; Lakens,
    Scheel & Isager 2018): any effect the data allow is too small to matter, even when it
    differs from zero;
``"supported"``
    otherwise, the effect has the predicted sign, the Holm-adjusted p-value is below
    ``alpha`` and the interval lies wholly on the predicted side of zero (so it excludes
    the smallest effect of interest on the wrong side, -SESOI · direction, and every
    other effect of the wrong sign);
``"reversed"``
    the same in the opposite direction;
``"inconclusive"``
    anything else: the data allow both a negligible and a relevant effect.

So a verdict never contradicts its interval. Holm's (1979) step-down procedure controls the
family-wise error rate over the hypotheses tested in one experiment.

* Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
  Journal of Statistics* 6:65-70.
* Lakens, D. (2017). Equivalence tests: a practical primer for t tests, correlations, and
  meta-analyses. *Social Psychological and Personality Science* 8:355-362.
"""
from __future__ import annotations

import numpy as np

from .._validation import ParameterError

__all__ = ["VERDICTS", "holm", "verdict", "check_sesoi"]

VERDICTS = ("supported", "reversed", "no effect", "inconclusive")


def holm(p_values) -> np.ndarray:
    """Holm's (1979) adjusted p-values: p_(i) · (m - i + 1), made monotone, capped at 1.

    NaNs stay NaN and do not count in the family size m.

    >>> holm([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    m = idx.size
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    adj = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out[order] = adj
    return out


def check_sesoi(value, name: str = "smallest_effect") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a number > 0 (the smallest effect of interest)") from None
    if not np.isfinite(v) or v <= 0:
        raise ParameterError(name, value, "a number > 0 (the smallest effect of interest)")
    return v


def verdict(effect: float, low: float, high: float, p_adjusted: float, direction: int, *, alpha: float = 0.05,
            sesoi: float = 0.05) -> str:
    """One of :data:`VERDICTS` (see the module docstring).

    >>> verdict(0.3, 0.1, 0.5, 0.001, +1), verdict(0.3, 0.1, 0.5, 0.001, -1)
    ('supported', 'reversed')
    >>> verdict(0.01, -0.03, 0.04, 0.6, +1), verdict(0.1, -0.05, 0.25, 0.2, +1)
    ('no effect', 'inconclusive')
    """
    if direction not in (1, -1):
        raise ParameterError("direction", direction, "+1 or -1")
    if not all(np.isfinite(v) for v in (effect, low, high)):
        return "inconclusive"
    if -sesoi <= low and high <= sesoi:
        return "no effect"
    significant = bool(np.isfinite(p_adjusted) and p_adjusted < alpha)
    if significant and effect > 0 and low > 0:
        return "supported" if direction > 0 else "reversed"
    if significant and effect < 0 and high < 0:
        return "supported" if direction < 0 else "reversed"
    return "inconclusive"
