"""The command line for political scientists: examples in --help, validate reports every
file, plot never pools conditions silently, examples copies the shipped files, progress
lines with ETA when the output is not a terminal."""
import io
import subprocess
import sys
from pathlib import Path

import pytest

from coopsim.cli import EXAMPLES, build_parser, main
from coopsim.experiments import run_experiment
from coopsim.experiments import progress as prog
from coopsim.examples import copy_examples, example_files

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))
BAD = sorted((ROOT / "tests" / "data" / "bad_experiments").glob("*.toml"))

GRID = """
[experiment]
name = "three_way"
replications = 1
seed = 5
record_periods = true

[scenario]
n_states = 6
periods = 6
window = 2
engine = "exact"
strategies = ["ALLC", "ALLD", "TFT"]

[design]
kind = "grid"

[design.parameters]
"iteration.continuation" = [0.3, 0.9]
"noise" = [0.0, 0.01, 0.02, 0.03]
"mutation" = [0.0, 0.01, 0.02, 0.03]
"""


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    root = tmp_path_factory.mktemp("grid")
    (root / "three_way.toml").write_text(GRID)
    run_experiment(root / "three_way.toml", output=root / "out", progress=False)
    return root / "out"


def test_every_subcommand_help_shows_examples(capsys):
    parser = build_parser()
    subs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert set(subs) == set(EXAMPLES)
    for name in subs:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        out = capsys.readouterr().out
        assert "examples:\n  coopsim " + name in out, name  # kept verbatim (RawDescriptionHelpFormatter)


def test_validate_names_every_file_and_goes_on(tmp_path, capsys):
    files = [EXPERIMENTS[0], BAD[0], EXPERIMENTS[1], tmp_path / "missing.toml"]
    assert main(["validate", *map(str, files)]) == 2
    captured = capsys.readouterr()
    ok = captured.out.strip().splitlines()
    err = captured.err.strip().splitlines()
    assert ok[0].startswith(f"{EXPERIMENTS[0]}: ok (") and ok[1].startswith(f"{EXPERIMENTS[1]}: ok (")
    assert ok[-1] == "2 of 4 files ok, 2 failed"
    assert len(err) == 2 and err[0].startswith(str(BAD[0])) and err[1].startswith(str(files[3]))
    assert main(["validate", *map(str, EXPERIMENTS)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == len(EXPERIMENTS) + 1


def test_validate_without_salib_names_the_file_and_the_extra(monkeypatch, capsys):
    for mod in [m for m in list(sys.modules) if m == "SALib" or m.startswith("SALib.")] + ["SALib"]:
        monkeypatch.setitem(sys.modules, mod, None)  # import SALib now fails
    milner = ROOT / "experiments" / "milner.toml"
    assert main(["validate", str(milner), str(ROOT / "experiments" / "h3_iteration.toml")]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith(f"{milner}: ") and "\n" not in err
    assert "SALib" in err and "pip install 'coopsim[sensitivity]'" in err
    assert "h3_iteration.toml: ok" in captured.out


def test_plot_refuses_to_pool_and_names_parameters_and_options(grid, tmp_path, capsys):
    # curve over continuation: noise x mutation = 16 other conditions, too many panels
    assert main(["plot", str(grid), "--format", "png", "--output", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("coopsim: error: --kind curve would pool 16 conditions: noise (4 values), "
                          "mutation (4 values) vary")
    assert "--where noise=0" in err and "--by" in err and "\n" not in err
    assert main(["plot", str(grid), "--kind", "shares", "--format", "png"]) == 2
    assert "would pool 32 conditions" in capsys.readouterr().err
    assert main(["plot", str(grid), "--kind", "panel", "--format", "png"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--kind panel would average over the other varied parameters (iteration.continuation, noise, " \
        "mutation)" in err and "--where noise=0" in err
    assert not (tmp_path / "a.png").exists()


def test_plot_facets_the_conditions_it_does_not_show(grid, tmp_path, capsys, monkeypatch):
    from coopsim import plots

    made = []
    save = plots.save
    monkeypatch.setattr(plots, "save", lambda fig, *args, **kwargs: made.append(fig) or save(fig, *args, **kwargs))
    assert main(["plot", str(grid), "--where", "noise=0.01", "--by", "mutation", "--format", "png",
                 "--output", str(tmp_path / "one")]) == 0
    fig = made[-1]
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 1  # every condition is on the figure
    assert len(fig.axes[0].get_lines()) == 4  # one line per mutation rate
    assert main(["plot", str(grid), "--where", "noise=0.01", "--format", "png", "--annotate",
                 "--output", str(tmp_path / "four")]) == 0
    fig = made[-1]
    titles = sorted(ax.get_title() for ax in fig.axes if ax.get_visible())
    assert titles == [f"mutation = {m}" for m in ("0", "0.01", "0.02", "0.03")]
    assert any("fixed: noise = 0.01" in t.get_text() for t in fig.texts)
    assert main(["plot", str(grid), "--kind", "time", "--where", "noise=0", "--where", "mutation=0",
                 "--by", "iteration.continuation", "--metric", "cooperation", "--format", "png",
                 "--output", str(tmp_path / "time")]) == 0
    assert len(made[-1].axes[0].get_lines()) == 2
    assert (tmp_path / "four.png").stat().st_size > 1000


def test_plot_option_errors_are_one_line_naming_the_choices(grid, capsys):
    assert main(["plot", str(grid), "--where", "noise=0.5"]) == 2
    assert capsys.readouterr().err.strip() == "coopsim: error: --where noise=0.5: no runs; noise takes 0, 0.01, " \
        "0.02, 0.03"
    assert main(["plot", str(grid), "--where", "n_states=6"]) == 2
    assert "not a varied parameter; one of iteration.continuation, noise, mutation" in capsys.readouterr().err
    assert main(["plot", str(grid), "--where", "noise"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert main(["plot", str(grid), "--metric", "happiness", "--where", "noise=0", "--where", "mutation=0"]) == 2
    err = capsys.readouterr().err
    assert "--metric='happiness' is not allowed" in err and "window_cooperation" in err


def test_examples_copies_every_shipped_file(tmp_path, capsys):
    files = example_files()
    assert {p.name for p in files["experiments"]} == {p.name for p in EXPERIMENTS}
    assert len(files["notebooks"]) >= 7  # six notebooks and their README
    assert main(["examples", str(tmp_path / "ex")]) == 0
    for kind, srcs in files.items():
        for src in srcs:
            assert (tmp_path / "ex" / kind / src.name).read_bytes() == src.read_bytes()
    assert main(["examples", str(tmp_path / "ex")]) == 2  # no silent overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert len(copy_examples(tmp_path / "ex", overwrite=True)) == sum(map(len, files.values()))


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_lines_with_eta_for_a_stream_that_is_not_a_terminal():
    stream, clock = io.StringIO(), _Clock()
    rep = prog.Reporter(100, 0, "h3", stream=stream, clock=clock)
    for _ in range(25):  # one run per second: a line every 10 runs (10 %) and every 10 s
        clock.t += 1.0
        rep.update(1, 0)
    clock.t += 30.0  # a slow chunk: the time rule
    rep.update(1, 1)
    rep.close()
    lines = stream.getvalue().strip().splitlines()
    assert lines[0] == "h3: 100 runs to do"
    assert lines[1] == "h3: 10/100 runs (10%), 10 s elapsed, ETA 1 min 30 s"
    assert lines[2] == "h3: 20/100 runs (20%), 20 s elapsed, ETA 1 min 20 s"
    assert lines[3] == "h3: 26/100 runs (26%), 55 s elapsed, ETA 2 min 37 s, 1 failed"
    assert len(lines) == 4  # close adds no line repeating the last one


def test_progress_choices_and_resumed_sweeps():
    stream = io.StringIO()
    rep = prog.progress_reporter("lines", 10, 4, "x", stream=stream)
    rep.update(6, 0)
    rep.close()
    assert stream.getvalue().splitlines() == ["x: 6 runs to do (4 done earlier)",
                                              "x: 10/10 runs (100%), 0 s elapsed, finished"]
    quiet = io.StringIO()
    prog.progress_reporter(None, 10, 0, "x", stream=quiet).close()  # not a terminal: the API stays quiet
    prog.progress_reporter(False, 10, 0, "x", stream=quiet).close()
    assert quiet.getvalue() == ""
    bar = io.StringIO()
    rep = prog.progress_reporter(True, 10, 0, "x", stream=bar)
    rep.update(10)
    rep.close()
    assert "10/10" in bar.getvalue()
    nb = io.StringIO()  # "notebook": tqdm.auto (a widget in Jupyter, a text bar here)
    rep = prog.progress_reporter("notebook", 5, 0, "x", stream=nb)
    rep.update(5)
    rep.close()
    assert rep.bar is not None and "5/5" in nb.getvalue()
    with pytest.raises(ValueError, match="progress"):
        prog.progress_reporter("yes", 10)


def test_coopsim_run_in_a_log_prints_progress_lines(tmp_path):
    (tmp_path / "g.toml").write_text(GRID)
    proc = subprocess.run([sys.executable, "-m", "coopsim", "run", str(tmp_path / "g.toml"), "--output",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0] == "three_way: 32 runs to do"
    assert lines[-1].startswith("three_way: 32/32 runs (100%)") and lines[-1].endswith("finished")
    assert any("ETA" in ln for ln in lines[1:-1])


#: never at start-up: axelrod takes 15-20 s to import; the verdicts' statistics (scipy.stats,
#: statsmodels, SALib, coopsim.analysis.hypotheses and .models) are for reports, not for
#: --help, validate, refusals or a figure; Dask is for running
HEAVY = ("axelrod", "scipy.stats", "statsmodels", "SALib", "dask", "distributed",
         "coopsim.analysis.hypotheses", "coopsim.analysis.models")


def _modules_after(argv: list[str]) -> set[str]:
    """The modules a fresh ``coopsim ARGV`` process has imported when it ends."""
    code = ("import sys\nfrom coopsim.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "print('\\nMODULES', *sorted(sys.modules))" % (argv,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    return set(out.rsplit("\nMODULES ", 1)[1].split())


@pytest.mark.parametrize("argv, also", [
    (["--help"], ("pandas", "matplotlib", "scipy", "pydantic")),
    (["validate", "experiments/h3_iteration.toml"], ("matplotlib", "scipy")),
    (["run", "no_such_file.toml"], ("pandas", "matplotlib", "scipy", "pydantic")),
    (["run", "experiments/h3_iteration.toml", "--workers", "0"], ("matplotlib", "scipy")),
    (["plot", "no_such_folder", "--kind", "nope"], ("pandas", "matplotlib", "scipy", "pydantic")),
], ids=["help", "validate", "missing-file", "bad-workers", "bad-kind"])
def test_start_up_imports_only_what_the_command_needs(argv, also):
    loaded = _modules_after(argv)
    assert "coopsim.cli" in loaded
    assert not {*HEAVY, *also} & loaded, sorted({*HEAVY, *also} & loaded)


@pytest.mark.parametrize("kind", ["curve", "time"])
def test_plot_imports_neither_verdicts_nor_scipy_stats_nor_axelrod(grid, tmp_path, kind):
    out = tmp_path / kind
    loaded = _modules_after(["plot", str(grid), "--kind", kind, "--where", "noise=0.0", "--where", "mutation=0.0",
                             "--format", "png", "--output", str(out)])
    assert out.with_suffix(".png").is_file()  # the figure was drawn and written
    assert {"pandas", "matplotlib", "coopsim.analysis.tables"} <= loaded
    assert not set(HEAVY) & loaded, sorted(set(HEAVY) & loaded)


def test_plot_reads_the_folder_and_draws_with_nothing_else(grid, tmp_path):
    # coopsim plot DIR: the tables (checked against the manifest), matplotlib's figure and the
    # backends of the formats asked for. Not the experiment file's models (pydantic), the world,
    # the runner, pyplot or scipy (Wilson's z at 95 % is a constant; no t interval is drawn).
    where = ["--where", "noise=0.0", "--where", "mutation=0.0"]
    out = tmp_path / "curve"
    loaded = _modules_after(["plot", str(grid), *where, "--output", str(out)])
    assert all(out.with_suffix(f".{f}").is_file() for f in ("pdf", "svg", "png"))
    assert {"coopsim.experiments.results", "matplotlib.backends.backend_pdf", "fontTools.subset"} <= loaded
    unneeded = {*HEAVY, "scipy", "pydantic", "psutil", "matplotlib.pyplot", "coopsim.experiments.schema",
                "coopsim.experiments.runner", "coopsim.world.mechanisms", "coopsim.world.scenario"}
    assert not unneeded & loaded, sorted(unneeded & loaded)
    loaded = _modules_after(["plot", str(grid), *where, "--format", "png", "--output", str(tmp_path / "png")])
    assert (tmp_path / "png.png").is_file()
    assert not {"fontTools.subset", "matplotlib.backends.backend_pdf", "matplotlib.backends.backend_svg"} & loaded


def test_plot_refuses_a_bad_metric_before_importing_pyplot(grid):
    loaded = _modules_after(["plot", str(grid), "--where", "noise=0.0", "--where", "mutation=0.0",
                             "--metric", "nope", "--format", "png"])
    assert "coopsim.experiments.results" in loaded  # the folder was read: the refusal names its metrics
    assert not {*HEAVY, "matplotlib.pyplot"} & loaded, sorted({*HEAVY, "matplotlib.pyplot"} & loaded)
