"""coopsim: game-theoretic, agent-based simulation of cooperation between states.

Helen Milner's (1992) six hypotheses on when international cooperation becomes likely —
reciprocity, number of actors, iteration, regimes, epistemic communities, power asymmetry —
become tunable parameters of iterated games played by a population of states.

``import coopsim as cs`` is cheap: it loads numpy and the stage games and strategies.
Engines and tables (scipy, pandas) load on first use; axelrod only when an axelrod
strategy is used.
"""
from __future__ import annotations

import importlib
from typing import Any

from ._validation import ParameterError
from .games import (
    C,
    D,
    AsymmetricGame,
    Game,
    NPlayerGame,
    chicken,
    collective_risk,
    deadlock,
    donation_game,
    harmony,
    n_person_prisoners_dilemma,
    prisoners_dilemma,
    public_goods,
    stag_hunt,
    volunteers_dilemma,
    weak_prisoners_dilemma,
)
from .strategies import (
    ALLC,
    ALLD,
    GRIM,
    RANDOM,
    STFT,
    TFT,
    WSLS,
    GroupStrategy,
    MemoryOne,
    classic,
    conditional_cooperator,
    equalizer,
    extortionate,
    generous_zd,
    gtft,
    reactive,
    zero_determinant,
)

__version__ = "0.1.0"

# engine modules, loaded on first attribute access (PEP 562): cs.exact.payoffs(...)
_LAZY_MODULES: dict[str, str] = {
    "exact": "coopsim.engine.exact",
    "sampled": "coopsim.engine.sampled",
    "axelrod_bridge": "coopsim.engine.axelrod_bridge",
    "analysis": "coopsim.analysis",
    "plots": "coopsim.plots",
    "automata": "coopsim.strategies.automata",
    "moran": "coopsim.models.moran",
    "models": "coopsim.models",
    "world": "coopsim.world",
    "experiments": "coopsim.experiments",
    "engine": "coopsim.engine",
}
# functions and classes re-exported lazily: cs.tournament(...), cs.Scenario(...)
_LAZY_NAMES: dict[str, str] = {
    "play": "coopsim.engine.sampled",
    "play_groups": "coopsim.engine.sampled",
    "tournament": "coopsim.engine.tournament",
    "TournamentResult": "coopsim.engine.tournament",
    "Scenario": "coopsim.world.scenario",
    "ScenarioResult": "coopsim.world.scenario",
    "from_axelrod": "coopsim.engine.axelrod_bridge",
    "to_axelrod": "coopsim.engine.axelrod_bridge",
    "Automaton": "coopsim.strategies.automata",
    "moran_process": "coopsim.models.moran",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'coopsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_NAMES))
