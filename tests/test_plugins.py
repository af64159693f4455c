"""The plug-in world: a mechanism, a strategy and an update rule defined here, outside the
package, run in scenarios; every mechanism acts or refuses, never silently ignored."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

import coopsim as cs
from coopsim.strategies import registry as strategy_registry
from coopsim.world import mechanisms, updates
from coopsim.world.mechanisms import Mechanism
from coopsim.world.scenario import Scenario
from coopsim.world.updates import UpdateRule

SMALL = dict(n_states=12, periods=30, window=10)


# ------------------------------------------------------------------ an outside mechanism
@dataclass(frozen=True)
class Shaming(Mechanism):
    """Every defection seen costs its author ``penalty`` per round (a test mechanism)."""

    HYPOTHESIS = "T1"
    NAME = "shaming"
    PREDICTION = "public shaming -> more cooperation"
    PARAMETER = "shaming.penalty"
    STREAM = 41
    PERIOD_COLUMNS = ("shamed",)
    SETTINGS = {**Mechanism.SETTINGS, "population": ("finite",)}

    penalty: float = 0.0
    visibility: float = 1.0

    @property
    def is_neutral(self) -> bool:
        return self.penalty == 0.0

    def setup(self, world, ns):
        world.add_column("shamed")
        ns.count = 0.0

    def charges(self, world, ns, play):
        seen = world.stream(self).random(play.E) < self.visibility
        play.charges += self.penalty * play.defect * seen[:, None]
        ns.count = float((play.defect * seen[:, None]).mean())

    def record(self, world, ns, t):
        world.records["shamed"][t] = getattr(ns, "count", 0.0)


@pytest.fixture
def shaming():
    mechanisms.register(Shaming)
    yield Shaming
    mechanisms.unregister("shaming")


def test_outside_mechanism_neutral_is_bit_identical_and_active_acts(shaming):
    base = Scenario(**SMALL)
    plain = base.run(seed=3)
    neutral = base.with_params({"shaming.penalty": 0.0}).run(seed=3)
    pd.testing.assert_frame_equal(plain.periods, neutral.periods)
    assert (neutral.periods["shamed"] == 0).all()
    active = base.with_params({"shaming.penalty": 3.0}).run(seed=3)
    assert active.periods["shamed"].gt(0).any()
    assert not np.array_equal(active.periods["cooperation"], plain.periods["cooperation"])
    # payoffs per round are lowered exactly by the penalty on defections seen (visibility 1)
    assert active.scenario.mechanism("shaming").penalty == 3.0


def test_outside_mechanism_section_round_trips_and_refuses_what_it_cannot_do(shaming):
    sc = Scenario.from_dict({**SMALL, "shaming": {"penalty": 1.5}})
    assert sc.to_dict()["shaming"] == {"penalty": 1.5, "visibility": 1.0}
    assert Scenario.from_dict(sc.to_dict()) == sc
    with pytest.raises(cs.ParameterError) as err:
        sc.with_params({"update": "replicator", "strategies": ["TFT", "ALLD"]})
    assert err.value.name == "shaming" and "replicator" in str(err.value)
    with pytest.raises(cs.ParameterError) as err:
        sc.with_params({"shaming.strength": 1})
    assert err.value.name == "shaming.strength"


def test_outside_mechanism_needs_a_free_stream():
    @dataclass(frozen=True)
    class Clash(Mechanism):
        NAME = "clash"
        STREAM = 1  # the regime's

    with pytest.raises(cs.ParameterError) as err:
        mechanisms.register(Clash)
    assert "regime" in str(err.value)
    assert "clash" not in mechanisms.REGISTRY


def test_unregistered_section_is_refused_naming_it():
    with pytest.raises(cs.ParameterError) as err:
        Scenario.from_dict({"shaming": {"penalty": 1.0}})
    assert err.value.name == "shaming"


# ------------------------------------------------------------------ outside strategies
def test_registered_strategy_name_and_strategy_objects_play_in_scenarios():
    cautious = cs.MemoryOne((1, 0.1, 0.6, 0.2), 1, "Wary")
    strategy_registry.register("Wary", lambda ctx: cautious, reciprocator=True, replace=True)
    by_name = Scenario(strategies=("ALLD", "Wary"), **SMALL).run(seed=5)
    by_object = Scenario(strategies=("ALLD", cautious), **SMALL).run(seed=5)
    # the object is a reciprocator by its classifier (p_CC > p_CD): same kernel, same run
    pd.testing.assert_frame_equal(by_name.periods, by_object.periods)
    assert "share_Wary" in by_name.periods.columns
    weighted = Scenario(strategies=("ALLD", cautious), reciprocity={"share": 0.9}, **SMALL)
    assert np.allclose(weighted.kernel(), [0.1, 0.9])


def test_group_strategy_object_plays_in_group_games():
    cc = cs.conditional_cooperator(share=0.5, name="Half")
    sc = Scenario(game="public_goods", actors={"n_actors": 4}, strategies=("ALLD", cc), **SMALL)
    named = Scenario(game="public_goods", actors={"n_actors": 4}, strategies=("ALLD", "CondCoop50"), **SMALL)
    assert np.array_equal(sc.strategy_rules()[1], named.strategy_rules()[1])


def test_wrong_kind_of_strategy_object_is_refused():
    with pytest.raises(cs.ParameterError) as err:
        Scenario(game="public_goods", actors={"n_actors": 3}, strategies=("ALLD", cs.TFT), **SMALL)
    assert err.value.name == "strategies" and "GroupStrategy" in str(err.value)


# ------------------------------------------------------------------ an outside update rule
@dataclass(frozen=True)
class Frozen(UpdateRule):
    NAME = "frozen"
    DESCRIPTION = "nobody revises (a test rule)"

    def revise(self, world, payoffs):
        return np.arange(world.n)


def test_outside_update_rule_runs_with_one_signature():
    updates.register(Frozen(), replace=True)
    try:
        res = Scenario(update="frozen", mutation=0.0, **SMALL).run(seed=2)
        shares = res.periods.filter(like="share_").to_numpy()
        assert np.all(shares == shares[0])  # no revision and no mutation: the population never moves
        with pytest.raises(cs.ParameterError) as err:  # perceived payoffs need a rule that compares them
            Scenario(update="frozen", epistemic={"payoff_bias": 1.0}, **SMALL)
        assert err.value.name == "epistemic.payoff_bias"
    finally:
        updates.REGISTRY.pop("frozen")


# ------------------------------------------------------------------ act or refuse, never ignore
ACTIVE = {
    "reciprocity": {"reciprocity.share": 0.9},
    "reciprocity_matched": {"reciprocity.conditional": 0.1, "reciprocity.cooperators": 0.8},
    "iteration": {"iteration.continuation": 0.5},
    "actors": {"actors.n_actors": 3},
    "regime": {"regime.membership": 1.0, "regime.monitoring": 0.8, "regime.sanction": 2.0},
    "epistemic": {"epistemic.reach": 0.2, "epistemic.misperception": 0.3},
    "epistemic_bias": {"epistemic.reach": 0.2, "epistemic.payoff_bias": 2.0},
    "epistemic_consensus": {"epistemic.reach": 0.8, "epistemic.consensus": "defective", "epistemic.accuracy": 0.0},
    "power": {"power.hegemon_share": 0.5, "power.hegemon_role": "coercive"},
    "regime_peer": {"regime.membership": 1.0, "regime.peer_sanction": 0.5, "regime.peer_cost": 0.1},
    "regime_exclude": {"regime.membership": 1.0, "regime.monitoring": 1.0, "regime.exclusion": "exclude"},
    "regime_choice": {"regime.membership": 0.5, "regime.membership_choice": True, "regime.dues": 0.5},
    "power_k_major": {"power.distribution": "k_major", "power.k": 3, "power.major_share": 0.6,
                      "power.hegemon_role": "coercive", "power.coercion": 5.0, "power.budget": None},
    "power_deference": {"power.hegemon_share": 0.5, "power.deference": 0.5},
    "domestic": {"domestic.veto_players": 3, "domestic.hawkishness": 0.3, "domestic.spread": 0.2},
    "relative_gains": {"relative_gains.weight": 0.5, "relative_gains.spread": 0.5},
    "bargaining": {"bargaining.at_stake": 10.0},
    "linkage": {"linkage.second_game": "stag_hunt", "linkage.strength": 1.0},
}
SETTINGS = [
    dict(update=u, game=g, engine=e)
    for u in ("fermi", "moran_bd", "moran_db", "best_neighbour", "replicator")
    for g in ("prisoners_dilemma", "public_goods")
    for e in ("sampled", "exact")
]


def _base(setting):
    group = setting["game"] == "public_goods"
    strategies = ["ALLC", "ALLD", "TFT", "CondCoop50"] if group else ["ALLC", "ALLD", "TFT", "WSLS"]
    params = {**setting, "strategies": strategies, "n_states": 12, "periods": 25, "window": 5,
              "selection_intensity": 2.0}
    if group:
        params["actors.n_actors"] = 3
    return params


@pytest.mark.parametrize("mech", sorted(ACTIVE))
def test_every_mechanism_acts_or_refuses_under_every_setting(mech):
    acted = refused = 0
    for setting in SETTINGS:
        params = _base(setting)
        try:
            neutral = Scenario().with_params(params)
        except cs.ParameterError:
            continue  # the setting itself is invalid (e.g. exact engine with a group game)
        change = dict(ACTIVE[mech])
        if mech == "actors" and setting["game"] == "public_goods":
            change = {"actors.n_actors": 4}
        try:
            active = Scenario().with_params({**params, **change})
        except cs.ParameterError as err:
            assert err.name.split(".")[0] in (mech, mech.split("_")[0], "actors"), (setting, str(err))
            refused += 1
            continue
        a, b = active.run(seed=11), neutral.run(seed=11)
        same = a.periods.drop(columns="period").equals(b.periods.drop(columns="period"))
        assert not same, f"{mech} accepted {setting} but changed nothing"
        acted += 1
    assert acted > 0


def test_outside_mechanism_runs_from_an_experiment_file(shaming, tmp_path):
    from coopsim.experiments import load_experiment, run_experiment

    path = tmp_path / "shaming.toml"
    path.write_text("""
[experiment]
name = "shaming"
replications = 2
seed = 9
record_periods = true

[scenario]
n_states = 12
periods = 30
window = 10
shaming = { visibility = 0.5 }

[design]
kind = "grid"
[design.parameters]
"shaming.penalty" = [0.0, 2.0]
""", encoding="utf-8")
    exp = load_experiment(path)
    res = run_experiment(exp, output=tmp_path / "out", progress=False)
    runs = res.runs
    assert "shaming.penalty" in runs.attrs["parameters"]
    assert sorted(runs["shaming.penalty"].unique()) == [0.0, 2.0]
    assert (runs["status"] == "ok").all()
    periods = res.periods
    shamed = periods.groupby("shaming.penalty")["shamed"].max()
    assert shamed.loc[0.0] == 0 and shamed.loc[2.0] > 0
    # the penalty-free point is the plain scenario, run for run
    plain = Scenario(n_states=12, periods=30, window=10)
    first = runs[runs["shaming.penalty"] == 0.0].sort_values("replication").iloc[0]
    from coopsim.experiments.runner import run_seed

    seed = run_seed(9, int(first["point"]), int(first["replication"]))
    assert plain.run(seed=seed).summary["window_cooperation"] == pytest.approx(first["window_cooperation"], abs=0)
    with pytest.raises(Exception) as err:  # a misspelt parameter of the outside section names it
        load_experiment(path.write_text(path.read_text().replace("visibility", "visibilty")) and path)
    assert "shaming.visibilty" in str(err.value)


@dataclass(frozen=True)
class Ratification(Mechanism):
    """A cooperative move fails ratification with probability ``failure`` (a test mechanism)."""

    NAME = "ratification"
    failure: float = 0.0

    @property
    def is_neutral(self):
        return self.failure == 0.0

    def setup(self, world, ns):
        if self.is_active:
            world.declare_transform("ratification", lambda rows: rows * (1 - self.failure))

    def perceive(self, world, ns, sides):
        sides.transform(np.ones(sides.enc.shape, dtype=bool), "ratification")


@pytest.mark.parametrize("params", [
    {},
    {"strategies": ["memory_one"]},
    {"game": "public_goods", "actors.n_actors": 3, "strategies": ["ALLC", "TFT", "CondCoop50"]},
    {"engine": "exact", "epistemic.reach": 0.5, "epistemic.misperception": 0.2},
])
def test_declared_rule_transformations_act_on_every_side_they_mark(params):
    mechanisms.register(Ratification)
    try:
        base = Scenario(noise=0.0, **SMALL).with_params(params)
        off = base.with_params({"ratification.failure": 0.0}).run(seed=1)
        pd.testing.assert_frame_equal(off.periods, base.run(seed=1).periods)
        every = base.with_params({"ratification.failure": 1.0}).run(seed=1)
        assert (every.periods["cooperation"] == 0).all()  # every cooperative move fails
        half = base.with_params({"ratification.failure": 0.5}).run(seed=1)
        assert 0 < half.periods["cooperation"].mean() < off.periods["cooperation"].mean()
    finally:
        mechanisms.unregister("ratification")


def test_automata_play_in_scenarios_exactly_and_sampled():
    from coopsim.engine.automata import expected_payoffs
    from coopsim.strategies import grudger, tit_for_two_tats

    g, t2 = grudger(), tit_for_two_tats()
    sc = Scenario(n_states=10, periods=1, window=1, strategies=(g, t2, "ALLD"), engine="exact",
                  structure="all_pairs", revision_rate=0.0, mutation=0.0, noise=0.05)
    res = sc.run(seed=4)
    # exact engine, all pairs, one period: every state's payoff is the mean of its exact
    # expected payoffs per round against the 9 others (machine chains, noise included)
    strat = res.states["strategy"].to_numpy()
    machines = {"Grudger": g, "TitFor2Tats": t2, "ALLD": cs.strategies.from_memory_one(cs.ALLD)}
    game = sc.stage_game()
    for i in range(10):
        others = [machines[strat[j]] for j in range(10) if j != i]
        v = expected_payoffs([machines[strat[i]]] * 9, others, game, continuation=0.9, noise=0.05)
        assert res.states["window_payoff"].iloc[i] == pytest.approx(v.focal.mean(), rel=1e-12)
    sampled = sc.with_params({"engine": "sampled", "periods": 30, "window": 10, "revision_rate": 0.1}).run(seed=4)
    assert {"share_Grudger", "share_TitFor2Tats", "share_ALLD"} <= set(sampled.periods.columns)
    assert sc.with_params({"update": "replicator", "structure": "random_matching"}).run().periods.shape[0] == 1


def test_automata_refuse_rule_transformations_at_construction():
    from coopsim.strategies import grudger

    with pytest.raises(cs.ParameterError) as err:
        Scenario(strategies=(grudger(), "ALLD"), epistemic={"reach": 0.5, "misperception": 0.1}, **SMALL)
    assert err.value.name == "strategies" and "perception" in str(err.value)
