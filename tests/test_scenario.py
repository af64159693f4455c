"""The simulated world: validation, neutral values, invariants, reproducibility."""
import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.world.mechanisms import Epistemic, Power, Reciprocity, Regime
from coopsim.world.perception import misperceive_group, misperceive_memory_one, perceived_count_kernel
from coopsim.world.scenario import Scenario

SMALL = dict(n_states=30, periods=120, window=30)


def same_run(a: Scenario, b: Scenario, seed=7):
    ra, rb = a.run(seed=seed), b.run(seed=seed)
    pd.testing.assert_frame_equal(ra.periods, rb.periods)
    assert ra.summary == rb.summary


# ---------------------------------------------------------------- neutral values
@pytest.mark.parametrize("engine", ["exact", "sampled"])
@pytest.mark.parametrize(
    "neutral",
    [
        {"regime": Regime(membership=0.6)},  # members, but no monitoring, sanctions or dues
        {"epistemic": Epistemic(reach=0.3, diffusion=0.5)},  # advice, but nothing to correct
        {"power": Power(hegemon_share=1 / 30)},  # the largest state has an equal share
        {"power": Power(hegemon_share=0.0333)},  # 1/30 as rounded in a file: still equality
        {"reciprocity": Reciprocity(share=3 / 5)},  # TFT, GTFT, WSLS are 3 of 5 strategies
    ],
    ids=["regime", "epistemic", "power", "power-rounded", "reciprocity"],
)
def test_mechanism_at_neutral_value_reproduces_the_run_without_it(engine, neutral):
    base = Scenario(**SMALL, engine=engine)
    same_run(base, Scenario(**SMALL, engine=engine, **neutral))


def test_neutral_group_mechanisms_reproduce_run():
    base = Scenario(**SMALL, game="public_goods", actors={"n_actors": 3}, strategies=("ALLC", "ALLD", "TFT"))
    same_run(base, base.with_params({"regime.membership": 0.5, "epistemic.reach": 0.4}))


# ---------------------------------------------------------------- perception = transformed rule
def test_misperception_transform_of_tft_is_noisy_tft():
    tft = cs.TFT.array
    out = misperceive_memory_one(tft, 0.1)
    # TFT misreading the co-player's move w.p. 0.1 cooperates after C w.p. 0.9 and after D w.p. 0.1
    assert np.allclose(out, [0.9, 0.1, 0.9, 0.1, 1.0])


def test_group_perception_kernel_is_binomial_thinning():
    K = perceived_count_kernel(4, 0.2)
    assert np.allclose(K.sum(1), 1)
    # all 3 others cooperate: perceived count ~ Binomial(3, 0.8)
    assert np.allclose(K[3], [0.2**3, 3 * 0.8 * 0.2**2, 3 * 0.8**2 * 0.2, 0.8**3])
    # for n = 2 the group transform equals the memory-one transform of TFT
    flat = np.array([0, 1, 0, 1, 1.0])  # table [[0,1],[0,1]] + initial
    assert np.allclose(misperceive_group(flat, 2, 0.1)[:4], [0.1, 0.9, 0.1, 0.9])


@pytest.mark.parametrize("n", range(2, 13))
def test_group_perception_keeps_probabilities_in_unit_interval(n):
    # regression: round-off in the binomial kernel once gave 1 + 1e-16 (rejected by the engine)
    from coopsim.strategies import registry

    ctx = registry.StrategyContext(game=None, n_actors=n, generosity=1 / 3)
    rules = np.stack([registry.build(s, ctx, "group").array(n) for s in registry.names("group")])
    for e in (0.01, 0.1, 0.37):
        out = misperceive_group(rules, n, e)
        assert out.min() >= 0.0 and out.max() <= 1.0
        assert np.allclose(out[:, -1], rules[:, -1])  # first move unchanged


def test_misperception_in_simulation_matches_exact_noisy_rule():
    # the sampled engine playing the transformed rule = exact value of the transformed chain
    from coopsim.engine import exact

    p = misperceive_memory_one(cs.TFT.array, 0.05)
    v = exact.payoffs(p, p, cs.prisoners_dilemma(), rounds=50)
    # perception error alone: TFT pairs echo misreadings; cooperation strictly between 0.5 and 1
    assert 0.5 < v.focal_cooperation[0] < 0.95


# ---------------------------------------------------------------- invariants and outputs
def test_tables_and_summary_are_consistent():
    res = Scenario(**SMALL, engine="exact").run(seed=3)
    p = res.periods
    assert len(p) == SMALL["periods"]
    shares = p[[c for c in p if c.startswith("share_")]].to_numpy()
    assert np.allclose(shares.sum(1), 1)
    assert ((p.cooperation >= 0) & (p.cooperation <= 1)).all()
    assert res.summary["window_cooperation"] == pytest.approx(p.cooperation.iloc[-30:].mean())
    assert res.emerged == (res.summary["window_cooperation"] >= 0.7)
    assert len(res.states) == 30 and set(res.states.strategy) <= set(Scenario().strategies)


def test_all_cooperators_without_noise_cooperate_fully():
    sc = Scenario(**SMALL, strategies=("ALLC",), noise=0.0, mutation=0.0)
    res = sc.run(seed=1)
    assert (res.periods.cooperation == 1.0).all()
    assert res.summary["emerged"] and res.summary["emergence_period"] == SMALL["window"] - 1
    assert res.periods.mean_payoff.iloc[0] == pytest.approx(3.0)  # R of Axelrod's game


def test_same_seed_same_numbers_and_seed_zero_counts():
    sc = Scenario(**SMALL)
    a, b, c = sc.run(seed=0), sc.run(seed=0), sc.run(seed=1)
    pd.testing.assert_frame_equal(a.periods, b.periods)
    assert not a.periods.equals(c.periods)


def test_exact_and_sampled_engines_agree_on_mean_cooperation_of_fixed_population():
    # no revision, no mutation: a fixed population of TFT and WSLS with noise; the sampled
    # per-period cooperation must average to the exact value
    kw = dict(n_states=40, periods=300, window=300, strategies=("TFT", "WSLS"), mutation=0.0, revision_rate=0.0,
              noise=0.05, iteration={"continuation": 0.8})
    ex = Scenario(**kw, engine="exact").run(seed=5).periods.cooperation
    sa = Scenario(**kw, engine="sampled").run(seed=5).periods.cooperation
    # periods are independent draws (fresh matching, fixed population): compare means in SE
    se = np.hypot(sa.std(), ex.std()) / np.sqrt(len(sa))
    assert abs(sa.mean() - ex.mean()) < 4 * se


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(n_states=1), "n_states"),
        (dict(noise=0.7), "noise"),
        (dict(mutation=-0.1), "mutation"),
        (dict(strategies=("TFT", "Cooperator")), "strategies"),
        (dict(game="poker"), "game"),
        (dict(update="genetic"), "update"),
        (dict(structure="torus"), "structure"),
        (dict(window=1000, periods=100), "window"),
        (dict(actors={"n_actors": 4}), "actors.n_actors"),
        (dict(regime={"monitoring": 1.5}), "regime.monitoring"),
        (dict(regime={"monitorin": 0.5}), "regime.monitorin"),
        (dict(power={"hegemon_share": 0.01}, n_states=10), "power.hegemon_share"),
        (dict(power={"hegemon_role": "tyrant"}), "power.hegemon_role"),
        (dict(iteration={"continuation": 1.0}), "iteration.continuation"),
        (dict(structure="lattice", n_states=50), "n_states"),
        (dict(game="public_goods", engine="exact"), "engine"),
        (dict(reciprocity={"share": 0.5}, strategies=("TFT", "WSLS")), "reciprocity.share"),
    ],
)
def test_invalid_parameters_fail_at_construction_naming_the_parameter(kw, name):
    with pytest.raises(cs.ParameterError) as err:
        sc = Scenario(**kw)
        sc.kernel()
    assert err.value.name == name
    assert "not allowed" in str(err.value)


def test_with_params_reaches_into_mechanisms_and_rejects_unknown_names():
    sc = Scenario().with_params({"regime.monitoring": 0.4, "n_states": 20})
    assert sc.regime.monitoring == 0.4 and sc.n_states == 20
    with pytest.raises(cs.ParameterError, match="regime.monitorng"):
        Scenario().with_params({"regime.monitorng": 0.4})
    with pytest.raises(cs.ParameterError, match="budget"):
        Scenario().with_params({"budget.size": 1})


# ---------------------------------------------------------------- strategy spaces and replicator
def test_continuous_memory_one_space_reports_mean_vectors():
    sc = Scenario(**SMALL, strategies=("memory_one",), engine="exact", mutation=0.0, revision_rate=0.0)
    res = sc.run(seed=2)
    first = res.periods.iloc[0]
    # without revision or mutation the population never changes: components stay at their means
    assert res.periods["mean_p_CC"].nunique() == 1
    vals = [first[c] for c in ("mean_p_CC", "mean_p_CD", "mean_p_DC", "mean_p_DD")]
    assert len(set(vals)) == 4 and all(0 < v < 1 for v in vals)


def test_reactive_space_draws_reactive_vectors():
    sc = Scenario(**SMALL, strategies=("reactive",))
    v = sc.draw_strategies(np.random.default_rng(0), 100)
    assert np.allclose(v[:, 0], v[:, 2]) and np.allclose(v[:, 1], v[:, 3])


def test_replicator_without_selection_or_mutation_keeps_shares_and_matches_exact_cooperation():
    from coopsim.engine import exact

    sc = Scenario(periods=20, window=10, update="replicator", selection_intensity=0.0, mutation=0.0,
                  strategies=("TFT", "ALLD"), iteration={"continuation": 0.8})
    res = sc.run()
    assert np.allclose(res.periods[["share_TFT", "share_ALLD"]].to_numpy(), 0.5)
    v = exact.payoffs([cs.TFT, cs.TFT, cs.ALLD, cs.ALLD], [cs.TFT, cs.ALLD, cs.TFT, cs.ALLD], sc.stage_game(),
                      continuation=0.8, noise=sc.noise)
    assert res.periods.cooperation.iloc[0] == pytest.approx(v.focal_cooperation.mean())


def test_replicator_follows_the_exact_tft_alld_threshold():
    # T2: TFT resists ALLD (TFT-TFT > ALLD-TFT) iff w > (T-R)/(T-P) = 1/2 in Axelrod's game; starting at
    # 90 % TFT without noise or mutation, the replicator keeps TFT above the threshold and loses it below
    kw = dict(periods=400, window=10, update="replicator", strategies=("TFT", "ALLD"), noise=0.0, mutation=0.0,
              reciprocity={"share": 0.9})
    above = Scenario(**kw, iteration={"continuation": 0.6}).run()
    below = Scenario(**kw, iteration={"continuation": 0.3}).run()
    assert above.periods.share_TFT.iloc[-1] > 0.99
    assert below.periods.share_TFT.iloc[-1] < 0.01


@pytest.mark.parametrize("kw, name", [
    (dict(update="replicator", regime={"membership": 1.0, "monitoring": 0.5}), "regime"),
    (dict(update="replicator", structure="ring"), "structure"),
    (dict(update="replicator", strategies=("memory_one",)), "strategies"),
    (dict(strategies=("memory_one", "TFT")), "strategies"),
])
def test_replicator_and_space_restrictions_are_named(kw, name):
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**kw)
    assert err.value.name == name


def test_with_params_switches_between_continuation_and_rounds():
    sc = Scenario().with_params({"iteration.rounds": 10})
    assert sc.iteration.rounds == 10 and sc.iteration.continuation is None
    back = sc.with_params({"iteration.continuation": 0.5})
    assert back.iteration.continuation == 0.5 and back.iteration.rounds is None
