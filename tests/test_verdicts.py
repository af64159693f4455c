"""Verdicts from a model of the whole design: exact AMEs on grids, the GLM against
statsmodels, Holm, the four verdicts (a property test: a verdict never contradicts its
interval), coverage of the cluster-bootstrap interval against a known truth and the rate of
false "supported" verdicts without an effect."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special

from coopsim import ParameterError
from coopsim import analysis as an

BETA = np.array([-0.5, 1.5, -1.0, 0.0])  # intercept, a, b, c
SIGMA = 0.5  # sd of the point-level random effect (on the logit scale)


def _true_ame(beta=BETA, sigma=SIGMA, focal=1) -> float:
    """Population-averaged AME of parameter ``focal`` from 0 to 1 with the others uniform on [0, 1]
    and a N(0, sigma^2) point effect: quadrature over the others and the random effect."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    grid = (np.arange(400) + 0.5) / 400
    others = [j for j in (1, 2, 3) if j != focal]
    g1, g2 = np.meshgrid(grid, grid, indexing="ij")

    def mean_p(x):
        eta = beta[0] + beta[focal] * x + beta[others[0]] * g1 + beta[others[1]] * g2
        return float(np.sum(special.expit(eta[..., None] + sigma * nodes) * weights, axis=-1).mean())

    return mean_p(1.0) - mean_p(0.0)


def _lhs_runs(seed, m=40, reps=5, beta=BETA, sigma=SIGMA):
    """A Latin hypercube of three parameters on [0, 1]^3, ``reps`` replications per point and a
    point-level random effect: logit P(emerged) = beta . (1, a, b, c) + u_point."""
    rng = np.random.default_rng(seed)
    X = (np.argsort(rng.random((3, m)), axis=1).T + rng.random((m, 3))) / m
    p = special.expit(beta[0] + X @ beta[1:] + rng.normal(0.0, sigma, m))
    emerged = rng.random((m, reps)) < p[:, None]
    runs = pd.DataFrame({"point": np.repeat(np.arange(m), reps), "replication": np.tile(np.arange(reps), m),
                         "a": np.repeat(X[:, 0], reps), "b": np.repeat(X[:, 1], reps),
                         "c": np.repeat(X[:, 2], reps), "emerged": emerged.ravel(), "status": "ok"})
    runs.attrs["parameters"] = ["a", "b", "c"]
    return runs


RANGES = {"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}


# ----------------------------------------------------------------------------- the model
def test_one_factor_grid_ame_is_the_end_point_difference_exactly():
    rng = np.random.default_rng(3)
    levels, n = [2, 4, 6, 8], [17, 23, 20, 31]
    rows = [{"point": i, "actors.n_actors": v, "emerged": bool(rng.random() < 0.8 - 0.2 * i)}
            for i, (v, k) in enumerate(zip(levels, n, strict=True)) for _ in range(k)]
    runs = pd.DataFrame(rows)
    freq = runs.groupby("actors.n_actors")["emerged"].mean()
    fit = an.fit_design(runs, parameters=["actors.n_actors"], bootstrap=200, seed=1)
    est, boot = fit.effect("actors.n_actors")
    assert fit.terms[0].kind == "factor" and fit.resample == "runs"
    assert est == pytest.approx(freq.iloc[-1] - freq.iloc[0], abs=1e-10)
    # each bootstrap replicate is the difference of the resampled frequencies
    hi = fit.boot_coef @ fit.matrix(fit.points.assign(**{"actors.n_actors": 8})).T
    assert boot == pytest.approx(special.expit(hi[:, 3]) - special.expit(fit.boot_coef[:, 0]), abs=1e-9)
    curve = fit.curve("actors.n_actors")
    assert curve["estimate"].to_numpy() == pytest.approx(freq.to_numpy(), abs=1e-10)
    # continuous outcome: the difference of the means
    runs["window_cooperation"] = rng.random(len(runs))
    rep = an.hypothesis_report(runs, "actors.n_actors", metric="window_cooperation", bootstrap=100)
    means = runs.groupby("actors.n_actors")["window_cooperation"].mean()
    assert rep.effect == pytest.approx(means.iloc[-1] - means.iloc[0], abs=1e-12)


def test_two_factor_grid_without_interaction_averages_over_the_other_factor():
    # balanced 3 x 2 grid whose frequencies are exactly additive on the logit scale: the
    # main-effects GLM reproduces them, so the AME is the mean of the two end-point differences
    logit = {(x, z): -1.0 + 1.2 * i + 0.7 * j for i, x in enumerate([0.1, 0.5, 0.9]) for j, z in enumerate("AB")}
    rows = []
    for (x, z), eta in logit.items():
        k = special.expit(eta) * 1000  # 1000 runs per cell with the exact expected count
        rows += [{"x": x, "z": z, "emerged": r < round(k)} for r in range(1000)]
    runs = pd.DataFrame(rows)
    fit = an.fit_design(runs, parameters=["x", "z"], bootstrap=20)
    freq = runs.groupby(["x", "z"])["emerged"].mean()
    expect = np.mean([freq[(0.9, z)] - freq[(0.1, z)] for z in "AB"])
    assert fit.effect("x")[0] == pytest.approx(expect, abs=2e-3)  # counts were rounded


def test_own_newton_agrees_with_statsmodels():
    import statsmodels.api as sm

    runs = _lhs_runs(5)
    fit = an.fit_design(runs, bootstrap=2)
    X = fit.matrix(fit.points)
    k, n = fit.points["total"].to_numpy(), fit.points["n"].to_numpy()
    ours = an.binomial_newton(X, k, n)
    ref = sm.GLM(np.column_stack([k, n - k]), X, family=sm.families.Binomial()).fit(tol=1e-13).params
    assert ours == pytest.approx(np.asarray(ref), abs=1e-7) and fit.coef == pytest.approx(ours, abs=1e-7)
    # a batch of weighted fits = the fits one at a time
    w = np.random.default_rng(0).integers(0, 3, (3, len(k)))
    batch = an.binomial_newton(X, w * k, w * n)
    for b in range(3):
        assert batch[b] == pytest.approx(an.binomial_newton(X, w[b] * k, w[b] * n), abs=1e-8)


def test_the_bootstrap_is_seeded():
    runs = _lhs_runs(6)
    a = an.hypothesis_report(runs, "a", direction=1, bootstrap=100, seed=7)
    b = an.hypothesis_report(runs, "a", direction=1, bootstrap=100, seed=7)
    c = an.hypothesis_report(runs, "a", direction=1, bootstrap=100, seed=8)
    assert (a.effect_low, a.effect_high) == (b.effect_low, b.effect_high) != (c.effect_low, c.effect_high)
    assert a.effect == c.effect and a.resample == "points" and a.seed == 7


def test_interactions_must_name_varied_parameters():
    with pytest.raises(ParameterError, match="interactions"):
        an.fit_design(_lhs_runs(1), interactions=[("a", "nope")], bootstrap=10)


# ----------------------------------------------------------------------------- Holm and verdicts
def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2, 0.5])
    assert an.holm(p) == pytest.approx(multipletests(p, method="holm")[1])
    assert np.isnan(an.holm([0.01, np.nan])[1]) and an.holm([0.01, np.nan])[0] == 0.01


def _check_consistent(verdict, effect, low, high, p_holm, direction, alpha, sesoi):
    """A verdict never contradicts its interval."""
    if verdict == "no effect":
        assert -sesoi <= low and high <= sesoi
    elif verdict in ("supported", "reversed"):
        sign = direction if verdict == "supported" else -direction
        assert p_holm < alpha and sign * effect > 0 and sign * low > 0 and sign * high > 0
        # the interval excludes the smallest effect of interest on the wrong side
        assert not (low <= -sign * sesoi <= high)
    else:
        assert verdict == "inconclusive"
        assert not (-sesoi <= low and high <= sesoi)
        assert not (p_holm < alpha and (low > 0 or high < 0) and effect * (low if low > 0 else high) > 0)


@given(effect=st.floats(-1, 1), a=st.floats(-1, 1), b=st.floats(-1, 1), p=st.floats(0, 1),
       direction=st.sampled_from([1, -1]), sesoi=st.floats(0.001, 0.5))
def test_verdict_rule_never_contradicts_the_interval(effect, a, b, p, direction, sesoi):
    low, high = min(a, b), max(a, b)
    v = an.verdict(effect, low, high, p, direction, alpha=0.05, sesoi=sesoi)
    _check_consistent(v, effect, low, high, p, direction, 0.05, sesoi)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(4, 30), reps=st.integers(1, 6),
       slope=st.floats(-4, 4), direction=st.sampled_from([1, -1]), sesoi=st.sampled_from([0.02, 0.05, 0.2]))
def test_reports_on_random_data_never_contradict_their_intervals(seed, m, reps, slope, direction, sesoi):
    rng = np.random.default_rng(seed)
    a, b = rng.random(m), rng.integers(0, 3, m).astype(float)
    p = special.expit(-0.5 + slope * a + rng.normal(0, 1, m))
    runs = pd.DataFrame({"point": np.repeat(np.arange(m), reps), "a": np.repeat(a, reps), "b": np.repeat(b, reps),
                         "emerged": (rng.random((m, reps)) < p[:, None]).ravel()})
    params = [p for p in ("a", "b") if runs[p].nunique() > 1]
    runs.attrs["parameters"] = params
    reps_ = an.hypothesis_list(runs, params, directions={"a": direction, "b": 1}, smallest_effect=sesoi,
                               bootstrap=60, seed=seed)
    for r in reps_:
        _check_consistent(r.verdict, r.effect, r.effect_low, r.effect_high, r.p_holm, r.predicted_direction,
                          r.alpha, r.smallest_effect)
        assert r.p_holm >= r.p_value - 1e-15


# ----------------------------------------------------------------------------- coverage and false verdicts
def _coverage(n_datasets, bootstrap, focal="a"):
    truth = _true_ame(focal="abc".index(focal) + 1)
    hits = 0
    for s in range(n_datasets):
        fit = an.fit_design(_lhs_runs(1000 + s), ranges=RANGES, bootstrap=bootstrap, seed=s)
        lo, hi = an.percentile_interval(fit.effect(focal)[1], 0.95)
        hits += lo <= truth <= hi
    return hits / n_datasets


def test_interval_covers_a_known_ame_fast():
    # 60 simulated Latin hypercube experiments (40 points x 5 replications, point random
    # effect sd 0.5): the 95 % interval covers the population AME (0.331) in most of them
    assert _coverage(60, 200) >= 0.85


@pytest.mark.slow
@pytest.mark.parametrize("focal", ["a", "b"])
def test_interval_covers_a_known_ame_at_the_nominal_rate(focal):
    # 300 datasets: a binomial 95 % band around 0.95 is [0.925, 0.975]; allow a little
    # for the percentile interval with 40 clusters
    cov = _coverage(300, 500, focal)
    assert 0.91 <= cov <= 0.985


def _false_supported(n_datasets, bootstrap):
    null = np.array([-0.3, 0.0, 0.0, 0.0])
    verdicts = []
    for s in range(n_datasets):
        reps = an.hypothesis_list(_lhs_runs(5000 + s, beta=null), ["a", "b", "c"], directions={"a": 1, "b": 1, "c": -1},
                                  ranges=RANGES, bootstrap=bootstrap, seed=s)
        verdicts += [r.verdict for r in reps]
    return verdicts


def test_no_effect_rarely_gives_supported_fast():
    v = _false_supported(25, 200)
    assert set(v) <= {"no effect", "inconclusive", "supported", "reversed"}
    assert v.count("supported") <= 3  # of 75 tests; nominal (one-sided) rate <= 2.5 %


@pytest.mark.slow
def test_no_effect_gives_supported_at_most_at_the_nominal_rate():
    v = _false_supported(200, 400)
    # 600 tests of a true null, Holm over three per experiment: one-sided rate <= alpha / 2
    assert v.count("supported") / len(v) <= 0.035
    assert (v.count("supported") + v.count("reversed")) / len(v) <= 0.06
