"""H1 — reciprocity.

Milner (1992): states expect gains from cooperation and fear losses, even sanctions, if
they defect. Model: reciprocating strategies (those that reward C and punish D: TFT,
GTFT, WSLS, GRIM; conditional cooperators in groups) in the initial population and in the
mutation kernel (the strategies mutants draw from), and their generosity (GTFT's
forgiveness q).

Two parameterisations of the kernel, which exclude each other:

* ``share`` — the share of reciprocators; the rest is spread over the other strategies.
  Raising it also lowers the share of *defecting* strategies, so its effect mixes
  "more reciprocity" with "more cooperators at the start".
* the **matched contrast** ``conditional`` (with ``cooperators``) — the strategy set is cut
  into three classes by an explicit rule (:func:`strategy_classes`):

  - *nice* strategies (Axelrod 1984: never the first to defect) cooperate in the first
    round and after mutual cooperation — memory-one: p0 = 1 and p_CC = 1; group rules:
    first move C and C after a round in which everyone cooperated;
  - *reciprocators* are the nice strategies with the reciprocator flag of
    ``coopsim.strategies.registry`` (``is_reciprocator``: p_CC > p_CD for objects);
  - *unconditional cooperators* are the other nice strategies (they never retaliate after
    their own cooperation: p_CC = p_CD = 1, e.g. ALLC);
  - *defecting* strategies are all the others (ALLD, STFT, RANDOM, EXTORT, ...).

  ``cooperators`` is the kernel's weight on nice strategies (None: their weight under the
  uniform kernel, i.e. the share of nice strategies in the set); ``conditional`` is the
  share of reciprocators *among* them. Varying ``conditional`` therefore holds the
  initial (and mutant) share of cooperators fixed and changes only whether cooperators
  reciprocate. Within a class the weight is uniform; ``conditional = None`` with
  ``cooperators`` set spreads ``cooperators`` uniformly over the nice strategies.

Keohane (1986) distinguishes *specific* reciprocity (exchanges of equivalent value with a
specific partner, in sequence) from *diffuse* reciprocity (contributing to a community's
general standing of good conduct). The reciprocators here practise specific reciprocity:
they answer the co-player's own last move(s). Diffuse reciprocity — answering a partner's
conduct towards others — is indirect reciprocity by standing, which is what the regime's
monitoring (H4, ``coopsim.world.mechanisms.regimes``) and ``coopsim.models.indirect``
model; H1 does not duplicate it.

Neutral: ``share = conditional = cooperators = None`` — uniform over the strategy set;
``generosity = None`` — GTFT uses the game's q* (Nowak & Sigmund 1992). Prediction: more
reciprocity makes cooperation more likely.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import ParameterError, check_probability
from .base import Mechanism

#: the registered strategies flagged as reciprocators (see coopsim.strategies.registry)
RECIPROCATORS = ("TFT", "GTFT", "WSLS", "GRIM", "CondCoop")

#: class codes of :func:`strategy_classes`
DEFECTING, UNCONDITIONAL, CONDITIONAL = 0, 1, 2
CLASS_NAMES = ("defecting", "unconditional cooperator", "reciprocator")


def is_nice(rules: np.ndarray, group: bool) -> np.ndarray:
    """Nice rules (Axelrod 1984: never the first to defect), per engine row.

    Memory-one rows (p_CC, p_CD, p_DC, p_DD, p0): p0 = 1 and p_CC = 1. Flat group rows (the
    (2, n) table after own C / own D by number of cooperating others, then the first move):
    first move 1 and C after own C with all n - 1 others cooperating (entry n - 1).
    """
    rules = np.asarray(rules, dtype=float)
    if group:
        n = (rules.shape[1] - 1) // 2
        return (rules[:, -1] == 1.0) & (rules[:, n - 1] == 1.0)
    return (rules[:, 4] == 1.0) & (rules[:, 0] == 1.0)


def strategy_classes(rules: np.ndarray, reciprocators, group: bool) -> np.ndarray:
    """Class of each strategy: ``CONDITIONAL`` (nice reciprocator), ``UNCONDITIONAL`` (nice,
    not a reciprocator) or ``DEFECTING`` (not nice); see the module docstring."""
    nice = is_nice(rules, group)
    recip = np.asarray(reciprocators, dtype=bool)
    return np.where(nice, np.where(recip, CONDITIONAL, UNCONDITIONAL), DEFECTING)


@dataclass(frozen=True)
class Reciprocity(Mechanism):
    HYPOTHESIS = "H1"
    NAME = "reciprocity"
    PREDICTION = "more reciprocating states -> more cooperation"
    PARAMETER = "reciprocity.share"
    DIRECTION = +1
    SOURCES = ("Axelrod (1984) The Evolution of Cooperation",
               "Keohane (1986) Reciprocity in international relations, IO 40:1-27",
               "Nowak & Sigmund (1992) Nature 355:250; (1993) Nature 364:56")

    share: float | None = None
    generosity: float | None = None
    conditional: float | None = None
    cooperators: float | None = None

    #: may differ between the runs of a batch (coopsim.world.points): the world draws each
    #: run's strategies from its own kernel
    PER_RUN = ("share", "conditional", "cooperators")

    def lockstep(self, scenario) -> bool:
        return True  # no hooks: it only sets the scenario's game, kernel or lengths

    def __post_init__(self) -> None:
        for name in ("share", "generosity", "conditional", "cooperators"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, check_probability(f"reciprocity.{name}", getattr(self, name)))
        if self.share is not None and (self.conditional is not None or self.cooperators is not None):
            raise ParameterError("reciprocity.share", self.share,
                                 "None when reciprocity.conditional / reciprocity.cooperators are set "
                                 "(two parameterisations of the kernel: use one)")

    def kernel(self, reciprocators, continuous: bool = False, rules=None, group: bool = False) -> np.ndarray:
        """Probabilities of each strategy in the initial population and for mutants.

        ``rules`` (the engine rows) are needed by the matched contrast (``conditional``)."""
        recip = np.asarray(reciprocators, dtype=bool)
        m = recip.shape[0]
        if continuous:
            for name in ("share", "conditional"):
                if getattr(self, name) is not None:
                    raise ParameterError(f"reciprocity.{name}", getattr(self, name),
                                         "None with a continuous strategy space")
            return np.ones(1)
        if self.conditional is not None or self.cooperators is not None:
            return self._matched_kernel(strategy_classes(rules, recip, group))
        share = self.share
        if share is None:
            return np.full(m, 1.0 / m)
        if recip.all() or not recip.any():
            raise ParameterError("reciprocity.share", share,
                                 "None unless the strategy set mixes reciprocators (TFT, GTFT, WSLS, GRIM, CondCoop) "
                                 "and others")
        return np.where(recip, share / recip.sum(), (1 - share) / (~recip).sum())

    def _matched_kernel(self, classes: np.ndarray) -> np.ndarray:
        counts = np.bincount(classes, minlength=3)
        nice = counts[UNCONDITIONAL] + counts[CONDITIONAL]
        coop = nice / classes.size if self.cooperators is None else self.cooperators
        cond = counts[CONDITIONAL] / max(nice, 1) if self.conditional is None else self.conditional
        weight = {DEFECTING: 1.0 - coop, UNCONDITIONAL: coop * (1.0 - cond), CONDITIONAL: coop * cond}
        for cls, w in weight.items():
            if w > 0 and counts[cls] == 0:
                present = ", ".join(f"{counts[c]} {CLASS_NAMES[c]}" for c in range(3))
                raise ParameterError("reciprocity.conditional" if cls != DEFECTING else "reciprocity.cooperators",
                                     self.conditional if cls != DEFECTING else self.cooperators,
                                     f"a value giving weight only to classes present in the strategy set "
                                     f"({present}; {CLASS_NAMES[cls]} has weight {w:g})")
        out = np.array([weight[c] / counts[c] for c in classes])
        return out / out.sum()
