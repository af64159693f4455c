"""Finite-state strategies (Moore machines) for the iterated 2-player game.

An :class:`Automaton` has M internal states; in state m it cooperates with probability
``cooperate[m]``; after a round with realised outcome o (own move, co-player's move in the
order CC, CD, DC, DD) it moves to ``transition[m, o]``; it starts in ``initial_state``.
Memory-one strategies are the special case of 5 states (start + the four outcomes), but
automata also express strategies with longer or unbounded memory exactly — axelrod's
``Grudger`` (who reacts only to the *co-player's* defections, also after its own noisy
defection) and ``TitFor2Tats`` among them.

This module holds the definitions and the conversion to and from axelrod players; play
and exact valuation are in :mod:`coopsim.engine.automata` (and
:func:`coopsim.engine.sampled.play` hands matches to it whenever one side is an automaton).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import ParameterError, check_int, check_probabilities
from .memory_one import MemoryOne

__all__ = ["Automaton", "grudger", "tit_for_two_tats", "cycle", "from_memory_one", "as_automaton", "minimise",
           "from_axelrod", "to_axelrod", "axelrod_method"]


@dataclass(frozen=True, eq=False)
class Automaton:
    """A Moore machine: ``cooperate`` (M,), ``transition`` (M, 4) ints, ``initial_state``.

    ``reciprocating`` declares whether the machine rewards cooperation and punishes
    defection (it is not inferred from the table; None: not declared).
    """

    cooperate: tuple
    transition: tuple
    initial_state: int = 0
    name: str = ""
    memory_depth: float = float("inf")
    reciprocating: bool | None = None

    def __post_init__(self) -> None:
        c = check_probabilities(f"{self.name or 'automaton'} cooperate", self.cooperate)
        if c.ndim != 1 or c.size < 1:
            raise ParameterError("cooperate", self.cooperate, "a vector of M >= 1 probabilities")
        t = np.asarray(self.transition)
        M = c.size
        if t.shape != (M, 4) or not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() >= M:
            raise ParameterError("transition", self.transition, f"an (M, 4) = ({M}, 4) table of states 0..{M - 1}")
        check_int("initial_state", self.initial_state, minimum=0, maximum=M - 1)
        object.__setattr__(self, "cooperate", tuple(float(x) for x in c))
        object.__setattr__(self, "transition", tuple(tuple(int(x) for x in row) for row in t))

    @property
    def n_states(self) -> int:
        return len(self.cooperate)

    @property
    def classifier(self) -> dict:
        c = np.array(self.cooperate)
        out = {"memory_depth": self.memory_depth, "stochastic": bool(np.any((c > 0) & (c < 1))),
               "automaton": True, "n_states": self.n_states}
        if self.reciprocating is not None:
            out["reciprocating"] = bool(self.reciprocating)
        return out

    def __repr__(self) -> str:
        return f"Automaton({self.name or '?'}, {self.n_states} states)"

    def __str__(self) -> str:
        return self.name or repr(self)


def grudger() -> Automaton:
    """axelrod's Grudger: cooperate until the co-player's first defection, then defect forever.

    State 0 cooperates; any round in which the co-player defected (outcomes CD, DD) leads
    to state 1, which defects forever. Its own (noisy) defections do not trigger it.
    """
    return Automaton((1.0, 0.0), ((0, 1, 0, 1), (1, 1, 1, 1)), 0, "Grudger", reciprocating=True)


def tit_for_two_tats() -> Automaton:
    """axelrod's TitFor2Tats: defect only after two consecutive defections of the co-player.

    States: 0 start; 1 the co-player's last move C; 2 exactly one D last (after a C or at
    the start); 3 at least two Ds in a row. Cooperates except in state 3. A lone D (from
    states 0 and 1) leads to state 2, a second D in a row to state 3, any C back to 1.
    Against axelrod's Alternator it cooperates throughout, as axelrod's TitFor2Tats.
    """
    # outcome o: co-player defected iff o in (1, 3)
    def nxt(after_c, after_d):
        return (after_c, after_d, after_c, after_d)

    trans = (nxt(1, 2), nxt(1, 2), nxt(1, 3), nxt(1, 3))
    return Automaton((1.0, 1.0, 1.0, 0.0), trans, 0, "TitFor2Tats", memory_depth=2, reciprocating=True)


def cycle(moves, name: str = "") -> Automaton:
    """A fixed-sequence player: repeats ``moves`` ("CCD", or 0 = C / 1 = D) whatever happens.

    One state per position, every outcome moves to the next position (mod the length), so
    noise flips a move but not the cycle: axelrod's ``Cycler(moves)``.
    """
    if isinstance(moves, str):
        if not moves or set(moves.upper()) - {"C", "D"}:
            raise ParameterError("moves", moves, "a non-empty string of C and D")
        seq = [int(ch == "D") for ch in moves.upper()]
    else:
        seq = list(moves)
        if not seq or any(m not in (0, 1) for m in seq):
            raise ParameterError("moves", moves, "a non-empty sequence of 0 (C) and 1 (D)")
    L = len(seq)
    label = name or "Cycle " + "".join("CD"[m] for m in seq)
    return Automaton(tuple(1.0 - m for m in seq), tuple(((t + 1) % L,) * 4 for t in range(L)), 0, label,
                     memory_depth=L - 1 if L > 1 else 0)


def minimise(a: Automaton) -> Automaton:
    """The smallest Moore machine equivalent to ``a`` (same moves after every history).

    Keeps the states reachable from the start (over all outcomes: noise reaches them all)
    and merges states by partition refinement (Moore's algorithm): two states are merged
    when their probabilities of C agree and their successors after every outcome do.
    """
    trans = np.asarray(a.transition, dtype=np.int64)
    seen = [a.initial_state]
    index = {a.initial_state: 0}
    i = 0
    while i < len(seen):
        for nxt in trans[seen[i]]:
            if int(nxt) not in index:
                index[int(nxt)] = len(seen)
                seen.append(int(nxt))
        i += 1
    keep = np.array(seen)
    coop = np.asarray(a.cooperate)[keep]
    remap = np.vectorize(index.__getitem__, otypes=[np.int64])
    t = remap(trans[keep])
    _, block = np.unique(coop, return_inverse=True)
    while True:
        sig = np.column_stack([block, block[t]])
        _, new = np.unique(sig, axis=0, return_inverse=True)
        new = new.ravel()
        if new.max() == block.max():
            break
        block = new
    # renumber blocks in order of first appearance (the start state becomes 0)
    order, first = np.unique(block, return_index=True)
    rank = np.empty(order.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(order.size)
    block = rank[block]
    n = order.size
    reps = np.sort(first)
    return Automaton(tuple(coop[reps]), tuple(map(tuple, block[t[reps]])), int(block[0]), a.name,
                     memory_depth=a.memory_depth, reciprocating=a.reciprocating) if n else a


def from_memory_one(m: MemoryOne) -> Automaton:
    """The 5-state automaton of a memory-one strategy (states: the last outcome, then start)."""
    p = m.vector
    trans = tuple((0, 1, 2, 3) for _ in range(5))
    return Automaton((p[0], p[1], p[2], p[3], m.initial), trans, 4, m.name, memory_depth=1,
                     reciprocating=m.classifier["reciprocating"])


def as_automaton(s) -> Automaton:
    """``s`` itself if an Automaton; the 5-state machine of a MemoryOne."""
    if isinstance(s, Automaton):
        return s
    if isinstance(s, MemoryOne):
        return from_memory_one(s)
    raise ParameterError("strategy", s, "an Automaton or a MemoryOne")


# --------------------------------------------------------------------------- axelrod
_AXELROD_NAMES = {"Grudger": grudger, "TitFor2Tats": tit_for_two_tats}


def axelrod_method(player) -> tuple[str, str]:
    """``(method, reason)``: how :func:`from_axelrod` converts ``player`` ("" and why not, if it does not)."""
    if isinstance(getattr(player, "_coopsim_automaton", None), Automaton):
        return "coopsim", ""
    if type(player).__name__ in _AXELROD_NAMES and type(player).__module__.startswith("axelrod."):
        return "named", ""
    from .axelrod_machines import explain

    _, method, reason = explain(player)
    return method, reason


_CONVERTED: dict = {}


def from_axelrod(player):
    """The automaton of an axelrod player whose state is finite; ``None`` otherwise.

    ``Grudger``, ``TitFor2Tats`` and players made by :func:`to_axelrod` are known by name;
    every other player goes to :mod:`coopsim.strategies.axelrod_machines` (FSMs, lookup
    tables, memory-two, cyclers, N tits for M tats, finite majority, finite-memory
    deterministic players), and the machine is minimised (:func:`minimise`). Named
    ``str(player)``, as axelrod's tournaments name players. Cached by (class, init arguments).
    """
    auto = getattr(player, "_coopsim_automaton", None)
    if isinstance(auto, Automaton):
        return auto
    make = _AXELROD_NAMES.get(type(player).__name__)
    if make is not None and type(player).__module__.startswith("axelrod."):
        return make()
    try:
        key = (type(player), repr(sorted(player.init_kwargs.items())))
        hash(key)
        if " at 0x" in key[1]:
            key = None
    except Exception:  # unusual arguments: do not cache
        key = None
    if key is not None and key in _CONVERTED:
        return _CONVERTED[key]
    from .axelrod_machines import machine_of

    table = machine_of(player)
    auto = None
    if table is not None:
        import axelrod as axl

        depth = axl.Classifiers["memory_depth"](player)
        try:
            depth = float(depth)
        except (TypeError, ValueError):
            depth = float("inf")
        auto = minimise(Automaton(*table, name=str(player), memory_depth=depth))
    if key is not None:
        _CONVERTED[key] = auto
    return auto


def to_axelrod(automaton: Automaton):
    """An axelrod player that plays ``automaton``: axelrod's own class for ``Grudger`` and
    ``TitFor2Tats``; otherwise a player that runs the machine on the realised history
    (axelrod records moves after noise, as the automaton's transitions expect)."""
    import axelrod as axl

    if not isinstance(automaton, Automaton):
        raise ParameterError("automaton", automaton, "a coopsim Automaton")
    for name, make in _AXELROD_NAMES.items():
        ref = make()
        if automaton.name == name and ref.cooperate == automaton.cooperate and \
                ref.transition == automaton.transition and ref.initial_state == automaton.initial_state:
            return getattr(axl, name)()
    return _automaton_player_class()(automaton)


_PLAYER_CLASS = None


def _automaton_player_class():
    global _PLAYER_CLASS
    if _PLAYER_CLASS is not None:
        return _PLAYER_CLASS
    import axelrod as axl

    class AutomatonPlayer(axl.Player):
        """An axelrod player running a coopsim :class:`Automaton`."""

        name = "coopsim Automaton"
        classifier = {"memory_depth": float("inf"), "stochastic": True, "long_run_time": False,
                      "inspects_source": False, "manipulates_source": False, "manipulates_state": False,
                      "makes_use_of": set()}

        def __init__(self, automaton):
            super().__init__()
            self._coopsim_automaton = automaton
            self.name = automaton.name or "coopsim Automaton"
            self.classifier = dict(self.classifier, stochastic=automaton.classifier["stochastic"],
                                   memory_depth=automaton.memory_depth)

        def strategy(self, opponent):
            a = self._coopsim_automaton
            state = a.initial_state
            C = axl.Action.C
            for mine, theirs in zip(self.history, opponent.history, strict=False):
                state = a.transition[state][2 * (mine != C) + (theirs != C)]
            p = a.cooperate[state]
            if p in (0.0, 1.0):
                return C if p == 1.0 else axl.Action.D
            return self._random.random_choice(p)

    _PLAYER_CLASS = AutomatonPlayer
    return AutomatonPlayer
