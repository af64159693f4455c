"""Perception errors as strategy transformations (used by H5, epistemic communities).

A state that misreads each of its co-players' moves independently with probability ``e``
and then applies a memory-one rule ``p`` behaves *exactly* like the memory-one rule

    p'(own, other) = (1 - e) p(own, other) + e p(own, not other),

because its next move depends only on the (mis)perceived last round. The same holds in
groups: with j of the n - 1 others cooperating, the perceived count is
Binomial(j, 1 - e) + Binomial(n - 1 - j, e), so the group rule becomes ``table @ K.T``
with K[j, j'] = P(perceive j' | j). Misperception therefore needs no special engine: both
the exact and the sampled engine play the transformed rule. The first move, which
perceives nothing, is unchanged.
"""
from __future__ import annotations

import numpy as np

__all__ = ["misperceive_memory_one", "perceived_count_kernel", "misperceive_group"]


def misperceive_memory_one(rows: np.ndarray, error) -> np.ndarray:
    """Rows (..., 5) of memory-one strategies -> rows played under perception error(s)."""
    rows = np.asarray(rows, dtype=float)
    e = np.asarray(error, dtype=float)[..., None]
    swapped = rows[..., [1, 0, 3, 2]]
    out = rows.copy()
    out[..., :4] = np.clip((1 - e) * rows[..., :4] + e * swapped[..., :4], 0.0, 1.0)  # clip round-off
    return out


def perceived_count_kernel(n: int, error: float) -> np.ndarray:
    """K[j, j'] = probability that j cooperating others (of n - 1) are perceived as j'."""
    from scipy.stats import binom  # on first use: scipy.stats takes a second to import

    m = n - 1
    K = np.zeros((n, n))
    for j in range(n):
        a = binom.pmf(np.arange(j + 1), j, 1 - error)  # cooperators seen as cooperators
        b = binom.pmf(np.arange(m - j + 1), m - j, error)  # defectors seen as cooperators
        K[j] = np.convolve(a, b)[:n]
    return K


def misperceive_group(flat: np.ndarray, n: int, error: float) -> np.ndarray:
    """Flat group rules (..., 2n + 1) (table then initial) under perception error."""
    flat = np.asarray(flat, dtype=float)
    if error == 0:
        return flat.copy()
    K = perceived_count_kernel(n, error)
    out = flat.copy()
    table = flat[..., : 2 * n].reshape(*flat.shape[:-1], 2, n)
    out[..., : 2 * n] = np.clip(table @ K.T, 0.0, 1.0).reshape(*flat.shape[:-1], 2 * n)  # clip round-off
    return out
