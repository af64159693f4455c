"""The results store's safety (issue 15): one writer per folder, provenance of every row,
checksums and repair, --overwrite deletes only what coopsim wrote, output-folder checks,
clamped workers, a dying worker, non-finite results. Each test first reproduces what was
measured before the fix (the comment above it says what that was)."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coopsim.experiments import ExperimentError, load_results, loads_experiment, read_runs, run_experiment
from coopsim.experiments import runner as runner_module
from coopsim.experiments.provenance import content_hash, decode_runs, encode_runs
from coopsim.experiments.store_lock import LOCK_INFO, folder_lock

ROOT = Path(__file__).resolve().parents[1]
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals")

EXP = """
[experiment]
name = "store"
replications = 4
seed = 404
record_periods = true
[scenario]
n_states = 10
periods = 20
window = 5
[design]
kind = "grid"
parameters = { "iteration.continuation" = [0.2, 0.6, 0.9] }
"""
OTHER = EXP.replace("seed = 404", "seed = 405")

#: a `coopsim` command line whose serial sweep writes a part after every chunk (of 2 runs)
#: and, after its first chunk, waits until the file GATE exists: the test decides when it ends
GATED = textwrap.dedent("""
    import sys, time, pathlib
    import coopsim.experiments.runner as runner
    runner.FLUSH_SECONDS = 0.0
    gate, calls, real = pathlib.Path(sys.argv[1]), [], runner.run_chunk
    def gated(*args, **kwargs):
        calls.append(1)
        while len(calls) > 1 and not gate.exists():
            time.sleep(0.01)
        return real(*args, **kwargs)
    runner.run_chunk = gated
    from coopsim.cli import main
    args = sys.argv[2:]
    sys.argv = ["coopsim", *args]
    sys.exit(main(args))
""")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _cli(*args, cwd) -> subprocess.CompletedProcess:
    quiet = ["--quiet"] if args[0] == "run" else []
    return subprocess.run([sys.executable, "-m", "coopsim.cli", *map(str, args), *quiet], cwd=cwd,
                          env=_env(), capture_output=True, text=True, timeout=120)


def _gated(gate: Path, *args, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", GATED, str(gate), *map(str, args), "--quiet"], cwd=cwd,
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, proc=None, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            if predicate():  # it may have ended between the two checks (a predicate may accept that)
                return
            raise AssertionError(f"the process ended early: {proc.communicate()}")
        time.sleep(0.01)
    raise AssertionError("timed out")


def _one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("coopsim: warning")]
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    return lines[0]


def _seed_with_parts(out: Path):
    """The manifest's seed once it lists a part (None before)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return manifest["seed"] if manifest.get("parts") else None


def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _write(tmp_path: Path, text: str = EXP, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _reference(text: str) -> pd.DataFrame:
    return run_experiment(loads_experiment(text), output=False, progress=False).runs


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="elapsed").reset_index(drop=True),
                                  b.drop(columns="elapsed").reset_index(drop=True), check_exact=True)


def _partial(path: Path, out: Path, monkeypatch, chunks: int = 2) -> None:
    """A folder where a run stopped after ``chunks`` chunks (status interrupted)."""
    real, calls = runner_module.run_chunk, []

    def stop_after(*args, **kwargs):
        calls.append(1)
        if len(calls) > chunks:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner_module, "run_chunk", stop_after)
    monkeypatch.setattr(runner_module, "FLUSH_SECONDS", 0.0)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(path, output=out, chunk_size=2, progress=False)
    monkeypatch.setattr(runner_module, "run_chunk", real)


# ----------------------------------------------------------------------------- the lock
# Before: two `coopsim run` at the same moment: one crashed with FileNotFoundError; a second
# --resume during a run wrote 268 duplicate rows.
@POSIX
def test_a_second_command_on_a_running_folder_refuses_naming_the_holder(tmp_path):
    path, out, gate = _write(tmp_path), tmp_path / "out", tmp_path / "gate"
    first = _gated(gate, "run", path, "--output", out, cwd=tmp_path)
    _wait_for(lambda: (out / LOCK_INFO).exists() and list((out / "runs").glob("part-*.parquet")), first)
    for args in (["run", path, "--output", out], ["run", path, "--output", out, "--resume"],
                 ["run", _write(tmp_path, OTHER, "other.toml"), "--output", out, "--overwrite"],
                 ["report", out]):
        proc = _cli(*args, cwd=tmp_path)
        line = _one_line(proc.stderr)
        assert proc.returncode == 2 and "is locked by pid" in line and f"pid {first.pid} " in line, line
        assert os.uname().nodename in line and "coopsim run" in line and "since 20" in line
    gate.touch()
    assert first.wait(timeout=120) == 0, first.communicate()
    runs = read_runs(out)
    assert len(runs) == 12 and not runs.duplicated(["point", "replication"]).any()
    _same(runs, _reference(EXP))
    assert not (out / LOCK_INFO).exists()


def test_the_lock_is_reentrant_in_one_process_and_exclusive_between_processes(tmp_path):
    out = tmp_path / "out"
    with folder_lock(out, "first"):
        with folder_lock(out, "again"):  # the CLI holds it around run_experiment
            assert json.loads((out / LOCK_INFO).read_text())["command"] == "first"
        code = f"from coopsim.experiments.store_lock import folder_lock\nwith folder_lock({str(out)!r}): pass"
        proc = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True)
        assert proc.returncode == 1 and "FolderLocked" in proc.stderr and "(first)" in proc.stderr
    with folder_lock(out):
        pass


@POSIX
def test_a_stale_lock_of_a_killed_run_is_named_and_taken_over(tmp_path):
    path, out = _write(tmp_path), tmp_path / "out"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out.mkdir()
    (out / LOCK_INFO).write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename,
                                             "started": "2026-01-01T00:00:00+00:00", "command": "coopsim run x"}))
    proc = _cli("run", path, "--output", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"stale lock of pid {dead.pid}" in proc.stderr and "that process is gone" in proc.stderr
    assert len(read_runs(out)) == 12 and not (out / LOCK_INFO).exists()


# ----------------------------------------------------------------------------- provenance
# Before: run A (seed 404); an --overwrite with seed 405 started and killed; --resume of A
# exited 0, "complete", seed 404, yet 96 of 300 rows came from seed 405.
@POSIX
def test_resume_refuses_a_folder_an_other_experiment_started_to_overwrite(tmp_path):
    path, out, gate = _write(tmp_path), tmp_path / "out", tmp_path / "gate"
    assert _cli("run", path, "--output", out, cwd=tmp_path).returncode == 0
    other = _write(tmp_path, OTHER, "other.toml")
    killed = _gated(gate, "run", other, "--output", out, "--overwrite", cwd=tmp_path)
    _wait_for(lambda: _seed_with_parts(out) == 405, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    proc = _cli("run", path, "--output", out, "--resume", cwd=tmp_path)
    line = _one_line(proc.stderr)
    assert proc.returncode == 2 and "different experiment" in line and "--force" in line
    # --force resumes what the folder holds (seed 405), never a mix
    proc = _cli("run", path, "--output", out, "--resume", "--force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = read_runs(out)
    assert (runs["seed_entropy"] == 405).all() and json.loads((out / "manifest.json").read_text())["seed"] == 405
    _same(runs, _reference(OTHER))


def test_every_part_records_the_experiment_and_a_foreign_part_is_named(tmp_path):
    path, out = _write(tmp_path), tmp_path / "out"
    res = run_experiment(path, output=out, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["content_sha256"] == content_hash(res.experiment)
    for name, entry in manifest["parts"].items():
        meta = json.loads(pq.read_schema(out / name).metadata[b"coopsim"])
        assert meta["experiment"] == manifest["experiment"]["content_sha256"]
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"]
    held = set().union(*(decode_runs(e["runs"], 4) for n, e in manifest["parts"].items() if n.startswith("runs/")))
    assert held == {(p, r) for p in range(3) for r in range(4)}
    # a comment does not change the experiment; a value does
    assert content_hash(loads_experiment(EXP + "# a comment\n")) == content_hash(res.experiment)
    assert content_hash(loads_experiment(OTHER)) != content_hash(res.experiment)
    foreign = run_experiment(_write(tmp_path, OTHER, "o.toml"), output=tmp_path / "o", progress=False)
    part = next((foreign.output / "runs").glob("part-*.parquet"))
    shutil.copy(part, out / "runs" / "part-zz-foreign.parquet")
    for read in (read_runs, load_results):
        with pytest.raises(ExperimentError, match="part-zz-foreign.parquet: belongs to another experiment"):
            read(out)


def test_encode_runs_round_trips():
    keys = {(0, 0), (0, 1), (0, 3), (2, 1), (2, 2)}
    assert encode_runs(keys, 4) == [[0, 2], [3, 4], [9, 11]] and decode_runs(encode_runs(keys, 4), 4) == keys


# ----------------------------------------------------------------------------- checksums and repair
def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _random(p: Path) -> None:
    p.write_bytes(np.random.default_rng(0).bytes(p.stat().st_size))


def _edit_value(p: Path) -> None:
    table = pq.read_table(p)
    df = table.to_pandas()
    df.loc[0, "window_cooperation"] = 0.123456
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(table.schema.metadata), p)


# Before: truncated, zero-byte or random-bytes parts ended --resume and report in a
# traceback; a hand-edited value was accepted silently.
@pytest.mark.parametrize("damage", [_truncate, _empty, _random, _edit_value], ids=lambda f: f.__name__[1:])
def test_a_damaged_part_is_one_line_and_repair_recomputes_exactly_its_runs(tmp_path, damage, monkeypatch):
    path, out = _write(tmp_path), tmp_path / "out"
    monkeypatch.setattr(runner_module, "FLUSH_SECONDS", 0.0)  # a part per chunk
    run_experiment(path, output=out, chunk_size=2, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    name = sorted(n for n in manifest["parts"] if n.startswith("runs/"))[1]
    held = decode_runs(manifest["parts"][name]["runs"], 4)
    damage(out / name)
    for attempt in (lambda: read_runs(out), lambda: load_results(out), lambda: load_results(out, experiment=False),
                    lambda: run_experiment(path, output=out, resume=True, progress=False)):
        with pytest.raises(ExperimentError) as info:
            attempt()
        assert name in str(info.value) and "--repair" in str(info.value) and "\n" not in str(info.value)
    repaired = run_experiment(path, output=out, resume=True, repair=True, progress=False)
    assert repaired.manifest["sessions"][-1]["runs"] == len(held) and repaired.complete
    assert not (out / name).exists() and not (out / name.replace("runs/", "periods/")).exists()
    _same(read_runs(out), _reference(EXP))
    fresh = run_experiment(path, output=tmp_path / "fresh", progress=False)
    pd.testing.assert_frame_equal(load_results(out).periods, fresh.periods, check_exact=True)
    full, tables_only = load_results(out), load_results(out, experiment=False)  # the latter: plot and export
    assert full.experiment is not None and tables_only.experiment is None
    pd.testing.assert_frame_equal(tables_only.runs, full.runs, check_exact=True)
    assert tables_only.runs.attrs == full.runs.attrs and tables_only.manifest == full.manifest


@pytest.mark.parametrize("manifest", ["[]", "", "{not json", '{"format": 3}'])
def test_a_damaged_manifest_is_one_line_for_resume_and_report(tmp_path, manifest):
    path, out = _write(tmp_path), tmp_path / "out"
    run_experiment(path, output=out, progress=False)
    (out / "manifest.json").write_text(manifest)
    for args in (["run", path, "--output", out, "--resume"], ["report", out]):
        proc = _cli(*args, cwd=tmp_path)
        line = _one_line(proc.stderr)
        assert proc.returncode == 2 and "manifest.json" in line, line


def test_a_part_with_another_schema_and_a_cli_report_of_a_damaged_part(tmp_path):
    path, out = _write(tmp_path), tmp_path / "out"
    run_experiment(path, output=out, progress=False)
    pd.DataFrame({"x": [1.0]}).to_parquet(out / "runs" / "part-other.parquet")
    for args in (["run", path, "--output", out, "--resume"], ["report", out],
                 ["run", path, "--output", out, "--resume", "--repair"]):
        proc = _cli(*args, cwd=tmp_path)
        line = _one_line(proc.stderr)
        assert proc.returncode == 2 and "runs/part-other.parquet" in line and "another experiment" in line, line
    assert (out / "runs" / "part-other.parquet").exists()  # not coopsim's: never deleted
    (out / "runs" / "part-other.parquet").unlink()
    name = next(n for n in json.loads((out / "manifest.json").read_text())["parts"] if n.startswith("runs/"))
    _truncate(out / name)
    proc = _cli("report", out, cwd=tmp_path)
    assert proc.returncode == 2 and name in _one_line(proc.stderr)
    proc = _cli("run", path, "--output", out, "--resume", "--repair", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _same(read_runs(out), _reference(EXP))


def test_a_part_of_a_killed_run_not_yet_in_the_manifest_is_kept(tmp_path, monkeypatch):
    """A run killed between a part's rename and the manifest's update: the part is adopted."""
    path, out = _write(tmp_path), tmp_path / "out"
    _partial(path, out, monkeypatch)
    manifest = json.loads((out / "manifest.json").read_text())
    last = sorted(n for n in manifest["parts"] if n.startswith("runs/"))[-1]
    del manifest["parts"][last]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert len(read_runs(out)) == 4
    resumed = run_experiment(path, output=out, resume=True, progress=False)
    assert resumed.manifest["sessions"][-1]["runs"] == 8 and last in resumed.manifest["parts"]
    _same(read_runs(out), _reference(EXP))


# ----------------------------------------------------------------------------- --overwrite and output folders
# Before: --overwrite on a folder holding an unrelated manifest.json, runs/keep.txt and
# .cache.tmp removed runs/ (with keep.txt), replaced the manifest and deleted .cache.tmp.
@pytest.mark.parametrize("manifest", ['{"name": "not coopsim"}', None])
def test_overwrite_refuses_a_folder_coopsim_did_not_write(tmp_path, manifest):
    path, out = _write(tmp_path), tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "keep.txt").write_text("mine")
    (out / ".cache.tmp").write_text("mine too")
    if manifest is not None:
        (out / "manifest.json").write_text(manifest)
    before = _files(out)
    proc = _cli("run", path, "--output", out, "--overwrite", cwd=tmp_path)
    line = _one_line(proc.stderr)
    assert proc.returncode == 2 and str(out) in line
    assert ("not a coopsim manifest" in line) if manifest else ("runs/keep.txt" in line and ".cache.tmp" in line)
    assert {k: v for k, v in _files(out).items() if not k.startswith(".coopsim.lock")} == before


def test_overwrite_deletes_exactly_what_coopsim_wrote(tmp_path):
    path, out = _write(tmp_path), tmp_path / "out"
    assert _cli("run", path, "--output", out, cwd=tmp_path).returncode == 0  # with its report and figures
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"report.md", "summary.csv", "design.parquet", "experiment.toml"} <= set(manifest["files"])
    assert _cli("plot", out, "--kind", "curve", "--format", "png", cwd=tmp_path).returncode == 0
    assert "figures/curve.png" in json.loads((out / "manifest.json").read_text())["files"]
    (out / "notes.txt").write_text("mine")
    proc = _cli("run", _write(tmp_path, OTHER, "o.toml"), "--output", out, "--overwrite", cwd=tmp_path)
    assert proc.returncode == 2 and "notes.txt" in _one_line(proc.stderr) and (out / "runs").is_dir()
    (out / "notes.txt").unlink()
    proc = _cli("run", tmp_path / "o.toml", "--output", out, "--overwrite", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not (out / "figures" / "curve.png").exists()
    _same(read_runs(out), _reference(OTHER))
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 1


@pytest.mark.parametrize("output", ["../elsewhere", "/", "/tmp/absolute", ".", "a/../../b"])
def test_an_experiment_file_names_only_relative_folders_below_the_working_directory(tmp_path, output):
    path = _write(tmp_path, EXP.replace("seed = 404", f"seed = 404\noutput = {json.dumps(output)}"))
    proc = _cli("validate", path, cwd=tmp_path)
    line = _one_line(proc.stderr)
    assert proc.returncode == 2 and "experiment.output" in line and "relative folder below" in line


def test_output_may_not_be_a_root_or_an_existing_file(tmp_path):
    path = _write(tmp_path)
    (tmp_path / "afile").write_text("x")
    for output, problem in (("afile", "is an existing file"), ("/", "is a filesystem root")):
        proc = _cli("run", path, "--output", output, cwd=tmp_path)
        line = _one_line(proc.stderr)
        assert proc.returncode == 2 and problem in line, line
    with pytest.raises(ExperimentError, match="filesystem root"):
        run_experiment(path, output="/", progress=False)
    assert (tmp_path / "afile").read_text() == "x"
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"  # --output may point anywhere else
    assert len(run_experiment(path, output=elsewhere, progress=False).runs) == 12
    shutil.rmtree(elsewhere)


# ----------------------------------------------------------------------------- workers
# Before: --workers 100000 on a 2-run file: 260 processes after 20 s, 621 leaked semaphores.
def test_workers_above_the_cpus_are_clamped_with_a_warning(tmp_path):
    path = _write(tmp_path, EXP.replace("replications = 4", "replications = 1").replace(", 0.6, 0.9", ", 0.6"))
    proc = _cli("run", path, "--output", tmp_path / "out", "--workers", 100000, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"--workers 100000 is more than the {os.cpu_count()} CPUs: using {os.cpu_count()}" in proc.stderr
    session = json.loads((tmp_path / "out" / "manifest.json").read_text())["sessions"][0]
    assert session["workers"] == os.cpu_count()
    with pytest.warns(RuntimeWarning, match="more than the"):
        assert runner_module.clamp_workers(10**5) == os.cpu_count()


def _shm(pid: int) -> set[str]:
    """The run's own entries in /dev/shm (joblib's folders and loky's semaphores carry its pid)."""
    d = Path("/dev/shm")
    return {p.name for p in d.iterdir() if f"_{pid}_" in p.name or f"loky-{pid}-" in p.name} if d.is_dir() else set()


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid), "-f", "popen_loky"], capture_output=True, text=True)
    except FileNotFoundError:  # pragma: no cover
        pytest.skip("pgrep is not installed")
    return [int(x) for x in out.stdout.split()]


SLOW = EXP.replace("periods = 20", "periods = 3000").replace("n_states = 10", "n_states = 30")


# Before: a worker killed by the system gave a 32-line TerminatedWorkerError traceback;
# kill -9 of a run left /dev/shm/joblib_* behind.
@POSIX
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/shm and PR_SET_PDEATHSIG are Linux")
def test_a_killed_worker_is_one_line_the_rows_are_kept_and_dev_shm_is_clean(tmp_path):
    path, out = _write(tmp_path, SLOW), tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "coopsim.cli", "run", str(path), "--output", str(out),
                             "--workers", "2", "--quiet"], cwd=tmp_path, env=_env(), stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: len(_children(proc.pid)) == 2, proc)
    os.kill(_children(proc.pid)[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    line = _one_line(stderr)
    assert proc.returncode == 1 and "a worker process died (exit SIGKILL(-9)" in line and "--resume" in line, line
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and "worker process died" in manifest["sessions"][0]["error"]
    kept = len(read_runs(out)) if list((out / "runs").glob("part-*")) else 0
    assert f"{kept} of 12 runs are saved" in line
    _wait_for(lambda: not _shm(proc.pid), timeout=20)
    # kill -9 of the run itself: its workers die with it; loky's tracker clears /dev/shm
    proc = subprocess.Popen([sys.executable, "-m", "coopsim.cli", "run", str(path), "--output", str(out),
                             "--workers", "2", "--quiet", "--resume"], cwd=tmp_path, env=_env(),
                            stderr=subprocess.DEVNULL)
    _wait_for(lambda: len(_children(proc.pid)) == 2 and _shm(proc.pid), proc)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _wait_for(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), timeout=20)
    _wait_for(lambda: not _shm(proc.pid), timeout=20)


# ----------------------------------------------------------------------------- non-finite results
# Before: coercion = 1e308 gave NaN metrics with status "ok". Magnitudes are now bounded by
# validation and coercion by the hegemon's budget, so a mechanism defined here poisons the
# payoffs instead: the store must still refuse to call such a run "ok".
def test_a_run_with_non_finite_metrics_is_an_error_naming_them(tmp_path):
    from dataclasses import dataclass

    from coopsim.world import mechanisms

    @dataclass(frozen=True)
    class Poison(mechanisms.Mechanism):
        NAME = "poison"
        on: float = 0.0

        @property
        def is_neutral(self):
            return self.on == 0.0

        def charges(self, world, ns, play):
            play.charges += np.where(play.enc == 0, np.nan, 0.0)  # state 0's payoffs are not numbers

    mechanisms.register(Poison)
    try:
        text = EXP.replace("[design]", "[scenario.poison]\non = 1.0\n[design]")
        runs = run_experiment(loads_experiment(text), output=False, progress=False).runs
    finally:
        mechanisms.unregister("poison")
    bad = runs[runs["status"] == "error"]
    assert len(bad) and bad["error"].str.startswith("not finite: ").all()
    assert bad["error"].str.contains("window_payoff=nan").any()
    ok = runs[runs["status"] == "ok"]
    assert np.isfinite(ok.select_dtypes("number").to_numpy(float)).all()


# ----------------------------------------------------------------------------- every pair of commands
def _state(tmp_path: Path, monkeypatch, kind: str) -> Path:
    """A folder with a partial run of EXP (for resume/overwrite) or none (for run)."""
    out = tmp_path / "out"
    if kind != "run":
        _partial(_write(tmp_path), out, monkeypatch)
    return out


COMMANDS = {"run": ("exp.toml", []), "resume": ("exp.toml", ["--resume"]), "overwrite": ("other.toml", ["--overwrite"])}


def _check_folder(out: Path, outside: dict, tmp_path: Path) -> None:
    """A complete folder holds exactly one experiment's rows, each once; nothing else changed."""
    manifest = json.loads((out / "manifest.json").read_text())
    if manifest["status"] == "complete":
        runs = read_runs(out)
        assert not runs.duplicated(["point", "replication"]).any()
        assert (runs["seed_entropy"] == manifest["seed"]).all()
        _same(runs, _reference(EXP if manifest["seed"] == 404 else OTHER))
    else:
        assert manifest["status"] in ("running", "interrupted")
        runs = read_runs(out)
        assert not runs.duplicated(["point", "replication"]).any() and (runs["seed_entropy"] == manifest["seed"]).all()
    assert {k: v for k, v in _files(tmp_path).items() if not k.startswith(("out/", "gate"))} == outside


def _pair(tmp_path, monkeypatch, first: str, second: str) -> None:
    _write(tmp_path)
    _write(tmp_path, OTHER, "other.toml")
    out, gate = _state(tmp_path, monkeypatch, first if first != "run" else second), tmp_path / "gate"
    outside = {k: v for k, v in _files(tmp_path).items() if not k.startswith("out/")}
    # held: the first holds the lock while the second starts
    name, extra = COMMANDS[first]
    held = _gated(gate, "run", name, "--output", "out", *extra, cwd=tmp_path)
    _wait_for(lambda: held.poll() is not None or ((out / LOCK_INFO).exists()
                                                   and len(list((out / "runs").glob("part-*"))) > 0), held)
    name2, extra2 = COMMANDS[second]
    proc = _cli("run", name2, "--output", "out", *extra2, cwd=tmp_path)
    gate.touch()
    _, err = held.communicate(timeout=120)
    assert "Traceback" not in err and "Traceback" not in proc.stderr, (err, proc.stderr)
    if held.returncode == 0:
        assert proc.returncode == 2 and "is locked by" in proc.stderr
    _check_folder(out, outside, tmp_path)
    # raced: both at the same moment, on a fresh copy of the starting state
    shutil.rmtree(out)
    gate.unlink()
    out = _state(tmp_path, monkeypatch, first if first != "run" else second)
    gate.touch()
    procs = [subprocess.Popen([sys.executable, "-m", "coopsim.cli", "run", n, "--output", "out", *e, "--quiet"],
                              cwd=tmp_path, env=_env(), stderr=subprocess.PIPE, text=True)
             for n, e in (COMMANDS[first], COMMANDS[second])]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for code, err in results:
        assert code in (0, 2) and "Traceback" not in err, err
        if code == 2:
            _one_line(err)
    _check_folder(out, outside, tmp_path)


PAIRS = [(a, b) for a in COMMANDS for b in COMMANDS]


@POSIX
@pytest.mark.parametrize("first,second", [("resume", "overwrite")])
def test_a_pair_of_commands_on_one_folder(tmp_path, monkeypatch, first, second):
    _pair(tmp_path, monkeypatch, first, second)


@POSIX
@pytest.mark.slow
@pytest.mark.parametrize("first,second", [p for p in PAIRS if p != ("resume", "overwrite")])
def test_every_pair_of_commands_on_one_folder(tmp_path, monkeypatch, first, second):
    _pair(tmp_path, monkeypatch, first, second)
