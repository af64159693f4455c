"""Sampled engine against external expectations: published/derived targets (T1, T5, T6),
the exact engine, hand-derived sequences, axelrod's noise convention, and the N-player
payoff definitions. Every statistical check has a fixed seed and a tolerance of a few
standard errors computed from the sample itself."""
import numpy as np
import pytest

import coopsim as cs
from coopsim import ParameterError
from coopsim.engine import exact as ex
from coopsim.engine import sampled as sp
from coopsim.strategies import GroupStrategy, group_allc, group_alld

PD = cs.prisoners_dilemma()  # Axelrod's (R, S, T, P) = (3, 0, 5, 1)
ALT = cs.MemoryOne((0, 0, 1, 1), 0, "ALT")  # D, C, D, C, ... whatever the co-player does


def se(x):
    x = np.asarray(x, dtype=float)
    return x.std(ddof=1) / np.sqrt(x.size)


# --------------------------------------------------------------------------- T5(b)
# targets.md T5: 200 rounds, both start C, noise on every move: (payoff, cooperation)
T5_TABLE = {
    0.001: {"TFT": (2.9015, 0.9116), "WSLS": (2.9950, 0.9970), "GTFT": (2.9970, 0.9970)},
    0.01: {"TFT": (2.4604, 0.6203), "WSLS": (2.9513, 0.9707), "GTFT": (2.9706, 0.9714)},
    0.05: {"TFT": (2.2897, 0.5225), "WSLS": (2.7774, 0.8649), "GTFT": (2.8605, 0.8759)},
}
STRATS = {"TFT": cs.TFT, "WSLS": cs.WSLS, "GTFT": cs.gtft()}


@pytest.mark.parametrize("eps,name", [(e, n) for e in T5_TABLE for n in STRATS])
def test_t5b_finite_noisy_game_matches_published_table(eps, name):
    s = STRATS[name]
    m = sp.play(s, np.tile(s.array, (20_000, 1)), PD, turns=200, noise=eps, seed=5)
    payoff, coop = T5_TABLE[eps][name]
    rounding = 5e-5  # the table has 4 decimals
    assert abs(m.focal_cooperation.mean() - coop) < 4 * se(m.focal_cooperation) + rounding
    assert abs(m.focal_payoff.mean() - payoff) < 4 * se(m.focal_payoff) + rounding
    # both sides are the same strategy: the co-player's statistics estimate the same values
    assert abs(m.coplayer_cooperation.mean() - coop) < 4 * se(m.coplayer_cooperation) + rounding


def test_t5b_tft_headline_number_and_its_standard_error():
    m = sp.play(np.tile(cs.TFT.array, (20_000, 1)), cs.TFT, PD, turns=200, noise=0.01, seed=2024)
    s = se(m.focal_cooperation)
    assert s < 0.0025  # targets.md expects SE ~ 0.002 (the per-match SD is in fact ~ 0.2)
    assert abs(m.focal_cooperation.mean() - 0.6203) < 4 * s


# --------------------------------------------------------------------------- T6
def test_t6_extortioner_against_allc_long_simulation():
    E = cs.extortionate(PD)  # chi = 3: (11/13, 1/2, 7/26, 0)
    assert E.vector == pytest.approx((11 / 13, 1 / 2, 7 / 26, 0))
    m = sp.play(E, np.tile(cs.ALLC.array, (100, 1)), PD, turns=1000, seed=6)  # 10^5 rounds
    sx, sy = m.focal_score.sum() / m.lengths.sum(), m.coplayer_score.sum() / m.lengths.sum()
    assert abs(sx - 3.727) < 0.02 and abs(sy - 1.909) < 0.01  # targets.md T6
    # and within 4 SE (between-match SD, which accounts for autocorrelation) of 41/11, 21/11
    assert abs(sx - 41 / 11) < 4 * se(m.focal_payoff)
    assert abs(sy - 21 / 11) < 4 * se(m.coplayer_payoff)


def test_t6_perspective_swap_gives_the_mirror_image():
    # ALLC as focal player, the extortioner as co-player: the co-player must read CD as DC
    m = sp.play(np.tile(cs.ALLC.array, (100, 1)), cs.extortionate(PD), PD, turns=1000, seed=7)
    sx, sy = m.focal_score.sum() / m.lengths.sum(), m.coplayer_score.sum() / m.lengths.sum()
    assert abs(sx - 1.909) < 0.01 and abs(sy - 3.727) < 0.02


# --------------------------------------------------------------------------- T1(b)
@pytest.mark.parametrize("w,alt_wins", [(0.60, True), (0.75, False)])
def test_t1b_alternation_beats_tft_below_two_thirds_and_loses_above(w, alt_wins):
    K = 100_000
    alt = sp.play(np.tile(ALT.array, (K, 1)), cs.TFT, PD, continuation=w, seed=11)
    tft = sp.play(np.tile(cs.TFT.array, (K, 1)), cs.TFT, PD, continuation=w, seed=12)
    R, S, T, P = PD.rstp
    # published expected totals (Axelrod 1984): (T + wS)/(1 - w^2) and R/(1 - w)
    assert abs(alt.focal_score.mean() - (T + w * S) / (1 - w**2)) < 4 * se(alt.focal_score)
    assert abs(tft.focal_score.mean() - R / (1 - w)) < 4 * se(tft.focal_score)
    diff = alt.focal_score.mean() - tft.focal_score.mean()
    z = diff / np.hypot(se(alt.focal_score), se(tft.focal_score))
    assert (z > 5) if alt_wins else (z < -5)


def test_alternator_plays_d_c_d_c_against_anything():
    m = sp.play(ALT, [cs.TFT, cs.ALLD, cs.RANDOM], PD, turns=6, seed=1, record="actions")
    assert (m.actions[:, :, 0] == [1, 0, 1, 0, 1, 0]).all()
    assert m.actions[0, :, 1].tolist() == [0, 1, 0, 1, 0, 1]  # TFT copies the alternator


# --------------------------------------------------------------------------- lengths
@pytest.mark.parametrize("w", [0.5, 0.9])
def test_geometric_lengths_have_mean_one_over_one_minus_w(w):
    L = sp.play(cs.ALLC, np.tile(cs.ALLD.array, (50_000, 1)), PD, continuation=w, seed=3).lengths
    assert L.min() >= 1
    assert abs(L.mean() - 1 / (1 - w)) < 4 * se(L)
    p1 = np.mean(L == 1)  # P(length 1) = 1 - w
    assert abs(p1 - (1 - w)) < 4 * np.sqrt(p1 * (1 - p1) / L.size)


def test_continuation_zero_and_per_match_arrays():
    assert (sp.play(cs.TFT, cs.TFT, PD, continuation=0.0, seed=1).lengths == 1).all()
    L = sp.match_lengths(40_000, continuation=np.repeat([0.0, 0.8], 20_000), seed=2)
    assert (L[:20_000] == 1).all() and abs(L[20_000:].mean() - 5) < 4 * se(L[20_000:])


def test_finished_matches_are_masked_and_scores_follow_the_recorded_moves():
    m = sp.play(cs.RANDOM, [cs.TFT, cs.WSLS, cs.ALLD, cs.gtft()] * 50, PD, continuation=0.9, noise=0.05,
                seed=4, record="actions")
    a = m.actions
    assert a.shape == (200, m.lengths.max(), 2)
    t = np.arange(a.shape[1])
    alive = t[None, :] < m.lengths[:, None]
    assert (a[alive] >= 0).all() and (a[~alive] == -1).all()
    state = np.where(alive[..., None], a, 0)
    state = 2 * state[..., 0] + state[..., 1]
    R, S, T, P = PD.rstp
    fx, fy = np.array([R, S, T, P]), np.array([R, T, S, P])
    assert np.allclose(np.where(alive, fx[state], 0).sum(1), m.focal_score)
    assert np.allclose(np.where(alive, fy[state], 0).sum(1), m.coplayer_score)
    assert np.allclose(((a[..., 0] == 0) & alive).sum(1) / m.lengths, m.focal_cooperation)
    df = m.to_frame()
    assert len(df) == 200 and {"length", "focal_score", "coplayer_payoff", "n_CD"} <= set(df.columns)


# --------------------------------------------------------------------------- exact sequences
def test_tft_against_suspicious_tft_alternates():
    m = sp.play(cs.TFT, cs.STFT, PD, turns=7, record="actions")
    assert m.actions[0, :, 0].tolist() == [0, 1, 0, 1, 0, 1, 0]
    assert m.actions[0, :, 1].tolist() == [1, 0, 1, 0, 1, 0, 1]
    assert m.focal_score[0] == 3 * PD.T + 4 * PD.S and m.coplayer_score[0] == 4 * PD.T + 3 * PD.S


def test_wsls_against_alld_alternates_c_d():
    m = sp.play(cs.WSLS, cs.ALLD, PD, turns=6, record="actions")
    assert m.actions[0, :, 0].tolist() == [0, 1, 0, 1, 0, 1]
    assert m.focal_score[0] == 3 * PD.S + 3 * PD.P and m.coplayer_score[0] == 3 * PD.T + 3 * PD.P


def test_states_are_from_the_focal_perspective():
    m = sp.play(cs.ALLC, cs.ALLD, PD, turns=10)
    assert m.states.tolist() == [[0, 10, 0, 0]]  # always CD: focal C, co-player D
    assert m.focal_score[0] == 10 * PD.S and m.coplayer_score[0] == 10 * PD.T


def test_deterministic_play_consumes_no_randomness():
    rng = np.random.default_rng(99)
    before = rng.bit_generator.state
    det = np.array([[1, 0, 1, 0, 1], [1, 0, 0, 1, 1], [1, 0, 0, 0, 1], [0, 0, 0, 0, 0], [1, 0, 1, 0, 0]], float)
    sp.play(np.repeat(det, 5, 0), np.tile(det, (5, 1)), PD, turns=50, seed=rng, record="actions")
    assert rng.bit_generator.state == before


def test_all_deterministic_pairs_replay_identically_without_seed():
    det = np.array(np.meshgrid(*[[0.0, 1.0]] * 5)).reshape(5, -1).T  # 32 rules x first move
    P, Q = np.repeat(det, 32, 0), np.tile(det, (32, 1))
    a = sp.play(P, Q, PD, turns=20, record="actions")
    b = sp.play(P, Q, PD, turns=20, record="actions")
    assert np.array_equal(a.actions, b.actions)
    # exact engine (no noise): the deterministic sequence is the expectation
    v = ex.payoffs(P, Q, PD, rounds=20)
    assert np.allclose(a.focal_payoff, v.focal) and np.allclose(a.coplayer_cooperation, v.coplayer_cooperation)


# --------------------------------------------------------------------------- noise
def test_noise_flips_the_first_move_too():
    m = sp.play(cs.ALLC, np.tile(cs.ALLC.array, (40_000, 1)), PD, turns=1, noise=0.1, seed=8)
    c = m.coplayer_cooperation
    assert abs(c.mean() - 0.9) < 4 * se(c)
    m = sp.play(cs.ALLC, cs.ALLC, PD, turns=1, noise=0.1, seed=8, first_move_noise=False)
    assert m.focal_cooperation[0] == 1


def test_noise_on_deterministic_moves_and_strategies_see_realised_moves():
    # ALLD vs ALLD cooperates at rate eps; TFT copies the *realised* move of ALLD
    m = sp.play(cs.TFT, np.tile(cs.ALLD.array, (2000, 1)), PD, turns=100, noise=0.05, seed=9, record="actions")
    co = m.actions[:, :, 1]
    assert abs((co == 0).mean() - 0.05) < 4 * np.sqrt(0.05 * 0.95 / co.size)
    intended = co[:, :-1]  # TFT's intended move = co-player's realised last move
    flipped = m.actions[:, 1:, 0] != intended
    assert abs(flipped.mean() - 0.05) < 4 * np.sqrt(0.05 * 0.95 / flipped.size)


@pytest.mark.parametrize("w,noise", [(0.9, 0.02), (0.97, 0.0)])
def test_random_stochastic_pairs_agree_with_the_exact_engine(w, noise):
    rng = np.random.default_rng(10)
    pairs = rng.random((4, 2, 5))
    K = 20_000
    for p, q in pairs:
        m = sp.play(np.tile(p, (K, 1)), q, PD, continuation=w, noise=noise, seed=int(rng.integers(1 << 30)))
        v = ex.payoffs(p, q, PD, continuation=w, noise=noise)
        # exact per-round value x expected length = expected total
        assert abs(m.focal_score.mean() - v.focal[0] / (1 - w)) < 4 * se(m.focal_score)
        assert abs(m.coplayer_score.mean() - v.coplayer[0] / (1 - w)) < 4 * se(m.coplayer_score)


# --------------------------------------------------------------------------- seeds
def test_same_seed_same_numbers_and_seed_zero_is_a_seed():
    kw = dict(turns=50, noise=0.1, record="actions")
    a = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, seed=0, **kw)
    b = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, seed=0, **kw)
    c = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, seed=np.random.default_rng(0), **kw)
    d = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, seed=1, **kw)
    e = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, seed=None, **kw)
    f = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, seed=None, **kw)
    assert np.array_equal(a.actions, b.actions) and np.array_equal(a.actions, c.actions)
    assert not np.array_equal(a.actions, d.actions)
    assert not np.array_equal(e.actions, f.actions)  # None: fresh entropy each call
    g = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, continuation=0.95, noise=0.1, seed=0)
    h = sp.play(cs.RANDOM, [cs.TFT] * 300, PD, continuation=0.95, noise=0.1, seed=0)
    assert np.array_equal(g.lengths, h.lengths) and np.array_equal(g.focal_score, h.focal_score)


def test_large_batches_use_several_chunks_consistently():
    # more matches than one chunk and sorted by random length internally: every match must
    # still be reported in input order with its own strategies (hand-derived totals)
    K = 40_000
    p = np.tile([cs.ALLC.array, cs.ALLD.array], (K // 2, 1))
    m = sp.play(p, cs.TFT, PD, continuation=0.8, seed=13)
    allc = m.focal_cooperation[0::2]
    alld = m.focal_cooperation[1::2]
    assert (allc == 1).all() and (alld == 0).all()
    assert np.allclose(m.focal_score[0::2], 3 * m.lengths[0::2])
    assert np.allclose(m.focal_score[1::2], 5 + (m.lengths[1::2] - 1))


# --------------------------------------------------------------------------- N-player
def test_conditional_cooperators_in_full_cooperation_stay_cooperative():
    for n in (2, 3, 5, 8):
        g = cs.public_goods(n, multiplier=1.5 if n == 2 else 3.0)
        r = sp.play_groups([[cs.conditional_cooperator(n - 1)] * n] * 4, g, turns=100, record="actions")
        assert (r.actions == 0).all() and (r.group_cooperation == 1).all()
        assert np.allclose(r.payoff, g.cooperator[n - 1])


def test_group_payoffs_equal_the_games_payoffs_of_the_recorded_actions():
    g = cs.public_goods(4, multiplier=2.5)
    cc = cs.conditional_cooperator(2)
    groups = [[cc, group_alld(), cs.conditional_cooperator(0.5), group_allc()]] * 500
    r = sp.play_groups(groups, g, continuation=0.9, noise=0.05, seed=14, record="actions")
    a = r.actions
    alive = a >= 0
    pay = np.where(alive, g.payoffs(np.where(alive, a, 1)), 0.0)
    assert np.allclose(pay.sum(axis=1), r.score)
    assert np.allclose((a == 0).sum(axis=1) / r.lengths[:, None], r.cooperation)
    assert np.allclose(r.cooperation.mean(axis=1), r.group_cooperation)
    assert len(r.to_frame()) == 500 * 4


def test_group_of_defectors_earns_defector_zero():
    g = cs.collective_risk(4, threshold=2, risk=0.5)
    r = sp.play_groups([[group_alld()] * 4] * 3, g, turns=20)
    assert np.allclose(r.payoff, g.defector[0]) and g.defector[0] == 0.5
    assert (r.group_cooperation == 0).all()


def _as_group(m: cs.MemoryOne) -> GroupStrategy:
    p_cc, p_cd, p_dc, p_dd = m.vector
    # [a, j]: own move a, j other cooperators (0 or 1 when n = 2)
    return GroupStrategy(lambda n: np.array([[p_cd, p_cc], [p_dd, p_dc]]), m.initial, m.name, stochastic=True)


def test_two_member_groups_agree_with_two_player_memory_one_play():
    g2 = cs.n_person_prisoners_dilemma(2, b=3, c=1)
    game = g2.as_2x2()  # the donation game
    rng = np.random.default_rng(15)
    K = 20_000
    for _ in range(3):
        p, q = (cs.MemoryOne(tuple(rng.random(4)), float(rng.random())) for _ in range(2))
        grp = sp.play_groups([[_as_group(p), _as_group(q)]] * K, g2, turns=30, noise=0.03, seed=16)
        two = sp.play(np.tile(p.array, (K, 1)), q, game, turns=30, noise=0.03, seed=17)
        v = ex.payoffs(p, q, game, rounds=30, noise=0.03)
        for x, y, exact_value in ((grp.payoff[:, 0], two.focal_payoff, v.focal[0]),
                                  (grp.cooperation[:, 1], two.coplayer_cooperation, v.coplayer_cooperation[0])):
            assert abs(x.mean() - y.mean()) < 4 * np.hypot(se(x), se(y))
            assert abs(x.mean() - exact_value) < 4 * se(x)


def test_group_arrays_and_geometric_group_lengths():
    g = cs.public_goods(3, multiplier=2.0)
    S = np.stack([cs.conditional_cooperator(1).array(3)] * 3)[None].repeat(30_000, 0)
    r = sp.play_groups(S, g, continuation=0.75, seed=18)
    assert abs(r.lengths.mean() - 4) < 4 * se(r.lengths)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs,name", [
    (dict(turns=10, noise=1.5), "noise"),
    (dict(turns=10, noise=-0.1), "noise"),
    (dict(turns=0), "turns"),
    (dict(turns=2.5), "turns"),
    (dict(turns=10, continuation=0.9), "turns"),
    (dict(), "turns"),
    (dict(continuation=1.0), "continuation"),
    (dict(continuation=-0.2), "continuation"),
    (dict(turns=10, record="everything"), "record"),
])
def test_bad_parameters_name_the_parameter(kwargs, name):
    with pytest.raises(ParameterError) as err:
        sp.play(cs.TFT, cs.TFT, PD, **kwargs)
    assert err.value.name == name and name in str(err.value)


@pytest.mark.parametrize("p,q,name", [
    ([1, 0, 1], cs.TFT, "p"),
    ([1, 0, 1, 0, 1, 0], cs.TFT, "p"),
    ([1.2, 0, 1, 0, 1], cs.TFT, "p"),
    (cs.TFT, [[1, 0, 1, 0, -1]], "q"),
    ([cs.TFT] * 3, [cs.TFT] * 2, "q"),
])
def test_bad_strategies_name_the_argument(p, q, name):
    with pytest.raises(ParameterError) as err:
        sp.play(p, q, PD, turns=5)
    assert err.value.name == name


def test_bad_group_parameters():
    g = cs.public_goods(3, multiplier=2.0)
    cc = cs.conditional_cooperator(1)
    with pytest.raises(ParameterError, match="strategies"):
        sp.play_groups([[cc, cc]], g, turns=5)  # 2 members for a 3-player game
    with pytest.raises(ParameterError, match="strategies"):
        sp.play_groups(np.full((2, 3, 7), 1.5), g, turns=5)
    with pytest.raises(ParameterError, match="noise"):
        sp.play_groups([[cc] * 3], g, turns=5, noise=2)
    with pytest.raises(ParameterError, match="turns"):
        sp.play_groups([[cc] * 3], g)
    with pytest.raises(ParameterError, match="game"):
        sp.play_groups([[cc] * 3], PD, turns=5)


# --------------------------------------------------------------------------- axelrod (slow import)
@pytest.mark.slow
@pytest.mark.axelrod
def test_deterministic_classics_replay_axelrod_match_exactly():
    import axelrod as axl

    pairs = {"TFT": axl.TitForTat, "STFT": axl.SuspiciousTitForTat, "WSLS": axl.WinStayLoseShift,
             "ALLC": axl.Cooperator, "ALLD": axl.Defector, "GRIM": axl.Grudger}
    for a, A in pairs.items():
        for b, B in pairs.items():
            res = axl.Match((A(), B()), turns=30).play()
            ref = np.array([(x.value, y.value) for x, y in res])
            m = sp.play(cs.classic(a), cs.classic(b), PD, turns=30, record="actions")
            assert np.array_equal(m.actions[0], ref), (a, b)
