"""Beyond Milner — issue linkage: two issue areas in the same encounter.

Keohane (1984, *After Hegemony*, ch. 6): in a dense issue space regimes cluster issues,
and linking them makes a defection in one costly in the others; McGinnis (1986, JCR 30:141-170)
shows that linking two iterated prisoner's dilemmas can sustain cooperation in an issue
where it would fail alone, when the other issue has *slack* enforcement power (the
gains from cooperation there exceed what is needed to hold it); Martin (1992, *Coercive
Cooperation*) on tactical linkage. Lohmann (1997, JCR 41:38-67) on when linkage hurts:
cross-issue retaliation also carries a breakdown in one issue into the other, and states
may do better delinking. In the repeated-game reduced form (Bernheim & Whinston 1990,
RAND J. Econ. 21:1-26, on multimarket contact; grim punishments, per round):
alone, cooperation in issue i holds when T_i - R_i <= w/(1-w) (R_i - P_i); linked, the
incentive constraints *pool*: sum_i (T_i - R_i) <= w/(1-w) sum_i (R_i - P_i) (weights on
each issue's payoffs). Slack in one issue can pay for the deficit of the other; a deficit
larger than the other's slack takes both down.

Model. Every encounter is played on two issues at once: the main game (the scenario's
``game``) and ``second_game`` (a registered 2x2 game with ``second_params``), for the same
number of rounds. Each state has a rule per issue: its strategy in the main issue and a
second strategy (from the same strategy set and kernel) in the second, which it copies
together with the main one when it imitates (``world.source``), and which mutates
independently (probability ``mutation``, stream 7). Mechanisms that fix or transform a
side's rule in an encounter (a hegemon's ALLC, withholding, perception errors,
ratification) act in both issues. Cross-issue retaliation: in every round, each side
with probability ``strength`` treats a defection by its partner in either issue as a
defection in both (its rule reads the partner's move in each issue as D if the partner
defected in either); otherwise it reads each issue on its own. What counts for a state
per round is pi_main + ``weight`` pi_second.

Engines: exact — the joint Markov chain over the 16 states (CC, CD, DC, DD in each
issue), noise flipping every move, valued as the core engine does (geometric or finite
length), each distinct combination of rules once per run; sampled — the two issues are
played round by round (stream 7), for the encounter lengths the core drew. The main
issue's outcomes replace the core's play (``Play.replay``, in ``settle``), so that
``cooperation`` and emergence are the *main* issue's; ``second_cooperation`` records the
second's; ``mean_payoff`` is the weighted sum. Other mechanisms see the main issue
(a regime's standing, audience costs, bargaining's delay).

Neutral: no second issue (``second_game`` unset; ``strength`` must then be 0). With a
second issue and ``strength = 0`` the issues are independent (a matched contrast for
``strength > 0``: the same random numbers are drawn). Predictions: with a second issue
that has slack, more linkage -> more cooperation in the main issue (McGinnis); with a
second issue in which cooperation fails, more linkage -> less (the breakdown spreads;
Lohmann). Pair games, finite populations and named memory-one strategies only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..._validation import ParameterError, check_choice, check_positive, check_probability
from ..variants import play_laws
from .base import Mechanism

__all__ = ["Linkage", "joint_distribution", "transition_matrices", "sample_joint"]

_S = np.arange(16)  # joint state 8 a1 + 4 b1 + 2 a2 + b2 (a: focal, b: co-player; 1 = D)
_A1, _B1, _A2, _B2 = _S >> 3 & 1, _S >> 2 & 1, _S >> 1 & 1, _S & 1
_FOCAL = (2 * _A1 + _B1, 2 * _A2 + _B2, 2 * _A1 + (_B1 | _B2), 2 * _A2 + (_B2 | _B1))
_COPLAYER = (2 * _B1 + _A1, 2 * _B2 + _A2, 2 * _B1 + (_A1 | _A2), 2 * _B2 + (_A2 | _A1))
# the next state of focal moves (m1, m2) and co-player moves (n1, n2), at position 4 (2 m1 + m2) + 2 n1 + n2
_M, _N = np.arange(16) >> 2, np.arange(16) & 3
_NEXT = 8 * (_M >> 1) + 4 * (_N >> 1) + 2 * (_M & 1) + (_N & 1)
_SWAP = [0, 2, 1, 3]


def _outer(x, y):
    """Distribution over (move in issue 1, move in issue 2): CC, CD, DC, DD, for P(C) = x, y."""
    return np.stack([x * y, x * (1 - y), (1 - x) * y, (1 - x) * (1 - y)], axis=-1)


def _side(r1, r2, index, strength):
    i1, i2, l1, l2 = index
    return (1 - strength) * _outer(r1[:, i1], r2[:, i2]) + strength * _outer(r1[:, l1], r2[:, l2])


def transition_matrices(p1, q1, p2, q2, strength):
    """(M, v0): transition matrices (K, 16, 16) and first-round distributions (K, 16) of
    the joint chain; rules (K, 5) with noise already folded in (P(C) per state, initial)."""
    F = _side(p1, p2, _FOCAL, strength)
    G = _side(q1, q2, _COPLAYER, strength)
    K = F.shape[0]
    M = np.empty((K, 16, 16))
    M[:, :, _NEXT] = (F[:, :, :, None] * G[:, :, None, :]).reshape(K, 16, 16)
    v0 = np.empty((K, 16))
    v0[:, _NEXT] = (_outer(p1[:, 4], p2[:, 4])[:, :, None] * _outer(q1[:, 4], q2[:, 4])[:, None, :]).reshape(K, 16)
    return M, v0


def _fold(rows, noise):
    return noise + (1.0 - 2.0 * noise) * np.asarray(rows, dtype=float)


def joint_distribution(p1, q1, p2, q2, *, strength, noise=0.0, continuation=None, rounds=None) -> np.ndarray:
    """Mean occupancy per round (K, 16) of the joint states of two linked issues.

    ``p1``, ``q1`` (K, 5): focal and co-player memory-one rules in issue 1 (each from its
    own view), ``p2``, ``q2`` in issue 2; ``strength``: probability per round and side of
    reading a defection in either issue as one in both; ``noise`` flips every move.
    ``continuation`` w weights round t by (1 - w) w^t; ``rounds`` T averages rounds 0..T-1.
    ``d.reshape(K, 4, 4).sum(2)`` is issue 1's CC, CD, DC, DD (focal view), ``.sum(1)`` issue 2's.
    """
    rows = [np.atleast_2d(_fold(r, noise)) for r in (p1, q1, p2, q2)]
    K = max(r.shape[0] for r in rows)
    p1, q1, p2, q2 = (np.broadcast_to(r, (K, 5)) for r in rows)
    M, v0 = transition_matrices(p1, q1, p2, q2, strength)
    if rounds is not None:
        S, Pw = np.zeros_like(M), np.broadcast_to(np.eye(16), M.shape).copy()
        for bit in bin(int(rounds))[2:]:  # sum_{t<T} M^t by binary doubling
            S, Pw = S + Pw @ S, Pw @ Pw
            if bit == "1":
                S, Pw = S + Pw, Pw @ M
        return np.einsum("ks,kst->kt", v0, S) / rounds
    w = float(continuation)
    x = np.linalg.solve(np.swapaxes(np.eye(16) - w * M, 1, 2), v0[..., None])[..., 0]
    return (1.0 - w) * x


def sample_joint(tab, lengths, strength, rng) -> np.ndarray:
    """Play E encounters on two issues round by round; -> counts (E, 2 issues, 4) of
    CC, CD, DC, DD from side 0's view over each encounter's ``lengths`` rounds.

    ``tab`` (E, 2 sides, 2 issues, 5): P(C) in each state (own move, partner's move as
    read) and in the first round, noise folded in. Every round draws (E, 2, 3) uniforms
    (two moves and the linkage event per side), whatever the strength."""
    E = tab.shape[0]
    lengths = np.asarray(lengths)
    counts = np.zeros((E, 2, 4))
    four = np.arange(4)
    m = None
    for t in range(int(lengths.max(initial=0))):
        u = rng.random((E, 2, 3))
        if m is None:
            p = tab[..., 4]
        else:
            partner = m[:, ::-1, :]
            pooled = (partner[..., 0] | partner[..., 1])[..., None]
            seen = np.where((u[..., 2] < strength)[..., None], pooled, partner)
            p = np.take_along_axis(tab, (2 * m + seen)[..., None], axis=3)[..., 0]
        m = (u[..., :2] >= p).astype(np.int64)  # 1 = D
        state = 2 * m[:, 0, :] + m[:, 1, :]
        counts += (t < lengths)[:, None, None] * (state[..., None] == four)
    return counts


@dataclass(frozen=True)
class Linkage(Mechanism):
    HYPOTHESIS = "B4"
    NAME = "linkage"
    PREDICTION = "linking the main issue to one with slack enforcement power -> more cooperation in the main " \
                 "issue (McGinnis); to one where cooperation fails -> less (the breakdown spreads: Lohmann)"
    PARAMETER = "linkage.strength"
    DIRECTION = +1
    SOURCES = ("Keohane (1984) After Hegemony, ch. 6", "McGinnis (1986) JCR 30:141-170",
               "Martin (1992) Coercive Cooperation", "Lohmann (1997) JCR 41:38-67",
               "Bernheim & Whinston (1990) RAND J. Econ. 21:1-26")

    strength: float = 0.0
    second_game: str | None = None
    second_params: dict = field(default_factory=dict)
    weight: float = 1.0

    STREAM = 7
    PERIOD_COLUMNS = ("second_cooperation",)
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",), "game_kind": ("pair",), "continuous": (False,)}

    def __post_init__(self) -> None:
        check_probability("linkage.strength", self.strength)
        check_positive("linkage.weight", self.weight, strict=False)
        if not isinstance(self.second_params, dict):
            raise ParameterError("linkage.second_params", self.second_params, "a table of payoff parameters")
        if self.second_game is None:
            if self.strength > 0:
                raise ParameterError("linkage.strength", self.strength,
                                     "0 without a second issue (set linkage.second_game to link two issues)")
            if self.second_params:
                raise ParameterError("linkage.second_params", self.second_params,
                                     "empty without a second issue (set linkage.second_game)")
            return
        from .. import games as game_registry

        check_choice("linkage.second_game", self.second_game, game_registry.names("pair"))
        self.game()  # validates the payoffs

    def game(self):
        """The second issue's stage game."""
        from .. import games as game_registry

        try:
            return game_registry.get(self.second_game, "pair").build(**self.second_params)
        except TypeError as err:
            raise ParameterError("linkage.second_params", self.second_params,
                                 f"payoff parameters of {self.second_game}: {err}") from None
        except ParameterError as err:
            raise ParameterError("linkage.second_params", self.second_params,
                                 f"payoffs of a {self.second_game} ({err.name}={err.value!r} is not allowed: "
                                 f"{err.allowed})") from None

    @property
    def is_neutral(self) -> bool:
        return self.second_game is None

    def check(self, scenario) -> None:
        super().check(scenario)
        if self.is_active and scenario.population().machines is not None:
            self.refuse(f"strategies = {scenario.strategies!r} (finite-state machines)",
                        "memory-one strategies (the joint two-issue chain reads each issue's last round)")

    def lockstep(self, scenario) -> bool:
        """Runs in lockstep with the exact engine (the sampled joint play draws per period
        what the longest encounter of all runs needs)."""
        return not self.is_active or scenario.engine == "exact"

    # ------------------------------------------------------------------ behaviour
    def setup(self, world, ns) -> None:
        world.add_column("second_cooperation")
        ns.rate = 0.0
        ns.second = None
        if not self.is_active:
            return
        pop = world.population
        ns.game2 = self.game()
        ns.second = world.stream(self).choice(pop.size, size=world.n, p=pop.kernel)
        ns.keys, ns.vals = np.zeros(0, dtype=np.int64), np.zeros((0, 2, 4))
        ns.run_law, ns.laws = play_laws(world)

    def _codes(self, world, ns, sides):
        """Each side's variant code in the main issue and in the second (same layer and overrides)."""
        nb, m = world.n_base_variants, world.population.size
        code = sides.code
        base, layer = code % nb, code // nb
        return code, np.where(base < m, ns.second[sides.enc], base) + layer * nb

    def _exact(self, world, ns, code1, code2) -> np.ndarray:
        """(E, 2 issues, 4) occupancies per round, each distinct combination (and match
        length law and noise, when they differ between runs) valued once per batch."""
        V, D = world.variant_rows.shape[0], len(ns.laws)
        key = ((code1[:, 0].astype(np.int64) * V + code1[:, 1]) * V + code2[:, 0]) * V + code2[:, 1]
        if ns.run_law is not None:  # each encounter with its run's continuation and noise
            key = key * D + world.by_encounter(ns.run_law, key.shape[0])
        uniq, inv = np.unique(key, return_inverse=True)
        pos = np.searchsorted(ns.keys, uniq)
        known = (pos < ns.keys.size) & (ns.keys[np.minimum(pos, max(ns.keys.size - 1, 0))] == uniq) \
            if ns.keys.size else np.zeros(uniq.size, dtype=bool)
        new = uniq[~known]
        if new.size:
            rows, rounds = world.variant_rows, world.scenario.iteration.rounds
            law, combo = new % D, new // D
            c2c, c2f, c1c, c1f = combo % V, combo // V % V, combo // V ** 2 % V, combo // V ** 3
            d = np.empty((new.size, 16))
            for j, (w, e) in enumerate(ns.laws):
                at = law == j
                if at.any():
                    d[at] = joint_distribution(rows[c1f[at]], rows[c1c[at]], rows[c2f[at]], rows[c2c[at]],
                                               strength=self.strength, noise=e, continuation=w, rounds=rounds)
            d = d.reshape(-1, 4, 4)
            keys = np.concatenate([ns.keys, new])
            vals = np.concatenate([ns.vals, np.stack([d.sum(2), d.sum(1)], axis=1)])
            order = np.argsort(keys)
            ns.keys, ns.vals = keys[order], vals[order]
        return ns.vals[np.searchsorted(ns.keys, uniq)][inv]

    def settle(self, world, ns, play) -> None:
        code1, code2 = self._codes(world, ns, play.sides)
        if world.scenario.engine == "exact":
            occ = self._exact(world, ns, code1, code2)
        else:
            rows, nz = world.variant_rows, world.param(None, "noise")  # one run: the sampled play is not in lockstep
            tab = _fold(np.stack([rows[code1], rows[code2]], axis=2), nz)  # (E, 2 sides, 2 issues, 5)
            occ = sample_joint(tab, play.length, self.strength, world.stream(self)) / play.length[:, None, None]
        per1 = np.stack([occ[:, 0], occ[:, 0][:, _SWAP]], axis=1)  # (E, 2 sides, 4)
        per2 = np.stack([occ[:, 1], occ[:, 1][:, _SWAP]], axis=1)
        play.replay(per1[..., 0] + per1[..., 1], per1 @ world.game.focal_payoffs, per1)
        ns.coop2 = per2[..., 0] + per2[..., 1]
        ns.base2 = per2 @ ns.game2.focal_payoffs
        moves = play.length[:, None] * (np.ones(2) if play.credit is None else play.credit)  # as Play counts them
        ns.rate = world.per_run(ns.coop2 * moves).sum(axis=1) / world.per_run(moves).sum(axis=1)  # per run

    def stakes(self, world, ns, play) -> None:
        extra = self.weight * ns.base2
        play.stake = play.stake + (extra * world.capability[play.enc] if world.unequal_capability else extra)

    def record(self, world, ns, t: int) -> None:
        world.records["second_cooperation"][t] = ns.rate

    def adapt(self, world, ns, payoffs) -> None:
        """The second-issue rule travels with the imitated strategy, then mutates on its own."""
        pop, n, rng = world.population, world.n, world.stream(self)
        second = ns.second[world.source]
        mutant = rng.random(n) < world.by_state(world.param(None, "mutation"))
        drawn = rng.choice(pop.size, size=n, p=pop.kernel)
        ns.second = np.where(mutant, drawn, second)

    def state_columns(self, world, ns) -> dict:
        if ns.second is None:
            return {}
        return {"second_strategy": np.asarray(world.population.labels, dtype=object)[ns.second]}
