"""Exported tables read back whole (every run, every column, the values) in CSV, Stata and
Parquet; the names are valid Stata names, the labels the original names; the codebook
covers every column."""
import re

import numpy as np
import pandas as pd
import pytest

from coopsim.cli import main
from coopsim.experiments import run_experiment
from coopsim.experiments.results import read_periods, read_runs
from coopsim.export import codebook, export_results, variable_names

EXPERIMENT = """
[experiment]
name = "export_me"
replications = 3
seed = 7
record_periods = true

[scenario]
n_states = 8
periods = 12
window = 4
engine = "exact"
strategies = ["ALLC", "ALLD", "TFT"]

[design]
kind = "grid"

[design.parameters]
"iteration.continuation" = [0.2, 0.9]
"noise" = [0.0, 0.05]
"""
STATA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    path = root / "export_me.toml"
    path.write_text(EXPERIMENT)
    run_experiment(path, output=root / "out", progress=False)
    return root / "out"


def _same(original: pd.DataFrame, back: pd.DataFrame, names: dict) -> None:
    assert list(back.columns) == [names[c] for c in original.columns]
    assert len(back) == len(original)
    for col in original.columns:
        a, b = original[col], back[names[col]]
        if pd.api.types.is_bool_dtype(a):
            np.testing.assert_array_equal(a.astype("Float64").to_numpy(float, na_value=np.nan),
                                          b.to_numpy(float), err_msg=col)
        elif pd.api.types.is_numeric_dtype(a):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, err_msg=col)
        else:
            want = a.astype(object).where(a.notna(), "").map(str).tolist()
            got = b.astype(object).where(b.notna(), "").map(str).tolist()
            assert want == got, col


def test_variable_names_are_valid_unique_and_short():
    cols = ["iteration.continuation", "regime.monitoring", "a.b", "a_b", "1st", "int", "x" * 40, "x" * 41,
            "share of TFT", "final_share_TFT"]
    names = variable_names(cols)
    assert list(names) == cols
    assert all(STATA_NAME.match(n) for n in names.values()), names
    assert len({n.lower() for n in names.values()}) == len(cols)
    assert names["iteration.continuation"] == "iteration_continuation" and names["int"] != "int"


@pytest.mark.parametrize("periods", [False, True], ids=["runs", "periods"])
def test_stata_round_trip_with_labels(folder, tmp_path, periods):
    original = read_periods(folder) if periods else read_runs(folder)
    table, book = export_results(folder, "stata", tmp_path / "t.dta", periods=periods)
    names = variable_names(original.columns)
    back = pd.read_stata(table)
    _same(original, back, names)
    assert all(STATA_NAME.match(c) for c in back.columns)
    with pd.io.stata.StataReader(table) as reader:
        labels = reader.variable_labels()
        assert reader.data_label == "export_me"
    assert labels == {names[c]: c for c in original.columns}  # the dotted names, kept as labels
    cb = pd.read_csv(book)
    assert list(cb["original"]) == list(original.columns) and list(cb["variable"]) == list(back.columns)


def test_csv_and_parquet_round_trip(folder, tmp_path):
    original = read_runs(folder)
    names = variable_names(original.columns)
    table, _ = export_results(folder, "csv", tmp_path / "runs.csv")
    _same(original, pd.read_csv(table, keep_default_na=False, na_values=[""]), names)
    table, _ = export_results(folder, "parquet", tmp_path / "runs.parquet")
    _same(original, pd.read_parquet(table), names)
    assert len(original) == 12 and {"iteration.continuation", "noise"} <= set(original.columns)


def test_codebook_covers_every_column_with_roles(folder, tmp_path):
    runs = read_runs(folder)
    book = codebook(runs)
    assert list(book["original"]) == list(runs.columns)
    assert not book[["variable", "meaning", "unit", "values"]].isna().any().any()
    role = dict(zip(book["original"], book["role"], strict=True))
    assert [c for c in runs.columns if role[c] == "parameter"] == runs.attrs["parameters"]
    assert [c for c in runs.columns if role[c] == "metric"] == runs.attrs["metrics"]
    assert role["point"] == role["status"] == "bookkeeping"
    row = book.set_index("original").loc["iteration.continuation"]
    assert row["values"] == "values 0.2, 0.9" and "continuation" in row["meaning"]
    assert book.set_index("original").loc["emerged", "values"].startswith("0 = no, 1 = yes")
    # Markdown codebook: one table row per column
    _, md = export_results(folder, "csv", tmp_path / "r.csv", codebook_path=tmp_path / "book.md")
    rows = [ln for ln in md.read_text().splitlines() if ln.startswith("| ") and "---" not in ln]
    assert len(rows) == len(runs.columns) + 1 and "`" not in rows[0]


def test_cli_export_defaults_and_refusals(folder, tmp_path, capsys):
    assert main(["export", str(folder), "--format", "stata"]) == 0
    out = capsys.readouterr().out
    assert (folder / "export" / "runs.dta").exists() and (folder / "export" / "runs_codebook.csv").exists()
    assert "runs.dta" in out and "codebook" in out
    assert main(["export", str(folder), "--format", "csv", "--periods", "--output", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == len(read_periods(folder))
    # a folder without per-period data: one line naming the option
    plain = tmp_path / "plain"
    path = tmp_path / "plain.toml"
    path.write_text(EXPERIMENT.replace("record_periods = true", "").replace("export_me", "plain"))
    run_experiment(path, output=plain, progress=False)
    capsys.readouterr()
    assert main(["export", str(plain), "--periods"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "record_periods" in err[0] and "--periods" in err[0]
    assert main(["export", str(tmp_path / "nothing")]) == 2
