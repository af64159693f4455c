"""The experiment runner: seeds per (point, replication), identical numbers on every backend,
errors recorded, incremental Parquet results, resume after SIGKILL."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.experiments import (
    ExperimentError,
    load_experiment,
    load_results,
    loads_experiment,
    read_runs,
    run_experiment,
    run_seed,
    sweep,
)
from coopsim.experiments import design as dz
from coopsim.experiments.results import ResultStore
from coopsim.experiments.runner import execute
from coopsim.world.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
[experiment]
name = "small"
replications = 2
seed = 11
record_periods = true
[scenario]
n_states = 10
periods = 20
window = 5
[design]
kind = "grid"
parameters = { "iteration.continuation" = [0.2, 0.6, 0.9] }
"""


def _write(tmp_path: Path, text: str = SMALL, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="elapsed"), b.drop(columns="elapsed"), check_exact=True)


# ----------------------------------------------------------------------------- seeds and tables
def test_run_seed_is_the_spawned_sequence():
    ss = run_seed(11, 2, 1)
    assert ss.entropy == 11 and ss.spawn_key == (2, 1)
    assert np.array_equal(ss.generate_state(4), np.random.SeedSequence(11, spawn_key=(2, 1)).generate_state(4))


def test_runs_table_is_tidy_and_every_run_can_be_repeated(tmp_path):
    exp = loads_experiment(SMALL)
    res = run_experiment(exp, output=tmp_path / "out", progress=False)
    runs = res.runs
    assert len(runs) == 6 and list(runs[["point", "replication"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(3) for r in range(2)]
    assert list(runs.columns[:5]) == ["point", "replication", "seed_entropy", "seed_spawn_key",
                                      "iteration.continuation"]
    assert list(runs.columns[-3:]) == ["status", "error", "elapsed"]
    assert runs["emerged"].dtype == "boolean" and (runs["status"] == "ok").all() and runs["error"].isna().all()
    assert runs["seed_spawn_key"].iloc[3] == "(1, 1)" and (runs["seed_entropy"] == 11).all()
    row = runs.iloc[3]
    sc = exp.base_scenario().with_params(exp.design_points().params[row.point])
    summary = sc.run(seed=run_seed(row.seed_entropy, row.point, row.replication)).summary
    assert summary["window_cooperation"] == row.window_cooperation and summary["emerged"] == row.emerged
    # the periods table: one row per (point, replication, period), with the parameters
    assert len(res.periods) == 6 * 20
    assert {"point", "replication", "period", "iteration.continuation", "cooperation"} <= set(res.periods.columns)
    # the folder reads back as the same result
    back = load_results(tmp_path / "out")
    _same(back.runs, runs)
    pd.testing.assert_frame_equal(back.periods, res.periods)
    assert back.experiment.sha256 == exp.sha256 and back.complete
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["design"] == {"kind": "grid", "points": 3, "replications": 2, "runs": 6,
                                  "parameters": ["iteration.continuation"]}
    assert manifest["status"] == "complete" and manifest["versions"]["coopsim"]
    assert manifest["started"] <= manifest["finished"]
    assert (tmp_path / "out" / "design.parquet").exists() and (tmp_path / "out" / "experiment.toml").exists()


def test_chunking_does_not_change_the_numbers():
    exp = loads_experiment(SMALL)
    a = run_experiment(exp, output=False, chunk_size=1, progress=False)
    b = run_experiment(exp, output=False, chunk_size=5, progress=False)
    _same(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.periods, b.periods, check_exact=True)


def test_bit_identical_serial_processes_and_dask():
    distributed = pytest.importorskip("distributed")
    exp = loads_experiment(SMALL)
    serial = run_experiment(exp, output=False, progress=False)
    procs = run_experiment(exp, output=False, workers=2, progress=False)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        on_dask = run_experiment(exp, output=False, dask=cluster.scheduler_address, progress=False)
    for other in (procs, on_dask):
        _same(serial.runs, other.runs)
        pd.testing.assert_frame_equal(serial.periods, other.periods, check_exact=True)
    assert procs.manifest["sessions"][-1]["backend"] == "processes"
    assert on_dask.manifest["sessions"][-1]["backend"] == "dask"


# ----------------------------------------------------------------------------- errors
def test_a_failing_run_is_recorded_and_the_sweep_goes_on(monkeypatch):
    original = Scenario.run

    def flaky(self, seed=None):
        if self.iteration.continuation == 0.6:
            raise RuntimeError("boom\nsecond line")
        return original(self, seed)

    def flaky_batch(scenario, seeds):  # runs in lockstep fail too, then go one by one
        if scenario.iteration.continuation == 0.6:
            raise RuntimeError("boom in a batch")
        return original_batch(scenario, seeds)

    def flaky_points(scenarios, seeds):  # so do batches of several points (they share a chunk)
        if any(sc.iteration.continuation == 0.6 for sc in scenarios):
            raise RuntimeError("boom in a mixed batch")
        return original_points(scenarios, seeds)

    import coopsim.world.loop as loop

    original_batch, original_points = loop.simulate_runs, loop.simulate_points
    monkeypatch.setattr(Scenario, "run", flaky)
    monkeypatch.setattr(loop, "simulate_runs", flaky_batch)
    monkeypatch.setattr(loop, "simulate_points", flaky_points)
    res = run_experiment(loads_experiment(SMALL), output=False, progress=False)
    bad = res.runs[res.runs["point"] == 1]
    assert (bad["status"] == "error").all() and bad["error"].tolist() == ["RuntimeError: boom second line"] * 2
    assert bad["window_cooperation"].isna().all() and bad["emerged"].isna().all()
    assert (res.runs[res.runs["point"] != 1]["status"] == "ok").all()
    assert res.n_errors == 2 and len(res.errors) == 2 and len(res.periods) == 4 * 20


def test_a_point_that_cannot_be_built_fails_its_runs_only():
    base = Scenario(n_states=10, periods=20, window=5)
    design = dz.grid({"regime.monitoring": [0.5, 2.0]})  # 2.0 is not a probability
    store = ResultStore(None)
    info = execute(base, design, 2, 3, store, progress=False)
    runs = store.runs(design.parameters)
    assert info["ok"] == 2 and info["error"] == 2
    assert runs.loc[runs["point"] == 1, "error"].str.startswith("scenario: ParameterError").all()


def test_an_interrupt_keeps_what_completed(tmp_path, monkeypatch):
    original = Scenario.run

    def interrupted(self, seed=None):
        if self.iteration.continuation == 0.9:
            raise KeyboardInterrupt
        return original(self, seed)

    import coopsim.world.loop as loop

    original_batch = loop.simulate_runs

    def interrupted_batch(scenario, seeds):  # the same interrupt in a batch in lockstep
        if scenario.iteration.continuation == 0.9:
            raise KeyboardInterrupt
        return original_batch(scenario, seeds)

    path = _write(tmp_path)
    monkeypatch.setattr(Scenario, "run", interrupted)
    monkeypatch.setattr(loop, "simulate_runs", interrupted_batch)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(path, output=tmp_path / "out", chunk_size=2, progress=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and len(read_runs(tmp_path / "out")) == 4
    monkeypatch.setattr(Scenario, "run", original)
    monkeypatch.setattr(loop, "simulate_runs", original_batch)
    resumed = run_experiment(path, output=tmp_path / "out", resume=True, progress=False)
    assert resumed.manifest["sessions"][-1]["runs"] == 2 and resumed.complete
    _same(resumed.runs, run_experiment(path, output=False, progress=False).runs)


# ----------------------------------------------------------------------------- options
def test_metrics_filter_progress_and_sweep(capsys):
    text = SMALL.replace("record_periods = true", 'metrics = ["emerged", "final_share_T*"]')
    res = run_experiment(loads_experiment(text), output=False, progress=True)
    assert "6/6" in capsys.readouterr().err
    metrics = [c for c in res.runs.columns if c not in ("point", "replication", "seed_entropy", "seed_spawn_key",
                                                        "iteration.continuation", "status", "error", "elapsed")]
    assert metrics == ["emerged", "final_share_TFT"] and res.periods is None
    run_experiment(loads_experiment(text), output=False)  # not a terminal: quiet
    assert capsys.readouterr().err == ""
    s = sweep(Scenario(n_states=10, periods=20, window=5), {"iteration.continuation": [0.2, 0.6, 0.9]},
              replications=2, seed=11, progress=False)
    full = run_experiment(loads_experiment(SMALL), output=False, progress=False)
    _same(s.runs, full.runs)


def test_output_folder_is_protected(tmp_path):
    path = _write(tmp_path)
    out = tmp_path / "out"
    run_experiment(path, output=out, progress=False)
    with pytest.raises(ExperimentError, match="already holds results"):
        run_experiment(path, output=out, progress=False)
    again = run_experiment(path, output=out, resume=True, progress=False)  # nothing left to do
    assert again.manifest["sessions"][-1]["runs"] == 0 and len(again.runs) == 6
    path.write_text(SMALL.replace("seed = 11", "seed = 11  # edited"))  # same experiment, other bytes
    assert len(run_experiment(path, output=out, resume=True, progress=False).runs) == 6
    path.write_text(SMALL.replace("seed = 11", "seed = 12"))  # another experiment
    with pytest.raises(ExperimentError, match="different experiment") as info:
        run_experiment(path, output=out, resume=True, progress=False)
    assert "\n" not in str(info.value) and "force" in str(info.value)
    forced = run_experiment(path, output=out, resume=True, force=True, progress=False)  # the folder's own
    assert len(forced.runs) == 6 and forced.manifest["seed"] == 11 and (forced.runs["seed_entropy"] == 11).all()
    path.write_text(SMALL)
    with pytest.raises(ExperimentError, match="quick"):
        run_experiment(path, output=out, resume=True, quick=True, progress=False)
    fresh = run_experiment(path, output=out, overwrite=True, progress=False)
    assert len(fresh.manifest["sessions"]) == 1 and len(read_runs(out)) == 6


def test_quick_mode_writes_next_to_the_full_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = SMALL + '[quick]\nreplications = 1\nperiods = 10\nparameters = { "iteration.continuation" = [0.9] }\n'
    res = run_experiment(loads_experiment(text), quick=True, progress=False)
    assert res.output == Path("results/small-quick") and len(res.runs) == 1 and res.quick
    assert res.periods["period"].max() == 9 and res.manifest["quick"] is True


# ----------------------------------------------------------------------------- resume after SIGKILL
RESUMABLE = """
[experiment]
name = "resumable"
replications = 3
seed = 99
record_periods = true
[scenario]
n_states = 12
periods = 60
window = 10
[design]
kind = "grid"
parameters = { "iteration.continuation" = [0.1, 0.3, 0.5, 0.7, 0.8, 0.9], "regime.monitoring" = [0.0, 1.0] }
[scenario.regime]
membership = 1.0
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_and_resumed_equals_uninterrupted(tmp_path):
    path = _write(tmp_path, RESUMABLE)
    out = tmp_path / "killed"
    script = textwrap.dedent(f"""
        import coopsim.experiments.runner as runner
        runner.FLUSH_SECONDS = 0.0
        from coopsim.experiments import run_experiment
        run_experiment({str(path)!r}, output={str(out)!r}, chunk_size=2, progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    parts = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        parts = sorted((out / "runs").glob("part-*.parquet")) if (out / "runs").is_dir() else []
        if len(parts) >= 3:
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the sweep finished before it could be killed"
    done = len(read_runs(out))
    assert 0 < done < 36
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"
    (out / "runs" / ".part-left-over.parquet.1.tmp").write_bytes(b"half a file")

    resumed = run_experiment(path, output=out, resume=True, progress=False)
    assert resumed.manifest["sessions"][-1]["runs"] == 36 - done
    assert len(resumed.manifest["sessions"]) == 2 and resumed.complete
    assert not list((out / "runs").glob("*.tmp"))
    whole = run_experiment(path, output=tmp_path / "whole", progress=False)
    assert not resumed.runs.duplicated(["point", "replication"]).any() and len(resumed.runs) == 36
    _same(resumed.runs, whole.runs)
    pd.testing.assert_frame_equal(resumed.periods, whole.periods, check_exact=True)
    _same(read_runs(out), whole.runs)


def test_load_experiment_accepts_paths(tmp_path):
    path = _write(tmp_path)
    assert load_experiment(str(path)).path == path.resolve()
