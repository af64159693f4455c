"""Validation helpers: every public entry point checks its parameters here.

Errors name the parameter, the value received and what is allowed, e.g.
``ValueError: noise=1.5 is not allowed: a probability in [0, 1]``.
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
]


class ParameterError(ValueError):
    """A parameter is outside what the model allows (a ``ValueError``)."""

    def __init__(self, name: str, value: Any, allowed: str):
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"{name}={value!r} is not allowed: {allowed}")


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_real(name: str, value: Any, *, finite: bool = True) -> float:
    """Return ``value`` as a float, or raise if it is not a (finite) real number."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if not _is_real(value):
        raise ParameterError(name, value, "a real number")
    value = float(value)
    if finite and not np.isfinite(value):
        raise ParameterError(name, value, "a finite real number")
    return value


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
    """A vector (or array) of probabilities in [0, 1], optionally of a given length."""
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
    """An integer (not a bool), optionally bounded (inclusive)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ParameterError(name, value, _int_range(minimum, maximum))
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
