"""H4 — international regimes: information, decentralised and central enforcement, membership.

Milner (1992): norms, principles, rules and decision-making procedures at the centre of
cooperation. Keohane (1984, ch. 6): regimes matter by making behaviour visible
(monitoring) and by raising the cost of defection; enforcement is mostly decentralised.

**Standing** (Sugden 1986, ch. 6; Ohtsuki & Iwasa 2004; Panchanathan & Boyd 2004 for
groups). Every state has a good or bad standing in the regime's record. An encounter is
made public with probability ``monitoring``; then each side's standing is updated: a side
that cooperated in most rounds (share of C >= 1/2) is in good standing; a side that
defected is in bad standing unless its defection was *justified* — another side of the
encounter was in bad standing when it began. For a pair this is the classic standing
rule; for a group it is its natural extension (Panchanathan & Boyd 2004).

**Information.** Each member, in each encounter, knows the standings of the others with
probability ``monitoring`` (the regime's record is available to it). What it does with
that knowledge is ``exclusion``:

* ``"withhold"`` (default; every game): a member that knows a co-player in bad standing
  defects for the whole encounter (plays ALLD) — indirect reciprocity;
* ``"exclude"`` (public goods games): a side in bad standing known to at least one
  *other* member is denied its share of the pot, which is shared among the others
  (ostracism; a club good) — it still chooses whether to contribute.

**Enforcement**, in payoff units per round of the stage game:

* ``sanction``: a central fine per round of *unjustified* defection by a member, when
  the encounter is made public;
* ``peer_sanction`` / ``peer_cost``: every member punishes each co-player's unjustified
  defection in its own encounter (members see their own encounter; no monitoring needed):
  the defector pays ``peer_sanction`` per punishing member per round of defection, each
  punisher pays ``peer_cost`` per round of defection it punishes (Ostrom 1990, ch. 3;
  Fehr & Gächter 2000; Boyd, Gintis, Bowles & Richerson 2003);
* ``dues``: membership costs this much per round.

When a fine alone removes the dilemma: in a 2x2 game a fine f per round of defection makes
cooperation dominant once f >= T - R and f >= P - S (prisoner's dilemma (3, 0, 5, 1):
f >= 2); in a linear public goods game once f >= c (1 - r/n), the per-round gain from
withholding one's contribution (r/n = 0.75, c = 1: f >= 0.25). Below these the regime must
act through information or repeated play.

**Membership** (``membership``: initial share, drawn from the regime's stream). With
``membership_choice``, after strategy revision each state revises its membership with
probability ``revision_rate``: it compares its payoff (per round, per unit of capability)
with a random other state's and adopts that state's membership with the Fermi probability
1 / (1 + exp(-selection_intensity (π_other - π_self))); with probability ``mutation`` it
then picks a membership at random (1/2). Membership costs ``dues`` and peer costs and
exposes a member to central fines; it gives information. Records ``members`` (share of
members; 0 while the regime is neutral) and ``good_standing``.

Neutral: monitoring = sanction = dues = peer_sanction = peer_cost = 0 and no membership
choice (``membership`` and ``exclusion`` alone change nothing). Prediction: a stronger
regime -> more cooperation. Needs individual states (refuses the replicator equation);
``exclusion = "exclude"`` needs a public goods game.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import ParameterError, check_choice, check_positive, check_probability
from .. import dynamics
from .base import Mechanism
from .public_good import public_good_stake


@dataclass(frozen=True)
class Regime(Mechanism):
    HYPOTHESIS = "H4"
    NAME = "regime"
    PREDICTION = "stronger regime (monitoring, sanctions, membership) -> more cooperation"
    PARAMETER = "regime.monitoring"
    DIRECTION = +1
    SOURCES = ("Keohane (1984) After Hegemony", "Sugden (1986) The Economics of Rights, Co-operation and Welfare",
               "Ohtsuki & Iwasa (2004) J. Theor. Biol. 231:107", "Panchanathan & Boyd (2004) Nature 432:499",
               "Ostrom (1990) Governing the Commons", "Fehr & Gächter (2000) AER 90:980",
               "Boyd, Gintis, Bowles & Richerson (2003) PNAS 100:3531", "Axelrod (1986) APSR 80:1095")

    membership: float = 0.0
    monitoring: float = 0.0
    sanction: float = 0.0
    dues: float = 0.0
    exclusion: str = "withhold"
    peer_sanction: float = 0.0
    peer_cost: float = 0.0
    membership_choice: bool = False

    STREAM = 1
    PERIOD_COLUMNS = ("good_standing", "members")
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",)}

    def __post_init__(self) -> None:
        check_probability("regime.membership", self.membership)
        check_probability("regime.monitoring", self.monitoring)
        check_positive("regime.sanction", self.sanction, strict=False)
        check_positive("regime.dues", self.dues, strict=False)
        check_choice("regime.exclusion", self.exclusion, ("withhold", "exclude"))
        check_positive("regime.peer_sanction", self.peer_sanction, strict=False)
        check_positive("regime.peer_cost", self.peer_cost, strict=False)
        if not isinstance(self.membership_choice, (bool, np.bool_)):
            raise ParameterError("regime.membership_choice", self.membership_choice, "true or false")

    @property
    def is_neutral(self) -> bool:
        return (self.monitoring == 0 and self.sanction == 0 and self.dues == 0 and self.peer_sanction == 0
                and self.peer_cost == 0 and not self.membership_choice)

    def check(self, scenario) -> None:
        super().check(scenario)
        if self.is_active and self.exclusion == "exclude" and not (
                scenario.is_group_game and scenario.actors.game == "public_goods"):
            game = scenario.actors.game if scenario.is_group_game else scenario.game
            raise ParameterError("regime.exclusion", self.exclusion,
                                 f"'withhold' with game = {game!r}: exclusion denies a share of a public good's "
                                 "pot and acts only in public goods games")

    def lockstep(self, scenario) -> bool:
        return True

    # ------------------------------------------------------------------ behaviour
    #: may differ between the runs of a batch (coopsim.world.points)
    PER_RUN = ("monitoring",)

    def setup(self, world, ns) -> None:
        n = world.n
        ns.member = (world.stream(self).random(n) < self.membership if world.is_active(self)
                     else np.zeros(n, dtype=bool))
        ns.monitoring = world.param(self, "monitoring")  # a number, or one per run
        ns.good = np.ones(n, dtype=bool)
        world.add_column("good_standing")
        world.add_column("members")

    def withhold(self, world, ns, sides) -> None:
        enc = sides.enc
        bad = ~ns.good[enc]
        monitoring = world.per_encounter(ns.monitoring, sides.E)
        if not world.is_group:
            ns.bad_partner = bad[:, ::-1]
            knows = ns.member[enc] & (world.stream(self).random((sides.E, 2)) < monitoring)
            sides.override(knows & ns.bad_partner, "ALLD")
            return
        # justified: another side of the group was in bad standing when the encounter began
        ns.bad_partner = (bad.sum(1, keepdims=True) - bad) > 0
        on = world.runs_where(np.asarray(ns.monitoring) > 0, enc.shape)
        if on is not False:
            knows = ns.member[enc] & (world.stream(self).random_in(on, enc.shape) < monitoring)
            if self.exclusion == "withhold":
                sides.override(knows & ns.bad_partner, "ALLD")
            else:
                others_know = (knows.sum(1, keepdims=True) - knows) > 0
                sides.exclude(bad & others_know)

    def stakes(self, world, ns, play) -> None:
        if self.exclusion == "exclude" and play.excluded.any():
            # recomputed only in the runs where someone is excluded (as each run alone)
            runs = world.per_run(play.excluded).reshape(world.runs, -1).any(axis=1)
            stake = public_good_stake(world, play)
            play.stake = stake if runs.all() else np.where(np.repeat(runs, play.E // world.runs)[:, None], stake,
                                                           play.stake)

    def charges(self, world, ns, play) -> None:
        enc = play.enc
        member = ns.member[enc]
        play.charges += self.dues * member
        unjust = np.where(ns.bad_partner, 0.0, play.defect)
        if self.peer_sanction > 0 or self.peer_cost > 0:
            punishers = member.astype(float)
            play.charges += self.peer_sanction * unjust * (punishers.sum(1, keepdims=True) - punishers)
            play.charges += self.peer_cost * punishers * (unjust.sum(1, keepdims=True) - unjust)
        on = world.runs_where((self.sanction > 0) | (np.asarray(ns.monitoring) > 0), (play.E,))
        if on is not False:
            observed = world.stream(self).random_in(on, (play.E,)) < world.by_encounter(ns.monitoring, play.E)
            play.charges += self.sanction * unjust * (member & observed[:, None])
            obs = np.flatnonzero(observed)
            newgood = (play.coop[obs] >= 0.5) | ns.bad_partner[obs]
            ns.good[enc[obs].ravel()] = newgood.ravel()

    def attribute(self, world, ns, play) -> None:
        """Cooperation between regime members under monitoring (which sanctions also need)
        is *institutional*."""
        on = world.runs_where(np.asarray(ns.monitoring) > 0, (play.E, 1))
        if on is not False:
            play.attribute(np.broadcast_to(ns.member[play.enc].all(1)[:, None] & on, play.enc.shape), "institutional")

    def record(self, world, ns, t: int) -> None:
        world.records["good_standing"][t] = world.run_mean(ns.good)
        world.records["members"][t] = world.run_mean(ns.member)

    def adapt(self, world, ns, payoffs) -> None:
        if not self.membership_choice:
            return
        n, rng = world.n, world.stream(self)
        m, offset = world.n_states, world.offset  # a random other state of the same run
        r = rng.integers(0, m - 1, size=n)
        other = r + (r >= np.arange(n) - offset) + offset
        diff = payoffs.judge[other] - payoffs.judge
        s = world.by_state(world.param(None, "selection_intensity"))  # per state when it differs between runs
        prob = dynamics.fermi_probability(s, diff)
        rate = world.by_state(world.param(None, "revision_rate"))
        adopt = (rng.random(n) < rate) & (rng.random(n) < prob) & payoffs.played & payoffs.played[other]
        member = np.where(adopt, ns.member[other], ns.member)
        explore = rng.random(n) < world.by_state(world.param(None, "mutation"))
        member[explore] = rng.random_where(explore) < 0.5
        ns.member = member

    def state_columns(self, world, ns) -> dict:
        return {"member": ns.member, "good_standing": ns.good}
