"""What a run of the world reports: per-period table, final states, summary outcomes.

A run shows *emergent cooperation* (``emerged``) when the mean cooperation rate over the
last ``window`` periods reaches ``threshold``. ``emergence_period`` is the period from
which it held: the first period t such that the trailing ``window``-period mean is at
least ``threshold`` at t and at every later period (None when cooperation did not
emerge), so ``emerged`` is true exactly when ``emergence_period`` is set.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ScenarioResult", "gini", "gini_rows", "weighted_gini", "result", "SUMMARY_METRICS", "CORE_PERIOD_COLUMNS", "FORMS"]

#: per-period outcomes of the loop itself (mechanisms add their ``PERIOD_COLUMNS``)
CORE_PERIOD_COLUMNS = ("cooperation", "mean_payoff", "inequality")
#: forms of cooperation (the source texts' typology), from least to most binding: a
#: cooperative move is *tacit* unless a mechanism attributes it to an explicit agreement
#: (*negotiated*), to a regime acting in the encounter (*institutional*) or to a
#: coercive hegemon's threat (*forced*); the most binding that applies takes the credit.
#: Per period, ``form_<name>`` is the share of all moves that are C moves of that form
#: (the four add up to ``cooperation``).
FORMS = ("tacit", "negotiated", "institutional", "forced")
#: run outcomes every run reports (plus ``final_<trait>`` per population trait)
SUMMARY_METRICS = ("emerged", "emergence_period", "window_cooperation", "final_cooperation", "mean_cooperation",
                   "window_payoff", "window_inequality", "window_form_tacit", "window_form_negotiated",
                   "window_form_institutional", "window_form_forced")


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: equality)."""
    return float(gini_rows(np.asarray(x, dtype=float).reshape(1, -1))[0])


def gini_rows(x: np.ndarray) -> np.ndarray:
    """Gini coefficient of each row of non-negative values (R, n) -> (R,); a row's value
    does not depend on the other rows (runs in lockstep give each run its own)."""
    x = np.sort(np.asarray(x, dtype=float), axis=1)
    n = x.shape[1]
    total = x.sum(axis=1)
    # an element-wise product and numpy's pairwise sum, not a BLAS dot product (whose
    # summation order, hence last bits, depends on the BLAS library's threads)
    num = (x * (2 * np.arange(1, n + 1) - n - 1)).sum(axis=1)
    return np.divide(num, n * total, out=np.zeros_like(total), where=total > 0)


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` held by population shares ``weights``."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    w = w / w.sum()
    mean = float(v @ w)
    if mean <= 0:
        return 0.0
    diff = np.abs(v[:, None] - v[None, :])
    return float(w @ diff @ w / (2 * mean))


class ScenarioResult:
    """Tables from one run.

    ``periods``: one row per period (period, cooperation, mean_payoff, inequality, the
    mechanisms' columns such as good_standing and advised, share_<strategy> ...).
    ``states``: the final state of every state (strategy, capability, the mechanisms'
    columns such as member, good_standing, advised, and the mean payoff over the last
    window). ``summary``: a dict of run outcomes (emerged, emergence_period,
    final_cooperation, window_cooperation, ...). The two tables are built on first use
    (a sweep that keeps only summaries never pays for them).
    """

    __slots__ = ("scenario", "_periods", "_states", "summary")

    def __init__(self, scenario: Any, periods: Any, states: Any, summary: dict):
        self.scenario, self._periods, self._states, self.summary = scenario, periods, states, summary

    @property
    def periods(self):
        if callable(self._periods):
            self._periods = self._periods()
        return self._periods

    @property
    def states(self):
        if callable(self._states):
            self._states = self._states()
        return self._states

    @property
    def emerged(self) -> bool:
        return bool(self.summary["emerged"])

    def __repr__(self) -> str:
        return f"ScenarioResult(summary={self.summary!r})"

    def __reduce__(self):  # pickled (e.g. returned by a worker) with its tables built
        return ScenarioResult, (self.scenario, self.periods, self.states, self.summary)


def result(sc, records: dict, shares: np.ndarray, labels, states) -> ScenarioResult:
    """Per-period table and run summary (emergence over the last ``window`` periods).

    ``records``: period columns (arrays of length ``periods``); ``shares`` (periods, traits);
    ``states``: a DataFrame, or a dict of columns (made a DataFrame on first use)."""
    coop = np.asarray(records["cooperation"], dtype=float)
    w = sc.window
    window_mean = float(coop[-w:].mean())
    trailing = np.convolve(coop, np.ones(w) / w, mode="valid")
    emerged = bool(window_mean >= sc.threshold)
    above = trailing >= sc.threshold
    above[-1] = emerged  # the same mean, computed once: the flag and the period never disagree
    below = np.flatnonzero(~above)
    start = int(below[-1] + 1) if below.size else 0
    summary = {
        "emerged": emerged,
        "emergence_period": start + w - 1 if emerged else None,
        "window_cooperation": window_mean,
        "final_cooperation": float(coop[-1]),
        "mean_cooperation": float(coop.mean()),
        "window_payoff": float(np.asarray(records["mean_payoff"], dtype=float)[-w:].mean()),
        "window_inequality": float(np.asarray(records["inequality"], dtype=float)[-w:].mean()),
        **{f"window_form_{form}": float(np.asarray(records[f"form_{form}"], dtype=float)[-w:].mean())
           for form in FORMS},
        **{f"final_{name}": float(shares[-1, j]) for j, name in enumerate(labels)},
    }

    def periods():
        import pandas as pd

        table = pd.DataFrame({"period": np.arange(sc.periods), **records})
        for j, name in enumerate(labels):
            table[name] = shares[:, j]
        return table

    def state_table():
        import pandas as pd

        return pd.DataFrame(states)

    return ScenarioResult(sc, periods, states if not isinstance(states, dict) else state_table, summary)
