"""``kind = "random"``: ``samples`` points drawn independently and uniformly in ``[design.ranges]``.

numpy's ``Generator.random`` of ``SeedSequence(seed)`` in the unit cube, mapped onto each
:class:`~coopsim.experiments.designs.base.Range`. ``[quick] samples`` draws fewer.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..._validation import check_int
from .base import Design, Range, check_ranges, replace_samples, rng, sampled
from .registry import DesignInput, DesignKind, Option

__all__ = ["random_design", "KIND", "SAMPLES", "SEED"]

#: the options every sampled kind shares
SAMPLES = Option("samples", int, "number of points", required=True, ge=1, le=100_000_000, aliases=("n",))
SEED = Option("seed", int, "seed of the sampled design (default: the experiment's seed)", ge=0, le=2**63 - 1)


def random_design(ranges: Mapping[str, Range], samples: int, seed: int) -> Design:
    """``samples`` points drawn independently and uniformly (per :class:`Range`)."""
    names = check_ranges(ranges)
    n = check_int("samples", samples, minimum=1)
    return sampled("random", ranges, rng(seed).random((n, len(names))), samples=n, seed=seed)


def _build(inp: DesignInput) -> Design:
    return random_design(inp.ranges, inp.options["samples"], inp.seed)


KIND = DesignKind(
    name="random",
    takes="ranges",
    summary="independent uniform points in design.ranges",
    build=_build,
    options=(SAMPLES, SEED),
    quick={"samples": replace_samples},
)
