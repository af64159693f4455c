"""Relative gains: u_i = pi_i - k (mean of the others' payoffs - pi_i) through the stakes hook;
Powell's k = weight x force; the Grieco direction measured in standard errors."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.world.mechanisms import REGISTRY
from coopsim.world.mechanisms.relative_gains import RelativeGains
from coopsim.world.scenario import Scenario

SMALL = dict(n_states=12, periods=30, window=10)


def test_neutral_values_are_bit_identical():
    plain = Scenario(**SMALL).run(seed=6)
    for neutral in ({"weight": 0.0, "spread": 0.5}, {"weight": 2.0, "force": 0.0}):
        sc = Scenario(**SMALL, relative_gains=neutral)
        assert not sc.relative_gains.is_active
        res = sc.run(seed=6)
        pd.testing.assert_frame_equal(plain.periods, res.periods)
        pd.testing.assert_frame_equal(plain.states, res.states)


def test_powell_coefficient_rises_with_the_utility_of_force():
    assert RelativeGains(weight=0.8).coefficient == 0.8
    assert [RelativeGains(weight=0.8, force=f).coefficient for f in (0.0, 0.5, 1.0)] == [0.0, 0.4, 0.8]


def test_gap_to_the_mean_of_the_others_in_groups():
    mech = RelativeGains(weight=0.5)
    ns = SimpleNamespace(k=np.array([0.5, 0.5, 0.5, 1.0]))
    play = SimpleNamespace(stake=np.array([[1.0, 2.0, 6.0], [3.0, 3.0, 0.0]]), enc=np.array([[0, 1, 2], [3, 0, 1]]))
    mech.stakes(None, ns, play)
    expected = np.array([[1 - 0.5 * (4 - 1), 2 - 0.5 * (3.5 - 2), 6 - 0.5 * (1.5 - 6)],
                         [3 - 1.0 * (1.5 - 3), 3 - 0.5 * (1.5 - 3), 0 - 0.5 * (3 - 0)]])
    assert np.allclose(play.stake, expected)


def test_pair_payoffs_weigh_the_gap_exactly():
    # all pairs, ALLC and ALLD only, nobody revises: ALLC's payoff per round is R against
    # ALLC and S - k (T - S) against ALLD; ALLD's is P against ALLD and T + k (T - S) against ALLC
    n, k = 10, 0.5
    sc = Scenario(n_states=n, periods=3, window=3, strategies=("ALLC", "ALLD"), noise=0.0, mutation=0.0,
                  revision_rate=0.0, engine="exact", structure="all_pairs", relative_gains={"weight": k})
    st = sc.run(seed=3).states
    R, S, T, P = sc.stage_game().rstp
    n_c = int((st["strategy"] == "ALLC").sum())
    assert 0 < n_c < n
    c = st["strategy"] == "ALLC"
    want_c = ((n_c - 1) * R + (n - n_c) * (S - k * (T - S))) / (n - 1)
    want_d = ((n - n_c - 1) * P + n_c * (T + k * (T - S))) / (n - 1)
    assert np.allclose(st.loc[c, "window_payoff"], want_c) and np.allclose(st.loc[~c, "window_payoff"], want_d)


def test_spread_draws_each_state_its_own_coefficient():
    st = Scenario(**SMALL, relative_gains={"weight": 0.4, "spread": 0.5}).run(seed=2).states
    k = st["relative_gains_k"]
    assert k.nunique() == SMALL["n_states"] and k.between(0.2, 0.6).all()


def test_refusals_name_the_parameter_and_the_setting():
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, update="replicator", strategies=("TFT", "ALLD"), relative_gains={"weight": 1.0})
    assert err.value.name == "relative_gains" and "replicator" in str(err.value)
    for bad in ({"weight": -1.0}, {"force": 1.5}, {"spread": 2.0}, {"k": 1.0}):
        with pytest.raises(cs.ParameterError) as err:
            Scenario(**SMALL, relative_gains=bad)
        assert err.value.name == "relative_gains." + next(iter(bad))


def test_concern_for_relative_gains_makes_cooperation_less_likely():
    # condition: PD, 30 states in random pairs, w = 0.9, exact engine
    sc = Scenario(n_states=30, periods=300, window=100, threshold=0.7, engine="exact")
    reps, levels = 12, [0.0, 0.25, 1.0]
    freq = [np.mean([sc.with_params({"relative_gains.weight": k}).run(seed=r).emerged for r in range(reps)])
            for k in levels]
    lo, hi = freq[0], freq[-1]
    se = np.sqrt((lo * (1 - lo) + hi * (1 - hi)) / reps) or 1 / reps
    assert (hi - lo) * REGISTRY["relative_gains"].DIRECTION > 3 * se, freq
