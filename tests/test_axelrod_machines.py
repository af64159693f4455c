"""Native machines of axelrod's finite-state strategies (issue 12) move exactly as axelrod.

Oracle: ``axelrod.Match`` itself. A native machine reproduces a match when, given the
co-player's realised moves as a fixed sequence, it plays the axelrod player's moves; by
induction the whole match is then the same, whoever the co-player is.
"""
import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import coopsim as cs
from coopsim.engine.automata import expected_payoffs, play_automata
from coopsim.strategies.automata import Automaton, cycle, from_axelrod, minimise

pytestmark = pytest.mark.axelrod
GAME = cs.prisoners_dilemma()


@functools.lru_cache(maxsize=None)
def natives():
    """(class, automaton) of every axelrod class whose default instance converts here."""
    import axelrod as axl

    from coopsim.engine.axelrod_bridge import from_axelrod as memory_one

    out = []
    for cls in axl.all_strategies:
        p = cls()
        if memory_one(p) is None:
            a = from_axelrod(p)
            if a is not None:
                out.append((cls, a))
    return tuple(out)


def deterministic_natives():
    import axelrod as axl

    return [(c, a) for c, a in natives() if not axl.Classifiers["stochastic"](c())]


def _moves_against(autos, opp_moves):
    """Actions of each automaton against the fixed sequence ``opp_moves`` (0 = C)."""
    T = len(opp_moves)
    res = play_automata(list(autos), cycle(list(opp_moves)), GAME, turns=T, record="actions")
    return res.actions[:, :, 0]


def test_coverage_is_broad():
    names = {c.__name__ for c, _ in natives()}
    assert len(names) >= 70
    for must in ("EvolvedFSM16", "Fortress4", "Predator", "TF3", "EvolvedLookerUp2_2_2", "PSOGambler2_2_2",
                 "AON2", "DelayedAON1", "CyclerCCD", "NTitsForMTats", "TwoTitsForTat", "HardTitFor2Tats",
                 "GoByMajority5", "MEM2", "Prober", "SoftGrudger", "Handshake"):
        assert must in names


def test_cycle_is_axelrods_cycler():
    import axelrod as axl

    a = cycle("CCD")
    assert a.n_states == 3 and cycle([0, 0, 1]).cooperate == a.cooperate
    got = play_automata(a, cs.ALLD, GAME, turns=7, noise=0.0, record="actions").actions[0, :, 0]
    want = [x.value for x, _ in axl.Match((axl.Cycler("CCD"), axl.Defector()), turns=7).play()]
    assert got.tolist() == want
    with pytest.raises(cs.ParameterError):
        cycle("CXD")


def test_minimise_keeps_behaviour():
    # TitForTat written with a redundant copy of each state
    big = Automaton((1.0, 0.0, 1.0, 0.0), ((2, 1, 2, 1), (0, 3, 0, 3), (0, 1, 0, 1), (2, 3, 2, 3)), 0, "TFTx2")
    small = minimise(big)
    assert small.n_states == 2
    seq = cycle([0, 1, 1, 0, 1, 0, 0, 0, 1])
    a = play_automata([big, small], seq, GAME, turns=9, record="actions").actions
    assert np.array_equal(a[0], a[1])


def _deterministic_opponents():
    import axelrod as axl

    return [c for c in axl.all_strategies if not axl.Classifiers["stochastic"](c())
            and not c.classifier.get("long_run_time", False)]


def _check_against(opponents, turns):
    import axelrod as axl

    det = deterministic_natives()
    for opp_cls in opponents:
        wants, seqs = [], []
        for cls, _ in det:
            hist = axl.Match((cls(), opp_cls()), turns=turns).play()
            wants.append([a.value for a, _ in hist])
            seqs.append([b.value for _, b in hist])
        for (cls, auto), want, seq in zip(det, wants, seqs, strict=True):
            got = _moves_against([auto], seq)[0]
            assert got.tolist() == want, (cls.__name__, opp_cls.__name__)


def test_moves_as_axelrod_against_representative_deterministic_players():
    import axelrod as axl

    reps = [axl.TitForTat, axl.Alternator, axl.Grudger, axl.Defector, axl.Cooperator, axl.CyclerCCD,
            axl.EvolvedFSM16, axl.Gradual, axl.Prober, axl.OmegaTFT, axl.SuspiciousTitForTat, axl.HardProber,
            axl.AntiTitForTat, axl.TF2, axl.Calculator]
    _check_against(reps, 80)


@pytest.mark.slow
def test_moves_as_axelrod_against_every_deterministic_player():
    _check_against(_deterministic_opponents(), 120)


moves = st.lists(st.integers(0, 1), min_size=1, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seq=moves)
def test_moves_as_axelrod_against_random_sequences(seq):
    import axelrod as axl

    det = deterministic_natives()
    got = _moves_against([a for _, a in det], seq)
    C, D = axl.Action.C, axl.Action.D
    for (cls, _), row in zip(det, got, strict=True):
        hist = axl.Match((cls(), axl.MockPlayer(actions=[D if m else C for m in seq])), turns=len(seq)).play()
        assert row.tolist() == [a.value for a, _ in hist], (cls.__name__, seq)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seq=st.lists(st.integers(0, 1), min_size=100, max_size=300))
def test_moves_as_axelrod_against_long_random_sequences(seq):
    test_moves_as_axelrod_against_random_sequences.hypothesis.inner_test(seq)


def test_stochastic_machines_agree_in_distribution():
    """Gamblers / ZDMem2: the cooperation rate against TitForTat agrees with axelrod's."""
    import axelrod as axl

    for name in ("PSOGambler1_1_1", "ZDMem2"):
        cls = getattr(axl, name)
        auto = from_axelrod(cls())
        n_axl, turns = 200, 30
        rates = np.array([sum(a == axl.Action.C for a, _ in axl.Match((cls(), axl.TitForTat()), turns=turns,
                                                                       seed=500 + s).play()) / turns
                          for s in range(n_axl)])
        exact = expected_payoffs(auto, cs.TFT, GAME, rounds=turns).focal_cooperation[0]
        assert abs(rates.mean() - exact) < 4 * rates.std() / np.sqrt(n_axl) + 1e-9, name


def test_exact_payoffs_equal_long_sampled_matches():
    det = [a for _, a in deterministic_natives()][::3]
    stoch = [a for c, a in natives() if a.classifier["stochastic"]]
    P = det + stoch
    Q = [cs.TFT, cycle("CCD"), from_axelrod_name("Predator")]
    pairs = [(p, q) for p in P for q in Q]
    n, turns, noise = 1500, 30, 0.05
    pa, pb = [p for p, _ in pairs], [q for _, q in pairs]
    v = expected_payoffs(pa, pb, GAME, rounds=turns, noise=noise)
    m = play_automata([x for x in pa for _ in range(n)], [y for y in pb for _ in range(n)], GAME, turns=turns,
                      noise=noise, seed=12)
    pay = m.focal_payoff.reshape(len(pairs), n)
    se = pay.std(1) / np.sqrt(n)
    assert np.all(np.abs(pay.mean(1) - v.focal) < 4.5 * se + 1e-12)


def from_axelrod_name(name):
    import axelrod as axl

    return from_axelrod(getattr(axl, name)())


def test_tournament_plays_natives_without_axelrod_matches(monkeypatch):
    import axelrod as axl

    from coopsim.engine import axelrod_bridge

    def refuse(*a, **k):
        raise AssertionError("slow path used")

    monkeypatch.setattr(axelrod_bridge, "play_match", refuse)
    players = [axl.EvolvedFSM4(), axl.Winner12(), axl.AON2(), axl.CyclerCCD(), axl.TitForTat(), axl.PSOGambler1_1_1()]
    r = cs.tournament(players, turns=50, repetitions=3, seed=1)
    assert len(r.summary) == 6
    ex = cs.tournament(players, turns=50, engine="exact")
    assert np.isfinite(ex.payoff_matrix.to_numpy()).all()


def test_tournament_scores_equal_axelrod():
    import axelrod as axl

    classes = [c for c, _ in deterministic_natives()][:20] + [axl.TitForTat, axl.Defector]
    turns = 60
    t = axl.Tournament([c() for c in classes], turns=turns, repetitions=1, seed=1)
    res = t.play(progress_bar=False, processes=1)
    ours = cs.tournament([c() for c in classes], turns=turns, repetitions=1, seed=1)
    pm = ours.payoff_matrix.to_numpy() * turns
    for i in range(len(classes)):
        for j in range(len(classes)):
            if i != j:
                assert res.match_lengths[0][i][j] == turns
    want = np.array([[np.mean(x) for x in row] for row in res.normalised_scores])
    got = ours.summary.sort_values("player_index")["median_normalised_score"].to_numpy()
    assert np.allclose(got, want.ravel() if want.ndim == 1 else want[:, 0])
    assert np.isfinite(pm).all()


def test_play_match_passes_match_attributes():
    import axelrod as axl

    from coopsim.engine.axelrod_bridge import play_match

    # BackStabber defects in the last two rounds it knows of; hiding the length stops it
    told = play_match(axl.BackStabber(), axl.Cooperator(), GAME, turns=10)
    hidden = play_match(axl.BackStabber(), axl.Cooperator(), GAME, turns=10, match_attributes={"length": -1})
    want_told = [x.value for x, _ in axl.Match((axl.BackStabber(), axl.Cooperator()), turns=10).play()]
    want_hidden = [x.value for x, _ in axl.Match((axl.BackStabber(), axl.Cooperator()), turns=10,
                                                 match_attributes={"length": -1}).play()]
    assert told[0].tolist() == want_told and hidden[0].tolist() == want_hidden
    assert want_told != want_hidden
    with pytest.raises(cs.ParameterError):
        play_match(axl.Cooperator(), axl.Cooperator(), GAME, turns=3, match_attributes={"turns": 3})


def test_moran_plays_native_machines():
    import axelrod as axl

    from coopsim.models.moran import exact_fixation_distribution, moran_process

    players = [axl.EvolvedFSM4(), axl.EvolvedFSM4(), axl.CyclerCCD(), axl.CyclerCCD()]
    r = moran_process(players, GAME, turns=20, runs=200, seed=3)
    counts = r.fixation_counts()
    assert counts.sum() == 200
    exact = exact_fixation_distribution(players, GAME, turns=20)
    assert np.isclose(exact.probabilities.sum(), 1.0)
    # the simulated fixation shares agree with the exact chain (binomial error)
    share = counts / 200
    assert np.all(np.abs(share - exact.probabilities) < 4 * np.sqrt(exact.probabilities * (1 - exact.probabilities) / 200) + 0.02)


def test_sparse_chain_equals_dense(monkeypatch):
    from coopsim.engine import automata as engine

    P = [from_axelrod_name("Predator"), from_axelrod_name("EvolvedLookerUp2_2_2"), cycle("CCD")]
    Q = [from_axelrod_name("TF1"), from_axelrod_name("MEM2"), from_axelrod_name("Prober")]
    for kw in ({"rounds": 40}, {"continuation": 0.95}):
        dense = engine.outcome_distribution(P, Q, noise=0.02, **kw)
        monkeypatch.setattr(engine, "_SPARSE_ABOVE", 1)
        sparse = engine.outcome_distribution(P, Q, noise=0.02, **kw)
        monkeypatch.setattr(engine, "_SPARSE_ABOVE", 1500)
        assert np.allclose(dense, sparse, atol=1e-10)
        assert np.allclose(dense.sum(1), 1.0)


def test_machines_follow_realised_moves_under_noise():
    """Noise flips the player's own moves too: each intended move of the axelrod player, driven
    as a noisy ``axelrod.Match`` drives it (strategy, then flipped moves into both histories),
    is the machine's move in the state reached on the realised outcomes."""
    import axelrod as axl

    C, D = axl.Action.C, axl.Action.D
    rng = np.random.default_rng(7)
    for cls, auto in deterministic_natives():
        for _ in range(4):
            T = 60
            opp_moves = rng.integers(0, 2, T)
            flips = rng.random(T) < 0.15
            me, opp = cls(), axl.MockPlayer()
            state = auto.initial_state
            for t in range(T):
                intended = me.strategy(opp).value
                assert intended == int(auto.cooperate[state] == 0.0), (cls.__name__, t)
                own = intended ^ int(flips[t])
                b = int(opp_moves[t])
                me.update_history((C, D)[own], (C, D)[b])
                opp.update_history((C, D)[b], (C, D)[own])
                state = auto.transition[state][2 * own + b]
