"""Bridge to the axelrod library: convert strategies both ways and play by axelrod's rules.

axelrod (Knight et al. 2016, https://axelrod.readthedocs.io) holds some 240 strategies of
the iterated prisoner's dilemma. Only this module talks to it, and only inside functions:
``import axelrod`` takes many seconds, so importing this module does not import it.

Conventions
-----------
* Actions: axelrod's ``Action.C`` / ``Action.D`` are coopsim's 0 / 1.
* A coopsim :class:`~coopsim.strategies.MemoryOne` ``(p_CC, p_CD, p_DC, p_DD)`` and
  axelrod's ``MemoryOnePlayer(four_vector=...)`` index the previous round the same way:
  **own move first** (axelrod looks up ``(self.history[-1], opponent.history[-1])``).
  So the four-vector is passed through unchanged (no CD/DC swap).
* axelrod's ``MemoryOnePlayer`` takes a deterministic first move (``initial=C`` or ``D``);
  a first-move probability strictly between 0 and 1 needs the small subclass
  :class:`StochasticStartMemoryOnePlayer` (built on first use; it draws the first move
  from the player's own seeded random generator, as axelrod's ``Random`` does).
* Game-dependent axelrod strategies (GTFT, the ZD family: ``makes_use_of={"game"}``)
  compute their four-vector from the game in their match attributes; :func:`from_axelrod`
  reads it for the player's current game (axelrod's default (3, 0, 5, 1) unless set) or
  for ``game=``.

Sources: Knight et al. (2016), "An open framework for the reproducible study of the iterated
prisoner's dilemma", J. Open Research Software 4:e35; Press & Dyson (2012) for the
four-vector convention.
"""
from __future__ import annotations

import functools
import itertools
import math
from typing import Any, Callable

import numpy as np

from .._random import as_seed_sequence
from .._validation import ParameterError, check_int, check_probability
from ..games import Game
from ..strategies import MemoryOne

__all__ = [
    "is_axelrod_player",
    "to_axelrod",
    "from_axelrod",
    "play_match",
    "axelrod_strategies",
    "axelrod_game",
]  # and StochasticStartMemoryOnePlayer, created on first access (not in __all__: it imports axelrod)


def _axl():
    """The axelrod module (imported on first use; slow the first time)."""
    import axelrod

    return axelrod


# --------------------------------------------------------------------------- recognise
def is_axelrod_player(obj: Any) -> bool:
    """True if ``obj`` is an instance of ``axelrod.Player`` (checked without importing axelrod).

    >>> from coopsim import TFT
    >>> is_axelrod_player(TFT), is_axelrod_player("Tit For Tat")
    (False, False)
    """
    if isinstance(obj, type):
        return False
    return any(c.__name__ == "Player" and c.__module__ == "axelrod.player" for c in type(obj).__mro__)


def axelrod_game(game: Any):
    """An ``axelrod.Game`` for a symmetric coopsim :class:`~coopsim.games.Game` (or an
    ``axelrod.Game``, returned unchanged). Asymmetric games are not bridged."""
    axl = _axl()
    if isinstance(game, axl.Game):
        return game
    if isinstance(game, Game):
        return axl.Game(r=game.R, s=game.S, t=game.T, p=game.P)
    raise ParameterError("game", game, "a symmetric coopsim Game (R, S, T, P) or an axelrod.Game")


# --------------------------------------------------------------------------- coopsim -> axelrod
def _build_stochastic_start_class():
    axl = _axl()
    C = axl.Action.C

    class StochasticStartMemoryOnePlayer(axl.MemoryOnePlayer):
        """axelrod ``MemoryOnePlayer`` whose first move is C with probability ``initial``.

        ``MemoryOnePlayer`` only accepts a fixed first action; this subclass draws it with
        ``self._random.random_choice(initial)`` (the player's own generator, seeded by the
        Match like every stochastic player's) and otherwise plays the four-vector.
        """

        name = "Memory One (stochastic start)"
        classifier = {
            "memory_depth": 1,
            "stochastic": True,
            "long_run_time": False,
            "inspects_source": False,
            "manipulates_source": False,
            "manipulates_state": False,
        }

        def __init__(self, four_vector=(1.0, 0.0, 0.0, 1.0), initial: float = 0.5) -> None:
            super().__init__(four_vector, C)
            self._initial_probability = float(initial)

        def _post_init(self):
            super()._post_init()
            self.classifier["stochastic"] = True  # the first move is random
            values = set(self._four_vector.values())
            self.classifier["memory_depth"] = 0 if values == {self._initial_probability} else 1

        def strategy(self, opponent):
            if len(opponent.history) == 0:
                return self._random.random_choice(self._initial_probability)
            return super().strategy(opponent)

    StochasticStartMemoryOnePlayer.__module__ = __name__
    StochasticStartMemoryOnePlayer.__qualname__ = "StochasticStartMemoryOnePlayer"
    return StochasticStartMemoryOnePlayer


def __getattr__(name: str) -> Any:
    # PEP 562: the axelrod subclass is created on first access (so that importing this
    # module does not import axelrod) and is then an ordinary module attribute, which
    # lets pickle find it (axelrod's multi-process tournaments pickle players).
    if name == "StochasticStartMemoryOnePlayer":
        cls = _build_stochastic_start_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_axelrod(strategy: MemoryOne, *, classics: bool = True):
    """An ``axelrod.Player`` that plays exactly as the memory-one ``strategy``.

    With ``classics=True`` strategies equal (vector and first move) to a classic use
    axelrod's own class: ALLC -> ``Cooperator``, ALLD -> ``Defector``, TFT -> ``TitForTat``,
    STFT -> ``SuspiciousTitForTat``, WSLS -> ``WinStayLoseShift``, reactive (1, q) with
    first move C and 0 < q < 1 -> ``GTFT(p=q)``, (x, x, x, x) with first move probability
    x in (0, 1) -> ``Random(x)``. GRIM is *not* mapped to ``Grudger``: they agree without
    noise, but under noise GRIM also punishes its own slips (see
    :data:`coopsim.strategies.GRIM`), so it becomes a ``MemoryOnePlayer``.

    Everything else becomes ``axelrod.MemoryOnePlayer(four_vector=strategy.vector,
    initial=C or D)`` when the first move is deterministic, or
    :class:`StochasticStartMemoryOnePlayer` when 0 < initial < 1.

    Note that axelrod does not let a player be told its name per instance through
    ``clone()``; the returned player's ``name`` is axelrod's class name.
    """
    if not isinstance(strategy, MemoryOne):
        raise ParameterError("strategy", strategy, "a coopsim MemoryOne strategy")
    axl = _axl()
    v, x0 = strategy.vector, strategy.initial
    if classics:
        if v == (1.0, 1.0, 1.0, 1.0) and x0 == 1.0:
            return axl.Cooperator()
        if v == (0.0, 0.0, 0.0, 0.0) and x0 == 0.0:
            return axl.Defector()
        if v == (1.0, 0.0, 1.0, 0.0):
            if x0 == 1.0:
                return axl.TitForTat()
            if x0 == 0.0:
                return axl.SuspiciousTitForTat()
        if v == (1.0, 0.0, 0.0, 1.0) and x0 == 1.0:
            return axl.WinStayLoseShift()
        if v[0] == v[2] == 1.0 and v[1] == v[3] and 0.0 < v[1] < 1.0 and x0 == 1.0:
            return axl.GTFT(p=v[1])
        if v[0] == v[1] == v[2] == v[3] == x0 and 0.0 < x0 < 1.0:
            return axl.Random(x0)
    if x0 in (0.0, 1.0):
        return axl.MemoryOnePlayer(four_vector=v, initial=axl.Action.C if x0 == 1.0 else axl.Action.D)
    return __getattr__("StochasticStartMemoryOnePlayer")(four_vector=v, initial=x0)


# --------------------------------------------------------------------------- axelrod -> coopsim
class _Refuse(Exception):
    """The probed player is not (verifiably) memory-one."""


class _RecordingRandom:
    """Stands in for a player's ``_random`` while probing.

    ``random_choice(p)`` records ``p`` and returns the forced outcome (C in one probe run,
    D in the other), except that p = 0 / 1 give D / C without a draw, as in axelrod. Any
    other use of the generator (``random()``, ``uniform``, ...) refuses the conversion:
    its distribution cannot be read off exactly.
    """

    def __init__(self, force, C, D):
        self.force, self.C, self.D = force, C, D
        self.calls: list[float] = []

    def random_choice(self, p: float = 0.5):
        p = float(p)
        self.calls.append(p)
        if p == 0:
            return self.D
        if p == 1:
            return self.C
        return self.force

    def __getattr__(self, name: str):
        raise _Refuse(f"uses its random generator's {name!r}")


# Probe scripts: every history of 3 rounds (their prefixes give every history of 1 and 2
# rounds) and a few long random ones that visit each state many times over 250 rounds.
_SHORT_SCRIPTS = [list(s) for s in itertools.product(range(4), repeat=3)]
_LONG_SCRIPTS = [list(np.random.default_rng(20240601 + i).integers(0, 4, size=250)) for i in range(3)]


def _run_script(player, opponent_cls, attrs, script, rec):
    """Play ``player`` through a forced history; return [(state, recorded p's, action)]."""
    axl = _axl()
    C, D = axl.Action.C, axl.Action.D
    player.reset()
    player.set_match_attributes(**attrs)
    player._random = rec
    opponent = opponent_cls()
    out = []
    state = None
    for step in [*script, None]:
        rec.calls = []
        action = player.strategy(opponent)
        if action not in (C, D):
            raise _Refuse(f"returned {action!r}")
        out.append((state, tuple(rec.calls), action))
        if step is None:
            break
        own, other = (C, D)[step >> 1], (C, D)[step & 1]
        player.update_history(own, other)
        opponent.update_history(other, own)
        state = step
    return out


def _probe(player, attrs) -> tuple[tuple[float, float, float, float], float]:
    """Cooperation probabilities in the first round and after CC, CD, DC, DD, or _Refuse."""
    axl = _axl()
    C, D = axl.Action.C, axl.Action.D
    probs: dict[Any, set[float]] = {}
    for script in _SHORT_SCRIPTS + _LONG_SCRIPTS:
        run_c = _run_script(player, axl.MockPlayer, attrs, script, _RecordingRandom(C, C, D))
        run_d = _run_script(player, axl.MockPlayer, attrs, script, _RecordingRandom(D, C, D))
        for (state, calls_c, a_c), (_, calls_d, a_d) in zip(run_c, run_d, strict=True):
            if calls_c != calls_d:
                raise _Refuse("its random draws depend on earlier draws")
            if len(calls_c) > 1:
                raise _Refuse("it draws more than once per round")
            fractional = bool(calls_c) and 0.0 < calls_c[0] < 1.0
            if not fractional:
                if a_c != a_d:
                    raise _Refuse("its move depends on earlier random draws")
                prob = 1.0 if a_c == C else 0.0
            elif (a_c, a_d) == (C, D):
                prob = calls_c[0]
            elif (a_c, a_d) == (D, C):
                prob = 1.0 - calls_c[0]
            else:
                prob = 1.0 if a_c == C else 0.0
            probs.setdefault(state, set()).add(prob)
            if len(probs[state]) > 1:
                raise _Refuse(f"it responds differently to the same last round {state}")
    initial = probs[None].pop()
    vector = tuple(probs[s].pop() for s in range(4))
    return vector, initial


def from_axelrod(player, *, game: Any = None) -> MemoryOne | None:
    """A :class:`~coopsim.strategies.MemoryOne` that plays exactly like ``player``, or None.

    None when the player is not memory-one: its classifier gives a memory depth above 1 (or
    unknown / infinite), it inspects or manipulates its opponent or uses match attributes
    other than the game (e.g. the match length), or probing shows that it is not a fixed
    function of the last round.

    Probing (for every player, deterministic or stochastic): a clone is reset and driven
    through forced histories — every history of up to 3 rounds and three random histories of
    250 rounds — exactly as a noisy ``axelrod.Match`` would drive it (its ``strategy`` is
    called each round, then the *given* moves, not necessarily its own intended ones, are
    appended to both histories). Its random generator is replaced by a recorder:
    ``random_choice(p)`` is the one randomisation axelrod's memory-one players use, so the
    probability of C in each round is read off exactly (each history is run twice, with the
    draw forced to C and to D, to see how the move depends on it). The conversion is
    refused if a player uses its generator in any other way, draws more than once per
    round, or responds differently to the same last round at different times (e.g.
    ``RandomTitForTat``, which alternates, or ``CyclerDC``, which keeps cycling when noise
    flips its move). The probe is finite: a player that changed behaviour only after 250
    rounds, or only after some longer pattern, would go unnoticed.

    Game-dependent players (GTFT, ZD strategies) are read for ``game`` (a coopsim ``Game``
    or ``axelrod.Game``) or, by default, for the game in the player's match attributes
    (axelrod's (3, 0, 5, 1) unless it was set). Note that axelrod 4.13's ``GTFT()`` fixes its
    p from the default game when it is created and keeps it in every game (its
    ``receive_match_attributes`` only sets p while it is None): it converts to (1, 1/3, 1,
    1/3) whatever the game, because that is how it plays. The ZD players recompute their
    vectors for each game. The MemoryOne is named ``str(player)``, the name axelrod's
    tournaments use.

    A probe takes ~20 ms; results are cached by (class, init arguments, game, length),
    which is all a reset axelrod player's behaviour depends on.
    """
    if not is_axelrod_player(player):
        raise ParameterError("player", player, "an axelrod.Player instance")
    axl = _axl()
    cls = axl.Classifiers
    depth = cls["memory_depth"](player)
    try:
        if depth is None or not float(depth) <= 1:
            return None
    except (TypeError, ValueError):
        return None
    for key in ("inspects_source", "manipulates_source", "manipulates_state"):
        if cls[key](player):
            return None
    uses = set(cls["makes_use_of"](player) or ())
    if not uses <= {"game"}:
        return None
    probe = player.clone()
    attrs = dict(probe.match_attributes)
    if game is not None:
        attrs["game"] = axelrod_game(game)
    attrs["noise"] = 0
    key = _cache_key(player, attrs)
    if key is not None and key in _PROBED:
        found = _PROBED[key]
    else:
        try:
            found = _probe(probe, attrs)
        except _Refuse:
            found = None
        if key is not None:
            if len(_PROBED) >= 4096:
                _PROBED.clear()
            _PROBED[key] = found
    if found is None:
        return None
    vector, initial = found
    return MemoryOne(vector, initial, str(player))


# Probe results by (class, init arguments, game, length). axelrod rebuilds a player from
# its class and ``init_kwargs`` whenever it clones or resets it (every Match does), and the
# probe starts from such a reset, so these determine the result; repeated conversions (a
# tournament converting its players) then cost a dictionary look-up instead of ~20 ms.
_PROBED: dict[Any, Any] = {}


def _cache_key(player, attrs):
    try:
        key = (type(player), repr(sorted(player.init_kwargs.items())), tuple(attrs["game"].RPST()),
               attrs.get("length"))
        hash(key)
    except Exception:  # unhashable or unusual arguments: do not cache
        return None
    if " at 0x" in key[1]:  # an argument printed by identity: its repr does not fix its value
        return None
    return key


# --------------------------------------------------------------------------- slow path
def _as_player(x: Any, name: str):
    if isinstance(x, MemoryOne):
        return to_axelrod(x)
    if is_axelrod_player(x):
        return x.clone()
    raise ParameterError(name, x, "an axelrod.Player or a coopsim MemoryOne")


def play_match(
    player_a: Any,
    player_b: Any,
    game: Any,
    *,
    turns: int | None = None,
    continuation: float | None = None,
    noise: float = 0.0,
    seed: Any = None,
    match_attributes: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Play one match by axelrod's own rules (``axelrod.Match``); the slow, general path.

    ``player_a`` / ``player_b``: axelrod players (fresh clones are played; the originals are
    untouched) or MemoryOne strategies (converted with :func:`to_axelrod`). ``game``: a
    symmetric coopsim ``Game`` or an ``axelrod.Game``. Give ``turns`` (a fixed length) or
    ``continuation`` w in [0, 1) (after each round another follows with probability w).

    Randomness: one ``numpy.random.Generator`` from
    :func:`coopsim._random.as_seed_sequence` ``(seed)`` draws a 32-bit seed for
    ``axelrod.Match`` (which seeds its noise flips and the stochastic players from it) and,
    with ``continuation``, the match length T ~ Geometric(1 - w) on {1, 2, ...}. The match
    is then played with ``turns=T`` and match attributes ``length=inf``, so the players do
    not learn the length — as with axelrod's own ``prob_end``. axelrod's ``prob_end`` is not
    used because it draws the length from the Match's generator, whose stream is shared with
    the noise flips and players' seeds: the length would then not be a coopsim draw that
    can be reproduced or coupled with the fast engine, and could not be fixed independently
    of the play. The distribution is the same (axelrod's ``sample_length`` is geometric).

    ``match_attributes``: what the players are told, as ``axelrod.Match(match_attributes=...)``
    (keys ``length``, ``game``, ``noise``; e.g. ``{"length": -1}`` hides a fixed length from
    length-aware players, ``{"game": ...}`` tells them another game than the one scored; a
    coopsim ``Game`` is converted). By default axelrod's: the true length (``inf`` with
    ``continuation``), the game and the noise.

    Reproducibility: a given ``seed`` reproduces this function's matches, but axelrod's
    random sequences (a generator per player, seeded by the Match, and the Match's own for
    the noise flips) cannot be reproduced move by move by coopsim's batched engines: for
    stochastic strategies or noise, native play and this function agree in distribution,
    not match by match (deterministic strategies without noise agree move by move).

    Returns ``(actions_a, actions_b)``, int8 arrays of 0 = C / 1 = D (the moves actually
    played, after noise).
    """
    if turns is not None and continuation is not None:
        raise ParameterError("turns", turns, "None when continuation is given (choose one match length)")
    if turns is None and continuation is None:
        raise ParameterError("turns", turns, "a number of rounds, or give continuation")
    noise = check_probability("noise", noise)
    ss = as_seed_sequence(seed)
    rng = np.random.default_rng(ss)
    axl_seed = int(rng.integers(0, 2**32 - 1))
    axl = _axl()
    g = axelrod_game(game)
    a = _as_player(player_a, "player_a")
    b = _as_player(player_b, "player_b")
    if continuation is not None:
        w = check_probability("continuation", continuation)
        if w >= 1:
            raise ParameterError("continuation", continuation, "a probability in [0, 1)")
        length = int(rng.geometric(1.0 - w))
        attrs = {"length": math.inf, "game": g, "noise": noise}
    else:
        length = check_int("turns", turns, minimum=1)
        attrs = None
    if match_attributes is not None:
        if not isinstance(match_attributes, dict) or set(match_attributes) - {"length", "game", "noise"}:
            raise ParameterError("match_attributes", match_attributes, "a dict with keys among length, game, noise")
        extra = dict(match_attributes)
        if "game" in extra:
            extra["game"] = axelrod_game(extra["game"])
        attrs = {"length": length if attrs is None else attrs["length"], "game": g, "noise": noise, **extra}
    match = axl.Match((a, b), turns=length, game=g, noise=noise, seed=axl_seed, match_attributes=attrs)
    result = match.play()
    acts = np.array([(x.value, y.value) for x, y in result], dtype=np.int8).reshape(-1, 2)
    return acts[:, 0].copy(), acts[:, 1].copy()


# --------------------------------------------------------------------------- catalogue
@functools.lru_cache(maxsize=None)
def _catalogue() -> tuple[tuple[type, MemoryOne], ...]:
    axl = _axl()
    out = []
    for cls in axl.all_strategies:
        depth = cls.classifier.get("memory_depth", math.inf)
        if depth is None or depth > 1:
            continue
        try:
            player = cls()
        except Exception:  # a class that needs arguments: skip it
            continue
        m = from_axelrod(player)
        if m is not None:
            out.append((cls, m))
    return tuple(out)


def axelrod_strategies(filter: dict | Callable[[MemoryOne], bool] | None = None) -> list[type]:
    """axelrod strategy classes whose default instances convert to memory-one.

    ``filter``: None (all), an axelrod filterset dict (``{"stochastic": False}``, see
    ``axelrod.filtered_strategies``), or a callable that receives the converted MemoryOne
    (e.g. ``lambda m: m.is_deterministic``). The catalogue is computed once (it imports
    axelrod and probes every candidate) and cached. Convert with
    ``from_axelrod(cls())``; game-dependent ones (GTFT, ZD) depend on the game.
    """
    cat = _catalogue()
    if filter is None:
        return [c for c, _ in cat]
    if isinstance(filter, dict):
        keep = set(_axl().filtered_strategies(filter, strategies=[c for c, _ in cat]))
        return [c for c, _ in cat if c in keep]
    if callable(filter):
        return [c for c, m in cat if filter(m)]
    raise ParameterError("filter", filter, "None, an axelrod filterset dict or a callable on MemoryOne")
