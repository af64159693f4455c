"""Axelrod's (1986) norms and metanorms game: its parameters and one generation's payoffs.

The game of target T12 (:mod:`coopsim.models.norms` has the model, its conventions, the
selection / mutation step and the runner): :class:`NormsGame` (Axelrod's defaults),
the deterministic bookkeeping :func:`generation_payoffs` for given draws, the exact
expectation :func:`expected_payoffs`, and the event-based engine that plays one
generation of many runs at once. Payoffs are the signed amounts received (T, H, P, E,
P', E'); boldness and vengefulness are probabilities level / 7.

Sources: Axelrod (1986) *APSR* 80:1095-1111; Galán & Izquierdo (2005) *JASSS* 8(3)2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .._validation import ParameterError, check_int, check_probability, check_real

__all__ = ["NormsGame", "GenerationTally", "generation_payoffs", "expected_payoffs", "LEVELS"]

#: Highest gene level: 3 bits, levels 0..7 read as k / 7.
LEVELS = 7

# --------------------------------------------------------------------------- parameters
def _check_bool(name: str, value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ParameterError(name, value, "True or False")


@dataclass(frozen=True)
class NormsGame:
    """Parameters of Axelrod's norms / metanorms game, with Axelrod's (1986) defaults.

    Payoffs are the signed amounts *received*: ``temptation`` T (+3) by a defector,
    ``hurt`` H (-1) by every other agent per defection, ``punishment`` P (-9) by a punished
    defector per punisher, ``enforcement`` E (-2) by the punisher, ``meta_punishment`` P'
    (-9) and ``meta_enforcement`` E' (-2) likewise for metanorms. ``mutation`` is the
    per-bit flip probability. ``group_sizes`` / ``group_punishment`` / ``group_names``
    define the dominance variant (see the module docstring); by default there is one group
    ``"all"`` and every punished agent receives ``punishment``.

    Validated on construction; errors name the field, the value and the allowed range.

    >>> NormsGame(metanorms=True).n_agents
    20
    >>> NormsGame(mutation=1.5)
    Traceback (most recent call last):
    ...
    coopsim._validation.ParameterError: mutation=1.5 is not allowed: a probability in [0, 1]
    """

    n_agents: int = 20
    opportunities: int = 4
    generations: int = 100
    metanorms: bool = False
    temptation: float = 3.0
    hurt: float = -1.0
    punishment: float = -9.0
    enforcement: float = -2.0
    meta_punishment: float = -9.0
    meta_enforcement: float = -2.0
    mutation: float = 0.01
    group_sizes: tuple[int, ...] | None = None
    group_punishment: tuple[float, ...] | None = None
    group_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_agents", check_int("n_agents", self.n_agents, minimum=3))
        set_(self, "opportunities", check_int("opportunities", self.opportunities, minimum=1))
        set_(self, "generations", check_int("generations", self.generations, minimum=0))
        set_(self, "metanorms", _check_bool("metanorms", self.metanorms))
        for name in ("temptation", "hurt", "punishment", "enforcement", "meta_punishment", "meta_enforcement"):
            set_(self, name, check_real(name, getattr(self, name)))
        set_(self, "mutation", check_probability("mutation", self.mutation))

        sizes, pun, names = self.group_sizes, self.group_punishment, self.group_names
        if sizes is None:
            if pun is not None:
                raise ParameterError("group_punishment", pun, "None unless group_sizes is given")
            if names is not None and tuple(names) != ("all",):
                raise ParameterError("group_names", names, "None (one group 'all') unless group_sizes is given")
            sizes, pun, names = (self.n_agents,), (self.punishment,), ("all",)
        else:
            if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) == 0:
                raise ParameterError("group_sizes", sizes, "a non-empty sequence of integers >= 2")
            try:
                sizes = tuple(check_int("group_sizes", s, minimum=2) for s in sizes)
            except ParameterError:
                raise ParameterError("group_sizes", self.group_sizes, "a non-empty sequence of integers >= 2") from None
            if sum(sizes) != self.n_agents:
                raise ParameterError(
                    "group_sizes", self.group_sizes, f"group sizes summing to n_agents={self.n_agents}"
                )
            if pun is None:
                pun = (self.punishment,) * len(sizes)
            if isinstance(pun, (str, bytes)) or not isinstance(pun, Sequence) or len(pun) != len(sizes):
                raise ParameterError("group_punishment", pun, f"a sequence of {len(sizes)} real numbers, one per group")
            try:
                pun = tuple(check_real("group_punishment", p) for p in pun)
            except ParameterError:
                raise ParameterError(
                    "group_punishment", self.group_punishment, f"a sequence of {len(sizes)} finite real numbers"
                ) from None
            if names is None:
                names = tuple(f"group{g}" for g in range(len(sizes)))
            if (
                isinstance(names, (str, bytes))
                or not isinstance(names, Sequence)
                or len(names) != len(sizes)
                or not all(isinstance(s, str) and s for s in names)
                or len(set(names)) != len(names)
            ):
                raise ParameterError("group_names", self.group_names, f"{len(sizes)} distinct non-empty strings")
        set_(self, "group_sizes", tuple(sizes))
        set_(self, "group_punishment", tuple(float(p) for p in pun))
        set_(self, "group_names", tuple(names))

    # -- derived -------------------------------------------------------------------------
    @property
    def group_slices(self) -> tuple[slice, ...]:
        """Consecutive index ranges of the groups."""
        edges = np.concatenate([[0], np.cumsum(self.group_sizes)])
        return tuple(slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True))

    @property
    def group_of(self) -> np.ndarray:
        """Group index of every agent, shape (n_agents,)."""
        return np.repeat(np.arange(len(self.group_sizes)), self.group_sizes)

    @property
    def punishment_received(self) -> np.ndarray:
        """``P`` received per punishment by each agent (group-specific), shape (n_agents,)."""
        return np.asarray(self.group_punishment, dtype=float)[self.group_of]

    @classmethod
    def dominance(
        cls,
        *,
        strong: int = 20,
        weak: int = 10,
        strong_punishment: float = -3.0,
        weak_punishment: float = -9.0,
        **kwargs: Any,
    ) -> "NormsGame":
        """Axelrod's dominance variant (T12, H6): a strong group of ``strong`` agents who
        receive only ``strong_punishment`` when punished, and a weak group of ``weak`` agents
        who receive ``weak_punishment``. Other parameters as keywords (e.g. ``metanorms``)."""
        strong = check_int("strong", strong, minimum=2)
        weak = check_int("weak", weak, minimum=2)
        return cls(
            n_agents=strong + weak,
            group_sizes=(strong, weak),
            group_punishment=(strong_punishment, weak_punishment),
            group_names=("strong", "weak"),
            **kwargs,
        )


# --------------------------------------------------------------------- payoff bookkeeping
@dataclass(frozen=True)
class GenerationTally:
    """One generation's bookkeeping, per agent (arrays of shape (..., n_agents)).

    ``payoff`` is the total score; the counts say how it arose: ``defections`` made,
    ``punished`` (times punished), ``punishing`` (punishments given), ``meta_punished``,
    ``meta_punishing``. With the game's payoffs,
    ``payoff = T*defections + H*(others' defections) + P_i*punished + E*punishing
    + P'*meta_punished + E'*meta_punishing``.
    """

    payoff: np.ndarray
    defections: np.ndarray
    punished: np.ndarray
    punishing: np.ndarray
    meta_punished: np.ndarray
    meta_punishing: np.ndarray


def _as_unit(name: str, x: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ParameterError(name, x, "probabilities in [0, 1]")
    return arr


def _as_bool(name: str, x: Any, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype != bool:
        raise ParameterError(name, f"array of dtype {arr.dtype}", "a boolean array")
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise ParameterError(name, f"array of shape {arr.shape}", f"a boolean array of shape {shape}") from None


def generation_payoffs(
    boldness: Any,
    vengefulness: Any,
    chance_seen: Any,
    seen: Any,
    punish: Any,
    meta_seen: Any = None,
    meta_punish: Any = None,
    *,
    game: NormsGame | None = None,
) -> GenerationTally:
    """Deterministic bookkeeping of one generation, for given strategies and given draws.

    Shapes (``...`` = any batch dimensions, e.g. runs; N agents, O opportunities):

    * ``boldness``, ``vengefulness``: (..., N) probabilities (level / 7);
    * ``chance_seen`` S: (..., O, N) — S[o, i] for agent i's o-th opportunity; i defects
      iff ``S < boldness[i]``;
    * ``seen``, ``punish``: bool (..., O, N, N) — [o, i, k]: observer k sees i's o-th
      defection, and k punishes it *if it sees it* (``punish`` is ignored where not seen);
    * ``meta_seen``, ``meta_punish``: bool (..., O, N, N, N) — [o, i, k, l]: agent l sees
      k's failure to punish i's o-th defection, and meta-punishes it if it sees it. Needed
      only when ``game.metanorms``.

    Entries for impossible events (an agent observing itself; the defector meta-punishing)
    are ignored, as are reactions to opportunities where nobody defected.

    >>> g = NormsGame(n_agents=3, opportunities=1)
    >>> S = np.array([[0.1, 0.9, 0.9]])            # only agent 0 defects (S < B = 2/7)
    >>> seen = np.ones((1, 3, 3), bool)             # everybody sees everything
    >>> punish = np.zeros((1, 3, 3), bool); punish[0, 0, 1] = True   # agent 1 punishes
    >>> generation_payoffs([2/7, 0, 0], [0, 4/7, 0], S, seen, punish, game=g).payoff
    array([-6., -3., -1.])
    """
    game = NormsGame() if game is None else game
    b = _as_unit("boldness", boldness)
    v = _as_unit("vengefulness", vengefulness)
    n = b.shape[-1]
    if v.shape != b.shape or n != game.n_agents:
        raise ParameterError(
            "vengefulness", f"shape {v.shape} (boldness {b.shape})", f"equal shapes (..., n_agents={game.n_agents})"
        )
    s = _as_unit("chance_seen", chance_seen)
    batch = b.shape[:-1]
    o = game.opportunities
    if s.shape != batch + (o, n):
        raise ParameterError("chance_seen", f"array of shape {s.shape}", f"shape {batch + (o, n)}")
    seen = _as_bool("seen", seen, batch + (o, n, n))
    punish = _as_bool("punish", punish, batch + (o, n, n))

    eye = np.eye(n, dtype=bool)
    defect = s < b[..., None, :]  # (..., O, N)
    reacting = defect[..., :, None] & seen & ~eye  # (..., O, i, k): k saw i's defection
    pun = reacting & punish
    ndef = defect.sum(axis=-2)  # (..., N)
    punished = pun.sum(axis=(-3, -1))
    punishing = pun.sum(axis=(-3, -2))
    meta_punished = np.zeros_like(ndef)
    meta_punishing = np.zeros_like(ndef)
    if game.metanorms:
        if meta_seen is None or meta_punish is None:
            raise ParameterError("meta_seen", meta_seen, "boolean arrays meta_seen and meta_punish when metanorms=True")
        shape4 = batch + (o, n, n, n)
        meta_seen = _as_bool("meta_seen", meta_seen, shape4)
        meta_punish = _as_bool("meta_punish", meta_punish, shape4)
        # allowed observers l of (i, k): l != k and l != i
        allowed = ~(eye[:, None, :] | eye[None, :, :])  # [i, k, l]
        shirk = reacting & ~punish  # saw and did not punish
        meta = shirk[..., None] & meta_seen & meta_punish & allowed
        meta_punished = meta.sum(axis=(-4, -3, -1))
        meta_punishing = meta.sum(axis=(-4, -3, -2))
    total_def = ndef.sum(axis=-1, keepdims=True)
    payoff = (
        game.temptation * ndef
        + game.hurt * (total_def - ndef)
        + game.punishment_received * punished
        + game.enforcement * punishing
        + game.meta_punishment * meta_punished
        + game.meta_enforcement * meta_punishing
    )
    return GenerationTally(payoff, ndef, punished, punishing, meta_punished, meta_punishing)


def expected_payoffs(boldness: Any, vengefulness: Any, game: NormsGame | None = None) -> np.ndarray:
    """Exact expected one-generation score of every agent, for given B and V (shape (..., N)).

    With S ~ U(0, 1), E[1{S < b}] = b, E[S 1{S < b}] = b^2 / 2, E[S^2 1{S < b}] = b^3 / 3:

    E[score_i] / O = T b_i + H sum_{j!=i} b_j + P_i b_i^2/2 sum_{k!=i} v_k
    + E v_i sum_{j!=i} b_j^2/2
    + [metanorms] P' (1 - v_i) sum_{j!=i} b_j^3/3 sum_{l!=i,j} v_l
    + [metanorms] E' v_i sum_{j!=i} b_j^3/3 sum_{k!=i,j} (1 - v_k).

    >>> round(float(expected_payoffs([2/7] * 20, [4/7] * 20)[0]), 4)   # norms, all (2/7, 4/7)
    -37.7843
    """
    game = NormsGame() if game is None else game
    b = _as_unit("boldness", boldness)
    v = _as_unit("vengefulness", vengefulness)
    if v.shape != b.shape or b.shape[-1] != game.n_agents:
        raise ParameterError(
            "vengefulness", f"shape {v.shape} (boldness {b.shape})", f"equal shapes (..., n_agents={game.n_agents})"
        )
    sb = b.sum(-1, keepdims=True)
    b2 = b**2 / 2
    sv = v.sum(-1, keepdims=True)
    per = (
        game.temptation * b
        + game.hurt * (sb - b)
        + game.punishment_received * b2 * (sv - v)
        + game.enforcement * v * (b2.sum(-1, keepdims=True) - b2)
    )
    if game.metanorms:
        b3 = b**3 / 3
        su = (1 - v).sum(-1, keepdims=True)
        # sum_{j != i} b3_j * (sum_{l != i, j} v_l) = sum_{j!=i} b3_j (sv - v_i - v_j)
        sb3 = b3.sum(-1, keepdims=True) - b3
        sb3v = (b3 * v).sum(-1, keepdims=True) - b3 * v
        sb3u = (b3 * (1 - v)).sum(-1, keepdims=True) - b3 * (1 - v)
        per = per + game.meta_punishment * (1 - v) * (sb3 * (sv - v) - sb3v)
        per = per + game.meta_enforcement * v * (sb3 * (su - (1 - v)) - sb3u)
    return game.opportunities * per


# ------------------------------------------------------------------ the event-based engine
def _play_events(
    game: NormsGame,
    b_lv: np.ndarray,
    v_lv: np.ndarray,
    chance_seen: np.ndarray,
    react_draws: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    meta_draws: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Play one generation in R runs at once, touching only the events that happen.

    ``b_lv``, ``v_lv``: int levels (R, N); ``chance_seen``: (R, O, N). ``react_draws(r, o, i)``
    returns uniforms of shape (D, N) for the D defections (run r, opportunity o, defector
    i, in C order); ``meta_draws(r, o, i, k)`` uniforms (Q, N) for the Q (defection,
    non-punisher k) pairs. Returns scores (R, N) and per-run counts of defections,
    punishments and meta-punishments. Same events as :func:`generation_payoffs` with
    ``seen = u < S``, ``punish = u < S * V_k`` (and likewise for meta-punishment).
    """
    R, N = b_lv.shape
    b = b_lv / LEVELS
    v = v_lv / LEVELS
    defect = chance_seen < b[:, None, :]
    r_e, o_e, i_e = np.nonzero(defect)
    n_ev = r_e.size
    scores = np.zeros(R * N)
    nd = np.bincount(r_e, minlength=R)
    scores += np.repeat(game.hurt * nd, N)
    n_pun = np.zeros(R, dtype=np.int64)
    n_meta = np.zeros(R, dtype=np.int64)
    if n_ev == 0:
        return scores.reshape(R, N), nd, n_pun, n_meta
    s_e = chance_seen[r_e, o_e, i_e]
    u = react_draws(r_e, o_e, i_e)
    rows = np.arange(n_ev)
    seen = u < s_e[:, None]
    seen[rows, i_e] = False
    pun = seen & (u < s_e[:, None] * v[r_e])
    per_def = pun.sum(1)
    flat_i = r_e * N + i_e
    p_recv = game.punishment_received[i_e]
    scores += np.bincount(flat_i, weights=game.temptation - game.hurt + p_recv * per_def, minlength=R * N)
    cols = (r_e[:, None] * N + np.arange(N)).ravel()
    scores += game.enforcement * np.bincount(cols, weights=pun.ravel(), minlength=R * N)
    n_pun = np.bincount(r_e, weights=per_def, minlength=R).astype(np.int64)
    if game.metanorms:
        q_e, q_k = np.nonzero(seen & ~pun)
        if q_e.size:
            qr, qi = r_e[q_e], i_e[q_e]
            um = meta_draws(qr, o_e[q_e], qi, q_k)
            qs = s_e[q_e][:, None]
            mp = (um < qs) & (um < qs * v[qr])
            qrows = np.arange(q_e.size)
            mp[qrows, q_k] = False
            mp[qrows, qi] = False
            per_q = mp.sum(1)
            scores += game.meta_punishment * np.bincount(qr * N + q_k, weights=per_q, minlength=R * N)
            qcols = (qr[:, None] * N + np.arange(N)).ravel()
            scores += game.meta_enforcement * np.bincount(qcols, weights=mp.ravel(), minlength=R * N)
            n_meta = np.bincount(qr, weights=per_q, minlength=R).astype(np.int64)
    return scores.reshape(R, N), nd, n_pun, n_meta
