"""Bargaining before enforcement (Fearon 1998): the war-of-attrition reduced form, the exact
share of rounds lost to delay, its sampled counterpart, refusals and the direction."""
import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.world.mechanisms import REGISTRY
from coopsim.world.mechanisms.bargaining import agreement, concession, delay_share
from coopsim.world.scenario import Scenario

SMALL = dict(n_states=12, periods=30, window=10)


def test_neutral_values_are_bit_identical():
    plain = Scenario(**SMALL).run(seed=8)
    sc = Scenario(**SMALL, bargaining={"at_stake": 0.0, "delay_cost": 0.5})
    assert not sc.bargaining.is_active
    res = sc.run(seed=8)
    pd.testing.assert_frame_equal(plain.periods, res.periods)
    assert (res.periods["delay"] == 0).all()


def test_delay_share_is_expected_rounds_of_delay_over_expected_length():
    for a, w in [(0.3, 0.9), (0.05, 0.95), (1.0, 0.5), (0.5, 0.0)]:
        t = np.arange(1, 5000)
        e_min = np.sum((1 - a) ** t * w ** (t - 1))  # E[min(D, L)] = sum_t P(D >= t) P(L >= t)
        assert delay_share(a, w) == pytest.approx(e_min * (1 - w), abs=1e-9)


def test_war_of_attrition_concession_and_fearons_claim():
    s, c = 2.0, 2.0
    assert concession(s, c, 0.0) == 1.0  # cheap bargain: concede at once
    assert concession(s, c, 0.9) == pytest.approx(0.1)  # q V = c with V = s / (1 - w)
    assert agreement(0.1) == pytest.approx(0.19)
    ws = [0.5, 0.8, 0.9, 0.95, 0.99]
    expected_delay = [(1 - agreement(concession(s, c, w))) / agreement(concession(s, c, w)) for w in ws]
    shares = [delay_share(agreement(concession(s, c, w)), w) for w in ws]
    assert np.all(np.diff(expected_delay) > 0) and np.all(np.diff(shares) > 0)  # longer shadow, longer delay
    assert delay_share(agreement(concession(s, c, 0.99999)), 0.99999) == pytest.approx(s / (s + 2 * c), abs=1e-4)


def test_exact_engine_loses_exactly_the_delay_share():
    sc = Scenario(n_states=20, periods=5, window=1, strategies=("ALLC",), noise=0.0, mutation=0.0, engine="exact",
                  iteration={"continuation": 0.9}, bargaining={"at_stake": 2.0})
    d = delay_share(agreement(concession(2.0, 3.0 - 1.0, 0.9)), 0.9)
    p = sc.run(seed=1).periods
    assert np.allclose(p["delay"], d) and np.allclose(p["cooperation"], 1 - d)
    assert np.allclose(p["mean_payoff"], (1 - d) * 3.0 + d * 1.0)  # R after agreement, P during delay


def test_sampled_engine_matches_the_exact_share():
    sc = Scenario(n_states=40, periods=200, window=10, strategies=("ALLC",), noise=0.0, mutation=0.0,
                  iteration={"continuation": 0.9}, bargaining={"at_stake": 2.0})
    d = delay_share(agreement(concession(2.0, 2.0, 0.9)), 0.9)
    p = sc.run(seed=4).periods
    # 20 encounters of ~10 rounds per period: the period's share of delayed rounds has an SE of
    # roughly 0.06; over 200 periods the mean's SE is ~0.005
    assert p["delay"].mean() == pytest.approx(d, abs=0.02)
    assert np.allclose(p["cooperation"], 1 - p["delay"])


def test_refusals_name_the_parameter_and_the_setting():
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, update="replicator", strategies=("TFT", "ALLD"), bargaining={"at_stake": 1.0})
    assert err.value.name == "bargaining" and "replicator" in str(err.value)
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, game="public_goods", actors={"n_actors": 3}, strategies=("ALLC", "ALLD"),
                 bargaining={"at_stake": 1.0})
    assert err.value.name == "bargaining" and "pair games" in str(err.value)
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, iteration={"rounds": 10}, bargaining={"at_stake": 1.0})
    assert err.value.name == "iteration.rounds"
    with pytest.raises(cs.ParameterError) as err:  # deadlock: R - P < 0, no default cost of delay
        Scenario(**SMALL, game="deadlock", bargaining={"at_stake": 1.0})
    assert err.value.name == "bargaining.delay_cost"
    Scenario(**SMALL, game="deadlock", bargaining={"at_stake": 1.0, "delay_cost": 0.5})
    for bad in ({"at_stake": -1.0}, {"delay_cost": 0.0}, {"stakes": 1.0}):
        with pytest.raises(cs.ParameterError) as err:
            Scenario(**SMALL, bargaining=bad)
        assert err.value.name == "bargaining." + next(iter(bad))


def test_higher_stakes_of_the_bargain_make_cooperation_less_likely():
    # condition: PD, 30 states in random pairs, w = 0.9, exact engine, delay cost R - P = 2
    sc = Scenario(n_states=30, periods=300, window=100, threshold=0.7, engine="exact")
    reps, levels = 12, [0.0, 1.0, 4.0]
    freq = [np.mean([sc.with_params({"bargaining.at_stake": s}).run(seed=r).emerged for r in range(reps)])
            for s in levels]
    lo, hi = freq[0], freq[-1]
    se = np.sqrt((lo * (1 - lo) + hi * (1 - hi)) / reps) or 1 / reps
    assert (hi - lo) * REGISTRY["bargaining"].DIRECTION > 3 * se, freq


def test_info_lists_the_mechanisms_beyond_milner(capsys):
    from coopsim.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for line in ("B1 domestic:", "B2 relative_gains:", "B3 bargaining:", "domestic.veto_players = 0",
                 "relative_gains.weight = 0.0", "bargaining.at_stake = 0.0"):
        assert line in out
