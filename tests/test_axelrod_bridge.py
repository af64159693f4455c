"""The axelrod bridge: conversions both ways, identical play, matching distributions.

Design §3: for strategies both sides know, coopsim's fast engine must give *identical*
action sequences to ``axelrod.Match`` for deterministic strategies and matching
distributions for stochastic ones. axelrod is imported once for the module (fixture).
"""
from __future__ import annotations

import itertools
import pickle
import subprocess
import sys

import numpy as np
import pytest

import coopsim as cs
from coopsim._validation import ParameterError
from coopsim.engine import axelrod_bridge as ab
from coopsim.engine import exact

pytestmark = pytest.mark.axelrod

GAME = cs.prisoners_dilemma()  # (3, 0, 5, 1), axelrod's default
TURNS = 200

DET_CLASSICS = [cs.ALLC, cs.ALLD, cs.TFT, cs.STFT, cs.WSLS, cs.GRIM]
CLASSICS = DET_CLASSICS + [cs.RANDOM, cs.gtft()]

# axelrod classes whose conversion is known, with the expected memory-one vector and first move
KNOWN = {
    "Cooperator": ((1, 1, 1, 1), 1),
    "Defector": ((0, 0, 0, 0), 0),
    "TitForTat": ((1, 0, 1, 0), 1),
    "SuspiciousTitForTat": ((1, 0, 1, 0), 0),
    "WinStayLoseShift": ((1, 0, 0, 1), 1),
    "WinShiftLoseStay": ((0, 1, 1, 0), 0),
    "Alternator": ((0, 0, 1, 1), 1),
    "AntiTitForTat": ((0, 1, 0, 1), 1),
    "Bully": ((0, 1, 0, 1), 0),
    "GTFT": ((1, 1 / 3, 1, 1 / 3), 1),
    "Random": ((0.5, 0.5, 0.5, 0.5), 0.5),
    "StochasticWSLS": ((0.95, 0.05, 0.05, 0.95), 1),
    "StochasticCooperator": ((0.935, 0.229, 0.266, 0.42), 1),
    "FirmButFair": ((1, 0, 1, 2 / 3), 1),
    "SoftJoss": ((1, 0.1, 1, 0.1), 1),
    "FirstByJoss": ((0.9, 0, 0.9, 0), 1),
    "NaiveProber": ((0.9, 0, 0.9, 0), 1),
    "ALLCorALLD": ((1, 1, 0, 0), 0.6),
    "Desperate": ((0, 0, 0, 1), 0.5),
    "Hopeless": ((0, 1, 1, 1), 0.5),
    "Willing": ((1, 1, 1, 0), 0.5),
    "FirstByGrofman": ((1, 2 / 7, 2 / 7, 1), 1),
    "ZDExtort2": ((8 / 9, 1 / 2, 1 / 3, 0), 1),
}


@pytest.fixture(scope="module")
def axl():
    import axelrod

    return axelrod


@pytest.fixture(scope="module")
def sampled():
    from coopsim.engine import sampled

    return sampled


@pytest.fixture(scope="module")
def memory_one_classes(axl):
    """axelrod's strategies whose classifier gives memory depth <= 1."""
    return [c for c in axl.strategies if c.classifier.get("memory_depth", np.inf) <= 1]


def _vec(m):
    return np.array([*m.vector, m.initial])


# --------------------------------------------------------------------------- recognition
def test_importing_the_bridge_does_not_import_axelrod():
    code = "import sys, coopsim.engine.axelrod_bridge as b; assert 'axelrod' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_is_axelrod_player(axl):
    assert ab.is_axelrod_player(axl.TitForTat())
    assert ab.is_axelrod_player(ab.to_axelrod(cs.GRIM))
    assert not ab.is_axelrod_player(axl.TitForTat)  # a class, not a player
    assert not ab.is_axelrod_player(cs.TFT)
    assert not ab.is_axelrod_player(None)


# --------------------------------------------------------------------------- (1) round trips
@pytest.mark.parametrize("m", CLASSICS, ids=str)
def test_classics_round_trip(axl, m):
    player = ab.to_axelrod(m)
    back = ab.from_axelrod(player)
    assert back == m  # same vector and first move, exactly
    expected = {"ALLC": axl.Cooperator, "ALLD": axl.Defector, "TFT": axl.TitForTat,
                "STFT": axl.SuspiciousTitForTat, "WSLS": axl.WinStayLoseShift,
                "GTFT": axl.GTFT, "RANDOM": axl.Random, "GRIM": axl.MemoryOnePlayer}[m.name]
    assert type(player) is expected
    # without the classic mapping: the generic MemoryOnePlayer (or its stochastic-start subclass)
    generic = ab.to_axelrod(m, classics=False)
    assert isinstance(generic, axl.MemoryOnePlayer)
    assert ab.from_axelrod(generic) == m


def test_stochastic_first_move_uses_the_subclass(axl):
    m = cs.MemoryOne((1, 1, 0, 0), 0.6)
    player = ab.to_axelrod(m)
    assert type(player).__name__ == "StochasticStartMemoryOnePlayer"
    assert axl.Classifiers["stochastic"](player)
    assert ab.from_axelrod(player) == m
    clone = pickle.loads(pickle.dumps(player))  # axelrod's parallel tournaments pickle players
    assert ab.from_axelrod(clone.clone()) == m
    # its first move is C with probability 0.6 under axelrod's own seeding
    first = [axl.Match((player.clone(), axl.Cooperator()), turns=1, seed=s).play()[0][0] == axl.Action.C
             for s in range(400)]
    assert abs(np.mean(first) - 0.6) < 4 * np.sqrt(0.24 / 400)


def test_axelrod_memory_one_strategies_convert_and_round_trip(axl, memory_one_classes):
    names = {c.__name__ for c in memory_one_classes}
    assert len(names) >= 30
    converted = {}
    for cls in memory_one_classes:
        m = ab.from_axelrod(cls())
        if m is None:
            continue
        converted[cls.__name__] = m
        assert ab.from_axelrod(ab.to_axelrod(m)) == m, cls.__name__
        assert ab.from_axelrod(ab.to_axelrod(m, classics=False)) == m, cls.__name__
    assert len(converted) >= 25
    for name, (vector, initial) in KNOWN.items():
        np.testing.assert_allclose(_vec(converted[name]), [*vector, initial], rtol=0, atol=1e-12,
                                   err_msg=name)
    assert converted["TitForTat"] == cs.TFT and converted["GTFT"] == cs.gtft()
    # axelrod's ZD-Extort-2 (phi=1/9, s=1/2) is coopsim's extortionate chi=2 with phi=1/18
    np.testing.assert_allclose(converted["ZDExtort2"].vector,
                               cs.extortionate(GAME, chi=2, phi=1 / 18).vector, atol=1e-12)


def test_refuses_players_that_are_not_memory_one(axl):
    # classifier memory depth > 1 / infinite
    for cls in (axl.TitFor2Tats, axl.Grudger, axl.Prober, axl.BackStabber):
        assert ab.from_axelrod(cls()) is None, cls.__name__
    # classifier says depth 1, but probing shows otherwise:
    assert ab.from_axelrod(axl.RandomTitForTat()) is None  # alternates between TFT and random
    assert ab.from_axelrod(axl.CyclerDC()) is None  # keeps cycling when noise flips its move
    assert ab.from_axelrod(axl.FirstByAnonymous()) is None  # draws with uniform(): not read exactly


def test_game_dependent_players_read_for_the_game(axl):
    game = cs.prisoners_dilemma(R=4, S=0, T=5, P=1)
    # the ZD family recomputes its four-vector from the game of the match
    expected = cs.extortionate(game, chi=2, phi=1 / 18)  # = axelrod's ZDExtort2 (phi=1/9, s=1/2)
    m = ab.from_axelrod(axl.ZDExtort2(), game=game)
    np.testing.assert_allclose(_vec(m), _vec(expected), atol=1e-12)
    assert not np.allclose(_vec(m), _vec(ab.from_axelrod(axl.ZDExtort2())))  # default game differs
    player = axl.ZDExtort2()
    player.set_match_attributes(game=ab.axelrod_game(game))
    np.testing.assert_allclose(_vec(ab.from_axelrod(player)), _vec(expected), atol=1e-12)
    # axelrod 4.13's GTFT() fixes p from the *default* game when it is created (its
    # receive_match_attributes only sets p while it is None), so in any match it plays
    # p = 1/3; the bridge reports what it plays, not what its docstring suggests
    assert ab.from_axelrod(axl.GTFT(), game=game) == cs.gtft()
    res = axl.Match((axl.GTFT(), axl.Defector()), turns=2000, game=ab.axelrod_game(game), seed=3).play()
    forgiven = np.mean([x == axl.Action.C for x, _ in res[1:]])
    assert abs(forgiven - 1 / 3) < 4 * np.sqrt(2 / 9 / 2000)


def test_axelrod_strategies_catalogue(axl):
    all_ = ab.axelrod_strategies()
    assert axl.TitForTat in all_ and axl.ZDExtort2 in all_ and axl.Random in all_
    assert axl.TitFor2Tats not in all_ and axl.RandomTitForTat not in all_
    det = ab.axelrod_strategies({"stochastic": False})
    assert axl.TitForTat in det and axl.GTFT not in det
    reactive = ab.axelrod_strategies(lambda m: m.classifier["reactive"])
    assert axl.TitForTat in reactive and axl.WinStayLoseShift not in reactive
    assert ab.axelrod_strategies() == all_


def test_errors(axl):
    with pytest.raises(ParameterError):
        ab.to_axelrod(axl.TitForTat())
    with pytest.raises(ParameterError):
        ab.from_axelrod(cs.TFT)
    with pytest.raises(ParameterError):
        ab.play_match(cs.TFT, cs.TFT, GAME)  # neither turns nor continuation
    with pytest.raises(ParameterError):
        ab.play_match(cs.TFT, cs.TFT, GAME, turns=5, continuation=0.5)
    with pytest.raises(ParameterError):
        ab.play_match(cs.TFT, cs.TFT, GAME, continuation=1.0)
    with pytest.raises(ParameterError):
        ab.play_match(cs.TFT, "TFT", GAME, turns=5)
    with pytest.raises(ParameterError):
        ab.play_match(cs.TFT, cs.TFT, GAME.scaled(1, 2), turns=5)


# --------------------------------------------------------------------------- (2) identical sequences
@pytest.fixture(scope="module")
def deterministic_players(axl):
    """(MemoryOne, axelrod player) pairs: coopsim classics and axelrod's deterministic memory-one."""
    pairs = [(m, ab.to_axelrod(m)) for m in DET_CLASSICS]
    for cls in ab.axelrod_strategies({"stochastic": False}):
        player = cls()
        pairs.append((ab.from_axelrod(player), player))
    assert len(pairs) >= 15
    assert all(m.is_deterministic for m, _ in pairs)
    return pairs


def _axelrod_actions(axl, a, b, turns, seed=None, noise=0.0):
    result = axl.Match((a.clone(), b.clone()), turns=turns, seed=seed, noise=noise).play()
    return np.array([(x.value, y.value) for x, y in result], dtype=np.int8)


@pytest.mark.parametrize("seed", [None, 2024])
def test_deterministic_pairs_give_identical_action_sequences(axl, sampled, deterministic_players, seed):
    pairs = list(itertools.product(deterministic_players, repeat=2))
    P = [a[0] for a, _ in pairs]
    Q = [b[0] for _, b in pairs]
    res = sampled.play(P, Q, GAME, turns=TURNS, record="actions", seed=seed)
    assert res.actions.shape == (len(pairs), TURNS, 2)
    assert res.actions.dtype == np.int8
    for k, ((_, pa), (_, pb)) in enumerate(pairs):
        expected = _axelrod_actions(axl, pa, pb, TURNS, seed=seed)
        np.testing.assert_array_equal(res.actions[k], expected, err_msg=f"{pa} vs {pb}")
        np.testing.assert_allclose(res.focal_cooperation[k], 1 - expected[:, 0].mean())
        np.testing.assert_allclose(res.coplayer_cooperation[k], 1 - expected[:, 1].mean())
    # the slow path gives the same sequences
    for (ma, pa), (_, pb) in pairs[:: max(1, len(pairs) // 40)]:
        a, b = ab.play_match(ma, pb, GAME, turns=TURNS, seed=seed)
        np.testing.assert_array_equal(np.stack([a, b], 1), _axelrod_actions(axl, pa, pb, TURNS))


def test_grim_plays_like_grudger_without_noise(axl, sampled, deterministic_players):
    players = [m for m, _ in deterministic_players]
    res = sampled.play([cs.GRIM] * len(players), players, GAME, turns=TURNS, record="actions")
    for k, (_, p) in enumerate(deterministic_players):
        np.testing.assert_array_equal(res.actions[k], _axelrod_actions(axl, axl.Grudger(), p, TURNS))


# --------------------------------------------------------------------------- (3) distributions
N_AXL = 60  # axelrod matches per pair (kept small: axelrod plays ~5k rounds/s here)
N_CS = 20_000  # coopsim matches per pair

STOCHASTIC_PAIRS = [
    ("GTFT", "ZDExtort2"),
    ("StochasticWSLS", "Random"),
    ("ZDExtort2", "TitForTat"),
    ("StochasticCooperator", "WinStayLoseShift"),
    ("FirmButFair", "Random"),
    ("ALLCorALLD", "GTFT"),  # stochastic first move
    ("Desperate", "Willing"),  # stochastic first moves on both sides
    ("FirstByGrofman", "SuspiciousTitForTat"),
]
NOISY_PAIRS = [
    ("TitForTat", "TitForTat"),
    ("TitForTat", "WinStayLoseShift"),
    ("WinStayLoseShift", "Defector"),
    ("GTFT", "ZDExtort2"),
    ("Alternator", "SuspiciousTitForTat"),
]


def _axelrod_rates(axl, a, b, n, noise, seed):
    """Per-match cooperation rates (n, 2) of axelrod's own Matches with seeds seed..seed+n-1."""
    out = np.empty((n, 2))
    for i in range(n):
        acts = _axelrod_actions(axl, a, b, TURNS, seed=seed + i, noise=noise)
        out[i] = 1 - acts.mean(axis=0)
    return out


def _check_rates(axl, sampled, name_a, name_b, noise, seed):
    a, b = getattr(axl, name_a)(), getattr(axl, name_b)()
    ma, mb = ab.from_axelrod(a), ab.from_axelrod(b)
    assert ma is not None and mb is not None
    ax = _axelrod_rates(axl, a, b, N_AXL, noise, seed)
    res = sampled.play([ma] * N_CS, [mb] * N_CS, GAME, turns=TURNS, noise=noise, seed=seed)
    csr = np.stack([res.focal_cooperation, res.coplayer_cooperation], 1)
    ex = exact.payoffs(ma, mb, GAME, rounds=TURNS, noise=noise)
    expected = np.array([ex.focal_cooperation[0], ex.coplayer_cooperation[0]])
    se_ax = ax.std(axis=0, ddof=1) / np.sqrt(N_AXL)
    se_cs = csr.std(axis=0, ddof=1) / np.sqrt(N_CS)
    tol = 1e-9
    # axelrod's mean vs the exact Markov-chain value, and vs the sampled engine's mean
    assert np.all(np.abs(ax.mean(0) - expected) <= 4 * se_ax + tol), (name_a, name_b, ax.mean(0), expected, se_ax)
    assert np.all(np.abs(ax.mean(0) - csr.mean(0)) <= 4 * np.hypot(se_ax, se_cs) + tol), \
        (name_a, name_b, ax.mean(0), csr.mean(0))
    assert np.all(np.abs(csr.mean(0) - expected) <= 4 * se_cs + tol), (name_a, name_b, csr.mean(0), expected)


@pytest.mark.parametrize("pair", STOCHASTIC_PAIRS, ids="-".join)
def test_stochastic_pairs_match_axelrod_in_distribution(axl, sampled, pair):
    _check_rates(axl, sampled, *pair, noise=0.0, seed=1000)


@pytest.mark.parametrize("pair", NOISY_PAIRS, ids="-".join)
def test_noisy_matches_match_axelrod_in_distribution(axl, sampled, pair):
    _check_rates(axl, sampled, *pair, noise=0.05, seed=2000)


# --------------------------------------------------------------------------- (4) slow path
def test_play_match_is_reproducible(axl):
    kw = dict(turns=50, noise=0.05)
    a1 = ab.play_match(axl.ZDExtort2(), cs.RANDOM, GAME, seed=7, **kw)
    a2 = ab.play_match(axl.ZDExtort2(), cs.RANDOM, GAME, seed=7, **kw)
    a3 = ab.play_match(axl.ZDExtort2(), cs.RANDOM, GAME, seed=8, **kw)
    for x, y in zip(a1, a2, strict=True):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == np.int8 and x.shape == (50,)
    assert not all(np.array_equal(x, y) for x, y in zip(a1, a3, strict=True))
    ss = np.random.SeedSequence(11)
    b1 = ab.play_match(cs.RANDOM, cs.RANDOM, GAME, continuation=0.9, seed=ss)
    b2 = ab.play_match(cs.RANDOM, cs.RANDOM, GAME, continuation=0.9, seed=ss)  # not consumed
    np.testing.assert_array_equal(b1[0], b2[0])
    np.testing.assert_array_equal(b1[1], b2[1])


def test_non_memory_one_player_plays_through_play_match(axl):
    tf2t = axl.TitFor2Tats()
    assert ab.from_axelrod(tf2t) is None
    a, b = ab.play_match(tf2t, cs.ALLD, GAME, turns=6, seed=1)
    np.testing.assert_array_equal(a, [0, 0, 1, 1, 1, 1])  # forgives one defection, not two
    np.testing.assert_array_equal(b, [1] * 6)
    a, b = ab.play_match(tf2t, axl.Alternator(), GAME, turns=TURNS)
    np.testing.assert_array_equal(np.stack([a, b], 1), _axelrod_actions(axl, tf2t, axl.Alternator(), TURNS))
    assert len(tf2t.history) == 0  # the original player is untouched (clones are played)


def test_continuation_draws_the_length_and_hides_it(axl):
    w = 0.8
    lengths = [len(ab.play_match(cs.TFT, cs.TFT, GAME, continuation=w, seed=s)[0]) for s in range(300)]
    assert min(lengths) >= 1
    se = np.sqrt(w) / (1 - w) / np.sqrt(len(lengths))  # sd of a geometric length is sqrt(w)/(1-w)
    assert abs(np.mean(lengths) - 1 / (1 - w)) < 4 * se
    # BackStabber defects in the last two rounds when it knows the length ...
    a, _ = ab.play_match(axl.BackStabber(), cs.ALLC, GAME, turns=8)
    np.testing.assert_array_equal(a, [0] * 6 + [1, 1])
    # ... and with a random length it is not told (like axelrod's prob_end)
    for s in range(20):
        a, _ = ab.play_match(axl.BackStabber(), cs.ALLC, GAME, continuation=0.9, seed=s)
        assert not a.any()
