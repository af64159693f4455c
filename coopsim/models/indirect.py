"""Indirect reciprocity through monitoring: discriminators against ALLD (target T11; H4).

Milner's H4 (international regimes) acts here through Keohane's *information function*: a
regime makes states' records known. Model of Nowak & Sigmund (1998, 2005) in the form of
Nowak (2006, *Science* 314:1560, Table 1, "indirect reciprocity" row).

The model
---------
``n_states`` states (100) of two types: **discriminators** (``DISCRIMINATOR = 0``) and
**ALLD** (``ALLD = 1``). Donation game: a donor who helps pays ``cost`` c, the recipient
gains ``benefit`` b.

* **Knowledge.** In every donor-recipient interaction the donor knows the recipient's
  reputation with probability ``monitoring`` q (independently per interaction): what the
  regime's monitoring provides.
* **Action rule** (:func:`donates`): ALLD never helps; a discriminator helps *unless it
  knows that the recipient is bad*. Not knowing, it helps (gives the benefit of the doubt).
* **Assessment rule** (how reputations arise; ``assessment``):

  - ``"type"`` (default): a state's reputation is its type as revealed by its past
    behaviour — ALLD are bad, discriminators good — fixed, whatever happens in the
    current generation. This is the assumption behind Nowak's Table 1 matrix, and the only
    rule for which :func:`payoff_matrix` is defined.
  - ``"standing"`` (Sugden 1986; Ohtsuki & Iwasa 2004): public standing updated after every
    round from the donor's action: helping gives good standing; refusing gives bad
    standing, *unless* the recipient was in bad standing (justified refusal keeps good
    standing).
  - ``"image_scoring"`` (Nowak & Sigmund 1998, binary image): good iff the last action as
    donor was to help; refusing a bad recipient therefore also costs a discriminator its
    image.

  With the dynamic rules every action is assessed by a public observer (only the donor's
  *use* of the reputation is limited by q); all states start a simulation in good standing
  and keep their reputation when they change type.

Interactions and payoffs (conventions; they change results)
------------------------------------------------------------
* A **generation**: ``rounds`` rounds; in every round every state acts once as donor
  towards a uniformly random *other* state (no self-interaction), so a state receives
  ``rounds`` donation opportunities on average. All donors of a round act simultaneously
  on the reputations at the start of the round (with ``"type"`` reputations do not change
  within a generation).
* A state's **payoff** is accumulated over the generation and reported **per round**
  (total / ``rounds``): its expectation for a type-i state is ``sum_j f_j A[i, j]``, where
  ``f_j`` is the share of type j among the *other* states and ``A`` the pair matrix below.
* **Pair matrix** (:func:`payoff_matrix`): ``A[i, j]`` = expected payoff of a type-i state
  from a pair of interactions with a type-j state in which each side is donor once,
  enumerated over donor type x recipient type x knowledge event (known / unknown). Under
  ``"type"`` assessment this gives Nowak's Table 1: discriminator ``(b - c, -c(1 - q))``,
  ALLD ``(b(1 - q), 0)``.
* **Strategy revision** after each generation (pairwise comparison, Fermi rule; Szabó &
  Tőke 1998, Traulsen et al. 2006): every state independently revises with probability
  ``revision_rate``; a reviser picks a uniformly random other state as model and copies the
  model's type with probability ``1 / (1 + exp(-selection_intensity * (pi_model -
  pi_self)))`` (per-round payoffs of the generation just played). All revisions use the
  same payoffs and take effect together (synchronous). Then every state independently
  **mutates** with probability ``mutation``: it switches to the other type.

Table 1 conditions (:func:`table1_conditions`, :func:`matrix_conditions`): the
discriminator is an ESS iff b/c > 1/q, risk-dominant iff b/c > (2 - q)/q, and
advantageous (one-third rule, rho > 1/N for large N, weak selection) iff
b/c > (3 - 2q)/q; for b/c = 3 the thresholds are q = 1/3, 1/2, 3/5
(:func:`critical_monitoring`).

Randomness and reproducibility
------------------------------
``simulate_indirect(model, runs=R, seed=s)`` gives run ``i`` the generator of
``SeedSequence(s).spawn(...)[i]`` (built from the spawn key, so it does not depend on
``R``: run ``i`` gives the same numbers in a batch of 3 or of 30). Each generation, run
``i`` draws one block of uniforms from its own generator, in a fixed layout: knowledge
(rounds x n), recipients (rounds x n), revising (n), model (n), adoption (n), mutation (n).
Recipients and models are ``(i + 1 + floor(u (n - 1))) mod n`` (uniform over the others).
The arithmetic is vectorised over runs, rounds and states; Python loops run only over
generations, over runs when drawing, and over rounds for the dynamic assessment rules.
"""
from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._random import as_seed_sequence, child
from .._validation import ParameterError, check_choice, check_int, check_probability, check_real

__all__ = [
    "DISCRIMINATOR",
    "ALLD",
    "TYPE_NAMES",
    "ASSESSMENT_RULES",
    "IndirectReciprocity",
    "Generation",
    "donates",
    "payoff_matrix",
    "matrix_conditions",
    "table1_conditions",
    "critical_monitoring",
    "play_generation",
    "simulate_indirect",
]

DISCRIMINATOR, ALLD = 0, 1
TYPE_NAMES = ("discriminator", "alld")
ASSESSMENT_RULES = ("type", "standing", "image_scoring")


# --------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class IndirectReciprocity:
    """Parameters of the indirect-reciprocity model (see the module docstring).

    ``monitoring`` is q, the probability that a donor knows the recipient's reputation;
    ``rounds`` the number of donor turns per state per generation; ``selection_intensity``
    the Fermi selection strength (not a continuation probability); ``revision_rate`` the
    probability that a state revises its strategy after a generation; ``mutation`` the
    probability that a state switches to the other type after revision.

    Validated on construction; errors name the field, the value and the allowed range.

    >>> IndirectReciprocity(monitoring=0.8).n_states
    100
    >>> IndirectReciprocity(monitoring=1.2)
    Traceback (most recent call last):
    ...
    coopsim._validation.ParameterError: monitoring=1.2 is not allowed: a probability in [0, 1]
    """

    n_states: int = 100
    benefit: float = 3.0
    cost: float = 1.0
    monitoring: float = 0.5
    rounds: int = 10
    selection_intensity: float = 1.0
    revision_rate: float = 0.1
    mutation: float = 0.001
    assessment: str = "type"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_states", check_int("n_states", self.n_states, minimum=2))
        for name in ("benefit", "cost", "selection_intensity"):
            v = check_real(name, getattr(self, name))
            if v < 0:
                raise ParameterError(name, getattr(self, name), "a finite number >= 0")
            set_(self, name, v)
        set_(self, "monitoring", check_probability("monitoring", self.monitoring))
        set_(self, "rounds", check_int("rounds", self.rounds, minimum=1))
        set_(self, "revision_rate", check_probability("revision_rate", self.revision_rate))
        set_(self, "mutation", check_probability("mutation", self.mutation))
        check_choice("assessment", self.assessment, ASSESSMENT_RULES)

    def payoff_matrix(self) -> np.ndarray:
        """Shortcut for :func:`payoff_matrix` ``(self)``."""
        return payoff_matrix(self)


def _check_model(model: Any) -> IndirectReciprocity:
    if model is None:
        return IndirectReciprocity()
    if not isinstance(model, IndirectReciprocity):
        raise ParameterError("model", model, "an IndirectReciprocity instance")
    return model


# --------------------------------------------------------------------------- the rules
def donates(discriminator, knows, recipient_good):
    """The action rule, vectorised: does the donor help?

    ALLD (``discriminator`` False) never helps; a discriminator helps unless it knows
    (``knows`` True) that the recipient is bad (``recipient_good`` False).

    >>> bool(donates(True, True, False)), bool(donates(True, False, False)), bool(donates(False, True, True))
    (False, True, False)
    """
    return np.logical_and(discriminator, np.logical_not(np.logical_and(knows, np.logical_not(recipient_good))))


def _good_by_type(types: np.ndarray) -> np.ndarray:
    """The ``"type"`` assessment: discriminators good, ALLD bad."""
    return np.asarray(types) == DISCRIMINATOR


def _assess(rule: str, helped: np.ndarray, recipient_good: np.ndarray) -> np.ndarray:
    """New public reputation of the donors under a dynamic assessment rule."""
    if rule == "standing":
        return helped | ~recipient_good
    return helped.copy()  # image scoring


def payoff_matrix(model: IndirectReciprocity | None = None) -> np.ndarray:
    """Expected pair payoffs ``A[i, j]`` (i, j in DISCRIMINATOR, ALLD), from the model's rules.

    ``A[i, j]`` is the expected payoff of a type-i state from two interactions with a type-j
    state, one with each as donor, with independent knowledge events: the sum over the
    four joint events (i knows / not) x (j knows / not) of their probabilities times
    ``-c * donates(i -> j) + b * donates(j -> i)``, with reputations from the ``"type"``
    assessment. It equals Nowak's (2006) Table 1: ``[[b - c, -c(1 - q)], [b(1 - q), 0]]``.

    >>> payoff_matrix(IndirectReciprocity(benefit=3, cost=1, monitoring=0.5)).tolist()
    [[2.0, -0.5], [1.5, 0.0]]
    """
    model = _check_model(model)
    if model.assessment != "type":
        raise ParameterError("assessment", model.assessment,
                             "'type' for the exact pair matrix (reputations fixed by type, as in Nowak's Table 1); "
                             "the dynamic rules have no closed-form matrix — simulate them")
    b, c, q = model.benefit, model.cost, model.monitoring
    A = np.zeros((2, 2))
    events = ((True, q), (False, 1.0 - q))
    for i in (DISCRIMINATOR, ALLD):
        for j in (DISCRIMINATOR, ALLD):
            good_i, good_j = bool(_good_by_type(i)), bool(_good_by_type(j))
            for knows_i, p_i in events:  # i as donor towards j
                for knows_j, p_j in events:  # j as donor towards i
                    gives = bool(donates(i == DISCRIMINATOR, knows_i, good_j))
                    gets = bool(donates(j == DISCRIMINATOR, knows_j, good_i))
                    A[i, j] += p_i * p_j * (-c * gives + b * gets)
    return A


def matrix_conditions(matrix) -> dict[str, bool]:
    """Conditions for row/column 0 (e.g. the discriminator) in a 2x2 matrix [[a, b], [c, d]].

    ``ess``: a > c (or a == c and b > d); ``risk_dominant``: a + b > c + d;
    ``advantageous`` (one-third rule, large N, weak selection): a + 2b > c + 2d.
    """
    A = np.asarray(matrix, dtype=float)
    if A.shape != (2, 2) or not np.all(np.isfinite(A)):
        raise ParameterError("matrix", matrix, "a finite 2x2 payoff matrix")
    (a, b), (c, d) = A
    return {
        "ess": bool(a > c or (a == c and b > d)),
        "risk_dominant": bool(a + b > c + d),
        "advantageous": bool(a + 2 * b > c + 2 * d),
    }


def _exact(name: str, value: Any):
    """Keep rationals (int, Fraction) exact; anything else becomes a checked float."""
    if isinstance(value, numbers.Rational) and not isinstance(value, bool):
        return value
    return check_real(name, value)


def table1_conditions(benefit_cost_ratio, monitoring) -> dict[str, bool]:
    """Nowak's (2006) Table 1 conditions for discriminators vs ALLD, in closed form.

    ESS: b/c > 1/q; risk-dominant: b/c > (2 - q)/q; advantageous: b/c > (3 - 2q)/q,
    evaluated as ``q r > 1``, ``q r > 2 - q``, ``q r > 3 - 2q`` (no division; q = 0
    gives False). Integers and ``fractions.Fraction`` are kept exact.

    >>> table1_conditions(3, 0.55)
    {'ess': True, 'risk_dominant': True, 'advantageous': False}
    """
    r = _exact("benefit_cost_ratio", benefit_cost_ratio)
    if r < 0:
        raise ParameterError("benefit_cost_ratio", benefit_cost_ratio, "a number >= 0")
    q = _exact("monitoring", monitoring)
    if not 0 <= q <= 1:
        raise ParameterError("monitoring", monitoring, "a probability in [0, 1]")
    return {"ess": bool(q * r > 1), "risk_dominant": bool(q * r > 2 - q), "advantageous": bool(q * r > 3 - 2 * q)}


def critical_monitoring(benefit_cost_ratio) -> dict[str, Any]:
    """Monitoring levels above which each Table 1 condition holds: q > c/b (ESS),
    q > 2c/(b + c) (risk-dominant), q > 3c/(b + 2c) (advantageous). Values above 1 mean
    the condition cannot hold.

    >>> from fractions import Fraction
    >>> critical_monitoring(Fraction(3))
    {'ess': Fraction(1, 3), 'risk_dominant': Fraction(1, 2), 'advantageous': Fraction(3, 5)}
    """
    r = _exact("benefit_cost_ratio", benefit_cost_ratio)
    if not r > 0:
        raise ParameterError("benefit_cost_ratio", benefit_cost_ratio, "a number > 0")
    return {"ess": 1 / r, "risk_dominant": 2 / (r + 1), "advantageous": 3 / (r + 2)}


# --------------------------------------------------------------------------- one generation
@dataclass(frozen=True)
class Generation:
    """One generation of play (from :func:`play_generation`), per run r:

    * ``payoff[r, i]``: state i's payoff per round (total / rounds);
    * ``interactions[r, i, j]``: donor-recipient interactions with a type-i donor and a
      type-j recipient; ``donations[r, i, j]``: how many of them the donor helped;
    * ``reputation[r, i]``: public reputations at the end (True = good).
    """

    payoff: np.ndarray
    interactions: np.ndarray
    donations: np.ndarray
    reputation: np.ndarray

    def help_rates(self) -> np.ndarray:
        """Pooled share of interactions (donor type x recipient type) in which the donor helped."""
        n = self.interactions.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.donations.sum(axis=0) / n


def _others(u: np.ndarray, n: int) -> np.ndarray:
    """Uniform other state from uniforms u in [0, 1): (i + 1 + floor(u (n - 1))) mod n."""
    return (np.arange(n) + 1 + (u * (n - 1)).astype(np.int64)) % n


def _play(model: IndirectReciprocity, types: np.ndarray, good: np.ndarray, u_know: np.ndarray,
          u_recip: np.ndarray, tally: bool):
    """Play one generation for all runs. types/good: (R, n); u_know/u_recip: (R, rounds, n)."""
    R, n = types.shape
    T = model.rounds
    recip = _others(u_recip, n)  # (R, T, n)
    knows = u_know < model.monitoring
    disc = types == DISCRIMINATOR
    if model.assessment == "type":
        rec_good = np.take_along_axis(good, recip.reshape(R, T * n), axis=1).reshape(R, T, n)
        helps = donates(disc[:, None, :], knows, rec_good)
    else:
        helps = np.empty((R, T, n), dtype=bool)
        good = good.copy()
        for t in range(T):  # reputations change between rounds
            rec_good = np.take_along_axis(good, recip[:, t], axis=1)
            helps[:, t] = donates(disc, knows[:, t], rec_good)
            good = _assess(model.assessment, helps[:, t], rec_good)
    given = helps.sum(axis=1)  # (R, n)
    flat = (np.arange(R)[:, None, None] * n + recip).ravel()
    received = np.bincount(flat, weights=helps.ravel(), minlength=R * n).reshape(R, n)
    payoff = (model.benefit * received - model.cost * given) / T
    inter = dons = None
    if tally:
        rec_type = np.take_along_axis(types, recip.reshape(R, T * n), axis=1).reshape(R, T, n)
        cell = (np.arange(R)[:, None, None] * 4 + 2 * types[:, None, :] + rec_type).ravel()
        inter = np.bincount(cell, minlength=4 * R).reshape(R, 2, 2)
        dons = np.bincount(cell, weights=helps.ravel(), minlength=4 * R).reshape(R, 2, 2).astype(np.int64)
    return helps, payoff, good, inter, dons


def _block_layout(model: IndirectReciprocity) -> tuple[int, ...]:
    n, T = model.n_states, model.rounds
    return (T * n, T * n, n, n, n, n)



def _initial_types(model: IndirectReciprocity, initial: Any, runs: int) -> np.ndarray:
    n = model.n_states
    arr = np.asarray(initial) if not isinstance(initial, numbers.Real) else None
    if arr is None:
        share = check_probability("initial", initial)
        k = int(round(share * n))
        row = np.where(np.arange(n) < k, DISCRIMINATOR, ALLD).astype(np.int64)
        return np.tile(row, (runs, 1))
    if arr.shape not in ((n,), (runs, n)) or not np.issubdtype(arr.dtype, np.integer) \
            or arr.size == 0 or arr.min() < 0 or arr.max() > 1:
        raise ParameterError("initial", f"array of shape {arr.shape}",
                             f"a share of discriminators in [0, 1], or types 0/1 of shape ({n},) or ({runs}, {n})")
    return np.broadcast_to(arr, (runs, n)).astype(np.int64)


def play_generation(model: IndirectReciprocity | None, types, *, seed: Any = None, reputation=None) -> Generation:
    """Play one generation (no strategy revision) for fixed ``types``.

    ``types``: ints 0 (discriminator) / 1 (ALLD), shape (n_states,) or (runs, n_states);
    ``reputation``: optional starting reputations (bool, same shape; default: by type for
    ``"type"``, all good otherwise — ignored under ``"type"``). Run r uses
    ``SeedSequence(seed).spawn(...)[r]`` and the first two parts of the generation block
    (knowledge, recipients), as :func:`simulate_indirect` does.
    """
    model = _check_model(model)
    t = np.asarray(types)
    if t.ndim == 1:
        t = t[None, :]
    if t.ndim != 2 or t.shape[1] != model.n_states:
        raise ParameterError("types", f"array of shape {np.shape(types)}", f"shape ({model.n_states},) or (runs, {model.n_states})")
    R = t.shape[0]
    if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() > 1:
        raise ParameterError("types", f"array of dtype {t.dtype} with values {np.unique(t)[:4]}",
                             "integer types 0 (discriminator) / 1 (ALLD)")
    t = t.astype(np.int64)
    if model.assessment == "type" or reputation is None:
        good = _good_by_type(t) if model.assessment == "type" else np.ones_like(t, dtype=bool)
    else:
        good = np.broadcast_to(np.asarray(reputation, dtype=bool), t.shape).copy()
    root = as_seed_sequence(seed)
    Tn = model.rounds * model.n_states
    u = np.stack([child(root, r).random(2 * Tn) for r in range(R)])
    shape = (R, model.rounds, model.n_states)
    _, payoff, good, inter, dons = _play(model, t, good, u[:, :Tn].reshape(shape), u[:, Tn:].reshape(shape), True)
    return Generation(payoff=payoff, interactions=inter, donations=dons, reputation=good)


def _revise(model: IndirectReciprocity, types: np.ndarray, payoff: np.ndarray, u_rev, u_model, u_adopt, u_mut):
    """Fermi pairwise comparison for a ``revision_rate`` share of states, then mutation."""
    n = types.shape[1]
    models = _others(u_model, n)
    diff = np.take_along_axis(payoff, models, axis=1) - payoff
    prob = 0.5 * (1.0 + np.tanh(0.5 * model.selection_intensity * diff))  # 1/(1+exp(-s diff))
    adopt = (u_rev < model.revision_rate) & (u_adopt < prob)
    new = np.where(adopt, np.take_along_axis(types, models, axis=1), types)
    return np.where(u_mut < model.mutation, 1 - new, new)


def simulate_indirect(
    model: IndirectReciprocity | None = None,
    *,
    generations: int = 200,
    runs: int = 1,
    initial: Any = 0.9,
    seed: Any = None,
) -> pd.DataFrame:
    """Simulate ``runs`` independent populations for ``generations`` generations.

    ``initial``: the share of discriminators at the start (the first ``round(share *
    n_states)`` states; positions do not matter in this well-mixed model), or an int array
    of types of shape (n_states,) or (runs, n_states). ``seed``: None, an int, a
    SeedSequence or a Generator; run i uses ``SeedSequence(seed).spawn(...)[i]``.

    Returns a tidy DataFrame, one row per (run, generation) for generations
    0..generations-1, describing the population that *played* that generation:
    ``discriminators`` (share), ``cooperation`` (share of donor turns in which the donor
    helped), ``payoff`` (mean payoff per round) and ``payoff_discriminator`` /
    ``payoff_alld`` (mean per-round payoff of each type, NaN if absent).
    ``df.attrs["model"]`` holds the parameters.

    >>> df = simulate_indirect(IndirectReciprocity(n_states=10, rounds=2), generations=3, runs=2, seed=0)
    >>> list(df.columns)
    ['run', 'generation', 'discriminators', 'cooperation', 'payoff', 'payoff_discriminator', 'payoff_alld']
    >>> len(df)
    6
    """
    model = _check_model(model)
    G = check_int("generations", generations, minimum=1)
    R = check_int("runs", runs, minimum=1)
    types = _initial_types(model, initial, R)
    root = as_seed_sequence(seed)
    gens = [child(root, r) for r in range(R)]
    n, T = model.n_states, model.rounds
    layout = _block_layout(model)
    cuts = np.cumsum(layout)[:-1]
    buf = np.empty((R, sum(layout)))
    good = _good_by_type(types) if model.assessment == "type" else np.ones((R, n), dtype=bool)

    share = np.empty((G, R))
    coop = np.empty((G, R))
    pay = np.empty((G, R))
    pay_d = np.empty((G, R))
    pay_a = np.empty((G, R))
    for g in range(G):
        for r, gen in enumerate(gens):
            gen.random(out=buf[r])
        u_know, u_recip, u_rev, u_model, u_adopt, u_mut = np.split(buf, cuts, axis=1)
        disc = types == DISCRIMINATOR
        n_disc = disc.sum(axis=1)
        helps, payoff, good, _, _ = _play(model, types, good, u_know.reshape(R, T, n), u_recip.reshape(R, T, n), False)
        share[g] = n_disc / n
        coop[g] = helps.mean(axis=(1, 2))
        pay[g] = payoff.mean(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            pay_d[g] = np.where(n_disc > 0, (payoff * disc).sum(axis=1) / n_disc, np.nan)
            pay_a[g] = np.where(n_disc < n, (payoff * ~disc).sum(axis=1) / (n - n_disc), np.nan)
        types = _revise(model, types, payoff, u_rev, u_model, u_adopt, u_mut)
        if model.assessment == "type":
            good = _good_by_type(types)

    df = pd.DataFrame({
        "run": np.tile(np.arange(R), G),
        "generation": np.repeat(np.arange(G), R),
        "discriminators": share.ravel(),
        "cooperation": coop.ravel(),
        "payoff": pay.ravel(),
        "payoff_discriminator": pay_d.ravel(),
        "payoff_alld": pay_a.ravel(),
    }).sort_values(["run", "generation"], kind="stable").reset_index(drop=True)
    df.attrs["model"] = asdict(model)
    return df
