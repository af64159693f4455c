"""H1 (matched reciprocity contrast), H2 (two factors), H3 (noise in long games) and H5
(a consensus with a direction and an accuracy): the rules, the neutral values, the
refusals and the directions documented in docs/explanation/hypotheses.md.

Direction tests use fixed seeds and compare emergence frequencies in binomial standard
errors over the replications (conditions as in the docs)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.world.mechanisms.epistemic import consensus_game
from coopsim.world.mechanisms.reciprocity import CONDITIONAL, DEFECTING, UNCONDITIONAL, strategy_classes
from coopsim.world.scenario import Scenario

BASE = dict(n_states=30, periods=300, window=100, threshold=0.7, engine="exact")
SMALL = dict(n_states=12, periods=30, window=10)


def emergence(sc, reps, seed0=0):
    return float(np.mean([sc.run(seed=seed0 + r).emerged for r in range(reps)]))


def gap_in_se(lo, hi, reps):
    se = np.sqrt((lo * (1 - lo) + hi * (1 - hi)) / reps) or 1.0 / reps
    return (hi - lo) / se


# ------------------------------------------------------------------ H1: the classification rule
def test_strategy_classes_follow_the_stated_rule():
    pop = Scenario(strategies=("ALLC", "ALLD", "TFT", "STFT", "GTFT", "WSLS", "GRIM", "RANDOM", "EXTORT")).population()
    classes = strategy_classes(pop.rules, pop.reciprocators, group=False)
    expected = [UNCONDITIONAL, DEFECTING, CONDITIONAL, DEFECTING, CONDITIONAL, CONDITIONAL, CONDITIONAL,
                DEFECTING, DEFECTING]
    assert classes.tolist() == expected
    group = Scenario(game="public_goods", actors={"n_actors": 4},
                     strategies=("ALLC", "ALLD", "TFT", "GTFT", "WSLS", "CondCoop50", "RANDOM")).population()
    assert strategy_classes(group.rules, group.reciprocators, group=True).tolist() == [
        UNCONDITIONAL, DEFECTING, CONDITIONAL, CONDITIONAL, CONDITIONAL, CONDITIONAL, DEFECTING]
    # an object that reciprocates but opens with D is not nice: it counts as defecting
    wary = cs.MemoryOne((1, 0, 1, 0), 0.0, "OpensD")
    pop = Scenario(strategies=("ALLC", "ALLD", wary)).population()
    assert strategy_classes(pop.rules, pop.reciprocators, group=False).tolist() == [UNCONDITIONAL, DEFECTING,
                                                                                   DEFECTING]


@pytest.mark.parametrize("conditional", [0.0, 0.3, 1.0])
def test_matched_kernel_holds_the_share_of_cooperators_fixed(conditional):
    sc = Scenario(strategies=("ALLC", "ALLD", "TFT", "GTFT", "WSLS", "RANDOM"),
                  reciprocity={"conditional": conditional, "cooperators": 0.6})
    k = sc.kernel()
    assert k.sum() == pytest.approx(1.0)
    assert k[[1, 5]].sum() == pytest.approx(0.4) and k[1] == pytest.approx(k[5])  # defecting, uniform
    assert k[[0, 2, 3, 4]].sum() == pytest.approx(0.6)  # nice strategies, whatever conditional is
    assert k[[2, 3, 4]].sum() == pytest.approx(0.6 * conditional)
    # cooperators not given: the share of nice strategies under the uniform kernel (4 of 6)
    k2 = Scenario(strategies=("ALLC", "ALLD", "TFT", "GTFT", "WSLS", "RANDOM"),
                  reciprocity={"conditional": conditional}).kernel()
    assert k2[[0, 2, 3, 4]].sum() == pytest.approx(4 / 6)


def test_matched_kernel_refusals_name_the_parameter():
    with pytest.raises(cs.ParameterError) as err:  # no unconditional cooperator to give weight to
        Scenario(strategies=("ALLD", "TFT"), reciprocity={"conditional": 0.5})
    assert err.value.name == "reciprocity.conditional" and "unconditional" in str(err.value)
    with pytest.raises(cs.ParameterError) as err:  # the two parameterisations exclude each other
        Scenario(reciprocity={"share": 0.5, "conditional": 0.5})
    assert err.value.name == "reciprocity.share"
    with pytest.raises(cs.ParameterError) as err:
        Scenario(strategies=("memory_one",), reciprocity={"conditional": 0.5})
    assert err.value.name == "reciprocity.conditional"
    with pytest.raises(cs.ParameterError) as err:
        Scenario(reciprocity={"conditional": 1.5})
    assert err.value.name == "reciprocity.conditional"


def test_matched_kernel_equal_to_uniform_is_bit_identical():
    # ALLC, ALLD, TFT with conditional = 1/2 and cooperators = 2/3 is the uniform kernel
    plain = Scenario(strategies=("ALLC", "ALLD", "TFT"), **SMALL)
    same = plain.with_params({"reciprocity.conditional": 0.5, "reciprocity.cooperators": 2 / 3})
    assert np.allclose(same.kernel(), plain.kernel())
    matched_default = plain.with_params({"reciprocity.conditional": 0.5})
    pd.testing.assert_frame_equal(plain.run(seed=4).periods, matched_default.run(seed=4).periods)


def test_h1_reciprocators_beat_unconditional_cooperators_at_equal_initial_cooperation():
    # condition (docs): PD, w = 0.8, half of the kernel on ALLD, half on nice strategies
    sc = Scenario(**BASE, strategies=("ALLC", "ALLD", "TFT"), iteration={"continuation": 0.8},
                  reciprocity={"cooperators": 0.5})
    reps = 16
    lo = emergence(sc.with_params({"reciprocity.conditional": 0.0}), reps)
    hi = emergence(sc.with_params({"reciprocity.conditional": 1.0}), reps)
    assert gap_in_se(lo, hi, reps) > 3, (lo, hi)


# ------------------------------------------------------------------ H2: two factors
def test_h2_group_size_and_number_of_states_vary_separately_and_hold_is_explicit():
    sc = Scenario(game="public_goods", strategies=("ALLC", "ALLD", "TFT"), n_states=24,
                  actors={"n_actors": 4, "per_capita_return": 0.75})
    assert sc.with_params({"n_states": 48}).actors.n_actors == 4
    assert sc.with_params({"actors.n_actors": 6}).n_states == 24
    # per-capita return held fixed: the multiplier (total return on a contribution) grows with n
    r = [sc.with_params({"actors.n_actors": k}).stage_game().parameters["multiplier"] for k in (2, 4, 6)]
    assert r == pytest.approx([1.5, 3.0, 4.5])
    fixed = sc.with_params({"actors.hold": "multiplier", "actors.multiplier": 1.5})
    pcr = [fixed.with_params({"actors.n_actors": k}).stage_game().parameters["per_capita_return"] for k in (2, 4, 6)]
    assert pcr == pytest.approx([0.75, 0.375, 0.25])


# ------------------------------------------------------------------ H3: noise in long games
def test_h3_noise_accumulates_in_long_games_between_tft_players():
    from coopsim.engine import exact

    tft = cs.TFT.array
    coop = {}
    for noise in (0.0, 0.01):
        for w in (0.8, 0.98):
            v = exact.payoffs(tft[None], tft[None], cs.prisoners_dilemma(), continuation=w, noise=noise)
            coop[noise, w] = float(v.focal_cooperation[0])
    assert coop[0.0, 0.8] == coop[0.0, 0.98] == 1.0
    assert coop[0.01, 0.8] == pytest.approx(0.954, abs=2e-3)
    assert coop[0.01, 0.98] == pytest.approx(0.747, abs=2e-3)
    # an independent oracle: the 4-state chain of (own move, co-player's move) by hand.
    # TFT intends the co-player's last move; each move is flipped with probability e;
    # cooperation = (1 - w) sum_t w^t P(C in round t) = d0 (1 - w)(I - w M)^-1 . [1, 1, 0, 0]
    for w in (0.8, 0.98):
        e = 0.01
        flip = np.array([[1 - e, e], [e, 1 - e]])  # intended move -> realised move (C, D)
        M = np.zeros((4, 4))
        for s_ in range(4):
            own, other = divmod(s_, 2)
            for a in range(2):
                for b in range(2):
                    M[s_, 2 * a + b] = flip[other, a] * flip[own, b]  # each copies the other's move
        d0 = np.array([flip[0, a] * flip[0, b] for a in range(2) for b in range(2)])
        occupation = (1 - w) * d0 @ np.linalg.inv(np.eye(4) - w * M)
        assert coop[e, w] == pytest.approx(occupation[0] + occupation[1], abs=1e-12)


def test_h3_with_noise_allc_earns_more_than_tft_among_tft_in_long_games():
    from coopsim.engine import exact

    g = cs.prisoners_dilemma()

    def pay(a, b, w, noise):
        return float(exact.payoffs(a.array[None], b.array[None], g, continuation=w, noise=noise).focal[0])

    # without noise ALLC is neutral among TFT (drift); with noise it is favoured, more so in long games
    assert pay(cs.ALLC, cs.TFT, 0.98, 0.0) == pytest.approx(pay(cs.TFT, cs.TFT, 0.98, 0.0))
    gain = {w: pay(cs.ALLC, cs.TFT, w, 0.01) - pay(cs.TFT, cs.TFT, w, 0.01) for w in (0.8, 0.98)}
    assert 0 < gain[0.8] < gain[0.98]


def test_h3_without_noise_longer_games_raise_emergence():
    # condition (docs): PD, Fermi, classic strategy set, noise 0: w = 0.5 vs 0.98
    sc = Scenario(**BASE, noise=0.0)
    reps = 12
    lo = emergence(sc.with_params({"iteration.continuation": 0.5}), reps)
    hi = emergence(sc.with_params({"iteration.continuation": 0.98}), reps)
    assert gap_in_se(lo, hi, reps) > 3, (lo, hi)


# ------------------------------------------------------------------ H5: consensus and accuracy
def test_consensus_games_have_the_stated_order():
    coop = consensus_game((3, 0, 5, 1), "cooperative")
    assert cs.Game(*coop).classify() == "stag_hunt"
    assert cs.Game(*consensus_game((3, 0, 5, 1), "defective")).classify() == "deadlock"
    sh = (4, 0, 3, 1)
    assert consensus_game(sh, "cooperative").tolist() == list(map(float, sh))  # already an assurance game


@pytest.mark.parametrize("section", [
    {"consensus": "cooperative", "accuracy": 1.0, "reach": 0.7},
    {"consensus": "none", "accuracy": 0.2, "reach": 0.7},
    {"reach": 0.7, "diffusion": 0.5},
])
def test_epistemic_neutral_values_are_bit_identical(section):
    plain = Scenario(**SMALL)
    other = Scenario(**SMALL, epistemic=section)
    assert not other.epistemic.is_active
    pd.testing.assert_frame_equal(plain.run(seed=6).periods, other.run(seed=6).periods)


def test_consensus_with_nobody_advised_is_bit_identical_in_play():
    plain = Scenario(**SMALL)
    nobody = Scenario(**SMALL, epistemic={"consensus": "defective", "accuracy": 0.0, "reach": 0.0})
    a, b = plain.run(seed=7).periods, nobody.run(seed=7).periods
    pd.testing.assert_frame_equal(a.drop(columns="advised"), b.drop(columns="advised"))


@pytest.mark.parametrize("setting, field", [
    (dict(update="moran_bd"), "epistemic.consensus"),
    (dict(update="best_neighbour"), "epistemic.consensus"),
    (dict(update="replicator", strategies=("ALLC", "ALLD", "TFT")), "epistemic.consensus"),
    (dict(game="public_goods", actors={"n_actors": 3}, strategies=("ALLC", "ALLD", "TFT")), "epistemic.consensus"),
])
def test_consensus_is_refused_where_it_cannot_act(setting, field):
    with pytest.raises(cs.ParameterError) as err:
        Scenario(**SMALL, **setting, epistemic={"consensus": "cooperative", "accuracy": 0.0, "reach": 0.5})
    assert err.value.name == field
    with pytest.raises(cs.ParameterError) as err:
        Scenario(epistemic={"consensus": "hopeful"})
    assert err.value.name == "epistemic.consensus"


def test_advice_diffuses_along_the_network_only():
    n, reach, periods, seed = 30, 0.1, 3, 12
    sc = Scenario(n_states=n, periods=periods, window=1, structure="ring",
                  epistemic={"consensus": "cooperative", "accuracy": 0.5, "reach": reach, "diffusion": 1.0})
    res = sc.run(seed=seed)
    start = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2]).random(n) < reach
    assert start.any() and not start.all()
    advised = start.copy()
    for _ in range(periods):  # every edge is an encounter each period: advice reaches exactly the neighbours
        advised = advised | np.roll(advised, 1) | np.roll(advised, -1)
    assert np.array_equal(res.states["advised"].to_numpy(), advised)
    assert res.periods["advised"].iloc[0] == pytest.approx(start.mean())


@pytest.mark.parametrize("consensus, sign", [("cooperative", +1), ("defective", -1)])
def test_h5_reach_of_a_consensus_moves_cooperation_in_its_direction(consensus, sign):
    # condition (docs): PD, w = 0.8, Fermi imitation, accuracy 0.5, no perception noise
    sc = Scenario(**BASE, iteration={"continuation": 0.8},
                  epistemic={"consensus": consensus, "accuracy": 0.5})
    reps = 20
    lo = emergence(sc.with_params({"epistemic.reach": 0.0}), reps)
    hi = emergence(sc.with_params({"epistemic.reach": 1.0}), reps)
    assert sign * gap_in_se(lo, hi, reps) > 3, (consensus, lo, hi)
