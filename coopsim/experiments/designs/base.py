"""What every design kind builds: a :class:`Design` of points, and the helpers kinds share.

A :class:`Design` holds the points of a sweep twice: ``table`` is a tidy DataFrame (a
``point`` index 0, 1, ... and one column per parameter) and ``params`` the dict given to
:meth:`coopsim.world.scenario.Scenario.with_params` for each point.

Sampled kinds draw points in the unit cube and map them onto each :class:`Range`
(:func:`sampled`): uniform on [low, high], or on a log scale, or — for integer ranges —
onto the integers low..high, each equally likely (u -> floor(low + u (high - low + 1))).

Quick mode (``[quick]``): :func:`replace_values`, :func:`replace_points` and
:func:`replace_samples` are the ways the built-in kinds shrink their input.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..._validation import ParameterError, check_int

__all__ = ["Range", "Design", "STR", "single_point", "make_table", "column", "py", "check_ranges", "sampled", "rng", "qmc_engine",
           "replace_values", "replace_points", "replace_samples"]


@dataclass(frozen=True)
class Range:
    """The range of one parameter in a sampled design."""

    low: float
    high: float
    integer: bool = False
    log: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ParameterError("range", [self.low, self.high], "finite bounds [low, high] with low < high")
        if self.log and self.low <= 0:
            raise ParameterError("range", [self.low, self.high], "low > 0 on a log scale")

    def transform(self, u: np.ndarray) -> np.ndarray:
        """Map unit-cube coordinates u in [0, 1) onto the range."""
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        lo, hi = self.low, self.high + (1.0 if self.integer else 0.0)
        if self.log:
            x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        else:
            x = lo + u * (hi - lo)
        if self.integer:
            return np.clip(np.floor(x), self.low, self.high).astype(np.int64)
        return np.minimum(x, self.high)


@dataclass(frozen=True, eq=False)
class Design:
    """The points of a sweep: ``table`` (point + parameter columns) and ``params`` per point."""

    kind: str
    table: pd.DataFrame
    params: tuple[dict, ...]
    parameters: tuple[str, ...]
    ranges: Mapping[str, Range] | None = None
    problem: dict | None = None
    options: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.params)


#: pandas' string dtype: "str" from pandas 3 (missing values NaN); object before
STR = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


def py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def column(values: list) -> pd.Series:
    """A typed column: bool, int64, float64 (NaN for None) or strings."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (bool, np.bool_)) for v in present) and len(present) == len(values):
        return pd.Series(values, dtype=bool)
    if present and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in present) \
            and len(present) == len(values):
        return pd.Series(values, dtype=np.int64)
    if present and all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                       for v in present):
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    if all(isinstance(v, str) or v is None for v in values):
        return pd.Series(values, dtype=STR)
    return pd.Series(values, dtype=object)


def make_table(names: Sequence[str], rows: list[dict]) -> pd.DataFrame:
    data: dict[str, Any] = {"point": pd.Series(np.arange(len(rows), dtype=np.int64))}
    for name in names:
        data[name] = column([r.get(name) for r in rows])
    return pd.DataFrame(data)


def single_point() -> Design:
    """The base scenario alone (no parameter varies)."""
    return Design("single", make_table([], [{}]), ({},), ())


def check_ranges(ranges: Mapping[str, Range]) -> list[str]:
    """The parameter names of ``ranges`` (a non-empty mapping of name -> :class:`Range`)."""
    if not ranges:
        raise ParameterError("ranges", ranges, "at least one parameter with a Range")
    for name, r in ranges.items():
        if not isinstance(r, Range):
            raise ParameterError(f"ranges[{name!r}]", r, "a coopsim.experiments.design.Range")
    return list(ranges)


def sampled(kind: str, ranges: Mapping[str, Range], unit: np.ndarray, **options) -> Design:
    """A design from unit-cube points ``unit`` (one row per point, one column per range)."""
    names = list(ranges)
    cols = {name: ranges[name].transform(unit[:, j]) for j, name in enumerate(names)}
    rows = [{name: py(cols[name][i]) for name in names} for i in range(unit.shape[0])]
    table = pd.DataFrame({"point": np.arange(unit.shape[0], dtype=np.int64), **cols})
    return Design(kind, table, tuple(rows), tuple(names), ranges=dict(ranges), options=options)


def rng(seed) -> np.random.Generator:
    """numpy's Generator of ``SeedSequence(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(check_int("seed", seed, minimum=0)))


def qmc_engine(engine, d: int, seed: int, **kw):
    """A ``scipy.stats.qmc`` engine of dimension ``d`` seeded by :func:`rng`."""
    try:
        return engine(d, rng=rng(seed), **kw)
    except TypeError:  # scipy < 1.15
        return engine(d, seed=rng(seed), **kw)


# ============================================================================ quick mode
def replace_values(inp, values: Mapping[str, list]):
    """``[quick] parameters``: replacement value lists for some parameters (the key path of
    errors becomes ``quick.parameters`` when every parameter is replaced)."""
    merged = {**inp.values, **values}
    source = ("quick", "parameters") if set(values) == set(merged) else inp.source
    return inp.replace(values=merged, source=source)


def replace_points(inp, points: list[dict]):
    """``[quick] points``: replacement points."""
    return inp.replace(points=list(points), source=("quick", "points"))


def replace_samples(inp, samples: int):
    """``[quick] samples``: fewer samples."""
    return inp.replace(options={**inp.options, "samples": samples})
