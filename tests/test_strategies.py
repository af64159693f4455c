"""Strategy families: published vectors (Press & Dyson 2012, Nowak & Sigmund 1992),
classifier, conversions, validation."""
import numpy as np
import pytest

import coopsim as cs
from coopsim.strategies import as_array


def test_extortion_vector_press_dyson():
    # T6: chi = 3, Axelrod payoffs -> (11/13, 1/2, 7/26, 0)
    e = cs.extortionate(cs.prisoners_dilemma(), chi=3)
    assert np.allclose(e.vector, [11 / 13, 1 / 2, 7 / 26, 0], atol=1e-15)


def test_equalizer_published_examples():
    pd = cs.prisoners_dilemma()
    assert np.allclose(cs.equalizer(pd, 2 / 3, 1 / 3).vector, [2 / 3, 0, 2 / 3, 1 / 3])
    assert np.allclose(cs.equalizer(pd, 3 / 4, 1 / 4).vector, [3 / 4, 1 / 4, 1 / 2, 1 / 4])


def test_tft_is_zd_with_chi_one():
    # TFT = p - (1,1,0,0) = phi[(S_X - l) - (S_Y - l)] with phi = 1/(T-S)
    pd = cs.prisoners_dilemma()
    z = cs.zero_determinant(pd, chi=1, phi=1 / (pd.T - pd.S))
    assert np.allclose(z.vector, cs.TFT.vector)


def test_gtft_uses_the_games_forgiveness():
    assert cs.gtft().vector == pytest.approx((1, 1 / 3, 1, 1 / 3))
    assert cs.gtft(cs.Game(3, 0, 4, 1)).vector[1] == pytest.approx(2 / 3)


def test_classifier():
    assert cs.ALLC.classifier["memory_depth"] == 0
    assert cs.ALLD.classifier["memory_depth"] == 0
    assert cs.TFT.classifier["memory_depth"] == 1 and cs.TFT.classifier["reactive"]
    assert not cs.WSLS.classifier["reactive"]
    assert cs.gtft().classifier["stochastic"] and not cs.TFT.classifier["stochastic"]
    # an ALLC that defects first still needs memory to switch
    assert cs.MemoryOne((1, 1, 1, 1), 0).classifier["memory_depth"] == 1


def test_reactive_is_memory_one_with_equal_rows():
    r = cs.reactive(0.9, 0.2)
    assert r.vector == (0.9, 0.2, 0.9, 0.2)
    # perspective swap: co-player's view of focal states CD and DC
    w = cs.MemoryOne((0.1, 0.2, 0.3, 0.4))
    assert np.allclose(w.seen_by_coplayer(), [0.1, 0.3, 0.2, 0.4])


def test_as_array_shapes():
    arr = as_array([cs.TFT, cs.WSLS])
    assert arr.shape == (2, 5) and np.allclose(arr[1], [1, 0, 0, 1, 1])
    assert np.allclose(as_array(np.array([0.5, 0.5, 0.5, 0.5])), [[0.5] * 5])


def test_conditional_cooperator_tables():
    cc = cs.conditional_cooperator(2)
    t = cc.table(4)
    assert t.shape == (2, 4) and np.allclose(t, [[0, 0, 1, 1], [0, 0, 1, 1]])
    share = cs.conditional_cooperator(0.5)
    assert np.allclose(share.table(5)[0], [0, 0, 1, 1, 1])  # ceil(0.5*4) = 2 others
    with pytest.raises(cs.ParameterError, match="threshold"):
        cs.conditional_cooperator(4).table(3)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: cs.MemoryOne((1, 0, 1)), "strategy vector (p_CC, p_CD, p_DC, p_DD)"),
        (lambda: cs.MemoryOne((1, 0, 1, 1.5)), "strategy vector (p_CC, p_CD, p_DC, p_DD)"),
        (lambda: cs.MemoryOne((1, 0, 1, 0), initial=-0.1), "strategy initial"),
        (lambda: cs.reactive(1.2, 0), "p"),
        (lambda: cs.extortionate(cs.prisoners_dilemma(), chi=0.5), "chi"),
        (lambda: cs.classic("tit for tat"), "strategy"),
        (lambda: as_array([[0, 0, 2, 0]]), "strategies"),
        (lambda: as_array([[0, 0, 1]]), "strategies"),
    ],
)
def test_bad_strategies_name_the_parameter(make, name):
    with pytest.raises(cs.ParameterError) as err:
        make()
    assert err.value.name == name


def test_conditional_cooperator_share_and_count_are_separate_keywords():
    # share s: at least ceil(s (n - 1)) of the n - 1 others; count k: at least k others
    for n in (2, 3, 5, 8):
        j = np.arange(n)
        assert cs.conditional_cooperator(share=1.0).table(n)[0].tolist() == (j >= n - 1).tolist()
        assert cs.conditional_cooperator(share=0.25).table(n)[0].tolist() == (j >= np.ceil(0.25 * (n - 1))).tolist()
        assert cs.conditional_cooperator(count=1).table(n)[0].tolist() == (j >= 1).tolist()
        assert cs.conditional_cooperator(1).table(n).tolist() == cs.conditional_cooperator(count=1).table(n).tolist()
    # 1.0 was read as a head count although documented as a share: now refused, naming the keywords
    with pytest.raises(cs.ParameterError, match=r"share=1 .*count=1"):
        cs.conditional_cooperator(1.0)
    with pytest.raises(cs.ParameterError, match="exactly one"):
        cs.conditional_cooperator(share=0.5, count=2)
    with pytest.raises(cs.ParameterError, match="exactly one"):
        cs.conditional_cooperator()
    with pytest.raises(cs.ParameterError, match="share"):
        cs.conditional_cooperator(share=1.5)
    assert cs.conditional_cooperator(0.5).table(7).tolist() == cs.conditional_cooperator(share=0.5).table(7).tolist()


def test_cond_coop50_rows_unchanged():
    from coopsim.strategies.group import group_rule

    for n in range(2, 10):  # 0.1's rule: cooperate iff at least ceil((n - 1) / 2) others cooperated
        table = np.tile((np.arange(n) >= np.ceil(0.5 * (n - 1))).astype(float), (2, 1))
        assert group_rule("CondCoop50").array(n).tobytes() == np.concatenate([table.ravel(), [1.0]]).tobytes()
