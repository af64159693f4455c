"""Stage games: typology (Oye 1985), equilibria (T13), N-player payoffs, validation."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coopsim as cs
from coopsim.games import equilibria_2x2


@pytest.mark.parametrize(
    "rstp, expected",
    [
        ((3, 0, 5, 1), "prisoners_dilemma"),
        ((5, 0, 3, 1), "stag_hunt"),
        ((3, 1, 5, 0), "chicken"),
        ((5, 3, 3, 1), "harmony"),
        ((1, 0, 5, 3), "deadlock"),
        ((3, 3, 3, 3), "other"),
    ],
)
def test_classifier_names_oye_orderings(rstp, expected):
    assert cs.Game(*rstp).classify() == expected


def test_named_constructors_have_their_type():
    for make, kind in [
        (cs.prisoners_dilemma, "prisoners_dilemma"),
        (cs.stag_hunt, "stag_hunt"),
        (cs.chicken, "chicken"),
        (cs.harmony, "harmony"),
        (cs.deadlock, "deadlock"),
    ]:
        assert make().classify() == kind


def test_donation_game_is_a_pd_with_b_minus_c():
    g = cs.donation_game(3, 1)
    assert g.rstp == (2.0, -1.0, 3.0, 0.0)
    assert g.classify() == "prisoners_dilemma"


# T13 (a): equilibria of the canonical games
def test_pd_and_deadlock_have_mutual_defection_only():
    assert cs.prisoners_dilemma().equilibria() == [(0.0, 0.0)]
    assert cs.deadlock().equilibria() == [(0.0, 0.0)]


def test_harmony_has_mutual_cooperation_only():
    assert cs.harmony().equilibria() == [(1.0, 1.0)]


@pytest.mark.parametrize("rstp, xstar", [((5, 0, 3, 1), Fraction(1, 3)), ((4, 0, 3, 2), Fraction(2, 3)),
                                         ((5, 0, 2, 1), Fraction(1, 4))])
def test_stag_hunt_two_pure_and_mixed_at_xstar(rstp, xstar):
    g = cs.Game(*rstp)
    eq = g.equilibria()
    assert (1.0, 1.0) in eq and (0.0, 0.0) in eq
    mixed = [e for e in eq if 0 < e[0] < 1]
    assert len(mixed) == 1
    assert mixed[0] == pytest.approx((float(xstar), float(xstar)), abs=1e-12)
    assert g.mixed_equilibrium() == pytest.approx(float(xstar), abs=1e-12)


def test_risk_dominance_follows_xstar():
    # x* < 1/2 <=> C risk-dominant (Harsanyi & Selten); T13 numbers
    assert cs.Game(4, 0, 3, 2).risk_dominant() == "D"
    assert cs.Game(5, 0, 2, 1).risk_dominant() == "C"
    assert cs.Game(5, 0, 4, 1).risk_dominant() is None  # R-T = P-S: tie


def test_chicken_two_asymmetric_pure_and_mixed():
    g = cs.Game(3, 1, 5, 0)  # x = (S-P)/((S-P)+(T-R)) = 1/3
    eq = g.equilibria()
    assert (1.0, 0.0) in eq and (0.0, 1.0) in eq
    assert [e for e in eq if 0 < e[0] < 1][0] == pytest.approx((1 / 3, 1 / 3))


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=8, max_size=8))
def test_every_reported_equilibrium_is_a_mutual_best_reply(vals):
    A = np.array(vals[:4]).reshape(2, 2)
    B = np.array(vals[4:]).reshape(2, 2)
    eqs = equilibria_2x2(A, B)
    for x, y in eqs:
        xr, yc = np.array([x, 1 - x]), np.array([y, 1 - y])
        row_vals = A @ yc
        col_vals = xr @ B
        assert xr @ row_vals >= row_vals.max() - 1e-9
        assert col_vals @ yc >= col_vals.max() - 1e-9
    # every 2x2 game has at least one equilibrium (Nash); generic games an odd number
    if np.unique(np.round(A, 12)).size == 4 and np.unique(np.round(B, 12)).size == 4:
        assert len(eqs) % 2 == 1


def test_asymmetric_game_views_and_scaling():
    g = cs.prisoners_dilemma().scaled(2.0, 1.0)
    assert np.allclose(g.focal_payoffs, [6, 0, 10, 2])
    assert np.allclose(g.coplayer_payoffs, [3, 5, 0, 1])  # column's payoffs in row's states
    assert g.equilibria() == [(0.0, 0.0)]
    sym = cs.prisoners_dilemma().as_asymmetric()
    assert np.allclose(sym.coplayer_payoffs, cs.prisoners_dilemma().coplayer_payoffs)


def test_gtft_forgiveness_and_tft_threshold_published_values():
    # T4: q* = 1/3 for Axelrod payoffs; (3,0,4,1): both bounds 2/3
    assert cs.prisoners_dilemma().gtft_forgiveness() == pytest.approx(1 / 3)
    assert cs.Game(3, 0, 4, 1).gtft_forgiveness() == pytest.approx(2 / 3)
    # T1: w* = max(2/4, 2/3) = 2/3; payoffs (3,-1,4,0): 1/4
    assert cs.prisoners_dilemma().tft_stability_threshold() == pytest.approx(2 / 3)
    assert cs.Game(3, -1, 4, 0).tft_stability_threshold() == pytest.approx(1 / 4)


# ---------------------------------------------------------------- N-player games
def test_public_goods_payoffs_and_held_quantity():
    g = cs.public_goods(4, multiplier=3, cost=1)
    # cooperator with k other cooperators: 3*(k+1)/4 - 1 ; defector: 3k/4
    assert np.allclose(g.cooperator, [3 / 4 - 1, 6 / 4 - 1, 9 / 4 - 1, 12 / 4 - 1])
    assert np.allclose(g.defector, [0, 3 / 4, 6 / 4, 9 / 4])
    fixed_pcr = [cs.public_goods(n, per_capita_return=0.5) for n in (2, 5, 10)]
    assert [gg.parameters["multiplier"] for gg in fixed_pcr] == [1.0, 2.5, 5.0]
    fixed_r = [cs.public_goods(n, multiplier=3) for n in (4, 6, 12)]
    assert [gg.parameters["per_capita_return"] for gg in fixed_r] == pytest.approx([0.75, 0.5, 0.25])


def test_public_goods_is_a_dilemma_between_1_and_n():
    g = cs.public_goods(5, multiplier=3)
    # defecting always pays more (r/n < 1) ...
    assert np.all(g.defector > g.cooperator)
    # ... but full cooperation beats full defection (r > 1)
    assert g.cooperator[-1] > g.defector[0]


def test_group_payoffs_match_arrays():
    g = cs.public_goods(3, multiplier=2)
    actions = np.array([[0, 0, 1], [1, 1, 1], [0, 0, 0]])
    pay = g.payoffs(actions)
    assert np.allclose(pay[0], [g.cooperator[1], g.cooperator[1], g.defector[2]])
    assert np.allclose(pay[1], g.defector[0])
    assert np.allclose(pay[2], g.cooperator[2])


def test_n_person_pd_reduces_to_donation_game_for_two():
    assert cs.n_person_prisoners_dilemma(2, b=3, c=1).as_2x2().rstp == cs.donation_game(3, 1).rstp


def test_collective_risk_and_volunteers_dilemma():
    g = cs.collective_risk(6, threshold=3, risk=0.9, endowment=1, contribution=0.1)
    assert g.parameters["convention"] == "santos_pacheco"
    assert g.cooperator[2] == pytest.approx(0.9)  # 3 cooperators with me: threshold met
    assert g.cooperator[1] == pytest.approx(0.1 - 0.1)  # 2 with me: keep 1 w.p. 0.1, pay 0.1 anyway
    assert g.defector[3] == pytest.approx(1.0) and g.defector[2] == pytest.approx(0.1)
    m = cs.collective_risk(6, threshold=3, risk=0.9, endowment=1, contribution=0.1, convention="milinski")
    assert m.cooperator[2] == pytest.approx(0.9)
    assert m.cooperator[1] == pytest.approx(0.1 * 0.9)  # keep the remaining 0.9 w.p. 0.1
    assert np.array_equal(m.defector, g.defector)
    v = cs.volunteers_dilemma(3, b=1, c=0.4)
    assert np.allclose(v.cooperator, 0.6) and np.allclose(v.defector, [0, 1, 1])


def test_mean_payoffs_binomial_mixing():
    g = cs.public_goods(5, multiplier=3)
    pc, pd = g.mean_payoffs(np.array([0.0, 0.5, 1.0]))
    # linear PGG: payoff difference is constant, c(r/n - 1)
    assert np.allclose(pc - pd, 3 / 5 - 1)
    assert pd[0] == pytest.approx(0.0) and pc[2] == pytest.approx(2.0)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: cs.Game("3", 0, 5, 1), "R"),
        (lambda: cs.Game(3, float("nan"), 5, 1), "S"),
        (lambda: cs.prisoners_dilemma(R=6), "payoffs"),
        (lambda: cs.donation_game(1, 3), "b"),
        (lambda: cs.public_goods(1, multiplier=3), "n"),
        (lambda: cs.public_goods(5), "multiplier/per_capita_return"),
        (lambda: cs.public_goods(5, multiplier=2, per_capita_return=0.4), "multiplier/per_capita_return"),
        (lambda: cs.collective_risk(5, threshold=6, risk=0.5), "threshold"),
        (lambda: cs.collective_risk(5, threshold=2, risk=1.5), "risk"),
        (lambda: cs.collective_risk(5, threshold=2, risk=0.5, convention="contribution_at_risk"), "convention"),
        (lambda: cs.prisoners_dilemma(R=1, S=0, T=1.5, P=0), "payoffs"),
        (lambda: cs.n_person_prisoners_dilemma(True), "n"),
    ],
)
def test_bad_parameters_name_the_parameter(make, name):
    with pytest.raises(cs.ParameterError) as err:
        make()
    assert err.value.name == name
    assert "not allowed" in str(err.value) and name in str(err.value)
