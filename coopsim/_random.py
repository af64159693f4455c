"""One way to turn a user's ``seed`` into random generators.

Every entry point that draws random numbers takes ``seed=`` (None, an int, a
``numpy.random.SeedSequence`` or a ``numpy.random.Generator``) and calls
:func:`as_generator`. Independent streams come from :func:`spawn`, which derives
children of one :class:`numpy.random.SeedSequence`; no global random state is used.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._validation import ParameterError

__all__ = ["as_generator", "as_seed_sequence", "child", "spawn"]

SeedLike = None | int | np.random.SeedSequence | np.random.Generator


def as_seed_sequence(seed: Any) -> np.random.SeedSequence:
    """A SeedSequence from None (fresh entropy), a non-negative int or a SeedSequence."""
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return seed if seed is not None else np.random.SeedSequence()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and int(seed) >= 0:
        return np.random.SeedSequence(int(seed))
    if isinstance(seed, np.random.Generator):
        # draw a child sequence from the generator's stream (advances it)
        return np.random.SeedSequence(seed.integers(0, 2**63 - 1, size=4).tolist())
    raise ParameterError("seed", seed, "None, a non-negative integer, a numpy SeedSequence or a numpy Generator")


def as_generator(seed: Any) -> np.random.Generator:
    """A Generator from ``seed`` (a Generator is returned as it is: its stream is shared)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(as_seed_sequence(seed))


def spawn(seed: Any, n: int) -> list[np.random.Generator]:
    """``n`` independent Generators derived from one seed."""
    return [np.random.default_rng(s) for s in as_seed_sequence(seed).spawn(n)]


def child(root: np.random.SeedSequence, index: int) -> np.random.Generator:
    """The Generator of ``root.spawn(m)[index]`` for any m > index, without advancing
    ``root``: run ``index`` of a batch gets the same stream whatever the batch size."""
    ss = np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (int(index),),
                                pool_size=root.pool_size)
    return np.random.default_rng(ss)
