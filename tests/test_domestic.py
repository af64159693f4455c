"""Domestic politics (two-level games): ratification as involuntary defection, endorsers,
audience costs. Directions are read from the mechanism class and measured in standard
errors over seeded replications."""
import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.world.mechanisms import REGISTRY
from coopsim.world.mechanisms.domestic import Domestic, bin_levels, failure_probability
from coopsim.world.scenario import Scenario

SMALL = dict(n_states=12, periods=30, window=10)
BASE = dict(n_states=30, periods=300, window=100, threshold=0.7, engine="exact")


def test_neutral_values_are_bit_identical():
    plain = Scenario(**SMALL).run(seed=4)
    for neutral in ({"veto_players": 0, "hawkishness": 0.9, "endorsers": 0.5},
                    {"veto_players": 5, "hawkishness": 0.0, "spread": 0.0}):
        sc = Scenario(**SMALL, domestic=neutral)
        assert not sc.domestic.is_active
        pd.testing.assert_frame_equal(plain.periods, sc.run(seed=4).periods)
        pd.testing.assert_frame_equal(plain.states, sc.run(seed=4).states)
    assert (plain.states["ratification_failure"] == 0).all()


def test_failure_probability_is_the_binomial_win_set():
    # unanimity: fails unless every veto player consents
    assert failure_probability(3, 1.0, 0.2) == pytest.approx(1 - 0.8 ** 3)
    # simple majority of 3 (2 consents needed): fails with 0 or 1 consent
    r = 0.3
    assert failure_probability(3, 0.5, r) == pytest.approx(r ** 3 + 3 * (1 - r) * r ** 2)
    assert failure_probability(0, 1.0, 0.9) == 0.0
    # an informed endorser removes the uncertain share of each veto player's opposition
    d = Domestic(veto_players=2, hawkishness=0.4, uncertainty=0.5)
    assert d.failures([0.4, 0.4], [False, True]) == pytest.approx([1 - 0.6 ** 2, 1 - 0.8 ** 2])


def test_bins_keep_at_most_levels_values_and_the_mean():
    f = np.linspace(0.0, 0.9, 10)
    b = bin_levels(f, 4)
    assert np.unique(b).size == 4 and b.mean() == pytest.approx(f.mean())
    assert np.all(np.diff(b[np.argsort(f)]) >= 0)  # order preserved
    assert np.array_equal(bin_levels(f[:3], 4), f[:3])


@pytest.mark.parametrize("engine", ["exact", "sampled"])
def test_ratification_is_the_exact_transformation_of_the_rule(engine):
    # ALLC states, no noise: every cooperative move is ratified with probability (1 - f)
    sc = Scenario(n_states=20, periods=40, window=10, strategies=("ALLC",), noise=0.0, mutation=0.0,
                  engine=engine, domestic={"veto_players": 2, "hawkishness": 0.2})
    f = 1 - 0.8 ** 2
    coop = sc.run(seed=2).periods["cooperation"]
    if engine == "exact":
        assert np.allclose(coop, 1 - f)
    else:  # 10 encounters x ~10 rounds x 2 sides per period, 40 periods
        assert coop.mean() == pytest.approx(1 - f, abs=0.03)


def test_states_with_different_win_sets_fail_at_their_own_rate():
    sc = Scenario(n_states=30, periods=5, window=1, strategies=("ALLC",), noise=0.0, mutation=0.0,
                  engine="exact", structure="all_pairs",
                  domestic={"veto_players": 3, "hawkishness": 0.3, "endorsers": 0.5, "uncertainty": 1.0})
    res = sc.run(seed=7)
    st = res.states
    assert set(st["ratification_failure"].round(12)) == {0.0, round(1 - 0.7 ** 3, 12)}
    assert (st["ratification_failure"] == 0).equals(st["endorser"])  # fully informed endorsers remove all risk
    # all pairs, ALLC: the cooperation rate is the mean of (1 - f_i) over states
    assert res.periods["cooperation"].iloc[-1] == pytest.approx(1 - st["ratification_failure"].mean())


def test_audience_costs_charge_the_sucker_outcome_exactly():
    params = dict(n_states=10, periods=3, window=1, strategies=("ALLC", "ALLD"), noise=0.0, mutation=0.0,
                  revision_rate=0.0, engine="exact", structure="all_pairs")
    off = Scenario(**params).run(seed=3)
    on = Scenario(**params, domestic={"audience_cost": 2.0}).run(seed=3)
    n_c = int((on.states["strategy"] == "ALLC").sum())
    n = 10
    gap = off.periods["mean_payoff"] - on.periods["mean_payoff"]
    assert np.allclose(gap, 2.0 * n_c * (n - n_c) / (n * (n - 1)))
    only_c = dict(params, strategies=("ALLC",))
    assert Scenario(**only_c, domestic={"audience_cost": 2.0}).run(seed=3).periods["mean_payoff"].equals(
        Scenario(**only_c).run(seed=3).periods["mean_payoff"])


def test_refusals_name_the_parameter_and_the_setting():
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, update="replicator", strategies=("TFT", "ALLD"), domestic={"veto_players": 2})
    assert err.value.name == "domestic" and "replicator" in str(err.value)
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, game="public_goods", actors={"n_actors": 3}, strategies=("ALLC", "ALLD"),
                 domestic={"audience_cost": 1.0})
    assert err.value.name == "domestic.audience_cost"
    for bad in ({"veto_players": -1}, {"quorum": 0.0}, {"hawkishness": 1.5}, {"levels": 9}, {"vetoes": 2}):
        with pytest.raises(cs.ParameterError) as err:
            Scenario(**SMALL, domestic=bad)
        assert err.value.name == "domestic." + next(iter(bad))
    # ratification itself acts in group games
    group = Scenario(**SMALL, game="public_goods", actors={"n_actors": 3}, strategies=("ALLC", "CondCoop50"),
                     noise=0.0)
    assert group.with_params({"domestic.veto_players": 4, "domestic.hawkishness": 0.5}).run(seed=1).periods[
        "cooperation"].mean() < group.run(seed=1).periods["cooperation"].mean()


def _cooperation(sc, reps):
    res = [sc.run(seed=r) for r in range(reps)]
    return np.array([r.emerged for r in res], float), np.array([r.summary["window_cooperation"] for r in res])


def test_divided_government_makes_cooperation_less_likely():
    # condition: PD, w = 0.9, each veto player rejects 5 % of cooperative moves, unanimity
    sc = Scenario(**BASE, domestic={"hawkishness": 0.05})
    reps, levels = 16, [0, 2, 6]
    freq = [_cooperation(sc.with_params({"domestic.veto_players": v}), reps)[0].mean() for v in levels]
    lo, hi = freq[0], freq[-1]
    se = np.sqrt((lo * (1 - lo) + hi * (1 - hi)) / reps) or 1 / reps
    assert (hi - lo) * REGISTRY["domestic"].DIRECTION > 3 * se, freq


def test_informed_endorsers_restore_cooperation():
    # condition: six veto players, hawkishness 0.1, 80 % of it uncertainty that an endorser removes
    sc = Scenario(**BASE, domestic={"veto_players": 6, "hawkishness": 0.1, "uncertainty": 0.8})
    reps = 12
    without = _cooperation(sc, reps)[1]
    with_ = _cooperation(sc.with_params({"domestic.endorsers": 1.0}), reps)[1]
    se = np.sqrt(without.var(ddof=1) / reps + with_.var(ddof=1) / reps)
    assert with_.mean() - without.mean() > 3 * se, (without.mean(), with_.mean())
