"""Indirect reciprocity through monitoring (H4): target T11 (a) exact, (b) agent-based."""
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from coopsim import ParameterError
from coopsim.models.indirect import (
    ALLD,
    ASSESSMENT_RULES,
    DISCRIMINATOR,
    IndirectReciprocity,
    critical_monitoring,
    matrix_conditions,
    payoff_matrix,
    play_generation,
    simulate_indirect,
    table1_conditions,
)

CONDITIONS = ("ess", "risk_dominant", "advantageous")
THRESHOLDS_BC3 = {"ess": Fraction(1, 3), "risk_dominant": Fraction(1, 2), "advantageous": Fraction(3, 5)}


def nowak_table1(b, c, q):
    """Nowak (2006) Table 1, indirect reciprocity row (hand-coded oracle)."""
    return np.array([[b - c, -c * (1 - q)], [b * (1 - q), 0.0]])


# --------------------------------------------------------------------------- T11 (a): exact
@pytest.mark.parametrize("b, c", [(3.0, 1.0), (1.0, 0.1), (5.0, 2.0)])
def test_engine_matrix_equals_nowak_table1(b, c):
    for q in np.linspace(0, 1, 101):
        A = payoff_matrix(IndirectReciprocity(benefit=b, cost=c, monitoring=q))
        np.testing.assert_allclose(A, nowak_table1(b, c, q), rtol=0, atol=1e-12)


def test_table1_conditions_switch_at_one_third_one_half_three_fifths():
    # b/c = 3, q on a 0.01 grid, skipping the knife edges q = 1/2 and 3/5 (1/3 is off-grid)
    assert critical_monitoring(Fraction(3)) == THRESHOLDS_BC3
    grid = [Fraction(k, 100) for k in range(101)]
    first = {}
    for q in grid:
        if q in THRESHOLDS_BC3.values():
            continue
        engine = matrix_conditions(payoff_matrix(IndirectReciprocity(benefit=3, cost=1, monitoring=float(q))))
        closed = table1_conditions(3, q)  # exact arithmetic
        assert engine == closed, q
        for name in CONDITIONS:
            assert closed[name] == (q > THRESHOLDS_BC3[name]), (name, q)
            if closed[name]:
                first.setdefault(name, q)
    assert first == {"ess": Fraction(34, 100), "risk_dominant": Fraction(51, 100), "advantageous": Fraction(61, 100)}
    # just below / just above each threshold, from the engine matrix alone
    for name, (lo, hi) in {"ess": (0.33, 0.34), "risk_dominant": (0.49, 0.51), "advantageous": (0.59, 0.61)}.items():
        assert not matrix_conditions(payoff_matrix(IndirectReciprocity(monitoring=lo)))[name]
        assert matrix_conditions(payoff_matrix(IndirectReciprocity(monitoring=hi)))[name]


def test_exact_matrix_only_for_type_assessment():
    with pytest.raises(ParameterError, match="assessment='standing'"):
        payoff_matrix(IndirectReciprocity(assessment="standing"))


@pytest.mark.parametrize("field, value, allowed", [
    ("n_states", 1, "an integer >= 2"),
    ("monitoring", 1.5, "a probability in [0, 1]"),
    ("monitoring", -0.1, "a probability in [0, 1]"),
    ("benefit", -1.0, "a finite number >= 0"),
    ("cost", float("nan"), "a finite real number"),
    ("rounds", 0, "an integer >= 1"),
    ("selection_intensity", -2.0, "a finite number >= 0"),
    ("revision_rate", 2.0, "a probability in [0, 1]"),
    ("mutation", True, "a probability in [0, 1]"),
    ("assessment", "scoring", "one of 'type', 'standing', 'image_scoring'"),
])
def test_parameters_are_validated_with_name_value_and_range(field, value, allowed):
    with pytest.raises(ParameterError) as err:
        IndirectReciprocity(**{field: value})
    assert err.value.name == field and err.value.allowed == allowed
    assert str(err.value).startswith(f"{field}={value!r}")


def test_run_arguments_are_validated():
    m = IndirectReciprocity(n_states=10)
    with pytest.raises(ParameterError, match="generations=0"):
        simulate_indirect(m, generations=0)
    with pytest.raises(ParameterError, match="runs=0"):
        simulate_indirect(m, runs=0)
    with pytest.raises(ParameterError, match="initial=1.2"):
        simulate_indirect(m, initial=1.2)
    with pytest.raises(ParameterError, match="initial="):
        simulate_indirect(m, initial=np.full(9, ALLD))
    with pytest.raises(ParameterError, match="seed=-1"):
        simulate_indirect(m, seed=-1)


# --------------------------------------------------------------------------- Monte Carlo vs exact
def test_simulated_help_rates_and_payoffs_match_exact_matrix():
    b, c, q, n, k = 3.0, 1.0, 0.3, 100, 60  # 60 discriminators, 40 ALLD
    m = IndirectReciprocity(n_states=n, benefit=b, cost=c, monitoring=q, rounds=50)
    types = np.where(np.arange(n) < k, DISCRIMINATOR, ALLD)
    gen = play_generation(m, np.tile(types, (100, 1)), seed=7)
    A = payoff_matrix(m)

    # help rates per donor type x recipient type; the deterministic cells are exact
    h = gen.help_rates()
    n_ij = gen.interactions.sum(axis=0)
    assert h[DISCRIMINATOR, DISCRIMINATOR] == 1.0 and h[ALLD, DISCRIMINATOR] == 0.0 and h[ALLD, ALLD] == 0.0
    se = np.sqrt(q * (1 - q) / n_ij[DISCRIMINATOR, ALLD])
    assert abs(h[DISCRIMINATOR, ALLD] - (1 - q)) < 4 * se

    # pair payoffs rebuilt from the simulated interactions: A_ij = -c h_ij + b h_ji
    A_hat = -c * h + b * h.T
    se_hat = np.array([[0.0, c * se], [b * se, 0.0]])
    assert np.all(np.abs(A_hat - A) <= 4 * se_hat + 1e-12)

    # mean payoff per round of each type: sum_j f_j A[i, j], f_j = share of type j among the others
    for i, mask in ((DISCRIMINATOR, types == DISCRIMINATOR), (ALLD, types == ALLD)):
        others = np.array([k - (i == DISCRIMINATOR), n - k - (i == ALLD)]) / (n - 1)
        exact = A[i] @ others
        per_run = gen.payoff[:, mask].mean(axis=1)
        assert abs(per_run.mean() - exact) < 4 * per_run.std(ddof=1) / np.sqrt(per_run.size)


def test_simulation_without_revision_matches_exact_payoffs_and_cooperation():
    # the simulate_indirect path (revision and mutation off): same expectations, per generation
    b, c, q, n, k = 3.0, 1.0, 0.7, 50, 35
    m = IndirectReciprocity(n_states=n, benefit=b, cost=c, monitoring=q, rounds=5, revision_rate=0.0, mutation=0.0)
    df = simulate_indirect(m, generations=40, runs=25, initial=k / n, seed=11)
    A = payoff_matrix(m)
    assert np.all(df["discriminators"] == k / n)
    f_d = np.array([k - 1, n - k]) / (n - 1)  # others seen by a discriminator
    f_a = np.array([k, n - k - 1]) / (n - 1)  # others seen by an ALLD
    coop = (k / n) * (f_d[0] + f_d[1] * (1 - q))  # share of donor turns that help
    for col, exact in (("payoff_discriminator", A[0] @ f_d), ("payoff_alld", A[1] @ f_a), ("cooperation", coop)):
        x = df[col].to_numpy()
        assert abs(x.mean() - exact) < 4 * x.std(ddof=1) / np.sqrt(x.size), col


# --------------------------------------------------------------------------- T11 (b): agent-based
def test_t11b_discriminators_invaded_at_low_monitoring_resist_at_high():
    # population 100, b/c = 3, 90 % discriminators; q = 0.2 (ALLD dominates) vs 0.8 (bistable,
    # unstable point x* = c(1-q)/(q(b-c)) = 0.125); 30 seeds, 300 generations of 10 rounds
    final = {}
    for q in (0.2, 0.8):
        df = simulate_indirect(IndirectReciprocity(monitoring=q), generations=300, runs=30, initial=0.9, seed=2024)
        final[q] = df.loc[df["generation"] == 299, "discriminators"].to_numpy()
    lo, hi = final[0.2], final[0.8]
    se = np.sqrt(lo.var(ddof=1) / lo.size + hi.var(ddof=1) / hi.size)
    assert np.all(lo < 0.5)  # invaded in every run (started at 0.9)
    assert np.all(hi > 0.8)  # resisted in every run
    assert hi.mean() - lo.mean() > 20 * se


@pytest.mark.slow
def test_long_run_selects_the_risk_dominant_side():
    # b/c = 3: the discriminator is an ESS for q > 1/3 but risk-dominant only for q > 1/2; with
    # mutation and noisy payoffs the long run (2000 generations) leaves the ESS at q = 0.4
    final = {}
    for q in (0.4, 0.6):
        df = simulate_indirect(IndirectReciprocity(monitoring=q), generations=2000, runs=30, initial=0.9, seed=3)
        final[q] = df[df["generation"] >= 1900].groupby("run")["discriminators"].mean().to_numpy()
    se = np.sqrt(final[0.4].var(ddof=1) / 30 + final[0.6].var(ddof=1) / 30)
    assert final[0.4].mean() < 0.5 < final[0.6].mean()
    assert final[0.6].mean() - final[0.4].mean() > 20 * se


# --------------------------------------------------------------------------- assessment rules
@pytest.mark.parametrize("rule", ASSESSMENT_RULES)
def test_all_discriminators_always_help(rule):
    m = IndirectReciprocity(n_states=20, monitoring=0.9, rounds=5, assessment=rule, mutation=0.0)
    df = simulate_indirect(m, generations=20, runs=3, initial=1.0, seed=0)
    assert np.all(df["cooperation"] == 1.0) and np.all(df["discriminators"] == 1.0)
    assert np.allclose(df["payoff"], m.benefit - m.cost)


def test_standing_keeps_discriminators_good_image_scoring_does_not():
    n, q = 50, 0.8
    types = np.where(np.arange(n) < 30, DISCRIMINATOR, ALLD)
    rates = {}
    for rule in ASSESSMENT_RULES:
        gen = play_generation(IndirectReciprocity(n_states=n, monitoring=q, rounds=20, assessment=rule),
                              np.tile(types, (10, 1)), seed=5)
        rates[rule] = gen.help_rates()
        assert np.all(gen.donations[:, ALLD] == 0)  # ALLD never helps
    # justified refusals keep a good standing: discriminators always help each other
    assert rates["standing"][DISCRIMINATOR, DISCRIMINATOR] == 1.0
    assert rates["type"][DISCRIMINATOR, DISCRIMINATOR] == 1.0
    # image scoring punishes refusing an ALLD: discriminators then refuse each other sometimes
    assert rates["image_scoring"][DISCRIMINATOR, DISCRIMINATOR] < 0.95
    # standing: ALLD that refused a good recipient is bad; discriminators help it less than 1 - q/2
    assert rates["standing"][DISCRIMINATOR, ALLD] < 1 - q / 2


# --------------------------------------------------------------------------- output and seeds
def test_output_is_tidy_and_seed_zero_is_honoured():
    m = IndirectReciprocity(n_states=30, rounds=3, monitoring=0.5)
    a = simulate_indirect(m, generations=15, runs=4, seed=0)
    assert list(a.columns) == ["run", "generation", "discriminators", "cooperation", "payoff",
                               "payoff_discriminator", "payoff_alld"]
    assert len(a) == 60 and a.groupby("run").size().eq(15).all()
    assert a["discriminators"].between(0, 1).all() and a["cooperation"].between(0, 1).all()
    assert a.attrs["model"]["monitoring"] == 0.5
    pd.testing.assert_frame_equal(a, simulate_indirect(m, generations=15, runs=4, seed=0))
    pd.testing.assert_frame_equal(a, simulate_indirect(m, generations=15, runs=4, seed=np.random.SeedSequence(0)))
    assert not a.equals(simulate_indirect(m, generations=15, runs=4, seed=1))
    # run i does not depend on how many runs are simulated with it
    big = simulate_indirect(m, generations=15, runs=6, seed=0)
    pd.testing.assert_frame_equal(a, big[big["run"] < 4].reset_index(drop=True))
    # runs are different streams
    r0, r1 = (a[a["run"] == r]["cooperation"].to_numpy() for r in (0, 1))
    assert not np.array_equal(r0, r1)
