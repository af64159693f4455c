"""Issue linkage (Keohane 1984; McGinnis 1986; Lohmann 1997): the joint two-issue chain against
the core chain and hand-built sequences, McGinnis's pooled incentive constraint, the sampled
engine against the exact one, the wiring in the world, refusals and both directions."""
import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.engine import exact
from coopsim.world.mechanisms.linkage import _fold, joint_distribution, sample_joint
from coopsim.world.scenario import Scenario

SMALL = dict(n_states=12, periods=30, window=10)
TFT, ALLD, ALLC, GRIM = ([1.0, 0, 1, 0, 1], [0.0, 0, 0, 0, 0], [1.0, 1, 1, 1, 1], [1.0, 0, 0, 0, 1])
PD, SH = np.array([3.0, 0, 5, 1]), np.array([5.0, 0, 3, 1])  # (R, S, T, P) focal payoffs


def _issues(d):
    d = d.reshape(-1, 4, 4)
    return d.sum(2), d.sum(1)  # issue 1, issue 2 (CC, CD, DC, DD from the focal side)


def test_neutral_values_are_bit_identical():
    plain = Scenario(**SMALL).run(seed=8)
    sc = Scenario(**SMALL, linkage={"strength": 0.0, "weight": 3.0})
    assert not sc.linkage.is_active
    res = sc.run(seed=8)
    pd.testing.assert_frame_equal(plain.periods, res.periods)
    assert (res.periods["second_cooperation"] == 0).all()
    exact_plain = Scenario(**SMALL, engine="exact").run(seed=8)
    pd.testing.assert_frame_equal(exact_plain.periods, Scenario(**SMALL, engine="exact", linkage={}).run(seed=8).periods)


@pytest.mark.parametrize("length", [dict(continuation=0.9), dict(rounds=7), dict(continuation=0.0)])
def test_unlinked_issues_are_the_core_chains(length):
    rng = np.random.default_rng(0)
    p1, q1, p2, q2 = (rng.random((40, 5)) for _ in range(4))
    one, two = _issues(joint_distribution(p1, q1, p2, q2, strength=0.0, noise=0.05, **length))
    assert np.allclose(one, exact.state_distribution(p1, q1, noise=0.05, **length), atol=1e-13)
    assert np.allclose(two, exact.state_distribution(p2, q2, noise=0.05, **length), atol=1e-13)


def test_cross_issue_retaliation_follows_the_hand_built_sequence():
    # TFT in both issues against a state that defects in issue 1 (ALLD) and plays TFT in issue 2,
    # 5 rounds, no noise, strength 1. Round 0: (C, D) and (C, C); round 1: TFT reads the
    # defection in issue 1 as one in both -> (D, D) and (D, C); then mutual defection in both.
    one, two = _issues(joint_distribution(TFT, ALLD, TFT, TFT, strength=1.0, rounds=5))
    assert np.allclose(one, [[0, 0.2, 0, 0.8]]) and np.allclose(two, [[0.2, 0, 0.2, 0.6]])
    one, two = _issues(joint_distribution(TFT, ALLD, TFT, TFT, strength=0.0, rounds=5))
    assert np.allclose(one, [[0, 0.2, 0, 0.8]]) and np.allclose(two, [[1, 0, 0, 0]])
    # half the time: round 1 in issue 2 is CC with probability 1/2 (TFT does not link) ...
    _, two = _issues(joint_distribution(TFT, ALLD, TFT, TFT, strength=0.5, rounds=2))
    assert np.allclose(two, [[0.75, 0, 0.25, 0]])


def test_pooled_incentive_constraint_of_mcginnis_and_bernheim_whinston():
    """GRIM in both issues, w = 0.4. Alone, the PD's cooperation fails: defecting in it pays
    (T - R = 2 > w/(1-w) (R - P) = 4/3). Linked to a stag hunt (slack: no temptation, R - P = 4)
    the pooled constraint 2 - 2 <= 4/3 (2 + 4) holds, and selective defection no longer pays."""
    w = 0.4

    def value(p1, q1, p2, q2, s):  # the focal state's payoff per round, both issues (weight 1)
        one, two = _issues(joint_distribution(p1, q1, p2, q2, strength=s, continuation=w))
        return float((one @ PD + two @ SH)[0])

    conform = value(GRIM, GRIM, GRIM, GRIM, 1.0)
    assert conform == pytest.approx(8.0)
    # unlinked: T then P in the PD, R throughout in the stag hunt
    assert value(ALLD, GRIM, GRIM, GRIM, 0.0) == pytest.approx((1 - w) * 5 + w * 1 + 5)  # 8.4 > 8
    # linked: T + R, then P + S (the partner retaliates in both; the defector still cooperates in
    # issue 2), then P + P
    linked = (1 - w) * (10 + w * 1 + w ** 2 / (1 - w) * 2)
    assert value(ALLD, GRIM, GRIM, GRIM, 1.0) == pytest.approx(linked)  # 6.56 < 8
    assert value(ALLD, GRIM, GRIM, GRIM, 0.0) > conform > value(ALLD, GRIM, GRIM, GRIM, 1.0)
    # the breakdown spreads: partners who defect in issue 2 (ALLD there) end cooperation in issue 1
    one, _ = _issues(joint_distribution(GRIM, GRIM, GRIM, ALLD, strength=1.0, continuation=w))
    assert one[0, 0] == pytest.approx(1 - w)  # only the first round is CC
    one, _ = _issues(joint_distribution(GRIM, GRIM, GRIM, ALLD, strength=0.0, continuation=w))
    assert one[0, 0] == pytest.approx(1.0)


def test_sampled_play_matches_the_exact_chain():
    rng = np.random.default_rng(3)
    p1, q1, p2, q2 = (rng.random(5) for _ in range(4))
    s, nz, T, E = 0.6, 0.03, 10, 40000
    one, two = _issues(joint_distribution(p1, q1, p2, q2, strength=s, noise=nz, rounds=T))
    tab = _fold(np.array([[p1, p2], [q1, q2]]), nz)[None].repeat(E, 0)
    occ = sample_joint(tab, np.full(E, T), s, np.random.default_rng(1)) / T
    se = occ.std(0) / np.sqrt(E)
    assert np.all(np.abs(occ.mean(0) - np.stack([one[0], two[0]])) < 4 * se)


def test_world_exact_engine_values_every_pair_of_rule_pairs():
    sc = Scenario(n_states=8, periods=1, window=1, strategies=("TFT", "ALLD", "WSLS"), engine="exact",
                  structure="all_pairs", revision_rate=0.0, mutation=0.0, noise=0.05,
                  linkage={"second_game": "stag_hunt", "strength": 0.7, "weight": 0.5})
    res = sc.run(seed=4)
    rules = {"TFT": TFT, "ALLD": ALLD, "WSLS": [1.0, 0, 0, 1, 1]}
    s1, s2 = res.states["strategy"].to_numpy(), res.states["second_strategy"].to_numpy()
    for i in range(8):
        j = [k for k in range(8) if k != i]
        one, two = _issues(joint_distribution([rules[s1[i]]] * 7, [rules[s1[k]] for k in j], [rules[s2[i]]] * 7,
                                              [rules[s2[k]] for k in j], strength=0.7, noise=0.05, continuation=0.9))
        assert res.states["window_payoff"].iloc[i] == pytest.approx(float((one @ PD + 0.5 * two @ SH).mean()), rel=1e-10)


def test_world_sampled_engine_agrees_with_the_exact_one():
    base = dict(n_states=16, periods=100, window=10, strategies=("TFT", "ALLD", "GTFT", "WSLS"), revision_rate=0.0,
                mutation=0.0, noise=0.02, structure="all_pairs",
                linkage={"second_game": "prisoners_dilemma", "strength": 0.5})
    ex = Scenario(engine="exact", **base).run(seed=6).periods
    sa = Scenario(engine="sampled", **base).run(seed=6).periods  # same states and rules (no revision)
    for col in ("cooperation", "second_cooperation"):
        assert np.ptp(ex[col]) < 1e-12  # the same encounters every period: the same exact values
        se = sa[col].std(ddof=1) / np.sqrt(len(sa))  # periods are independent replications
        assert abs(sa[col].mean() - ex[col].iloc[0]) < 4 * se, (col, sa[col].mean(), ex[col].iloc[0], se)


def test_the_second_rule_travels_with_the_imitated_strategy():
    kw = dict(n_states=40, strategies=("ALLC", "ALLD", "TFT", "WSLS"), mutation=0.0, window=1,
              linkage={"second_game": "stag_hunt", "strength": 0.5})
    start = Scenario(periods=1, revision_rate=0.0, **kw).run(seed=2).states
    end = Scenario(periods=80, revision_rate=1.0, selection_intensity=0.0, **kw).run(seed=2).states
    pairs = set(zip(start["strategy"], start["second_strategy"]))
    assert set(zip(end["strategy"], end["second_strategy"])) <= pairs  # copied together, never recombined
    assert len(pairs) > len(set(zip(end["strategy"], end["second_strategy"])))  # and imitation did act


def test_bargaining_delays_the_main_issue_of_a_linked_encounter():
    from coopsim.world.mechanisms.bargaining import agreement, concession, delay_share

    sc = Scenario(n_states=10, periods=3, window=1, strategies=("ALLC",), noise=0.0, mutation=0.0, engine="exact",
                  bargaining={"at_stake": 2.0}, linkage={"second_game": "stag_hunt", "strength": 1.0})
    d = delay_share(agreement(concession(2.0, 2.0, 0.9)), 0.9)
    p = sc.run(seed=1).periods
    assert np.allclose(p["cooperation"], 1 - d) and np.allclose(p["second_cooperation"], 1.0)
    assert np.allclose(p["mean_payoff"], (1 - d) * 3 + d * 1 + 5)


def test_refusals_name_the_parameter_and_the_setting():
    on = {"second_game": "stag_hunt", "strength": 0.5}
    cases = [
        (dict(update="replicator", strategies=("TFT", "ALLD")), "linkage", "replicator"),
        (dict(game="public_goods", actors={"n_actors": 3}, strategies=("ALLC", "ALLD")), "linkage", "pair games"),
        (dict(strategies=("memory_one",)), "linkage", "named strategies"),
    ]
    for kw, name, words in cases:
        with pytest.raises(cs.ParameterError) as err:
            Scenario(**SMALL, linkage=on, **kw)
        assert err.value.name == name and words in str(err.value)
    from coopsim.strategies import grudger

    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, linkage=on, strategies=(grudger(), "ALLD"))
    assert err.value.name == "linkage" and "finite-state machines" in str(err.value)
    bad = [({"strength": 0.5}, "linkage.strength"), ({"second_params": {"T": 4}}, "linkage.second_params"),
           ({**on, "strength": 1.5}, "linkage.strength"), ({**on, "weight": -1.0}, "linkage.weight"),
           ({**on, "second_game": "public_goods"}, "linkage.second_game"),
           ({**on, "second_params": {"T": 1.0}}, "linkage.second_params"),
           ({**on, "second_params": {"X": 1.0}}, "linkage.second_params"), ({"stength": 0.1}, "linkage.stength")]
    for values, name in bad:
        with pytest.raises(cs.ParameterError) as err:
            Scenario(**SMALL, linkage=values)
        assert err.value.name == name, (values, err.value)


def _window(second_game, strength, w, seeds):
    sc = Scenario(n_states=30, periods=300, window=100, engine="exact", iteration={"continuation": w},
                  linkage={"second_game": second_game, "strength": strength})
    return np.array([sc.run(seed=s).summary["window_cooperation"] for s in seeds])


def test_linkage_to_an_issue_with_slack_sustains_cooperation_in_the_main_issue():
    # condition: PD main issue at w = 0.6 (its cooperation fails alone: about 0.3 without a second
    # issue), stag hunt second issue, weight 1, 30 states, exact engine; same seeds (matched)
    seeds = range(12)
    off, on = _window("stag_hunt", 0.0, 0.6, seeds), _window("stag_hunt", 1.0, 0.6, seeds)
    diff = on - off
    assert diff.mean() > 3 * diff.std(ddof=1) / np.sqrt(len(diff)), (off.mean(), on.mean())


def test_linkage_to_an_issue_where_cooperation_fails_spreads_the_breakdown():
    # condition: PD main issue at w = 0.8 (its cooperation holds about two times in three alone),
    # deadlock second issue (mutual defection preferred), weight 1, 30 states, exact engine
    seeds = range(12)
    off, on = _window("deadlock", 0.0, 0.8, seeds), _window("deadlock", 1.0, 0.8, seeds)
    diff = on - off
    assert -diff.mean() > 3 * diff.std(ddof=1) / np.sqrt(len(diff)), (off.mean(), on.mean())


def test_info_lists_linkage(capsys):
    from coopsim.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for line in ("B4 linkage:", "linkage.strength = 0.0", "linkage.second_game"):
        assert line in out
