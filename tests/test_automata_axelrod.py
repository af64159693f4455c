"""Every coopsim automaton plays move for move as axelrod's player of the same rules, and
its exact payoff is the mean of long sampled matches (issue 9a: TitFor2Tats)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import coopsim as cs
from coopsim.engine.automata import expected_payoffs, play_automata
from coopsim.strategies.automata import Automaton, from_memory_one, grudger, tit_for_two_tats

GAME = cs.prisoners_dilemma()
# coopsim machine -> axelrod class name (GRIM and Grudger agree without noise)
PAIRS = [(grudger(), "Grudger"), (tit_for_two_tats(), "TitFor2Tats"),
         (from_memory_one(cs.ALLC), "Cooperator"), (from_memory_one(cs.ALLD), "Defector"),
         (from_memory_one(cs.TFT), "TitForTat"), (from_memory_one(cs.STFT), "SuspiciousTitForTat"),
         (from_memory_one(cs.WSLS), "WinStayLoseShift"), (from_memory_one(cs.GRIM), "Grudger")]


def fixed_sequence(moves) -> Automaton:
    """A machine that plays ``moves`` (0 = C, 1 = D) whatever happens, then repeats the last."""
    T = len(moves)
    trans = tuple((min(t + 1, T - 1),) * 4 for t in range(T))
    return Automaton(tuple(1.0 - m for m in moves), trans, 0, "Fixed")


# co-player sequences: mostly C with lone defections (a D never follows a D), and a few
# arbitrary ones
lone = st.lists(st.booleans(), min_size=1, max_size=40).map(
    lambda bits: [int(b and (i == 0 or not bits[i - 1])) for i, b in enumerate(bits)])
anything = st.lists(st.integers(0, 1), min_size=1, max_size=40)


@pytest.mark.axelrod
def test_tit_for_two_tats_against_alternator():
    import axelrod as axl

    got = play_automata(tit_for_two_tats(), fixed_sequence([0, 1] * 3), GAME, turns=6, record="actions").actions
    assert got[0, :, 0].tolist() == [0] * 6  # CCCCCC, as axelrod (was CCDCDC)
    hist = axl.Match((axl.TitFor2Tats(), axl.Alternator()), turns=6).play()
    assert [a == axl.Action.C for a, _ in hist] == [True] * 6


@pytest.mark.axelrod
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves=st.one_of(lone, anything))
def test_every_automaton_moves_as_axelrod_against_fixed_sequences(moves):
    import axelrod as axl

    C, D = axl.Action.C, axl.Action.D
    T = len(moves)
    opp = fixed_sequence(moves)
    for auto, cls in PAIRS:
        hist = axl.Match((getattr(axl, cls)(), axl.MockPlayer(actions=[D if m else C for m in moves])),
                         turns=T).play()
        want = [[int(a == D), int(b == D)] for a, b in hist]
        got = play_automata(auto, opp, GAME, turns=T, record="actions").actions[0]
        assert got.tolist() == want, (auto, moves)


def test_exact_payoffs_equal_long_sampled_matches():
    autos = [a for a, _ in PAIRS]
    opps = [cs.ALLC, cs.TFT, fixed_sequence([0, 1] * 20), tit_for_two_tats(), grudger()]
    P = [a for a in autos for _ in opps]
    Q = [b for _ in autos for b in opps]
    n, turns, noise = 3000, 40, 0.05
    v = expected_payoffs(P, Q, GAME, rounds=turns, noise=noise)
    m = play_automata([x for x in P for _ in range(n)], [y for y in Q for _ in range(n)], GAME, turns=turns,
                      noise=noise, seed=20)
    pay = m.focal_payoff.reshape(len(P), n)
    se = pay.std(1) / np.sqrt(n)
    assert np.all(np.abs(pay.mean(1) - v.focal) < 4 * se + 1e-12)
    # geometric lengths: E[total] / E[length] against the ratio of sums
    w = 0.95
    v = expected_payoffs(P, Q, GAME, continuation=w, noise=noise)
    m = play_automata([x for x in P for _ in range(n)], [y for y in Q for _ in range(n)], GAME, continuation=w,
                      noise=noise, seed=21)
    score, L = m.focal_score.reshape(len(P), n), m.lengths.reshape(len(P), n).astype(float)
    ratio = score.sum(1) / L.sum(1)
    # delta-method standard error of a ratio of means
    resid = score - ratio[:, None] * L
    se = resid.std(1) / np.sqrt(n) / L.mean(1)
    assert np.all(np.abs(ratio - v.focal) < 4 * se + 1e-12)
