"""Exact engine against published numbers: targets T1-T6 and T13 (see validation/targets.md)."""
import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coopsim as cs
from coopsim.engine import exact as ex

AXELROD = cs.Game(3, 0, 5, 1)
DETERMINISTIC = np.array(list(itertools.product([0.0, 1.0], repeat=5)))  # 16 rules x first move
TFT, STFT, WSLS, GRIM, ALLC, ALLD = (s.array for s in (cs.TFT, cs.STFT, cs.WSLS, cs.GRIM, cs.ALLC, cs.ALLD))
GTFT = np.array([1, 1 / 3, 1, 1 / 3, 1])
EXTORT = np.array([11 / 13, 1 / 2, 7 / 26, 0, 1])  # Press & Dyson (2012), chi = 3


# --------------------------------------------------------------------------- T1
def first_stable_continuation(resident, game):
    """First w on the 0.001 grid at which ``resident`` is a best reply to itself among all 32
    deterministic memory-one strategies (exact discounted payoffs), and whether it stays one."""
    w = np.arange(1000) / 1000
    mutants = np.tile(DETERMINISTIC, (w.size, 1))
    ws = np.repeat(w, 32)
    mut = ex.payoffs(mutants, resident, game, continuation=ws).focal.reshape(w.size, 32)
    res = ex.payoffs(resident, resident, game, continuation=w).focal
    best_reply = res >= mut.max(axis=1) - 1e-12
    first = int(np.argmax(best_reply))
    return w[first], bool(best_reply[first:].all())


@pytest.mark.parametrize("game, resident, threshold", [
    (AXELROD, TFT, 2 / 3),  # max((T-R)/(T-P), (T-R)/(R-S)) = max(1/2, 2/3)
    (AXELROD, GRIM, 1 / 2),  # (T-R)/(T-P)
    (cs.Game(3, -1, 4, 0), TFT, 1 / 4),
    (cs.Game(3, -1, 4, 0), GRIM, 1 / 4),
])
def test_t1_collective_stability_threshold(game, resident, threshold):
    w, stays = first_stable_continuation(resident, game)
    assert abs(w - threshold) <= 0.001 + 1e-12
    assert stays
    if resident is TFT:
        assert game.tft_stability_threshold() == pytest.approx(threshold)


def test_t1_tft_grid_points_either_side_of_two_thirds():
    # targets.md scratch check: a best reply at w = 0.67, 0.68, ... and not at 0.66
    w = np.array([0.66, 0.67, 0.68])
    mut = ex.payoffs(np.tile(DETERMINISTIC, (3, 1)), TFT, AXELROD, continuation=np.repeat(w, 32)).focal
    res = ex.payoffs(TFT, TFT, AXELROD, continuation=w).focal
    assert list(res >= mut.reshape(3, 32).max(1)) == [False, True, True]


# --------------------------------------------------------------------------- T2
def tft_alld_matrix(w, b=3.0, c=1.0):
    """Expected totals per match (per-round values x expected length 1/(1-w))."""
    game = cs.donation_game(b, c)
    v = ex.payoffs([TFT, TFT, ALLD, ALLD], [TFT, ALLD, TFT, ALLD], game, continuation=w).focal / (1 - w)
    return v.reshape(2, 2)


def test_t2_matrix_is_nowaks_table():
    for w in (0.0, 0.3, 0.9):
        assert tft_alld_matrix(w) == pytest.approx(np.array([[2 / (1 - w), -1], [3, 0]]), abs=1e-12)


def test_t2_ess_rd_ad_switch_at_nowak_thresholds():
    grid = np.round(np.arange(1, 100) / 100, 2)
    predicates = {"ESS": lambda a, b, c, d: a > c, "RD": lambda a, b, c, d: a + b > c + d,
                  "AD": lambda a, b, c, d: a + 2 * b > c + 2 * d}
    first_grid_point = {"ESS": 0.34, "RD": 0.51, "AD": 0.61}  # w > c/b = 1/3, 2c/(b+c) = 1/2, 3c/(b+2c) = 3/5
    for name, pred in predicates.items():
        holds = []
        for w in grid:
            (a, b), (c, d) = tft_alld_matrix(w)
            holds.append(pred(a - 1e-9, b, c, d))  # strict inequality; a tie is not a pass
        first = grid[int(np.argmax(holds))]
        assert first == first_grid_point[name], name
        assert all(holds[int(np.argmax(holds)):]) and not any(holds[: int(np.argmax(holds))])


# --------------------------------------------------------------------------- T3
def tft_alld_10_rounds():
    v = ex.payoffs([TFT, TFT, ALLD, ALLD], [TFT, ALLD, TFT, ALLD], AXELROD, rounds=10).focal * 10
    return v.reshape(2, 2)


def rho_fraction(A, N, s):
    """Independent exact rational evaluation of the T3 formula."""
    (a, b), (c, d) = [[Fraction(x) for x in row] for row in A]
    s = Fraction(s)
    total, prod = Fraction(1), Fraction(1)
    for i in range(1, N):
        f = 1 - s + s * (a * (i - 1) + b * (N - i)) / (N - 1)
        g = 1 - s + s * (c * i + d * (N - i - 1)) / (N - 1)
        prod *= g / f
        total += prod
    return 1 / total, prod / total


def test_t3_matrix_from_engine():
    assert tft_alld_10_rounds() == pytest.approx(np.array([[30, 9], [14, 10]]), abs=1e-12)


@pytest.mark.parametrize("N, s, rho_tft, rho_alld", [
    (10, 0.1, 0.15222, 0.01936), (20, 0.05, 0.09557, 0.00276), (30, 0.02, 0.06127, 0.00286)])
def test_t3_exact_fixation(N, s, rho_tft, rho_alld):
    A = tft_alld_10_rounds()
    ra, rb = ex.fixation_probability(A, N, s)
    # published to 5 decimals: agree to half a unit in the last digit ...
    assert abs(ra - rho_tft) <= 5e-6 and abs(rb - rho_alld) <= 5e-6
    # ... and with an exact rational evaluation of the same formula to rel 1e-9
    fa, fb = rho_fraction([[30, 9], [14, 10]], N, Fraction(s).limit_denominator())
    assert ra == pytest.approx(float(fa), rel=1e-9) and rb == pytest.approx(float(fb), rel=1e-9)


@pytest.mark.parametrize("N, n_rho", [(3, 0.99998), (4, 1.00022), (10, 1.0016), (100, 1.0226)])
def test_t3_weak_selection_numbers(N, n_rho):
    ra, _ = ex.fixation_probability(tft_alld_10_rounds(), N, 1e-4)
    digits = len(str(n_rho).split(".")[1])
    assert abs(N * ra - n_rho) <= 0.5 * 10.0 ** -digits


def test_t3_neutral_drift_and_vectorised_selection():
    s = np.array([0.0, 0.05, 0.1])
    ra, rb = ex.fixation_probability(tft_alld_10_rounds(), 10, s)
    assert ra.shape == (3,) and ra[0] == pytest.approx(0.1, abs=1e-15) and rb[0] == pytest.approx(0.1, abs=1e-15)
    assert ra[2] == pytest.approx(0.15222, abs=5e-6)


@pytest.mark.parametrize("A", [[[30, 9], [14, 10]], [[5, 0], [3, 1]], [[5, 0], [2, 1]], [[4, 0], [3, 2]],
                               [[2, -1], [3, 0]], [[3, 1], [5, 0]]])
def test_t3c_weak_selection_condition_sign(A):
    # rho_A > 1/N under weak selection iff a(N-2) + b(2N-1) > c(N+1) + d(2N-4) (Nowak et al. 2004)
    for N in range(2, 61):
        (a, b), (c, d) = A
        margin = a * (N - 2) + b * (2 * N - 1) - c * (N + 1) - d * (2 * N - 4)
        if margin == 0:
            continue
        ra, _ = ex.fixation_probability(A, N, 1e-6)
        assert (N * ra > 1) == ex.weak_selection_favours(A, N) == (margin > 0), N


def test_t3c_tft_alld_finite_n_threshold():
    # N > 43/14 = 3.07: disfavoured at N = 3, favoured from N = 4 on
    assert [ex.weak_selection_favours([[30, 9], [14, 10]], N) for N in (3, 4, 50)] == [False, True, True]


# --------------------------------------------------------------------------- T4
def best_reactive_mutant(game, q, noise=1e-7, step=0.005):
    """Largest advantage of a reactive mutant (grid) over the resident (1, q), limit of means."""
    a = np.arange(0, 1 + 1e-12, step)
    x, y = (g.ravel() for g in np.meshgrid(a, a, indexing="ij"))
    mutants = np.stack([x, y, x, y, x], axis=1)
    resident = np.array([1, q, 1, q, 1.0])
    gain = ex.payoffs(mutants, resident, game, noise=noise).focal
    i = int(np.argmax(gain))
    return gain[i] - ex.payoffs(resident, resident, game, noise=noise).focal[0], mutants[i, :2]


@pytest.mark.parametrize("game, q_star", [(AXELROD, 1 / 3), (cs.Game(3, 0, 4, 1), 2 / 3)])
def test_t4_gtft_forgiveness(game, q_star):
    assert game.gtft_forgiveness() == pytest.approx(q_star)
    advantage, _ = best_reactive_mutant(game, q_star - 0.005)
    assert advantage < 1e-6  # resists (noise 1e-7 leaves O(noise) ties)
    advantage, mutant = best_reactive_mutant(game, q_star + 0.01)
    assert advantage > 1e-4  # invaded
    if game is AXELROD:  # the forgiveness bound binds, not ALLD's (R-P)/(T-P) = 1/2
        assert mutant[0] > 0.9
    else:  # (3,0,4,1): both bounds are 2/3; ALLD invades
        R, S, T, P = game.rstp
        assert 1 - (T - R) / (R - S) == pytest.approx((R - P) / (T - P)) == pytest.approx(2 / 3)


@pytest.mark.parametrize("q, mutant, value", [(0.34, (0.985, 0.970), 3.00015), (0.5, (0.6, 0.2), 3.125)])
def test_t4_published_invaders(q, mutant, value):
    m = np.array([mutant[0], mutant[1], mutant[0], mutant[1], 1])
    got = ex.payoffs(m, [1, q, 1, q, 1], AXELROD).focal[0]  # noiseless, ergodic chain
    assert got == pytest.approx(value, abs=5e-6)


# --------------------------------------------------------------------------- T5
T5_TABLE = {  # eps: ((TFT payoff, coop), (WSLS ...), (GTFT ...)); 200 rounds, both start C
    0.0: ((3.0, 1.0), (3.0, 1.0), (3.0, 1.0)),
    0.001: ((2.9015, 0.9116), (2.9950, 0.9970), (2.9970, 0.9970)),
    0.01: ((2.4604, 0.6203), (2.9513, 0.9707), (2.9706, 0.9714)),
    0.05: ((2.2897, 0.5225), (2.7774, 0.8649), (2.8605, 0.8759)),
}


def t5_values(first_move_noise=True):
    eps = np.repeat(list(T5_TABLE), 3)
    strategies = np.tile(np.stack([TFT, WSLS, GTFT]), (len(T5_TABLE), 1))
    v = ex.payoffs(strategies, strategies, AXELROD, rounds=200, noise=eps, first_move_noise=first_move_noise)
    got = np.stack([v.focal, v.focal_cooperation], 1)
    return got, np.array([cell for row in T5_TABLE.values() for cell in row])


def test_t5a_finite_table_every_cell():
    got, expected = t5_values()
    assert np.abs(got - expected).max() <= 1e-4


def test_t5a_table_uses_noise_on_the_first_move():
    # the other convention (first move noiseless) misses the published table
    got, expected = t5_values(first_move_noise=False)
    assert np.abs(got - expected).max() > 1e-3


@pytest.mark.parametrize("eps", [0.001, 0.01, 0.05, 0.1])
def test_t5c_tft_long_run_uniform(eps):
    v = ex.payoffs(TFT, TFT, AXELROD, noise=eps)
    assert v.focal[0] == pytest.approx(2.25, abs=1e-9) and v.focal_cooperation[0] == pytest.approx(0.5, abs=1e-9)
    assert ex.stationary_distribution(TFT, TFT, eps) == pytest.approx(np.full((1, 4), 0.25), abs=1e-9)


def test_t5_wsls_long_run():
    eps = np.array([0.001, 0.01, 0.05, 0.1])
    v = ex.payoffs(WSLS, WSLS, AXELROD, noise=eps)
    assert np.abs(v.focal - [2.9950, 2.9511, 2.7765, 2.6020]).max() <= 5e-5


def test_t5_alld_against_wsls_and_donation_condition():
    v = ex.payoffs(ALLD, WSLS, AXELROD)
    assert v.focal[0] == pytest.approx(3.0) and v.coplayer[0] == pytest.approx(0.5)  # (T+P)/2, (S+P)/2
    for b, resists in [(2.5, True), (1.8, False)]:  # donation game: WSLS resists ALLD iff b/c > 2
        g = cs.donation_game(b, 1.0)
        assert (ex.payoffs(WSLS, WSLS, g).focal[0] > ex.payoffs(ALLD, WSLS, g).focal[0]) == resists


# --------------------------------------------------------------------------- T6
def test_t6_extortion_against_allc():
    v = ex.payoffs(EXTORT, ALLC, AXELROD)
    assert v.focal[0] == pytest.approx(41 / 11, abs=1e-12) and v.coplayer[0] == pytest.approx(21 / 11, abs=1e-12)
    sx, sy = ex.press_dyson_payoffs(EXTORT, ALLC, AXELROD)
    assert sx[0] == pytest.approx(41 / 11, abs=1e-12) and sy[0] == pytest.approx(21 / 11, abs=1e-12)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.tuples(*[st.floats(0, 1)] * 5))
def test_t6_extortion_linear_relation_property(q):
    v = ex.payoffs(EXTORT, np.array(q), AXELROD)
    assert abs((v.focal[0] - 1) - 3 * (v.coplayer[0] - 1)) < 1e-9


def eigen_payoffs(p, q, game):
    """Independent oracle: left eigenvector of the transition matrix for eigenvalue 1."""
    M = ex.transition_matrices(p, q)
    lam, vecs = np.linalg.eig(np.swapaxes(M, 1, 2))
    k = np.argmin(np.abs(lam - 1), axis=1)
    v = np.real(vecs[np.arange(len(k)), :, k])
    v /= v.sum(1, keepdims=True)
    return v @ game.focal_payoffs, v @ game.coplayer_payoffs


def test_t6_two_thousand_random_opponents():
    q = np.random.default_rng(20120522).random((2000, 5))
    for p, check in [(EXTORT, lambda sx, sy: (sx - 1) - 3 * (sy - 1)),
                     (np.array([2 / 3, 0, 2 / 3, 1 / 3, 1]), lambda sx, sy: sy - 2),
                     (np.array([3 / 4, 1 / 4, 1 / 2, 1 / 4, 1]), lambda sx, sy: sy - 2)]:
        v = ex.payoffs(p, q, AXELROD)
        pd = ex.press_dyson_payoffs(p, q, AXELROD)
        eig = eigen_payoffs(p, q, AXELROD)
        for sx, sy in [(v.focal, v.coplayer), pd, eig]:
            assert np.abs(check(sx, sy)).max() < 1e-9
        assert np.abs(pd[0] - v.focal).max() < 1e-9 and np.abs(eig[1] - v.coplayer).max() < 1e-9


def test_t6_equalizer_formula_and_tft_fairness():
    eq = cs.equalizer(AXELROD, 2 / 3, 1 / 3)
    assert eq.vector == pytest.approx((2 / 3, 0, 2 / 3, 1 / 3))
    q = np.random.default_rng(7).random((500, 5))
    sx, sy = ex.press_dyson_payoffs(TFT, q, AXELROD)  # TFT is ZD with chi = 1
    assert np.abs(sx - sy).max() < 1e-9


# --------------------------------------------------------------------------- T13
@pytest.mark.parametrize("game, kind, equilibria", [
    (cs.Game(5, 0, 3, 1), "stag_hunt", [(1, 1), (0, 0), (1 / 3, 1 / 3)]),
    (cs.Game(4, 0, 3, 2), "stag_hunt", [(1, 1), (0, 0), (2 / 3, 2 / 3)]),
    (cs.Game(5, 0, 2, 1), "stag_hunt", [(1, 1), (0, 0), (1 / 4, 1 / 4)]),
    (cs.Game(3, 0, 5, 1), "prisoners_dilemma", [(0, 0)]),
    (cs.Game(3, 1, 5, 0), "chicken", [(1, 0), (0, 1), (1 / 3, 1 / 3)]),
    (cs.Game(5, 3, 3, 1), "harmony", [(1, 1)]),
    (cs.Game(1, 0, 5, 3), "deadlock", [(0, 0)]),
])
def test_t13a_typology_and_equilibria(game, kind, equilibria):
    assert game.classify() == kind
    got = sorted(game.equilibria())
    assert np.allclose(got, sorted(equilibria), atol=1e-12)


@pytest.mark.parametrize("rstp, x_star", [((5, 0, 3, 1), 1 / 3), ((4, 0, 3, 2), 2 / 3), ((5, 0, 2, 1), 1 / 4)])
def test_t13b_replicator_leaves_the_unstable_point(rstp, x_star):
    game = cs.Game(*rstp)
    assert game.mixed_equilibrium() == pytest.approx(x_star)
    up = ex.replicator(game, x_star + 0.02, [0, 400])[-1, 0]
    down = ex.replicator(game, x_star - 0.02, [0, 400])[-1, 0]
    assert up > 1 - 1e-6 and down < 1e-6


def test_t13_one_third_rule_in_stag_hunts():
    # (5,0,2,1): x* = 1/4 < 1/3 -> favoured for large N; (4,0,3,2): x* = 2/3 -> not
    assert ex.weak_selection_favours([[5, 0], [2, 1]], 1000)
    assert not ex.weak_selection_favours([[4, 0], [3, 2]], 1000)
    assert cs.Game(5, 0, 2, 1).risk_dominant() == "C" and cs.Game(4, 0, 3, 2).risk_dominant() == "D"


def test_replicator_chicken_goes_to_the_mixed_equilibrium():
    # chicken (3,1,5,0): stable interior x = (S-P)/((S-P)+(T-R)) = 1/3 from both sides
    for x0 in (0.05, 0.95):
        assert ex.replicator(cs.Game(3, 1, 5, 0), x0, [0, 300])[-1, 0] == pytest.approx(1 / 3, abs=1e-6)
