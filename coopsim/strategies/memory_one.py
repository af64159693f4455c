"""Memory-one strategies for the iterated 2-player game.

Conventions
-----------
* A **memory-one** strategy is ``(p_CC, p_CD, p_DC, p_DD)`` plus ``initial``: the
  probability of cooperating after a round in which the focal player played the *first*
  letter and the co-player the *second*, and the probability of cooperating in the first
  round. It is always written from the focal player's own perspective: when the
  co-player ``q`` reads the focal state CD it looks up its own entry ``q_DC``
  (Press & Dyson 2012; Nowak & Sigmund 1993).
* A **reactive** strategy (p, q) cooperates with probability p after the co-player's C
  and q after its D: the memory-one vector (p, q, p, q) (Nowak & Sigmund 1992).

Every strategy has a ``classifier`` dict in the spirit of axelrod's
(``memory_depth``, ``stochastic``, ``reactive``, ``reciprocating``, ...).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .._validation import ParameterError, check_probabilities, check_probability, check_real
from ..games import Game

__all__ = [
    "MemoryOne",
    "reactive",
    "ALLC",
    "ALLD",
    "TFT",
    "STFT",
    "WSLS",
    "GRIM",
    "RANDOM",
    "gtft",
    "zero_determinant",
    "extortionate",
    "generous_zd",
    "equalizer",
    "CLASSICS",
    "classic",
    "as_array",
]


@dataclass(frozen=True, eq=False)
class MemoryOne:
    """A memory-one strategy (p_CC, p_CD, p_DC, p_DD) with first-move probability ``initial``.

    >>> TFT.vector, TFT.initial
    ((1.0, 0.0, 1.0, 0.0), 1.0)
    >>> TFT.classifier["memory_depth"], TFT.classifier["stochastic"]
    (1, False)
    """

    vector: tuple[float, float, float, float]
    initial: float = 1.0
    name: str = ""

    def __post_init__(self) -> None:
        vec = check_probabilities(f"{self.name or 'strategy'} vector (p_CC, p_CD, p_DC, p_DD)", self.vector, 4)
        object.__setattr__(self, "vector", tuple(float(x) for x in vec))
        object.__setattr__(self, "initial", check_probability(f"{self.name or 'strategy'} initial", self.initial))

    # -- array views -----------------------------------------------------------
    @property
    def array(self) -> np.ndarray:
        """The 5-vector (p_CC, p_CD, p_DC, p_DD, initial) used by the engines."""
        return np.array([*self.vector, self.initial])

    @property
    def classifier(self) -> dict:
        v = np.array(self.vector)
        stochastic = bool(np.any((v > 0) & (v < 1)) or 0 < self.initial < 1)
        if np.all(v == v[0]):
            depth = 0 if (self.initial == v[0]) else 1
        else:
            depth = 1
        reactive_ = bool(v[0] == v[2] and v[1] == v[3])
        return {
            "memory_depth": depth,
            "stochastic": stochastic,
            "reactive": reactive_,
            # rewards C and punishes D after its own cooperation: p_CC > p_CD
            "reciprocating": bool(v[0] > v[1]),
            "makes_use_of": set(),
            "long_run_time": False,
            "inspects_source": False,
            "manipulates_source": False,
            "manipulates_state": False,
        }

    @property
    def is_deterministic(self) -> bool:
        return not self.classifier["stochastic"]

    def with_initial(self, initial: float) -> "MemoryOne":
        return MemoryOne(self.vector, initial, self.name)

    def seen_by_coplayer(self) -> np.ndarray:
        """This strategy's vector indexed by the *co-player's* states CC, CD, DC, DD."""
        p = self.vector
        return np.array([p[0], p[2], p[1], p[3]])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MemoryOne) and self.vector == other.vector and self.initial == other.initial

    def __hash__(self) -> int:
        return hash((self.vector, self.initial))

    def __repr__(self) -> str:
        vec = ", ".join(f"{x:.4g}" for x in self.vector)
        label = f"{self.name}: " if self.name else ""
        return f"MemoryOne({label}({vec}), initial={self.initial:.4g})"

    def __str__(self) -> str:
        return self.name or repr(self)


def reactive(p: float, q: float, initial: float | None = None, name: str = "") -> MemoryOne:
    """Reactive strategy (p, q): P(C | co-player's C) = p, P(C | co-player's D) = q.

    The first move defaults to p (cooperate as if the co-player had cooperated).
    """
    p = check_probability("p", p)
    q = check_probability("q", q)
    return MemoryOne((p, q, p, q), p if initial is None else initial, name or f"Reactive({p:.3g}, {q:.3g})")


ALLC = MemoryOne((1, 1, 1, 1), 1, "ALLC")
"""Always cooperate (axelrod: Cooperator)."""
ALLD = MemoryOne((0, 0, 0, 0), 0, "ALLD")
"""Always defect (axelrod: Defector)."""
TFT = MemoryOne((1, 0, 1, 0), 1, "TFT")
"""Tit-for-tat: cooperate first, then copy the co-player's last move (axelrod: TitForTat)."""
STFT = MemoryOne((1, 0, 1, 0), 0, "STFT")
"""Suspicious tit-for-tat: TFT that defects first (axelrod: SuspiciousTitForTat)."""
WSLS = MemoryOne((1, 0, 0, 1), 1, "WSLS")
"""Win-stay lose-shift / Pavlov (Nowak & Sigmund 1993; axelrod: WinStayLoseShift)."""
GRIM = MemoryOne((1, 0, 0, 0), 1, "GRIM")
"""Memory-one grim trigger: cooperate until any defection, then defect.

Without noise it plays exactly as axelrod's Grudger (which has unbounded memory); with
noise it differs: after its *own* erroneous defection against a cooperator it defects
forever, whereas Grudger only reacts to the co-player's defections.
"""
RANDOM = MemoryOne((0.5, 0.5, 0.5, 0.5), 0.5, "RANDOM")
"""Cooperate with probability 1/2 every round (axelrod: Random(0.5))."""


def gtft(game: Game | None = None, q: float | None = None) -> MemoryOne:
    """Generous tit-for-tat (1, q): forgiveness q defaults to the game's q* (Nowak & Sigmund 1992).

    q* = min(1 - (T-R)/(R-S), (R-P)/(T-P)); 1/3 for Axelrod's payoffs (3, 0, 5, 1).
    """
    if q is None:
        game = game if game is not None else Game(3, 0, 5, 1)
        q = game.gtft_forgiveness()
    return reactive(1.0, q, 1.0, name="GTFT")


def zero_determinant(game: Game, chi: float, phi: float | None = None, baseline: float | None = None,
                     name: str = "ZD", initial: float = 1.0) -> MemoryOne:
    """Zero-determinant strategy enforcing s_X - l = chi (s_Y - l) (Press & Dyson 2012).

    p - (1, 1, 0, 0) = phi [(S_X - l) - chi (S_Y - l)] with S_X = (R, S, T, P),
    S_Y = (R, T, S, P), baseline l (P: extortion; R: generosity, Stewart & Plotkin 2013).
    ``phi`` defaults to half its largest feasible value.
    """
    chi = check_real("chi", chi)
    if chi < 1:
        raise ParameterError("chi", chi, "a number >= 1")
    R, S, T, P = game.rstp
    l = P if baseline is None else check_real("baseline", baseline)
    if not P <= l <= R:
        raise ParameterError("baseline", l, f"a payoff between P={P:g} and R={R:g}")
    sx = np.array([R, S, T, P]) - l
    sy = np.array([R, T, S, P]) - l
    direction = sx - chi * sy
    offset = np.array([1.0, 1.0, 0.0, 0.0])
    # feasible phi: 0 <= offset + phi*direction <= 1
    upper = np.inf
    for o, d in zip(offset, direction):
        if d > 0:
            upper = min(upper, (1 - o) / d)
        elif d < 0:
            upper = min(upper, (0 - o) / d)
    if not np.isfinite(upper) or upper <= 0:
        raise ParameterError("chi", chi, "a value for which a zero-determinant strategy exists in this game")
    if phi is None:
        phi = upper / 2
    phi = check_real("phi", phi)
    if not 0 < phi <= upper + 1e-15:
        raise ParameterError("phi", phi, f"a number in (0, {upper:.6g}] for chi={chi:g}")
    p = np.clip(offset + phi * direction, 0.0, 1.0)
    return MemoryOne(tuple(p), initial, name)


def extortionate(game: Game, chi: float = 3.0, phi: float | None = None) -> MemoryOne:
    """Extortionate ZD strategy: s_X - P = chi (s_Y - P). For Axelrod's game and chi = 3,
    phi = 1/26 gives (11/13, 1/2, 7/26, 0) (Press & Dyson 2012)."""
    return zero_determinant(game, chi, phi, baseline=game.P, name=f"Extort({chi:g})")


def generous_zd(game: Game, chi: float = 2.0, phi: float | None = None) -> MemoryOne:
    """Generous ZD strategy: s_X - R = chi (s_Y - R) (Stewart & Plotkin 2013)."""
    return zero_determinant(game, chi, phi, baseline=game.R, name=f"GenerousZD({chi:g})")


def equalizer(game: Game, p1: float, p4: float, initial: float = 1.0) -> MemoryOne:
    """Equalizer: fixes the co-player's long-run payoff whatever it does (Press & Dyson 2012).

    p2 = [p1(T-P) - (1+p4)(T-R)]/(R-P), p3 = [(1-p1)(P-S) + p4(R-S)]/(R-P);
    the enforced payoff is s_Y = [(1-p1)P + p4 R]/[(1-p1) + p4].
    """
    R, S, T, P = game.rstp
    p1 = check_probability("p1", p1)
    p4 = check_probability("p4", p4)
    p2 = (p1 * (T - P) - (1 + p4) * (T - R)) / (R - P)
    p3 = ((1 - p1) * (P - S) + p4 * (R - S)) / (R - P)
    if not (0 <= p2 <= 1 and 0 <= p3 <= 1):
        raise ParameterError("(p1, p4)", (p1, p4), f"values giving p2, p3 in [0, 1] (got {p2:.4g}, {p3:.4g})")
    return MemoryOne((p1, p2, p3, p4), initial, "Equalizer")


CLASSICS: dict[str, MemoryOne] = {s.name: s for s in (ALLC, ALLD, TFT, STFT, WSLS, GRIM, RANDOM, gtft())}


def classic(name: str) -> MemoryOne:
    """A named classic by name: ALLC, ALLD, TFT, STFT, WSLS, GRIM, RANDOM, GTFT."""
    key = name.upper()
    if key not in CLASSICS:
        raise ParameterError("strategy", name, "one of " + ", ".join(CLASSICS))
    return CLASSICS[key]


def as_array(strategies: MemoryOne | Sequence[MemoryOne] | np.ndarray, name: str = "strategies") -> np.ndarray:
    """Stack strategies into a float array of shape (K, 5): p_CC, p_CD, p_DC, p_DD, initial.

    Accepts MemoryOne objects, a sequence of them, or an array with last axis 5 (or 4,
    in which case the first move is taken as p_CC, i.e. as if after mutual cooperation).
    """
    if isinstance(strategies, MemoryOne):
        return strategies.array[None, :]
    if isinstance(strategies, np.ndarray) and strategies.dtype != object:
        arr = np.asarray(strategies, dtype=float)
    else:
        seq = list(strategies)
        if seq and all(isinstance(s, MemoryOne) for s in seq):
            return np.stack([s.array for s in seq])
        try:
            arr = np.asarray(seq, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(name, strategies, "MemoryOne strategies or an array of shape (K, 4) or (K, 5)") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.shape[-1] == 4:
        arr = np.concatenate([arr, arr[..., :1]], axis=-1)
    if arr.shape[-1] != 5:
        raise ParameterError(name, f"array of shape {arr.shape}",
                             "memory-one vectors of length 4 (p_CC, p_CD, p_DC, p_DD) or 5 (+ initial)")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ParameterError(name, "array with entries outside [0, 1]", "probabilities in [0, 1]")
    return arr
