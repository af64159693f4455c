"""Finite-state strategies (Moore machines) for the iterated 2-player game.

An :class:`Automaton` has M internal states; in state m it cooperates with probability
``cooperate[m]``; after a round with realised outcome o (own move, co-player's move in the
order CC, CD, DC, DD) it moves to ``transition[m, o]``; it starts in ``initial_state``.
Memory-one strategies are the special case of 5 states (start + the four outcomes), but
automata also express strategies with longer or unbounded memory exactly — axelrod's
``Grudger`` (who reacts only to the *co-player's* defections, also after its own noisy
defection) and ``TitFor2Tats`` among them — so that they play on the fast engine, with
the same implementation-noise convention as :func:`coopsim.engine.sampled.play`.

:func:`play_automata` plays many matches at once (vectorised over matches; a Python loop
over rounds only); :func:`coopsim.engine.sampled.play` hands matches to it whenever one
side is an automaton.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._random import as_generator
from ._validation import ParameterError, check_int, check_probabilities, check_probability
from .strategies import MemoryOne

__all__ = ["Automaton", "grudger", "tit_for_two_tats", "from_memory_one", "as_automaton", "play_automata",
           "outcome_distribution", "expected_payoffs", "from_axelrod", "to_axelrod"]


@dataclass(frozen=True, eq=False)
class Automaton:
    """A Moore machine: ``cooperate`` (M,), ``transition`` (M, 4) ints, ``initial_state``."""

    cooperate: tuple
    transition: tuple
    initial_state: int = 0
    name: str = ""
    memory_depth: float = float("inf")

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
        return {"memory_depth": self.memory_depth, "stochastic": bool(np.any((c > 0) & (c < 1))),
                "automaton": True, "n_states": self.n_states}

    def __repr__(self) -> str:
        return f"Automaton({self.name or '?'}, {self.n_states} states)"

    def __str__(self) -> str:
        return self.name or repr(self)


def grudger() -> Automaton:
    """axelrod's Grudger: cooperate until the co-player's first defection, then defect forever.

    State 0 cooperates; any round in which the co-player defected (outcomes CD, DD) leads
    to state 1, which defects forever. Its own (noisy) defections do not trigger it.
    """
    return Automaton((1.0, 0.0), ((0, 1, 0, 1), (1, 1, 1, 1)), 0, "Grudger")


def tit_for_two_tats() -> Automaton:
    """axelrod's TitFor2Tats: defect only after two consecutive defections of the co-player.

    States: 0 start; 1 last co-player move C (or only one move seen, C); 2 exactly one D
    last (after a C or at the start); 3 two Ds in a row. Cooperates except in state 3.
    """
    # outcome o: co-player defected iff o in (1, 3)
    def nxt(after_c, after_d):
        return (after_c, after_d, after_c, after_d)

    trans = (nxt(1, 2), nxt(1, 3), nxt(1, 3), nxt(1, 3))
    return Automaton((1.0, 1.0, 1.0, 0.0), trans, 0, "TitFor2Tats", memory_depth=2)


def from_memory_one(m: MemoryOne) -> Automaton:
    """The 5-state automaton of a memory-one strategy (states: the last outcome, then start)."""
    p = m.vector
    trans = tuple((0, 1, 2, 3) for _ in range(5))
    return Automaton((p[0], p[1], p[2], p[3], m.initial), trans, 4, m.name, memory_depth=1)


def as_automaton(s) -> Automaton:
    if isinstance(s, Automaton):
        return s
    if isinstance(s, MemoryOne):
        return from_memory_one(s)
    raise ParameterError("strategy", s, "an Automaton or a MemoryOne")


def _stack(strategies):
    """Padded arrays for K automata: cooperate (K, Mmax), transition (K, Mmax, 4), start (K,).

    The distinct objects are converted once and then indexed (K may be ~10^5 entries
    naming a handful of strategies)."""
    index: dict[int, int] = {}
    uniq: list = []
    which = np.empty(len(strategies), dtype=np.int64)
    for k, s in enumerate(strategies):
        j = index.get(id(s))
        if j is None:
            j = index[id(s)] = len(uniq)
            uniq.append(s)
        which[k] = j
    autos = [as_automaton(s) for s in uniq]
    Mmax = max(a.n_states for a in autos)
    U = len(autos)
    coop = np.zeros((U, Mmax))
    trans = np.zeros((U, Mmax, 4), dtype=np.int64)
    start = np.zeros(U, dtype=np.int64)
    for k, a in enumerate(autos):
        coop[k, : a.n_states] = a.cooperate
        trans[k, : a.n_states] = a.transition
        start[k] = a.initial_state
    return coop[which], trans[which], start[which], Mmax


def play_automata(p, q, game, *, turns=None, continuation=None, noise=0.0, seed=None, record: str = "summary"):
    """Play K matches between automata (or memory-one strategies) at once.

    Same conventions and result (:class:`coopsim.engine.sampled.Matches`) as
    :func:`coopsim.engine.sampled.play`: implementation noise flips every intended move,
    the first included; both sides see the realised moves.
    """
    from .engine.sampled import Matches, _game_vectors, _length_spec, _lengths

    ps, qs, K = _pairs(p, q)
    fx, fy = _game_vectors(game)
    turns, w = _length_spec(turns, continuation)
    eps = float(np.asarray(noise))
    if not 0.0 <= eps <= 1.0:
        raise ParameterError("noise", noise, "a probability in [0, 1]")
    rng = as_generator(seed)
    lengths = _lengths(K, turns, w, rng)
    ca, ta, sa, Ma = _stack(ps)
    cb, tb, sb, Mb = _stack(qs)
    # effective probability of C with noise folded in: (1 - e) c + e (1 - c)
    ca, cb = eps + (1 - 2 * eps) * ca, eps + (1 - 2 * eps) * cb
    rows = np.arange(K)
    T = int(lengths.max()) if K else 0
    counts = np.zeros((K, 4), dtype=np.int64)
    acts = np.full((K, T, 2), -1, dtype=np.int8) if record == "actions" else None
    # global state ids g = k * M + m: one flat lookup for the move, one for the transition
    ca, cb = ca.ravel(), cb.ravel()
    ga = (rows[:, None, None] * Ma + ta).ravel()  # (K * Ma * 4,) next global state
    gb = (rows[:, None, None] * Mb + tb).ravel()
    state_a, state_b = rows * Ma + sa, rows * Mb + sb
    flat = np.zeros(K * 4, dtype=np.int64)
    fixed = bool(K) and bool((lengths == T).all())
    for t in range(T):
        u = rng.random((K, 2))
        da = (u[:, 0] >= ca[state_a]).astype(np.int64)  # 1 = D
        db = (u[:, 1] >= cb[state_b]).astype(np.int64)
        outcome_a = 2 * da + db  # focal view
        new_a = ga[state_a * 4 + outcome_a]
        new_b = gb[state_b * 4 + 2 * db + da]  # the co-player's own view
        if fixed:
            flat[rows * 4 + outcome_a] += 1  # each row once per round: no repeated indices
            if acts is not None:
                acts[:, t, 0], acts[:, t, 1] = da, db
            state_a, state_b = new_a, new_b
        else:
            live = lengths > t
            flat[(rows * 4 + outcome_a)[live]] += 1
            if acts is not None:
                acts[live, t, 0], acts[live, t, 1] = da[live], db[live]
            state_a = np.where(live, new_a, state_a)
            state_b = np.where(live, new_b, state_b)
    counts = flat.reshape(K, 4)
    focal, co = counts @ fx, counts @ fy
    L = lengths.astype(float)
    return Matches(lengths=lengths, focal_score=focal, coplayer_score=co, focal_payoff=focal / L,
                   coplayer_payoff=co / L, focal_cooperation=(counts[:, 0] + counts[:, 1]) / L,
                   coplayer_cooperation=(counts[:, 0] + counts[:, 2]) / L, states=counts, actions=acts)


# --------------------------------------------------------------------------- exact values
def _pairs(p, q):
    ps = [p] if isinstance(p, (Automaton, MemoryOne)) else list(p)
    qs = [q] if isinstance(q, (Automaton, MemoryOne)) else list(q)
    K = max(len(ps), len(qs))
    if len(ps) not in (1, K) or len(qs) not in (1, K):
        raise ParameterError("q", f"{len(qs)} strategies", f"1 or {len(ps)} (as many as p)")
    return ps * (K // len(ps)), qs * (K // len(qs)), K


def outcome_distribution(p, q, *, rounds=None, continuation=None, noise=0.0) -> np.ndarray:
    """(K, 4) expected share of the rounds ending in CC, CD, DC, DD (focal ``p``'s view).

    Exact: the joint state (state of p, state of q) is a Markov chain on Mp * Mq states;
    over ``rounds`` rounds its distributions are summed (then divided by ``rounds``); with
    ``continuation`` w the occupation measure d0 (I - w P)^-1 is weighted by (1 - w), i.e.
    the expected total over a geometric match divided by its expected length 1 / (1 - w).
    Implementation noise flips every intended move, the first included (as :func:`play_automata`).
    """
    from .engine.sampled import _length_spec

    ps, qs, K = _pairs(p, q)
    turns, w = _length_spec(rounds, continuation)
    eps = check_probability("noise", noise)
    ca, ta, sa, Ma = _stack(ps)
    cb, tb, sb, Mb = _stack(qs)
    ca, cb = eps + (1 - 2 * eps) * ca, eps + (1 - 2 * eps) * cb
    S = Ma * Mb
    # outcome probabilities of every joint state (i, j): (K, Ma, Mb, 4) in the order CC, CD, DC, DD
    A, B = ca[:, :, None], cb[:, None, :]
    out = np.stack([A * B, A * (1 - B), (1 - A) * B, (1 - A) * (1 - B)], -1).reshape(K, S, 4)
    # next joint state of (i, j) after outcome o: (ta[i, o], tb[j, swap(o)])
    swap = np.array([0, 2, 1, 3])
    ni = np.broadcast_to(ta[:, :, None, :], (K, Ma, Mb, 4))
    nj = np.broadcast_to(tb[:, None, :, :][..., swap], (K, Ma, Mb, 4))
    nxt = (ni * Mb + nj).reshape(K, S, 4)
    P = np.zeros((K, S, S))
    kk = np.broadcast_to(np.arange(K)[:, None, None], (K, S, 4))
    ss = np.broadcast_to(np.arange(S)[None, :, None], (K, S, 4))
    np.add.at(P, (kk, ss, nxt), out)
    d = np.zeros((K, S))
    d[np.arange(K), sa * Mb + sb] = 1.0
    if w is None:
        occ = np.zeros((K, S))
        for _ in range(turns):
            occ += d
            d = np.einsum("ks,kst->kt", d, P)
        occ /= turns
    else:
        eye = np.eye(S)[None]
        occ = (1 - w) * np.linalg.solve(np.swapaxes(eye - w * P, 1, 2), d[..., None])[..., 0]
    return np.einsum("ks,kso->ko", occ, out)


def expected_payoffs(p, q, game, *, rounds=None, continuation=None, noise=0.0):
    """Per-round expected payoffs and cooperation rates of automata ``p`` against ``q``
    (a :class:`coopsim.engine.exact.MatchValues`, as :func:`coopsim.engine.exact.payoffs`
    gives for memory-one strategies; multiply by ``rounds`` for expected totals)."""
    from .engine.exact import MatchValues
    from .engine.sampled import _game_vectors

    fx, fy = _game_vectors(game)
    v = outcome_distribution(p, q, rounds=rounds, continuation=continuation, noise=noise)
    return MatchValues(v @ fx, v @ fy, v[:, 0] + v[:, 1], v[:, 0] + v[:, 2])


# --------------------------------------------------------------------------- axelrod
_AXELROD_NAMES = {"Grudger": grudger, "TitFor2Tats": tit_for_two_tats}


def from_axelrod(player):
    """The automaton of an axelrod player coopsim knows as one (``Grudger``,
    ``TitFor2Tats``, or a player made by :func:`to_axelrod`); ``None`` otherwise."""
    auto = getattr(player, "_coopsim_automaton", None)
    if isinstance(auto, Automaton):
        return auto
    make = _AXELROD_NAMES.get(type(player).__name__)
    return make() if make is not None and type(player).__module__.startswith("axelrod.") else None


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
