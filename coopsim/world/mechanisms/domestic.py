"""Beyond Milner — domestic politics: two-level games.

Putnam (1988, IO 42:427-460): an agreement struck abroad (level I) must be ratified at
home (level II); the *win-set* is the set of level-I agreements that would be ratified,
and a cooperative move outside it fails — *involuntary defection* (pp. 438-439).
Milner (1997, *Interests, Institutions, and Information*, ch. 3-4): divided government
(more veto players, more hawkish ones) makes cooperation less likely; *informed domestic
endorsers* whose signals the ratifiers trust can restore it (ch. 3-4).

Model. Each state has ``veto_players`` domestic veto players; each rejects a cooperative
move independently with probability r_i = h_i (1 - uncertainty * E_i), where h_i is its
hawkishness (``hawkishness``, or drawn uniformly on [h - spread, h + spread] clipped to
[0, 1]), ``uncertainty`` the share of that opposition that comes from not knowing
whether the agreement serves them, and E_i = 1 when the state has an informed endorser
(probability ``endorsers``), whose information removes that share. A move is ratified
when at least ceil(quorum * veto_players) veto players consent, so it fails with

    f_i = P(Binomial(veto_players, 1 - r_i) < ceil(quorum * veto_players)).

Each state plays its rule through the exact transformation p -> (1 - f_i) p of every
cooperation probability (the next round's state is the move actually made). States whose
f_i differ get one declared transformation per level; when there are more than
``levels`` distinct values, states are binned into ``levels`` groups of equal size by
rank of f_i and each group plays its mean failure level (``ratification_failure`` in the states table
is the level played).

Audience costs (pair games): a leader whose cooperative move was ratified at home and
met a defection abroad pays ``audience_cost`` (payoff units) per such round (CD from its
view): the home audience punishes the leader who was played for a sucker (Fearon 1994,
APSR 88:577-592).

Neutral: no veto players, or none hawkish (f = 0 for every state), and no audience cost.
Prediction: more veto players (divided government) -> less cooperation. Needs
individual states (refuses the replicator equation); audience costs need pair games.
Stream 3: hawkishness spread and endorsers are drawn once, in ``setup``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._validation import ParameterError, check_int, check_positive, check_probability
from .base import Mechanism


def failure_probability(veto_players: int, quorum: float, rejection) -> np.ndarray:
    """f = P(fewer than ceil(quorum * v) of v veto players consent), each rejecting with ``rejection``."""
    from scipy.stats import binom

    rejection = np.asarray(rejection, dtype=float)
    if veto_players == 0:
        return np.zeros_like(rejection)
    needed = max(1, math.ceil(quorum * veto_players - 1e-12))
    return binom.cdf(needed - 1, veto_players, 1.0 - rejection)


def bin_levels(f: np.ndarray, levels: int) -> np.ndarray:
    """States' failure levels, binned into at most ``levels`` groups of equal size by rank
    (each group's mean) when there are more distinct values than ``levels``."""
    if np.unique(f).size <= levels:
        return f.copy()
    order = np.argsort(f, kind="stable")
    out = np.empty_like(f)
    for group in np.array_split(order, levels):
        out[group] = f[group].mean()
    return out


@dataclass(frozen=True)
class Domestic(Mechanism):
    HYPOTHESIS = "B1"
    NAME = "domestic"
    PREDICTION = "divided government (more, more hawkish veto players) -> less cooperation; " \
                 "informed endorsers restore it"
    PARAMETER = "domestic.veto_players"
    DIRECTION = -1
    SOURCES = ("Putnam (1988) IO 42:427-460", "Milner (1997) Interests, Institutions, and Information, ch. 3-4",
               "Fearon (1994) APSR 88:577-592")

    veto_players: int = 0
    quorum: float = 1.0
    hawkishness: float = 0.2
    spread: float = 0.0
    endorsers: float = 0.0
    uncertainty: float = 0.5
    audience_cost: float = 0.0
    levels: int = 4

    STREAM = 3
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",)}

    def __post_init__(self) -> None:
        check_int("domestic.veto_players", self.veto_players, minimum=0, maximum=100)
        q = check_probability("domestic.quorum", self.quorum)
        if q == 0:
            raise ParameterError("domestic.quorum", self.quorum, "a share in (0, 1] (1: unanimity)")
        check_probability("domestic.hawkishness", self.hawkishness)
        check_probability("domestic.spread", self.spread)
        check_probability("domestic.endorsers", self.endorsers)
        check_probability("domestic.uncertainty", self.uncertainty)
        check_positive("domestic.audience_cost", self.audience_cost, strict=False)
        check_int("domestic.levels", self.levels, minimum=1, maximum=6)

    @property
    def ratifies(self) -> bool:
        """True when some cooperative move can fail ratification."""
        return self.veto_players > 0 and (self.hawkishness > 0 or self.spread > 0)

    @property
    def is_neutral(self) -> bool:
        return not self.ratifies and self.audience_cost == 0.0

    def check(self, scenario) -> None:
        super().check(scenario)
        if self.audience_cost > 0 and scenario.is_group_game:
            raise ParameterError("domestic.audience_cost", self.audience_cost,
                                 "0 in group games (the sucker's outcome of a leader is defined in 2x2 games)")

    # ------------------------------------------------------------------ behaviour
    def failures(self, hawkishness, endorser) -> np.ndarray:
        """Each state's probability that a cooperative move fails ratification."""
        rejection = np.asarray(hawkishness) * (1.0 - self.uncertainty * np.asarray(endorser, dtype=float))
        return failure_probability(self.veto_players, self.quorum, rejection)

    def lockstep(self, scenario) -> bool:
        """Runs share the ratification levels (one rule transformation per level) unless
        hawkishness is spread over states, which gives every run levels of its own."""
        return self.spread == 0 and (self.endorsers == 0 or self.levels >= 2)

    def setup(self, world, ns) -> None:
        n = world.n
        ns.hawk = np.full(n, self.hawkishness)
        ns.endorser = np.zeros(n, dtype=bool)
        ns.failure = np.zeros(n)
        ns.groups = []
        if not self.is_active:
            return
        rng = world.stream(self)
        if self.spread > 0:
            ns.hawk = np.clip(self.hawkishness + self.spread * rng.uniform(-1.0, 1.0, n), 0.0, 1.0)
        if self.endorsers > 0:
            ns.endorser = rng.random(n) < self.endorsers
        ns.failure = (np.concatenate([bin_levels(f, self.levels) for f in world.per_run(self.failures(ns.hawk, ns.endorser))])
                      if self.ratifies else np.zeros(n))  # binned within each run
        for i, level in enumerate(np.unique(ns.failure[ns.failure > 0])):
            name = f"ratification_{i}"
            world.declare_transform(name, lambda rows, keep=1.0 - float(level): rows * keep)
            ns.groups.append((name, ns.failure == level))

    def perceive(self, world, ns, sides) -> None:
        for name, states in ns.groups:
            sides.transform(states[sides.enc], name)

    def charges(self, world, ns, play) -> None:
        if self.audience_cost > 0:
            play.charges += self.audience_cost * play.per[..., 1]  # own C ratified, partner D

    def state_columns(self, world, ns) -> dict:
        return {"ratification_failure": ns.failure, "endorser": ns.endorser}
