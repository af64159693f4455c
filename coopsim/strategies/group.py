"""Group memory-one strategies for N-player games, and the named group rules.

A **group memory-one** strategy gives the probability of cooperating as a function of the
player's own last move and the number ``j`` of the other ``n - 1`` members who cooperated
last round (Hilbe et al. 2014, PNAS 111:16425). Conditional cooperators ("cooperate if at
least k others did") are the threshold rules.

The named rules of :data:`GROUP_RULES` (ALLC, ALLD, TFT, GTFT, WSLS, CondCoop50, RANDOM)
are the group strategies a :class:`~coopsim.world.scenario.Scenario` plays by name; TFT
cooperates iff all others cooperated (for n = 2: tit-for-tat), GTFT also forgives with
probability ``generosity``, WSLS stays after full cooperation or after a round in which it
defected and nobody cooperated.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validation import ParameterError, check_int, check_probabilities, check_probability

__all__ = ["GroupStrategy", "conditional_cooperator", "group_allc", "group_alld", "group_tft", "group_gtft",
           "group_wsls", "group_random", "GROUP_RULES", "group_rule"]

_PROBE_SIZES = (2, 3, 4, 5, 8)  # group sizes at which a rule's reciprocity is read


def _reciprocating(strategy: "GroupStrategy") -> bool:
    """Cooperation after its own C is non-decreasing in the number of cooperating others and
    not constant, at every probed group size where the rule is defined (and at least one)."""
    rows = []
    for n in _PROBE_SIZES:
        try:
            rows.append(strategy.table(n)[0])
        except ParameterError:
            continue
    return bool(rows) and all(np.all(np.diff(r) >= 0) for r in rows) and any(np.ptp(r) > 0 for r in rows)


@dataclass(frozen=True, eq=False)
class GroupStrategy:
    """A group memory-one strategy for N-player games (Hilbe et al. 2014).

    ``rule(n)`` returns an array of shape (2, n): entry [a, j] is the probability of
    cooperating after a round in which the player's own move was a (0 = C, 1 = D) and j of
    the other n - 1 members cooperated. ``initial`` is the first-round probability of C.
    """

    rule: Callable[[int], np.ndarray]
    initial: float = 1.0
    name: str = ""
    stochastic: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "initial", check_probability(f"{self.name or 'strategy'} initial", self.initial))

    def table(self, n: int) -> np.ndarray:
        """The (2, n) response table for group size n, validated."""
        n = check_int("group size n", n, minimum=2)
        t = np.asarray(self.rule(n), dtype=float)
        if t.shape != (2, n):
            raise ParameterError(f"{self.name} response table", t.shape, f"an array of shape (2, {n})")
        return check_probabilities(f"{self.name} response table", t)

    def array(self, n: int) -> np.ndarray:
        """Flat engine form: the (2, n) table followed by ``initial`` (length 2n + 1)."""
        return np.concatenate([self.table(n).ravel(), [self.initial]])

    @property
    def classifier(self) -> dict:
        return {"memory_depth": 1, "stochastic": self.stochastic or 0 < self.initial < 1, "n_player": True,
                "reciprocating": _reciprocating(self)}

    def __repr__(self) -> str:
        return f"GroupStrategy({self.name})"

    def __str__(self) -> str:
        return self.name


def conditional_cooperator(threshold: int | float | None = None, initial: float = 1.0, name: str | None = None,
                           *, share: float | None = None, count: int | None = None) -> GroupStrategy:
    """Cooperate if at least a threshold of the other members cooperated last round.

    ``count=k`` counts co-players (k = n - 1: "all others", the N-player TFT);
    ``share=s`` in [0, 1] is a share of the n - 1 others, k = ceil(s (n - 1)), so it
    adapts to n (``share=1.0``: all others). Give exactly one. A positional ``threshold``
    is read only when unambiguous: an int is a count, a non-integer float a share; an
    integer-valued float (1.0) is refused, naming the keyword to use.

    >>> conditional_cooperator(share=1.0).table(4)[0].tolist(), conditional_cooperator(count=1).table(4)[0].tolist()
    ([0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0])
    """
    given = [k for k, v in (("threshold", threshold), ("share", share), ("count", count)) if v is not None]
    if len(given) != 1:
        raise ParameterError("share/count", (share, count), "exactly one of share= (a share of the others) or "
                             "count= (a number of other members)")
    if threshold is not None:
        if isinstance(threshold, (bool, np.bool_)):
            raise ParameterError("threshold", threshold, "share= (a share of the others) or count= (a number)")
        if isinstance(threshold, (int, np.integer)):
            count = threshold
        elif isinstance(threshold, (float, np.floating)) and not float(threshold).is_integer():
            share = check_probability("threshold", threshold)  # a share: named as the user gave it
        elif isinstance(threshold, (float, np.floating)) and np.isfinite(threshold):
            raise ParameterError("threshold", threshold,
                                 f"share={float(threshold):g} (a share of the others) or count={int(threshold)} "
                                 "(a number of other members): an integer-valued float is ambiguous, "
                                 "use the keyword")
        else:
            raise ParameterError("threshold", threshold, "share= (a share of the others) or count= (a number)")
    if share is not None:
        share = check_probability("share", share)

        def rule(n: int) -> np.ndarray:
            k = int(np.ceil(share * (n - 1) - 1e-12))
            return np.tile((np.arange(n) >= k).astype(float), (2, 1))

        label = name or (f"CondCoop({share:.3g})" if 0 < share < 1 else f"CondCoop(share={share:g})")
    else:
        k = check_int("count", count, minimum=0)

        def rule(n: int) -> np.ndarray:
            if k > n - 1:
                raise ParameterError("count", k, f"a threshold of at most n - 1 = {n - 1} other members")
            return np.tile((np.arange(n) >= k).astype(float), (2, 1))

        label = name or f"CondCoop({k})"
    return GroupStrategy(rule, initial, label)


def group_allc() -> GroupStrategy:
    """Unconditional cooperator in N-player games."""
    return GroupStrategy(lambda n: np.ones((2, n)), 1.0, "ALLC")


def group_alld() -> GroupStrategy:
    """Unconditional defector in N-player games."""
    return GroupStrategy(lambda n: np.zeros((2, n)), 0.0, "ALLD")


def group_tft() -> GroupStrategy:
    """Group tit-for-tat: cooperate iff all n - 1 others cooperated (n = 2: TFT)."""
    return GroupStrategy(lambda n: np.tile((np.arange(n) == n - 1).astype(float), (2, 1)), 1.0, "TFT")


def group_gtft(generosity: float = 1 / 3) -> GroupStrategy:
    """Generous group tit-for-tat: as :func:`group_tft`, else cooperate with probability ``generosity``."""
    q = check_probability("generosity", generosity)
    return GroupStrategy(lambda n: np.tile(np.maximum((np.arange(n) == n - 1).astype(float), q), (2, 1)),
                         1.0, "GTFT", stochastic=0 < q < 1)


def group_wsls() -> GroupStrategy:
    """Group win-stay lose-shift: after C cooperate iff all others did; after D iff nobody did."""
    return GroupStrategy(lambda n: np.stack([(np.arange(n) == n - 1).astype(float), (np.arange(n) == 0).astype(float)]),
                         1.0, "WSLS")


def group_random() -> GroupStrategy:
    """Cooperate with probability 1/2 every round."""
    return GroupStrategy(lambda n: np.full((2, n), 0.5), 0.5, "RANDOM", stochastic=True)


def _cond_coop50() -> GroupStrategy:
    return conditional_cooperator(share=0.5, name="CondCoop50")


GROUP_RULES: dict[str, Callable[..., GroupStrategy]] = {
    "ALLC": lambda generosity=1 / 3: group_allc(),
    "ALLD": lambda generosity=1 / 3: group_alld(),
    "TFT": lambda generosity=1 / 3: group_tft(),
    "GTFT": lambda generosity=1 / 3: group_gtft(generosity),
    "WSLS": lambda generosity=1 / 3: group_wsls(),
    "CondCoop50": lambda generosity=1 / 3: _cond_coop50(),
    "RANDOM": lambda generosity=1 / 3: group_random(),
}
"""Named group rules: name -> constructor taking ``generosity`` (used by GTFT only)."""


def group_rule(name: str, generosity: float = 1 / 3) -> GroupStrategy:
    """The named group rule ``name`` (one of :data:`GROUP_RULES`)."""
    if name not in GROUP_RULES:
        raise ParameterError("strategies", name, "one of " + ", ".join(GROUP_RULES))
    return GROUP_RULES[name](generosity)
