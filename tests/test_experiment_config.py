"""Experiment files: validation with one-line errors naming the key path; designs; schema."""
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim import ParameterError
from coopsim.experiments import (
    Experiment,
    ExperimentError,
    Range,
    json_schema,
    load_experiment,
    loads_experiment,
    parameter_names,
)
from coopsim.experiments import design as dz

ROOT = Path(__file__).resolve().parents[1]
BAD = sorted((ROOT / "tests" / "data" / "bad_experiments").glob("*.toml"))
DOC = ROOT / "docs" / "reference" / "experiment-files.md"


def _expected(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    return first.split("expect:", 1)[1].strip() if "expect:" in first else "empty"


def _doc_example() -> str:
    text = DOC.read_text("utf-8")
    return re.search(r"## A complete example\s+```toml\n(.*?)```", text, re.S).group(1)


MINIMAL = """
[experiment]
name = "t"
replications = 2
seed = 5
[scenario]
n_states = 10
periods = 20
window = 5
"""


# ----------------------------------------------------------------------------- the bad corpus
def test_corpus_is_large():
    assert len(BAD) >= 30


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_experiment_file_raises_one_line_error_naming_the_key(path):
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path) + ": ")
    assert _expected(path) in message, message
    assert isinstance(info.value, ParameterError) and isinstance(info.value, ValueError)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ExperimentError, match="no such file"):
        load_experiment(tmp_path / "nope.toml")
    with pytest.raises(ExperimentError, match="folder"):
        load_experiment(tmp_path)


def test_error_is_picklable_and_has_attributes():
    with pytest.raises(ExperimentError) as info:
        loads_experiment(MINIMAL.replace("seed = 5", "seed = -1"), source="x.toml")
    err = info.value
    assert (err.file, err.path, err.value) == ("x.toml", "experiment.seed", -1)
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.path == err.path


def test_unknown_key_suggests_the_closest():
    with pytest.raises(ExperimentError, match=r"did you mean 'replications'\?"):
        loads_experiment(MINIMAL.replace("replications", "replicatons"))


def test_every_problem_counted_once():
    text = MINIMAL.replace("replications = 2", "replications = 0").replace("seed = 5", "seed = 'x'")
    with pytest.raises(ExperimentError, match=r"and 1 more problem"):
        loads_experiment(text)


# ----------------------------------------------------------------------------- valid files
def test_minimal_experiment_is_one_point():
    exp = loads_experiment(MINIMAL, source="min.toml")
    d = exp.design_points()
    assert len(d) == 1 and list(d.table.columns) == ["point"] and d.params == ({},)
    assert exp.replications() == 2 and exp.base_scenario().n_states == 10
    assert exp.output_folder() == Path("results/t") and exp.output_folder(quick=True) == Path("results/t-quick")


def test_documented_example_loads_and_quick_mode_shrinks_it():
    exp = loads_experiment(_doc_example(), source="doc")
    full, quick = exp.design_points(), exp.design_points(quick=True)
    assert len(full) == 10 and list(full.table.columns) == ["point", "regime.monitoring", "regime.sanction"]
    # last parameter fastest
    assert full.params[0] == {"regime.monitoring": 0.0, "regime.sanction": 0.0}
    assert full.params[1] == {"regime.monitoring": 0.0, "regime.sanction": 1.0}
    assert len(quick) == 4 and exp.replications(quick=True) == 4 and exp.replications() == 40
    assert exp.base_scenario(quick=True).periods == 60 and exp.base_scenario(quick=True).window == 20
    assert exp.base_scenario().regime.membership == 1.0


def test_sha256_is_of_the_text_and_model_dump_round_trips():
    exp = loads_experiment(MINIMAL)
    import hashlib

    assert exp.sha256 == hashlib.sha256(MINIMAL.encode()).hexdigest()
    again = Experiment.from_dict(exp.model_dump(exclude_none=True))
    assert again.design_points().params == exp.design_points().params
    assert len(again.sha256) == 64


def test_unquoted_dotted_keys_equal_quoted_ones():
    a = loads_experiment(MINIMAL + '[design]\nkind = "grid"\n[design.parameters]\nregime.monitoring = [0, 1]\n')
    b = loads_experiment(MINIMAL + '[design]\nkind = "grid"\n[design.parameters]\n"regime.monitoring" = [0, 1]\n')
    assert a.design_points().params == b.design_points().params == ({"regime.monitoring": 0},
                                                                     {"regime.monitoring": 1})
    c = loads_experiment(MINIMAL + '[design]\nkind = "list"\npoints = [{regime.monitoring = 0.5}, {}]\n')
    assert c.design_points().params == ({"regime.monitoring": 0.5}, {})


def test_list_design_fills_missing_values_from_the_base():
    exp = loads_experiment(MINIMAL + '[design]\nkind = "list"\npoints = [{n_states = 12}, {noise = 0.05}]\n')
    t = exp.design_points().table
    assert t["n_states"].tolist() == [12, 10] and t["noise"].tolist() == [0.01, 0.05]
    assert t["n_states"].dtype == np.int64


def test_metrics_patterns_and_quick_overrides():
    text = MINIMAL.replace("[scenario]", 'metrics = ["emerged", "final_share_*"]\n[scenario]') + """
[design]
kind = "random"
samples = 6
ranges = { noise = [0.0, 0.1] }
[quick]
samples = 3
replications = 1
scenario = { n_states = 6, regime.monitoring = 0.5 }
"""
    exp = loads_experiment(text)
    assert len(exp.design_points()) == 6 and len(exp.design_points(quick=True)) == 3
    q = exp.base_scenario(quick=True)
    assert q.n_states == 6 and q.regime.monitoring == 0.5 and exp.base_scenario().regime.monitoring == 0.0


# ----------------------------------------------------------------------------- designs
def test_grid_order_and_types():
    d = dz.grid({"n_states": [10, 20], "power.hegemon_role": ["none", "coercive"], "noise": [0, 0.5]})
    assert len(d) == 8
    assert d.table["n_states"].dtype == np.int64 and d.table["noise"].dtype == np.float64
    assert d.table.iloc[1].to_dict() == {"point": 1, "n_states": 10, "power.hegemon_role": "none", "noise": 0.5}


def test_sampled_designs_are_reproducible_and_within_range():
    ranges = {"regime.monitoring": Range(0, 1), "n_states": Range(10, 13, integer=True),
              "selection_intensity": Range(0.01, 10, log=True)}
    for make in (dz.random_design, dz.latin_hypercube):
        a, b, c = make(ranges, 64, 3), make(ranges, 64, 3), make(ranges, 64, 4)
        pd.testing.assert_frame_equal(a.table, b.table)
        assert not a.table.equals(c.table)
        t = a.table
        assert t["regime.monitoring"].between(0, 1).all()
        assert t["n_states"].dtype == np.int64 and set(t["n_states"]) == {10, 11, 12, 13}
        assert all(isinstance(p["n_states"], int) for p in a.params)
        assert t["selection_intensity"].between(0.01, 10).all()
        # log scale: about half the points below the geometric mean
        assert 0.3 < (t["selection_intensity"] < np.sqrt(0.01 * 10)).mean() < 0.7


def test_latin_hypercube_uses_every_stratum_once():
    d = dz.latin_hypercube({"noise": Range(0, 0.5), "mutation": Range(0, 1)}, 20, 1)
    for name, hi in (("noise", 0.5), ("mutation", 1.0)):
        strata = np.floor(d.table[name].to_numpy() / hi * 20).astype(int)
        assert sorted(strata) == list(range(20))


def test_sobol_design_and_saltelli_layout_feed_the_analysis():
    plain = dz.sobol({"noise": Range(0, 0.5)}, 16, 1)
    assert len(plain) == 16 and plain.problem is None
    with pytest.raises(ParameterError):
        dz.sobol({"noise": Range(0, 0.5)}, 10, 1)
    pytest.importorskip("SALib")
    ranges = {"regime.monitoring": Range(0, 1), "iteration.continuation": Range(0.2, 0.9)}
    d = dz.sobol(ranges, 64, 2, saltelli=True)
    assert len(d) == 64 * (2 * 2 + 2)
    assert d.problem == {"num_vars": 2, "names": list(ranges), "bounds": [[0.0, 1.0], [0.2, 0.9]]}
    assert len(dz.sobol(ranges, 64, 2, saltelli=True, second_order=False)) == 64 * 4
    from coopsim import analysis

    runs = d.table.copy()
    runs["replication"] = 0
    runs["status"] = "ok"
    runs["y"] = runs["regime.monitoring"] + 5 * runs["iteration.continuation"]
    si = analysis.sobol_indices(runs, d.problem, metric="y", seed=1).set_index("parameter")
    assert si.loc["iteration.continuation", "S1"] > si.loc["regime.monitoring", "S1"]


def test_experiment_sobol_problem():
    pytest.importorskip("SALib")
    exp = loads_experiment(MINIMAL + """
[design]
kind = "sobol"
analysis = "sobol"
samples = 4
ranges = { "regime.monitoring" = [0, 1], n_states = [8, 12] }
""")
    assert exp.sobol_problem() == {"num_vars": 2, "names": ["regime.monitoring", "n_states"],
                                   "bounds": [[0.0, 1.0], [8.0, 12.0]]}
    assert len(exp.design_points()) == 4 * 6 and exp.design_points().table["n_states"].dtype == np.int64
    assert loads_experiment(MINIMAL).sobol_problem() is None


def test_parameter_names_cover_scenario_and_mechanisms():
    names = parameter_names()
    assert names["n_states"] == "int" and names["regime.monitoring"] == "float"
    assert names["power.hegemon_role"] == "str" and names["actors.n_actors"] == "int"


# ----------------------------------------------------------------------------- schema
def test_json_schema_describes_the_format():
    schema = json_schema()
    assert set(schema["properties"]) == {"experiment", "scenario", "design", "quick", "analysis"}
    assert "monitoring" in schema["properties"]["scenario"]["properties"]["regime"]["properties"]
    assert schema["$schema"].startswith("https://json-schema.org/")
    jsonschema = pytest.importorskip("jsonschema")
    import tomllib

    jsonschema.validate(tomllib.loads(_doc_example()), schema)
    bad = tomllib.loads(MINIMAL.replace("replications", "replicatons"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_reference_lists_every_scenario_key_of_the_schema():
    # the table in docs/reference/experiment-files.md is the generated one (regenerate it
    # with coopsim.experiments.schemagen.scenario_keys_table() when the scenario changes)
    from coopsim.experiments.schemagen import json_schema, scenario_keys_table

    text = DOC.read_text("utf-8")
    block = re.search(r"<!-- scenario-keys:start -->\n(.*?)\n<!-- scenario-keys:end -->", text, re.S).group(1)
    assert block == scenario_keys_table()
    scenario = json_schema()["properties"]["scenario"]["properties"]
    keys = [f"{k}.{sub}" for k, v in scenario.items() if "properties" in v for sub in v["properties"]]
    keys += [k for k, v in scenario.items() if "properties" not in v]
    assert all(f"`{k}`" in block for k in keys)
