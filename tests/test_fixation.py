"""Agent-based Moran processes against exact chains: targets T3 (b) and T9 (a, b, c)."""
import numpy as np
import pytest
from scipy.optimize import brentq

from coopsim.models.fixation import (
    count_transition_probabilities,
    fixation_frequency,
    simulate_fixation,
)
from coopsim.models.moran_chain import chain_fixation, cycle_death_birth_chain
from coopsim.world.structure import ring

TFT_ALLD_10_ROUNDS = np.array([[30.0, 9.0], [14.0, 10.0]])  # T3: (R,S,T,P) = (3,0,5,1), 10 rounds


def donation(b, c=1.0):
    return np.array([[b - c, -c], [b, 0.0]])


def test_t3b_simulated_moran_matches_exact_fixation():
    # T3 (b): N = 10, selection intensity 0.1, 20 000 single-mutant runs; exact rho_TFT = 0.15222
    p, se = fixation_frequency(TFT_ALLD_10_ROUNDS, 10, selection_intensity=0.1, runs=20_000, seed=20260101)
    assert abs(p - 0.15222) < 4 * se
    assert p > 0.1 + 10 * se  # clearly above neutral drift 1/N


def test_neutral_drift_fixation_is_one_over_n():
    p, se = fixation_frequency(TFT_ALLD_10_ROUNDS, 8, selection_intensity=0.0, runs=20_000, seed=3)
    assert abs(p - 1 / 8) < 4 * se


@pytest.mark.parametrize("n", [10, 20, 50])
def test_t9_cycle_weak_selection_threshold(n):
    # T9 numbers: b/c threshold for rho_C > 1/N at w = 1e-4 is (N-2)/(N/2-2)
    thr = brentq(lambda r: cycle_death_birth_chain(r, 1.0, n, 1e-4)[2] * n - 1, 1.01, 10, xtol=1e-12)
    assert thr == pytest.approx((n - 2) / (n / 2 - 2), abs=5e-4)


@pytest.mark.parametrize("i", [1, 2, 3, 7, 17, 18, 19])
def test_t9a_engine_transitions_equal_hand_built_chain(i):
    n, s, b = 20, 0.1, 4.0
    t_plus, t_minus, _ = cycle_death_birth_chain(b, 1.0, n, s)
    types = np.ones(n, dtype=int)
    types[:i] = 0
    types = np.roll(types, 5)  # a contiguous cluster of i cooperators (type 0), wrapping round
    up, down = count_transition_probabilities(types, donation(b), rule="db", selection_intensity=s,
                                              structure=ring(n))
    assert up == pytest.approx(t_plus[i - 1], rel=1e-12)
    assert down == pytest.approx(t_minus[i - 1], rel=1e-12)


def test_bd_well_mixed_transitions_equal_t3_formula():
    # Moran BD, well mixed: T+ = (i f_i/(i f_i + (N-i) g_i)) (N-i)/(N-1) ... per event
    N, s, i = 10, 0.1, 4
    a, b_, c, d = TFT_ALLD_10_ROUNDS.ravel()
    F = (a * (i - 1) + b_ * (N - i)) / (N - 1)
    G = (c * i + d * (N - i - 1)) / (N - 1)
    f, g = 1 - s + s * F, 1 - s + s * G
    tot = i * f + (N - i) * g
    types = np.array([0] * i + [1] * (N - i))
    up, down = count_transition_probabilities(types, TFT_ALLD_10_ROUNDS, rule="bd", selection_intensity=s)
    assert up == pytest.approx(i * f / tot * (N - i) / (N - 1))
    assert down == pytest.approx((N - i) * g / tot * i / (N - 1))


@pytest.mark.parametrize("b", [1.5, 4.0])
def test_t9b_cycle_simulation_matches_exact_chain(b):
    n, s = 20, 0.1
    exact = cycle_death_birth_chain(b, 1.0, n, s)[2]
    p, se = fixation_frequency(donation(b), n, rule="db", selection_intensity=s, structure=ring(n),
                               runs=20_000, seed=int(b * 10))
    assert abs(p - exact) < 4 * se


def test_t9c_fewer_partners_favour_cooperators():
    # b/c = 3 exceeds k = 2 but not k = 4: on the cycle cooperators beat neutral drift, on the
    # k = 4 ring they do not (Ohtsuki et al. 2006: b/c > k), at weak-ish selection
    n, s = 20, 0.05
    res = {}
    for k in (2, 4):
        res[k] = fixation_frequency(donation(3.0), n, rule="db", selection_intensity=s, structure=ring(n, k),
                                    runs=10_000, seed=100 + k)
    (p2, se2), (p4, se4) = res[2], res[4]
    assert p2 - p4 > 4 * np.hypot(se2, se4)


def test_runs_are_reproducible_and_seed_zero_is_a_seed():
    r1 = simulate_fixation(TFT_ALLD_10_ROUNDS, np.array([0] + [1] * 9), runs=500, seed=0)
    r2 = simulate_fixation(TFT_ALLD_10_ROUNDS, np.array([0] + [1] * 9), runs=500, seed=0)
    r3 = simulate_fixation(TFT_ALLD_10_ROUNDS, np.array([0] + [1] * 9), runs=500, seed=1)
    assert np.array_equal(r1.winner, r2.winner) and np.array_equal(r1.steps, r2.steps)
    assert not np.array_equal(r1.steps, r3.steps)
