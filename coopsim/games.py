"""Stage games: symmetric and asymmetric 2x2 games and N-player social dilemmas.

Conventions
-----------
* Actions: C = 0 (cooperate), D = 1 (defect). Arrays of actions use these codes.
* A symmetric 2x2 game is given by (R, S, T, P): the row player's payoff for
  (C, C) = R (reward), (C, D) = S (sucker), (D, C) = T (temptation), (D, D) = P
  (punishment). The four *states* of a 2-player round, seen from a focal player, are
  ordered CC, CD, DC, DD (own move first), so the focal player's payoff vector is
  ``(R, S, T, P)`` and the co-player's, in the same state order, is ``(R, T, S, P)``.
* An N-player game is given, in the style of Hauert et al. (2006), by two arrays of
  length n indexed by ``k``, the number of *other* group members who cooperate:
  ``cooperator[k]`` and ``defector[k]``.

Sources: Oye (1985) and Axelrod & Keohane (1985) for the 2x2 family; Nowak & May (1992)
for the weak prisoner's dilemma; Harsanyi & Selten (1988) for risk dominance; Hauert,
Michor, Nowak & Doebeli (2006) for N-player payoff arrays; Santos & Pacheco (2011) for
the collective-risk dilemma (default) and Milinski et al. (2008) for its experiment;
Diekmann (1985) for the volunteer's dilemma.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import ParameterError, check_int, check_positive, check_probability, check_real

__all__ = [
    "C",
    "D",
    "Game",
    "AsymmetricGame",
    "NPlayerGame",
    "prisoners_dilemma",
    "weak_prisoners_dilemma",
    "stag_hunt",
    "chicken",
    "harmony",
    "deadlock",
    "donation_game",
    "public_goods",
    "n_person_prisoners_dilemma",
    "collective_risk",
    "volunteers_dilemma",
    "equilibria_2x2",
]

#: largest group of an N-player game (its payoff tables have n entries; groups never exceed n_states)
MAX_GROUP_SIZE = 1_000_000

C: int = 0
D: int = 1

GAME_TYPES = ("harmony", "stag_hunt", "prisoners_dilemma", "weak_prisoners_dilemma", "chicken", "deadlock")


# --------------------------------------------------------------------------- 2x2 games
@dataclass(frozen=True)
class Game:
    """A symmetric 2x2 stage game with payoffs (R, S, T, P) for the row player.

    >>> g = prisoners_dilemma()
    >>> g.R, g.S, g.T, g.P
    (3.0, 0.0, 5.0, 1.0)
    >>> g.classify()
    'prisoners_dilemma'
    """

    R: float
    S: float
    T: float
    P: float
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for key in ("R", "S", "T", "P"):
            object.__setattr__(self, key, check_real(key, getattr(self, key)))

    # -- views ---------------------------------------------------------------
    @property
    def rstp(self) -> tuple[float, float, float, float]:
        return (self.R, self.S, self.T, self.P)

    @property
    def focal_payoffs(self) -> np.ndarray:
        """Focal player's payoff in states CC, CD, DC, DD: (R, S, T, P)."""
        return np.array([self.R, self.S, self.T, self.P])

    @property
    def coplayer_payoffs(self) -> np.ndarray:
        """Co-player's payoff in the focal player's states CC, CD, DC, DD: (R, T, S, P)."""
        return np.array([self.R, self.T, self.S, self.P])

    @property
    def payoff_matrix(self) -> np.ndarray:
        """Row player's 2x2 payoff matrix, rows/columns ordered (C, D)."""
        return np.array([[self.R, self.S], [self.T, self.P]])

    def bimatrix(self) -> tuple[np.ndarray, np.ndarray]:
        """(row payoffs, column payoffs) as 2x2 arrays indexed [row action, column action]."""
        A = self.payoff_matrix
        return A, A.T.copy()

    def as_asymmetric(self) -> "AsymmetricGame":
        return AsymmetricGame(self.rstp, self.rstp, name=self.name)

    def scaled(self, row_stake: float, column_stake: float) -> "AsymmetricGame":
        """The same game with each side's payoffs multiplied by its stake (e.g. its power)."""
        rs = check_positive("row_stake", row_stake)
        cs = check_positive("column_stake", column_stake)
        return AsymmetricGame(tuple(rs * x for x in self.rstp), tuple(cs * x for x in self.rstp),
                              name=f"{self.name or 'game'} scaled")

    # -- analysis ------------------------------------------------------------
    def classify(self) -> str:
        """Name the game type by the ordering of its payoffs (Oye 1985 typology).

        harmony: R > T and S > P (cooperation dominant); stag_hunt: R > T > P > S;
        prisoners_dilemma: T > R > P > S; chicken: T > R > S > P; deadlock: T > P > R > S;
        weak_prisoners_dilemma: T > R > P = S (the boundary between the prisoner's dilemma
        and chicken; Nowak & May 1992). Anything else (other ties, other orderings) is
        ``"other"``. The tie P = S is exact: S = P - 1e-9 is a prisoner's dilemma.
        """
        R, S, T, P = self.rstp
        if R > T and S > P:
            return "harmony"
        if R > T > P > S:
            return "stag_hunt"
        if T > R > P > S:
            return "prisoners_dilemma"
        if T > R > P == S:
            return "weak_prisoners_dilemma"
        if T > R > S > P:
            return "chicken"
        if T > P > R > S:
            return "deadlock"
        return "other"

    def equilibria(self) -> list[tuple[float, float]]:
        """Nash equilibria as (P(row plays C), P(column plays C)) pairs, pure first."""
        A, B = self.bimatrix()
        return equilibria_2x2(A, B)

    def mixed_equilibrium(self) -> float | None:
        """Share x* of C in the symmetric interior equilibrium, or None if there is none.

        Stag hunt: x* = (P - S) / ((R - T) + (P - S)); chicken: (S - P) / ((S - P) + (T - R)).
        x* is also the unstable interior rest point of the replicator dynamics (stag hunt).
        """
        denom = (self.R - self.T) - (self.S - self.P)
        if denom == 0:
            return None
        x = (self.P - self.S) / denom
        if 0 < x < 1:
            return float(x)
        return None

    def risk_dominant(self) -> str | None:
        """'C', 'D' or None (tie / not a coordination game). Harsanyi & Selten (1988)."""
        if not (self.R > self.T and self.P > self.S):
            return None
        c_loss, d_loss = self.R - self.T, self.P - self.S
        if c_loss > d_loss:
            return "C"
        if d_loss > c_loss:
            return "D"
        return None

    def gtft_forgiveness(self) -> float:
        """Generosity q* of generous tit-for-tat: min(1 - (T-R)/(R-S), (R-P)/(T-P)).

        Nowak & Sigmund (1992); Molander (1985). The largest q for which (1, q) cannot be
        invaded by any reactive strategy in the infinitely repeated game. The two bounds
        come from the two deviations that can beat (1, q): always defecting, which earns
        qT + (1 - q)P against R, and alternating D and C, which earns the mean of T and
        qR + (1 - q)S per round. Their derivation needs T > R > P and R > S, not P > S,
        so q* is also given for the weak prisoner's dilemma (T > R > P = S); with Nowak &
        May's (R, S, T, P) = (1, 0, b, 0) it is min(2 - b, 1/b) = 2 - b. Nowak & Sigmund
        state it for T > R > P > S; other games raise ``ParameterError``.
        """
        R, S, T, P = self.rstp
        if not (T > R > P >= S):
            raise ParameterError("game", self,
                                 "a prisoner's dilemma (T > R > P > S) or a weak one (T > R > P = S) for GTFT")
        return float(min(1 - (T - R) / (R - S), (R - P) / (T - P)))

    def tft_stability_threshold(self) -> float:
        """Smallest continuation w at which TFT is collectively stable (Axelrod 1984, Prop. 2).

        w* = max((T - R)/(T - P), (T - R)/(R - S)).
        """
        R, S, T, P = self.rstp
        return float(max((T - R) / (T - P), (T - R) / (R - S)))

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return f"Game({label}R={self.R:g}, S={self.S:g}, T={self.T:g}, P={self.P:g})"


def _named(R, S, T, P, name, expected):
    g = Game(R, S, T, P, name=name)
    if g.classify() != expected:
        raise ParameterError(
            "payoffs", dict(R=R, S=S, T=T, P=P), f"an ordering that makes a {name} ({_ORDER[expected]})"
        )
    return g


_ORDER = {
    "harmony": "R > T and S > P",
    "stag_hunt": "R > T > P > S",
    "prisoners_dilemma": "T > R > P > S",
    "weak_prisoners_dilemma": "T > R > P = S",
    "chicken": "T > R > S > P",
    "deadlock": "T > P > R > S",
}


def prisoners_dilemma(R: float = 3, S: float = 0, T: float = 5, P: float = 1) -> Game:
    """Prisoner's dilemma, T > R > P > S; defaults are Axelrod's (3, 0, 5, 1).

    P = S (the weak prisoner's dilemma) is refused here: use ``weak_prisoners_dilemma``.
    """
    g = Game(R, S, T, P, name="prisoners_dilemma")
    if g.classify() == "weak_prisoners_dilemma":
        raise ParameterError("payoffs", dict(R=R, S=S, T=T, P=P),
                             "T > R > P > S for a prisoners_dilemma; for P = S (T > R > P = S) "
                             "use weak_prisoners_dilemma(b=T, R=R, P=P)")
    return _named(R, S, T, P, "prisoners_dilemma", "prisoners_dilemma")


def weak_prisoners_dilemma(b: float = 1.85, *, R: float = 1.0, P: float = 0.0) -> Game:
    """Weak prisoner's dilemma, T > R > P = S: (R, S, T, P) = (R, P, b, P).

    The game of the spatial-games literature: Nowak & May (1992, Nature 359:826) use
    R = 1, T = b > 1, S = P = 0, the defaults here. Defection only weakly dominates:
    against a defector, C and D both earn P. The default b = 1.85 lies in
    1.8 < b < 2, where Nowak & May found cooperators and defectors coexisting in
    chaotically changing spatial patterns. ``Game.classify()`` names it
    ``"weak_prisoners_dilemma"``.

    >>> weak_prisoners_dilemma(1.6).rstp
    (1.0, 0.0, 1.6, 0.0)
    >>> weak_prisoners_dilemma(1.6).classify()
    'weak_prisoners_dilemma'
    """
    b = check_real("b", b)
    R = check_real("R", R)
    P = check_real("P", P)
    if not R > P:
        raise ParameterError("R", R, f"a reward larger than the punishment P={P:g} (T > R > P = S)")
    if not b > R:
        raise ParameterError("b", b, f"a temptation T = b larger than the reward R={R:g} (T > R > P = S)")
    return _named(R, P, b, P, "weak_prisoners_dilemma", "weak_prisoners_dilemma")


def stag_hunt(R: float = 5, S: float = 0, T: float = 3, P: float = 1) -> Game:
    """Stag hunt (assurance game), R > T > P > S; the security dilemma of Jervis (1978)."""
    return _named(R, S, T, P, "stag_hunt", "stag_hunt")


def chicken(R: float = 3, S: float = 1, T: float = 5, P: float = 0) -> Game:
    """Chicken (hawk-dove), T > R > S > P."""
    return _named(R, S, T, P, "chicken", "chicken")


def harmony(R: float = 5, S: float = 3, T: float = 3, P: float = 1) -> Game:
    """Harmony, R > T and S > P: cooperation is dominant."""
    return _named(R, S, T, P, "harmony", "harmony")


def deadlock(R: float = 1, S: float = 0, T: float = 5, P: float = 3) -> Game:
    """Deadlock, T > P > R > S: mutual defection is preferred to mutual cooperation."""
    return _named(R, S, T, P, "deadlock", "deadlock")


def donation_game(b: float = 3, c: float = 1) -> Game:
    """Donation game: cooperating costs c and gives b to the co-player (b > c > 0).

    (R, S, T, P) = (b - c, -c, b, 0). Nowak (2006).
    """
    b = check_positive("b", b)
    c = check_positive("c", c)
    if not b > c:
        raise ParameterError("b", b, f"a benefit larger than the cost c={c:g}")
    return Game(b - c, -c, b, 0.0, name="donation_game")


def equilibria_2x2(A: np.ndarray, B: np.ndarray) -> list[tuple[float, float]]:
    """All Nash equilibria of a 2x2 bimatrix game (non-degenerate or not, finite list).

    ``A[i, j]``, ``B[i, j]``: row's and column's payoffs when row plays i and column j
    (0 = C, 1 = D). Returns (P(row plays C), P(column plays C)) pairs: pure equilibria,
    then the completely mixed one if it exists. Degenerate games with a continuum of
    equilibria report only their pure and isolated points.
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    out: list[tuple[float, float]] = []
    for i in (0, 1):
        for j in (0, 1):
            if A[i, j] >= A[1 - i, j] and B[i, j] >= B[i, 1 - j]:
                out.append((1.0 - i, 1.0 - j))
    # completely mixed: column's mix y makes row indifferent; row's mix x makes column indifferent
    da = (A[0, 0] - A[1, 0]) - (A[0, 1] - A[1, 1])
    db = (B[0, 0] - B[0, 1]) - (B[1, 0] - B[1, 1])
    if da != 0 and db != 0:
        y = (A[1, 1] - A[0, 1]) / da
        x = (B[1, 1] - B[1, 0]) / db
        if 0 < x < 1 and 0 < y < 1:
            out.append((float(x), float(y)))
    return out


@dataclass(frozen=True)
class AsymmetricGame:
    """A 2-player game in which each side has its own (R, S, T, P).

    ``row`` holds the row player's payoffs for (C,C), (C,D), (D,C), (D,D) with the row's
    own move first; ``column`` holds the column player's, with *its* own move first.
    Power differences between states are modelled by scaling each side's stakes.
    """

    row: tuple[float, float, float, float]
    column: tuple[float, float, float, float]
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for side in ("row", "column"):
            vals = getattr(self, side)
            if len(vals) != 4:
                raise ParameterError(side, vals, "four payoffs (R, S, T, P)")
            object.__setattr__(self, side, tuple(check_real(f"{side}[{i}]", v) for i, v in enumerate(vals)))

    @property
    def focal_payoffs(self) -> np.ndarray:
        """Row player's payoffs in the row's states CC, CD, DC, DD."""
        return np.array(self.row)

    @property
    def coplayer_payoffs(self) -> np.ndarray:
        """Column player's payoffs in the *row's* states CC, CD, DC, DD."""
        R, S, T, P = self.column
        return np.array([R, T, S, P])

    def bimatrix(self) -> tuple[np.ndarray, np.ndarray]:
        R, S, T, P = self.row
        A = np.array([[R, S], [T, P]])
        R2, S2, T2, P2 = self.column
        B = np.array([[R2, T2], [S2, P2]])  # B[row action, column action]
        return A, B

    def equilibria(self) -> list[tuple[float, float]]:
        return equilibria_2x2(*self.bimatrix())

    def swapped(self) -> "AsymmetricGame":
        return AsymmetricGame(self.column, self.row, name=self.name)


# --------------------------------------------------------------------------- N-player games
@dataclass(frozen=True, eq=False)
class NPlayerGame:
    """A symmetric N-player game with two actions.

    ``cooperator[k]`` / ``defector[k]`` is the payoff of a cooperator / defector when k of
    the other ``n - 1`` group members cooperate (k = 0 ... n - 1).
    """

    cooperator: np.ndarray
    defector: np.ndarray
    name: str = ""
    parameters: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        a = np.asarray(self.cooperator, dtype=float)
        b = np.asarray(self.defector, dtype=float)
        if a.ndim != 1 or a.shape != b.shape:
            raise ParameterError("cooperator/defector", (a.shape, b.shape), "two 1-d arrays of equal length n")
        check_int("group size n", a.shape[0], minimum=2)
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise ParameterError("cooperator/defector", (a, b), "finite payoffs")
        a.setflags(write=False)
        b.setflags(write=False)
        object.__setattr__(self, "cooperator", a)
        object.__setattr__(self, "defector", b)

    @property
    def n(self) -> int:
        """Group size."""
        return int(self.cooperator.shape[0])

    def payoffs(self, actions: np.ndarray) -> np.ndarray:
        """Payoffs of every member for an array of group actions (..., n) of 0 = C / 1 = D."""
        actions = np.asarray(actions)
        coop = actions == C
        k_total = coop.sum(axis=-1, keepdims=True)
        k_others = k_total - coop
        return np.where(coop, self.cooperator[k_others], self.defector[k_others])

    def mean_payoffs(self, x: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected payoff of a cooperator and of a defector when co-players are drawn from
        an infinite population with cooperator share ``x`` (binomial group composition)."""
        from scipy.stats import binom

        x = np.asarray(x, dtype=float)
        k = np.arange(self.n)
        w = binom.pmf(k, self.n - 1, x[..., None])
        return (w * self.cooperator).sum(-1), (w * self.defector).sum(-1)

    def as_2x2(self) -> Game:
        """For n = 2, the equivalent symmetric 2x2 game."""
        if self.n != 2:
            raise ParameterError("n", self.n, "a group size of 2 to view the game as 2x2")
        return Game(self.cooperator[1], self.cooperator[0], self.defector[1], self.defector[0], name=self.name)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in self.parameters.items())
        return f"NPlayerGame({self.name}, n={self.n}{', ' + params if params else ''})"


def public_goods(
    n: int,
    *,
    multiplier: float | None = None,
    per_capita_return: float | None = None,
    cost: float = 1.0,
) -> NPlayerGame:
    """Linear public goods game with group size n.

    Each cooperator pays ``cost`` into a pot that is multiplied by r and shared equally:
    a cooperator earns r*cost*(k+1)/n - cost, a defector r*cost*k/n (k other cooperators).
    Give exactly one of ``multiplier`` (r, held fixed as n changes: the per-capita return
    r/n falls with n) or ``per_capita_return`` (r/n held fixed: r grows with n). It is a
    social dilemma when 1 < r < n.
    """
    n = check_int("n", n, minimum=2, maximum=MAX_GROUP_SIZE)
    cost = check_positive("cost", cost)
    if (multiplier is None) == (per_capita_return is None):
        raise ParameterError("multiplier/per_capita_return", (multiplier, per_capita_return),
                             "exactly one of multiplier (r) or per_capita_return (r/n)")
    if multiplier is not None:
        r = check_positive("multiplier", multiplier)
        held = "multiplier"
    else:
        r = check_positive("per_capita_return", per_capita_return) * n
        held = "per_capita_return"
    k = np.arange(n)
    coop = r * cost * (k + 1) / n - cost
    defe = r * cost * k / n
    return NPlayerGame(coop, defe, name="public_goods",
                       parameters={"multiplier": float(r), "per_capita_return": float(r / n), "cost": cost, "held": held})


def n_person_prisoners_dilemma(n: int, b: float = 3.0, c: float = 1.0) -> NPlayerGame:
    """N-person prisoner's dilemma: every cooperator pays c and gives b/(n-1) to each other member.

    Cooperator: b*k/(n-1) - c; defector: b*k/(n-1) (k other cooperators). For n = 2 this is
    the donation game. Defection dominates; full cooperation beats full defection if b > c.
    """
    n = check_int("n", n, minimum=2, maximum=MAX_GROUP_SIZE)
    b = check_positive("b", b)
    c = check_positive("c", c)
    if not b > c:
        raise ParameterError("b", b, f"a benefit larger than the cost c={c:g}")
    k = np.arange(n)
    return NPlayerGame(b * k / (n - 1) - c, b * k / (n - 1), name="n_person_prisoners_dilemma",
                       parameters={"b": b, "c": c})


CRD_CONVENTIONS = ("santos_pacheco", "milinski")


def collective_risk(
    n: int,
    threshold: int,
    risk: float,
    *,
    endowment: float = 1.0,
    contribution: float = 0.1,
    convention: str = "santos_pacheco",
) -> NPlayerGame:
    """Collective-risk (threshold) dilemma (Milinski et al. 2008; Santos & Pacheco 2011).

    Everyone holds ``endowment``; cooperators pay ``contribution``, which is spent
    whatever happens. If at least ``threshold`` members (M) cooperate, everyone keeps what
    is left; otherwise, with probability ``risk`` (r), disaster strikes. Payoffs are
    expected values. The two conventions differ in what the disaster takes:

    * ``"santos_pacheco"`` (default): Santos & Pacheco (2011, PNAS 108:10421).
      With endowment b, contribution c b and j cooperators in the group (oneself included
      when cooperating), Pi_D(j) = b [theta(j - M) + (1 - r)(1 - theta(j - M))] and
      Pi_C(j) = Pi_D(j) - c b, theta(x) = 1 for x >= 0 and 0 otherwise. The disaster
      takes the whole endowment b and the contribution is paid on top, so a cooperator in
      a failing group earns (1 - r) b - c b (negative when r > 1 - c).
      Here ``endowment`` = b and ``contribution`` = c b (an amount, not the fraction c =
      contribution / endowment).
    * ``"milinski"``: the disaster takes what is *left* after contributing, as in the
      experiment of Milinski et al. (2008, PNAS 105:2291): a group that missed the
      target lost, with the stated probability, the money still in its members' private
      accounts, while the contributions had already gone to the climate account. A
      cooperator in a failing group earns (1 - r)(b - c b), never less than 0. This was
      coopsim 0.1.0's only convention.

    Defectors are paid the same in both. The chosen convention is stored in
    ``parameters["convention"]``.
    """
    n = check_int("n", n, minimum=2, maximum=MAX_GROUP_SIZE)
    M = check_int("threshold", threshold, minimum=1, maximum=n)
    risk = check_probability("risk", risk)
    e = check_positive("endowment", endowment)
    cst = check_positive("contribution", contribution)
    if cst > e:
        raise ParameterError("contribution", contribution, f"at most the endowment {e:g}")
    if convention not in CRD_CONVENTIONS:
        raise ParameterError(
            "convention", convention,
            "'santos_pacheco' (Santos & Pacheco 2011: the disaster takes the whole endowment, "
            "the contribution is paid on top) or 'milinski' (Milinski et al. 2008: the disaster "
            "takes what is left after contributing)")
    k = np.arange(n)  # other cooperators
    defe = np.where(k >= M, e, (1 - risk) * e)
    if convention == "santos_pacheco":
        coop = np.where(k + 1 >= M, e, (1 - risk) * e) - cst
    else:
        coop = np.where(k + 1 >= M, e - cst, (1 - risk) * (e - cst))
    return NPlayerGame(coop, defe, name="collective_risk",
                       parameters={"threshold": M, "risk": risk, "endowment": e, "contribution": cst,
                                   "convention": convention})


def volunteers_dilemma(n: int, b: float = 1.0, c: float = 0.5) -> NPlayerGame:
    """Volunteer's dilemma (Diekmann 1985): everyone gets b if at least one member volunteers
    (cooperates); each volunteer pays c < b."""
    n = check_int("n", n, minimum=2, maximum=MAX_GROUP_SIZE)
    b = check_positive("b", b)
    c = check_positive("c", c)
    if not c < b:
        raise ParameterError("c", c, f"a cost smaller than the benefit b={b:g}")
    k = np.arange(n)
    return NPlayerGame(np.full(n, b - c), np.where(k >= 1, b, 0.0), name="volunteers_dilemma",
                       parameters={"b": b, "c": c})
