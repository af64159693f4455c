"""Moran processes of iterated-game players (coopsim.models.moran), side by side with
axelrod's MoranProcess, the exact count chain and target T3.

Mapping to T3 (Nowak et al. 2004): axelrod's fitness is the sum of a player's per-turn
match scores over its N - 1 co-players, (N - 1) F_i / turns, proportional to T3's average
payoff F_i; birth is proportional to fitness, so axelrod's process is T3's with selection
intensity w = 1 (fitness F_i). ``selection_intensity`` s gives T3's 1 - s + s F_i with F_i in
total match scores (a = 30 for 10 rounds of TFT vs TFT). Both draw the dying player from all
N, the reproducer included.
"""
import numpy as np
import pytest

from coopsim import ALLC, ALLD, GRIM, TFT, donation_game, prisoners_dilemma
from coopsim._validation import ParameterError
from coopsim.engine import exact
from coopsim.models import moran, moran_axelrod
from coopsim.models import moran_chain as chain

PD = prisoners_dilemma()
TFT_ALLD_10 = np.array([[30.0, 9.0], [14.0, 10.0]])  # T3: (R,S,T,P) = (3,0,5,1), 10 rounds


def _grudger():
    """axelrod's Grudger as coopsim plays it exactly: a two-state automaton."""
    from coopsim.strategies import automata

    return automata.grudger()


def within(result_probs, result_se, expected, k=4.0):
    return np.all(np.abs(np.asarray(result_probs) - np.asarray(expected)) < k * np.asarray(result_se))


# --------------------------------------------------------------------------- exact chain (T3)
@pytest.mark.parametrize("N, s, rho_a, rho_b", [(10, 0.1, 0.15222, 0.01936), (20, 0.05, 0.09557, 0.00276),
                                                (30, 0.02, 0.06127, 0.00286)])
def test_chain_reproduces_t3_numbers(N, s, rho_a, rho_b):
    a = chain.chain_fixation(TFT_ALLD_10, [1, N - 1], selection_intensity=s).probabilities[0]
    b = chain.chain_fixation(TFT_ALLD_10, [N - 1, 1], selection_intensity=s).probabilities[1]
    assert a == pytest.approx(rho_a, abs=6e-6)
    assert b == pytest.approx(rho_b, abs=6e-6)


@pytest.mark.parametrize("N", [2, 3, 10, 25])
@pytest.mark.parametrize("s", [0.0, 0.02, 0.3, 1.0])
def test_chain_equals_fixation_probability_for_two_types(N, s):
    # the linear-fitness option (selection_intensity) makes the chain T3's process exactly
    ra, rb = exact.fixation_probability(TFT_ALLD_10, N, s)
    assert chain.chain_fixation(TFT_ALLD_10, [1, N - 1], selection_intensity=s).probabilities[0] == \
        pytest.approx(float(ra), rel=1e-9)
    assert chain.chain_fixation(TFT_ALLD_10, [N - 1, 1], selection_intensity=s).probabilities[1] == \
        pytest.approx(float(rb), rel=1e-9)


def test_chain_neutral_drift_gives_initial_shares():
    A = np.full((4, 4), 2.0)
    r = chain.chain_fixation(A, [5, 3, 7, 5])
    assert r.probabilities == pytest.approx(np.array([5, 3, 7, 5]) / 20, abs=1e-12)
    assert r.n_states == 1771
    # neutral, two types: T+ = T- = i (N - i) / N^2; expected generations from the tridiagonal system
    r2 = chain.chain_fixation(np.ones((2, 2)), [1, 9], selection_intensity=0.0)
    N = 10
    i = np.arange(1, N)
    t = i * (N - i) / N**2
    M = np.diag(2 * t) - np.diag(t[1:], -1) - np.diag(t[:-1], 1)
    assert r2.expected_generations == pytest.approx(np.linalg.solve(M, np.ones(N - 1))[0], rel=1e-10)


def test_chain_from_a_fixed_population_and_validation():
    r = chain.chain_fixation(TFT_ALLD_10, [0, 6])
    assert list(r.probabilities) == [0.0, 1.0] and r.expected_generations == 0.0
    with pytest.raises(ParameterError):
        chain.chain_fixation(TFT_ALLD_10, [1, 2, 3])
    with pytest.raises(ParameterError):
        chain.chain_fixation([[1.0, -5.0], [2.0, 0.0]], [2, 2])  # negative fitness at s = 1


def test_payoff_matrix_is_total_match_score():
    assert moran.payoff_matrix([TFT, ALLD], PD, turns=10) == pytest.approx(TFT_ALLD_10)
    # noise: per-round exact payoffs times turns
    A = moran.payoff_matrix([TFT, ALLC], PD, turns=50, noise=0.05)
    v = exact.payoffs([TFT, TFT, ALLC, ALLC], [TFT, ALLC, TFT, ALLC], PD, rounds=50, noise=0.05).focal
    assert A.ravel() == pytest.approx(50 * v)


# --------------------------------------------------------------------------- simulation vs exact
def test_exact_mode_simulation_matches_t3():
    # T3 (b) through the iterated-game path: 1 TFT among 9 ALLD, 10 rounds, s = 0.1
    r = moran.moran_process([TFT] + [ALLD] * 9, PD, turns=10, payoffs="exact", selection_intensity=0.1,
                            runs=20_000, seed=20260101)
    d = r.fixation_distribution()
    p, se = d.probability[0], d.se[0]
    assert abs(p - 0.15222) < 4 * se
    assert p > 0.1 + 10 * se


def test_exact_mode_simulation_matches_chain_axelrod_rule_two_types():
    # axelrod's rule (s = 1): fixation and mean generations against the chain
    r = moran.moran_process([TFT] + [ALLD] * 9, PD, turns=10, payoffs="exact", runs=20_000, seed=5)
    c = chain.chain_fixation(TFT_ALLD_10, [1, 9])
    assert c.probabilities[0] == pytest.approx(float(exact.fixation_probability(TFT_ALLD_10, 10, 1.0)[0]))
    d = r.fixation_distribution()
    assert abs(d.probability[0] - c.probabilities[0]) < 4 * d.se[0]
    g = r.generations
    assert abs(g.mean() - c.expected_generations) < 4 * g.std() / np.sqrt(g.size)


@pytest.mark.parametrize("population, turns, noise", [
    ({TFT: 3, ALLD: 3, ALLC: 3}, 20, 0.05),
    ({TFT: 2, ALLD: 2, ALLC: 2, GRIM: 2}, 50, 0.05),
    ({TFT: 6, ALLD: 2, ALLC: 4, GRIM: 3}, 30, 0.1),
])
def test_chain_vs_lockstep_simulation_many_types(population, turns, noise):
    c = moran.exact_fixation_distribution(population, PD, turns=turns, noise=noise)
    r = moran.moran_process(population, PD, turns=turns, noise=noise, payoffs="exact", runs=10_000, seed=7)
    d = r.fixation_distribution()
    assert r.unfinished == 0
    # per strategy within 4 SE (SE from the exact probability) and a chi-square goodness of fit
    se = np.sqrt(c.probabilities * (1 - c.probabilities) / r.runs)
    assert within(d.probability, se, c.probabilities)
    from scipy.stats import chisquare

    keep = c.probabilities > 0
    assert chisquare(d.fixations[keep], c.probabilities[keep] * r.runs).pvalue > 1e-3
    g = r.generations
    assert abs(g.mean() - c.expected_generations) < 4 * g.std() / np.sqrt(g.size)


def test_sampled_mode_without_noise_is_the_exact_chain():
    # deterministic strategies without noise: every match scores its expected value, so the
    # sampled process *is* the expected-payoff process
    pop = {TFT: 3, ALLD: 2, ALLC: 2, GRIM: 2}
    c = moran.exact_fixation_distribution(pop, PD, turns=20)
    r = moran.moran_process(pop, PD, turns=20, runs=5000, seed=11)
    se = np.sqrt(c.probabilities * (1 - c.probabilities) / r.runs)
    assert within(r.fixation_distribution().probability, se, c.probabilities)


def test_type_scores_equal_round_robin_totals():
    # the per-type bookkeeping of the lockstep generation: n_a n_b matches per pair a < b,
    # n_a (n_a - 1)/2 per pair a, a; summed scores n_a ((A n)_a - A_aa) for deterministic play
    from coopsim.engine import sampled

    types = moran._parse_players({TFT: 3, ALLD: 1, ALLC: 4, GRIM: 2})
    A = moran.payoff_matrix(types, PD, turns=7)
    counts = np.array([[3, 1, 4, 2], [0, 5, 5, 0], [1, 1, 1, 7]])
    pa, pb = moran._pair_index(4)
    nm = moran._matches_per_pair(counts, pa, pb)
    assert np.all(nm.sum(1) == 10 * 9 // 2)
    rk = np.repeat(np.arange(counts.shape[0] * pa.size), nm.ravel())
    run_of, pair_of = rk // pa.size, rk % pa.size
    m = sampled.play(types.batch(pa[pair_of]), types.batch(pb[pair_of]), PD, turns=7, seed=0)
    S = moran._type_scores_from_matches(counts, pa, pb, m.focal_score, m.coplayer_score, run_of, pair_of)
    assert S == pytest.approx(counts * (counts @ A.T - np.diag(A)))


# --------------------------------------------------------------------------- modes, seeds, results
@pytest.mark.parametrize("mode", ["sampled", "cached", "exact"])
def test_reproducible_with_seed(mode):
    pop = {TFT: 2, ALLD: 2, GRIM: 2}
    a = moran.moran_process(pop, PD, turns=30, noise=0.05, runs=60, payoffs=mode, cache_size=50, seed=123)
    b = moran.moran_process(pop, PD, turns=30, noise=0.05, runs=60, payoffs=mode, cache_size=50, seed=123)
    c = moran.moran_process(pop, PD, turns=30, noise=0.05, runs=60, payoffs=mode, cache_size=50, seed=124)
    assert np.array_equal(a.winner, b.winner) and np.array_equal(a.generations, b.generations)
    assert not (np.array_equal(a.winner, c.winner) and np.array_equal(a.generations, c.generations))
    assert a.unfinished == 0 and np.all(a.generations > 0)


def test_cached_mode_matches_sampled_mode():
    pop = {TFT: 2, ALLD: 2, ALLC: 2, GRIM: 2}
    s = moran.moran_process(pop, PD, turns=50, noise=0.05, runs=3000, seed=1)
    c = moran.moran_process(pop, PD, turns=50, noise=0.05, runs=3000, payoffs="cached", cache_size=2000, seed=2)
    assert moran.homogeneity_test(s, c)[2] > 1e-3


def test_result_tables_and_player_forms():
    r = moran.moran_process([TFT, ALLD, TFT, ALLD, ALLC], PD, turns=10, runs=50, seed=3)
    assert r.labels == ("TFT", "ALLD", "ALLC") and list(r.initial_counts) == [2, 2, 1]
    d = r.fixation_distribution()
    assert list(d.columns) == ["strategy", "initial_count", "fixations", "runs", "probability", "se"]
    assert d.fixations.sum() == 50 and d.probability.sum() == pytest.approx(1.0)
    p = d.probability.to_numpy()
    assert d.se.to_numpy() == pytest.approx(np.sqrt(p * (1 - p) / 50))
    f = r.to_frame()
    assert list(f.columns) == ["run", "winner", "generations"] and len(f) == 50
    assert set(f.winner) <= set(r.labels)
    # a population that is already fixed plays no generation
    z = moran.moran_process({TFT: 4}, PD, runs=3, seed=0)
    assert list(z.winner) == [0, 0, 0] and list(z.generations) == [0, 0, 0]
    # max_generations: unfinished runs are reported, not counted
    u = moran.moran_process({TFT: 10, ALLD: 10}, PD, turns=5, runs=20, max_generations=3, payoffs="exact", seed=0)
    assert u.unfinished == 20 and np.all(u.generations == 3) and u.fixation_counts().sum() == 0


def test_validation():
    with pytest.raises(ParameterError):
        moran.moran_process({TFT: 2}, PD, payoffs="average")
    with pytest.raises(ParameterError):
        moran.moran_process({TFT: 1}, PD)
    with pytest.raises(ParameterError):  # negative payoffs under axelrod's rule
        moran.moran_process({TFT: 2, ALLD: 2}, donation_game(3, 1))
    with pytest.raises(ParameterError):
        moran.moran_process(["TFT", "ALLD"], PD)
    # small selection intensity keeps fitness positive in the donation game
    r = moran.moran_process({TFT: 2, ALLD: 2}, donation_game(3, 1), turns=5, selection_intensity=0.01, runs=10,
                            seed=0)
    assert r.unfinished == 0


# --------------------------------------------------------------------------- axelrod side by side
@pytest.mark.axelrod
def test_axelrod_players_as_input_small_case_agrees():
    import axelrod as axl

    players = [axl.TitForTat(), axl.TitForTat(), axl.Defector(), axl.Defector()]
    r = moran.moran_process(players, PD, turns=10, noise=0.1, runs=4000, seed=1)
    assert r.labels == ("Tit For Tat", "Defector")
    a = moran_axelrod.axelrod_moran_process(players, PD, turns=10, noise=0.1, runs=150, seed=2)
    assert moran.homogeneity_test(r, a)[2] > 1e-3
    # the same mean number of generations (within sampling error)
    se = np.sqrt(r.generations.var() / r.runs + a.generations.var() / a.runs)
    assert abs(r.generations.mean() - a.generations.mean()) < 4 * se


@pytest.mark.slow
@pytest.mark.axelrod
def test_sampled_mode_agrees_with_axelrod_moran_process():
    # 8 players, 2 each of TFT, ALLD, ALLC, Grudger; 50 turns, noise 0.05
    import axelrod as axl

    grudger = _grudger()
    pop_cs = {TFT: 2, ALLD: 2, ALLC: 2, grudger: 2}
    pop_axl = [axl.TitForTat(), axl.TitForTat(), axl.Defector(), axl.Defector(), axl.Cooperator(),
               axl.Cooperator(), axl.Grudger(), axl.Grudger()]
    cs = moran.moran_process(pop_cs, PD, turns=50, noise=0.05, runs=2000, seed=31)
    ax = moran_axelrod.axelrod_moran_process(pop_axl, PD, turns=50, noise=0.05, runs=80, seed=32)
    assert moran.homogeneity_test(cs.fixation_counts(), ax.fixation_counts())[2] > 1e-3
    pc, pa = cs.fixation_counts() / cs.runs, ax.fixation_counts() / ax.runs
    se = np.sqrt(pc * (1 - pc) / cs.runs + pc * (1 - pc) / ax.runs)
    assert np.all(np.abs(pc - pa) < 4 * se)
    se_g = np.sqrt(cs.generations.var() / cs.runs + ax.generations.var() / ax.runs)
    assert abs(cs.generations.mean() - ax.generations.mean()) < 4 * se_g
