"""Design points: full grid, explicit list, random, Latin hypercube and Sobol designs.

A :class:`Design` holds the points of a sweep twice: ``table`` is a tidy DataFrame (a
``point`` index 0, 1, ... and one column per parameter) and ``params`` the dict given to
:meth:`coopsim.world.scenario.Scenario.with_params` for each point.

* :func:`grid` — every combination of the value lists, the *last* parameter varying
  fastest (``itertools.product`` order over the parameters in the order given);
* :func:`from_list` — explicit points; a parameter a point leaves out keeps the base
  scenario's value (shown in the table, not passed to ``with_params``);
* :func:`random_design`, :func:`latin_hypercube`, :func:`sobol` — points drawn in the unit
  cube (numpy's ``Generator.random``; ``scipy.stats.qmc.LatinHypercube``; scrambled
  ``scipy.stats.qmc.Sobol``) and mapped onto each :class:`Range`: uniform on
  [low, high], or on a log scale, or — for integer ranges — onto the integers
  low..high, each equally likely (u -> floor(low + u (high - low + 1))). The design's seed
  fixes the points.
* ``sobol(..., saltelli=True)`` lays the points out as SALib's Saltelli sample
  (``SALib.sample.sobol.sample``; N (2d + 2) points with second-order blocks, N (d + 2)
  without) so that :func:`coopsim.analysis.sobol_indices` can compute Sobol indices from
  the runs; :func:`sobol_problem` gives SALib's problem dict. Integer parameters are
  rounded as above, so that A and B rows of a block may coincide.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import ParameterError, check_int

__all__ = ["Range", "Design", "single_point", "grid", "from_list", "random_design", "latin_hypercube", "sobol",
           "sobol_problem"]


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


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _column(values: list) -> pd.Series:
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


def _table(names: Sequence[str], rows: list[dict]) -> pd.DataFrame:
    data: dict[str, Any] = {"point": pd.Series(np.arange(len(rows), dtype=np.int64))}
    for name in names:
        data[name] = _column([r.get(name) for r in rows])
    return pd.DataFrame(data)


def single_point() -> Design:
    """The base scenario alone (no parameter varies)."""
    return Design("single", _table([], [{}]), ({},), ())


def grid(parameters: Mapping[str, Sequence[Any]]) -> Design:
    """Every combination of the value lists (last parameter fastest).

    >>> grid({"n_states": [10, 20], "regime.monitoring": [0.0, 0.5, 1.0]}).table.shape
    (6, 3)
    """
    names = list(parameters)
    for name in names:
        if isinstance(parameters[name], (str, bytes)) or not isinstance(parameters[name], Sequence) \
                or not len(parameters[name]):
            raise ParameterError(f"parameters[{name!r}]", parameters[name], "a non-empty list of values")
    rows = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(parameters[n] for n in names))]
    return Design("grid", _table(names, rows), tuple(rows), tuple(names))


def _base_value(base, name: str) -> Any:
    obj = base
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj if obj is None or isinstance(obj, (bool, int, float, str)) else None


def from_list(points: Sequence[Mapping[str, Any]], base=None) -> Design:
    """Explicit points; a parameter a point leaves out shows the ``base`` scenario's value in the table."""
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence) or not len(points):
        raise ParameterError("points", points, "a non-empty list of tables of parameter values")
    names: list[str] = []
    for p in points:
        if not isinstance(p, Mapping):
            raise ParameterError("points", p, "a table of parameter values")
        names += [k for k in p if k not in names]
    params = tuple(dict(p) for p in points)
    rows = [{n: (p[n] if n in p else (_base_value(base, n) if base is not None else None)) for n in names}
            for p in params]
    return Design("list", _table(names, rows), params, tuple(names))


def _check_ranges(ranges: Mapping[str, Range]) -> list[str]:
    if not ranges:
        raise ParameterError("ranges", ranges, "at least one parameter with a Range")
    for name, r in ranges.items():
        if not isinstance(r, Range):
            raise ParameterError(f"ranges[{name!r}]", r, "a coopsim.experiments.design.Range")
    return list(ranges)


def _sampled(kind: str, ranges: Mapping[str, Range], unit: np.ndarray, **options) -> Design:
    names = list(ranges)
    cols = {name: ranges[name].transform(unit[:, j]) for j, name in enumerate(names)}
    rows = [{name: _py(cols[name][i]) for name in names} for i in range(unit.shape[0])]
    table = pd.DataFrame({"point": np.arange(unit.shape[0], dtype=np.int64), **cols})
    return Design(kind, table, tuple(rows), tuple(names), ranges=dict(ranges), options=options)


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(check_int("seed", seed, minimum=0)))


def random_design(ranges: Mapping[str, Range], samples: int, seed: int) -> Design:
    """``samples`` points drawn independently and uniformly (per :class:`Range`)."""
    names = _check_ranges(ranges)
    n = check_int("samples", samples, minimum=1)
    return _sampled("random", ranges, _rng(seed).random((n, len(names))), samples=n, seed=seed)


def _qmc(engine, d: int, seed: int, **kw):
    try:
        return engine(d, rng=_rng(seed), **kw)
    except TypeError:  # scipy < 1.15
        return engine(d, seed=_rng(seed), **kw)


def latin_hypercube(ranges: Mapping[str, Range], samples: int, seed: int) -> Design:
    """A Latin hypercube of ``samples`` points (``scipy.stats.qmc.LatinHypercube``): each
    parameter's range is cut into ``samples`` equal strata, each stratum used once."""
    from scipy.stats import qmc

    names = _check_ranges(ranges)
    n = check_int("samples", samples, minimum=1)
    unit = _qmc(qmc.LatinHypercube, len(names), seed).random(n)
    return _sampled("latin_hypercube", ranges, unit, samples=n, seed=seed)


def sobol_problem(ranges: Mapping[str, Range]) -> dict:
    """SALib's problem dict for a Sobol design over ``ranges``.

    >>> sobol_problem({"regime.monitoring": Range(0, 1)})
    {'num_vars': 1, 'names': ['regime.monitoring'], 'bounds': [[0.0, 1.0]]}
    """
    names = _check_ranges(ranges)
    return {"num_vars": len(names), "names": names,
            "bounds": [[float(ranges[n].low), float(ranges[n].high)] for n in names]}


def sobol(ranges: Mapping[str, Range], samples: int, seed: int, *, saltelli: bool = False,
          second_order: bool = True) -> Design:
    """A scrambled Sobol' sequence of ``samples`` points (a power of 2), or with
    ``saltelli=True`` SALib's Saltelli sample of base size ``samples``: N (2d + 2) points
    (N (d + 2) without ``second_order``) in SALib's row order, for Sobol indices."""
    names = _check_ranges(ranges)
    n = check_int("samples", samples, minimum=1)
    if n & (n - 1):
        raise ParameterError("samples", n, "a power of 2 for a Sobol design")
    d = len(names)
    if saltelli:
        try:
            from SALib.sample import sobol as salib_sobol
        except ImportError:  # pragma: no cover - optional dependency
            raise ParameterError("analysis", "sobol", "SALib installed (pip install 'coopsim[sensitivity]')") \
                from None
        unit_problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
        unit = salib_sobol.sample(unit_problem, n, calc_second_order=bool(second_order), scramble=True,
                                  seed=int(seed))
        design = _sampled("sobol", ranges, np.asarray(unit, float), samples=n, seed=seed, saltelli=True,
                          second_order=bool(second_order))
        return Design(design.kind, design.table, design.params, design.parameters, design.ranges,
                      sobol_problem(ranges), design.options)
    from scipy.stats import qmc

    unit = _qmc(qmc.Sobol, d, seed, scramble=True).random_base2(int(round(math.log2(n))))
    return _sampled("sobol", ranges, unit, samples=n, seed=seed, saltelli=False)
