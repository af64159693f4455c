"""H5 — epistemic communities.

Milner (1992), after Haas (1992, IO 46:1-35, pp. 3-4): an epistemic community is a
network of professionals with recognised expertise and an authoritative claim to
policy-relevant knowledge, who share normative and causal beliefs, notions of validity
and a common policy enterprise. Its influence runs through the *beliefs* of the
decision makers it advises: how they understand the problem, i.e. what game they think
they play. Jervis (1978) shows how the same security dilemma is a prisoner's dilemma or
a stag hunt depending on how states read each other's payoffs. Haas gives no formal model;
coopsim's operationalisation is a design choice, with three channels:

* **beliefs about the game** (the main channel): advised states judge payoffs in the game
  the community says they play. ``consensus`` gives its direction: ``"cooperative"``
  presents the game as an assurance game (stag hunt: mutual cooperation seen as the best
  outcome, R' = max(R, T), T' = min(R, T)); ``"defective"`` presents it as deadlock
  (mutual defection seen as better than mutual cooperation, R' = min(R, P),
  P' = max(R, P)); ``"none"`` advises the true game. ``accuracy`` (in [0, 1]) is the
  weight of the true game in what the community advises: the advised see
  accuracy · (R, S, T, P) + (1 − accuracy) · (consensus game). It acts through the
  ``perceived_payoffs`` hook: a state's perceived payoff is its play's occupancies of
  CC, CD, DC, DD (``play.per``) times the perceived payoffs, so it acts under update rules
  that compare perceived payoffs (Fermi) and is refused under the others.
* **perception noise** (second): ``misperception`` is the probability that an
  *unadvised* state misreads each move of its co-players (cf. target T5: noise destroys
  TFT's cooperation); advised states read moves correctly.
* ``payoff_bias``: how far *unadvised* states misread the stakes, in payoff units (they
  see T + bias and S − bias; in group games cooperation as costing ``bias`` more per
  round), so that, e.g., a stag hunt looks like a prisoner's dilemma.

``reach`` is the share of states advised at the start; ``diffusion`` the per-period
probability that an unadvised state becomes advised when it meets an advised state in an
encounter. Encounters come from the interaction structure, so advice travels along its
edges (on a network: only to neighbours; well mixed: to random partners).

Neutral: ``misperception = 0``, ``payoff_bias = 0`` and no belief channel
(``consensus = "none"`` or ``accuracy = 1``) — the default; reach then has no effect
(nobody has anything to be advised about). Prediction: wider reach of a *cooperative*
(or corrective) community -> more cooperation; a community spreading a *defective*
consensus is predicted to lower it (the sign then flips: Haas's communities are not
cooperative by definition).

Phases: ``setup`` draws the advised states; ``perceive`` makes the unadvised play their
rule through perception errors (an exact transformation of the rule: see
``coopsim.world.perception``); ``observe`` spreads advice by contact; ``perceived_payoffs``
shifts what advised (consensus) and unadvised (bias) states see. Records ``advised``.
Under the replicator equation the advised share follows a ← a + diffusion a (1 - a); the
belief channel and ``payoff_bias`` need an update rule that compares perceived payoffs and
are refused elsewhere; the belief channel needs 2x2 games (``play.per``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import check_choice, check_positive, check_probability
from .base import Mechanism

CONSENSUS = ("none", "cooperative", "defective")


def consensus_game(rstp, consensus: str) -> np.ndarray:
    """The payoffs (R, S, T, P) of the game a community with ``consensus`` says is played.

    ``"cooperative"``: assurance (stag hunt) order, R' = max(R, T), T' = min(R, T);
    ``"defective"``: deadlock order, R' = min(R, P), P' = max(R, P); ``"none"``: the truth.

    >>> consensus_game((3, 0, 5, 1), "cooperative").tolist(), consensus_game((3, 0, 5, 1), "defective").tolist()
    ([5.0, 0.0, 3.0, 1.0], [1.0, 0.0, 5.0, 3.0])
    """
    R, S, T, P = (float(x) for x in rstp)
    if consensus == "cooperative":
        return np.array([max(R, T), S, min(R, T), P])
    if consensus == "defective":
        return np.array([min(R, P), S, T, max(R, P)])
    return np.array([R, S, T, P])


@dataclass(frozen=True)
class Epistemic(Mechanism):
    HYPOTHESIS = "H5"
    NAME = "epistemic"
    PREDICTION = "wider reach of the epistemic community -> more cooperation"
    PARAMETER = "epistemic.reach"
    DIRECTION = +1
    SOURCES = ("Haas (1992) IO 46:1-35 (pp. 3-4)", "Jervis (1978) World Politics 30:167",
               "Nowak & Sigmund (1993) Nature 364:56")

    reach: float = 0.0
    misperception: float = 0.0
    diffusion: float = 0.0
    payoff_bias: float = 0.0
    consensus: str = "none"
    accuracy: float = 1.0

    STREAM = 2
    PERIOD_COLUMNS = ("advised",)

    def __post_init__(self) -> None:
        check_positive("epistemic.payoff_bias", self.payoff_bias, strict=False)
        check_probability("epistemic.reach", self.reach)
        check_probability("epistemic.misperception", self.misperception)
        check_probability("epistemic.diffusion", self.diffusion)
        check_choice("epistemic.consensus", self.consensus, CONSENSUS)
        check_probability("epistemic.accuracy", self.accuracy)

    @property
    def believes(self) -> bool:
        """True when the community advises a game other than the true one."""
        return self.consensus != "none" and self.accuracy < 1.0

    @property
    def is_neutral(self) -> bool:
        return self.misperception == 0.0 and self.payoff_bias == 0.0 and not self.believes

    # ------------------------------------------------------------------ behaviour
    def check(self, scenario) -> None:
        super().check(scenario)
        rule = scenario.update_rule()
        for name, on in (("payoff_bias", self.payoff_bias > 0), ("consensus", self.believes)):
            if on and rule.POPULATION != "finite":
                self.refuse_perceived(name, scenario.update, "selection acts on true payoffs")
            if on and not rule.PERCEIVED_PAYOFFS:
                self.refuse_perceived(name, scenario.update, "it compares true payoffs")
        if self.believes and scenario.is_group_game:
            from ..._validation import ParameterError

            raise ParameterError("epistemic.consensus", self.consensus,
                                 "'none' (or accuracy = 1) in group games: the advised game is a 2x2 game "
                                 "(R, S, T, P); use a 2x2 game or payoff_bias")

    def refuse_perceived(self, name: str, update: str, why: str) -> None:
        from ..._validation import ParameterError

        off = "0" if name == "payoff_bias" else "'none' (or accuracy = 1)"
        raise ParameterError(f"epistemic.{name}", getattr(self, name),
                             f"{off} with update = {update!r} ({why}); {name} acts through an update rule that "
                             "compares perceived payoffs, such as 'fermi'")

    def refuse_bias(self, update: str, why: str) -> None:
        self.refuse_perceived("payoff_bias", update, why)

    def lockstep(self, scenario) -> bool:
        return True

    #: may differ between the runs of a batch (coopsim.world.points)
    PER_RUN = ("reach",)

    def setup(self, world, ns) -> None:
        n, active = world.n, world.is_active(self)
        reach = world.by_state(world.param(self, "reach"))
        ns.advised = world.stream(self).random(n) < reach if active else np.ones(n, dtype=bool)
        if active:
            world.perception_error = self.misperception
        if self.believes:
            true = world.game.focal_payoffs
            ns.shift = (1.0 - self.accuracy) * (consensus_game(true, self.consensus) - true)
        world.add_column("advised")

    def perceive(self, world, ns, sides) -> None:
        if self.misperception > 0:
            sides.misperceive(~ns.advised[sides.enc])

    def record(self, world, ns, t: int) -> None:
        world.records["advised"][t] = world.run_mean(ns.advised)

    def observe(self, world, ns, play) -> None:
        if self.diffusion > 0:
            enc = play.enc
            any_adv = ns.advised[enc].any(1)
            catch = any_adv[:, None] & ~ns.advised[enc] & (world.stream(self).random(enc.shape) < self.diffusion)
            ns.advised[enc[catch]] = True

    def perceived_payoffs(self, world, ns, play):
        if self.payoff_bias <= 0 and not self.believes:
            return None
        advised = ns.advised.copy()
        bias = np.where(advised, 0.0, self.payoff_bias)
        if self.payoff_bias > 0:
            # the unadvised see the temptation as T + bias and the sucker's payoff as S - bias
            # (in group games cooperation as costing ``bias`` more per round)
            tilt = -play.coop if world.is_group else play.per[..., 2] - play.per[..., 1]
            tilt_state = play.per_state(tilt)
        else:
            tilt_state = np.zeros(world.n)
        # the advised judge the target's play in the advised game: occupancies x payoff shift
        shift_state = play.per_state(play.per @ ns.shift) if self.believes else np.zeros(world.n)

        def adjust(observers, targets, values):
            return values + bias[observers] * tilt_state[targets] + advised[observers] * shift_state[targets]

        return adjust

    def replicator_perception(self):
        """(error, advised share, its step per period, column) for the replicator equation."""
        d = self.diffusion
        return self.misperception, self.reach, (lambda a: a + d * a * (1 - a)), "advised"

    def state_columns(self, world, ns) -> dict:
        return {"advised": ns.advised}
