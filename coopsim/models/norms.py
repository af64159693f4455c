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

The game's parameters, payoff bookkeeping and event engine are in
:mod:`coopsim.models.norms_game` (re-exported here); this module holds selection, refill,
mutation, regions and the runner.

Predicted direction (T12): norms alone do not hold (by generation 100 outcomes vary, later
drift to high boldness and low vengefulness); with metanorms a norm against defection is
established by generation 100 in most runs but usually collapses over long horizons.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._random import as_seed_sequence, child
from .._validation import ParameterError, check_int
from .norms_game import LEVELS, GenerationTally, NormsGame, _play_events, expected_payoffs, generation_payoffs

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

_BITS = 3  # bits per gene
REGIONS = ("established", "collapsed", "other")


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
