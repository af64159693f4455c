"""H6 — capability distributions, costly and bounded coercion, deference."""
import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.world.mechanisms import Power, capabilities as caps
from coopsim.world.scenario import Scenario

SMALL = dict(n_states=20, periods=40, window=10)


# ------------------------------------------------------------------ distributions
def test_capability_distributions_are_deterministic_with_mean_one():
    n = 10
    h = caps.hegemon(n, 0.4)
    assert h[0] / h.sum() == pytest.approx(0.4) and np.allclose(h[1:], h[1])
    k = caps.k_major(n, 3, 0.6)
    assert np.allclose(k[:3] / k.sum(), 0.2) and np.allclose(k[3:], k[3])
    p = caps.pareto(n, 1.5)
    assert np.all(np.diff(p) < 0) and p.mean() == pytest.approx(1.0)
    assert np.allclose(caps.pareto(n, 1.5), p)  # quantiles, not draws
    z = caps.zipf(n, 1.0)
    assert z[0] / z[1] == pytest.approx(2.0) and z.mean() == pytest.approx(1.0)
    assert np.allclose(caps.zipf(n, 0.0), 1.0)
    assert np.allclose(caps.k_major(n, 3, 0.3), 1.0)  # k/n: equality
    v = caps.vector(3, [1.0, 2.0, 3.0])
    assert np.allclose(v, [0.5, 1.0, 1.5])
    # more concentrated: a smaller Pareto tail index gives the largest state a larger share
    assert caps.pareto(n, 1.1)[0] > caps.pareto(n, 3.0)[0]


def test_scenario_capabilities_and_the_hegemons():
    sc = Scenario(**SMALL, power={"distribution": "k_major", "k": 3, "major_share": 0.6})
    res = sc.run(seed=1)
    cap = res.states["capability"].to_numpy()
    assert np.allclose(cap[:3] / cap.sum(), 0.2)
    assert list(sc.power.hegemons(cap)) == [0, 1, 2]
    vec = Power(distribution="vector", capabilities=[1, 5, 2, 2])
    assert list(vec.hegemons(vec.capability_vector(4))) == [1]  # the largest state


def test_capabilities_from_a_users_csv(tmp_path):
    path = tmp_path / "nmc.csv"
    pd.DataFrame({"stateabb": ["USA", "RUS", "CHN", "USA", "RUS", "CHN"],
                  "year": [2000, 2000, 2000, 2001, 2001, 2001],
                  "cinc": [0.15, 0.06, 0.17, 0.14, 0.05, 0.18]}).to_csv(path, index=False)
    values = caps.capabilities_from_csv(path, "cinc", ["CHN", "USA"], year=2001)
    assert values == [0.18, 0.14]
    sc = Scenario(n_states=2, periods=5, window=2, power={"distribution": "vector", "capabilities": values})
    assert np.allclose(sc.power.capability_vector(2), [0.18 / 0.16, 0.14 / 0.16])
    with pytest.raises(cs.ParameterError) as err:
        caps.capabilities_from_csv(path, "cinc", ["FRA"], year=2001)
    assert err.value.name == "countries"
    with pytest.raises(cs.ParameterError) as err:
        caps.capabilities_from_csv(path, "milex")
    assert err.value.name == "column"


# ------------------------------------------------------------------ neutral values, refusals
@pytest.mark.parametrize("neutral", [
    {"power.distribution": "zipf", "power.shape": 0.0},
    {"power.distribution": "k_major", "power.k": 3},
    {"power.deference": 0.0, "power.hegemon_share": None},
])
def test_neutral_power_is_bit_identical(neutral):
    base = Scenario(**SMALL)
    a, b = base.run(seed=5), base.with_params(neutral).run(seed=5)
    pd.testing.assert_frame_equal(a.periods, b.periods)


@pytest.mark.parametrize("kw, name", [
    (dict(power={"budget": -1.0}), "power.budget"),
    (dict(power={"deference": 1.5}), "power.deference"),
    (dict(power={"distribution": "lognormal"}), "power.distribution"),
    (dict(power={"distribution": "pareto"}), "power.shape"),
    (dict(power={"distribution": "pareto", "shape": 0.0}), "power.shape"),
    (dict(power={"distribution": "vector", "capabilities": [1.0, -2.0]}), "power.capabilities"),
    (dict(power={"distribution": "vector", "capabilities": [1.0, 2.0, 3.0]}), "power.capabilities"),  # 20 states
    (dict(power={"distribution": "k_major", "k": 20, "major_share": 0.9}), "power.k"),
    (dict(power={"distribution": "k_major", "k": 4, "major_share": 0.1}), "power.major_share"),
    (dict(power={"distribution": "zipf", "shape": 1.0, "hegemon_share": 0.5}), "power.hegemon_share"),
    # coercion parameters act only with a coercive hegemon
    (dict(power={"hegemon_share": 0.5, "coercion": 5.0}), "power.coercion"),
    (dict(power={"hegemon_share": 0.5, "hegemon_role": "benevolent", "budget": 3.0}), "power.budget"),
    # deference needs someone to defer to
    (dict(power={"deference": 0.5}), "power.deference"),
    (dict(update="replicator", strategies=("TFT", "ALLD"), power={"deference": 0.5, "hegemon_share": 0.5}),
     "power"),
])
def test_power_refusals_name_the_parameter(kw, name):
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, **kw)
    assert err.value.name == name


# ------------------------------------------------------------------ the enforcement model
def _one_period(n=6, **power):
    sc = Scenario(n_states=n, periods=1, window=1, strategies=("ALLD",), noise=0.0, mutation=0.0,
                  structure="all_pairs", engine="exact", iteration={"continuation": 0.5},
                  power={"hegemon_role": "coercive", "hegemon_share": 0.5, **power})
    res = sc.run(seed=0)
    return res.states["window_payoff"].to_numpy(), res.states["capability"].to_numpy()


def test_coercion_is_a_fine_per_round_of_defection_not_scaled_by_capability_or_n():
    # everyone plays ALLD (P = 1 per round); the hegemon (state 0) meets each other state once
    pay, cap = _one_period(coercion=2.0, budget=None, coercion_cost=0.5)
    n = 6
    small = cap[1:] * 1.0 - 2.0 / (n - 1)  # mean over n - 1 encounters, one of them fined 2 per round
    assert np.allclose(pay[1:], small)
    # the hegemon pays 0.5 per unit of fine: 5 fines of 2, averaged over its 5 encounters
    assert pay[0] == pytest.approx(cap[0] * 1.0 - 0.5 * 2.0)


def test_budget_bounds_the_fines_in_proportion_to_capability():
    n = 6
    pay, cap = _one_period(coercion=2.0, budget=0.5, coercion_cost=0.5)
    budget = 0.5 * cap[0]  # 0.5 x capability 3 = 1.5 of the 10 the hegemon would impose
    factor = budget / (2.0 * (n - 1))
    assert np.allclose(pay[1:], cap[1:] - 2.0 * factor / (n - 1))
    assert pay[0] == pytest.approx(cap[0] - 0.5 * budget / (n - 1))
    free, _ = _one_period(coercion=2.0, budget=0.0)
    assert np.allclose(free, cap)  # no budget, no fines, no cost


def test_deference_makes_states_cooperate_with_the_hegemon():
    sc = Scenario(n_states=10, periods=1, window=1, strategies=("ALLD",), noise=0.0, mutation=0.0,
                  structure="all_pairs", engine="exact", power={"hegemon_share": 0.3, "deference": 1.0})
    # 45 pairs, 9 of them with the hegemon, in which the other side cooperates: 9 of 90 moves
    assert sc.run(seed=0).periods["cooperation"].iloc[0] == pytest.approx(9 / 90)


def test_benevolent_k_group_each_major_power_cooperates():
    sc = Scenario(n_states=10, periods=1, window=1, strategies=("ALLD",), noise=0.0, mutation=0.0,
                  structure="all_pairs", engine="exact",
                  power={"distribution": "k_major", "k": 2, "major_share": 0.5, "hegemon_role": "benevolent"})
    # each major power cooperates in its 9 encounters (the pair of majors counts twice): 18 of 90 moves
    assert sc.run(seed=0).periods["cooperation"].iloc[0] == pytest.approx(18 / 90)
