"""H4 — regimes in group games: standing, exclusion, peer sanctions, chosen membership.

Direction tests run fixed seeds and compare the mean cooperation over the last ``window``
periods between two levels, in standard errors over replications; the conditions are
those of docs/explanation/hypotheses.md (H4).
"""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.world.mechanisms import Regime
from coopsim.world.mechanisms.public_good import public_good_stake
from coopsim.world.scenario import Scenario

PGG = dict(n_states=30, periods=200, window=60, game="public_goods",
           strategies=("ALLC", "ALLD", "TFT", "CondCoop50", "WSLS"),
           actors={"n_actors": 5, "per_capita_return": 0.75}, iteration={"continuation": 0.5})
SMALL = dict(n_states=20, periods=40, window=10)


def window_cooperation(sc: Scenario, reps: int, seed0: int = 0) -> np.ndarray:
    # the runs of seeds seed0, seed0 + 1, ... in lockstep: each the same as sc.run(seed=...)
    return np.array([r.summary["window_cooperation"] for r in sc.run_batch(list(range(seed0, seed0 + reps)))])


def assert_higher(lo: np.ndarray, hi: np.ndarray, k: float = 3.0) -> None:
    se = np.sqrt(lo.var(ddof=1) / lo.size + hi.var(ddof=1) / hi.size)
    assert hi.mean() - lo.mean() > k * se, (lo.mean(), hi.mean(), se)


# ------------------------------------------------------------------ acts in group games
@pytest.mark.parametrize("exclusion", ["withhold", "exclude"])
def test_monitoring_acts_in_group_games_without_sanctions(exclusion):
    # the referee's case: public goods, 5 per group, every state a member, sanction 0
    base = Scenario(**{**PGG, "periods": 60, "window": 20}).with_params(
        {"regime.membership": 1.0, "regime.exclusion": exclusion})
    for seed in range(5):
        off = base.with_params({"regime.monitoring": 0.0}).run(seed=seed)
        on = base.with_params({"regime.monitoring": 1.0}).run(seed=seed)
        assert not off.periods["cooperation"].equals(on.periods["cooperation"])
        assert on.periods["good_standing"].lt(1).any()  # group encounters feed standings


def test_group_standing_rule():
    # a defection is justified when another side was in bad standing when the encounter began
    sc = Scenario(n_states=6, periods=1, window=1, game="public_goods", actors={"n_actors": 3},
                  strategies=("ALLD",), regime={"membership": 1.0, "monitoring": 1.0})
    from coopsim.world.loop import World

    world = World(sc, 0)
    reg = sc.regime
    ns = SimpleNamespace()
    reg.setup(world, ns)
    ns.good[:] = [True, False, True, True, True, True]
    enc = np.array([[0, 1, 2], [3, 4, 5]])
    sides = SimpleNamespace(enc=enc, E=2, override=lambda mask, rule: None, exclude=lambda mask: None)
    reg.withhold(world, ns, sides)
    assert ns.bad_partner.tolist() == [[True, False, True], [False, False, False]]
    coop = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    play = SimpleNamespace(enc=enc, E=2, coop=coop, defect=1 - coop, charges=np.zeros((2, 3)))
    reg.charges(world, ns, play)
    # 0 and 2 defected next to bad-standing 1 (justified); 1 cooperated; 4 defected unjustly
    assert ns.good.tolist() == [True, True, True, True, False, True]


def test_excluded_member_gets_no_share_of_the_pot():
    game = cs.public_goods(4, multiplier=3.0)
    world = SimpleNamespace(game=game, capability=np.ones(4))
    coop = np.array([[1.0, 1.0, 1.0, 0.0]])
    play = SimpleNamespace(enc=np.array([[0, 1, 2, 3]]), coop=coop, excluded=np.zeros((1, 4), dtype=bool))
    # nobody excluded: the game's own payoffs (pot 9 shared by 4)
    assert np.allclose(public_good_stake(world, play), [[9 / 4 - 1] * 3 + [9 / 4]])
    play.excluded[0, 3] = True  # the free rider is excluded: the pot is shared by the three others
    assert np.allclose(public_good_stake(world, play), [[2.0, 2.0, 2.0, 0.0]])


# ------------------------------------------------------------------ neutral values, refusals
@pytest.mark.parametrize("neutral", [
    {"regime.membership": 0.6, "regime.exclusion": "exclude"},  # members who know nothing
    {"regime.membership": 1.0, "regime.peer_sanction": 0.0, "regime.peer_cost": 0.0},
])
def test_neutral_group_regime_is_bit_identical(neutral):
    base = Scenario(**{**PGG, "periods": 40, "window": 10})
    a, b = base.run(seed=2), base.with_params(neutral).run(seed=2)
    pd.testing.assert_frame_equal(a.periods, b.periods)
    assert (b.periods["members"] == 0).all()


@pytest.mark.parametrize("kw, name", [
    (dict(regime={"exclusion": "shun"}), "regime.exclusion"),
    (dict(regime={"peer_sanction": -1.0}), "regime.peer_sanction"),
    (dict(regime={"peer_cost": "high"}), "regime.peer_cost"),
    (dict(regime={"membership_choice": 1}), "regime.membership_choice"),
    # exclusion denies a share of a pot: refused in a 2x2 game and in other group games
    (dict(regime={"membership": 1.0, "monitoring": 0.5, "exclusion": "exclude"}), "regime.exclusion"),
    (dict(game="n_person_prisoners_dilemma", actors={"n_actors": 3}, strategies=("ALLC", "ALLD"),
          regime={"membership": 1.0, "monitoring": 0.5, "exclusion": "exclude"}), "regime.exclusion"),
    # membership choice needs individual states
    (dict(update="replicator", strategies=("TFT", "ALLD"), regime={"membership_choice": True}), "regime"),
])
def test_regime_refusals_name_the_parameter(kw, name):
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, **kw)
    assert err.value.name == name
    assert "regime" in str(err.value)


def test_membership_choice_revises_membership_and_records_its_share():
    sc = Scenario(**{**PGG, "periods": 80}, regime={"membership": 0.5, "monitoring": 1.0, "exclusion": "exclude",
                                                    "membership_choice": True, "dues": 0.5})
    res = sc.run(seed=4)
    members = res.periods["members"]
    assert members.nunique() > 1 and members.between(0, 1).all()
    # a period records membership before that period's revision; the states table holds it
    # after the last one: what one more period (the same draws up to there) records first
    longer = sc.with_params({"periods": 81}).run(seed=4)
    assert res.states["member"].mean() == pytest.approx(longer.periods["members"].iloc[80])
    assert np.array_equal(longer.periods["members"].iloc[:80], members)
    # dues of 0.5 per round against nothing members alone gain: membership falls
    assert members.iloc[-20:].mean() < members.iloc[0]


# ------------------------------------------------------------------ directions (docs: H4)
def test_exclusion_by_reputation_raises_cooperation_without_any_fine():
    # decentralised enforcement through information alone: sanction 0, every state a member
    base = Scenario(**PGG, regime={"membership": 1.0, "exclusion": "exclude"})
    off = window_cooperation(base.with_params({"regime.monitoring": 0.0}), 16)
    on = window_cooperation(base.with_params({"regime.monitoring": 1.0}), 16)
    assert_higher(off, on)


def test_withholding_raises_cooperation_with_a_short_shadow():
    # an effect of about 0.13 in window cooperation: 120 runs a side for 3 standard errors
    base = Scenario(**PGG, regime={"membership": 1.0})
    off = window_cooperation(base.with_params({"regime.monitoring": 0.0}), 120)
    on = window_cooperation(base.with_params({"regime.monitoring": 1.0}), 120)
    assert_higher(off, on)


@pytest.mark.slow
def test_costly_peer_sanctions_raise_cooperation():
    # 4 punishers x 0.1 = 0.4 per round of defection > c (1 - r/n) = 0.25; each pays 0.05
    base = Scenario(**PGG, regime={"membership": 1.0})
    off = window_cooperation(base, 40)
    on = window_cooperation(base.with_params({"regime.peer_sanction": 0.1, "regime.peer_cost": 0.05}), 40)
    assert_higher(off, on)


def test_peer_sanctions_cost_the_punishers():
    # ALLD against ALLC members in a pair: the defector pays the fine, the member the cost
    sc = Scenario(n_states=2, periods=1, window=1, strategies=("ALLC",), noise=0.0, structure="all_pairs",
                  mutation=0.0, regime={"membership": 1.0, "peer_sanction": 0.4, "peer_cost": 0.1})
    from coopsim.world.loop import World

    world = World(sc, 0)
    ns = SimpleNamespace()
    sc.regime.setup(world, ns)
    enc = np.array([[0, 1]])
    sides = SimpleNamespace(enc=enc, E=1, override=lambda mask, rule: None)
    sc.regime.withhold(world, ns, sides)
    coop = np.array([[1.0, 0.0]])
    play = SimpleNamespace(enc=enc, E=1, coop=coop, defect=1 - coop, charges=np.zeros((1, 2)))
    sc.regime.charges(world, ns, play)
    assert np.allclose(play.charges, [[0.1, 0.4]])
