"""Deprecated: finite-state strategies moved.

Definitions (``Automaton``, ``grudger``, ``tit_for_two_tats``, ``from_memory_one``,
``as_automaton``, ``from_axelrod``, ``to_axelrod``) are in
:mod:`coopsim.strategies.automata`; play and valuation (``play_automata``,
``outcome_distribution``, ``expected_payoffs``) in :mod:`coopsim.engine.automata`.
This module re-exports them and goes in 0.3.
"""
from __future__ import annotations

import warnings

from .engine.automata import _pairs, _stack, expected_payoffs, outcome_distribution, play_automata  # noqa: F401
from .strategies.automata import (
    Automaton,
    as_automaton,
    from_axelrod,
    from_memory_one,
    grudger,
    tit_for_two_tats,
    to_axelrod,
)

__all__ = ["Automaton", "grudger", "tit_for_two_tats", "from_memory_one", "as_automaton", "play_automata",
           "outcome_distribution", "expected_payoffs", "from_axelrod", "to_axelrod"]

warnings.warn("coopsim.automata moved to coopsim.strategies.automata (definitions) and coopsim.engine.automata "
              "(play); the old path goes in 0.3", DeprecationWarning, stacklevel=2)
