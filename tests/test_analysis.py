"""coopsim.analysis: intervals against published values, logistic regression against closed
forms and simulated data, verdicts on synthetic trends, Sobol indices on the Ishigami function."""
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from coopsim import ParameterError
from coopsim import analysis as an
from coopsim.world.mechanisms import REGISTRY

Z95 = stats.norm.ppf(0.975)


# ----------------------------------------------------------------------------- Wilson
# Newcombe (1998a) Stat. Med. 17:857, Table I, method 3 (score interval without continuity correction)
@pytest.mark.parametrize("k, n, low, high", [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_table(k, n, low, high):
    lo, hi = an.wilson_interval(k, n, 0.95)
    assert lo == pytest.approx(low, abs=5e-5) and hi == pytest.approx(high, abs=5e-5)


def test_wilson_hand_computed_values():
    # k = 0: [0, z²/(n + z²)]; k = n: [n/(n + z²), 1]
    lo, hi = an.wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(Z95**2 / (10 + Z95**2), rel=1e-12)
    lo, hi = an.wilson_interval(10, 10)
    assert hi == 1.0 and lo == pytest.approx(10 / (10 + Z95**2), rel=1e-12)
    # k = 5 of 10 by hand: centre 1/2, half-width z sqrt(1/40 + z²/400) / (1 + z²/10)
    lo, hi = an.wilson_interval(5, 10)
    half = Z95 * np.sqrt(0.25 / 10 + Z95**2 / 400) / (1 + Z95**2 / 10)
    assert (lo, hi) == pytest.approx((0.5 - half, 0.5 + half), rel=1e-12)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=5e-5)


def test_wilson_bounds_invert_the_score_test():
    k, n = 7, 23
    for conf in (0.8, 0.95, 0.99):
        z = stats.norm.ppf(0.5 + conf / 2)
        for bound in an.wilson_interval(k, n, conf):
            assert abs(k / n - bound) / np.sqrt(bound * (1 - bound) / n) == pytest.approx(z, rel=1e-10)


def test_wilson_vectorised_symmetric_and_validated():
    k, n = np.array([0, 3, 7, 0]), np.array([10, 10, 10, 0])
    lo, hi = an.wilson_interval(k, n)
    assert lo.shape == (4,) and np.isnan(lo[3]) and np.isnan(hi[3])
    lo2, hi2 = an.wilson_interval(n[:3] - k[:3], n[:3])
    np.testing.assert_allclose(lo[:3], 1 - hi2, atol=1e-12)
    np.testing.assert_allclose(hi[:3], 1 - lo2, atol=1e-12)
    assert np.diff(an.wilson_interval(3, 10, 0.99)) > np.diff(an.wilson_interval(3, 10, 0.9))
    with pytest.raises(ParameterError):
        an.wilson_interval(11, 10)
    with pytest.raises(ParameterError, match="confidence"):
        an.wilson_interval(1, 10, confidence=95)


# Newcombe (1998b) Stat. Med. 17:873, Table II, method 10 (hybrid score)
@pytest.mark.parametrize("k1, n1, k2, n2, low, high", [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
])
def test_newcombe_difference_matches_published_table(k1, n1, k2, n2, low, high):
    d, lo, hi = an.newcombe_interval(k1, n1, k2, n2)
    assert d == pytest.approx(k1 / n1 - k2 / n2)
    assert lo == pytest.approx(low, abs=5e-5) and hi == pytest.approx(high, abs=5e-5)


def test_t_interval_matches_scipy():
    x = np.array([0.41, 0.55, 0.38, 0.62, 0.47, np.nan])
    m, lo, hi = an.t_interval(x, 0.9)
    ref = stats.t.interval(0.9, 4, loc=np.nanmean(x), scale=stats.sem(x[:5]))
    assert m == pytest.approx(np.nanmean(x)) and (lo, hi) == pytest.approx(ref, rel=1e-12)
    assert np.isnan(an.t_interval([0.3])[1])


# ----------------------------------------------------------------------------- logistic regression
def test_logistic_recovers_known_slope_within_se():
    rng = np.random.default_rng(20240601)
    a, b = -1.0, 2.5
    x = rng.uniform(0, 1, 4000)
    y = (rng.random(4000) < special.expit(a + b * x)).astype(float)
    fit = an.logistic_regression(x, y)
    assert fit.method == "mle" and not fit.separated and fit.converged
    assert abs(fit.slope - b) < 2 * fit.slope_se
    assert abs(fit.intercept - a) < 2 * fit.intercept_se
    assert fit.slope_low < b < fit.slope_high
    assert fit.p_value == pytest.approx(2 * stats.norm.sf(abs(fit.slope / fit.slope_se)))

    # independent check: a general-purpose optimiser of the same likelihood
    def nll(beta):
        eta = beta[0] + beta[1] * x
        return np.sum(np.logaddexp(0, eta) - y * eta)

    ref = optimize.minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-9})
    np.testing.assert_allclose([fit.intercept, fit.slope], ref.x, atol=1e-4)


def test_logistic_closed_form_on_balanced_two_level_design():
    n, k0, k1 = 50, 12, 31
    x = np.repeat([0.0, 1.0], n)
    y = np.concatenate([np.arange(n) < k0, np.arange(n) < k1]).astype(float)
    fit = an.logistic_regression(x, y)
    logit = lambda k: np.log(k / (n - k))  # noqa: E731
    assert fit.intercept == pytest.approx(logit(k0), rel=1e-9)
    assert fit.slope == pytest.approx(logit(k1) - logit(k0), rel=1e-9)
    assert fit.slope_se == pytest.approx(np.sqrt(1 / k0 + 1 / (n - k0) + 1 / k1 + 1 / (n - k1)), rel=1e-7)
    assert fit.intercept_se == pytest.approx(np.sqrt(1 / k0 + 1 / (n - k0)), rel=1e-7)
    # rescaling x rescales the slope and its SE, not the test
    fit2 = an.logistic_regression(10 * x, y)
    assert fit2.slope == pytest.approx(fit.slope / 10) and fit2.p_value == pytest.approx(fit.p_value)


@pytest.mark.parametrize("k0, n0, k1, n1", [(0, 10, 10, 10), (0, 15, 6, 12), (3, 10, 7, 10)])
def test_firth_equals_haldane_correction_for_a_binary_covariate(k0, n0, k1, n1):
    # for a saturated model with one binary covariate, Firth's estimate adds 1/2 to every cell
    x = np.repeat([0.0, 1.0], [n0, n1])
    y = np.concatenate([np.arange(n0) < k0, np.arange(n1) < k1]).astype(float)
    fit = an.logistic_regression(x, y, method="firth")
    expect = np.log((k1 + 0.5) / (n1 - k1 + 0.5)) - np.log((k0 + 0.5) / (n0 - k0 + 0.5))
    assert fit.method == "firth" and fit.slope == pytest.approx(expect, rel=1e-8)
    assert np.isfinite(fit.slope_se) and fit.slope_se > 0


def test_separation_detected_and_handled():
    x = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert an.is_separated(x, [0, 0, 0, 1, 1, 1])        # complete
    assert an.is_separated(x, [0, 0, 1, 0, 1, 1]) is False
    assert an.is_separated([1, 1, 2, 2, 3, 3], [0, 0, 0, 1, 1, 1])  # quasi-complete (tie at x = 2)
    assert an.is_separated(x, [0, 0, 0, 0, 0, 0])        # no variation
    assert an.is_separated(x, [1, 1, 1, 0, 0, 0])        # separated downwards
    with pytest.raises(ParameterError, match="separation"):
        an.logistic_regression(x, [0, 0, 0, 1, 1, 1], method="mle")
    fit = an.logistic_regression(x, [0, 0, 0, 1, 1, 1])
    assert fit.method == "firth" and fit.separated and np.isfinite(fit.slope) and fit.slope > 0
    down = an.logistic_regression(x, [1, 1, 1, 0, 0, 0])
    assert down.slope == pytest.approx(-fit.slope, rel=1e-6)
    with pytest.raises(ParameterError):
        an.logistic_regression(np.ones(6), [0, 1, 0, 1, 0, 1])


def test_firth_uses_penalised_likelihood_ratio_test_and_profile_interval():
    # quasi-complete separation: cooperation emerges only at the smallest group size
    x = np.repeat([2.0, 4.0, 8.0], 12)
    y = np.r_[np.ones(3), np.zeros(33)]
    fit = an.logistic_regression(x, y)
    assert fit.method == "firth" and fit.test == "penalised LR" and fit.slope < 0

    def penalised(b0, b1):
        eta = b0 + b1 * x
        p = special.expit(eta)
        w = p * (1 - p)
        info = np.array([[w.sum(), (x * w).sum()], [(x * w).sum(), (x * x * w).sum()]])
        return np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * np.log(np.linalg.det(info))

    def profile(b1):  # independent: maximise over the intercept with a scalar optimiser
        return -optimize.minimize_scalar(lambda b0: -penalised(b0, b1), bounds=(-30, 30), method="bounded",
                                         options={"xatol": 1e-10}).fun

    top = penalised(fit.intercept, fit.slope)
    assert top == pytest.approx(profile(fit.slope), abs=1e-7)
    assert fit.p_value == pytest.approx(stats.chi2.sf(2 * (top - profile(0.0)), 1), rel=1e-4)
    crit = stats.chi2.ppf(0.95, 1)
    for bound in (fit.slope_low, fit.slope_high):
        assert 2 * (top - profile(bound)) == pytest.approx(crit, abs=1e-4)
    assert fit.slope_low < fit.slope < fit.slope_high


# ----------------------------------------------------------------------------- summaries
def _runs(param, levels, probs, reps, seed, *, errors=0, extra=None):
    rng = np.random.default_rng(seed)
    rows = []
    for i, (v, p) in enumerate(zip(levels, probs, strict=True)):
        for r in range(reps):
            e = bool(rng.random() < p)
            rows.append({"point": i, "replication": r, param: v, "emerged": e,
                         "emergence_period": float(rng.integers(49, 300)) if e else np.nan,
                         "window_cooperation": float(np.clip(rng.normal(0.3 + 0.5 * e, 0.1), 0, 1)),
                         "final_share_TFT": 0.3, "status": "ok", **(extra or {})})
        for r in range(errors):
            rows.append({"point": i, "replication": reps + r, param: v, "emerged": None,
                         "emergence_period": np.nan, "window_cooperation": np.nan, "final_share_TFT": np.nan,
                         "status": "error", **(extra or {})})
    return pd.DataFrame(rows)


def test_emergence_table_counts_intervals_and_errors():
    runs = pd.DataFrame({
        "point": [0] * 6 + [1] * 4,
        "replication": list(range(6)) + list(range(4)),
        "regime.monitoring": [0.0] * 6 + [1.0] * 4,
        "emerged": [True, False, False, True, None, False, True, True, True, False],
        "emergence_period": [100, np.nan, 250, 60, np.nan, np.nan, 80, 90, 130, np.nan],
        "window_cooperation": [0.8, 0.3, 0.4, 0.9, np.nan, 0.2, 0.75, 0.8, 0.85, 0.5],
        "status": ["ok", "ok", "ok", "ok", "error", "ok", "ok", "ok", "ok", "ok"],
    })
    t = an.emergence_table(runs)
    assert list(t["regime.monitoring"]) == [0.0, 1.0]
    assert list(t["n_runs"]) == [6, 4] and list(t["n"]) == [5, 4] and list(t["n_error"]) == [1, 0]
    assert list(t["n_emerged"]) == [2, 3]
    assert t["emergence"].tolist() == pytest.approx([0.4, 0.75])
    lo, hi = an.wilson_interval(2, 5)
    assert (t.loc[0, "emergence_low"], t.loc[0, "emergence_high"]) == pytest.approx((lo, hi))
    m, lo, hi = an.t_interval([0.8, 0.3, 0.4, 0.9, 0.2])
    assert (t.loc[0, "window_cooperation"], t.loc[0, "window_cooperation_low"]) == pytest.approx((m, lo))
    # mean emergence period among emerged runs only (run 2 crossed the threshold but did not emerge)
    assert t["emergence_period"].tolist() == pytest.approx([80.0, 100.0])
    # explicit grouping, and a whole-table summary
    assert an.emergence_table(runs, by="point")["n"].tolist() == [5, 4]
    assert an.emergence_table(runs, by=[])["n"].tolist() == [9]


def test_emergence_table_groups_by_all_parameters_and_keeps_missing_levels():
    a = _runs("iteration.continuation", [0.5, 0.9], [0.2, 0.8], 10, 1, extra={"reciprocity.share": np.nan})
    b = _runs("iteration.continuation", [0.5, 0.9], [0.2, 0.8], 10, 2, extra={"reciprocity.share": 0.5})
    t = an.emergence_table(pd.concat([a, b], ignore_index=True))
    assert len(t) == 4 and t["n"].tolist() == [10] * 4
    assert set(an.parameter_columns(a)) == {"iteration.continuation", "reciprocity.share"}
    # columns that vary within a design point (timings, unknown metrics) are not parameters
    timed = a.assign(elapsed_s=np.arange(len(a)) * 0.1, seed_entropy=1)
    assert set(an.parameter_columns(timed)) == {"iteration.continuation", "reciprocity.share"}
    assert len(an.emergence_table(timed)) == 2


def _pooled_runs():
    """Two experiments pooled: point numbers repeat, so my_param varies within a point."""
    frames = []
    for my_param in (0.0, 1.0):
        for point, n_states in enumerate((10, 20)):
            k = 2 + 4 * int(my_param) + (n_states == 20)  # runs that emerge, of 8
            frames.append(pd.DataFrame({
                "point": point, "replication": range(8), "n_states": n_states, "my_param": my_param,
                "regime.monitoring": 0.5, "emerged": [r < k for r in range(8)],
                "emergence_period": [50.0 + r if r < k else np.nan for r in range(8)],
                "status": "ok", "error": None, "elapsed": np.linspace(0.1, 0.8, 8)}))
    return pd.concat(frames, ignore_index=True)


def test_parameters_come_from_the_tables_attrs():
    runs = _pooled_runs()
    # the guess misses my_param (it varies within a point) and takes the fixed regime.monitoring
    assert an.infer_parameter_columns(runs) == ["n_states", "regime.monitoring"]
    assert an.parameter_columns(runs) == ["n_states", "regime.monitoring"]
    assert len(an.emergence_table(runs)) == 2
    runs.attrs["parameters"] = ["n_states", "my_param"]
    assert an.parameter_columns(runs) == ["n_states", "my_param"]
    t = an.emergence_table(runs)
    assert list(t.columns[:3]) == ["n_states", "my_param", "n_runs"]
    assert t[["n_states", "my_param"]].values.tolist() == [[10, 0.0], [10, 1.0], [20, 0.0], [20, 1.0]]
    assert t["n"].tolist() == [8] * 4 and t["n_emerged"].tolist() == [2, 6, 3, 7]
    assert list(an.time_to_emergence(runs).columns[:3]) == ["n_states", "my_param", "n"]
    # the list is read on entry, so filtering (which keeps attrs) and ok_runs inside change nothing
    half = runs[runs["replication"] < 4]
    assert an.emergence_table(half)["n_emerged"].tolist() == [2, 4, 3, 4]
    rep = an.hypothesis_report(runs, "n_states", direction=1)
    assert "averaged over the design's distribution of my_param" in rep.notes
    assert "pooled" not in an.hypothesis_report(runs[["n_states", "emerged"]], "n_states", direction=1).notes
    # declared columns absent from the table are left out; a malformed declaration is refused
    assert an.parameter_columns(runs.drop(columns="my_param")) == ["n_states"]
    runs.attrs["parameters"] = []
    assert an.parameter_columns(runs) == [] and an.emergence_table(runs)["point"].tolist() == [0, 1]
    runs.attrs["parameters"] = "n_states"
    with pytest.raises(ParameterError):
        an.parameter_columns(runs)


def test_infer_parameter_columns_skips_what_the_store_writes():
    runs = _pooled_runs().assign(seed_entropy=7, seed_spawn_key=lambda d: [f"({p}, {r})" for p, r in
                                                                          zip(d["point"], d["replication"])])
    runs = runs[runs["my_param"] == 0.0]
    assert an.infer_parameter_columns(runs) == ["n_states", "my_param", "regime.monitoring"]
    assert an.infer_parameter_columns(runs.drop(columns="point")) == ["n_states", "my_param", "regime.monitoring"]
    assert set(an.METRICS) >= {"emerged", "emergence_period", "window_cooperation"}


def test_time_to_emergence_quantiles_and_curve():
    runs = pd.DataFrame({"point": 0, "x": 1.0, "emergence_period": [60, 80, np.nan, 100, np.nan],
                         "emerged": [True, True, False, True, False]})
    t = an.time_to_emergence(runs, by="x")
    row = t.iloc[0]
    assert row["n"] == 5 and row["n_reached"] == 3 and row["share_reached"] == pytest.approx(0.6)
    assert row["t_q0.25"] == 80 and row["t_q0.5"] == 100 and np.isnan(row["t_q0.75"])
    assert row["median_period"] == 80 and row["mean_period"] == 80
    c = an.time_to_emergence(runs, by="x", curve=True, horizon=299)
    assert c["period"].tolist() == [60, 80, 100, 299]
    assert c["share"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.6])


def test_period_summary():
    periods = pd.DataFrame({"point": [0, 0, 0, 0], "replication": [0, 0, 1, 1], "period": [0, 1, 0, 1],
                            "cooperation": [0.2, 0.4, 0.6, 0.8]})
    s = an.period_summary(periods, by="point")
    assert s["mean"].tolist() == pytest.approx([0.4, 0.6]) and s["n"].tolist() == [2, 2]
    assert s["low"].iloc[0] == pytest.approx(an.t_interval([0.2, 0.6])[1])


# ----------------------------------------------------------------------------- verdicts
LEVELS = [0.1, 0.3, 0.5, 0.7, 0.9]


def test_verdict_supported_for_clear_predicted_trend():
    runs = _runs("iteration.continuation", LEVELS, [0.1, 0.25, 0.5, 0.7, 0.9], 30, seed=11, errors=1)
    rep = an.hypothesis_report(runs, "iteration.continuation", conditions="PD, 30 states, noise 0.01")
    assert rep.hypothesis == "H3" and rep.predicted_direction == REGISTRY["iteration"].DIRECTION == 1
    assert rep.verdict == "supported" and rep.measured_direction == 1 and rep.significant
    assert rep.n == 150 and rep.n_error == 5 and rep.n_levels == 5 and rep.trend_test == "logistic Wald"
    assert rep.test.startswith("cluster bootstrap") and rep.resample == "runs" and rep.bootstrap == 1000
    assert rep.slope_method == "mle" and rep.slope_low > 0 and rep.spearman_rho > 0 and rep.spearman_p < 0.05
    assert 0 < rep.effect_low < rep.effect < rep.effect_high and rep.p_holm == rep.p_value < 0.05
    lev = rep.levels
    # one-factor grid: the AME is the end-point difference of the frequencies, exactly
    assert rep.effect == pytest.approx(lev["emergence"].iloc[-1] - lev["emergence"].iloc[0], abs=1e-10)
    assert rep.effect == pytest.approx(rep.endpoint_effect, abs=1e-10)
    assert rep.curve["estimate"].to_numpy() == pytest.approx(lev["emergence"].to_numpy(), abs=1e-10)
    assert rep.conditions == "PD, 30 states, noise 0.01"
    frame = rep.to_frame()
    assert frame.shape[0] == 1 and frame.loc[0, "verdict"] == "supported"
    assert "levels" not in frame.columns and rep.to_series()["parameter"] == "iteration.continuation"
    assert rep["verdict"] == "supported" and "SUPPORTED" in str(rep)


def test_verdict_reversed_for_significant_opposite_trend():
    runs = _runs("epistemic.reach", LEVELS, [0.9, 0.7, 0.5, 0.25, 0.1], 30, seed=12)
    rep = an.hypothesis_report(runs, "epistemic.reach")
    assert rep.hypothesis == "H5" and rep.predicted_direction == 1
    assert rep.verdict == "reversed" and rep.measured_direction == -1 and rep.p_value < 0.05


def test_negative_direction_mechanism_supported_by_a_falling_trend():
    runs = _runs("actors.n_actors", [2, 4, 8], [0.7, 0.4, 0.1], 40, seed=13)
    rep = an.hypothesis_report(runs, "actors.n_actors")
    assert rep.predicted_direction == -1 and rep.measured_direction == -1 and rep.verdict == "supported"


def test_verdict_inconclusive_without_trend_and_no_effect_with_a_tight_interval():
    runs = _runs("regime.monitoring", LEVELS, [0.4] * 5, 30, seed=14)
    rep = an.hypothesis_report(runs, "regime.monitoring")
    assert rep.verdict == "inconclusive" and rep.p_value > 0.05 and not rep.significant
    assert rep.effect_low < -0.05 and rep.effect_high > 0.05 and rep.slope_low < 0 < rep.slope_high
    # the trend test is reported but no longer decides
    spear = an.hypothesis_report(runs, "regime.monitoring", test="spearman")
    assert spear.trend_test == "Spearman" and spear.verdict == "inconclusive"
    # 2000 runs per level and no effect: the interval fits inside +-0.05 -> equivalence
    big = _runs("regime.monitoring", [0.0, 1.0], [0.4, 0.4], 4000, seed=15)
    rep = an.hypothesis_report(big, "regime.monitoring", bootstrap=300)
    assert -0.05 < rep.effect_low < rep.effect_high < 0.05 and rep.verdict == "no effect"
    assert an.hypothesis_report(big, "regime.monitoring", bootstrap=300, smallest_effect=0.01).verdict \
        == "inconclusive"


def test_separation_falls_back_on_firth_and_constant_outcome_is_not_supported():
    sep = _runs("iteration.continuation", [0.3, 0.6, 0.9], [0.0, 0.0, 1.0], 15, seed=1)
    rep = an.hypothesis_report(sep, "iteration.continuation")
    assert rep.separated and rep.slope_method == "firth" and np.isfinite(rep.slope)
    assert rep.verdict == "supported" and "separates" in rep.notes
    # extended MLE: the fitted frequencies 0, 0, 1
    assert rep.effect == pytest.approx(1.0, abs=1e-9) and rep.effect_low == pytest.approx(1.0, abs=1e-9)
    const = _runs("iteration.continuation", [0.3, 0.9], [0.0, 0.0], 15, seed=1)
    rep = an.hypothesis_report(const, "iteration.continuation")
    assert rep.verdict == "no effect" and rep.measured_direction == 0 and "no variation" in rep.notes
    assert [rep.effect, rep.effect_low, rep.effect_high] == pytest.approx([0.0] * 3, abs=1e-9)


def test_continuous_metric_uses_spearman_and_ols():
    rng = np.random.default_rng(5)
    x = np.repeat(LEVELS, 20)
    runs = pd.DataFrame({"power.hegemon_share": x, "window_cooperation": 0.3 + 0.4 * x + rng.normal(0, 0.1, x.size)})
    rep = an.hypothesis_report(runs, "power.hegemon_share", metric="window_cooperation")
    assert rep.trend_test == "Spearman" and rep.slope_method == "ols" and rep.verdict == "supported"
    assert rep.slope_low < 0.4 < rep.slope_high and rep.effect == pytest.approx(
        runs[x == 0.9].window_cooperation.mean() - runs[x == 0.1].window_cooperation.mean(), abs=1e-10)
    assert rep.effect_measure == "average marginal effect on mean window_cooperation"


def test_prediction_lookup_and_overrides():
    runs = _runs("epistemic.misperception", [0.0, 0.1, 0.2], [0.8, 0.5, 0.2], 30, seed=3)
    with pytest.raises(ParameterError, match="mechanism"):
        an.hypothesis_report(runs, "epistemic.misperception")
    rep = an.hypothesis_report(runs, "epistemic.misperception", mechanism="H5", direction=-1)
    assert rep.hypothesis == "H5" and rep.verdict == "supported" and "not the mechanism's own" in rep.notes
    rep = an.hypothesis_report(runs, "epistemic.misperception", mechanism="epistemic")
    assert rep.verdict == "reversed"  # the mechanism's DIRECTION is for its own parameter (reach)
    with pytest.raises(ParameterError, match="two levels"):
        an.hypothesis_report(runs[runs["epistemic.misperception"] == 0.0], "epistemic.misperception",
                             direction=-1)


def test_hypothesis_reports_from_one_table_and_from_a_mapping():
    tables = {
        "iteration.continuation": _runs("iteration.continuation", LEVELS, [0.1, 0.3, 0.5, 0.7, 0.9], 20, 1),
        "reciprocity.share": _runs("reciprocity.share", [0.2, 0.5, 0.8], [0.4, 0.4, 0.4], 20, 2),
    }
    out = an.hypothesis_reports(tables, conditions={"iteration.continuation": "PD"})
    assert out["hypothesis"].tolist() == ["H1", "H3"] and len(out) == 2
    assert out.set_index("hypothesis").loc["H3", "conditions"] == "PD"
    grid = _runs("iteration.continuation", LEVELS, [0.1, 0.3, 0.5, 0.7, 0.9], 10, 4, extra={"regime.monitoring": 0})
    grid2 = _runs("iteration.continuation", LEVELS, [0.1, 0.3, 0.5, 0.7, 0.9], 10, 5, extra={"regime.monitoring": 1})
    out = an.hypothesis_reports(pd.concat([grid, grid2]))
    assert out["parameter"].tolist() == ["iteration.continuation", "regime.monitoring"]
    assert "averaged over the design's distribution of regime.monitoring" in out.loc[0, "notes"]
    # one family: Holm over both
    assert (out["family"] == "iteration.continuation, regime.monitoring").all()
    assert out["p_holm"].tolist() == pytest.approx(an.holm(out["p_value"]).tolist())


def test_report_on_real_scenario_runs():
    from coopsim.world.scenario import Scenario

    base = Scenario(n_states=20, periods=60, window=20)
    rows = []
    for i, w in enumerate([0.1, 0.95]):
        sc = base.with_params({"iteration.continuation": w})
        for r in range(3):
            rows.append({"point": i, "replication": r, "iteration.continuation": w, "status": "ok",
                         **sc.run(seed=100 * i + r).summary})
    runs = pd.DataFrame(rows)
    t = an.emergence_table(runs)
    assert t["n"].tolist() == [3, 3]
    rep = an.hypothesis_report(runs, "iteration.continuation")
    assert rep.verdict in an.VERDICTS and rep.n == 6


# ----------------------------------------------------------------------------- Sobol
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# Ishigami & Homma (1990), a = 7, b = 0.1 (Saltelli et al. 2008, Global Sensitivity Analysis, 4.8)
S1_TRUE = [0.3139, 0.4424, 0.0]
ST_TRUE = [0.5576, 0.4424, 0.2437]


def _ishigami_runs(n=1024, second_order=True, replications=1, seed=1):
    pytest.importorskip("SALib")
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    X = sobol_sample.sample(ISHIGAMI, n, calc_second_order=second_order, seed=seed)
    Y = Ishigami.evaluate(X)
    frames = []
    for r in range(replications):
        shift = 0.0 if replications == 1 else (r - (replications - 1) / 2)  # averages back to Y
        df = pd.DataFrame(X, columns=ISHIGAMI["names"])
        frames.append(df.assign(point=np.arange(len(X)), replication=r, window_cooperation=Y + shift, status="ok"))
    return pd.concat(frames, ignore_index=True)


def test_sobol_indices_of_ishigami_match_analytic_values():
    runs = _ishigami_runs()
    s = an.sobol_indices(runs, ISHIGAMI, seed=1)
    assert list(s.columns) == ["parameter", "hypothesis", "S1", "S1_conf", "ST", "ST_conf"]
    assert s["parameter"].tolist() == ["x1", "x2", "x3"]
    np.testing.assert_allclose(s["S1"], S1_TRUE, atol=0.04)
    np.testing.assert_allclose(s["ST"], ST_TRUE, atol=0.04)
    assert (s["S1_conf"] > 0).all() and (s["ST_conf"] > 0).all()
    s2 = an.sobol_interactions(runs, ISHIGAMI, seed=1).set_index(["parameter_1", "parameter_2"])["S2"]
    assert s2["x1", "x3"] == pytest.approx(ST_TRUE[2], abs=0.06)  # the only interaction: x1-x3
    assert abs(s2["x1", "x2"]) < 0.06 and abs(s2["x2", "x3"]) < 0.06


def test_sobol_averages_replications_ignores_errors_and_row_order():
    plain = an.sobol_indices(_ishigami_runs(n=256), ISHIGAMI, seed=2)
    reps = _ishigami_runs(n=256, replications=2)
    failed = reps[reps.replication == 0].assign(status="error", window_cooperation=np.nan, replication=9)
    shuffled = pd.concat([reps, failed]).sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(an.sobol_indices(shuffled, ISHIGAMI, seed=2), plain)


def test_sobol_first_order_design_inferred():
    runs = _ishigami_runs(n=1024, second_order=False)
    s = an.sobol_indices(runs, ISHIGAMI, seed=1)
    np.testing.assert_allclose(s["S1"], S1_TRUE, atol=0.04)
    np.testing.assert_allclose(s["ST"], ST_TRUE, atol=0.04)


def test_sobol_refuses_incomplete_or_misordered_designs():
    runs = _ishigami_runs(n=64)
    broken = runs.copy()
    broken.loc[broken.point == 5, "status"] = "error"
    with pytest.raises(ParameterError, match="points 5"):
        an.sobol_indices(broken, ISHIGAMI)
    swapped = runs.copy()
    swapped["point"] = np.roll(swapped["point"].to_numpy(), 1)
    with pytest.raises(ParameterError, match="Saltelli"):
        an.sobol_indices(swapped, ISHIGAMI)
    with pytest.raises(ParameterError, match="multiple of"):
        an.sobol_indices(runs[runs.point < 99], ISHIGAMI, check_design=False)


def test_sobol_labels_hypotheses():
    runs = _ishigami_runs(n=64).rename(columns={"x1": "regime.monitoring", "x2": "iteration.continuation",
                                                "x3": "n_states"})
    problem = dict(ISHIGAMI, names=["regime.monitoring", "iteration.continuation", "n_states"])
    assert an.sobol_indices(runs, problem)["hypothesis"].tolist() == ["H4", "H3", ""]


def test_sobol_without_salib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "SALib", None)
    monkeypatch.setitem(sys.modules, "SALib.analyze", None)
    with pytest.raises(ImportError, match="pip install"):
        an.sobol_indices(pd.DataFrame({"point": [0], "window_cooperation": [0.5]}), ISHIGAMI)


def test_interval_quantiles_are_the_floats_of_scipy_stats():
    # intervals use scipy.special (no scipy.stats import for coopsim plot), and constants for
    # z at the usual levels (no scipy at all for a Wilson interval): the same numbers
    from coopsim.analysis.intervals import _Z, _t_bounds, _z

    assert set(_Z) == {0.9, 0.95, 0.99}

    n = np.array([0.0, 1, 2, 3, 5, 10, 30, 100, 1000, 1e6])
    sd = np.linspace(0.1, 2.0, n.size)
    for c in (1e-9, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1 - 1e-12):
        assert _z(c) == float(stats.norm.ppf(0.5 + c / 2.0))
        lo, hi = _t_bounds(np.full(n.size, 0.25), sd, n, c)
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stats.t.ppf(0.5 + c / 2.0, np.where(n > 1, n - 1, np.nan)) * sd / np.sqrt(n)
        half = np.where(n > 1, half, np.nan)
        assert np.array_equal(lo, 0.25 - half, equal_nan=True) and np.array_equal(hi, 0.25 + half, equal_nan=True)


def test_analysis_loads_its_modules_on_first_use():
    import subprocess

    code = ("import sys, coopsim.analysis as an; assert 'scipy.stats' not in sys.modules; "
            "an.emergence_table, an.wilson_interval, an.ok_runs; "
            "assert not {'scipy.stats', 'coopsim.analysis.hypotheses'} & set(sys.modules); "
            "from coopsim.analysis import hypothesis_report; "
            "assert an.hypotheses.hypothesis_report is hypothesis_report; "
            "assert set(an.__all__) <= set(dir(an)); [getattr(an, n) for n in an.__all__]")
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        an.no_such_name  # noqa: B018
