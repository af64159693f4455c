"""Run outcomes: emergence flag and period agree; encounters with oneself count once."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopsim.world.outcomes import FORMS, result
from coopsim.world.scenario import Scenario


def _summary(coop, window, threshold=0.7):
    sc = Scenario(n_states=4, periods=len(coop), window=window, threshold=threshold)
    rec = {"cooperation": np.asarray(coop, float), "mean_payoff": np.zeros(len(coop)),
           "inequality": np.zeros(len(coop)), **{f"form_{f}": np.zeros(len(coop)) for f in FORMS}}
    return result(sc, rec, np.zeros((len(coop), 0)), [], None).summary


def test_emergence_period_is_where_cooperation_started_to_hold():
    # trailing 3-period means: .67 1 .67 .33 .33 .67 1 1 -> at or above 0.7 from period 8 on
    s = _summary([0, 1, 1, 1, 0, 0, 1, 1, 1, 1], window=3)
    assert s["emerged"] and s["emergence_period"] == 8
    # reached early (period 3) but lost by the end: not emerged, no period
    s = _summary([1, 1, 1, 1, 0, 0, 0], window=3)
    assert not s["emerged"] and s["emergence_period"] is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.integers(1, 10), st.floats(0, 1))
def test_emerged_exactly_when_an_emergence_period_is_reported(coop, window, threshold):
    window = min(window, len(coop))
    s = _summary(coop, window, threshold)
    assert s["emerged"] == (s["emergence_period"] is not None)
    if s["emerged"]:
        t = s["emergence_period"]
        trailing = [np.mean(coop[u - window + 1: u + 1]) for u in range(t, len(coop))]
        assert window - 1 <= t < len(coop)
        assert all(m >= threshold - 1e-12 for m in trailing[:-1])


def test_self_interaction_counts_the_encounter_with_oneself_once():
    # 3x3 torus, Moore neighbourhood: everyone meets the 8 others and itself (9 encounters);
    # one-shot weak PD R = 1, T = 1.9, S = P = 0 (Nowak & May 1992). With c ALLC states:
    # an ALLC state earns c * 1 / 9, an ALLD state c * 1.9 / 9 per encounter on average.
    sc = Scenario(n_states=9, periods=1, window=1, structure="lattice",
                  structure_params={"neighbourhood": "moore", "self_interaction": True},
                  game="weak_prisoners_dilemma", game_params={"b": 1.9}, strategies=("ALLC", "ALLD"),
                  iteration={"continuation": 0.0}, noise=0.0, engine="exact", revision_rate=0.0, mutation=0.0)
    for seed in range(5):
        res = sc.run(seed=seed)
        states = res.states
        c = int((states["strategy"] == "ALLC").sum())
        expected = np.where(states["strategy"] == "ALLC", c * 1.0 / 9, c * 1.9 / 9)
        assert states["window_payoff"].to_numpy() == pytest.approx(expected, abs=1e-12)
        # cooperation: every C move counted once per encounter side (self: once)
        moves_c = c * 9  # each ALLC state makes one C move in each of its 9 encounters
        assert res.periods["cooperation"].iloc[0] == pytest.approx(moves_c / 81)


def test_forms_of_cooperation_add_up_and_follow_the_attribution_rule():
    base = Scenario(n_states=16, periods=40, window=10, structure="all_pairs")
    plain = base.run(seed=3).periods
    forms = plain[["form_tacit", "form_negotiated", "form_institutional", "form_forced"]]
    assert forms.sum(axis=1).to_numpy() == pytest.approx(plain["cooperation"].to_numpy())
    assert (plain["form_tacit"] == plain["cooperation"]).all()  # no mechanism acts: all tacit
    # every state a member, monitoring on: all cooperation is between members under monitoring
    regime = base.with_params({"regime.membership": 1.0, "regime.monitoring": 0.5}).run(seed=3).periods
    assert (regime["form_institutional"] == regime["cooperation"]).all()
    # a coercive hegemon meets everyone (all pairs): its partners' cooperation is forced, the
    # rest (between other states) tacit; forced share = partners' C moves / all moves
    res = base.with_params({"power.hegemon_share": 0.3, "power.hegemon_role": "coercive"}).run(seed=3)
    p = res.periods
    assert (p["form_forced"] > 0).all() and (p["form_forced"] < p["cooperation"]).all()
    assert (p["form_forced"] + p["form_tacit"]).to_numpy() == pytest.approx(p["cooperation"].to_numpy())
    assert res.summary["window_form_forced"] == pytest.approx(p["form_forced"].iloc[-10:].mean())


def test_cooperation_after_bargaining_is_negotiated():
    base = Scenario(n_states=16, periods=30, window=10, engine="exact", noise=0.0)
    res = base.with_params({"bargaining.at_stake": 1.0}).run(seed=2).periods
    assert (res["form_negotiated"] == res["cooperation"]).all() and (res["form_tacit"] == 0).all()


def test_forms_table_and_figures_follow_the_runs():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from coopsim import forms

    runs = pd.DataFrame({"x": [0, 0, 1, 1], "status": "ok",
                         "window_form_tacit": [0.2, 0.4, 0.1, 0.1], "window_form_negotiated": 0.0,
                         "window_form_institutional": [0.0, 0.0, 0.5, 0.3], "window_form_forced": 0.0})
    t = forms.forms_table(runs, "x")
    assert t["cooperation"].tolist() == pytest.approx([0.3, 0.5])
    assert t["composition_institutional"].tolist() == pytest.approx([0.0, 0.8])
    assert t["runs"].tolist() == [2, 2] and forms.has_explicit_forms(runs)
    ax = forms.forms_by_condition(runs, "x")
    tops = {}
    for p in ax.patches:
        x = round(p.get_x(), 6)
        tops[x] = max(tops.get(x, 0.0), p.get_y() + p.get_height())
    assert [tops[x] for x in sorted(tops)] == pytest.approx([0.3, 0.5])  # stacked bars reach the cooperation rate
    plt.close("all")
    with pytest.raises(Exception):
        forms.forms_table(runs.drop(columns="window_form_forced"))
