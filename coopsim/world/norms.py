"""Axelrod's (1986) norms and metanorms games, vectorised over agents, events and runs.

Target T12 (Milner H4: norms and sanctions; H6: power, through the *dominance* variant).

The model (Axelrod 1986, *APSR* 80:1095-1111; re-implemented by Galán & Izquierdo 2005,
*JASSS* 8(3)2)
---------------------------------------------------------------------------------------
``n_agents`` agents (20) each carry two 3-bit genes: boldness ``B`` and vengefulness ``V``,
levels 0..7 read as probabilities 0/7 ... 7/7. One *generation*:

1. Every agent gets ``opportunities`` (4) chances to defect. For each chance a *chance of
   being seen* ``S ~ U(0, 1)`` is drawn; the agent defects iff ``S < B``.
2. A defection gives the defector ``T`` (+3) and every other agent ``H`` (-1).
3. Every other agent sees the defection with probability ``S`` (independently) and, if it
   sees it, punishes with probability equal to *its own* ``V``: the defector gets ``P``
   (-9) per punisher, the punisher pays ``E`` (-2).
4. Metanorms (``metanorms=True``): an agent who saw the defection and did *not* punish it
   can itself be seen, with the same probability ``S``, by each agent other than itself
   and the defector; an agent who sees that failure meta-punishes it with probability
   equal to its own ``V``: the non-punisher gets ``P'`` (-9) per meta-punisher, the
   meta-punisher pays ``E'`` (-2). (Meta-punishment is one level only: failing to
   meta-punish is not punished.)
5. Selection on the generation's total scores: an agent whose score is at least one
   standard deviation above the mean gets two offspring, one at least one SD below the mean
   gets none, every other agent one (``offspring_counts``). The offspring are then brought
   back to ``n_agents`` (``refill``, rule below).
6. Mutation: every one of the 6 bits of every offspring flips with probability
   ``mutation`` (0.01). Scores are reset and the next generation starts.

The initial population has independent uniform levels 0..7 for both genes.

Exact conventions (they matter; state them when reporting results)
------------------------------------------------------------------
* **Seeing and punishing** use one uniform draw ``u`` per (defection, observer) pair:
  seen iff ``u < S``, punish iff ``u < S * V`` — exactly "seen with probability S, then
  punish with probability V". Meta-punishment uses one uniform per (defection,
  non-punisher, observer) triple in the same way. The defector never observes, punishes
  or meta-punishes its own defection; nobody meta-punishes itself.
* **Standard deviation** is the population SD (divide by N). Ties count: ``score >= mean +
  SD`` gives two offspring, ``score <= mean - SD`` none, compared on ``z = (score -
  mean) / SD`` rounded to 9 decimals so that exact ties (e.g. a population split into two
  equal halves, where z = +-1 exactly) are not decided by floating-point rounding.
* **Refill / tie rule** (Axelrod does not say how the population is kept at 20; this is the
  rule Galán & Izquierdo describe for their re-implementation, §3.4 and note 4): the
  offspring are listed; while there are more than N, one offspring chosen uniformly at
  random is removed (so a uniformly random subset of N offspring survives); while there
  are fewer than N, one offspring chosen uniformly at random from the current list
  (including copies added before) is duplicated (a Pólya urn). If all scores are equal
  (SD = 0, where the rule is ambiguous) every agent gets two offspring and half of them
  are removed at random. Galán & Izquierdo warn that the long-run results depend on such
  details.
* **Regions** (Galán & Izquierdo): "established" iff mean B <= 2/7 and mean V >= 5/7;
  "collapsed" iff mean B >= 6/7 and mean V <= 1/7; "other" otherwise. They are computed
  from integer level sums, so the thresholds are exact.
* **Dominance** (H6; Axelrod's "dominance" mechanism): ``group_sizes`` splits the
  population into consecutive groups, e.g. ``(20, 10)`` = strong then weak, and
  ``group_punishment`` gives, per group, the payoff a member of that group receives *each
  time it is punished* (``P`` for that group; T12: strong -3, weak -9) — whoever punishes
  it. Everything else (who sees whom, ``E``, ``P'``, ``E'``) is the same for all, and all
  agents play in one population. Selection and refill run *within* each group, so group
  sizes stay fixed (the strong stay strong). ``NormsGame.dominance`` builds this variant.

Randomness and reproducibility
------------------------------
``run_norms(game, runs=R, seed=s)`` gives run ``i`` the generator of
``SeedSequence(s).spawn(R)[i]`` (constructed directly from the spawn key, so it does not
depend on ``R``), and every random number of run ``i`` is drawn from that generator alone,
in a fixed order per generation (chances of being seen, reactions to its defections,
meta-reactions, selection, mutation). Hence run ``i`` gives the same numbers whether it is
run alone (``runs=[i]``) or in a batch. The arithmetic is vectorised over runs, agents and
defection events; Python loops run only over runs when drawing (one call per run and
stage) and over the at most N steps of the Pólya refill.

Predicted direction (T12): norms alone do not hold (by generation 100 outcomes vary, later
drift to high boldness and low vengefulness); with metanorms a norm against defection is
established by generation 100 in most runs but usually collapses over long horizons.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from .._random import as_seed_sequence, child
from .._validation import ParameterError, check_int, check_probability, check_real

__all__ = [
    "NormsGame",
    "NormsResult",
    "GenerationTally",
    "run_norms",
    "generation_payoffs",
    "expected_payoffs",
    "offspring_counts",
    "refill",
    "mutate_levels",
    "classify_region",
    "LEVELS",
    "REGIONS",
]

#: Highest gene level: 3 bits, levels 0..7 read as k / 7.
LEVELS = 7
_BITS = 3
REGIONS = ("established", "collapsed", "other")


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


# ------------------------------------------------------------------ selection and mutation
def offspring_counts(scores: Any) -> np.ndarray:
    """Axelrod's rule: 2 offspring if score >= mean + SD, 0 if <= mean - SD, else 1.

    Along the last axis (one population per row); population SD (ddof = 0); the comparison
    is made on z = (score - mean) / SD rounded to 9 decimals, so exact ties at +-1 SD count.
    If all scores are equal (SD = 0) every agent gets 2 (Galán & Izquierdo's convention).

    >>> offspring_counts([0, 0, 0, 10]).tolist()       # mean 2.5, SD 4.33
    [1, 1, 1, 2]
    >>> offspring_counts([1, 1, 3, 3]).tolist()        # z = -1, -1, +1, +1 exactly
    [0, 0, 2, 2]
    >>> offspring_counts([5, 5, 5]).tolist()
    [2, 2, 2]
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim == 0 or x.shape[-1] == 0 or not np.all(np.isfinite(x)):
        raise ParameterError("scores", scores, "a non-empty array of finite numbers")
    mean = x.mean(-1, keepdims=True)
    sd = x.std(-1, keepdims=True)
    flat = np.ptp(x, axis=-1, keepdims=True) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.round((x - mean) / np.where(flat, 1.0, sd), 9)
    counts = np.where(z >= 1, 2, np.where(z <= -1, 0, 1))
    return np.where(flat, 2, counts).astype(np.int64)


def refill(counts: Any, removal_draws: Any, duplication_draws: Any) -> np.ndarray:
    """Bring offspring ``counts`` (R, N) to N offspring per row; returns new counts.

    Galán & Izquierdo's rule, given uniforms: if a row has M > N offspring, a uniformly
    random subset of N offspring survives (one at a time removal) — ``removal_draws``
    (R, 2N) are the random keys of the (up to 2 per agent) offspring slots, the N smallest
    keys survive. If M < N, the N - M missing places are filled one at a time by
    duplicating an offspring chosen uniformly from the current list (Pólya urn):
    ``duplication_draws`` (R, N), step t uses column t, position floor(u * (M + t)) in the
    list ordered by parent index.

    >>> refill([[2, 2, 1, 0]], [[0.1, 0.9, 0.2, 0.8, 0.5, 0.3, 0.4, 0.0]], [[0.0] * 4]).tolist()
    [[1, 2, 1, 0]]
    >>> refill([[0, 1, 1, 1]], [[0.5] * 8], [[0.99, 0, 0, 0]]).tolist()   # dup the last one
    [[0, 1, 1, 2]]
    """
    c = np.array(counts, dtype=np.int64, ndmin=2)
    R, N = c.shape
    if np.any(c < 0) or np.any(c > 2):
        raise ParameterError("counts", counts, "integers 0, 1 or 2")
    m = c.sum(1)
    if np.any(m == 0):
        raise ParameterError("counts", counts, "at least one offspring per row")
    ru = np.asarray(removal_draws, dtype=float).reshape(R, 2 * N)
    du = np.asarray(duplication_draws, dtype=float).reshape(R, N)
    out = c.copy()
    over = m > N
    if np.any(over):
        exists = np.stack([c[over] >= 1, c[over] >= 2], axis=-1).reshape(-1, 2 * N)
        keys = np.where(exists, ru[over], np.inf)
        order = np.argsort(keys, axis=1, kind="stable")[:, :N]  # the N smallest keys survive
        keep = np.zeros_like(exists)
        np.put_along_axis(keep, order, True, axis=1)
        out[over] = keep.reshape(-1, N, 2).sum(-1)
    under = m < N
    if np.any(under):
        cu = c[under]
        mu = m[under]
        du_u = du[under]
        dmax = int((N - mu).max())
        for t in range(dmax):
            active = (N - mu) > t
            length = mu + t
            pos = np.minimum((du_u[:, t] * length).astype(np.int64), length - 1)
            csum = np.cumsum(cu, axis=1)
            agent = (csum <= pos[:, None]).sum(1)
            cu[np.flatnonzero(active), agent[active]] += 1
        out[under] = cu
    return out


def mutate_levels(levels: Any, flip_draws: Any, mutation: float) -> np.ndarray:
    """Flip each of the 3 bits of every level independently with probability ``mutation``:
    ``flip_draws`` has shape levels.shape + (3,), bit ``b`` flips iff its draw < mutation.

    >>> mutate_levels([0, 7, 5], [[0, 1, 1], [1, 1, 0], [1, 1, 1]], 0.5).tolist()
    [1, 3, 5]
    """
    lv = np.asarray(levels, dtype=np.int64)
    flips = np.asarray(flip_draws, dtype=float) < mutation
    mask = (flips * (1 << np.arange(_BITS))).sum(-1)
    return lv ^ mask


def classify_region(mean_boldness: Any, mean_vengefulness: Any) -> np.ndarray:
    """Galán & Izquierdo's regions from mean levels as probabilities (k / 7 scale).

    >>> classify_region([1/7, 1.0, 0.5], [6/7, 0.0, 0.5]).tolist()
    ['established', 'collapsed', 'other']
    """
    mb = np.asarray(mean_boldness, dtype=float) * LEVELS
    mv = np.asarray(mean_vengefulness, dtype=float) * LEVELS
    eps = 1e-9
    est = (mb <= 2 + eps) & (mv >= 5 - eps)
    col = (mb >= 6 - eps) & (mv <= 1 + eps)
    return np.where(est, "established", np.where(col, "collapsed", "other"))


def _regions_from_sums(sum_b: np.ndarray, sum_v: np.ndarray, n: int) -> np.ndarray:
    est = (sum_b <= 2 * n) & (sum_v >= 5 * n)
    col = (sum_b >= 6 * n) & (sum_v <= n)
    return np.where(est, 0, np.where(col, 1, 2)).astype(np.int8)


# ------------------------------------------------------------------------------ the runner
@dataclass(frozen=True)
class NormsResult:
    """Outcome of ``run_norms``: tidy tables.

    * ``history``: one row per (run, generation, group): ``generation`` = number of
      completed generations (0 = initial population), ``mean_boldness`` and
      ``mean_vengefulness`` (probability scale, level / 7) of the population at that
      point, and its ``region``. With ``record_every > 1`` only every k-th generation
      (and the last) is kept.
    * ``events``: one row per (run, generation) for generations 1..G: ``defections``,
      ``punishments``, ``meta_punishments`` and ``mean_score`` of the generation played.
      (Not recorded when ``record_every > 1``.)
    * ``final``: one row per (run, group): the population after the last generation, with
      its region.
    * ``final_levels``: int array (runs, 2, n_agents) — every agent's final boldness (row 0)
      and vengefulness (row 1) level, 0..7.
    """

    game: NormsGame
    history: pd.DataFrame
    events: pd.DataFrame | None
    final: pd.DataFrame
    runs: tuple[int, ...]
    final_levels: np.ndarray = field(repr=False, default=None)
    seed_entropy: Any = field(default=None)

    def region_shares(self, generation: int | None = None) -> pd.DataFrame:
        """Share of runs in each region (per group) at ``generation`` (default: the last),
        with the binomial standard error sqrt(p (1 - p) / n)."""
        if generation is None:
            frame = self.final
        else:
            frame = self.history[self.history["generation"] == generation]
            if frame.empty:
                raise ParameterError("generation", generation, "a recorded generation of this result")
        rows = []
        for grp, sub in frame.groupby("group", sort=False):
            n = len(sub)
            for reg in REGIONS:
                p = float((sub["region"] == reg).mean())
                rows.append({"group": grp, "region": reg, "share": p, "se": float(np.sqrt(p * (1 - p) / n)), "runs": n})
        return pd.DataFrame(rows)

    def share(self, region: str = "established", generation: int | None = None, group: str | None = None) -> float:
        """Share of runs in ``region`` (for ``group``; default the first group)."""
        if region not in REGIONS:
            raise ParameterError("region", region, "one of " + ", ".join(REGIONS))
        tab = self.region_shares(generation)
        group = self.game.group_names[0] if group is None else group
        sel = tab[(tab["group"] == group) & (tab["region"] == region)]
        if sel.empty:
            raise ParameterError("group", group, "one of " + ", ".join(self.game.group_names))
        return float(sel["share"].iloc[0])


_RUNS_ALLOWED = "a positive integer or a non-empty sequence of distinct run indices >= 0"


def _run_indices(runs: Any) -> tuple[int, ...]:
    if isinstance(runs, numbers.Integral) and not isinstance(runs, bool):
        return tuple(range(check_int("runs", runs, minimum=1)))
    if isinstance(runs, (str, bytes)) or not isinstance(runs, (Sequence, np.ndarray)) or len(runs) == 0:
        raise ParameterError("runs", runs, _RUNS_ALLOWED)
    try:
        idx = tuple(check_int("runs", r, minimum=0) for r in runs)
    except ParameterError:
        raise ParameterError("runs", runs, _RUNS_ALLOWED) from None
    if len(set(idx)) != len(idx):
        raise ParameterError("runs", runs, "distinct run indices")
    return idx



def run_norms(
    game: NormsGame | None = None,
    *,
    runs: int | Sequence[int] = 1,
    seed: Any = None,
    record_every: int = 1,
    initial_levels: Any = None,
) -> NormsResult:
    """Run Axelrod's norms (or metanorms) game: independent runs, vectorised together.

    ``runs``: a number R (runs 0..R-1) or a sequence of run indices; run ``i`` always uses
    ``SeedSequence(seed).spawn(...)[i]``, so ``runs=[3]`` reproduces run 3 of ``runs=10``.
    ``seed``: None, an int, a SeedSequence or a Generator (see ``coopsim._random``).
    ``record_every``: keep every k-th generation in ``history`` (long runs).
    ``initial_levels``: optional int array (2, N) or (R, 2, N) of starting (B, V) levels
    0..7 instead of uniform random ones (the random initial draw is still consumed, so the
    later stream is unchanged).

    >>> res = run_norms(NormsGame(metanorms=True, generations=5), runs=3, seed=0)
    >>> sorted(res.final.columns)
    ['group', 'mean_boldness', 'mean_vengefulness', 'region', 'run']
    >>> len(res.history)        # 3 runs x 6 states (generations 0..5) x 1 group
    18
    """
    game = NormsGame() if game is None else game
    if not isinstance(game, NormsGame):
        raise ParameterError("game", game, "a NormsGame")
    run_ids = _run_indices(runs)
    record_every = check_int("record_every", record_every, minimum=1)
    root = as_seed_sequence(seed)
    gens = [child(root, i) for i in run_ids]
    R, N, O, G = len(run_ids), game.n_agents, game.opportunities, game.generations
    slices = game.group_slices

    # initial population: independent uniform levels (one draw block per run)
    init = np.stack([g.integers(0, LEVELS + 1, size=(2, N)) for g in gens])
    if initial_levels is not None:
        lv = np.asarray(initial_levels)
        if lv.shape == (2, N):
            lv = np.broadcast_to(lv, (R, 2, N))
        if lv.shape != (R, 2, N) or not np.issubdtype(lv.dtype, np.integer) or lv.min() < 0 or lv.max() > LEVELS:
            raise ParameterError(
                "initial_levels",
                f"array of shape {lv.shape}",
                f"integer levels 0..7 of shape (2, {N}) or ({R}, 2, {N})",
            )
        init = lv.astype(np.int64)
    b_lv = init[:, 0, :].astype(np.int64).copy()
    v_lv = init[:, 1, :].astype(np.int64).copy()

    def react_draws(r_e, o_e, i_e):
        counts = np.bincount(r_e, minlength=R)
        return np.concatenate([gens[r].random((int(counts[r]), N)) for r in range(R)])

    def meta_draws(r_q, o_q, i_q, k_q):
        counts = np.bincount(r_q, minlength=R)
        return np.concatenate([gens[r].random((int(counts[r]), N)) for r in range(R)])

    recorded: list[int] = []
    hist_b: list[np.ndarray] = []
    hist_v: list[np.ndarray] = []
    keep_events = record_every == 1
    ev_def = np.zeros((G, R), dtype=np.int64)
    ev_pun = np.zeros((G, R), dtype=np.int64)
    ev_meta = np.zeros((G, R), dtype=np.int64)
    ev_score = np.zeros((G, R))

    def record(gen: int) -> None:
        recorded.append(gen)
        hist_b.append(np.stack([b_lv[:, s].sum(1) for s in slices], axis=1))
        hist_v.append(np.stack([v_lv[:, s].sum(1) for s in slices], axis=1))

    record(0)
    for t in range(G):
        chance = np.stack([g.random((O, N)) for g in gens])
        scores, nd, npun, nmeta = _play_events(game, b_lv, v_lv, chance, react_draws, meta_draws)
        if keep_events:
            ev_def[t], ev_pun[t], ev_meta[t], ev_score[t] = nd, npun, nmeta, scores.mean(1)
        # selection within each group, then refill to the group's size
        sel = np.stack([g.random(3 * N) for g in gens])  # per group slice: 2n removal keys + n dup draws
        parents = np.empty((R, N), dtype=np.int64)
        for s in slices:
            n = s.stop - s.start
            counts = offspring_counts(scores[:, s])
            base = 3 * s.start
            new = refill(counts, sel[:, base : base + 2 * n], sel[:, base + 2 * n : base + 3 * n])
            csum = np.cumsum(new, axis=1)
            parents[:, s] = s.start + (csum[:, None, :] <= np.arange(n)[None, :, None]).sum(-1)
        b_lv = np.take_along_axis(b_lv, parents, axis=1)
        v_lv = np.take_along_axis(v_lv, parents, axis=1)
        flips = np.stack([g.random((2, N, _BITS)) for g in gens])
        b_lv = mutate_levels(b_lv, flips[:, 0], game.mutation)
        v_lv = mutate_levels(v_lv, flips[:, 1], game.mutation)
        if (t + 1) % record_every == 0 or t + 1 == G:
            record(t + 1)

    # ---- tidy tables
    names = np.asarray(game.group_names, dtype=object)
    sizes = np.asarray(game.group_sizes)
    K, Gr = len(recorded), len(slices)
    sb = np.stack(hist_b)  # (K, R, groups)
    sv = np.stack(hist_v)
    reg = _regions_from_sums(sb, sv, sizes[None, None, :])
    run_col = np.asarray(run_ids)
    history = pd.DataFrame(
        {
            "run": np.broadcast_to(run_col[None, :, None], (K, R, Gr)).ravel(),
            "generation": np.broadcast_to(np.asarray(recorded)[:, None, None], (K, R, Gr)).ravel(),
            "group": np.broadcast_to(names[None, None, :], (K, R, Gr)).ravel(),
            "mean_boldness": (sb / (LEVELS * sizes)).ravel(),
            "mean_vengefulness": (sv / (LEVELS * sizes)).ravel(),
            "region": np.asarray(REGIONS, dtype=object)[reg].ravel(),
        }
    )
    history["region"] = pd.Categorical(history["region"], categories=list(REGIONS))
    history = history.sort_values(["run", "group", "generation"], kind="stable").reset_index(drop=True)
    final = history[history["generation"] == recorded[-1]].drop(columns="generation").reset_index(drop=True)
    events = None
    if keep_events:
        events = pd.DataFrame(
            {
                "run": np.broadcast_to(run_col[None, :], (G, R)).ravel(),
                "generation": np.broadcast_to(np.arange(1, G + 1)[:, None], (G, R)).ravel(),
                "defections": ev_def.ravel(),
                "punishments": ev_pun.ravel(),
                "meta_punishments": ev_meta.ravel(),
                "mean_score": ev_score.ravel(),
            }
        ).sort_values(["run", "generation"], kind="stable").reset_index(drop=True)
    return NormsResult(game, history, events, final, run_ids, np.stack([b_lv, v_lv], axis=1), root.entropy)
