"""Axelrod's (1986) norms and metanorms games: target T12 (H4 sanctions/norms, H6 dominance).

Bookkeeping (a hand-worked generation, Axelrod's homogeneous (B, V) = (2/7, 4/7) example
as an exact expectation, accounting identities on random draws), the event engine against
the dense bookkeeping, Monte Carlo against the exact expectation, the selection / refill
rule, mutation statistics, reproducibility, validation, and the published directions.
"""
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from coopsim._validation import ParameterError
from coopsim.models.norms import (
    NormsGame,
    classify_region,
    expected_payoffs,
    generation_payoffs,
    offspring_counts,
    refill,
    run_norms,
)
from coopsim.models.norms_game import _play_events

AXELROD = dict(T=3, H=-1, P=-9, E=-2, Pm=-9, Em=-2)


# ----------------------------------------------------------------------------- helpers
def draws_to_events(b, v, S, u1, u2):
    """The simulator's convention: seen iff u < S, punish iff u < S * V (same uniform)."""
    seen = u1 < S[..., None]
    punish = u1 < S[..., None] * v[..., None, None, :]
    meta_seen = u2 < S[..., None, None]
    meta_punish = u2 < S[..., None, None] * v[..., None, None, None, :]
    return seen, punish, meta_seen, meta_punish


def random_draws(rng, batch, n, o):
    b_lv = rng.integers(0, 8, batch + (n,))
    v_lv = rng.integers(0, 8, batch + (n,))
    S = rng.random(batch + (o, n))
    u1 = rng.random(batch + (o, n, n))
    u2 = rng.random(batch + (o, n, n, n))
    return b_lv, v_lv, S, u1, u2


def homogeneous_expected_score(b, v, n=20, o=4, metanorms=False, T=3, H=-1, P=-9, E=-2, Pm=-9, Em=-2):
    """Expected one-generation score in a population where everybody has (b, v), exactly,
    written independently of the library: per opportunity of agent j, S ~ U(0, 1),
    E[1{S<b}] = b, E[S 1{S<b}] = b^2/2, E[S^2 1{S<b}] = b^3/3; m = n - 1 others."""
    m = n - 1
    per = T * b + m * H * b + m * v * P * b**2 / 2 + m * v * E * b**2 / 2
    if metanorms:  # i shirks j's defection and is meta-punished by one of m - 1 others, and vice versa
        per += m * (m - 1) * (1 - v) * v * (Pm + Em) * b**3 / 3
    return o * per


# ------------------------------------------------------------------ worked examples (exact)
def test_hand_worked_generation_with_metanorms():
    """Four agents, two opportunities, every event chosen by hand (see comments)."""
    g = NormsGame(n_agents=4, opportunities=2, metanorms=True)
    B = np.array([2, 0, 7, 0]) / 7
    V = np.array([0, 4, 0, 0]) / 7  # unused by the bookkeeping: the punish draws are given
    S = np.array([[0.1, 0.5, 0.5, 0.9],  # opp 0: agents 0 (0.1 < 2/7) and 2 defect
                  [0.9, 0.2, 0.95, 0.3]])  # opp 1: only agent 2 defects (0.95 < 1)
    seen = np.zeros((2, 4, 4), bool)
    punish = np.zeros((2, 4, 4), bool)
    # (opp 0, defector 0): 1 sees and punishes, 2 sees and does not, 3 does not see
    seen[0, 0, [1, 2]] = True
    punish[0, 0, 1] = True
    # (opp 0, defector 2): 0 sees and punishes, 1 sees and does not, 3 sees and punishes
    seen[0, 2, [0, 1, 3]] = True
    punish[0, 2, [0, 3]] = True
    # (opp 1, defector 2): nobody sees it
    # impossible or irrelevant entries, which must be ignored:
    seen[:, [0, 1, 2, 3], [0, 1, 2, 3]] = punish[:, [0, 1, 2, 3], [0, 1, 2, 3]] = True  # self
    seen[:, 1, :] = punish[:, 1, :] = True  # agent 1 never defects
    meta_seen = np.zeros((2, 4, 4, 4), bool)
    meta_punish = np.zeros((2, 4, 4, 4), bool)
    # shirker 2 of (opp 0, defector 0): 1 sees and meta-punishes, 3 sees and does not
    meta_seen[0, 0, 2, [1, 3]] = True
    meta_punish[0, 0, 2, 1] = True
    # shirker 1 of (opp 0, defector 2): 3 sees and meta-punishes, 0 does not see
    meta_seen[0, 2, 1, 3] = meta_punish[0, 2, 1, 3] = True
    # ignored: the defector (0) or the shirker itself as meta-observer, a punisher as "shirker"
    meta_seen[0, 0, 2, [0, 2]] = meta_punish[0, 0, 2, [0, 2]] = True
    meta_seen[0, 0, 1, 3] = meta_punish[0, 0, 1, 3] = True
    tally = generation_payoffs(B, V, S, seen, punish, meta_seen, meta_punish, game=g)
    # agent 0: T - 2 (two others' defections) - 9 (punished by 1) - 2 (punished 2)
    # agent 1: -3 - 2 (punished 0) - 9 (meta-punished by 3) - 2 (meta-punished 2)
    # agent 2: 2T - 1 - 2*9 (punished by 0 and 3) - 9 (meta-punished by 1)
    # agent 3: -3 - 2 (punished 2) - 2 (meta-punished 1)
    np.testing.assert_array_equal(tally.payoff, [-10, -16, -22, -7])
    np.testing.assert_array_equal(tally.defections, [1, 0, 2, 0])
    np.testing.assert_array_equal(tally.punished, [1, 0, 2, 0])
    np.testing.assert_array_equal(tally.punishing, [1, 1, 0, 1])
    np.testing.assert_array_equal(tally.meta_punished, [0, 1, 1, 0])
    np.testing.assert_array_equal(tally.meta_punishing, [0, 1, 0, 1])
    # the same draws without metanorms: the meta layer disappears
    plain = generation_payoffs(B, V, S, seen, punish, game=NormsGame(n_agents=4, opportunities=2))
    np.testing.assert_array_equal(plain.payoff, [-10, -5, -13, -5])


def test_axelrod_example_b2_v4_exact_expected_score():
    """Axelrod's illustration, B = 2/7 and V = 4/7 for everybody (20 agents, 4 chances).

    Exact expected score per generation (rational arithmetic, independent formula):
    norms: 4 [3(2/7) - 19(2/7) - 11 * 19 (4/7)(2/49)] = -12960/343 = -37.78;
    metanorms adds 4 * 19 * 18 (3/7)(4/7)(-11)(8/1029) = -481536/16807, total
    -1116576/16807 = -66.44.
    The library's heterogeneous formula must give the same, for every agent.
    """
    b, v = Fraction(2, 7), Fraction(4, 7)
    norms = homogeneous_expected_score(b, v)
    meta = homogeneous_expected_score(b, v, metanorms=True)
    assert norms == Fraction(-12960, 343)
    np.testing.assert_allclose(expected_payoffs([2 / 7] * 20, [4 / 7] * 20, NormsGame()), float(norms), rtol=1e-12)
    np.testing.assert_allclose(
        expected_payoffs([2 / 7] * 20, [4 / 7] * 20, NormsGame(metanorms=True)), float(meta), rtol=1e-12
    )
    assert meta == Fraction(-1116576, 16807)
    assert round(float(norms), 2) == -37.78 and round(float(meta), 2) == -66.44


@pytest.mark.parametrize("metanorms", [False, True])
def test_axelrod_example_monte_carlo_matches_expectation(metanorms):
    """The bookkeeping, fed with simulated draws, averages to the exact expected score."""
    g = NormsGame(metanorms=metanorms)
    rng = np.random.default_rng(20260612)
    R, N = 4000, 20
    b_lv = np.full((R, N), 2)
    v_lv = np.full((R, N), 4)
    S = rng.random((R, 4, N))
    scores, *_ = _play_events(g, b_lv, v_lv, S, lambda r, o, i: rng.random((r.size, N)),
                              lambda r, o, i, k: rng.random((r.size, N)))
    per_run = scores.mean(1)  # the 20 agents of a run are exchangeable; runs are independent
    exact = float(homogeneous_expected_score(Fraction(2, 7), Fraction(4, 7), metanorms=metanorms))
    se = per_run.std(ddof=1) / np.sqrt(R)
    assert abs(per_run.mean() - exact) < 4 * se


# ---------------------------------------------------------------- accounting invariants
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("metanorms", [False, True])
@pytest.mark.parametrize("groups", [None, (4, 3)])
def test_accounting_identities_on_random_draws(seed, metanorms, groups):
    rng = np.random.default_rng(seed)
    n, o, batch = 7, 4, (5,)
    kw = {} if groups is None else dict(group_sizes=groups, group_punishment=(-3.0, -9.0))
    g = NormsGame(n_agents=n, opportunities=o, metanorms=metanorms, **kw)
    b_lv, v_lv, S, u1, u2 = random_draws(rng, batch, n, o)
    b, v = b_lv / 7, v_lv / 7
    seen, punish, ms, mp = draws_to_events(b, v, S, u1, u2)
    t = generation_payoffs(b, v, S, seen, punish, ms, mp, game=g)
    D = t.defections.sum(-1)
    # every defection costs each of the n - 1 others H: total H paid = (n - 1) * D * H
    h_paid = g.hurt * (D[:, None] - t.defections)
    np.testing.assert_allclose(h_paid.sum(-1), (n - 1) * D * g.hurt)
    # punishments given = received, at both levels
    np.testing.assert_array_equal(t.punished.sum(-1), t.punishing.sum(-1))
    np.testing.assert_array_equal(t.meta_punished.sum(-1), t.meta_punishing.sum(-1))
    if not metanorms:
        assert t.meta_punished.sum() == 0
    # each agent's payoff decomposes into its counts, and the total into event counts
    P_i = g.punishment_received
    recon = (g.temptation * t.defections + h_paid + P_i * t.punished + g.enforcement * t.punishing
             + g.meta_punishment * t.meta_punished + g.meta_enforcement * t.meta_punishing)
    np.testing.assert_allclose(t.payoff, recon)
    total = (g.temptation * D + (n - 1) * g.hurt * D + (P_i * t.punished).sum(-1) + g.enforcement * t.punished.sum(-1)
             + (g.meta_punishment + g.meta_enforcement) * t.meta_punished.sum(-1))
    np.testing.assert_allclose(t.payoff.sum(-1), total)
    # feasibility: defections only where S < B; at most n - 1 punishers per defection
    assert np.all(t.defections <= o) and np.all(t.defections[b_lv == 0] == 0)
    assert np.all(t.punished <= (n - 1) * t.defections)
    assert np.all(t.punishing[v_lv == 0] == 0) and np.all(t.meta_punishing[v_lv == 0] == 0)
    assert np.all(t.meta_punished <= (n - 2) * (D[:, None] - t.defections))


@pytest.mark.parametrize("metanorms", [False, True])
@pytest.mark.parametrize("groups", [None, (4, 3)])
def test_event_engine_equals_dense_bookkeeping(metanorms, groups):
    """The simulator touches only the events that happen; on the same uniforms it must give
    exactly the dense bookkeeping's scores and counts."""
    rng = np.random.default_rng(7)
    kw = {} if groups is None else dict(group_sizes=groups, group_punishment=(-3.0, -9.0))
    g = NormsGame(n_agents=7, metanorms=metanorms, **kw)
    b_lv, v_lv, S, u1, u2 = random_draws(rng, (40,), 7, 4)
    b, v = b_lv / 7, v_lv / 7
    t = generation_payoffs(b, v, S, *draws_to_events(b, v, S, u1, u2), game=g)
    scores, nd, npun, nmeta = _play_events(g, b_lv, v_lv, S, lambda r, o, i: u1[r, o, i],
                                           lambda r, o, i, k: u2[r, o, i, k])
    np.testing.assert_allclose(scores, t.payoff, atol=1e-9)
    np.testing.assert_array_equal(nd, t.defections.sum(-1))
    np.testing.assert_array_equal(npun, t.punished.sum(-1))
    np.testing.assert_array_equal(nmeta, t.meta_punished.sum(-1))
    if metanorms:
        assert nmeta.sum() > 0  # the meta layer was exercised


def test_expected_payoffs_heterogeneous_monte_carlo():
    """Exact expectation for a heterogeneous population with dominance groups."""
    g = NormsGame(n_agents=6, metanorms=True, group_sizes=(3, 3), group_punishment=(-3.0, -9.0))
    rng = np.random.default_rng(11)
    b_lv = np.array([1, 3, 7, 2, 5, 0])
    v_lv = np.array([6, 0, 3, 7, 2, 4])
    M = 20_000
    S = rng.random((M, 4, 6))
    scores, *_ = _play_events(g, np.broadcast_to(b_lv, (M, 6)), np.broadcast_to(v_lv, (M, 6)), S,
                              lambda r, o, i: rng.random((r.size, 6)), lambda r, o, i, k: rng.random((r.size, 6)))
    exact = expected_payoffs(b_lv / 7, v_lv / 7, g)
    z = (scores.mean(0) - exact) / (scores.std(0, ddof=1) / np.sqrt(M))
    assert np.all(np.abs(z) < 4), z


# ------------------------------------------------------------------- selection and refill
def test_offspring_counts_rule():
    # mean 0, population SD 1: exactly +-1 SD counts (>=, <=)
    assert offspring_counts([-1, -1, 1, 1]).tolist() == [0, 0, 2, 2]
    # one outlier: 20 scores, 19 at 0 and one at -10: mean -0.5, SD ~2.18 -> 0 offspring
    # for the outlier, 1 for the rest (and nobody reaches +1 SD)
    x = np.zeros(20)
    x[3] = -10
    c = offspring_counts(x)
    assert c[3] == 0 and c.sum() == 19 and set(c.tolist()) == {0, 1}
    # equal scores: SD = 0 -> everybody 2 (then half are removed at random)
    assert offspring_counts([4.0] * 5).tolist() == [2] * 5
    # vectorised over rows; invariant to shifting and positive scaling
    rng = np.random.default_rng(0)
    s = rng.normal(size=(50, 20)).round(2)
    c = offspring_counts(s)
    assert c.shape == s.shape
    np.testing.assert_array_equal(c, offspring_counts(3 * s - 7))
    mean, sd = s.mean(1, keepdims=True), s.std(1, keepdims=True)
    np.testing.assert_array_equal(c == 2, s >= mean + sd - 1e-12)
    np.testing.assert_array_equal(c == 0, s <= mean - sd + 1e-12)


def test_refill_keeps_size_and_respects_counts():
    rng = np.random.default_rng(1)
    N = 20
    for _ in range(200):
        c = rng.integers(0, 3, (8, N))
        c[:, 0] = np.maximum(c[:, 0], 1)
        new = refill(c, rng.random((8, 2 * N)), rng.random((8, N)))
        assert np.all(new.sum(1) == N)
        m = c.sum(1)
        over, under = m > N, m < N
        assert np.all(new[over] <= c[over])  # only removal
        assert np.all(new[under] >= c[under])  # only duplication ...
        assert np.all(new[under][c[under] == 0] == 0)  # ... of existing offspring
        np.testing.assert_array_equal(new[m == N], c[m == N])


@pytest.mark.parametrize("counts", [[2, 2, 2, 2, 1, 1, 1, 0, 0, 1], [2, 1, 1, 0, 0, 0, 0, 0, 1, 0]])
def test_refill_expected_copies_are_proportional(counts):
    """Random removal and Pólya duplication both give E[copies of i] = N * c_i / M."""
    rng = np.random.default_rng(5)
    N, reps = len(counts), 40_000
    c = np.tile(counts, (reps, 1))
    new = refill(c, rng.random((reps, 2 * N)), rng.random((reps, N)))
    expected = N * np.asarray(counts) / sum(counts)
    se = new.std(0, ddof=1) / np.sqrt(reps) + 1e-12
    assert np.all(np.abs(new.mean(0) - expected) < 4 * se + 1e-9)


# ------------------------------------------------------------------------------ mutation
@pytest.mark.parametrize("mutation", [0.01, 0.2])
def test_mutation_flips_each_bit_at_the_stated_rate(mutation):
    """All agents start identical (every bit 0), so after one generation every offspring's
    parent had all bits 0 and any set bit is a mutation. Per gene and bit position the flip
    rate must equal ``mutation`` within 4 SE (2000 runs x 20 agents per position)."""
    R = 2000
    res = run_norms(NormsGame(generations=1, mutation=mutation), runs=R, seed=123,
                    initial_levels=np.zeros((2, 20), dtype=int))
    bits = (res.final_levels[..., None] >> np.arange(3)) & 1  # (R, 2, N, 3)
    rate = bits.mean(axis=(0, 2))  # (gene, bit position)
    se = np.sqrt(mutation * (1 - mutation) / (R * 20))
    assert np.all(np.abs(rate - mutation) < 4 * se), rate
    # history and final table agree with the levels
    np.testing.assert_allclose(res.final.mean_boldness, res.final_levels[:, 0].mean(1) / 7)
    np.testing.assert_allclose(res.final.mean_vengefulness, res.final_levels[:, 1].mean(1) / 7)


def test_no_mutation_and_neutral_payoffs_keep_a_uniform_population():
    """With zero payoffs every score is 0 (SD = 0): pure drift; a uniform population stays so."""
    g = NormsGame(generations=5, mutation=0.0, temptation=0, hurt=0, punishment=0, enforcement=0)
    lv = np.array([[3] * 20, [5] * 20])
    res = run_norms(g, runs=4, seed=1, initial_levels=lv)
    assert np.all(res.final_levels == lv)


# ----------------------------------------------------------------------- reproducibility
def test_seed_is_honoured_and_run_i_alone_equals_run_i_in_a_batch():
    g = NormsGame(metanorms=True, generations=30)
    a = run_norms(g, runs=5, seed=0)
    b = run_norms(g, runs=5, seed=0)
    pd.testing.assert_frame_equal(a.history, b.history)
    pd.testing.assert_frame_equal(a.events, b.events)
    for i in (0, 3):
        alone = run_norms(g, runs=[i], seed=0)
        batch_i = a.history[a.history.run == i].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone.history, batch_i)
        pd.testing.assert_frame_equal(alone.events, a.events[a.events.run == i].reset_index(drop=True))
    # a different seed gives different numbers
    c = run_norms(g, runs=5, seed=1)
    cols = ["mean_boldness", "mean_vengefulness"]
    assert not a.history[cols].equals(c.history[cols])
    # a SeedSequence is not consumed: the same object twice gives the same runs, equal to seed=0
    ss = np.random.SeedSequence(0)
    d1, d2 = run_norms(g, runs=5, seed=ss), run_norms(g, runs=5, seed=ss)
    pd.testing.assert_frame_equal(d1.history, d2.history)
    pd.testing.assert_frame_equal(d1.history, a.history)
    # run i uses SeedSequence(seed).spawn(n)[i] (the project's `spawn` convention)
    assert a.seed_entropy == 0


def test_result_tables_are_tidy():
    g = NormsGame.dominance(metanorms=True, generations=4)
    res = run_norms(g, runs=3, seed=2)
    assert set(res.history.group) == {"strong", "weak"}
    assert len(res.history) == 3 * 5 * 2 and len(res.events) == 3 * 4 and len(res.final) == 3 * 2
    assert res.history[["mean_boldness", "mean_vengefulness"]].stack().between(0, 1).all()
    assert set(res.final.region.astype(str)) <= {"established", "collapsed", "other"}
    shares = res.region_shares()
    np.testing.assert_allclose(shares.groupby("group").share.sum(), 1.0)
    long = run_norms(NormsGame(generations=25), runs=2, seed=2, record_every=10)
    assert sorted(set(long.history.generation)) == [0, 10, 20, 25] and long.events is None


def test_regions_thresholds_are_exact():
    assert classify_region([2 / 7, 2 / 7 + 1e-6], [5 / 7, 5 / 7]).tolist() == ["established", "other"]
    assert classify_region([6 / 7, 6 / 7], [1 / 7, 1 / 7 + 1e-6]).tolist() == ["collapsed", "other"]


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(n_agents=2), "n_agents"),
        (dict(opportunities=0), "opportunities"),
        (dict(generations=-1), "generations"),
        (dict(metanorms="yes"), "metanorms"),
        (dict(mutation=1.5), "mutation"),
        (dict(temptation=float("nan")), "temptation"),
        (dict(group_sizes=(10, 5)), "group_sizes"),
        (dict(group_sizes=(10, 10), group_punishment=(-3.0,)), "group_punishment"),
        (dict(group_punishment=(-3.0,)), "group_punishment"),
        (dict(group_sizes=(10, 10), group_names=("a", "a")), "group_names"),
    ],
)
def test_invalid_parameters_name_the_field(kwargs, field):
    with pytest.raises(ParameterError) as err:
        NormsGame(**kwargs)
    assert err.value.name == field and str(err.value).startswith(f"{field}=")


def test_invalid_run_arguments():
    with pytest.raises(ParameterError, match="^runs=0"):
        run_norms(NormsGame(), runs=0)
    with pytest.raises(ParameterError, match="distinct"):
        run_norms(NormsGame(), runs=[1, 1])
    with pytest.raises(ParameterError, match="^seed="):
        run_norms(NormsGame(), seed=-1)
    with pytest.raises(ParameterError, match="^chance_seen="):
        generation_payoffs([0.5] * 20, [0.5] * 20, np.zeros((3, 20)), np.zeros((4, 20, 20), bool),
                           np.zeros((4, 20, 20), bool))
    with pytest.raises(ParameterError, match="^boldness="):
        expected_payoffs([1.5] * 20, [0.5] * 20)


# ------------------------------------------------------------------ published directions
def test_t12_metanorms_establish_the_norm_norms_alone_do_not():
    """T12: 100 independent runs x 100 generations each (runs 0..99 of seed 2026):
    share of metanorms runs in the "established" region >= 0.8, of norms runs <= 0.2.
    Measured (10 root seeds x 100 runs): 0.90 and 0.025."""
    meta = run_norms(NormsGame(metanorms=True), runs=100, seed=2026)
    norms = run_norms(NormsGame(metanorms=False), runs=100, seed=2026)
    p_meta, p_norms = meta.share("established"), norms.share("established")
    assert p_meta >= 0.8
    assert p_norms <= 0.2
    se = np.sqrt(p_meta * (1 - p_meta) / 100 + p_norms * (1 - p_norms) / 100)
    assert p_meta - p_norms > 10 * se
    # norms alone: vengefulness has decayed from its initial mean 1/2 and boldness is higher
    assert norms.final.mean_vengefulness.mean() < 0.4
    assert norms.final.mean_boldness.mean() > meta.final.mean_boldness.mean() + 0.1


@pytest.mark.slow
def test_t12_long_horizon_metanorms_norm_erodes():
    """T12: over long horizons the metanorms norm erodes (Galán & Izquierdo: established at
    generation 100, it "usually collapses" when run longer).

    Literal T12 check: 20 runs x 10^4 generations, the "established" share at 10^4 is below
    the share at generation 100. The effect at 10^4 is small, so the same call also runs
    180 more runs (200 in all; runs 0..19 are the same 20 runs, see the reproducibility
    test) and asserts a fall of more than 2 standard errors. Measured (seed 2026): runs
    0..19: 0.90 -> 0.75; 200 runs: 0.905 -> 0.81, collapsed 0 -> 0.08. (Over 10^5
    generations, 20 runs of seed 0: 0.90 at 10^3 -> 0.65, collapsed 0.35.) ~60 s.
    """
    res = run_norms(NormsGame(metanorms=True, generations=10_000), runs=200, seed=2026, record_every=100)
    h = res.history
    est = h.assign(est=h.region == "established").pivot(index="run", columns="generation", values="est")
    first20 = est.loc[list(range(20))]
    assert first20[10_000].mean() < first20[100].mean()
    p0, p1 = est[100].mean(), est[10_000].mean()
    se = np.sqrt(p0 * (1 - p0) / len(est) + p1 * (1 - p1) / len(est))
    assert p0 - p1 > 2 * se
    assert res.share("collapsed", generation=10_000) > res.share("collapsed", generation=100)


def test_t12_dominance_variant_directions():
    """T12 / H6 (Axelrod's dominance): strong group of 20 receiving P = -3 when punished,
    weak group of 10 receiving P = -9. Without metanorms both groups become bold and
    unvengeful; with metanorms the weak group is kept from being bold.
    Measured (100 runs, seed 7): norms, mean B strong/weak 0.95/0.89, V 0.01/0.02;
    metanorms, weak mean B 0.02, weak "established" share 0.93."""
    norms = run_norms(NormsGame.dominance(metanorms=False), runs=60, seed=7).final
    meta = run_norms(NormsGame.dominance(metanorms=True), runs=60, seed=7).final
    nb = norms.groupby("group")[["mean_boldness", "mean_vengefulness"]].mean()
    assert (nb.mean_boldness > 0.6).all() and (nb.mean_vengefulness < 0.2).all()
    weak = meta[meta.group == "weak"]
    assert weak.mean_boldness.mean() < 0.2
    assert (weak.region == "established").mean() >= 0.8
