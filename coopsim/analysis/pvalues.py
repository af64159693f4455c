"""p-values as text, with no more precision than the test that made them can resolve.

A bootstrap (or any Monte Carlo) p-value from B replicates lives on the grid
``(1 + k) / (B + 1)``: it cannot resolve anything below ``1 / (B + 1)``
(:func:`~coopsim.analysis.models.bootstrap_floor`), and after Holm's adjustment over a
family of m tests nothing below ``m / (B + 1)``. A value at that floor is shown as a bound,
``"< 0.001"`` for B = 1000 (``"< 0.006"`` for a Holm family of six), never as ``0`` or
``1e-87``. An asymptotic p-value (Wald, likelihood ratio, Spearman) without a floor is
shown down to 0.001 and as ``"< 0.001"`` below, since its far tail rests on an
approximation and more digits would be meaningless.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["format_p", "p_text", "ASYMPTOTIC_FLOOR"]

#: an asymptotic p-value below this is printed as "< 0.001"
ASYMPTOTIC_FLOOR = 0.001


def _bound(floor: float) -> float:
    """``floor`` rounded up to one significant figure (0.000999 -> 0.001, 0.005994 -> 0.006)."""
    e = math.floor(math.log10(floor))
    d = math.ceil(floor / 10.0 ** e - 1e-9)
    return float(f"{d}e{e}")


def _positional(v: float) -> str:
    return np.format_float_positional(v, trim="-")


def format_p(p: float, floor: float | None = None) -> str:
    """A p-value as a table cell: ``"0.012"``, ``"0.52"``, or a bound ``"< 0.001"``.

    ``floor``: the smallest value the test can give (a bootstrap's ``1 / (B + 1)``, times
    m after Holm over m tests). A p-value at (or below) the floor prints as ``"< b"``, b
    the floor rounded up to one significant figure (``"≤ b"`` when the floor is already
    such a number). Without a floor (an asymptotic test) values below 0.001 print as
    ``"< 0.001"``. Otherwise two significant figures below 0.1 and two decimals above.
    NaN gives ``""``.

    >>> format_p(1 / 1001, floor=1 / 1001), format_p(6 / 1001, floor=6 / 1001)
    ('< 0.001', '< 0.006')
    >>> format_p(3 / 1001, floor=1 / 1001), format_p(0.4567), format_p(1e-87)
    ('0.003', '0.46', '< 0.001')
    """
    if p is None or not np.isfinite(p):
        return ""
    p = float(p)
    if floor is not None and np.isfinite(floor) and floor > 0:
        if p <= floor * (1.0 + 1e-9):
            b = _bound(floor)
            return ("< " if b > floor * (1.0 + 1e-12) else "≤ ") + _positional(b)
    elif p < ASYMPTOTIC_FLOOR:
        return "< " + _positional(ASYMPTOTIC_FLOOR)
    if p >= 0.1:
        return f"{min(p, 1.0):.2f}"
    return _positional(float(f"{p:.2g}"))


def p_text(p: float, floor: float | None = None, name: str = "p") -> str:
    """``"p = 0.012"`` or ``"p < 0.001"`` (see :func:`format_p`); ``name`` replaces ``p``."""
    s = format_p(p, floor)
    if not s:
        return f"{name} = n/a"
    return f"{name} {s}" if s[0] in "<≤" else f"{name} = {s}"
