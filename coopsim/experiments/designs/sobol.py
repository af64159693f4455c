"""``kind = "sobol"``: a scrambled Sobol' sequence in ``[design.ranges]``, or SALib's Saltelli sample.

``scipy.stats.qmc.Sobol`` (scrambled) gives ``samples`` points, a power of 2. With
``analysis = "sobol"`` the points are laid out as SALib's Saltelli sample
(``SALib.sample.sobol.sample``; N (2d + 2) points with second-order blocks, N (d + 2)
without) so that :func:`coopsim.analysis.sobol_indices` can compute Sobol indices from the
runs; :func:`sobol_problem` gives SALib's problem dict. Integer parameters are rounded, so
that A and B rows of a block may coincide.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..._validation import ParameterError, check_int
from .base import Design, Range, check_ranges, qmc_engine, replace_samples, sampled
from .random import SEED
from .registry import DesignInput, DesignKind, Option

__all__ = ["sobol", "sobol_problem", "KIND"]


def sobol_problem(ranges: Mapping[str, Range]) -> dict:
    """SALib's problem dict for a Sobol design over ``ranges``.

    >>> sobol_problem({"regime.monitoring": Range(0, 1)})
    {'num_vars': 1, 'names': ['regime.monitoring'], 'bounds': [[0.0, 1.0]]}
    """
    names = check_ranges(ranges)
    return {"num_vars": len(names), "names": names,
            "bounds": [[float(ranges[n].low), float(ranges[n].high)] for n in names]}


def sobol(ranges: Mapping[str, Range], samples: int, seed: int, *, saltelli: bool = False,
          second_order: bool = True) -> Design:
    """A scrambled Sobol' sequence of ``samples`` points (a power of 2), or with
    ``saltelli=True`` SALib's Saltelli sample of base size ``samples``: N (2d + 2) points
    (N (d + 2) without ``second_order``) in SALib's row order, for Sobol indices."""
    names = check_ranges(ranges)
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
        design = sampled("sobol", ranges, np.asarray(unit, float), samples=n, seed=seed, saltelli=True,
                          second_order=bool(second_order))
        return Design(design.kind, design.table, design.params, design.parameters, design.ranges,
                      sobol_problem(ranges), design.options)
    from scipy.stats import qmc

    unit = qmc_engine(qmc.Sobol, d, seed, scramble=True).random_base2(int(round(math.log2(n))))
    return sampled("sobol", ranges, unit, samples=n, seed=seed, saltelli=False)


def _power_of_two(samples: int) -> str | None:
    if samples & (samples - 1):
        return "a power of 2 for a sobol design (1, 2, 4, 8, ...): Sobol' points are balanced only then"
    return None


def _check(options: Mapping, given: set) -> tuple[str, str] | None:
    if "second_order" in given and options["analysis"] is None:
        return "second_order", "only used with analysis = \"sobol\""
    return None


def _build(inp: DesignInput) -> Design:
    return sobol(inp.ranges, inp.options["samples"], inp.seed, saltelli=inp.options["analysis"] == "sobol",
                 second_order=inp.options["second_order"])


KIND = DesignKind(
    name="sobol",
    takes="ranges",
    summary="a scrambled Sobol' sequence in design.ranges, or with analysis = \"sobol\" a Saltelli sample",
    build=_build,
    options=(
        Option("samples", int, "a power of 2 (with analysis = \"sobol\": the base sample N, giving N(2d+2) points)",
               required=True, ge=1, le=100_000_000, aliases=("n",), check=_power_of_two),
        SEED,
        Option("analysis", str, "\"sobol\" lays the points out as SALib's Saltelli sample for Sobol indices",
               choices=("sobol",)),
        Option("second_order", bool, "with analysis = \"sobol\": include the second-order blocks (default true)",
               default=True),
    ),
    check=_check,
    quick={"samples": replace_samples},
    analyses={"sobol": sobol_problem},
)
