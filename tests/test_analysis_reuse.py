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


# ----------------------------------------------------------------------------- tables from arrays
def _numeric_as_before(values):
    return pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce").to_numpy(float)


def _emergence_table_as_before(runs, by, confidence=0.95):
    """The per-group pandas computation emergence_table did before it read the columns once."""
    from coopsim.analysis.columns import _groups, _n_error, ok_runs

    rows = []
    for key, sub in _groups(runs, by):
        ok = ok_runs(sub)
        emerged = _numeric_as_before(ok["emerged"])
        emerged = emerged[~np.isnan(emerged)]
        row = dict(zip(by, key, strict=True))
        row.update(n_runs=len(sub), n=int(emerged.size), n_error=_n_error(sub), n_emerged=int(emerged.sum()))
        if "window_cooperation" in ok.columns:
            wc = _numeric_as_before(ok["window_cooperation"])
            row["window_cooperation"], row["window_cooperation_low"], row["window_cooperation_high"] = \
                an.t_interval(wc, confidence) if (~np.isnan(wc)).any() else (np.nan, np.nan, np.nan)
        if "emergence_period" in ok.columns:
            ep = _numeric_as_before(ok["emergence_period"])
            sel = (_numeric_as_before(ok["emerged"]) == 1) & ~np.isnan(ep)
            row["emergence_period"] = float(ep[sel].mean()) if sel.any() else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    lo, hi = an.wilson_interval(out["n_emerged"].to_numpy(), out["n"].to_numpy(), confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        freq = out["n_emerged"].to_numpy(float) / out["n"].to_numpy(float)
    for offset, (name, values) in enumerate((("emergence", freq), ("emergence_low", lo), ("emergence_high", hi))):
        out.insert(len(by) + 4 + offset, name, values)
    return out


@pytest.mark.parametrize("values", [
    pd.Series([0.5, np.nan, 1.0, -2.0]), pd.Series([1, 0, 3]), pd.Series([True, False, True]),
    pd.Series([True, None, False], dtype="boolean"), pd.Series([1, None, 3], dtype="Int64"),
    pd.Series([0.25, None], dtype="Float64"), pd.Series(["1", "x", None], dtype=object),
    pd.Series([True, 0, 1.0, None], dtype=object), pd.Series(["0.5", None], dtype="string"),
    pd.Series(np.array([2**60, 3], dtype=np.uint64)), pd.Series(np.array([1.5, 2], dtype=np.float32)),
])
def test_numeric_gives_the_floats_of_the_general_conversion(values):
    from coopsim.analysis.columns import _numeric

    np.testing.assert_array_equal(_numeric(values), _numeric_as_before(values))


def test_emergence_table_from_arrays_equals_the_per_group_computation():
    rng = np.random.default_rng(8)
    n = 400
    runs = pd.DataFrame({
        "point": rng.integers(0, 12, n), "x": rng.choice([0.1, 0.5, np.nan], n), "kind": rng.choice(["a", "b"], n),
        "emerged": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
        "window_cooperation": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
        "emergence_period": np.where(rng.random(n) < 0.5, np.nan, rng.integers(10, 90, n).astype(float)),
        "status": rng.choice(["ok", "ok", "ok", "error"], n)})
    runs.loc[runs["x"] == 0.5, "status"] = np.where(runs.loc[runs["x"] == 0.5, "kind"] == "a", "error", "ok")
    runs.attrs["parameters"] = ["x", "kind"]
    for by in (["x", "kind"], ["kind"], ["point"], ["x"]):
        for table in (runs, runs.drop(columns=["status", "emergence_period"]), runs.assign(emerged=runs["emerged"]
                                                                                            .fillna(False).astype(bool))):
            pd.testing.assert_frame_equal(an.emergence_table(table, by=by), _emergence_table_as_before(table, by),
                                          check_exact=True)
    # without grouping columns: one row of everything
    pd.testing.assert_frame_equal(an.emergence_table(runs.assign(all="all"), by="all"),
                                  _emergence_table_as_before(runs.assign(all="all"), ["all"]), check_exact=True)
