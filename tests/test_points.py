"""Runs of different design points in lockstep (coopsim.world.points): every run of a
mixed batch has, value for value, the numbers it has alone; a parameter that differs
between runs cannot be read as one number; the runner falls back point by point."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.experiments.batching import order_tasks, run_points
from coopsim.experiments.runner import run_seed, sweep
from coopsim.world.batch import supports_lockstep
from coopsim.world.loop import World, simulate_points
from coopsim.world.points import Varying, VaryingParameterError, batch_key
from coopsim.world.scenario import Scenario

from test_lockstep import CASES, SMALL, _same

def _variants(base: Scenario) -> list[dict]:
    """Three points of ``base`` that differ in every per-run parameter the case admits."""
    points = [{"threshold": t} for t in (0.7, 0.5, 0.9)]
    trials = {"selection_intensity": (1.0, 0.2, 5.0),
              "mutation": (0.01, 0.0, 0.05),  # a run without mutation draws nothing for it
              "revision_rate": (0.1, 1.0, 0.5),  # nor a run where everyone revises
              "noise": (0.01, 0.0, 0.05),  # a deterministic run of the group engine beside stochastic ones
              "iteration.continuation": (0.6, 0.8, 0.95) if base.iteration.rounds is None else None,
              "reciprocity.share": (None, 0.3, 0.8),
              "regime.monitoring": (0.6, 0.2, 1.0) if base.regime.is_active else None,
              "epistemic.reach": (0.3, 0.0, 0.9) if base.epistemic.is_active else None,
              "power.hegemon_share": (0.4, 0.2, 0.6) if base.power.hegemon_share is not None else None,
              "bargaining.at_stake": (0.5, 2.0, 1.0) if base.bargaining.is_active else None}
    for name, values in trials.items():
        if values is None:
            continue
        try:
            scs = [base.with_params({name: v}) for v in values]
        except cs.ParameterError:
            continue
        if len({batch_key(s) for s in scs}) == 1:
            for p, v in zip(points, values, strict=True):
                p[name] = v
    return points


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_run_of_a_mixed_batch_equals_the_run_alone(case):
    base = Scenario(**SMALL).with_params(CASES[case])
    if not supports_lockstep(base):
        pytest.skip("runs one by one")
    points = _variants(base)
    scs = [base.with_params(p) for p in points]
    seeds = [run_seed(9, i, 0) for i in range(len(scs))]
    world = World(scs[0], seeds=seeds, scenarios=scs)
    assert world.varying  # the batch mixes points
    for sc, seed, res in zip(scs, seeds, simulate_points(scs, seeds), strict=True):
        _same(res, sc.run(seed=seed))


def test_milner_s_parameters_all_vary_within_one_batch():
    base = Scenario(n_states=20, periods=40, window=10, game="public_goods", actors={"n_actors": 4},
                    strategies=("ALLC", "ALLD", "TFT", "CondCoop50", "WSLS"),
                    regime={"membership": 1.0, "sanction": 0.1, "exclusion": "exclude"},
                    epistemic={"misperception": 0.1}, power={"hegemon_share": 0.3})
    values = [(0.2, 0.5, 0.0, 0.1, 0.05), (0.8, 0.9, 0.5, 1.0, 0.6), (0.5, 0.7, 1.0, 0.3, 0.05),
              (0.5, 0.3, 0.0, 0.0, 0.3)]
    scs = [base.with_params({"reciprocity.share": s, "iteration.continuation": w, "regime.monitoring": m,
                             "epistemic.reach": e, "power.hegemon_share": h}) for s, w, m, e, h in values]
    seeds = [run_seed(4, i, 1) for i in range(4)]
    world = World(scs[0], seeds=seeds, scenarios=scs)
    assert world.varying == {"reciprocity": ("share",), "iteration": ("continuation",),
                             "regime": ("monitoring",), "epistemic": ("reach",), "power": ("hegemon_share",)}
    for sc, seed, res in zip(scs, seeds, simulate_points(scs, seeds), strict=True):
        _same(res, sc.run(seed=seed))


@pytest.mark.parametrize("case", ["plain", "regime_choice", "linkage", "ring_best_neighbour"])
def test_the_evolutionary_parameters_vary_within_one_batch(case):
    # a sweep over selection, mutation and revision: points that differ in them share
    # batches; mutation 0 and revision rate 1 (no draws for them) beside draws, the
    # regime's and linkage's own imitation and mutation, best-neighbour revision, per run too
    extra = {"plain": {}}.get(case, CASES.get(case))
    base = Scenario(**SMALL).with_params(extra)
    scs = [base.with_params({"selection_intensity": s, "mutation": mu, "revision_rate": q})
           for s, mu, q in ((0.2, 0.0, 1.0), (5.0, 0.05, 0.3), (1.0, 0.2, 1.0), (0.0, 0.0, 0.05))]
    seeds = [run_seed(8, i, 0) for i in range(len(scs))]
    assert World(scs[0], seeds=seeds, scenarios=scs).varying == {None: ("selection_intensity", "mutation",
                                                                        "revision_rate")}
    for sc, seed, res in zip(scs, seeds, simulate_points(scs, seeds), strict=True):
        _same(res, sc.run(seed=seed))


@pytest.mark.parametrize("case", ["exact", "exact_rounds", "lattice", "machines_exact", "reactive_exact", "default",
                                  "machines", "public_goods", "public_goods_deterministic", "linkage",
                                  "linkage_rounds"])
def test_the_noise_varies_within_one_batch(case):
    # a sweep over implementation noise alone (one match length law): the exact engine's
    # tables, one per noise value (also on a lattice and for machines), each encounter's own
    # noise in the exact chains of continuous strategies, the sampled engines, the group
    # engine with a noiseless (deterministic) run beside noisy ones
    extra = {"exact_rounds": {"engine": "exact", "iteration.rounds": 6},
             "linkage_rounds": {**CASES["linkage"], "iteration.rounds": 6}}.get(case, CASES.get(case))
    base = Scenario(**SMALL).with_params(extra)
    scs = [base.with_params({"noise": e}) for e in (0.02, 0.0, 0.1, 0.02)]
    seeds = [run_seed(5, i, 0) for i in range(len(scs))]
    assert World(scs[0], seeds=seeds, scenarios=scs).varying == {None: ("noise",)}
    for sc, seed, res in zip(scs, seeds, simulate_points(scs, seeds), strict=True):
        _same(res, sc.run(seed=seed))


@pytest.mark.parametrize("engine", ["exact", "sampled"])
def test_bargaining_stakes_and_continuation_vary_within_one_batch(engine):
    # bargaining.toml's grid: each run's concession and delay from its own stakes and w
    base = Scenario(**SMALL, engine=engine, bargaining={"at_stake": 1.0})
    scs = [base.with_params({"bargaining.at_stake": s, "iteration.continuation": w})
           for s, w in ((0.5, 0.5), (4.0, 0.9), (1.0, 0.98))]
    seeds = [run_seed(6, i, 0) for i in range(3)]
    assert World(scs[0], seeds=seeds, scenarios=scs).varying == {"iteration": ("continuation",),
                                                                 "bargaining": ("at_stake",)}
    delay = []
    for sc, seed, res in zip(scs, seeds, simulate_points(scs, seeds), strict=True):
        _same(res, sc.run(seed=seed))
        delay.append(res.periods["delay"].mean())
    assert delay[0] < delay[1]  # high stakes and a long shadow: a longer bargain (not the first run's)


def test_the_batch_key_keeps_apart_what_is_not_per_run():
    base = Scenario(**SMALL, regime={"membership": 0.5, "monitoring": 0.5})
    assert batch_key(base.with_params({"regime.monitoring": 0.1})) == batch_key(base)
    assert batch_key(base.with_params({"threshold": 0.5, "iteration.continuation": 0.5})) == batch_key(base)
    assert batch_key(base.with_params({"noise": 0.0, "mutation": 0.1})) == batch_key(base)
    assert batch_key(base.with_params({"window": 5})) != batch_key(base)  # not a per-run parameter
    assert batch_key(base.with_params({"regime.sanction": 0.2})) != batch_key(base)
    assert batch_key(base.with_params({"regime.monitoring": 0.0})) != batch_key(base)  # the regime turns off
    with pytest.raises(ValueError, match="more than per-run parameters"):
        simulate_points([base, base.with_params({"regime.sanction": 0.2})], [1, 2])


@pytest.mark.parametrize("use", [lambda v: v < 0.5, lambda v: float(v), lambda v: np.random.default_rng(0).random(3) < v,
                                 lambda v: v * 2, lambda v: bool(v), lambda v: f"{v:.2f}", lambda v: v == 0.5,
                                 lambda v: 1.0 - v, lambda v: np.asarray(v, dtype=float)])
def test_a_varying_parameter_refuses_every_use(use):
    with pytest.raises(VaryingParameterError, match="regime.monitoring differs between the runs"):
        use(Varying("regime.monitoring"))


def test_a_mechanism_reading_a_varying_parameter_as_a_number_falls_back_point_by_point():
    # issue linkage reads the continuation as one number: the mixed batch is refused, the
    # runner runs the points one by one, with the numbers each run has alone
    base = Scenario(**SMALL).with_params(CASES["linkage"])
    scs = {p: base.with_params({"iteration.continuation": w}) for p, w in enumerate((0.5, 0.8, 0.9))}
    reps = {p: [0, 1] for p in scs}
    out = list(run_points(scs, reps, root_seed=5))
    assert sorted((p, r) for p, r, *_ in out) == [(p, r) for p in scs for r in (0, 1)]
    for p, r, res, err, _ in out:
        assert err is None
        _same(res, scs[p].run(seed=run_seed(5, p, r)))


def test_tasks_are_ordered_by_shape_keeping_each_point_together():
    params = [{"actors.n_actors": 2, "regime.monitoring": 0.1}, {"actors.n_actors": 3, "regime.monitoring": 0.1},
              {"actors.n_actors": 2, "regime.monitoring": 0.9}, {"actors.n_actors": 3, "regime.monitoring": 0.5}]
    tasks = [(p, r) for p in range(4) for r in range(2)]
    assert order_tasks(tasks, params) == [(0, 0), (0, 1), (2, 0), (2, 1), (1, 0), (1, 1), (3, 0), (3, 1)]


def test_sweeps_are_identical_with_and_without_points_in_lockstep(monkeypatch):
    base = Scenario(**SMALL, engine="exact", strategies=("ALLC", "ALLD", "TFT", "WSLS"), regime={"membership": 0.5})
    grid = {"regime.monitoring": [0.3, 0.9], "iteration.continuation": [0.5, 0.9], "reciprocity.share": [0.2, 0.7]}
    together = sweep(base, grid, replications=3, seed=8, progress=False).runs
    monkeypatch.setenv("COOPSIM_LOCKSTEP_POINTS", "0")
    apart = sweep(base, grid, replications=3, seed=8, progress=False).runs
    pd.testing.assert_frame_equal(together.drop(columns="elapsed"), apart.drop(columns="elapsed"), check_exact=True)


def test_a_bad_points_setting_is_refused_before_any_run(monkeypatch):
    monkeypatch.setenv("COOPSIM_LOCKSTEP_POINTS", "yes")
    with pytest.raises(cs.ParameterError, match="COOPSIM_LOCKSTEP_POINTS"):
        sweep(Scenario(**SMALL), {"noise": [0.0]}, replications=2, seed=1, progress=False)


def test_chunks_cut_a_family_of_points_anywhere_and_keep_a_lone_point_whole():
    from coopsim.experiments.batching import _chunks

    tasks = [(p, r) for p in range(10) for r in range(100)]
    # ten points that may share batches (one family): four equal chunks, points cut in the middle
    together = list(_chunks(tasks, 250, lambda p: "one family"))
    assert [len(c) for c in together] == [250, 250, 250, 250]
    assert together[0][-1] == (2, 49) and together[1][0] == (2, 50)
    # each point its own family: a point of 100 is a chunk of its own (not packed with another,
    # so uneven points spread over the workers); points under a quarter of a chunk are packed
    alone = list(_chunks(tasks, 250))
    assert [sorted({p for p, _ in c}) for c in alone] == [[p] for p in range(10)]
    small = [(p, r) for p in range(30) for r in range(7)]
    packed = list(_chunks(small, 50))
    assert [len(c) for c in packed] == [49, 49, 49, 49, 14]
    for chunks, src in ((together, tasks), (alone, tasks), (packed, small)):
        assert [t for c in chunks for t in c] == src  # every task once, in order


def test_the_costliest_chunks_go_first_and_a_plan_keeps_every_task():
    from coopsim.experiments.batching import plan_chunks, task_cost

    base = Scenario(**SMALL)
    params = [{"n_states": n, "regime.monitoring": 0.5} for n in (12, 48, 24)]
    tasks = [(p, r) for p in range(3) for r in range(4)]
    plan = plan_chunks(tasks, 4, params, base)
    assert [c[0][0] for c in plan] == [1, 2, 0]  # 48 states, then 24, then 12
    assert sorted(t for c in plan for t in c) == tasks
    assert task_cost(base, {"n_states": 30, "structure": "all_pairs"}) == base.periods * 30 * 14.5
    assert task_cost(base, {"n_states": "many"}) == 1.0  # no estimate: no order


def test_a_sweep_is_the_same_whether_its_chunks_cut_points_or_not(monkeypatch):
    from coopsim.experiments import runner

    base = Scenario(**SMALL, engine="exact", strategies=("ALLC", "ALLD", "TFT", "WSLS"), regime={"membership": 0.5})
    grid = {"regime.monitoring": [0.3, 0.9], "threshold": [0.5, 0.7]}
    one = sweep(base, grid, replications=5, seed=4, progress=False).runs  # 20 runs, two chunks of two points
    monkeypatch.setattr(runner, "MAX_CHUNK", 3)  # chunks of 3: every point cut
    cut = sweep(base, grid, replications=5, seed=4, progress=False).runs
    key = ["point", "replication"]
    pd.testing.assert_frame_equal(one.drop(columns="elapsed").sort_values(key).reset_index(drop=True),
                                  cut.drop(columns="elapsed").sort_values(key).reset_index(drop=True),
                                  check_exact=True)
