"""The registry of design kinds: what ``[design] kind = "..."`` may name.

A :class:`DesignKind` declares everything the rest of the package needs to know about a
kind of design:

* the file format (:mod:`~coopsim.experiments.schema`): its ``name``, which input it
  ``takes`` — ``"parameters"`` (parameter -> list of values), ``"points"`` (an array of
  tables) or ``"ranges"`` (parameter -> [low, high]) — and its :class:`Option` keys with
  types, bounds, defaults and descriptions;
* the checks (:mod:`~coopsim.experiments.checks`): which options are ``required``, a
  per-option ``check`` and a kind-wide ``check``;
* the points: ``build`` turns a :class:`DesignInput` into a
  :class:`~coopsim.experiments.designs.base.Design`;
* quick mode: ``quick`` maps each ``[quick]`` key the kind honours (``parameters``,
  ``points``, ``samples``) to how it shrinks the input;
* analyses: ``analyses`` maps an analysis name (``"sobol"``) to the function giving its
  problem description (SALib's problem dict) from the design's ranges;
* the docs: ``summary`` and the options' descriptions go into the JSON Schema and the
  error messages.

The built-in kinds are the modules named in :data:`BUILTIN_KINDS` (each defines ``KIND``),
loaded on first use; :func:`register` adds a kind at run time, from anywhere.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = ["Option", "DesignInput", "DesignKind", "register", "unregister", "get", "names", "kinds",
           "option_names", "users", "describe", "join_names", "version", "BUILTIN_KINDS", "INPUTS"]

#: the built-in kinds: one module of this package each, defining ``KIND``
BUILTIN_KINDS = ("grid", "list", "random", "latin_hypercube", "sobol")

#: what each input key holds (the schema's descriptions name the kinds that take it)
INPUTS = {
    "parameters": "parameter -> list of values (dotted names reach into mechanisms, e.g. \"regime.monitoring\")",
    "points": "an array of tables, each a point's parameter values",
    "ranges": "parameter -> [low, high] or {low, high, integer, log}",
}


@dataclass(frozen=True)
class Option:
    """A key of ``[design]`` a kind reads besides its input (``samples``, ``seed``, ...).

    ``type`` is ``int``, ``float``, ``bool`` or ``str``; ``choices`` restricts the values
    (a ``Literal`` in the schema); ``ge``/``le`` bound numbers; ``aliases`` are other
    spellings (``n`` for ``samples``); ``default`` is used when the key is left out;
    ``check(value)`` returns None or what is allowed (for problems the type cannot say,
    such as "a power of 2"). Kinds sharing an option name must declare the same type,
    bounds, choices and aliases.
    """

    name: str
    type: type
    description: str
    default: Any = None
    required: bool = False
    ge: float | None = None
    le: float | None = None
    choices: tuple | None = None
    aliases: tuple[str, ...] = ()
    check: Callable[[Any], str | None] | None = None

    def signature(self) -> tuple:
        return (self.type, self.ge, self.le, self.choices, self.aliases)


@dataclass(frozen=True)
class DesignInput:
    """What a kind builds its points from, checked and with defaults filled in.

    ``values`` (kinds taking ``parameters``), ``points`` (``points``) or ``ranges`` (name ->
    :class:`~coopsim.experiments.designs.base.Range`); ``options``: every option of the kind
    (the file's value or the default); ``seed``: the ``seed`` option if given, else the
    experiment's root seed; ``base``: the base scenario; ``source``: the key path the
    values come from (``("design", "parameters")``, ``("quick", "points")``), for errors.
    """

    kind: str
    values: Mapping[str, list] | None = None
    points: list[dict] | None = None
    ranges: Mapping[str, Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    base: Any = None
    source: tuple = ()

    def replace(self, **changes) -> DesignInput:
        return replace(self, **changes)


@dataclass(frozen=True)
class DesignKind:
    """A kind of design; see the module docstring."""

    name: str
    takes: Literal["parameters", "points", "ranges"]
    summary: str
    build: Callable[[DesignInput], Any]
    options: tuple[Option, ...] = ()
    check: Callable[[Mapping[str, Any], set], tuple[str, str] | None] | None = None
    quick: Mapping[str, Callable[[DesignInput, Any], DesignInput]] = field(default_factory=dict)
    analyses: Mapping[str, Callable[[Mapping[str, Any]], dict]] = field(default_factory=dict)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}


_KINDS: dict[str, DesignKind] = {}
_state = {"version": 0, "builtins": False}
_RESERVED = ("kind", "parameters", "points", "ranges")
_QUICK_KEYS = ("parameters", "points", "samples")


def _load_builtins() -> None:
    if _state["builtins"]:
        return
    _state["builtins"] = True
    external = dict(_KINDS)
    _KINDS.clear()
    for module in BUILTIN_KINDS:
        _add(importlib.import_module(f"{__package__}.{module}").KIND, replace_existing=False)
    for kind in external.values():
        _add(kind, replace_existing=False)


def _add(kind: DesignKind, replace_existing: bool) -> None:
    if not isinstance(kind, DesignKind):
        raise TypeError(f"register() takes a DesignKind, not {type(kind).__name__}")
    if not kind.name.isidentifier():
        raise ValueError(f"design kind name {kind.name!r}: letters, digits and '_' only")
    if kind.name in _KINDS and not replace_existing:
        raise ValueError(f"design kind {kind.name!r} is already registered (replace=True replaces it)")
    if kind.takes not in INPUTS:
        raise ValueError(f"design kind {kind.name!r}: takes must be one of {', '.join(INPUTS)}")
    bad_quick = [k for k in kind.quick if k not in _QUICK_KEYS]
    if bad_quick:
        raise ValueError(f"design kind {kind.name!r}: quick keys are {', '.join(_QUICK_KEYS)}, not {bad_quick}")
    for opt in kind.options:
        if opt.name in _RESERVED or not opt.name.isidentifier():
            raise ValueError(f"design kind {kind.name!r}: {opt.name!r} cannot be an option name")
        if opt.type not in (int, float, bool, str):
            raise ValueError(f"design kind {kind.name!r}: option {opt.name!r} has type {opt.type!r}; "
                             "allowed: int, float, bool, str")
        for other in _KINDS.values():
            theirs = other.option(opt.name)
            if other.name != kind.name and theirs is not None and theirs.signature() != opt.signature():
                raise ValueError(f"design kind {kind.name!r}: option {opt.name!r} differs from the one of kind "
                                 f"{other.name!r} (same type, bounds, choices and aliases needed)")
    _KINDS[kind.name] = kind
    _state["version"] += 1


def register(kind: DesignKind, *, replace: bool = False) -> DesignKind:
    """Add a design kind (``replace=True`` replaces a kind of the same name); returns it."""
    _load_builtins()
    _add(kind, replace_existing=replace)
    return kind


def unregister(name: str) -> None:
    """Remove a design kind registered with :func:`register`."""
    _load_builtins()
    if name not in _KINDS:
        raise KeyError(name)
    del _KINDS[name]
    _state["version"] += 1


def get(name: str) -> DesignKind:
    """The kind called ``name``; ``KeyError`` naming the registered kinds if there is none."""
    _load_builtins()
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"unknown design kind {name!r}; registered: {', '.join(_KINDS)}") from None


def names() -> tuple[str, ...]:
    """The registered kinds' names, built-in kinds first, in registration order."""
    _load_builtins()
    return tuple(_KINDS)


def kinds() -> tuple[DesignKind, ...]:
    _load_builtins()
    return tuple(_KINDS.values())


def version() -> int:
    """A counter that changes whenever a kind is registered or removed (for caches)."""
    _load_builtins()
    return _state["version"]


def option_names() -> tuple[str, ...]:
    """Every option name of every registered kind, in first-declared order."""
    out: dict[str, None] = {}
    for kind in kinds():
        for opt in kind.options:
            out.setdefault(opt.name)
    return tuple(out)


def users(key: str, where: str = "design") -> list[str]:
    """The kinds that read ``key`` in ``[design]`` (input or option) or in ``[quick]``."""
    if where == "quick":
        return [k.name for k in kinds() if key in k.quick]
    return [k.name for k in kinds() if k.takes == key or k.option(key) is not None]


def describe(key: str) -> str:
    """What a ``[design]`` key holds, per kind: ``"random / latin_hypercube: number of points; sobol: ..."``."""
    if key == "kind":
        return ", ".join(f"{k.name} ({k.summary})" for k in kinds())
    if key in INPUTS:
        takers = [k.name for k in kinds() if k.takes == key]
        return f"{' / '.join(takers)}: {INPUTS[key]}" if takers else INPUTS[key]
    groups: dict[str, list[str]] = {}
    for kind in kinds():
        opt = kind.option(key)
        if opt is not None:
            groups.setdefault(opt.description, []).append(kind.name)
    return "; ".join(f"{' / '.join(ks)}: {text}" for text, ks in groups.items())


def join_names(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
