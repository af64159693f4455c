"""Strategies: definitions only (play is in :mod:`coopsim.engine`).

* :mod:`~coopsim.strategies.memory_one` — memory-one and reactive strategies, the named
  classics, generous tit-for-tat and zero-determinant constructors, ``as_array``;
* :mod:`~coopsim.strategies.group` — group memory-one strategies for N-player games and
  the named group rules;
* :mod:`~coopsim.strategies.automata` — finite-state strategies (Moore machines) and
  their conversion to and from axelrod players;
* :mod:`~coopsim.strategies.registry` — named strategies that tournaments and scenarios
  build by name; ``registry.register(...)`` adds one.

Every name that ``coopsim.strategies`` exported before it became a package is exported
here too.
"""
from __future__ import annotations

from . import automata, group, memory_one, registry
from .automata import Automaton, as_automaton, from_memory_one, grudger, tit_for_two_tats
from .group import (
    GROUP_RULES,
    GroupStrategy,
    conditional_cooperator,
    group_allc,
    group_alld,
    group_gtft,
    group_random,
    group_rule,
    group_tft,
    group_wsls,
)
from .memory_one import (
    ALLC,
    ALLD,
    CLASSICS,
    GRIM,
    RANDOM,
    STFT,
    TFT,
    WSLS,
    MemoryOne,
    as_array,
    classic,
    equalizer,
    extortionate,
    generous_zd,
    gtft,
    reactive,
    zero_determinant,
)
from .registry import StrategyContext, StrategyEntry, is_reciprocator

__all__ = [
    "MemoryOne", "reactive", "ALLC", "ALLD", "TFT", "STFT", "WSLS", "GRIM", "RANDOM", "gtft", "zero_determinant",
    "extortionate", "generous_zd", "equalizer", "CLASSICS", "classic", "as_array",
    "GroupStrategy", "conditional_cooperator", "group_allc", "group_alld", "group_tft", "group_gtft", "group_wsls",
    "group_random", "GROUP_RULES", "group_rule",
    "Automaton", "grudger", "tit_for_two_tats", "from_memory_one", "as_automaton",
    "StrategyContext", "StrategyEntry", "is_reciprocator",
    "memory_one", "group", "automata", "registry",
]
