"""What every mechanism (one per Milner hypothesis) declares.

A mechanism is a frozen dataclass of parameters, validated on construction, with:

* ``HYPOTHESIS`` — its label (``"H1"`` ... ``"H6"``) and ``NAME``;
* ``PREDICTION`` — the direction the literature predicts, stated, never imposed;
* ``PARAMETER`` — the parameter an experiment varies to test the hypothesis, and
  ``DIRECTION`` (+1: larger values are predicted to raise cooperation, -1: to lower it);
* ``SOURCES`` — references;
* ``neutral()`` — the parameters at which the mechanism is off;
* ``is_neutral`` — whether these parameters are the neutral ones.
"""
from __future__ import annotations

import dataclasses
from typing import ClassVar


@dataclasses.dataclass(frozen=True)
class Mechanism:
    HYPOTHESIS: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    PREDICTION: ClassVar[str] = ""
    PARAMETER: ClassVar[str] = ""
    DIRECTION: ClassVar[int] = +1
    SOURCES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def neutral(cls):
        return cls()

    @property
    def is_neutral(self) -> bool:
        return self == type(self).neutral()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict | None, prefix: str = ""):
        from ..._validation import ParameterError

        values = dict(values or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ParameterError(f"{prefix or cls.NAME}.{unknown[0]}", values[unknown[0]],
                                 "one of the parameters " + ", ".join(sorted(names)))
        return cls(**values)
