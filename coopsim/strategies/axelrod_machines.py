"""Moore machines of axelrod's finite-state strategies, read from the players' own parameters.

Every converter describes a player by a *history key*: a finite summary of the realised
history (what the player's code reads), the probability of C it gives in each key, and the
key after a round with outcome o (own move, co-player's move: CC, CD, DC, DD = 0..3). A
breadth-first search over the reachable keys gives the machine's table; it is returned as
plain tuples ``(cooperate, transition, initial)`` that
:func:`coopsim.strategies.automata.from_axelrod` turns into a minimised
:class:`~coopsim.strategies.automata.Automaton`.

Structural converters (from the object's parameters; the class must not override the
family's ``strategy``):

* ``FSMPlayer`` (all of axelrod's ``finite_state_machines``: EvolvedFSM4/6/16, Fortress3/4,
  Predator, Pun1, Raider, Ripoff, SolutionB1/B5, Thumper, TF1-3, ...): axelrod's machine is a
  Mealy machine (state, co-player's last move) -> (state, move); the Moore state is the
  pair (FSM state, move to play next). Own (noisy) moves are ignored, as in axelrod.
* ``LookerUp`` and ``Gambler`` (lookup tables on own last moves, the co-player's last moves
  and the co-player's opening moves; Gambler's entries are probabilities of C).
* ``MemoryTwoPlayer`` (the sixteen-vector, AON2, DelayedAON1, MEM2's relatives).
* ``Cycler`` (a fixed cycle, ignoring the history), ``NTitsForMTats`` (retaliation count
  and the co-player's last M moves), ``GoByMajority`` with a finite memory.

Declared state (:data:`_DECLARED`): classes whose code keeps a small state — grudges
with counters, probers, handshakes, MEM2 — are declared by the features of the history
their ``strategy`` reads (turn number capped, last / first moves, "ever defected") and their
own state attributes, as read from axelrod's source; the machine runs the class's own
``strategy`` from one representative object per declared state.

The fallback ``window`` converter covers deterministic players whose classifier declares a
finite memory depth n <= 5 (and that use nothing but the history): the key is the last n
rounds (the whole history while shorter), and the move in each key is what the player
itself plays after that history, driven as ``axelrod.Match`` drives it. It is refused if
the player's moves after the 4^(n+1) histories of n + 1 rounds are not those of their last
n rounds (a wrong classifier).

Source: Knight et al. (2016), axelrod 4.13 ``axelrod/strategies`` (the class definitions read here).
"""
from __future__ import annotations

import importlib
import itertools
from typing import Any, Callable

__all__ = ["machine_of", "explain", "MAX_STATES"]

MAX_STATES = 4096  # keys explored before a conversion is refused
_WINDOW_MAX = 5


def _axl():
    import axelrod

    return axelrod


def _build(start, step: Callable, coop: Callable):
    """BFS over keys: (cooperate, transition, initial=0) tuples, or None when too large."""
    index = {start: 0}
    keys = [start]
    trans = []
    i = 0
    while i < len(keys):
        k = keys[i]
        row = []
        for o in range(4):
            nk = step(k, o)
            j = index.get(nk)
            if j is None:
                if len(keys) >= MAX_STATES:
                    return None
                j = index[nk] = len(keys)
                keys.append(nk)
            row.append(j)
        trans.append(tuple(row))
        i += 1
    return tuple(float(coop(k)) for k in keys), tuple(trans), 0


# --------------------------------------------------------------------------- families
def _fsm(player):
    fsm = player.fsm
    table = {(s, a.value): (ns, na.value) for (s, a), (ns, na) in fsm.state_transitions.items()}
    start = (player.initial_state, player.initial_action.value)

    def step(key, o):
        return table[(key[0], o & 1)]

    return _build(start, step, lambda key: 1.0 - key[1])


def _lookerup(player, probabilistic: bool):
    axl = _axl()
    lk = player._lookup
    p_d, o_d, open_d = lk.player_depth, lk.op_depth, lk.op_openings_depth
    init = tuple(a.value for a in player._initial_actions_pool)
    cap = max(len(init), p_d, o_d, open_d)
    table = {}
    for plays, v in lk.dictionary.items():
        k = (tuple(a.value for a in plays.self_plays), tuple(a.value for a in plays.op_plays),
             tuple(a.value for a in plays.op_openings))
        if isinstance(v, axl.Action):
            table[k] = 1.0 - v.value
        elif probabilistic:
            table[k] = float(v)
        else:
            return None
    # key: (turn capped at cap, own last p_d, co-player's last o_d, co-player's first open_d)
    start = (0, (), (), ())

    def step(key, o):
        t, own, opp, opening = key
        a, b = o >> 1, o & 1
        own = (own + (a,))[-p_d:] if p_d else ()
        opp = (opp + (b,))[-o_d:] if o_d else ()
        if len(opening) < open_d:
            opening = opening + (b,)
        return (min(t + 1, cap), own, opp, opening)

    def coop(key):
        t, own, opp, opening = key
        if t < len(init):
            return 1.0 - init[t]
        return table[(own, opp, opening)]

    return _build(start, step, coop)


def _memory_two(player):
    vec = {(tuple(a.value for a in own), tuple(a.value for a in opp)): float(p)
           for (own, opp), p in player._sixteen_vector.items()}
    init = tuple(a.value for a in player._initial)

    def step(key, o):
        t, hist = key
        return (min(t + 1, 2), (hist + (o,))[-2:])

    def coop(key):
        t, hist = key
        if t <= 1:
            return 1.0 - init[t]
        (a1, b1), (a2, b2) = divmod(hist[0], 2), divmod(hist[1], 2)
        return vec[((a1, a2), (b1, b2))]

    return _build((0, ()), step, coop)


def _cycler(player):
    moves = tuple(1 if ch == "D" else 0 for ch in player.cycle)
    L = len(moves)
    return tuple(1.0 - m for m in moves), tuple(((t + 1) % L,) * 4 for t in range(L)), 0


def _n_tits(player):
    N, M = int(player.N), int(player.M)

    def call(key):
        """(move, retaliation count after the call) for a key (count, co-player's last M moves)."""
        count, tail = key
        if not M or (len(tail) == M and all(tail)):
            count = N
        if count:
            return 1, count - 1
        return 0, count

    def step(key, o):
        _, after = call(key)
        tail = (key[1] + (o & 1,))[-M:] if M else ()
        return (after, tail)

    return _build((0, ()), step, lambda key: 1.0 - call(key)[0])


def _go_by_majority(player):
    m, soft = int(player.memory), bool(player.soft)
    if m <= 0:
        return None

    def coop(tail):
        d = sum(tail)
        c = len(tail) - d
        return 0.0 if d > c or (d == c and not soft) else 1.0

    return _build((), lambda tail, o: (tail + (o & 1,))[-m:], coop)


def _window(player):
    """Deterministic players of declared finite memory depth n: key = the last n rounds."""
    axl = _axl()
    n = axl.Classifiers["memory_depth"](player)
    C, D = axl.Action.C, axl.Action.D

    def move_after(history):
        me = player.clone()
        me.set_match_attributes(**dict(player.match_attributes))
        opp = axl.MockPlayer()
        for o in history:
            me.strategy(opp)
            a, b = (C, D)[o >> 1], (C, D)[o & 1]
            me.update_history(a, b)
            opp.update_history(b, a)
        act = me.strategy(opp)
        if act not in (C, D):
            raise ValueError(act)
        return act.value

    moves = {}
    for length in range(n + 1):
        for h in itertools.product(range(4), repeat=length):
            moves[h] = move_after(h)
    for h in itertools.product(range(4), repeat=n + 1):  # the declared depth is checked
        if move_after(h) != moves[h[1:]]:
            return None
    return _build((), lambda key, o: (key + (o,))[-n:] if n else (), lambda key: 1.0 - moves[key])


# --------------------------------------------------------------------------- declared state
def _features(spec, me, opp):
    """The finite summary of a history that ``spec`` declares (see :data:`_DECLARED`)."""
    out = []
    for f in spec:
        kind, arg = f if isinstance(f, tuple) else (f, None)
        if kind == "turn":
            out.append(min(len(me.history), arg))
        elif kind == "own_last":
            out.append(tuple(a.value for a in me.history[-arg:]))
        elif kind == "opp_last":
            out.append(tuple(a.value for a in opp.history[-arg:]))
        elif kind == "opp_first":
            out.append(tuple(a.value for a in opp.history[:arg]))
        elif kind == "opp_defections":
            out.append(min(opp.defections, arg))
        elif kind == "opp_cooperations":
            out.append(min(opp.cooperations, arg))
    return tuple(out)


def _declared(player, spec, state):
    """Machine of a player whose code reads the declared finite state (``spec`` features of
    the history and ``state(player)``, its own attributes): the player's own ``strategy`` is
    run from one representative object per key; a key reached again must give the same move
    (else the declaration is wrong and the conversion refused)."""
    import copy

    axl = _axl()
    C, D = axl.Action.C, axl.Action.D
    me = player.clone()
    me.set_match_attributes(**dict(player.match_attributes))
    opp = axl.MockPlayer()

    def key_of(m, o):
        return _features(spec(player), m, o) + (state(m),)

    def move(pair):
        m, o = copy.deepcopy(pair)
        return m.strategy(o).value

    start = key_of(me, opp)
    reps = {start: (me, opp)}
    index = {start: 0}
    keys, trans, coop = [start], [], []
    i = 0
    while i < len(keys):
        m0, o0 = reps[keys[i]]
        coop.append(1.0 - move((m0, o0)))
        row = []
        for o in range(4):
            m, op = copy.deepcopy((m0, o0))
            m.strategy(op)
            a, b = (C, D)[o >> 1], (C, D)[o & 1]
            m.update_history(a, b)
            op.update_history(b, a)
            k = key_of(m, op)
            if k not in reps:
                if len(keys) >= MAX_STATES:
                    return None
                reps[k] = (m, op)
                index[k] = len(keys)
                keys.append(k)
            elif move(reps[k]) != move((m, op)):
                return None
            row.append(index[k])
        trans.append(tuple(row))
        i += 1
    return tuple(coop), tuple(trans), 0


def _attrs(*names):
    return lambda p: tuple(getattr(p, n) for n in names)


def _mem2_state(p):
    # shift_counter matters only while it can still reach 0 and ALLD has been chosen < 2 times
    live = p.alld_counter < 2 and p.shift_counter >= 0
    return (p.play_as, p.shift_counter if live else -1, p.alld_counter)


_NONE = _attrs()
# class name -> (features of the history its code reads, its own state attributes); read
# from axelrod 4.13's source of each class
_DECLARED = {
    "OppositeGrudger": (lambda p: [("opp_cooperations", 1)], _NONE),
    "EasyGo": (lambda p: [("opp_defections", 1)], _NONE),
    "Aggravater": (lambda p: [("turn", 3), ("opp_defections", 1)], _NONE),
    "SpitefulCC": (lambda p: [("turn", 2), ("opp_defections", 1)], _NONE),
    "GrudgerAlternator": (lambda p: [("opp_defections", 1), ("own_last", 1)], _NONE),
    "ForgetfulGrudger": (lambda p: [("opp_last", 1)], _attrs("grudged", "grudge_memory")),
    "SoftGrudger": (lambda p: [("opp_last", 1)], _attrs("grudged", "grudge_memory")),
    "GeneralSoftGrudger": (lambda p: [("opp_last", p.n)], _attrs("grudged", "grudge_memory")),
    "OnceBitten": (lambda p: [("turn", 2), ("opp_last", 2)], _attrs("grudged", "grudge_memory")),
    "FoolMeOnce": (lambda p: [("turn", 1), ("opp_defections", 2)], _NONE),
    "Prober": (lambda p: [("turn", 3), ("opp_first", 3), ("opp_last", 1)], _NONE),
    "Prober2": (lambda p: [("turn", 3), ("opp_first", 3), ("opp_last", 1)], _NONE),
    "Prober3": (lambda p: [("turn", 2), ("opp_first", 2), ("opp_last", 1)], _NONE),
    "HardProber": (lambda p: [("turn", 4), ("opp_first", 3), ("opp_last", 1)], _NONE),
    "Detective": (lambda p: [("turn", len(p.initial_actions)), ("opp_first", len(p.initial_actions)),
                             ("opp_last", 1)], _NONE),
    "CollectiveStrategy": (lambda p: [("turn", 2), ("opp_first", 2), ("opp_defections", 2)], _NONE),
    "SpitefulTitForTat": (lambda p: [("turn", 1), ("opp_last", 2)], _attrs("retaliating")),
    "Appeaser": (lambda p: [("turn", 1), ("own_last", 1), ("opp_last", 1)], _NONE),
    "Handshake": (lambda p: [("turn", len(p.initial_plays)), ("opp_first", len(p.initial_plays))], _NONE),
    "TrickyDefector": (lambda p: [("opp_cooperations", 1), ("opp_last", 3)], _NONE),
    "MEM2": (lambda p: [("own_last", 2), ("opp_last", 2)], _mem2_state),
}


# --------------------------------------------------------------------------- dispatch
def _uses_only_history(axl, player) -> str | None:
    """None if the player reads only the history; else the reason (not converted)."""
    cls = axl.Classifiers
    for key in ("inspects_source", "manipulates_source", "manipulates_state"):
        if cls[key](player):
            return f"{key.replace('_', ' ')}"
    uses = set(cls["makes_use_of"](player) or ())
    if "length" in uses:
        return "uses the match length"
    if uses:  # e.g. the game: the machine would depend on the game played
        return "uses " + ", ".join(sorted(uses))
    return None


def explain(player) -> tuple[Any, str, str]:
    """``(table or None, method, reason)`` for an axelrod player.

    ``table``: ``(cooperate, transition, initial)`` tuples of its Moore machine; ``method``:
    the converter ("fsm", "lookerup", "gambler", "memory_two", "cycler", "n_tits_for_m_tats",
    "go_by_majority", "declared", "window") or "" when there is none; ``reason``: why not, when None.
    """
    axl = _axl()
    cyc, fsm, gam, gbm, lku, mt, tft = (importlib.import_module(f"axelrod.strategies.{m}") for m in (
        "cycler", "finite_state_machines", "gambler", "gobymajority", "lookerup", "memorytwo", "titfortat"))

    strat = type(player).strategy
    reason = _uses_only_history(axl, player)
    if reason is not None:
        return None, "", reason
    stochastic = bool(axl.Classifiers["stochastic"](player))
    families = [
        ("fsm", getattr(fsm, "FSMPlayer", None), _fsm),
        ("gambler", getattr(gam, "Gambler", None), lambda p: _lookerup(p, True)),
        ("lookerup", getattr(lku, "LookerUp", None), lambda p: _lookerup(p, False)),
        ("memory_two", getattr(mt, "MemoryTwoPlayer", None), _memory_two),
        ("cycler", getattr(cyc, "Cycler", None), _cycler),
        ("n_tits_for_m_tats", getattr(tft, "NTitsForMTats", None), _n_tits),
        ("go_by_majority", getattr(gbm, "GoByMajority", None), _go_by_majority),
    ]
    for method, base, convert in families:
        if base is not None and isinstance(player, base):
            if strat is not base.strategy:
                return None, "", f"overrides {base.__name__}.strategy (a transformer or a variant)"
            table = convert(player)
            if table is None:
                return None, "", f"{base.__name__} with unbounded state or over {MAX_STATES} states"
            return table, method, ""
    cls = type(player)
    if cls.__name__ in _DECLARED and cls.__module__.startswith("axelrod.strategies"):
        spec, state = _DECLARED[cls.__name__]
        table = _declared(player, spec, state)
        if table is None:
            return None, "", "its declared finite state does not determine its moves"
        return table, "declared", ""
    depth = axl.Classifiers["memory_depth"](player)
    try:
        finite = depth is not None and float(depth) < float("inf")
    except (TypeError, ValueError):
        finite = False
    if not finite:
        return None, "", "unbounded memory (its state is not finite)"
    if stochastic:
        return None, "", f"stochastic with memory depth {depth}, not a known stochastic family"
    if int(depth) > _WINDOW_MAX:
        return None, "", f"memory depth {depth} above {_WINDOW_MAX} (4^depth histories)"
    try:
        table = _window(player)
    except Exception as exc:  # its code fails on a forced history: no conversion
        return None, "", f"fails on a forced history ({type(exc).__name__})"
    if table is None:
        return None, "", f"moves depend on more than the declared {depth} rounds"
    return table, "window", ""


def machine_of(player):
    """``(cooperate, transition, initial)`` of an axelrod player's Moore machine, or None."""
    return explain(player)[0]
