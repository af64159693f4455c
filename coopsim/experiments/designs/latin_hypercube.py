"""``kind = "latin_hypercube"``: a Latin hypercube of ``samples`` points in ``[design.ranges]``.

``scipy.stats.qmc.LatinHypercube`` seeded by the design's seed. ``[quick] samples`` draws
fewer.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..._validation import check_int
from .base import Design, Range, check_ranges, qmc_engine, replace_samples, sampled
from .random import SAMPLES, SEED
from .registry import DesignInput, DesignKind

__all__ = ["latin_hypercube", "KIND"]


def latin_hypercube(ranges: Mapping[str, Range], samples: int, seed: int) -> Design:
    """A Latin hypercube of ``samples`` points (``scipy.stats.qmc.LatinHypercube``): each
    parameter's range is cut into ``samples`` equal strata, each stratum used once."""
    from scipy.stats import qmc

    names = check_ranges(ranges)
    n = check_int("samples", samples, minimum=1)
    unit = qmc_engine(qmc.LatinHypercube, len(names), seed).random(n)
    return sampled("latin_hypercube", ranges, unit, samples=n, seed=seed)


def _build(inp: DesignInput) -> Design:
    return latin_hypercube(inp.ranges, inp.options["samples"], inp.seed)


KIND = DesignKind(
    name="latin_hypercube",
    takes="ranges",
    summary="a Latin hypercube in design.ranges",
    build=_build,
    options=(SAMPLES, SEED),
    quick={"samples": replace_samples},
)
