"""Exact engine: conventions, invariants and independent oracles (published targets are in
test_targets_exact.py)."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coopsim as cs
from coopsim import ParameterError
from coopsim.engine import exact as ex

AXELROD = cs.Game(3, 0, 5, 1)
DETERMINISTIC = np.array(list(itertools.product([0.0, 1.0], repeat=5)))
TFT, STFT, WSLS, GRIM, ALLC, ALLD = (s.array for s in (cs.TFT, cs.STFT, cs.WSLS, cs.GRIM, cs.ALLC, cs.ALLD))
ALL_DET_P = np.repeat(DETERMINISTIC, 32, axis=0)
ALL_DET_Q = np.tile(DETERMINISTIC, (32, 1))


def brute_force_average(p, q, T, noise=0.0):
    """Plain loop v_{t+1} = v_t M, averaged over rounds 0..T-1 (independent of the engine's doubling)."""
    M = ex.transition_matrices(p, q, noise)
    v = ex.initial_distribution(p, q, noise)
    acc = np.zeros_like(v)
    for _ in range(T):
        acc += v
        v = np.einsum("ks,kst->kt", v, M)
    return acc / T


def random_pairs(n, seed):
    rng = np.random.default_rng(seed)
    return rng.random((n, 5)), rng.random((n, 5))


# --------------------------------------------------------------------------- conventions
def test_perspective_swap_in_the_transition_matrix():
    # p = ALLC and q = TFT, p = TFT and q = ALLD: hand-written rows (focal CD is the co-player's DC)
    M = ex.transition_matrices([TFT, ALLD], [ALLD, TFT])
    assert M[0] == pytest.approx(np.array([[0, 1, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1.0]]))
    # ALLD vs TFT: TFT (co-player) cooperates iff the focal player cooperated last round
    assert M[1] == pytest.approx(np.array([[0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1.0]]))


def test_noise_applies_to_every_move_including_the_first():
    eps = 0.1
    v0 = ex.initial_distribution(ALLC, ALLD, eps)
    assert v0[0] == pytest.approx([0.9 * 0.1, 0.9 * 0.9, 0.1 * 0.1, 0.1 * 0.9])
    v0 = ex.initial_distribution(ALLC, ALLD, eps, first_move_noise=False)
    assert v0[0] == pytest.approx([0, 1, 0, 0])
    assert ex.transition_matrices(ALLC, ALLC, eps)[0, 3] == pytest.approx([0.81, 0.09, 0.09, 0.01])


def test_accepts_memory_one_objects_lists_and_one_vs_many():
    a = ex.payoffs(cs.TFT, [cs.ALLD, cs.TFT], AXELROD, rounds=10)
    b = ex.payoffs([[1, 0, 1, 0, 1]], np.stack([ALLD, TFT]), AXELROD, rounds=10)
    assert a.focal == pytest.approx([0.9, 3.0]) and b.focal == pytest.approx(a.focal)


@pytest.mark.axelrod
def test_finite_matches_equal_axelrod_for_deterministic_pairs():
    axl = pytest.importorskip("axelrod")
    players = {"TFT": (TFT, axl.TitForTat), "STFT": (STFT, axl.SuspiciousTitForTat),
               "WSLS": (WSLS, axl.WinStayLoseShift), "ALLD": (ALLD, axl.Defector), "ALLC": (ALLC, axl.Cooperator)}
    pairs = list(itertools.product(players, repeat=2))
    v = ex.payoffs(np.stack([players[a][0] for a, _ in pairs]), np.stack([players[b][0] for _, b in pairs]),
                   AXELROD, rounds=37)
    for k, (a, b) in enumerate(pairs):
        match = axl.Match((players[a][1](), players[b][1]()), turns=37)
        match.play()
        sa, sb = match.final_score_per_turn()
        coop = match.normalised_cooperation()
        assert (v.focal[k], v.coplayer[k]) == pytest.approx((sa, sb), abs=1e-12), (a, b)
        assert (v.focal_cooperation[k], v.coplayer_cooperation[k]) == pytest.approx(coop, abs=1e-12)


# --------------------------------------------------------------------------- invariants
@pytest.mark.parametrize("kw", [dict(rounds=7), dict(continuation=0.9), dict(), dict(noise=0.05),
                                dict(continuation=0.5, noise=0.2)])
def test_distributions_sum_to_one_and_are_nonnegative(kw):
    p, q = random_pairs(300, 1)
    for pp, qq in [(p, q), (ALL_DET_P, ALL_DET_Q)]:
        v = ex.state_distribution(pp, qq, **kw)
        assert np.abs(v.sum(1) - 1).max() < 1e-12 and v.min() > -1e-12


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.tuples(*[st.floats(0, 1)] * 5), st.tuples(*[st.floats(0, 1)] * 5),
       st.sampled_from([dict(rounds=5), dict(continuation=0.8), dict(), dict(noise=0.01)]))
def test_swapping_players_swaps_values(p, q, kw):
    game = cs.AsymmetricGame((3, 0, 5, 1), (6, -1, 8, 2))
    a = ex.payoffs(np.array(p), np.array(q), game, **kw)
    b = ex.payoffs(np.array(q), np.array(p), game.swapped(), **kw)
    assert a.focal == pytest.approx(b.coplayer, abs=1e-9) and a.coplayer == pytest.approx(b.focal, abs=1e-9)
    assert a.focal_cooperation == pytest.approx(b.coplayer_cooperation, abs=1e-9)


def test_limit_of_means_matches_long_brute_force_average():
    # all 1024 deterministic pairs (reducible and periodic chains included) and fast-mixing random ones
    T = 4000
    v = ex.state_distribution(ALL_DET_P, ALL_DET_Q)
    assert np.abs(v - brute_force_average(ALL_DET_P, ALL_DET_Q, T)).max() < 4 / T
    p, q = random_pairs(200, 2)
    p, q = 0.1 + 0.8 * p, 0.1 + 0.8 * q
    assert np.abs(ex.state_distribution(p, q) - brute_force_average(p, q, T)).max() < 1e-3


def test_named_non_ergodic_limits():
    v = ex.state_distribution(TFT, [TFT, STFT, ALLD, GRIM, WSLS])
    assert v == pytest.approx(np.array([[1, 0, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0, 1], [1, 0, 0, 0], [1, 0, 0, 0.0]]))
    # GRIM vs a coin flipper: GRIM defects for ever after the first D, the coin keeps flipping
    assert ex.state_distribution(GRIM, [0.5] * 5)[0] == pytest.approx([0, 0, 0.5, 0.5])
    # WSLS that opens with D against WSLS: DC -> DD -> CC for ever
    assert ex.state_distribution([1, 0, 0, 1, 0], WSLS)[0] == pytest.approx([1, 0, 0, 0])


def test_limit_matrix_equals_group_inverse_formula():
    # P* = I - A A#, A = I - M, A# = A (A^3)^+ A (Meyer 1975), for all deterministic pairs and a
    # stochastic reducible set (GRIM/TFT against random opponents)
    p = np.concatenate([ALL_DET_P, np.tile([GRIM, TFT], (50, 1))])
    q = np.concatenate([ALL_DET_Q, np.random.default_rng(3).random((100, 5))])
    M = ex.transition_matrices(p, q)
    A = np.eye(4) - M
    group = np.eye(4) - A @ (A @ np.linalg.pinv(A @ A @ A, rcond=1e-10) @ A)
    assert np.abs(ex.limit_matrix(M) - group).max() < 1e-9


def test_finite_rounds_doubling_equals_plain_loop():
    p, q = random_pairs(100, 4)
    for T in (1, 2, 3, 200, 257):
        assert np.abs(ex.state_distribution(p, q, rounds=T, noise=0.01)
                      - brute_force_average(p, q, T, 0.01)).max() < 1e-12


def test_discounted_is_a_weighted_sum_and_tends_to_the_limit():
    p, q = random_pairs(50, 5)
    w = 0.7  # truncated sum of (1-w) w^t v_t, truncation error < 1e-12
    M, v = ex.transition_matrices(p, q), ex.initial_distribution(p, q)
    total = np.zeros_like(v)
    for t in range(100):
        total += (1 - w) * w ** t * v
        v = np.einsum("ks,kst->kt", v, M)
    assert np.abs(ex.state_distribution(p, q, continuation=w) - total).max() < 1e-12
    for pp, qq in [(p, q), (ALL_DET_P, ALL_DET_Q)]:
        lim = ex.state_distribution(pp, qq)
        near = ex.state_distribution(pp, qq, continuation=1 - 1e-7)
        assert np.abs(near - lim).max() < 1e-5
    assert ex.state_distribution(p, q, continuation=0.0) == pytest.approx(ex.initial_distribution(p, q))


def test_continuation_and_noise_arrays_broadcast():
    w = np.array([0.1, 0.5, 0.9])
    one = ex.payoffs(TFT, ALLD, AXELROD, continuation=w).focal
    assert one == pytest.approx((1 - w) * 0 + w * 1)  # S first, then P for ever: (1-w) S + w P
    eps = np.array([0.0, 0.1])
    v = ex.payoffs(TFT, TFT, AXELROD, noise=eps, rounds=1)
    assert v.focal_cooperation == pytest.approx([1.0, 0.9])


def test_stationary_distribution_strict_and_fallback():
    with pytest.raises(ParameterError, match="closed classes"):
        ex.stationary_distribution(TFT, TFT)
    assert ex.stationary_distribution(STFT, TFT, strict=False)[0] == pytest.approx([0, 0.5, 0.5, 0])
    v = ex.stationary_distribution(WSLS, WSLS, 0.01)[0]  # symmetric pair: CD and DC equally likely
    assert v[1] == pytest.approx(v[2], abs=1e-15)


def test_press_dyson_is_nan_for_reducible_chains():
    sx, sy = ex.press_dyson_payoffs(TFT, [TFT, ALLD], AXELROD)
    assert np.isnan(sx[0]) and sy[1] == pytest.approx(1.0)


def test_pairwise_payoffs_matrix():
    A = ex.pairwise_payoffs([cs.TFT, cs.ALLD], AXELROD, rounds=10)
    assert A == pytest.approx(np.array([[3.0, 0.9], [1.4, 1.0]]))


# --------------------------------------------------------------------------- Moran
def test_moran_transitions_reproduce_fixation_and_neutral_case():
    A = np.array([[30, 9], [14, 10.0]])
    N = 12
    tp, tm = ex.moran_transition_probabilities(A, N, 0.1)
    assert tp.shape == (N + 1,) and tp[0] == tp[N] == tm[0] == tm[N] == 0
    rho = 1 / (1 + np.sum(np.cumprod(tm[1:N] / tp[1:N])))  # textbook birth-death chain formula
    assert rho == pytest.approx(ex.fixation_probability(A, N, 0.1)[0], rel=1e-12)
    i = np.arange(N + 1)
    t0p, t0m = ex.moran_transition_probabilities(A, N, 0.0)
    assert t0p == pytest.approx(i * (N - i) / N**2) and t0m == pytest.approx(i * (N - i) / N**2)


def test_fixation_of_a_constant_fitness_mutant():
    # fitness ratio r: rho = (1 - 1/r) / (1 - 1/r^N) (Moran 1958)
    s, N = 0.5, 8
    A = np.array([[3.0, 3.0], [1.0, 1.0]])  # f = 2, g = 1 -> r = 2
    r = 2.0
    assert ex.fixation_probability(A, N, s)[0] == pytest.approx((1 - 1 / r) / (1 - r ** -N), rel=1e-12)


def test_large_populations_do_not_overflow():
    ra, rb = ex.fixation_probability([[1, 0], [5, 3]], 2000, 0.5)
    assert 0 <= ra < 1e-100 and 0.5 < rb <= 1


# --------------------------------------------------------------------------- replicator
def test_replicator_rock_paper_scissors_conserves_product():
    # zero-sum RPS: x1 x2 x3 is a constant of motion (Hofbauer & Sigmund 1998)
    A = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0.0]])
    X = ex.replicator(A, [0.5, 0.3, 0.2], np.linspace(0, 30, 31))
    assert np.abs(X.prod(1) - 0.03).max() < 1e-7 and np.abs(X.sum(1) - 1).max() < 1e-12


def test_replicator_tidy_output():
    df = ex.replicator(cs.stag_hunt(), 0.5, [0, 1, 2], tidy=True)
    assert list(df.columns) == ["time", "strategy", "share"] and len(df) == 6
    assert set(df.strategy) == {"C", "D"}


def test_group_replicator_public_goods_logistic():
    # linear public goods: pi_C - pi_D = cost (r/n - 1) for every x -> logistic solution
    g = cs.public_goods(5, multiplier=3.0)
    t = np.linspace(0, 10, 11)
    k = 3.0 / 5 - 1
    x0 = 0.9
    exact = x0 * np.exp(k * t) / (1 - x0 + x0 * np.exp(k * t))
    assert ex.group_replicator(g, x0, t) == pytest.approx(exact, abs=1e-8)


def test_group_replicator_volunteers_dilemma_equilibrium():
    # stable mixed point (1 - x)^(n-1) = c/b (Diekmann 1985)
    g = cs.volunteers_dilemma(5, b=1.0, c=0.5)
    x_star = 1 - 0.5 ** (1 / 4)
    for x0 in (0.01, 0.9):
        assert ex.group_replicator(g, x0, [0, 500])[-1] == pytest.approx(x_star, abs=1e-6)


def test_group_replicator_two_players_equals_matrix_replicator():
    g = cs.n_person_prisoners_dilemma(2, b=3, c=1)
    t = np.linspace(0, 5, 6)
    assert ex.group_replicator(g, 0.7, t) == pytest.approx(ex.replicator(g.as_2x2(), 0.7, t)[:, 0], abs=1e-8)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("call, name", [
    (lambda: ex.payoffs(TFT, TFT, AXELROD, continuation=1.0), "continuation"),
    (lambda: ex.payoffs(TFT, TFT, AXELROD, continuation=[0.5, -0.1]), "continuation"),
    (lambda: ex.payoffs(TFT, TFT, AXELROD, rounds=0), "rounds"),
    (lambda: ex.payoffs(TFT, TFT, AXELROD, rounds=10, continuation=0.5), "rounds"),
    (lambda: ex.payoffs(TFT, TFT, AXELROD, noise=0.6), "noise"),
    (lambda: ex.payoffs(TFT, TFT, "PD"), "game"),
    (lambda: ex.payoffs(np.stack([TFT, ALLD]), np.stack([TFT, ALLD, WSLS]), AXELROD), "q"),
    (lambda: ex.payoffs([1.2, 0, 1, 0, 1], TFT, AXELROD), "p"),
    (lambda: ex.fixation_probability([[1, 2], [3, 4]], 1, 0.1), "population_size"),
    (lambda: ex.fixation_probability([[1, 2], [3, 4]], 10, 1.5), "selection_intensity"),
    (lambda: ex.fixation_probability([[-5, 2], [3, 4]], 10, 0.9), "selection_intensity"),
    (lambda: ex.fixation_probability([1, 2, 3], 10, 0.1), "payoff_matrix"),
    (lambda: ex.replicator(np.eye(3), [0.5, 0.5, 0.5], [0, 1]), "x0"),
    (lambda: ex.replicator(np.eye(2), 0.5, [1, 0]), "times"),
    (lambda: ex.group_replicator(cs.public_goods(3, multiplier=2), 1.5, [0, 1]), "x0"),
])
def test_errors_name_the_parameter(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name and "not allowed" in str(err.value)


def test_batched_call_is_fast():
    import time

    p, q = random_pairs(100_000, 6)
    t0 = time.perf_counter()
    ex.payoffs(p, q, AXELROD)
    ex.payoffs(p, q, AXELROD, continuation=0.9)
    assert time.perf_counter() - t0 < 5.0  # ~0.5 s on one core; generous bound for shared CI
