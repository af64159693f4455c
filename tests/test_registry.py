"""The strategy registry and the strategies package: named rules identical to the
Scenario's, reciprocity flags, and the deprecated ``coopsim.automata`` path."""
import importlib
import sys
import warnings

import numpy as np
import pytest

import coopsim as cs
from coopsim.strategies import registry
from coopsim.strategies.registry import StrategyContext
from coopsim.world.scenario import GROUP_STRATEGIES, PAIR_STRATEGIES, Scenario


# coopsim 0.1's named group rules (world/scenario.py), kept as the oracle of bit identity
def _group_rule(name: str, n: int, generosity: float) -> np.ndarray:
    """Flat group memory-one rule (2n table + initial) for a named group strategy."""
    j = np.arange(n)
    all_others = (j == n - 1).astype(float)
    if name == "ALLC":
        t, init = np.ones((2, n)), 1.0
    elif name == "ALLD":
        t, init = np.zeros((2, n)), 0.0
    elif name == "TFT":  # cooperate iff all others cooperated (n = 2: tit-for-tat)
        t, init = np.tile(all_others, (2, 1)), 1.0
    elif name == "GTFT":  # ... else forgive with probability q
        t, init = np.tile(np.maximum(all_others, generosity), (2, 1)), 1.0
    elif name == "WSLS":  # stay after full cooperation or after (D, nobody cooperated)
        t, init = np.stack([all_others, (j == 0).astype(float)]), 1.0
    elif name == "CondCoop50":
        t, init = np.tile((j >= np.ceil(0.5 * (n - 1))).astype(float), (2, 1)), 1.0
    elif name == "RANDOM":
        t, init = np.full((2, n), 0.5), 0.5
    else:  # pragma: no cover - validated before
        raise ValueError(name)
    return np.concatenate([t.ravel(), [init]])

def test_builtin_names_in_scenario_order():
    # the built-ins come first (a doctest in the same process may have registered more)
    assert registry.names("pair")[:len(PAIR_STRATEGIES)] == PAIR_STRATEGIES
    assert registry.names("group")[:len(GROUP_STRATEGIES)] == GROUP_STRATEGIES


@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize("generosity", [None, 0.0, 0.2, 1 / 3])
def test_group_rules_bit_identical_to_scenario(n, generosity):
    q = 1 / 3 if generosity is None else generosity
    ctx = StrategyContext(cs.public_goods(n, multiplier=2.0), n_actors=n, generosity=generosity)
    for name in GROUP_STRATEGIES:
        got = registry.build(name, ctx, kind="group").array(n)
        want = _group_rule(name, n, q)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), name


@pytest.mark.parametrize("game", ["prisoners_dilemma", "stag_hunt", "chicken", "donation_game"])
@pytest.mark.parametrize("generosity", [None, 0.1])
def test_pair_rules_bit_identical_to_scenario(game, generosity):
    sc = Scenario(n_states=4, periods=1, window=1, game=game, strategies=PAIR_STRATEGIES,
                  reciprocity={"generosity": generosity})
    ctx = StrategyContext(sc.stage_game(), generosity=generosity)
    got = np.stack([registry.build(name, ctx).array for name in PAIR_STRATEGIES])
    assert got.tobytes() == sc.strategy_rules().tobytes()


def test_group_scenario_rules_use_the_same_rows():
    sc = Scenario(n_states=12, periods=1, window=1, game="public_goods", strategies=GROUP_STRATEGIES,
                  actors={"n_actors": 4})
    ctx = StrategyContext(sc.stage_game(), n_actors=4, generosity=sc.reciprocity.generosity)
    got = np.stack([registry.build(name, ctx, kind="group").array(4) for name in GROUP_STRATEGIES])
    assert got.tobytes() == sc.strategy_rules().tobytes()


def test_reciprocator_flags():
    want_pair = {"TFT", "GTFT", "WSLS", "GRIM"}
    want_group = {"TFT", "GTFT", "WSLS", "CondCoop50"}
    assert {n for n in PAIR_STRATEGIES if registry.get(n).reciprocator} == want_pair
    assert {n for n in GROUP_STRATEGIES if registry.get(n, "group").reciprocator} == want_group
    assert registry.is_reciprocator("GRIM") and not registry.is_reciprocator("EXTORT")
    # objects: MemoryOne p_CC > p_CD; GroupStrategy monotone and not constant; automata declared
    assert registry.is_reciprocator(cs.TFT) and registry.is_reciprocator(cs.gtft())
    assert not registry.is_reciprocator(cs.ALLC) and not registry.is_reciprocator(cs.RANDOM)
    assert not registry.is_reciprocator(cs.MemoryOne((0.2, 0.9, 0.5, 0.5)))
    ctx = StrategyContext(cs.public_goods(4, multiplier=2.0), n_actors=4)
    for name in GROUP_STRATEGIES:
        assert registry.is_reciprocator(registry.build(name, ctx, "group")) == (name in want_group), name
    anti = cs.GroupStrategy(lambda n: np.tile((np.arange(n) < 1).astype(float), (2, 1)), 1.0, "Anti")
    assert not registry.is_reciprocator(anti)
    assert registry.is_reciprocator(cs.strategies.grudger())
    assert not registry.is_reciprocator(cs.Automaton((1.0, 0.0), ((0, 1, 0, 1), (1, 1, 1, 1))))
    assert not registry.is_reciprocator(object())


def test_register_get_and_errors():
    entry = registry.register("TestCautious", lambda ctx: cs.MemoryOne((1, 0.1, 0.6, 0.2), 1, "TestCautious"),
                              reciprocator=True, description="test")
    try:
        assert registry.get("TestCautious") is entry
        assert registry.names()[-1] == "TestCautious"
        res = cs.tournament(["TestCautious", "TFT"], turns=5, repetitions=1)
        assert set(res.players) == {"TestCautious", "TFT"}
        assert registry.build("TestCautious", StrategyContext(cs.prisoners_dilemma())).vector == (1, 0.1, 0.6, 0.2)
        with pytest.raises(cs.ParameterError, match="replace=True"):
            registry.register("TestCautious", entry.factory)
        assert registry.register("TestCautious", entry.factory, replace=True).reciprocator is False
        with pytest.raises(cs.ParameterError, match="one of ALLC, ALLD"):
            registry.get("NoSuchStrategy")
        with pytest.raises(cs.ParameterError, match="kind"):
            registry.names("triple")
    finally:
        registry._REGISTRY["pair"].pop("TestCautious", None)


def test_old_automata_path_warns_and_still_works():
    sys.modules.pop("coopsim.automata", None)
    try:
        with pytest.warns(DeprecationWarning, match="coopsim.strategies.automata .* coopsim.engine.automata"):
            old = importlib.import_module("coopsim.automata")
    finally:  # cs.automata is the lazy name again (the import bound the shim to the package)
        sys.modules.pop("coopsim.automata", None)
        vars(cs).pop("automata", None)
    from coopsim.engine.automata import expected_payoffs
    from coopsim.strategies.automata import grudger

    assert old.grudger is grudger and old.expected_payoffs is expected_payoffs
    v = old.expected_payoffs(old.grudger(), cs.ALLD, cs.prisoners_dilemma(), rounds=10)
    assert v.focal[0] == pytest.approx((0 + 9 * 1) / 10)  # S once, then P


def test_import_is_cheap_and_old_names_remain():
    import subprocess

    code = ("import sys, coopsim, coopsim.strategies as S; "
            "assert not {'scipy', 'pandas', 'axelrod'} & set(sys.modules), sys.modules.keys(); "
            "[getattr(S, n) for n in ('MemoryOne', 'reactive', 'ALLC', 'ALLD', 'TFT', 'STFT', 'WSLS', 'GRIM', "
            "'RANDOM', 'gtft', 'zero_determinant', 'extortionate', 'generous_zd', 'equalizer', 'CLASSICS', "
            "'classic', 'as_array', 'GroupStrategy', 'conditional_cooperator', 'group_allc', 'group_alld')]")
    subprocess.run([sys.executable, "-c", code], check=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cs.Automaton is cs.strategies.automata.Automaton
