"""Capability distributions for H6 (power asymmetry), deterministic given ``n_states``.

Every distribution returns capabilities normalised to mean 1, largest first (state 0 is
the largest) except ``"vector"``, which keeps the user's order:

* ``hegemon(n, share)`` — one state holds ``share`` of the total, the others split the
  rest equally (share 1/n: equality);
* ``k_major(n, k, share)`` — ``k`` major powers hold ``share`` of the total together, in
  equal parts; the others split the rest (Snidal 1985: a *k-group* of large
  states can provide a public good without a single hegemon). share k/n: equality;
* ``pareto(n, shape)`` — the quantiles x_i = (1 - q_i)^(-1/shape), q_i = (i - 1/2)/n, of
  a Pareto law with tail index ``shape`` (smaller: more concentrated; infinite: equality);
* ``zipf(n, exponent)`` — rank-size law x_i ∝ i^(-exponent), i = 1..n (0: equality);
* ``vector(n, values)`` — a user's capabilities (e.g. CINC scores read with
  :func:`capabilities_from_csv` from a National Material Capabilities file they hold;
  coopsim ships no third-party data).

Quantiles, not random draws: the same ``n`` gives the same capabilities in every run, so
that the capability distribution is a treatment, not a source of noise.
"""
from __future__ import annotations

import numpy as np

from ..._validation import ParameterError

__all__ = ["hegemon", "k_major", "pareto", "zipf", "vector", "capabilities_from_csv", "ROUNDING"]

ROUNDING = 5e-4  # shares this far below the equal share count as the equal share


def _mean_one(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x * (x.size / x.sum())


def hegemon(n: int, share: float | None, name: str = "power.hegemon_share") -> np.ndarray:
    """One state (state 0) holds ``share`` of all capability; ``None`` is equality."""
    if share is None:
        return np.ones(n)
    if share < 1.0 / n - ROUNDING:
        raise ParameterError(name, share, f"at least 1/n_states = {1 / n:.4g} (the largest state's share)")
    h = max(share, 1.0 / n)  # a share rounded from 1/n (e.g. 0.0333 for 30 states) means equality
    w = np.full(n, (1.0 - h) / (n - 1))
    w[0] = h
    return w * n


def k_major(n: int, k: int, share: float | None) -> np.ndarray:
    """States 0..k-1 hold ``share`` of all capability in equal parts; ``None`` is equality."""
    if k >= n:
        raise ParameterError("power.k", k, f"an integer from 1 to n_states - 1 = {n - 1}")
    if share is None:
        return np.ones(n)
    if share < k / n - ROUNDING:
        raise ParameterError("power.major_share", share,
                             f"at least k/n_states = {k / n:.4g} (the k major powers' joint share)")
    s = max(share, k / n)
    w = np.full(n, (1.0 - s) / (n - k))
    w[:k] = s / k
    return w * n


def pareto(n: int, shape: float) -> np.ndarray:
    """Pareto quantiles with tail index ``shape`` > 0, largest first, mean 1."""
    q = (np.arange(n, 0, -1) - 0.5) / n  # largest first
    return _mean_one((1.0 - q) ** (-1.0 / shape))


def zipf(n: int, exponent: float) -> np.ndarray:
    """Rank-size (Zipf) capabilities i^(-exponent), largest first, mean 1."""
    return _mean_one(np.arange(1, n + 1, dtype=float) ** (-exponent))


def vector(n: int, values) -> np.ndarray:
    """A user's capabilities (positive, one per state, in state order), normalised to mean 1."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size != n:
        raise ParameterError("power.capabilities", list(values) if x.ndim == 1 else values,
                             f"a list of n_states = {n} positive numbers")
    return _mean_one(x)


def capabilities_from_csv(path, column: str = "cinc", countries=None, *, country_column: str = "stateabb",
                          year: int | None = None, year_column: str = "year") -> list[float]:
    """Capabilities from a user's CSV file (e.g. the Correlates of War National Material
    Capabilities data, whose columns include ``stateabb``, ``year`` and ``cinc``).

    ``countries``: the states to keep, in this order (one value of ``country_column``
    each); ``year``: keep the rows of that year. Returns a list for
    ``power.capabilities`` (with ``power.distribution = "vector"``). Missing countries,
    duplicates or non-positive values are refused by name.
    """
    import pandas as pd

    table = pd.read_csv(path)
    for col in (column, *([country_column] if countries is not None else []),
                *([year_column] if year is not None else [])):
        if col not in table.columns:
            raise ParameterError("column", col, "a column of " + str(path) + ": " + ", ".join(map(str, table.columns)))
    if year is not None:
        table = table[table[year_column] == year]
    if countries is not None:
        table = table.set_index(country_column)
        missing = [c for c in countries if c not in table.index]
        if missing:
            raise ParameterError("countries", missing[0], f"a value of {country_column!r} in {path}"
                                 + (f" for year {year}" if year is not None else ""))
        if table.index.duplicated().any():
            raise ParameterError("year", year, f"a filter leaving one row per {country_column!r} (several years?)")
        values = table.loc[list(countries), column]
    else:
        values = table[column]
    values = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if values.size < 2 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ParameterError(column, values.tolist()[:5], "at least two positive numbers")
    return values.tolist()
