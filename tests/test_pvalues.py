"""Bootstrap p-values cannot resolve below 1 / (B + 1): the estimator (1 + k) / (B + 1) with
exact counting oracles, the Holm floor m / (B + 1), and text that shows a value at its
floor as a bound ("< 0.001"), never 0 or 1e-87 — in the report object, the report's table
and the verdict panel."""
import math
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

matplotlib.use("Agg")

from coopsim import analysis as an  # noqa: E402
from coopsim import modelplots  # noqa: E402
from coopsim.reporting import summary_table  # noqa: E402


# ----------------------------------------------------------------------------- the estimator
def test_no_replicate_beyond_the_effect_gives_exactly_the_floor():
    rng = np.random.default_rng(0)
    B, t = 1000, 0.3
    boot = t + rng.uniform(-0.29, 0.29, B)  # every |t* - t| < |t|
    assert an.bootstrap_p(t, boot) == 1 / (B + 1) == an.bootstrap_floor(boot) == an.bootstrap_floor(B)
    # the same for a negative effect, and for a degenerate bootstrap (every replicate equal)
    assert an.bootstrap_p(-t, -boot) == 1 / (B + 1)
    assert an.bootstrap_p(0.8, np.full(B, 0.8)) == 1 / (B + 1)


@pytest.mark.parametrize("k_low, k_high", [(0, 1), (3, 0), (2, 5), (250, 250)])
def test_p_counts_the_replicates_at_least_the_effect_away_on_both_sides(k_low, k_high):
    # replicates at or below 0 and at or above 2t are |t| or more from t; the rest are closer
    t, B = 0.2, 999
    near = np.linspace(0.01, 0.39, B - k_low - k_high)
    boot = np.concatenate([np.full(k_low, 0.0), np.full(k_high, 0.4), near])
    assert an.bootstrap_p(t, boot) == pytest.approx((1 + k_low + k_high) / (B + 1), abs=1e-15)


def test_zero_effect_gives_one_and_non_finite_replicates_do_not_count():
    assert an.bootstrap_p(0.0, [0.1, -0.2, 0.0]) == 1.0
    boot = np.array([0.5, 0.5, np.nan, np.inf, 0.5])
    assert an.bootstrap_p(0.5, boot) == 1 / 4 == an.bootstrap_floor(boot)
    assert math.isnan(an.bootstrap_p(np.nan, boot)) and math.isnan(an.bootstrap_p(0.5, [0.5]))


@given(t=st.floats(-1, 1), boot=st.lists(st.floats(-2, 2), min_size=2, max_size=60))
def test_p_is_on_the_monte_carlo_grid_and_never_below_the_floor(t, boot):
    p = an.bootstrap_p(t, boot)
    B = len(boot)
    assert 1 / (B + 1) <= p <= 1
    k = p * (B + 1) - 1
    assert k == pytest.approx(round(k), abs=1e-9)  # (1 + k) / (B + 1) with a whole k
    # k counts the replicates at least |t| from t (ties up to floating-point rounding either way)
    surely_far = sum(abs(b - t) > abs(t) + 1e-9 for b in boot)
    maybe_far = sum(abs(b - t) >= abs(t) - 1e-9 for b in boot)
    assert surely_far <= round(k) <= maybe_far


# ----------------------------------------------------------------------------- text
def test_a_p_value_at_its_floor_prints_as_a_bound():
    assert an.format_p(1 / 1001, 1 / 1001) == "< 0.001"  # B = 1000
    assert an.format_p(6 / 1001, 6 / 1001) == "< 0.006"  # Holm over six tests
    assert an.format_p(1 / 10001, 1 / 10001) == "< 0.0001"
    assert an.format_p(0.001, 0.001) == "≤ 0.001"  # B = 999: the floor is itself a round number
    assert an.p_text(1 / 1001, 1 / 1001) == "p < 0.001" and an.p_text(0.25, 1 / 1001) == "p = 0.25"
    # above the floor a bootstrap p-value is a number; an asymptotic one without a floor is
    # cut at 0.001
    assert an.format_p(2 / 1001, 1 / 1001) == "0.002"
    assert an.format_p(1e-87) == "< 0.001" and an.format_p(0.0) == "< 0.001"
    assert an.format_p(float("nan")) == "" and an.p_text(float("nan")) == "p = n/a"


@given(p=st.floats(0, 1), B=st.integers(2, 10**6), m=st.integers(1, 12))
def test_printed_bounds_are_true_and_printed_numbers_are_close(p, B, m):
    floor = m / (B + 1)
    if floor > 1:
        return
    p = max(p, floor)  # a bootstrap p-value is never below its floor
    text = an.format_p(p, floor)
    assert text and text != "0" and "e" not in text
    if text.startswith("<"):
        assert p <= floor * (1 + 1e-9) and p < float(text[2:]) <= 10 * floor
    elif text.startswith("≤"):
        assert p <= float(text[2:]) * (1 + 1e-9)
    else:
        assert p > floor and float(text) == pytest.approx(p, rel=0.06, abs=0.006)


# ----------------------------------------------------------------------------- in reports
def _separated_grid(reps=40):
    # emergence 0 at the low and 1 at the high level of both parameters' ends: every bootstrap
    # replicate of each AME equals the estimate, so no replicate lies beyond it
    rows = []
    for i, (m, r) in enumerate([(0.0, 0.05), (0.0, 0.95), (1.0, 0.05), (1.0, 0.95)]):
        rows += [{"point": i, "regime.monitoring": m, "reciprocity.share": r, "emerged": m == 1.0 and r == 0.95}
                 for _ in range(reps)]
    runs = pd.DataFrame(rows)
    runs.attrs["parameters"] = ["regime.monitoring", "reciprocity.share"]
    return runs


def test_reports_store_the_floor_and_print_bounds_not_zero():
    B = 1000
    reps = an.hypothesis_list(_separated_grid(), ["regime.monitoring", "reciprocity.share"], bootstrap=B)
    for r in reps:
        assert r.effect == pytest.approx(0.5) and r.effect_low == r.effect_high == pytest.approx(0.5)
        assert r.p_value == r.p_floor == 1 / (B + 1)
        assert r.p_holm == r.p_holm_floor == 2 / (B + 1)  # Holm over a family of two
        assert r.verdict == "supported"
        text = str(r)
        assert "p < 0.001; Holm-adjusted" in text and "p < 0.002" in text
        assert not re.search(r"p = 0(\.0*)?(\D|$)|e-\d", text)
    table = summary_table(reps)
    assert table["Holm p"].tolist() == ["< 0.002", "< 0.002"]
    fig = modelplots.verdict_panel(reps)
    corner = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert all("Holm p < 0.002" in t for t in corner) and len(corner) == 2
    frame = pd.concat([r.to_frame() for r in reps])
    assert {"p_floor", "p_holm_floor"} <= set(frame.columns)


def test_interaction_p_values_carry_their_floor():
    tab = an.interaction_effects(_separated_grid(), [("regime.monitoring", "reciprocity.share")], bootstrap=200)
    # saturated 2 x 2 model: the interaction (0 at low share, 1 at high) is the same in every replicate
    assert tab.loc[0, "interaction"] == pytest.approx(1.0)
    assert tab.loc[0, "p_value"] == tab.loc[0, "p_floor"] == 1 / 201
