"""The world loop: one period after another, in named phases, over an explicit world state.

Each period (``docs/explanation/architecture.md`` has the picture):

1. **encounters** — the interaction structure forms pairs or groups;
2. **rules** — each side's rule for its encounter: its strategy, then the mechanisms'
   ``roles`` → ``withhold`` → ``perceive`` hooks (:class:`Sides`);
3. **play** — every encounter is an iterated game, played by the sampled engine or valued
   by the exact one (:class:`Play`: cooperation and payoff per round of each side); then
   ``settle`` hooks (outcomes that replace part of the play, e.g. rounds of delay);
4. **payoffs** — ``stakes`` then ``charges`` hooks (fines, dues, transfers), ``attribute``
   hooks (which form of cooperation each side's moves take: tacit unless a mechanism
   says negotiated, institutional or forced), then the mean over each state's
   encounters, per unit of capability; ``record`` hooks;
5. **observation** — ``observe`` hooks (advice, reputation spread);
6. **revision** — the update rule (:mod:`coopsim.world.updates`), comparing payoffs as
   the mechanisms' ``perceived_payoffs`` hooks say states see them; then ``adapt`` hooks
   (traits a mechanism owns, such as regime membership, revised by their own rule);
7. **mutation** — a share ``mutation`` of states draws a strategy from the population's
   kernel.

The loop names no mechanism: it calls the hooks of every *active* mechanism of the
scenario in registry order (``setup``, ``record`` and ``state_columns`` of every one).
Randomness: the run's seed sequence gives the core stream (child 0: matching, play,
revision, mutation) and one stream per mechanism (its ``STREAM`` index), so a mechanism
at its neutral value draws nothing and leaves the run bit-identical.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .._random import as_seed_sequence
from .batch import BatchStructure, Streams
from .outcomes import CORE_PERIOD_COLUMNS, FORMS, gini, gini_rows, result
from .perception import misperceive_memory_one
from .stencil import stencil_for
from .variants import prepare_machines, prepare_variants, transforms_requested

__all__ = ["World", "Sides", "Play", "Payoffs", "simulate", "simulate_runs"]


class World:
    """The state of one run, or of ``runs`` runs in lockstep (:mod:`coopsim.world.batch`):
    population, attributes of states, streams, records.

    Attributes a mechanism may read: ``scenario``, ``n`` (states of the batch: ``runs`` x
    ``n_states``; run ``r`` holds states ``r n_states`` ... ``r n_states + n_states - 1``
    and its encounters stay inside it), ``k`` (sides per encounter), ``game``,
    ``structure``, ``population``, ``capability`` (mean 1; stakes scale with it),
    ``types`` or ``genome`` (each state's strategy), ``records`` (period columns, one
    value per run), ``t`` (period), ``rng`` (the core stream — mechanisms draw from
    :meth:`stream` instead). Per-run quantities: :meth:`run_mean`, :meth:`per_run`,
    ``offset``.
    """

    def __init__(self, scenario, seed=None, *, seeds=None):
        sc = self.scenario = scenario
        seeds = [seed] if seeds is None else list(seeds)
        self.runs = len(seeds)  # runs advanced in lockstep (coopsim.world.batch)
        self.n_states = sc.n_states  # states per run
        self.n = self.runs * sc.n_states  # states of the batch: run r holds r n ... r n + n - 1
        self.k = sc.actors.n_actors if sc.is_group_game else 2
        self.is_group = sc.is_group_game
        self.base_structure = sc.build_structure()
        self.structure = self.base_structure if self.runs == 1 else BatchStructure(self.base_structure, self.runs)
        self.game = sc.stage_game()
        self.population = sc.population()
        self.mechanisms = [m for m in sc.mechanisms()]
        self.active = [m for m in self.mechanisms if m.is_active]
        streams = [m.STREAM for m in self.mechanisms if m.STREAM is not None]
        self._children = [as_seed_sequence(s).spawn(1 + max(streams, default=0)) for s in seeds]
        self._streams: dict[int, Streams] = {}
        self.rng = self._generator(0)
        self.capability = np.ones(self.n)
        self.unequal_capability = False  # set by mechanisms that set capabilities (see simulate)
        self.perception_error = 0.0
        self.transforms: list[tuple[str, object]] = []  # (name, fn(rows) -> rows), in declaration order
        self.self_encounters = bool(getattr(self.base_structure, "self_interaction", False)) and not self.is_group
        self.ns = {m.NAME: SimpleNamespace() for m in self.mechanisms}
        self.records: dict[str, np.ndarray] = {}
        self.t = 0

    @property
    def genome(self) -> np.ndarray:
        """Each state's rule: the continuous genome, or the rows of the named strategies."""
        return self._genome if self.population.continuous else self.population.rules[self.types]

    @genome.setter
    def genome(self, value) -> None:
        self._genome = value

    @property
    def offset(self) -> np.ndarray:
        """(n,) the first state of each state's run (0 in a single run)."""
        return np.repeat(np.arange(self.runs) * self.n_states, self.n_states)

    def run_mean(self, values) -> np.ndarray:
        """(runs,) the mean of per-state ``values`` (n,) over each run's states."""
        return np.asarray(values).reshape(self.runs, -1).mean(axis=1)

    def per_run(self, values) -> np.ndarray:
        """Per-state or per-encounter ``values`` as (runs, m) rows: each run's values, flattened."""
        return np.asarray(values).reshape(self.runs, -1)

    def _generator(self, index: int) -> Streams:
        if index not in self._streams:
            self._streams[index] = Streams([np.random.default_rng(c[index]) for c in self._children])
        return self._streams[index]

    def declare_transform(self, name: str, transform) -> None:
        """Declare, in ``setup``, a transformation of rules that some sides play through
        (``transform(rows) -> rows`` on engine rows: (..., 5) memory-one or (..., 2k + 1)
        group rules); :meth:`Sides.transform` then applies it to the sides of a mask.
        Named strategy sets get each combination of transformations precomputed."""
        if any(n == name for n, _ in self.transforms):
            raise ValueError(f"transform {name!r} declared twice")
        self.transforms.append((name, transform))

    def stream(self, mechanism) -> Streams:
        """The mechanism's own random stream, one generator per run (created on first use)."""
        if mechanism.STREAM is None:
            raise RuntimeError(f"mechanism {mechanism.NAME!r} declares no STREAM but draws random numbers")
        return self._generator(mechanism.STREAM)

    def add_column(self, name: str) -> np.ndarray:
        """A period column, recorded in this order: (periods, runs), one value per period and
        run (write ``column[t] = world.run_mean(x)``)."""
        self.records[name] = np.zeros((self.scenario.periods, self.runs))
        return self.records[name]


class Sides:
    """Each side's rule in this period's encounters.

    Named strategy sets: ``code[e, j]`` indexes the world's table of rule variants (the
    strategies, then fixed rules ALLC / ALLD, each also as played through perception
    errors), so rules — and, with the exact engine, their payoffs — are computed once
    per run. Continuous strategy spaces: ``rows[e, j]`` holds the rule itself.
    """

    def __init__(self, world, enc):
        self.world = world
        self.enc = enc
        self.E = enc.shape[0]
        pop = world.population
        if pop.continuous:
            self.rows = world.genome[enc]
            self.code = None
        else:
            self.code = world.types[enc]
            self.rows = None
        self.excluded = np.zeros(enc.shape, dtype=bool)

    def override(self, mask, rule: str) -> None:
        """Sides in ``mask`` play the fixed rule ``"ALLC"`` or ``"ALLD"`` this encounter
        (through the transformations they already play through)."""
        w = self.world
        if self.code is None:
            self.rows[mask] = w.fixed_rows[rule]
        else:
            layer = self.code[mask] // w.n_base_variants
            self.code[mask] = w.fixed_code[rule] + layer * w.n_base_variants

    def exclude(self, mask) -> None:
        """Sides in ``mask`` are denied their share of the encounter's benefits (``Play.excluded``);
        a ``stakes`` hook that knows the game's benefits applies it."""
        self.excluded |= mask

    def misperceive(self, mask) -> None:
        """Sides in ``mask`` misread each co-player move with the world's perception error."""
        self.transform(mask, "perception")

    def transform(self, mask, name: str) -> None:
        """Sides in ``mask`` play their rule through the declared transformation ``name``."""
        w = self.world
        bit = w.transform_bit[name]
        if self.code is None:
            if name == "perception":  # per-side error: exactly the rule of 0.1
                self.rows = misperceive_memory_one(self.rows, np.where(mask, w.perception_error, 0.0))
            else:
                self.rows = np.where(mask[..., None], w.transform_fns[bit](self.rows), self.rows)
        else:
            # each side's variant: base index + n_base * (bit mask of the transformations it plays through)
            self.code = self.code + (w.n_base_variants << bit) * (mask & ~self._has(bit))

    def _has(self, bit: int):
        w = self.world
        return ((self.code // w.n_base_variants) >> bit & 1).astype(bool)

    def played_rows(self):
        w = self.world
        if self.code is None:
            return self.rows
        return None if w.variant_rows is None else w.variant_rows[self.code]


class Play:
    """Outcomes of this period's encounters, per side and per round.

    ``coop`` (E, k): share of C moves; ``base`` (E, k): payoff per round in the stage
    game; ``length`` (E,): rounds played; ``per`` (E, 2, 4): occupancy of CC, CD, DC, DD
    per round from each side's view (pair games only); ``stake`` (E, k): payoff per round
    as it counts for the state (capability-scaled); ``charges`` (E, k): costs per round;
    ``excluded`` (E, k): sides denied their share of the benefits (:meth:`Sides.exclude`).
    """

    def __init__(self, sides, coop, base, length, per=None):
        self.sides = sides
        self.enc = sides.enc
        self.E = sides.E
        self.coop = coop
        self.defect = 1.0 - coop
        self.base = base
        self.length = length
        self._per = per
        w = sides.world
        # capability-scaled stakes (x * 1.0 == x: equal capabilities need no gather)
        self.stake = base * w.capability[sides.enc] if w.unequal_capability else base.copy()
        self._charges = None
        self.form = _Forms(self.enc.shape)  # 0: tacit (see FORMS)
        self.excluded = sides.excluded
        self.n = w.n
        self._idx = self.enc.ravel()
        self.credit, self.encounters_per_state, self._denominator = _encounter_counts(w, self.enc)

    @property
    def charges(self):
        """(E, k) costs per round (fines, dues, transfers), zero until a mechanism adds some."""
        if self._charges is None:
            self._charges = np.zeros_like(self.stake)
        return self._charges

    @charges.setter
    def charges(self, value):
        self._charges = value

    def payoffs(self):
        """(E, k) payoff per round that counts for each side: stake minus charges."""
        return self.stake if self._charges is None else self.stake - self._charges

    @property
    def per(self):
        """(E, 2, 4) occupancies of CC, CD, DC, DD per round from each side's view (pairs)."""
        if callable(self._per):
            self._per = self._per()
        return self._per

    def delay(self, share) -> None:
        """Replace a share ``share`` (E,) of each encounter's rounds by rounds in which every
        side defects (e.g. delay before an agreement); call in ``settle``, before stakes."""
        s = np.asarray(share, dtype=float)[:, None]
        w = self.sides.world
        none = w.game.defector[0] if w.is_group else w.game.focal_payoffs[3]  # payoff when nobody cooperates
        self.coop = (1.0 - s) * self.coop
        self.defect = 1.0 - self.coop
        self.base = (1.0 - s) * self.base + s * none
        per = self.per
        if per is not None:
            per = (1.0 - s[..., None]) * per
            per[..., 3] += s
            self._per = per
        self.stake = self.base * w.capability[self.enc]

    def replay(self, coop, base, per) -> None:
        """Replace this period's outcomes by those of a mechanism that plays the encounters
        itself (issue linkage plays two issues jointly): ``coop`` and ``base`` (E, 2) per
        side, ``per`` (E, 2, 4) occupancies (pair games); call in ``settle``, before stakes."""
        w = self.sides.world
        self.coop, self.defect, self.base, self._per = coop, 1.0 - coop, base, per
        self.stake = base * w.capability[self.enc] if w.unequal_capability else base.copy()

    def per_state(self, values) -> np.ndarray:
        """The mean of per-side ``values`` (E, k) over each state's encounters (0 if none)."""
        if self.credit is not None:
            values = values * self.credit
        return np.bincount(self._idx, values.ravel(), minlength=self.n) / self._denominator

    def cooperation_rate(self, sides=None) -> np.ndarray:
        """(runs,) share of C moves among all moves of the period in each run (an encounter
        with oneself counts once); with a mask of ``sides``, the share of all moves that are
        C moves of those sides."""
        return self.cooperation_rates([sides])[0]

    def cooperation_rates(self, masks) -> list:
        """:meth:`cooperation_rate` for each mask in ``masks`` (None: all sides), from one
        product of C moves per period."""
        R = self.sides.world.runs
        moves = self.length[:, None] if self.credit is None else self.length[:, None] * self.credit
        den = (self.length.reshape(R, -1).sum(axis=1) * self.enc.shape[1] if self.credit is None
               else moves.reshape(R, -1).sum(axis=1))
        c_moves = self.coop * moves
        return [(c_moves if m is None else c_moves * m).reshape(R, -1).sum(axis=1) / den for m in masks]

    def attribute(self, mask, form: str) -> None:
        """Attribute the cooperation of the sides in ``mask`` to ``form`` (one of
        :data:`~coopsim.world.outcomes.FORMS`); when several apply, the most binding
        arrangement (later in FORMS) takes the credit."""
        self.form.raise_to(mask, FORMS.index(form))


def _encounter_counts(world, enc):
    """(credit, encounters per state, denominator) of this period's encounters; an encounter
    of a state with itself (self-interaction on a network) counts once. A structure that
    returns the same encounters every period (a network) is counted once per run."""
    cached = getattr(world, "_counts_cache", None)
    if cached is not None and cached[0] is enc:
        return cached[1]
    credit = None
    if world.self_encounters:
        own = enc[:, 0] == enc[:, 1]
        if own.any():
            credit = np.ones(enc.shape)
            credit[own, 1] = 0.0
    idx = enc.ravel()
    counts = np.bincount(idx, minlength=world.n) if credit is None else np.bincount(idx, credit.ravel(),
                                                                                      minlength=world.n)
    out = (credit, counts, np.maximum(counts, 1))
    if not enc.flags.writeable:  # the structure's own cached array: the same every period
        world._counts_cache = (enc, out)
    return out


class _Forms:
    """The form of each side's cooperation (index into FORMS), all tacit until attributed."""

    def __init__(self, shape):
        self.shape, self.array = shape, None

    def any(self) -> bool:
        return self.array is not None and bool(self.array.any())

    def __eq__(self, rank):
        return (self.array if self.array is not None else np.zeros(self.shape, dtype=np.int8)) == rank

    def raise_to(self, mask, rank: int) -> None:
        base = self.array if self.array is not None else np.zeros(self.shape, dtype=np.int8)
        self.array = np.where(mask, np.maximum(base, rank), base).astype(np.int8)


class Payoffs:
    """What revision compares: ``judge`` (payoff per round per unit of capability),
    ``played`` (states that met someone) and :meth:`seen`."""

    def __init__(self, judge, played, adjustments):
        self.judge = judge
        self.played = played
        self._adjust = adjustments

    @property
    def perceived(self) -> bool:
        """True when some mechanism changes how states see payoffs."""
        return bool(self._adjust)

    def seen(self, observers, targets) -> np.ndarray:
        """Payoffs of ``targets`` as ``observers`` see them (element-wise)."""
        values = self.judge[targets]
        for adjust in self._adjust:
            values = adjust(observers, targets, values)
        return values


def check_machines(scenario) -> None:
    """Refuse, before any run, mechanisms that transform rules in a population of machines
    (their ``setup`` is run on a throw-away world to see what they declare)."""
    world = World(scenario, 0)
    for mech in world.mechanisms:
        mech.setup(world, world.ns[mech.NAME])
    if transforms_requested(world):
        prepare_machines(world)  # raises, naming the transformations


# ------------------------------------------------------------------ play
def _play(world, sides) -> Play:
    sc, it = world.scenario, world.scenario.iteration
    E, rng, R = sides.E, world.rng, world.runs
    if world.is_group:
        from ..engine.rounds import play_group_tables

        folded, paytab, turns, w = world.group_tables
        if turns is not None:
            lengths = np.full(E, turns, dtype=np.int64)
        else:  # each run's geometric lengths, as rounds.draw_lengths draws them
            lengths = rng.geometric(1.0 - float(w), size=E).astype(np.int64)
        g = play_group_tables(folded, lengths, paytab, rng.gens, index=sides.code)  # O(groups x size) memory
        return Play(sides, g.cooperation, g.payoff, lengths.astype(float))
    if world.dist_table is not None:  # every pair of variants valued once per run: gather
        per_table, base_table, coop_table = world.pair_tables
        V = base_table.shape[0]
        pair = sides.code[:, 0] * V + sides.code[:, 1]  # one flat index per encounter
        return Play(sides, coop_table.reshape(V * V, 2).take(pair, axis=0),
                    base_table.reshape(V * V, 2).take(pair, axis=0), np.full(E, it.expected_rounds),
                    lambda: per_table.reshape(V * V, 2, 4).take(pair, axis=0))
    rows = sides.played_rows()
    if world.population.machines is None and sc.engine == "exact":
        from ..engine import exact

        dist = exact.state_distribution(rows[:, 0], rows[:, 1], continuation=it.continuation,
                                        rounds=it.rounds, noise=sc.noise)
        length = np.full(E, it.expected_rounds)
        counts = dist * length[:, None]
    else:  # sampled: each run plays its own encounters with its own stream
        from ..engine import sampled

        m = E // R
        if world.population.machines is not None:  # finite-state machines
            vm = world.variant_machines
            pairs = lambda r: (list(vm[sides.code[r * m:(r + 1) * m, 0]]), list(vm[sides.code[r * m:(r + 1) * m, 1]]))
        else:
            pairs = lambda r: (rows[r * m:(r + 1) * m, 0], rows[r * m:(r + 1) * m, 1])
        parts = rng.per_run(lambda g, r: sampled.play(*pairs(r), world.game, turns=it.rounds,
                                                      continuation=it.continuation, noise=sc.noise, seed=g))
        counts = np.concatenate([np.asarray(x.states, dtype=float) for x in parts])
        length = np.concatenate([np.asarray(x.lengths, dtype=float) for x in parts])
    counts1 = counts[:, [0, 2, 1, 3]]
    per = np.stack([counts, counts1], axis=1) / length[:, None, None]  # (E, 2, 4) occupancy per round
    base = per @ world.game.focal_payoffs
    coop = per[..., 0] + per[..., 1]
    return Play(sides, coop, base, length, per)


# ------------------------------------------------------------------ the loop
def simulate(scenario, seed):
    """Run a finite population of states (see the module docstring); -> ScenarioResult."""
    return simulate_runs(scenario, [seed])[0]


def simulate_runs(scenario, seeds) -> list:
    """Runs of ``scenario``, one per seed, in lockstep (:mod:`coopsim.world.batch`); each
    result equals ``simulate(scenario, seed)`` value for value. The scenario must support
    lockstep (:func:`~coopsim.world.batch.supports_lockstep`) when there are several seeds."""
    seeds = list(seeds)
    if len(seeds) > 1:
        from .batch import supports_lockstep

        if not supports_lockstep(scenario):
            raise ValueError("this scenario cannot run in lockstep (an update rule or mechanism says so): "
                             "run its seeds one by one")
    world = World(scenario, seeds=seeds)
    sc, n, pop, rng, R = scenario, world.n, world.population, world.rng, world.runs
    update = sc.update_rule()
    if pop.continuous:
        world.genome = pop.draw(rng, n)
        world.types = np.zeros(n, dtype=np.int64)
    else:
        world.types = rng.choice(pop.size, size=n, p=pop.kernel)
    for name in CORE_PERIOD_COLUMNS + tuple(f"form_{form}" for form in FORMS):
        world.add_column(name)
    for mech in world.mechanisms:
        mech.setup(world, world.ns[mech.NAME])
    world.unequal_capability = not np.all(world.capability == 1.0)
    prepare_variants(world)
    update.prepare(world)
    labels = pop.trait_labels
    shares = np.zeros((sc.periods, R, len(labels)))
    window_pay = np.zeros(n)
    window_start = sc.periods - sc.window
    game = world.game
    floor = float(min(game.cooperator.min(), game.defector.min())) if world.is_group else float(min(game.rstp))
    rec = world.records
    active = world.active
    run_types = np.repeat(np.arange(R) * pop.size, world.n_states) if not pop.continuous else None

    stencil = stencil_for(world)  # regular networks, exact values, nothing acting: neighbour counts
    everyone = np.ones(n, dtype=bool)
    for t in range(sc.periods):
        world.t = t
        if stencil is None:
            play = _encounters_and_play(world, active)
            played = play.encounters_per_state > 0
            pay_state = play.per_state(play.payoffs())  # per round, capability-scaled: mean over encounters
            if play.form.any():
                rates = play.cooperation_rates([None] + [play.form == rank for rank in range(len(FORMS))])
                rec["cooperation"][t] = rates[0]
                for form, rate in zip(FORMS, rates[1:], strict=True):
                    rec[f"form_{form}"][t] = rate
            else:  # nothing attributed: all cooperation is tacit
                rec["cooperation"][t] = rec["form_tacit"][t] = play.cooperation_rate()
        else:
            play, played = None, everyone
            pay_state, rec["cooperation"][t] = stencil.period(world, world.types)
            rec["form_tacit"][t] = rec["cooperation"][t]
        judge = pay_state / world.capability  # per unit of capability
        _record_payoffs(world, rec, t, pay_state, played, floor)
        for mech in world.mechanisms:
            mech.record(world, world.ns[mech.NAME], t)
        if pop.continuous:
            shares[t] = world.genome.reshape(R, world.n_states, -1).mean(axis=1)
        else:
            shares[t] = np.bincount(world.types + run_types, minlength=R * pop.size).reshape(R, -1) / world.n_states
        if t >= window_start:
            window_pay += pay_state

        for mech in active:
            mech.observe(world, world.ns[mech.NAME], play)
        adjustments = [a for a in (m.perceived_payoffs(world, world.ns[m.NAME], play) for m in active) if a]
        payoffs = Payoffs(judge, played, adjustments)
        src = update.revise(world, payoffs)
        world.source = src  # whom each state copied: mechanisms' adapt hooks carry their traits along
        world.types = world.types[src]
        if pop.continuous:
            world.genome = world.genome[src]
        for mech in active:
            mech.adapt(world, world.ns[mech.NAME], payoffs)
        _mutate(world)
    return _results(world, shares, labels, window_pay)


def _encounters_and_play(world, active) -> Play:
    """Phases 1-4 of a period: encounters, each side's rule, play, stakes and charges."""
    sides = Sides(world, world.structure.encounters(world.rng))
    for hook in ("roles", "withhold", "perceive"):
        for mech in active:
            getattr(mech, hook)(world, world.ns[mech.NAME], sides)
    play = _play(world, sides)
    for hook in ("settle", "stakes", "charges", "attribute"):
        for mech in active:
            getattr(mech, hook)(world, world.ns[mech.NAME], play)
    return play


def _record_payoffs(world, rec, t, pay_state, played, floor) -> None:
    """Mean payoff and inequality (Gini of payoffs above the game's floor) of each run."""
    shifted = pay_state - floor * world.capability + 0.0
    if played.all():
        rec["mean_payoff"][t] = world.per_run(pay_state).mean(axis=1)
        rec["inequality"][t] = gini_rows(world.per_run(shifted))
        return
    for r, (pay, ok, x) in enumerate(zip(world.per_run(pay_state), world.per_run(played), world.per_run(shifted),
                                         strict=True)):
        rec["mean_payoff"][t, r] = pay[ok].mean()
        rec["inequality"][t, r] = gini(x[ok])


def _results(world, shares, labels, window_pay) -> list:
    sc, pop, m = world.scenario, world.population, world.n_states
    strategy_col = ([", ".join(f"{x:.3f}" for x in row) for row in world.genome] if pop.continuous
                    else np.asarray(pop.labels, dtype=object)[world.types])
    states = {"strategy": strategy_col, "capability": world.capability}
    for mech in world.mechanisms:
        states.update(mech.state_columns(world, world.ns[mech.NAME]))
    states["window_payoff"] = window_pay / sc.window
    records = {k: v.T.copy() for k, v in world.records.items()}  # (runs, periods): each run's row contiguous
    shares = shares.transpose(1, 0, 2).copy()
    out = []
    for r in range(world.runs):
        sl = slice(r * m, (r + 1) * m)
        table = {"state": np.arange(m), **{k: np.asarray(v)[sl] for k, v in states.items()}}
        out.append(result(sc, {k: v[r] for k, v in records.items()}, shares[r], labels, table))
    return out


def _mutate(world) -> None:
    """A share ``mutation`` of each run's states draws a strategy from the kernel (each run
    from its own stream, only when it has mutants, as alone)."""
    from . import dynamics

    pop, n = world.population, world.n
    mut = dynamics.mutate(n, world.scenario.mutation, world.rng)
    if not mut.any():
        return
    if not pop.continuous:
        # rng.choice(size, p=kernel) of each run alone: one uniform per mutant, inverted on the cdf
        cdf = np.asarray(pop.kernel, dtype=float).cumsum()
        cdf /= cdf[-1]
        world.types[mut] = cdf.searchsorted(world.rng.random_where(mut), side="right")
        return
    m = world.n_states
    for r, g in enumerate(world.rng.gens):
        sl = slice(r * m, (r + 1) * m)
        here = mut[sl]
        count = int(here.sum())
        if count:
            world.genome[sl][here] = pop.draw(g, count)
