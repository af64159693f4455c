"""The table of rule variants of a run: each strategy and the fixed rules ALLC / ALLD, as
played through every combination of the rule transformations (perception errors first,
then those the mechanisms declared), and with the exact engine the value of every pair
of variants, computed once per run (or batch of runs)."""
from __future__ import annotations

import numpy as np

from .perception import misperceive_group, misperceive_memory_one

__all__ = ["prepare_variants", "prepare_machines", "transforms_requested", "play_laws"]


def prepare_variants(world) -> None:
    """Fixed rules, the table of rule variants and, with the exact engine, their payoffs."""
    sc, pop, k = world.scenario, world.population, world.k
    if world.is_group:
        allc, alld = np.concatenate([np.ones(2 * k), [1.0]]), np.concatenate([np.zeros(2 * k), [0.0]])
    else:
        allc, alld = np.array([1.0, 1, 1, 1, 1]), np.array([0.0, 0, 0, 0, 0])
    world.fixed_rows = {"ALLC": allc, "ALLD": alld}
    world.variant_rows = world.dist_table = world.group_tables = world.run_table = world.run_rounds = None
    e = world.perception_error
    # perception errors come first (bit 0), then the transformations mechanisms declared
    perception = (lambda r: misperceive_group(r, k, e)) if world.is_group else (lambda r: misperceive_memory_one(r, e))
    transforms = [("perception", perception)] + [t for t in world.transforms if t[0] != "perception"]
    world.transform_bit = {name: bit for bit, (name, _) in enumerate(transforms)}
    world.transform_fns = [fn for _, fn in transforms]
    if pop.continuous:
        return
    rules = pop.rules
    m = rules.shape[0]
    world.fixed_code = {"ALLC": m, "ALLD": m + 1}
    world.n_base_variants = m + 2
    if pop.machines is not None:
        prepare_machines(world)
        return
    base_rows = np.concatenate([rules, allc[None, :], alld[None, :]])
    layers = []
    for code in range(2 ** len(transforms)):
        rows = base_rows
        for bit, (_, fn) in enumerate(transforms):
            if code >> bit & 1:
                rows = fn(rows)
        layers.append(rows)
    world.variant_rows = np.concatenate(layers)
    if sc.engine == "exact":
        from ..engine import exact

        V = world.variant_rows.shape[0]
        P, Q = np.repeat(world.variant_rows, V, axis=0), np.tile(world.variant_rows, (V, 1))
        _exact_tables(world, V, lambda **law: exact.state_distribution(P, Q, **law))
    if world.is_group:
        # the variants' tables with noise folded in, the payoff lookup and the length law,
        # prepared once: each period then calls the group engine's core without revalidating
        from ..engine import rounds

        nz = world.param(None, "noise")  # one number, or one per run: a block of tables per value
        values, shift = (np.array([nz]), None) if np.ndim(nz) == 0 else np.unique(nz, return_inverse=True)
        rows = world.variant_rows
        folded = np.ascontiguousarray(np.concatenate([float(e) + (1 - 2 * float(e)) * rows for e in values]),
                                      dtype=np.float32)
        w = world.param(sc.iteration, "continuation")  # one number, or one per run
        if np.ndim(w) == 0:
            turns, w = rounds.length_spec(sc.iteration.rounds, w)
        else:  # geometric lengths, each run's own continuation (validated by each run's scenario)
            turns = None
        # shift: where each run's block of tables starts (None: one block)
        world.group_tables = (folded, rounds.group_payoff_table(world.game, k), turns, w,
                              None if shift is None else shift * rows.shape[0])


def transforms_requested(world) -> list[str]:
    """The rule transformations the active mechanisms asked for in ``setup``."""
    return (["perception"] if world.perception_error > 0 else []) + [n for n, _ in world.transforms]


def prepare_machines(world) -> None:
    """Finite-state machines: the variants are the machines and ALLC / ALLD as machines;
    with the exact engine every pair of variants is valued once (joint machine chain)."""
    from ..strategies import ALLC, ALLD
    from ..strategies.automata import from_memory_one

    asked = transforms_requested(world)
    if asked:
        from .._validation import ParameterError

        raise ParameterError("strategies", world.population.labels,
                             f"memory-one strategies only: the rule transformations {asked} act on memory-one "
                             "rules, not on finite-state machines (automata)")
    sc = world.scenario
    world.variant_machines = np.array(list(world.population.machines) + [from_memory_one(ALLC),
                                                                          from_memory_one(ALLD)], dtype=object)
    if sc.engine == "exact":
        from ..engine.automata import outcome_distribution

        V = len(world.variant_machines)
        P, Q = np.repeat(np.arange(V), V), np.tile(np.arange(V), V)
        P, Q = list(world.variant_machines[P]), list(world.variant_machines[Q])
        _exact_tables(world, V, lambda **law: outcome_distribution(P, Q, **law))


def play_laws(world):
    """``(run_law, laws)``: the (continuation, noise) pairs of a batch's runs, sorted, and
    each run's index among them (an array (runs,)); ``run_law`` is None when every run has
    the same pair (then the one pair is the scenario's values, as read)."""
    w, nz = world.param(world.scenario.iteration, "continuation"), world.param(None, "noise")
    if np.ndim(w) == 0 and np.ndim(nz) == 0:
        return None, [(w, nz)]
    if np.ndim(w) == 0:  # one match length law (or fixed rounds), the noise per run
        values, run_law = np.unique(nz, return_inverse=True)
        return run_law.reshape(-1), [(w, float(e)) for e in values]
    pairs = np.stack([w, np.broadcast_to(np.asarray(nz, dtype=float), np.shape(w))], axis=1)
    values, run_law = np.unique(pairs, axis=0, return_inverse=True)
    return run_law.reshape(-1), [(float(c), float(e)) for c, e in values]


def _exact_tables(world, V: int, distribution) -> None:
    """The exact state distribution of every pair of variants (``distribution(noise=,
    continuation=, rounds=)`` -> (V * V, 4)) and their pair tables; when the continuation
    or the noise differs between the runs of a batch, one table per pair of values
    (:func:`play_laws`) and each run's table (``world.run_table``)."""
    it = world.scenario.iteration
    run_law, laws = play_laws(world)
    world.dist_table = np.stack([distribution(noise=e, continuation=w, rounds=it.rounds).reshape(V, V, 4)
                                 for w, e in laws])
    if run_law is None:
        world.dist_table = world.dist_table[0]
        _pair_tables(world, it.expected_rounds)
        return
    world.run_table = run_law
    w = world.param(it, "continuation")
    if np.ndim(w) == 0:  # one match length law: the same expected rounds in every table
        world.run_rounds = np.full(world.runs, float(it.expected_rounds))
        _pair_tables(world, it.expected_rounds)
    else:
        world.run_rounds = 1.0 / (1.0 - w)
        _pair_tables(world, np.array([1.0 / (1.0 - c) for c, _ in laws])[:, None, None, None])


def _pair_tables(world, L) -> None:
    """Per round occupancies of each side (side 1 sees CD as DC), payoffs and cooperation
    of every pair of variants, from the exact state distributions (``L``: expected rounds;
    tables (V, V, ...), or (D, V, V, ...) with one table per continuation of the batch)."""
    per0 = (world.dist_table * L) / L
    per_table = np.stack([per0, per0[..., [0, 2, 1, 3]]], axis=-2)  # (..., V, V, 2, 4)
    world.pair_tables = (per_table, per_table @ world.game.focal_payoffs, per_table[..., 0] + per_table[..., 1])
