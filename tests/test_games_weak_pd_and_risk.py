"""Issue 9 (3, 4): the weak prisoner's dilemma (Nowak & May 1992) and the two conventions
of the collective-risk dilemma (Santos & Pacheco 2011; Milinski et al. 2008)."""
from math import comb, sqrt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import coopsim as cs
from coopsim import exact as ex
from coopsim.games import weak_prisoners_dilemma


# ---------------------------------------------------------------- weak prisoner's dilemma
def test_weak_pd_is_nowak_may_game():
    assert weak_prisoners_dilemma(1.6).rstp == (1.0, 0.0, 1.6, 0.0)  # R = 1, S = P = 0, T = b
    assert weak_prisoners_dilemma().rstp == (1.0, 0.0, 1.85, 0.0)
    assert weak_prisoners_dilemma(3, R=2, P=1).rstp == (2.0, 1.0, 3.0, 1.0)
    assert weak_prisoners_dilemma().classify() == "weak_prisoners_dilemma"
    # D is a weak best reply to D: both moves earn P = S against a defector
    A = weak_prisoners_dilemma(1.6).payoff_matrix
    assert A[0, 1] == A[1, 1] and A[1, 0] > A[0, 0]


def test_weak_pd_tie_is_exact_and_neighbours_keep_their_names():
    assert cs.Game(1, 0, 1.5, 0).classify() == "weak_prisoners_dilemma"
    assert cs.Game(1, -1e-9, 1.5, 0).classify() == "prisoners_dilemma"  # the old workaround
    assert cs.Game(1, 1e-9, 1.5, 0).classify() == "chicken"
    assert cs.Game(1, 0, 1, 0).classify() == "other"  # T = R as well
    assert cs.Game(0, 0, 1.5, 0).classify() == "other"  # R = P = S


def _old_classify(R, S, T, P):  # coopsim 0.1.0, verbatim ordering rules
    if R > T and S > P:
        return "harmony"
    if R > T > P > S:
        return "stag_hunt"
    if T > R > P > S:
        return "prisoners_dilemma"
    if T > R > S > P:
        return "chicken"
    if T > P > R > S:
        return "deadlock"
    return "other"


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(st.integers(-2, 2), min_size=4, max_size=4))
def test_only_the_weak_pd_changes_name(rstp):
    R, S, T, P = rstp  # small integers: ties are frequent
    new = cs.Game(R, S, T, P).classify()
    if T > R > P == S:
        assert new == "weak_prisoners_dilemma" and _old_classify(R, S, T, P) == "other"
    else:
        assert new == _old_classify(R, S, T, P)


def test_prisoners_dilemma_refuses_p_equal_s_and_names_the_weak_pd():
    with pytest.raises(cs.ParameterError, match="weak_prisoners_dilemma") as err:
        cs.prisoners_dilemma(R=1, S=0, T=1.5, P=0)
    assert err.value.name == "payoffs"
    # other bad orderings keep the old message
    with pytest.raises(cs.ParameterError, match="T > R > P > S") as err:
        cs.prisoners_dilemma(R=6)
    assert "weak" not in str(err.value)


@pytest.mark.parametrize("kw, name", [(dict(b=1.0), "b"), (dict(b=0.5), "b"), (dict(b=2, R=0, P=0), "R"),
                                      (dict(b="2"), "b"), (dict(b=2, P=float("nan")), "P")])
def test_weak_pd_bad_parameters(kw, name):
    with pytest.raises(cs.ParameterError) as err:
        weak_prisoners_dilemma(**kw)
    assert err.value.name == name


@pytest.mark.parametrize("b, qstar", [(1.2, 0.8), (1.5, 0.5), (1.85, 0.15)])
def test_gtft_forgiveness_of_weak_pd(b, qstar):
    """q* = min(2 - b, 1/b) = 2 - b; checked on the exact engine's limit-of-means payoffs."""
    g = weak_prisoners_dilemma(b)
    assert g.gtft_forgiveness() == pytest.approx(qstar, abs=1e-12)
    assert cs.gtft(g).vector == pytest.approx((1, qstar, 1, qstar))
    alternator = cs.MemoryOne((0, 0, 1, 1), 0.0)  # D, C, D, C, ... whatever the co-player does
    for q, sign in [(qstar, 0), (qstar + 0.01, 1), (qstar - 0.01, -1)]:
        gtft = cs.reactive(1, q)
        alt = ex.payoffs(alternator, gtft, g).focal[0]
        alld = ex.payoffs(cs.ALLD, gtft, g).focal[0]
        assert np.sign(round(alt - g.R, 12)) == sign  # the alternator's bound binds ...
        assert alld < g.R  # ... ALLD's (q < 1/b) does not
    with pytest.raises(cs.ParameterError):
        cs.chicken().gtft_forgiveness()


# ---------------------------------------------------------------- collective-risk dilemma
def _pi(j, M, r, b, cb, convention):
    """Payoffs of D and C with j contributors in the group, from the published formulas."""
    theta = 1.0 if j - M >= 0 else 0.0
    pi_d = b * (theta + (1 - r) * (1 - theta))
    if convention == "santos_pacheco":
        pi_c = pi_d - cb  # Santos & Pacheco (2011): Pi_C(j) = Pi_D(j) - c b
    else:  # Milinski et al. (2008): the remaining b - c b is what is at risk
        pi_c = (b - cb) * (theta + (1 - r) * (1 - theta))
    return pi_c, pi_d


def _gradient(x, N, M, r, b, cb, convention):
    """g(x) = x (1 - x) [f_C(x) - f_D(x)], groups of N drawn binomially."""
    w = [comb(N - 1, k) * x**k * (1 - x) ** (N - 1 - k) for k in range(N)]
    f_c = sum(w[k] * _pi(k + 1, M, r, b, cb, convention)[0] for k in range(N))
    f_d = sum(w[k] * _pi(k, M, r, b, cb, convention)[1] for k in range(N))
    return x * (1 - x) * (f_c - f_d)


CASES = [(3, 2, 0.9, 1.0, 0.1), (6, 3, 0.5, 1.0, 0.1), (10, 5, 0.75, 2.0, 0.3), (5, 1, 0.2, 1.0, 0.5),
         (8, 8, 1.0, 1.0, 0.1)]
XS = [0.0, 0.05, 0.2, 0.37, 0.5, 0.81, 0.99, 1.0]


@pytest.mark.parametrize("convention", ["santos_pacheco", "milinski"])
@pytest.mark.parametrize("N, M, r, b, cb", CASES)
def test_collective_risk_replicator_gradient_closed_form(convention, N, M, r, b, cb):
    g = cs.collective_risk(N, M, r, endowment=b, contribution=cb, convention=convention)
    assert g.parameters["convention"] == convention
    # the gradient group_replicator integrates: x (1 - x) (pi_C - pi_D) from mean_payoffs
    pc, pd = g.mean_payoffs(np.array(XS))
    got = np.array(XS) * (1 - np.array(XS)) * (pc - pd)
    want = [_gradient(x, N, M, r, b, cb, convention) for x in XS]
    assert np.allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("convention", ["santos_pacheco", "milinski"])
@pytest.mark.parametrize("N, M, r, b, cb", CASES[:3])
def test_group_replicator_follows_the_closed_form(convention, N, M, r, b, cb):
    g = cs.collective_risk(N, M, r, endowment=b, contribution=cb, convention=convention)
    times = [0.0, 1.0, 5.0, 20.0]
    for x0 in (0.1, 0.5, 0.9):
        got = ex.group_replicator(g, x0, times, rtol=1e-13, atol=1e-15)
        sol = solve_ivp(lambda _, y: [_gradient(y[0], N, M, r, b, cb, convention)], (0, times[-1]), [x0],
                        method="DOP853", t_eval=times, rtol=1e-13, atol=1e-15)
        assert np.allclose(got, sol.y[0], rtol=0, atol=1e-12)


def test_conventions_differ_by_r_c_times_failure_probability():
    # cooperators differ only in failing groups: SP - Milinski = -r c b; defectors agree
    N, M, r, cb = 7, 4, 0.6, 0.2
    sp = cs.collective_risk(N, M, r, contribution=cb)
    mi = cs.collective_risk(N, M, r, contribution=cb, convention="milinski")
    k = np.arange(N)
    assert np.allclose(sp.cooperator - mi.cooperator, np.where(k + 1 < M, -r * cb, 0.0), atol=1e-15)
    assert np.array_equal(sp.defector, mi.defector)


@pytest.mark.parametrize("convention, coop, poly, roots", [
    # f_C - f_D = -1.8 x^2 + 1.8 x - 0.1, roots (1.8 -/+ sqrt(2.52)) / 3.6
    ("santos_pacheco", [0.0, 0.9, 0.9], (-1.8, 1.8, -0.1), ((1.8 - sqrt(2.52)) / 3.6, (1.8 + sqrt(2.52)) / 3.6)),
    # f_C - f_D = -1.71 x^2 + 1.62 x - 0.01, roots (1.62 -/+ sqrt(2.556)) / 3.42
    ("milinski", [0.09, 0.9, 0.9], (-1.71, 1.62, -0.01), ((1.62 - sqrt(2.556)) / 3.42, (1.62 + sqrt(2.556)) / 3.42)),
])
def test_collective_risk_by_hand_n3_m2(convention, coop, poly, roots):
    """N = 3, M = 2, r = 0.9, b = 1, c = 0.1, worked by hand.

    Defector with k = 0, 1, 2 other cooperators: 0.1, 0.1, 1 (j = k < 2 fails, keeps 1 w.p. 0.1).
    Cooperator (j = k + 1): SP 0.1 - 0.1 = 0, then 1 - 0.1 = 0.9 twice; Milinski 0.1 * 0.9 = 0.09.
    f_D = 0.1 (1-x)^2 + 0.2 x (1-x) + x^2 = 0.1 + 0.9 x^2; f_C(SP) = 0.9 (2x - x^2);
    f_C(Milinski) = 0.09 (1-x)^2 + 0.9 (2x - x^2).
    """
    g = cs.collective_risk(3, 2, 0.9, endowment=1, contribution=0.1, convention=convention)
    assert np.allclose(g.cooperator, coop, rtol=0, atol=1e-15)
    assert np.allclose(g.defector, [0.1, 0.1, 1.0], rtol=0, atol=1e-15)
    a, b_, c = poly
    for x in (0.25, 0.5, 0.75):
        pc, pd = g.mean_payoffs(x)
        assert float(pc - pd) == pytest.approx(a * x**2 + b_ * x + c, abs=1e-14)
    assert float(np.subtract(*g.mean_payoffs(0.5))) * 0.25 == pytest.approx(
        {"santos_pacheco": 0.0875, "milinski": 0.093125}[convention], abs=1e-14)
    # interior rest points of the replicator: unstable low, stable high
    diff = lambda x: float(np.subtract(*g.mean_payoffs(x)))  # noqa: E731
    lo, hi = brentq(diff, 1e-6, 0.5, xtol=1e-15), brentq(diff, 0.5, 1 - 1e-6, xtol=1e-15)
    assert (lo, hi) == pytest.approx(roots, abs=1e-12)
    assert ex.group_replicator(g, lo - 1e-3, [0, 5000])[-1] == pytest.approx(0.0, abs=1e-9)
    assert ex.group_replicator(g, lo + 1e-3, [0, 5000])[-1] == pytest.approx(hi, abs=1e-9)
    assert ex.group_replicator(g, 0.99, [0, 5000])[-1] == pytest.approx(hi, abs=1e-9)


def test_collective_risk_refuses_unknown_convention_listing_both():
    with pytest.raises(cs.ParameterError) as err:
        cs.collective_risk(5, 2, 0.5, convention="contribution_at_risk")
    assert err.value.name == "convention"
    assert "'santos_pacheco'" in str(err.value) and "'milinski'" in str(err.value)
