"""Property tests of the Python API's refusals: NaN, inf, huge magnitudes, negatives, wrong
types, floats for integers and empty lists give a ParameterError naming the parameter —
never a deep numpy error, a silent NaN or a hang (huge sizes are refused by their estimate)."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import coopsim as cs
from coopsim import ParameterError
from coopsim._resources import estimate_run, parse_duration, parse_size
from coopsim.games import (
    chicken,
    collective_risk,
    donation_game,
    n_person_prisoners_dilemma,
    prisoners_dilemma,
    public_goods,
    stag_hunt,
    volunteers_dilemma,
)
from coopsim.strategies.group import conditional_cooperator
from coopsim.strategies.memory_one import MemoryOne, gtft, reactive

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

#: values no real parameter accepts
BAD_REALS = st.one_of(st.just(math.nan), st.just(math.inf), st.just(-math.inf), st.just(1e308), st.just(-1e300),
                      st.floats(min_value=1e6, exclude_min=True, allow_infinity=False),
                      st.text(max_size=3), st.none(), st.lists(st.floats(), max_size=2), st.just([]),
                      st.booleans(), st.just({}), st.just(object()))
#: values no probability accepts
BAD_PROBS = st.one_of(BAD_REALS, st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False),
                      st.floats(min_value=1.000001, allow_nan=False, allow_infinity=False))
#: values no integer parameter (>= 1) accepts
BAD_INTS = st.one_of(st.floats(allow_nan=True), st.integers(max_value=0), st.text(max_size=3), st.none(),
                     st.booleans(), st.just([]), st.just([3]), st.just(10.0), st.just(np.float64(7.0)))


def _refused(fn, *names):
    """fn() raises a ParameterError whose name mentions one of ``names``."""
    with pytest.raises(ParameterError) as info:
        fn()
    assert any(n in str(info.value.name) for n in names), (info.value.name, names, str(info.value))
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------- games
@SETTINGS
@given(key=st.sampled_from("RSTP"), value=BAD_REALS)
def test_2x2_games_refuse_bad_payoffs(key, value):
    for make in (prisoners_dilemma, stag_hunt, chicken):
        _refused(lambda: make(**{key: value}), key)


@SETTINGS
@given(key=st.sampled_from(["b", "c"]), value=st.one_of(BAD_REALS, st.floats(max_value=0, allow_nan=False)))
def test_donation_and_n_player_games_refuse_bad_parameters(key, value):
    _refused(lambda: donation_game(**{key: value}), key)
    _refused(lambda: n_person_prisoners_dilemma(4, **{key: value}), key)
    _refused(lambda: volunteers_dilemma(4, **{key: value}), key)


@SETTINGS
@given(n=BAD_INTS)
def test_n_player_games_refuse_bad_group_sizes(n):
    _refused(lambda: public_goods(n, multiplier=2.0), "n")
    _refused(lambda: n_person_prisoners_dilemma(n), "n")
    _refused(lambda: collective_risk(n, 1, 0.5), "n")


# ----------------------------------------------------------------------------- strategies
@SETTINGS
@given(i=st.integers(0, 4), value=BAD_PROBS)
def test_memory_one_refuses_bad_probabilities(i, value):
    vec = [1.0, 0.0, 1.0, 0.0, 1.0]
    vec[i] = value
    _refused(lambda: MemoryOne(tuple(vec[:4]), vec[4], "S"), "S vector" if i < 4 else "S initial")


@SETTINGS
@given(which=st.sampled_from(["p", "q", "initial"]), value=BAD_PROBS.filter(lambda v: v is not None))
def test_reactive_refuses_bad_probabilities(which, value):
    kw = {"p": 1.0, "q": 0.3, "initial": 1.0, which: value}
    _refused(lambda: reactive(**kw), which)


@SETTINGS
@given(value=BAD_PROBS.filter(lambda v: v is not None))
def test_gtft_refuses_bad_generosity(value):
    _refused(lambda: gtft(q=value), "q")


@SETTINGS
@given(value=st.one_of(BAD_REALS.filter(lambda v: not isinstance(v, float) or not 0 <= v <= 1e6),
                       st.integers(max_value=-1)))
def test_conditional_cooperator_refuses_bad_threshold(value):
    _refused(lambda: conditional_cooperator(value), "threshold", "count")


# ----------------------------------------------------------------------------- Scenario
SCALAR_KEYS = {
    "n_states": BAD_INTS, "periods": BAD_INTS, "window": BAD_INTS,
    "noise": BAD_PROBS, "mutation": BAD_PROBS, "revision_rate": BAD_PROBS, "threshold": BAD_PROBS,
    "selection_intensity": st.one_of(BAD_REALS, st.floats(max_value=-1e-9, allow_nan=False)),
    "regime.monitoring": BAD_PROBS, "reciprocity.share": BAD_PROBS, "iteration.continuation": BAD_PROBS,
    "iteration.rounds": BAD_INTS, "power.coercion": st.one_of(BAD_REALS, st.floats(max_value=-1e-9,
                                                                                     allow_nan=False)),
    "power.hegemon_share": BAD_PROBS, "actors.n_actors": BAD_INTS,
}


@SETTINGS
@given(data=st.data(), key=st.sampled_from(sorted(SCALAR_KEYS)))
def test_with_params_refuses_bad_values_naming_the_parameter(data, key):
    value = data.draw(SCALAR_KEYS[key])
    base = cs.Scenario(n_states=10, periods=20, window=5)
    _refused(lambda: base.with_params({key: value}), key, key.split(".")[0], "iteration")


@SETTINGS
@given(key=st.sampled_from(["n_states", "periods", "noise", "mutation", "selection_intensity"]), value=BAD_REALS)
def test_scenario_refuses_bad_values(key, value):
    kw = {"n_states": 10, "periods": 20, "window": 5, key: value}
    _refused(lambda: cs.Scenario(**kw), key)


@SETTINGS
@given(value=st.one_of(st.just([]), st.just(()), st.just(["NOPE"]), st.just([1.5]), st.just([math.nan])))
def test_scenario_refuses_bad_strategy_lists(value):
    _refused(lambda: cs.Scenario(n_states=10, periods=20, window=5, strategies=value), "strategies")


@SETTINGS
@given(key=st.sampled_from("RSTP"), value=BAD_REALS)
def test_scenario_refuses_bad_payoffs_naming_game_params(key, value):
    _refused(lambda: cs.Scenario(n_states=10, periods=20, window=5, game_params={key: value}), "game_params")


def test_huge_sizes_are_refused_with_the_estimate():
    with pytest.raises(ParameterError, match=r"n_states=1000000000 .*memory limit.*estimated"):
        cs.Scenario(n_states=10**9, periods=20, window=5)
    with pytest.raises(ParameterError, match=r"iteration.rounds=1000000000 .*estimated"):
        cs.Scenario(n_states=10, periods=20, window=5, iteration={"rounds": 10**9})
    with pytest.raises(ParameterError, match=r"iteration.continuation=0.999999999 .*limit.*estimated"):
        cs.Scenario(n_states=10, periods=500, window=5, iteration={"continuation": 1 - 1e-9})


# ----------------------------------------------------------------------------- play / tournament
@SETTINGS
@given(kw=st.one_of(
    st.fixed_dictionaries({"turns": BAD_INTS.filter(lambda v: v is not None)}),
    st.fixed_dictionaries({"continuation": BAD_PROBS.filter(lambda v: v is not None)}),
    st.fixed_dictionaries({"turns": st.just(5), "noise": BAD_PROBS}),
))
def test_play_refuses_bad_inputs(kw):
    _refused(lambda: cs.play(cs.TFT, cs.ALLD, prisoners_dilemma(), **kw), *kw)


@SETTINGS
@given(kw=st.one_of(
    st.fixed_dictionaries({"turns": BAD_INTS.filter(lambda v: v is not None)}),
    st.fixed_dictionaries({"repetitions": BAD_INTS}),
    st.fixed_dictionaries({"noise": BAD_PROBS}),
    st.fixed_dictionaries({"continuation": BAD_PROBS.filter(lambda v: v is not None)}),
))
def test_tournament_refuses_bad_inputs(kw):
    _refused(lambda: cs.tournament([cs.TFT, cs.ALLD], **kw), *kw)


def test_play_and_tournament_refuse_huge_turns_with_the_estimate():
    with pytest.raises(ParameterError, match=r"turns=10000000000000 .*estimated"):
        cs.play(cs.TFT, cs.ALLD, prisoners_dilemma(), turns=10**13)
    with pytest.raises(ParameterError, match=r"turns=.*estimated"):
        cs.tournament([cs.TFT, cs.ALLD, cs.WSLS], turns=10**10, repetitions=100)
    with pytest.raises(ParameterError, match=r"continuation=.*estimated"):
        cs.play(cs.TFT, cs.ALLD, prisoners_dilemma(), continuation=1 - 1e-13)


def test_play_refuses_empty_and_nan_strategies():
    for bad in ([], np.full(5, np.nan), [[0.5] * 4 + [math.inf]]):
        with pytest.raises(ParameterError):
            cs.play(bad, cs.ALLD, prisoners_dilemma(), turns=5)


# ----------------------------------------------------------------------------- helpers
def test_sizes_and_durations():
    assert parse_size("4GB") == 4e9 and parse_size("2GiB") == 2 * 1024 ** 3 and parse_size("512 MB") == 512e6
    assert parse_duration("24h") == 86400 and parse_duration("90min") == 5400
    for bad in ("", "lots", "-1GB", "0GB", True):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_estimates_grow_with_the_sizes():
    small = estimate_run(cs.Scenario(n_states=10, periods=20, window=5))
    big = estimate_run(cs.Scenario(n_states=1000, periods=20, window=5))
    longer = estimate_run(cs.Scenario(n_states=10, periods=20, window=5, iteration={"rounds": 1000}))
    assert big.memory > small.memory and big.seconds > small.seconds and longer.seconds > small.seconds
