"""The command line as a shell user meets it: exit codes, one-line errors, files written."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))
BAD = sorted((ROOT / "tests" / "data" / "bad_experiments").glob("*.toml"))


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "coopsim", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_every_shipped_experiment_file_validates():
    assert EXPERIMENTS, "experiments/ holds no experiment file"
    assert main(["validate", *map(str, EXPERIMENTS)]) == 0


def test_malformed_files_fail_with_one_line_and_exit_2_never_a_traceback():
    assert len(BAD) >= 30
    proc = run_cli("validate", *BAD)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == len(BAD)  # exactly one line per bad file
    assert "Traceback" not in proc.stderr
    for path, line in zip(BAD, lines, strict=True):
        assert line.startswith(str(path)), line


@pytest.mark.parametrize("bad", BAD[:5], ids=lambda p: p.name)
def test_run_refuses_a_malformed_file_before_running(bad, tmp_path):
    proc = run_cli("run", bad, "--output", tmp_path / "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_missing_file_and_bad_option():
    proc = run_cli("run", "no/such/file.toml")
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("run", EXPERIMENTS[0], "--workers", "zero")
    assert proc.returncode == 2  # argparse: invalid int value
    proc = run_cli("frobnicate")
    assert proc.returncode == 2


def test_quick_run_writes_runs_summary_report_and_figures(tmp_path):
    out = tmp_path / "h3"
    code = main(["run", str(ROOT / "experiments" / "h3_iteration.toml"), "--quick", "--output", str(out), "--quiet"])
    assert code == 0
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 4 and set(summary["n"]) == {6}  # continuation x noise
    assert summary["emergence"].between(0, 1).all()
    assert (summary["emergence_low"] <= summary["emergence"]).all()
    assert (out / "report.md").read_text().startswith("# h3_iteration")
    hyp = pd.read_csv(out / "hypotheses.csv")
    assert hyp.loc[0, "hypothesis"] == "H3" and hyp.loc[0, "predicted_direction"] == 1
    for fmt in ("pdf", "svg", "png"):
        assert (out / "figures" / f"emergence_0_iteration_continuation.{fmt}").stat().st_size > 1000
    # report and plot read the folder back
    assert main(["report", str(out)]) == 0
    assert main(["plot", str(out), "--kind", "curve", "--format", "png", "--output", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c.png").exists()
    # a second run into the same folder is refused unless resuming or overwriting
    assert main(["run", str(ROOT / "experiments" / "h3_iteration.toml"), "--quick", "--output", str(out),
                 "--quiet"]) == 2
    assert main(["run", str(ROOT / "experiments" / "h3_iteration.toml"), "--quick", "--output", str(out),
                 "--quiet", "--resume"]) == 0


def test_plot_errors_are_one_line(tmp_path, capsys):
    out = tmp_path / "h3"
    main(["run", str(ROOT / "experiments" / "h3_iteration.toml"), "--quick", "--output", str(out), "--quiet"])
    assert main(["plot", str(out), "--kind", "time"]) == 2  # periods were not recorded
    assert main(["plot", str(out), "--parameter", "regime.monitoring"]) == 2
    assert main(["plot", str(out), "--format", "gif"]) == 2
    assert main(["report", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert all(line.startswith("coopsim: error:") for line in err)


def test_schema_is_json_schema(tmp_path):
    target = tmp_path / "schema.json"
    assert main(["schema", "--output", str(target)]) == 0
    schema = json.loads(target.read_text())
    assert schema.get("type") == "object" and "experiment" in schema.get("properties", {})


def test_info_names_versions(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("coopsim ") and "numpy" in out and "axelrod" in out
    # every mechanism parameter a design can vary is listed, with the default a Scenario uses
    import dataclasses

    from coopsim.world.mechanisms import REGISTRY
    from coopsim.world.scenario import Scenario

    sc = Scenario()
    for name, cls in REGISTRY.items():
        assert f"{cls.HYPOTHESIS} {name}:" in out
        for f in dataclasses.fields(cls):
            if name == "iteration":
                continue  # continuation/rounds: resolved together (w = 0.9 when neither is given)
            value = getattr(getattr(sc, name), f.name)
            assert f"{name}.{f.name} = {'(none)' if value is None else repr(value)}" in out


def test_demo_quick_writes_its_tables_and_figure(tmp_path):
    import pandas as pd

    assert main(["demo", "--quick", "--output", str(tmp_path)]) == 0
    shadow = pd.read_parquet(tmp_path / "h3_shadow_of_future.parquet")
    w = shadow["continuation"].to_numpy()
    # exact oracle (Axelrod 1984): TFT resists ALLD iff w >= (T-R)/(T-P) = 1/2 for (3, 0, 5, 1)
    assert (shadow["tft_resists_alld"].to_numpy() == (w >= 0.5)).all()
    # expected totals: TFT vs TFT earns R per round over 1/(1-w) rounds
    assert np.allclose(shadow["tft_vs_tft"], 3 / (1 - w))
    world = pd.read_parquet(tmp_path / "h3_world.parquet")
    assert set(world["continuation"]) == {0.3, 0.6, 0.8, 0.9, 0.95} and world["emerged"].isin([True, False]).all()
    tour = pd.read_parquet(tmp_path / "tournament.parquet")
    # ranked as axelrod ranks: by median normalised score, best first
    assert (np.diff(tour.sort_values("rank")["median_normalised_score"].to_numpy()) <= 0).all()
    assert (tmp_path / "h3_shadow_of_future.png").stat().st_size > 10_000


# The program ends with os._exit (pyarrow's C++ thread pools can abort a normal interpreter
# exit with code 134, apache/arrow#34314): what a normal exit does must still happen.
def test_the_program_flushes_its_output_and_runs_exit_functions_before_leaving(tmp_path):
    marker = tmp_path / "atexit-ran"
    code = ("import atexit, pathlib, sys\n"
            f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
            "from coopsim.cli import console\n"
            "console(sys.argv[1:])\n"
            "raise SystemExit('console returned')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe block-buffered
    proc = subprocess.run([sys.executable, "-c", code, "info"], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "console returned" not in proc.stderr  # it left through os._exit
    # a pipe is block-buffered: without the flush, os._exit drops what info printed
    assert "coopsim" in proc.stdout and "numpy" in proc.stdout and len(proc.stdout.splitlines()) > 10
    assert marker.read_text() == "yes"


def test_the_program_keeps_the_command_exit_code(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[experiment]\nreplications = 0\n")
    proc = run_cli("validate", bad)
    assert proc.returncode == 2 and proc.stderr.strip().startswith(str(bad)), proc.stderr
