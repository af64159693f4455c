"""Design kinds as a registry: a kind defined outside the package runs from an experiment file."""
import json

import pandas as pd
import pytest

from coopsim.experiments import (
    DesignInput,
    DesignKind,
    ExperimentError,
    Option,
    json_schema,
    load_experiment,
    run_experiment,
)
from coopsim.experiments.designs import registry
from coopsim.experiments.designs.base import replace_values
from coopsim.experiments.designs.list import from_list
from coopsim.experiments.schema import design_model


def one_at_a_time(inp: DesignInput):
    """The base point (unless include_base = false), then each parameter's values one at a
    time with every other parameter at the base scenario's value."""
    points = [{}] if inp.options["include_base"] else []
    points += [{name: v} for name, values in inp.values.items() for v in values]
    return from_list(points, inp.base)


OAT = DesignKind(
    name="one_at_a_time",
    takes="parameters",
    summary="each parameter varied alone from the base scenario",
    build=one_at_a_time,
    options=(Option("include_base", bool, "also run the base scenario (default true)", default=True),),
    quick={"parameters": replace_values},
)

FILE = """
[experiment]
name = "oat"
replications = 2
seed = 11
[scenario]
n_states = 10
periods = 30
window = 5
noise = 0.05
[design]
kind = "one_at_a_time"
parameters = { noise = [0.0, 0.1], "iteration.continuation" = [0.5] }
[quick]
replications = 1
parameters = { noise = [0.2] }
"""


@pytest.fixture
def oat():
    registry.register(OAT)
    try:
        yield OAT
    finally:
        registry.unregister("one_at_a_time")


def _write(tmp_path, text=FILE, name="oat.toml"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_builtin_kinds_are_registered_in_order():
    assert registry.names()[:5] == ("grid", "list", "random", "latin_hypercube", "sobol")
    assert registry.get("sobol").analyses["sobol"] is not None
    assert registry.get("grid").takes == "parameters" and registry.get("random").option("samples").required


def test_an_unregistered_kind_is_refused_naming_the_registered_ones(tmp_path):
    with pytest.raises(ExperimentError) as info:
        load_experiment(_write(tmp_path))
    message = str(info.value)
    assert 'design.kind: "one_at_a_time" is not allowed' in message and "\n" not in message
    assert "'grid', 'list', 'random', 'latin_hypercube' or 'sobol'" in message


def test_a_kind_registered_at_run_time_loads_and_runs_from_a_file(oat, tmp_path):
    exp = load_experiment(_write(tmp_path))
    design = exp.design_points()
    assert design.kind == "one_at_a_time"
    assert design.params == ({}, {"noise": 0.0}, {"noise": 0.1}, {"iteration.continuation": 0.5})
    # the table shows the base scenario's value where a point leaves a parameter out
    assert design.table["noise"].tolist() == [0.05, 0.0, 0.1, 0.05]
    res = run_experiment(exp, output=tmp_path / "out", progress=False)
    assert len(res.runs) == 4 * 2 and res.n_errors == 0
    assert res.runs.attrs["parameters"] == ["noise", "iteration.continuation"]
    assert res.manifest["design"]["kind"] == "one_at_a_time"
    # the same file gives the same numbers, on disk or in memory
    again = run_experiment(exp, output=False, progress=False)
    pd.testing.assert_series_equal(again.runs["window_cooperation"], res.runs["window_cooperation"])


def test_quick_mode_and_options_of_a_registered_kind(oat, tmp_path):
    exp = load_experiment(_write(tmp_path, FILE.replace("[quick]", "[quick]\n").replace(
        'kind = "one_at_a_time"', 'kind = "one_at_a_time"\ninclude_base = false')))
    assert exp.design_points().params == ({"noise": 0.0}, {"noise": 0.1}, {"iteration.continuation": 0.5})
    assert exp.design_points(quick=True).params == ({"noise": 0.2}, {"iteration.continuation": 0.5})
    res = run_experiment(exp, output=False, quick=True, progress=False)
    assert len(res.runs) == 2


def test_errors_name_the_registered_kinds_keys(oat, tmp_path):
    bad_type = FILE.replace('kind = "one_at_a_time"', 'kind = "one_at_a_time"\ninclude_base = "no"')
    with pytest.raises(ExperimentError, match=r"design\.include_base: \"no\" is not allowed: true or false"):
        load_experiment(_write(tmp_path, bad_type))
    on_grid = FILE.replace('kind = "one_at_a_time"', 'kind = "grid"\ninclude_base = true')
    with pytest.raises(ExperimentError, match=r"design\.include_base: not used by kind = 'grid'"):
        load_experiment(_write(tmp_path, on_grid))
    typo = FILE.replace('kind = "one_at_a_time"', 'kind = "one_at_a_time"\ninclude_bse = true')
    with pytest.raises(ExperimentError, match=r"design\.include_bse: unknown key .*include_base.*did you mean"):
        load_experiment(_write(tmp_path, typo))
    bad_value = FILE.replace("noise = [0.0, 0.1]", "noise = [0.0, 2.0]")
    with pytest.raises(ExperimentError, match=r"design\.parameters\.noise: 2\.0 is not allowed"):
        load_experiment(_write(tmp_path, bad_value))


def test_the_schema_follows_the_registry(oat):
    assert "include_base" in design_model().model_fields
    schema = json_schema()
    design = schema["$defs"]["DesignSection"]
    assert "include_base" in design["properties"]
    assert "one_at_a_time" in design["properties"]["kind"]["enum"]
    registry.unregister("one_at_a_time")
    try:
        assert "include_base" not in design_model().model_fields
        assert "one_at_a_time" not in json_schema()["$defs"]["DesignSection"]["properties"]["kind"]["enum"]
    finally:
        registry.register(OAT)


def test_register_refuses_duplicates_and_conflicting_options(oat):
    with pytest.raises(ValueError, match="already registered"):
        registry.register(OAT)
    clash = DesignKind(name="clash", takes="ranges", summary="x", build=one_at_a_time,
                       options=(Option("samples", int, "points", ge=2),))
    with pytest.raises(ValueError, match="option 'samples' differs"):
        registry.register(clash)
    with pytest.raises(ValueError, match="cannot be an option name"):
        registry.register(DesignKind(name="bad", takes="points", summary="x", build=one_at_a_time,
                                     options=(Option("ranges", int, "x"),)))
    with pytest.raises(KeyError, match="registered: grid, list"):
        registry.get("nope")
    assert "clash" not in registry.names() and "bad" not in registry.names()


# ----------------------------------------------------------------------------- stored columns
GRID = """
[experiment]
name = "g"
replications = 2
seed = 3
record_periods = true
[scenario]
n_states = 10
periods = 20
window = 5
strategies = ["TFT", "ALLD"]
[design]
kind = "grid"
parameters = { noise = [0.0, 0.1], "regime.monitoring" = [0.5] }
"""


def test_the_store_records_parameters_and_metrics_with_the_data(tmp_path):
    import pyarrow.parquet as pq

    from coopsim.experiments import load_results, read_periods, read_runs
    from coopsim.experiments.columns import BOOKKEEPING, HEAD, METRICS, TAIL

    out = tmp_path / "out"
    res = run_experiment(load_experiment(_write(tmp_path, GRID, "g.toml")), output=out, progress=False)
    metrics = list(METRICS) + ["final_share_TFT", "final_share_ALLD"]
    assert list(res.runs.columns) == [*HEAD, "noise", "regime.monitoring", *metrics, *TAIL]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"] == ["noise", "regime.monitoring"] and manifest["metrics"] == metrics
    assert manifest["format"] == 3
    for part in (out / "runs").glob("part-*.parquet"):
        meta = json.loads(pq.read_schema(part).metadata[b"coopsim"])
        assert meta == {"format": 3, "parameters": ["noise", "regime.monitoring"], "metrics": metrics,
                        "experiment": manifest["experiment"]["content_sha256"], "session": meta["session"]}
    for table in (read_runs(out), load_results(out).runs, res.runs):
        assert table.attrs["parameters"] == ["noise", "regime.monitoring"]
        assert table.attrs["metrics"] == metrics
        assert not set(table.attrs["metrics"]) & set(BOOKKEEPING)
    periods = read_periods(out)
    assert periods.attrs["parameters"] == ["noise", "regime.monitoring"]
    assert {"cooperation", "share_TFT"} <= set(periods.attrs["metrics"])
    assert "period" not in periods.attrs["metrics"] and "point" not in periods.attrs["metrics"]


def test_a_folder_written_by_version_0_1_still_loads(tmp_path):
    """0.1 wrote parts without metadata and a manifest without "parameters"."""
    from coopsim.experiments import load_results, read_runs

    out = tmp_path / "out"
    run_experiment(load_experiment(_write(tmp_path, GRID, "g.toml")), output=out, progress=False)
    for part in (out / "runs").glob("part-*.parquet"):
        df = pd.read_parquet(part)
        df.to_parquet(part, index=False)  # without the coopsim metadata
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["parameters"]
    manifest["format"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    for table in (read_runs(out), load_results(out).runs):
        assert table.attrs["parameters"] == ["noise", "regime.monitoring"]
        assert "emerged" in table.attrs["metrics"] and "status" not in table.attrs["metrics"]


def test_experiments_pickle_with_their_run_time_design_model(oat, tmp_path):
    import pickle

    for text in (FILE, GRID):
        exp = load_experiment(_write(tmp_path, text))
        again = pickle.loads(pickle.dumps(exp))
        assert again.design == exp.design and type(again.design) is type(exp.design)
        assert again.design_points().params == exp.design_points().params
        assert again.sha256 == exp.sha256


def test_reference_lists_every_design_key_of_the_registry(oat):
    import re
    from pathlib import Path

    from coopsim.experiments.schemagen import design_keys_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "experiment-files.md").read_text("utf-8")
    block = re.search(r"<!-- design-keys:start -->\n(.*?)\n<!-- design-keys:end -->", doc, re.S).group(1)
    with_oat = design_keys_table()
    assert "| `include_base` | one_at_a_time | also run the base scenario (default true) |" in with_oat
    assert "| `parameters` | grid, one_at_a_time |" in with_oat
    registry.unregister("one_at_a_time")
    try:
        assert block == design_keys_table()  # the built-in kinds only
        assert "include_base" not in block and "`samples` (`n`) | random, latin_hypercube, sobol" in block
    finally:
        registry.register(OAT)
