"""Runs in lockstep (coopsim.world.batch): every run of a batch has, value for value, the
numbers it has alone, whatever the batch; what cannot run in lockstep says so and runs
one by one."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coopsim as cs
from coopsim.engine import rounds
from coopsim.strategies import automata
from coopsim.experiments.batching import _chunks
from coopsim.experiments.runner import run_seed, sweep
from coopsim.world import mechanisms
from coopsim.world.batch import Streams, supports_lockstep
from coopsim.world.loop import simulate_runs
from coopsim.world.mechanisms import Mechanism
from coopsim.world.scenario import Scenario

SMALL = dict(n_states=20, periods=40, window=10)
PG = {"game": "public_goods", "actors.n_actors": 4}
CASES = {
    "default": {},
    "exact": {"engine": "exact", "mutation": 0.05},
    "odd_pairs": {"n_states": 21, "engine": "exact", "mutation": 0.05},
    "ring_best_neighbour": {"structure": "ring", "update": "best_neighbour"},
    "lattice": {"n_states": 16, "structure": "lattice", "engine": "exact"},
    "small_world": {"structure": "small_world"},
    "all_pairs_coercive": {"structure": "all_pairs", "power.hegemon_share": 0.4, "power.hegemon_role": "coercive"},
    "k_major_deference": {"engine": "exact", "power.distribution": "k_major", "power.k": 3,
                          "power.major_share": 0.5, "power.deference": 0.3},
    "regime_choice": {"engine": "exact", "regime.membership": 0.5, "regime.monitoring": 0.6,
                      "regime.sanction": 0.5, "regime.membership_choice": True, "mutation": 0.05},
    "regime_peer": {"regime.membership": 0.8, "regime.monitoring": 0.3, "regime.peer_sanction": 0.2,
                    "regime.peer_cost": 0.1},
    "epistemic": {"epistemic.reach": 0.3, "epistemic.misperception": 0.1, "epistemic.diffusion": 0.2,
                  "epistemic.payoff_bias": 0.5},
    "consensus": {"engine": "exact", "epistemic.reach": 0.5, "epistemic.consensus": "cooperative",
                  "epistemic.accuracy": 0.7},
    "memory_one": {"strategies": ("memory_one",), "mutation": 0.05},
    "reactive_exact": {"strategies": ("reactive",), "engine": "exact", "mutation": 0.1},
    "rounds": {"iteration.rounds": 7},
    "machines": {"strategies": (cs.ALLD, cs.TFT, automata.grudger(), automata.tit_for_two_tats()),
                 "iteration.rounds": 12},
    "machines_exact": {"strategies": (cs.ALLD, automata.grudger(), automata.tit_for_two_tats()),
                       "engine": "exact", "mutation": 0.05},
    "domestic": {"engine": "exact", "domestic.veto_players": 3, "domestic.endorsers": 0.3,
                 "domestic.audience_cost": 0.5},
    "relative_gains": {"engine": "exact", "relative_gains.weight": 0.5, "relative_gains.spread": 0.3},
    "bargaining": {"bargaining.at_stake": 0.5},
    "linkage": {"engine": "exact", "linkage.second_game": "stag_hunt", "linkage.strength": 0.7, "mutation": 0.05},
    "public_goods": {**PG, "strategies": ("ALLC", "ALLD", "TFT", "GTFT", "CondCoop50"), "mutation": 0.05},
    "public_goods_deterministic": {**PG, "strategies": ("ALLC", "ALLD", "TFT"), "noise": 0.0},
    "public_goods_remainder": {**PG, "n_states": 23, "strategies": ("ALLC", "ALLD", "TFT")},
    "public_goods_long": {**PG, "strategies": ("ALLC", "ALLD", "TFT"), "iteration.continuation": 0.95},
    "public_goods_regime_exclusion": {**PG, "strategies": ("ALLC", "ALLD", "TFT", "CondCoop50"),
                                      "regime.membership": 1.0, "regime.monitoring": 0.5,
                                      "regime.sanction": 0.1, "regime.exclusion": "exclude"},
    "public_goods_everything": {**PG, "strategies": ("ALLC", "ALLD", "TFT", "CondCoop50"),
                                "regime.membership": 1.0, "regime.monitoring": 0.5, "regime.sanction": 0.3,
                                "power.hegemon_share": 0.3, "power.hegemon_role": "coercive",
                                "epistemic.reach": 0.4, "epistemic.misperception": 0.1,
                                "epistemic.diffusion": 0.1, "relative_gains.weight": 0.3},
    "volunteers_lattice": {"n_states": 16, "structure": "lattice", "game": "volunteers_dilemma",
                           "actors.n_actors": 5, "strategies": ("ALLC", "ALLD", "TFT")},
}


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.periods, b.periods, check_exact=True)
    pd.testing.assert_frame_equal(a.states, b.states, check_exact=True)
    assert a.summary == b.summary


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_run_of_a_batch_has_its_numbers_alone(case):
    sc = Scenario(**SMALL).with_params(CASES[case])
    assert supports_lockstep(sc)
    seeds = [3, 0, 12345]
    batch = simulate_runs(sc, seeds)
    for seed, res in zip(seeds, batch, strict=True):
        _same(res, sc.run(seed=seed))
    # and whatever the batch: the same run in another company
    _same(simulate_runs(sc, [99, 12345])[1], batch[2])


def test_runs_of_a_batch_differ_from_each_other():
    sc = Scenario(**SMALL)
    a, b = simulate_runs(sc, [1, 2])
    assert not a.periods["cooperation"].equals(b.periods["cooperation"])


# ------------------------------------------------------------------ group games of several runs
def _group_run_alone(tab, lengths, paytab, gen, index, chunk):
    """One run as documented: groups longest first (stable) in chunks of ``chunk // n``,
    round by round, one float32 per active member (none if no table is stochastic)."""
    G, n = index.shape
    order, step = np.argsort(-lengths, kind="stable"), max(1, chunk // n)
    stochastic = np.any((tab[index] > 0) & (tab[index] < 1))
    score, moves = np.zeros((G, n)), np.zeros((G, n))
    actions = np.full((G, lengths.max(), n), -1, dtype=np.int8)
    for lo in range(0, G, step):
        grp = order[lo:lo + step]
        col = np.full((len(grp), n), 2 * n)  # first move, then own move a * n + others cooperating
        for t in range(lengths[grp].max()):
            k = int(np.sum(lengths[grp] > t))
            p = tab[index[grp[:k]], col[:k]]
            d = (gen.random((k, n), dtype=np.float32) >= p) if stochastic else p < 0.5
            col[:k] = d * n + (n - d.sum(axis=1, keepdims=True)) - (1 - d)
            score[grp[:k]] += paytab[col[:k]]
            moves[grp[:k]] += d
            actions[grp[:k], t] = d
    return 1 - moves / lengths[:, None], score / lengths[:, None], actions


@pytest.mark.parametrize("chunk, window", [(rounds.CHUNK, rounds.WINDOW), (6, 1)])
def test_group_engine_gives_each_run_of_a_batch_its_numbers_alone(chunk, window, monkeypatch):
    monkeypatch.setattr(rounds, "CHUNK", chunk)  # small chunks: several per run
    monkeypatch.setattr(rounds, "WINDOW", window)  # small windows: draws of 8 rounds at a time
    game = cs.public_goods(3, multiplier=2.0)
    n, R, G = 3, 4, 7
    paytab = rounds.group_payoff_table(game, n)
    rng = np.random.default_rng(0)
    tab = np.concatenate([rng.random((3, 2 * n + 1)),  # stochastic tables
                          (rng.random((2, 2 * n + 1)) < 0.5).astype(float)]).astype(np.float32)
    index = rng.integers(0, 5, size=(R * G, n))
    index[G:2 * G] = rng.integers(3, 5, size=(G, n))  # run 1 uses deterministic tables only
    lengths = rng.geometric(0.1, size=R * G)
    for runs in (range(R), [2]):  # a batch, and a run alone
        rows = np.concatenate([np.arange(r * G, (r + 1) * G) for r in runs])
        gens = [np.random.default_rng(r) for r in runs]
        got = rounds.play_group_tables(tab, lengths[rows], paytab, gens if len(runs) > 1 else gens[0],
                                       record=True, index=index[rows])
        for i, r in enumerate(runs):
            sl, gen = slice(i * G, (i + 1) * G), np.random.default_rng(r)
            coop, pay, acts = _group_run_alone(tab, lengths[rows][sl], paytab, gen, index[rows][sl], chunk)
            assert np.array_equal(got.cooperation[sl], coop) and np.array_equal(got.payoff[sl], pay)
            T = acts.shape[1]
            assert np.array_equal(got.actions[sl, :T], acts) and np.all(got.actions[sl, T:] == -1)
            assert gens[i].random() == gen.random()  # as many draws as the reference


def test_group_engine_orders_matches_longer_than_int16_keys_hold():
    # the engine sorts lengths as 16-bit keys when they fit (radix sort), else as int64:
    # matches past 2**15 rounds take the second path, with the same order as the reference
    game = cs.public_goods(2, multiplier=1.5)
    n, G = 2, 4
    paytab = rounds.group_payoff_table(game, n)
    tab = np.random.default_rng(1).random((3, 2 * n + 1)).astype(np.float32)
    index = np.random.default_rng(2).integers(0, 3, size=(2 * G, n))
    lengths = np.array([5, 33_000, 7, 32_770, 32_900, 2, 32_768, 9])
    gens = [np.random.default_rng(r) for r in range(2)]
    got = rounds.play_group_tables(tab, lengths, paytab, gens, index=index)
    for r in range(2):
        sl = slice(r * G, (r + 1) * G)
        coop, pay, _ = _group_run_alone(tab, lengths[sl], paytab, np.random.default_rng(r), index[sl], rounds.CHUNK)
        assert np.array_equal(got.cooperation[sl], coop) and np.array_equal(got.payoff[sl], pay)


# ------------------------------------------------------------------ streams
def test_streams_split_draws_evenly_over_runs():
    def fresh():
        return Streams([np.random.default_rng(i) for i in range(3)])

    s = fresh()
    x = s.random(12)
    assert np.array_equal(x[4:8], np.random.default_rng(1).random(4))  # run 1's first four
    with pytest.raises(ValueError, match="split evenly"):
        s.random(10)
    with pytest.raises(AttributeError, match="per_run"):
        s.permutation(4)


# one operation on a Streams: (kind, argument); every kind draws uniform numbers only
_OPS = st.lists(st.one_of(
    st.tuples(st.just("rows"), st.integers(0, 3000)),  # m numbers per run (some > BLOCK)
    st.tuples(st.just("where"), st.lists(st.integers(0, 40), min_size=3, max_size=3)),  # counts per run
    st.tuples(st.just("view"), st.tuples(st.integers(0, 2), st.integers(1, 50))),  # one run's own draw
), min_size=1, max_size=25)


def _apply(streams, ops, runs):
    """The uniform numbers each run of ``runs`` received from ``ops`` on ``streams``."""
    got = {r: [] for r in runs}
    for kind, arg in ops:
        if kind == "rows":
            x = streams.random(arg * len(runs)).reshape(len(runs), -1)
            for i, r in enumerate(runs):
                got[r].append(x[i])
        elif kind == "where":
            counts = [arg[r] for r in runs]
            mask = np.concatenate([np.arange(40) < c for c in counts])
            x = np.split(streams.random_where(mask), np.cumsum(counts)[:-1])
            for i, r in enumerate(runs):
                got[r].append(x[i])
        elif arg[0] in runs:
            got[arg[0]].append(np.atleast_1d(streams.run(runs.index(arg[0])).random(arg[1])))
    return {r: np.concatenate(v) if v else np.empty(0) for r, v in got.items()}


@settings(max_examples=60, deadline=None)
@given(_OPS)
def test_each_run_receives_its_generators_random_sequence_whatever_the_batch(ops):
    # the streams are buffered in blocks; a run's numbers are still exactly its generator's
    # random() sequence, in a batch of three, or alone
    batch = _apply(Streams([np.random.default_rng(10 + r) for r in range(3)]), ops, [0, 1, 2])
    for r in range(3):
        alone = _apply(Streams([np.random.default_rng(10 + r)]), ops, [r])[r]
        assert np.array_equal(batch[r], alone)
        assert np.array_equal(alone, np.random.default_rng(10 + r).random(alone.size))


def test_derived_draws_are_functions_of_each_runs_uniform_numbers():
    s, u = Streams([np.random.default_rng(1), np.random.default_rng(2)]), {}
    ref = [np.random.default_rng(1).random(4000), np.random.default_rng(2).random(4000)]
    ints = s.integers(3, 10, size=2000)  # 1000 per run
    for r in range(2):
        u[r] = ref[r][:1000]
        assert np.array_equal(ints[1000 * r:1000 * (r + 1)], 3 + np.floor(u[r] * 7).astype(np.int64))
    assert ints.min() == 3 and ints.max() == 9
    p = np.array([0.2, 0.7])
    geo = s.geometric(np.repeat(p, 1000))  # one probability per row, run 0 then run 1
    for r in range(2):
        assert np.array_equal(geo[1000 * r:1000 * (r + 1)],
                              np.maximum(np.ceil(np.log1p(-ref[r][1000:2000]) / np.log1p(-p[r])), 1))
    perms = s.permutations(30)
    for r in range(2):
        assert np.array_equal(perms[r], np.argsort(ref[r][2000:2030], kind="stable"))
        assert sorted(perms[r]) == list(range(30))
    low, high = -1.0, 3.0
    uni = s.uniform(low, high, size=4)
    for r in range(2):
        assert np.array_equal(uni[2 * r:2 * r + 2], low + (high - low) * ref[r][2030:2032])


@pytest.mark.parametrize("p", [0.05, 0.3, 0.9, 1.0])
def test_geometric_lengths_have_the_geometric_law(p):
    # mean 1/p and variance (1 - p) / p^2 of the number of trials to the first success
    x = Streams([np.random.default_rng(5)]).geometric(p, size=200_000)
    assert x.min() >= 1
    se = np.sqrt((1 - p) / p**2 / x.size)
    assert abs(x.mean() - 1 / p) <= 4 * se + 1e-12
    assert np.array_equal(np.bincount(x, minlength=3)[:3] > 0, [False, True, p < 1])


def test_integers_are_uniform_over_their_range():
    x = Streams([np.random.default_rng(6)]).integers(0, 7, size=70_000)
    counts = np.bincount(x, minlength=7)
    # each count ~ Binomial(70000, 1/7): 4 standard errors
    assert np.all(np.abs(counts - 10_000) <= 4 * np.sqrt(70_000 * (1 / 7) * (6 / 7)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 5.0), min_size=1, max_size=6).filter(lambda w: sum(w) > 0.01),
       st.integers(0, 2**32 - 1), st.integers(0, 30))
def test_mutants_draw_as_generator_choice_does(weights, seed, count):
    # the loop inverts one uniform per mutant on the kernel's cdf: Generator.choice(size, p)
    kernel = np.asarray(weights) / np.sum(weights)
    cdf = kernel.cumsum()
    cdf /= cdf[-1]
    mine = cdf.searchsorted(np.random.default_rng(seed).random(count), side="right")
    assert np.array_equal(mine, np.random.default_rng(seed).choice(kernel.size, size=count, p=kernel))


def test_random_where_draws_each_runs_own_count():
    mask = np.array([True, False, True, False, False, True])
    got = Streams([np.random.default_rng(i) for i in range(2)]).random_where(mask)
    assert np.array_equal(got, np.concatenate([np.random.default_rng(0).random(2), np.random.default_rng(1).random(1)]))


# ------------------------------------------------------------------ what cannot run in lockstep
@dataclass(frozen=True)
class Tithe(Mechanism):
    """A test mechanism from outside the package: it does not say it can run in lockstep."""

    HYPOTHESIS = "T2"
    NAME = "tithe"
    rate: float = 0.0

    @property
    def is_neutral(self) -> bool:
        return self.rate == 0.0

    def charges(self, world, ns, play):
        play.charges += self.rate


@pytest.mark.parametrize("params", [{"update": "moran_bd"}, {"update": "replicator"},
                                    {"linkage.second_game": "stag_hunt", "linkage.strength": 0.5},
                                    {"domestic.veto_players": 2, "domestic.spread": 0.3}])
def test_what_cannot_run_in_lockstep_says_so(params):
    sc = Scenario(**SMALL).with_params(params)
    assert not supports_lockstep(sc)
    with pytest.raises(ValueError, match="lockstep"):
        simulate_runs(sc, [1, 2])


def test_outside_mechanism_runs_one_by_one_in_a_sweep_with_its_own_numbers():
    mechanisms.register(Tithe)
    try:
        sc = Scenario(**SMALL, extensions={"tithe": {"rate": 0.1}})
        assert not supports_lockstep(sc)
        runs = sweep(sc, {"noise": [0.0, 0.05]}, replications=3, seed=5, progress=False).runs
        row = runs[(runs.point == 1) & (runs.replication == 2)].iloc[0]
        alone = sc.with_params({"noise": 0.05}).run(seed=run_seed(5, 1, 2))
        assert row["window_cooperation"] == alone.summary["window_cooperation"]
    finally:
        mechanisms.unregister("tithe")


def test_a_sweep_in_lockstep_gives_each_run_its_numbers_alone():
    sc = Scenario(**SMALL).with_params(CASES["public_goods_everything"])
    runs = sweep(sc, {"regime.monitoring": [0.2, 0.8]}, replications=5, seed=9, progress=False).runs
    for point, rep in [(0, 0), (1, 4), (1, 2)]:
        row = runs[(runs.point == point) & (runs.replication == rep)].iloc[0]
        alone = sc.with_params({"regime.monitoring": [0.2, 0.8][point]}).run(seed=run_seed(9, point, rep))
        for k in ("window_cooperation", "window_payoff", "final_cooperation"):
            assert row[k] == alone.summary[k]


def test_chunks_keep_a_points_replications_together():
    tasks = [(p, r) for p in range(3) for r in range(10)] + [(3, 0), (4, 0), (4, 1)]
    chunks = list(_chunks(tasks, 6))
    assert sorted(t for c in chunks for t in c) == sorted(tasks)
    assert all(len(c) <= 6 for c in chunks)
    # a point with more replications than a chunk holds is cut into equal pieces
    assert [len(c) for c in chunks if {p for p, _ in c} == {0}] == [5, 5]


def test_a_bad_lockstep_setting_is_refused_before_any_run(monkeypatch):
    monkeypatch.setenv("COOPSIM_LOCKSTEP_STATES", "many")
    with pytest.raises(cs.ParameterError, match="COOPSIM_LOCKSTEP_STATES"):
        sweep(Scenario(**SMALL), {"noise": [0.0]}, replications=2, seed=1, progress=False, workers=2)


def test_per_run_path_and_lockstep_give_the_same_sweep(monkeypatch):
    sc = Scenario(**SMALL).with_params(CASES["public_goods"])
    together = sweep(sc, {"noise": [0.0, 0.02]}, replications=4, seed=3, progress=False).runs
    monkeypatch.setenv("COOPSIM_LOCKSTEP_STATES", "0")  # every run alone
    alone = sweep(sc, {"noise": [0.0, 0.02]}, replications=4, seed=3, progress=False).runs
    pd.testing.assert_frame_equal(together.drop(columns="elapsed"), alone.drop(columns="elapsed"), check_exact=True)


def test_parameter_errors_cross_process_boundaries_intact():
    # an error raised in a worker is pickled back to the sweep: it must keep what it names
    import pickle

    err = pickle.loads(pickle.dumps(cs.ParameterError("regime.monitoring", 2.0, "a probability in [0, 1]")))
    assert (err.name, err.value, err.allowed) == ("regime.monitoring", 2.0, "a probability in [0, 1]")
    assert str(err) == "regime.monitoring=2.0 is not allowed: a probability in [0, 1]"
