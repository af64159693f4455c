"""Round-robin tournaments: hand-derived totals for deterministic classics, axelrod's table
definitions, agreement of the sampled and exact engines, seeds, laziness and errors."""
import subprocess
import sys

import numpy as np
import pytest

import coopsim as cs
from coopsim import ParameterError
from coopsim.engine.tournament import tournament

PD = cs.prisoners_dilemma()
R, S, T, P = PD.rstp
CLASSICS = [cs.ALLC, cs.ALLD, cs.TFT, cs.WSLS, cs.GRIM, cs.STFT]

# totals over 200 turns, derived by hand from the move sequences (player, opponent): (score, opponent's)
HAND_200 = {
    ("TFT", "ALLD"): (199 * P + S, T + 199 * P),          # C then D forever vs D forever
    ("ALLC", "ALLD"): (200 * S, 200 * T),
    ("TFT", "TFT"): (200 * R, 200 * R),
    ("GRIM", "ALLD"): (S + 199 * P, T + 199 * P),
    ("WSLS", "ALLD"): (100 * S + 100 * P, 100 * T + 100 * P),  # WSLS alternates C, D
    ("TFT", "STFT"): (100 * S + 100 * T, 100 * T + 100 * S),   # C D C D ... vs D C D C ...
    ("ALLC", "STFT"): (S + 199 * R, T + 199 * R),
    ("WSLS", "STFT"): (66 * (S + T + P) + S + T, 66 * (T + S + P) + T + S),  # cycle CD, DC, DD
    ("GRIM", "STFT"): (S + T + 198 * P, T + S + 198 * P),      # CD, DC, then DD forever
    ("STFT", "STFT"): (200 * P, 200 * P),
    ("ALLD", "ALLD"): (200 * P, 200 * P),
    ("WSLS", "TFT"): (200 * R, 200 * R),
    ("GRIM", "WSLS"): (200 * R, 200 * R),
    ("ALLC", "WSLS"): (200 * R, 200 * R),
}


def cell(df, a, b):
    rows = df[(df["player"] == a) & (df["opponent"] == b)]
    return rows["score"].to_numpy()


def test_deterministic_classics_score_the_hand_derived_totals():
    r = tournament(CLASSICS, turns=200, repetitions=3, seed=1)
    for (a, b), (sa, sb) in HAND_200.items():
        assert (cell(r.matches, a, b) == sa).all(), (a, b)
        assert (cell(r.matches, b, a) == sb).all(), (b, a)
    assert (r.matches["turns"] == 200).all()
    assert r.payoff_matrix.loc["TFT", "ALLD"] == pytest.approx((199 * P + S) / 200)


def test_tables_follow_axelrods_definitions():
    # 10 turns, hand-derived: per-turn payoffs ALLC: (3, 0) -> 1.5; ALLD: (5, 1.4) -> 3.2;
    # TFT: (3, 0.9) -> 1.95 (self-interactions excluded from the summary, as axelrod)
    r = tournament([cs.ALLC, cs.ALLD, cs.TFT], turns=10, repetitions=2)
    s = r.summary.set_index("player")
    assert r.ranked_names == ["ALLD", "TFT", "ALLC"]
    assert s["median_normalised_score"].to_dict() == pytest.approx({"ALLD": 3.2, "TFT": 1.95, "ALLC": 1.5})
    assert s["rank"].to_dict() == {"ALLD": 1, "TFT": 2, "ALLC": 3}
    assert s["wins"].to_dict() == {"ALLD": 2, "TFT": 0, "ALLC": 0}  # ties are no wins
    assert s["cooperation_rate"].to_dict() == pytest.approx({"ALLD": 0.0, "TFT": 11 / 20, "ALLC": 1.0})
    assert len(r.matches) == 2 * 6 * 2  # 6 pairs with self-play, 2 repetitions, 2 sides
    assert r.payoff_matrix.loc["ALLD", "ALLC"] == 5 and r.payoff_matrix.loc["TFT", "TFT"] == 3


def test_ties_keep_the_order_of_the_players():
    r = tournament([cs.TFT, cs.WSLS, cs.GRIM], turns=50, repetitions=1)
    assert r.ranked_names == ["TFT", "WSLS", "GRIM"]  # all earn R; stable like sorted()


def test_without_self_play_and_duplicate_names():
    r = tournament([cs.TFT, cs.TFT, cs.ALLD], turns=5, repetitions=4, self_play=False)
    assert (r.matches["player_index"] != r.matches["opponent_index"]).all()
    assert r.matches["match"].nunique() == 3 * 4
    assert list(r.players) == ["TFT", "TFT #2", "ALLD"]


def test_exact_engine_agrees_with_the_sampled_tournament_under_noise():
    players = [cs.ALLC, cs.ALLD, cs.TFT, cs.WSLS, cs.GRIM, cs.gtft(), cs.RANDOM]
    kw = dict(turns=100, noise=0.05)
    smp = tournament(players, repetitions=400, seed=21, **kw)
    exa = tournament(players, engine="exact", **kw)
    df = smp.matches
    # per cell: mean over matches (self-play: average the two copies within a match first)
    per_match = df.groupby(["player_index", "opponent_index", "match"])["payoff"].mean()
    stats = per_match.groupby(level=[0, 1]).agg(["mean", "std", "count"])
    for (i, j), row in stats.iterrows():
        se_ij = row["std"] / np.sqrt(row["count"])
        exact_ij = exa.payoff_matrix.iloc[i, j]
        assert abs(row["mean"] - exact_ij) < 4 * se_ij + 1e-12, (players[i].name, players[j].name)
        assert smp.payoff_matrix.iloc[i, j] == pytest.approx(row["mean"])
    assert np.allclose(smp.summary.set_index("player")["cooperation_rate"],
                       exa.summary.set_index("player")["cooperation_rate"], atol=0.02)


def test_exact_and_sampled_tournaments_coincide_without_noise():
    smp = tournament(CLASSICS, turns=200, repetitions=2, seed=3)
    exa = tournament(CLASSICS, turns=200, engine="exact")
    assert np.allclose(smp.payoff_matrix.to_numpy(), exa.payoff_matrix.to_numpy())
    assert smp.ranked_names == exa.ranked_names


def test_geometric_match_lengths_in_a_tournament():
    r = tournament([cs.TFT, cs.ALLD, cs.WSLS], continuation=0.8, repetitions=3000, seed=4)
    L = r.matches.drop_duplicates("match")["turns"]
    assert abs(L.mean() - 5.0) < 4 * L.std() / np.sqrt(len(L))
    # expected totals with w: TFT vs ALLD = S + P w/(1-w) per match, so per expected turn:
    exa = tournament([cs.TFT, cs.ALLD, cs.WSLS], continuation=0.8, engine="exact")
    assert exa.payoff_matrix.loc["TFT", "ALLD"] == pytest.approx((S + P * 0.8 / 0.2) * 0.2)
    tft = r.matches[(r.matches["player"] == "TFT") & (r.matches["opponent"] == "ALLD")]
    assert abs(tft["score"].mean() - (S + P * 4)) < 4 * tft["score"].std() / np.sqrt(len(tft))


def test_same_seed_same_tournament():
    players = [cs.TFT, cs.gtft(), cs.RANDOM, cs.WSLS]
    a = tournament(players, turns=30, repetitions=5, noise=0.1, seed=0)
    b = tournament(players, turns=30, repetitions=5, noise=0.1, seed=0)
    c = tournament(players, turns=30, repetitions=5, noise=0.1, seed=1)
    ss = np.random.SeedSequence(7)
    d = tournament(players, turns=30, repetitions=5, noise=0.1, seed=ss)
    e = tournament(players, turns=30, repetitions=5, noise=0.1, seed=ss)
    assert a.matches.equals(b.matches) and d.matches.equals(e.matches)
    assert not a.matches["score"].equals(c.matches["score"])


def test_memory_one_tournaments_do_not_import_axelrod():
    code = ("import sys, coopsim as cs; from coopsim.engine.tournament import tournament; "
            "tournament([cs.TFT, cs.ALLD, 'WSLS'], turns=20, repetitions=2, seed=1); "
            "tournament([cs.TFT, cs.ALLD], turns=20, engine='exact'); "
            "print('axelrod' in sys.modules, 'coopsim.engine.axelrod_bridge' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("kwargs,name", [
    (dict(turns=0), "turns"),
    (dict(turns=None), "turns"),
    (dict(turns=100, continuation=0.9), "turns"),
    (dict(continuation=1.0), "continuation"),
    (dict(repetitions=0), "repetitions"),
    (dict(noise=1.5), "noise"),
    (dict(engine="fast"), "engine"),
    (dict(engine="exact", noise=0.7), "noise"),
])
def test_bad_parameters_name_the_parameter(kwargs, name):
    with pytest.raises(ParameterError) as err:
        tournament([cs.TFT, cs.ALLD], **kwargs)
    assert err.value.name == name


def test_bad_players():
    with pytest.raises(ParameterError, match="players"):
        tournament([], turns=5)
    with pytest.raises(ParameterError, match="strategy"):
        tournament([cs.TFT, "NoSuchStrategy"], turns=5)
    with pytest.raises(ParameterError, match="game"):
        tournament([cs.TFT, cs.ALLD], cs.public_goods(3, multiplier=2.0), turns=5)


# --------------------------------------------------------------------------- axelrod (slow import)
@pytest.mark.slow
@pytest.mark.axelrod
def test_same_tables_as_axelrod_tournament_for_deterministic_players():
    import axelrod as axl

    players = [axl.Cooperator(), axl.Defector(), axl.TitForTat(), axl.WinStayLoseShift(), axl.Grudger(),
               axl.SuspiciousTitForTat(), axl.Alternator(), axl.TitFor2Tats()]  # TF2T: not memory-one
    ours = tournament(players, turns=200, repetitions=2, seed=1)
    ref = axl.Tournament([p.clone() for p in players], turns=200, repetitions=2, seed=1).play(
        progress_bar=False, processes=None)
    assert ours.ranked_names == ref.ranked_names
    assert np.allclose(ours.payoff_matrix.to_numpy(), np.array(ref.payoff_matrix))
    s = ours.summary.sort_values("player_index")
    assert np.allclose(s["median_normalised_score"], [np.median(x) for x in ref.normalised_scores])
    assert np.allclose(s["wins"], [np.median(x) for x in ref.wins])
    assert np.allclose(s["cooperation_rate"], ref.cooperating_rating)


@pytest.mark.axelrod
def test_native_automata_play_on_the_automaton_engine_and_match_axelrods_tournament(monkeypatch):
    import axelrod as axl

    from coopsim.engine import axelrod_bridge
    from coopsim.strategies.automata import grudger, tit_for_two_tats

    def refuse(*args, **kwargs):  # no slow path: every pair is memory-one or finite-state
        raise AssertionError("played by axelrod's rules")

    monkeypatch.setattr(axelrod_bridge, "play_match", refuse)
    players = [axl.Grudger(), axl.TitFor2Tats(), axl.TitForTat(), axl.Alternator(), axl.Defector(),
               axl.SuspiciousTitForTat()]
    ours = tournament(players, turns=30, repetitions=2, seed=3)
    ref = axl.Tournament([p.clone() for p in players], turns=30, repetitions=2, seed=3).play(
        progress_bar=False, processes=None)
    assert ours.ranked_names == ref.ranked_names
    np.testing.assert_allclose(ours.payoff_matrix.to_numpy(), np.array(ref.payoff_matrix), atol=1e-12)
    s = ours.summary.sort_values("player_index")
    np.testing.assert_allclose(s["median_normalised_score"], [np.median(x) for x in ref.normalised_scores])
    np.testing.assert_allclose(s["wins"], [np.median(x) for x in ref.wins])
    np.testing.assert_allclose(s["cooperation_rate"], ref.cooperating_rating)
    # coopsim's own automata give the same table, and the exact engine the same expected values
    mine = tournament([grudger(), tit_for_two_tats(), "TFT", axl.Alternator(), "ALLD", "STFT"], turns=30,
                      repetitions=2, seed=3)
    np.testing.assert_allclose(mine.payoff_matrix.to_numpy(), ours.payoff_matrix.to_numpy(), atol=1e-12)
    exact = tournament(players, turns=30, engine="exact")
    np.testing.assert_allclose(exact.payoff_matrix.to_numpy(), ours.payoff_matrix.to_numpy(), atol=1e-12)


@pytest.mark.axelrod
def test_native_automata_under_noise_agree_with_axelrod_in_distribution():
    import axelrod as axl

    players = [axl.Grudger(), axl.TitFor2Tats(), axl.TitForTat()]
    ours = tournament(players, turns=50, repetitions=400, noise=0.05, seed=4)
    ex = tournament(players, turns=50, noise=0.05, engine="exact")
    ref = axl.Tournament([p.clone() for p in players], turns=50, repetitions=40, noise=0.05, seed=4).play(
        progress_bar=False, processes=None)
    m = ours.matches
    for (i, j), value in np.ndenumerate(ex.payoff_matrix.to_numpy()):
        if i == j:
            continue
        rows = m[(m.player_index == i) & (m.opponent_index == j)].payoff
        assert abs(rows.mean() - value) < 4 * rows.std() / np.sqrt(len(rows)) + 1e-12
        theirs = np.array(ref.payoff_matrix)[i][j]  # axelrod: mean over its 40 repetitions
        assert abs(theirs - value) < 4 * rows.std() / np.sqrt(40)
