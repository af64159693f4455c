"""The strategy registry: named strategies that tournaments and scenarios build by name.

A name maps to a :class:`StrategyEntry`: its ``kind`` ("pair" for the 2-player game,
"group" for N-player games), a ``factory`` that builds the strategy object from a
:class:`StrategyContext` (the stage game, the group size and the scenario's generosity),
and whether it counts as a ``reciprocator`` (the strategies that Milner's reciprocity
hypothesis, H1, weights). Registering is one call::

    from coopsim.strategies import registry
    registry.register("Cautious", lambda ctx: MemoryOne((1, 0.1, 0.6, 0.2), 1, "Cautious"),
                      reciprocator=True, description="TFT that forgives 60% of own defections")

The built-in names reproduce the rules that :class:`~coopsim.world.scenario.Scenario` has
played since 0.1 (pair: ALLC, ALLD, TFT, STFT, GTFT, WSLS, GRIM, RANDOM, EXTORT; group:
ALLC, ALLD, TFT, GTFT, WSLS, CondCoop50, RANDOM).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .._validation import ParameterError, check_choice
from . import group as _group
from . import memory_one as _m1

__all__ = ["StrategyContext", "StrategyEntry", "register", "get", "names", "build", "is_reciprocator", "KINDS"]

KINDS = ("pair", "group")


@dataclass(frozen=True)
class StrategyContext:
    """What a named strategy may depend on: the stage game (2x2 ``Game`` or
    ``NPlayerGame``), the group size (2 for pair games) and the scenario's
    ``reciprocity.generosity`` (None: the strategy's own default)."""

    game: object
    n_actors: int = 2
    generosity: float | None = None


@dataclass(frozen=True)
class StrategyEntry:
    """A registered strategy: ``factory(context)`` returns a MemoryOne or Automaton (kind
    "pair") or a GroupStrategy (kind "group")."""

    name: str
    kind: str
    factory: Callable[[StrategyContext], object]
    reciprocator: bool
    description: str


_REGISTRY: dict[str, dict[str, StrategyEntry]] = {k: {} for k in KINDS}


def register(name: str, factory: Callable[[StrategyContext], object], *, kind: str = "pair",
             reciprocator: bool = False, description: str = "", replace: bool = False) -> StrategyEntry:
    """Register ``factory`` under ``name`` (for ``kind`` "pair" or "group") and return the entry.

    A name already registered for that kind is refused unless ``replace=True``.
    """
    kind = check_choice("kind", kind, KINDS)
    if not isinstance(name, str) or not name:
        raise ParameterError("name", name, "a non-empty string")
    if not callable(factory):
        raise ParameterError("factory", factory, "a callable taking a StrategyContext")
    if name in _REGISTRY[kind] and not replace:
        raise ParameterError("name", name, f"a {kind} strategy name not registered yet (or pass replace=True)")
    entry = StrategyEntry(name, kind, factory, bool(reciprocator), str(description))
    _REGISTRY[kind].pop(name, None)  # a replaced name moves to the end of the order
    _REGISTRY[kind][name] = entry
    return entry


def get(name: str, kind: str = "pair") -> StrategyEntry:
    """The entry registered as ``name`` for ``kind``."""
    kind = check_choice("kind", kind, KINDS)
    try:
        return _REGISTRY[kind][name]
    except (KeyError, TypeError):
        raise ParameterError("strategies", name, "one of " + ", ".join(_REGISTRY[kind])) from None


def names(kind: str = "pair") -> tuple[str, ...]:
    """The names registered for ``kind``, in registration order."""
    return tuple(_REGISTRY[check_choice("kind", kind, KINDS)])


def build(name: str, context: StrategyContext, kind: str = "pair") -> object:
    """The strategy object of ``name`` in ``context``: ``get(name, kind).factory(context)``."""
    return get(name, kind).factory(context)


def is_reciprocator(strategy) -> bool:
    """Whether ``strategy`` reciprocates.

    A name: its registered flag (pair names first, then group names). An object: an
    explicit ``classifier["reciprocating"]`` (MemoryOne: p_CC > p_CD; GroupStrategy:
    cooperation after its own C non-decreasing in the number of cooperating others and not
    constant; Automaton: only when declared); False when it has none.
    """
    if isinstance(strategy, str):
        for kind in KINDS:
            if strategy in _REGISTRY[kind]:
                return _REGISTRY[kind][strategy].reciprocator
        return get(strategy, "pair").reciprocator  # raises, naming the pair strategies
    classifier = getattr(strategy, "classifier", None)
    if isinstance(classifier, dict) and "reciprocating" in classifier:
        return bool(classifier["reciprocating"])
    return False


# --------------------------------------------------------------------------- built-in names
def _pair_gtft(ctx: StrategyContext) -> _m1.MemoryOne:
    """GTFT with the scenario's generosity, else the game's q* in a prisoner's dilemma (strict
    or weak), else 1/3."""
    q = ctx.generosity
    if q is None:
        pd_like = ctx.game.classify() in ("prisoners_dilemma", "weak_prisoners_dilemma")
        q = ctx.game.gtft_forgiveness() if pd_like else 1 / 3
    return _m1.gtft(q=q)


def _classic(name: str) -> Callable[[StrategyContext], _m1.MemoryOne]:
    return lambda ctx: _m1.classic(name)


def _group_named(name: str) -> Callable[[StrategyContext], _group.GroupStrategy]:
    return lambda ctx: _group.group_rule(name, 1 / 3 if ctx.generosity is None else ctx.generosity)


_PAIR = (
    ("ALLC", _classic("ALLC"), False, "always cooperate"),
    ("ALLD", _classic("ALLD"), False, "always defect"),
    ("TFT", _classic("TFT"), True, "tit-for-tat: cooperate first, then copy the co-player"),
    ("STFT", _classic("STFT"), False, "suspicious tit-for-tat: TFT that defects first"),
    ("GTFT", _pair_gtft, True, "generous tit-for-tat (1, q): q = generosity, else q* of a PD, else 1/3"),
    ("WSLS", _classic("WSLS"), True, "win-stay lose-shift (Pavlov)"),
    ("GRIM", _classic("GRIM"), True, "memory-one grim trigger"),
    ("RANDOM", _classic("RANDOM"), False, "cooperate with probability 1/2"),
    ("EXTORT", lambda ctx: _m1.extortionate(ctx.game), False, "extortionate ZD strategy, chi = 3 (Press & Dyson)"),
)
_GROUP = (
    ("ALLC", False, "always cooperate"),
    ("ALLD", False, "always defect"),
    ("TFT", True, "cooperate iff all others cooperated"),
    ("GTFT", True, "group TFT that forgives with probability generosity (default 1/3)"),
    ("WSLS", True, "stay after full cooperation or after (D, nobody cooperated)"),
    ("CondCoop50", True, "cooperate iff at least half of the others cooperated"),
    ("RANDOM", False, "cooperate with probability 1/2"),
)
for _name, _factory, _recip, _desc in _PAIR:
    register(_name, _factory, kind="pair", reciprocator=_recip, description=_desc)
for _name, _recip, _desc in _GROUP:
    register(_name, _group_named(_name), kind="group", reciprocator=_recip, description=_desc)
del _name, _factory, _recip, _desc
