"""Validation helpers: every public entry point checks its parameters here.

Errors name the parameter, the value received and what is allowed, e.g.
``ValueError: noise=1.5 is not allowed: a probability in [0, 1]``.

Two rules hold everywhere (Python API and experiment files alike):

* **integers are integers**: an integer parameter (``n_states``, ``periods``,
  ``iteration.rounds``, ``turns`` ...) refuses a float, even an integer-valued one:
  ``n_states=10.0`` is refused with "an integer (10, not 10.0)". TOML and Python both tell
  ``10`` from ``10.0``; accepting one silently for the other hid bugs (a float stored
  as ``n_states`` failed later, in every run).
* **real parameters are bounded**: :func:`check_real` (and :func:`check_positive`) refuse
  magnitudes above :data:`MAX_MAGNITUDE` (1e6). Payoffs are summed over rounds,
  encounters and periods (at most ~1e12 terms before a run's time estimate refuses it),
  multiplied by capabilities (< n_states) and by selection intensities: with
  |x| <= 1e6 every such product stays below ~1e30, far from float64's 1.8e308, so no
  computation overflows to inf or NaN.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "ParameterError",
    "check_probability",
    "check_probabilities",
    "check_real",
    "check_int",
    "check_positive",
    "check_choice",
    "MAX_MAGNITUDE",
]

#: largest magnitude of a real parameter (payoffs, costs, intensities): see the module docstring
MAX_MAGNITUDE = 1e6


class ParameterError(ValueError):
    """A parameter is outside what the model allows (a ``ValueError``)."""

    def __init__(self, name: str, value: Any, allowed: str):
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"{name}={value!r} is not allowed: {allowed}")

    def __reduce__(self):  # raised in a worker process, it reaches the sweep intact
        return type(self), (self.name, self.value, self.allowed)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_real(name: str, value: Any, *, finite: bool = True, bound: float | None = MAX_MAGNITUDE) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number of magnitude
    at most ``bound`` (:data:`MAX_MAGNITUDE`; ``bound=None``: any finite number)."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if not _is_real(value):
        raise ParameterError(name, value, "a real number")
    try:
        value = float(value)
    except OverflowError:  # a Python int beyond float's range
        raise ParameterError(name, value, _magnitude(bound)) from None
    if finite and not np.isfinite(value):
        raise ParameterError(name, value, "a finite real number")
    if bound is not None and np.isfinite(value) and abs(value) > bound:
        raise ParameterError(name, value, _magnitude(bound))
    return value


def _magnitude(bound: float | None) -> str:
    if bound is None:
        return "a finite real number"
    return f"a finite number from -{bound:g} to {bound:g} (larger magnitudes overflow the payoff sums)"


def check_probability(name: str, value: Any) -> float:
    """A probability in [0, 1]."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if not _is_real(value):
        raise ParameterError(name, value, "a probability in [0, 1]")
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise ParameterError(name, value, "a probability in [0, 1]")
    return v


def check_probabilities(name: str, values: Any, length: int | None = None) -> np.ndarray:
    """A vector (or array) of probabilities in [0, 1], optionally of a given length (no booleans)."""
    if isinstance(values, (bool, np.bool_)) or (isinstance(values, np.ndarray) and values.dtype == bool) or (
            isinstance(values, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in values)):
        raise ParameterError(name, values, "numbers in [0, 1]")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, values, "numbers in [0, 1]") from None
    if length is not None and (arr.ndim != 1 or arr.shape[0] != length):
        raise ParameterError(name, values, f"a vector of {length} probabilities in [0, 1]")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ParameterError(name, values, "probabilities in [0, 1]")
    return arr


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (not a bool, not a float: ``10.0`` is refused), optionally bounded (inclusive)."""
    if isinstance(value, np.ndarray) and value.shape == () and np.issubdtype(value.dtype, np.integer):
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        allowed = _int_range(minimum, maximum)
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
            f = float(value)
            if np.isfinite(f) and f.is_integer():
                allowed += f" ({int(f)}, not {value!r})"
        raise ParameterError(name, value, allowed)
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ParameterError(name, value, _int_range(minimum, maximum))
    return value


def _int_range(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"an integer from {minimum} to {maximum}"
    if minimum is not None:
        return f"an integer >= {minimum}"
    if maximum is not None:
        return f"an integer <= {maximum}"
    return "an integer"


def check_positive(name: str, value: Any, *, strict: bool = True) -> float:
    """A finite real number > 0 (or >= 0 when ``strict=False``)."""
    v = check_real(name, value)
    if (strict and v <= 0) or (not strict and v < 0):
        raise ParameterError(name, value, "a number > 0" if strict else "a number >= 0")
    return v


def check_choice(name: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """One of a fixed set of strings."""
    if value not in choices:
        raise ParameterError(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value
