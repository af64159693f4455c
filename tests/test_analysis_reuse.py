"""What the report reuses between its fits gives exactly what fitting from scratch gives:
the bootstrap's resampling draws (shared by the fits of one design), the fits themselves
(the same outcome fitted twice), and the robustness table, which skips the pooled trend
statistics it never kept. Oracles: the draws made as before, one point after the other from
the seeded stream, and the full hypothesis reports."""
import numpy as np
import pandas as pd
import pytest

from coopsim import analysis as an
from coopsim.analysis import models


def _grid(seed=0, reps=(30, 24, 36, 30, 27), two_factors=False):
    """A one-factor grid on regime.monitoring (or a 5 x 2 grid with noise), unequal replications,
    emergence rising with monitoring and a window cooperation rate."""
    rng = np.random.default_rng(seed)
    levels = [0.0, 0.25, 0.5, 0.75, 1.0]
    rows, point = [], 0
    for noise in ([0.0, 0.01] if two_factors else [0.0]):
        for lev, k in zip(levels, reps, strict=True):
            wc = np.clip(rng.normal(0.3 + 0.5 * lev - 10 * noise, 0.25, k), 0.0, 1.0)
            for r in range(k):
                rows.append({"point": point, "replication": r, "regime.monitoring": lev, "noise": noise,
                             "window_cooperation": wc[r], "emerged": bool(wc[r] >= 0.7), "status": "ok"})
            point += 1
    runs = pd.DataFrame(rows)
    runs.attrs["parameters"] = ["regime.monitoring", "noise"] if two_factors else ["regime.monitoring"]
    return runs


def _clear():
    models._DRAWS.clear()
    models._FITS.clear()


def _draws_as_before(seed, B, n):
    """The bootstrap's run counts drawn as the code before the cache did: one point after the
    other from the same seeded stream."""
    rng = models.bootstrap_rng(seed)
    return [rng.multinomial(k, np.full(k, 1.0 / k), size=B) for k in n.astype(int)]


@pytest.mark.parametrize("two_factors", [False, True])
def test_shared_draws_are_the_draws_made_point_by_point(two_factors):
    runs = _grid(1, two_factors=two_factors)
    params = runs.attrs["parameters"]
    _clear()
    fits = [an.fit_design(an.emerged_at(runs, t), parameters=params, bootstrap=300, seed=11) for t in (0.5, 0.7, 0.9)]
    fits.append(an.fit_design(runs, "window_cooperation", parameters=params, bootstrap=300, seed=11))
    assert len(models._DRAWS) == 1  # one set of draws served all four fits
    for fit, metric, table in zip(fits, ["emerged"] * 3 + ["window_cooperation"],
                                  [an.emerged_at(runs, t) for t in (0.5, 0.7, 0.9)] + [runs], strict=True):
        # the oracle: each point's bootstrap total from the draws made as before
        # the design points in the model's order (parameter values, then point number)
        codes = table.groupby([*params, "point"], sort=True).ngroup().to_numpy()
        order = np.argsort(codes, kind="stable")
        y = table[metric].to_numpy(float)[order]
        n = fit.points["n"].to_numpy()
        starts = np.concatenate([[0], np.cumsum(n.astype(int))])
        draws = _draws_as_before(11, 300, n)
        total = np.column_stack([draws[j] @ y[starts[j]:starts[j + 1]] for j in range(len(n))])
        X = fit.matrix(fit.points)
        if fit.family == "binomial":
            expect = an.binomial_newton(X, total, fit.boot_n)
        else:
            info = np.einsum("bm,mi,mj->bij", fit.boot_n, X, X, optimize=True) + 1e-9 * np.eye(X.shape[1])
            expect = np.linalg.solve(info, (total @ X)[:, :, None])[:, :, 0]
        np.testing.assert_array_equal(fit.boot_coef, expect)


def test_a_fit_repeated_or_after_clearing_the_caches_is_identical():
    runs = _grid(2, two_factors=True)
    _clear()
    first = an.fit_design(runs, bootstrap=200, seed=3)
    first.boot_coef[:] = 0.0  # the caller's arrays are its own: the cache keeps its copy
    again = an.fit_design(runs, bootstrap=200, seed=3)
    _clear()
    fresh = an.fit_design(runs, bootstrap=200, seed=3)
    np.testing.assert_array_equal(again.coef, fresh.coef)
    np.testing.assert_array_equal(again.boot_coef, fresh.boot_coef)
    assert np.any(fresh.boot_coef != 0.0) and again.method == fresh.method
    # another seed is another bootstrap, not a cache hit
    other = an.fit_design(runs, bootstrap=200, seed=4)
    assert not np.array_equal(other.boot_coef, fresh.boot_coef)
    np.testing.assert_array_equal(other.coef, fresh.coef)


@pytest.mark.parametrize("two_factors", [False, True])
def test_robustness_equals_the_full_reports_at_each_threshold(two_factors):
    runs = _grid(3, two_factors=two_factors)
    kw = dict(bootstrap=250, seed=5, alpha=0.05, smallest_effect=0.05)
    rob = an.robustness(runs, ["regime.monitoring"], thresholds=(0.5, 0.7, 0.9), **kw)
    _clear()
    keep = ["hypothesis", "parameter", "effect", "effect_low", "effect_high", "p_value", "p_holm", "p_holm_floor",
            "verdict"]
    for t, metric in [(0.5, "emerged"), (0.7, "emerged"), (0.9, "emerged"), (None, "window_cooperation")]:
        table = an.emerged_at(runs, t) if t is not None else runs
        full = an.hypothesis_list(table, ["regime.monitoring"], metric=metric, **kw)
        label = f"emerged >= {t:g}" if t is not None else "window_cooperation"
        got = rob[rob["analysis"] == label].reset_index(drop=True)
        assert not np.isnan(full[0].slope)  # the oracle computed the trend statistics the table leaves out
        for k in keep:
            assert got.loc[0, k] == getattr(full[0], k), (label, k)


def test_a_report_without_trend_statistics_has_the_same_verdict():
    runs = _grid(4)
    full = an.hypothesis_report(runs, "regime.monitoring", bootstrap=200, seed=1)
    light = an.hypothesis_report(runs, "regime.monitoring", bootstrap=200, seed=1, trend=False, n_curve=0)
    for k in ("effect", "effect_low", "effect_high", "p_value", "verdict", "measured_direction", "n", "n_points"):
        assert getattr(light, k) == getattr(full, k)
    assert np.isnan(light.slope) and np.isnan(light.spearman_rho) and light.levels.empty
