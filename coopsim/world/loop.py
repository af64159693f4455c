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

import dataclasses
from types import SimpleNamespace

import numpy as np

from .._random import as_seed_sequence
from .batch import BatchStructure, Streams
from .outcomes import CORE_PERIOD_COLUMNS, FORMS, gini, gini_rows, result
from .period import Payoffs, Play, Sides
from .points import Varying, shared_scenario, varying_fields
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

    def __init__(self, scenario, seed=None, *, seeds=None, scenarios=None):
        seeds = [seed] if seeds is None else list(seeds)
        self.scenarios = [scenario] * len(seeds) if scenarios is None else list(scenarios)
        if len(self.scenarios) != len(seeds):
            raise ValueError(f"{len(self.scenarios)} scenarios for {len(seeds)} seeds: give one per run")
        self.varying = varying_fields(self.scenarios) if scenarios is not None else {}
        # the batch's scenario: each parameter that differs between its runs is a Varying
        sc = self.scenario = shared_scenario(self.scenarios, self.varying) if self.varying else self.scenarios[0]
        self.runs = len(seeds)  # runs advanced in lockstep (coopsim.world.batch)
        self.n_states = sc.n_states  # states per run
        self.n = self.runs * sc.n_states  # states of the batch: run r holds r n ... r n + n - 1
        self.k = sc.actors.n_actors if sc.is_group_game else 2
        self.is_group = sc.is_group_game
        self.base_structure = sc.build_structure()
        self.structure = self.base_structure if self.runs == 1 else BatchStructure(self.base_structure, self.runs)
        self.game = sc.stage_game()
        self.population = self.scenarios[0].population()
        self.kernels = None  # (runs, m) when the kernel differs between runs (whatever shapes it)
        if self.varying:
            kernels = {}
            for s in self.scenarios:  # once per scenario: a point's runs share one
                if id(s) not in kernels:
                    kernels[id(s)] = np.asarray(s.population().kernel, dtype=float)
            if any(not np.array_equal(k, self.population.kernel) for k in kernels.values()):
                self.kernels = np.array([kernels[id(s)] for s in self.scenarios])
                self.population = dataclasses.replace(self.population, kernel=Varying("the kernel"))
        self.mechanisms = [m for m in sc.mechanisms()]
        active = {m.NAME for m in self.scenarios[0].mechanisms() if m.is_active}  # the same in every run
        self.active = [m for m in self.mechanisms if m.NAME in active]
        streams = [m.STREAM for m in self.mechanisms if m.STREAM is not None]
        # children of a copy: a SeedSequence given twice gives the same run twice (spawning
        # from the caller's object would advance its count of children)
        self._children = [_unspawned(as_seed_sequence(s)).spawn(1 + max(streams, default=0)) for s in seeds]
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

    def param(self, owner, name: str):
        """The value of parameter ``name`` of ``owner`` (a mechanism, or None for the
        scenario's top level) in each run: one number when every run has the same, else an
        array (runs,) — see :mod:`coopsim.world.points` (the mechanism lists ``name`` in
        its ``PER_RUN``)."""
        section = None if owner is None else owner.NAME
        if name not in self.varying.get(section, ()):
            return getattr(self.scenarios[0] if owner is None else self.scenarios[0].mechanism(section), name)
        return np.array([getattr(s if owner is None else s.mechanism(section), name) for s in self.scenarios],
                        dtype=float)

    def is_active(self, mechanism) -> bool:
        """True when ``mechanism`` acts in this batch's runs (the same in every run)."""
        return any(m is mechanism for m in self.active)

    def by_state(self, value):
        """A per-run value (a number, or an array (runs,)) for each state: (n,) or the number."""
        return value if np.ndim(value) == 0 else np.repeat(value, self.n_states)

    def by_encounter(self, value, E: int):
        """A per-run value for each of ``E`` encounters (each run has E / runs): (E,) or the number."""
        return value if np.ndim(value) == 0 else np.repeat(value, E // self.runs)

    def per_encounter(self, value, E: int):
        """A per-run value as a column over ``E`` encounters: the number, or (E, 1)."""
        return value if np.ndim(value) == 0 else self.by_encounter(value, E)[:, None]

    def runs_where(self, on, shape):
        """Where a per-run condition ``on`` (a bool, or (runs,)) holds: False (no run), True
        (every run), or a mask of ``shape`` over the encounters (rows) of the runs where it
        holds — for :meth:`Streams.random_in`, which draws only there, as each run alone."""
        on = np.asarray(on)
        if on.ndim == 0 or on.all() or not on.any():
            return bool(on.all())
        return np.broadcast_to(self.by_encounter(on, shape[0]).reshape((-1,) + (1,) * (len(shape) - 1)), shape)

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


def _unspawned(seq: np.random.SeedSequence) -> np.random.SeedSequence:
    """``seq`` as it was before it spawned any child (the same entropy and spawn key)."""
    return np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key, pool_size=seq.pool_size)


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

        folded, paytab, turns, w, shift = world.group_tables
        if turns is not None:
            lengths = np.full(E, turns, dtype=np.int64)
        elif np.ndim(w) == 0:  # each run's geometric lengths
            lengths = rng.geometric(1.0 - float(w), size=E)
        else:  # continuation differs between runs: each run with its own
            lengths = rng.geometric(1.0 - world.by_encounter(np.asarray(w, dtype=float), E))
        index = sides.code if shift is None else sides.code + world.by_encounter(shift, E)[:, None]  # its noise's
        g = play_group_tables(folded, lengths, paytab, rng.gens, index=index)  # O(groups x size) memory
        return Play(sides, g.cooperation, g.payoff, lengths.astype(float))
    if world.dist_table is not None:  # every pair of variants valued once per run: gather
        per_table, base_table, coop_table = world.pair_tables
        V = base_table.shape[-2]
        pair = sides.code[:, 0] * V + sides.code[:, 1]  # one flat index per encounter
        if world.run_table is None:
            length = np.full(E, it.expected_rounds)
        else:  # continuation differs between runs: each run's own table
            pair = pair + world.by_encounter(world.run_table, E) * (V * V)
            length = world.by_encounter(world.run_rounds, E)
        return Play(sides, coop_table.reshape(-1, 2).take(pair, axis=0),
                    base_table.reshape(-1, 2).take(pair, axis=0), length,
                    lambda: per_table.reshape(-1, 2, 4).take(pair, axis=0))
    rows = sides.played_rows()
    if world.population.machines is None and sc.engine == "exact":
        from ..engine import exact

        w, nz = world.param(it, "continuation"), world.by_encounter(world.param(None, "noise"), E)
        if np.ndim(w) == 0:
            dist = exact.state_distribution(rows[:, 0], rows[:, 1], continuation=w, rounds=it.rounds, noise=nz)
            length = np.full(E, it.expected_rounds)
        else:  # each encounter with its run's continuation
            w = world.by_encounter(w, E)
            dist = exact.state_distribution(rows[:, 0], rows[:, 1], continuation=w, noise=nz)
            length = 1.0 / (1.0 - w)
        counts = dist * length[:, None]
    else:  # sampled: each run plays its own encounters with its own stream
        from ..engine import sampled

        m = E // R
        if world.population.machines is not None:  # finite-state machines
            vm = world.variant_machines
            pairs = lambda r: (list(vm[sides.code[r * m:(r + 1) * m, 0]]), list(vm[sides.code[r * m:(r + 1) * m, 1]]))
        else:
            pairs = lambda r: (rows[r * m:(r + 1) * m, 0], rows[r * m:(r + 1) * m, 1])
        w, nz = world.param(it, "continuation"), world.param(None, "noise")
        parts = [sampled.play(*pairs(r), world.game, turns=it.rounds, continuation=w if np.ndim(w) == 0 else float(w[r]),
                              noise=nz if np.ndim(nz) == 0 else float(nz[r]), seed=g)
                 for r, g in enumerate(rng.gens)]
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
    return _simulate(world)


def simulate_points(scenarios, seeds) -> list:
    """Runs of different scenarios in lockstep, one seed per scenario; each result equals
    ``simulate(scenarios[i], seeds[i])`` value for value. The scenarios must share a
    :func:`~coopsim.world.points.batch_key` (only per-run parameters differ) and support
    lockstep."""
    from .batch import supports_lockstep
    from .points import batch_key

    scenarios, seeds = list(scenarios), list(seeds)
    keys = {}
    for sc in scenarios:
        if id(sc) not in keys:
            if not supports_lockstep(sc):
                raise ValueError("a scenario cannot run in lockstep (an update rule or mechanism says so)")
            keys[id(sc)] = batch_key(sc)
    if len(set(keys.values())) > 1:
        raise ValueError("these scenarios differ in more than per-run parameters: they cannot share a batch")
    return _simulate(World(scenarios[0], seeds=seeds, scenarios=scenarios))


def _simulate(world) -> list:
    sc, n, pop, rng, R = world.scenario, world.n, world.population, world.rng, world.runs
    update = sc.update_rule()
    if pop.continuous:
        world.genome = pop.draw(rng, n)
        world.types = np.zeros(n, dtype=np.int64)
    else:
        world.types = _from_kernel(world, rng.random(n))
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
                # a form not attributed this period has rate 0 (its sum of zeros): not computed
                ranks = sorted(play.form.ranks)
                rates = play.cooperation_rates([None] + [play.form == rank for rank in ranks])
                rec["cooperation"][t] = rates[0]
                for rank, form in enumerate(FORMS):
                    rec[f"form_{form}"][t] = rates[1 + ranks.index(rank)] if rank in ranks else 0.0
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
        out.append(result(world.scenarios[r], {k: v[r] for k, v in records.items()}, shares[r], labels, table))
    return out


def _from_kernel(world, u, states=None) -> np.ndarray:
    """Strategies drawn from the kernel (H1) by the ``states`` (all when None), one uniform
    number ``u`` each, inverted on the cdf as ``Generator.choice(size, p=kernel)`` does: the
    number of cdf entries <= u; each state from its run's kernel when kernels differ."""
    if world.kernels is None:
        cdf = np.asarray(world.population.kernel, dtype=float).cumsum()
        cdf /= cdf[-1]
        return cdf.searchsorted(u, side="right")
    cdf = np.asarray(world.kernels, dtype=float).cumsum(axis=1)
    cdf /= cdf[:, -1:]
    run = (np.arange(world.n) if states is None else states) // world.n_states
    return (cdf[run] <= u[:, None]).sum(axis=1)


def _mutate(world) -> None:
    """A share ``mutation`` of each run's states draws a strategy from the kernel (each run
    from its own stream, only when it has mutants, as alone)."""
    from . import dynamics

    pop, n = world.population, world.n
    mut = dynamics.mutate(n, world.by_state(world.param(None, "mutation")), world.rng)  # per state if it varies
    if not mut.any():
        return
    if not pop.continuous:
        # rng.choice(size, p=kernel) of each run alone: one uniform per mutant, inverted on the cdf
        world.types[mut] = _from_kernel(world, world.rng.random_where(mut), np.flatnonzero(mut))
        return
    m = world.n_states
    for r, g in enumerate(world.rng.gens):
        sl = slice(r * m, (r + 1) * m)
        here = mut[sl]
        count = int(here.sum())
        if count:
            world.genome[sl][here] = pop.draw(g, count)
