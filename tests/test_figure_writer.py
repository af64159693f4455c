"""A report's figures written by worker processes (coopsim.figure_writer) are the files
written in place, byte for byte; a figure the workers cannot write is written here, and
an error doing so reaches the caller."""
import filecmp
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from coopsim import plots  # noqa: E402
from coopsim.experiments import loads_experiment, run_experiment  # noqa: E402
from coopsim.figure_writer import FigureWriter  # noqa: E402
from coopsim.reporting import write_report  # noqa: E402

FORMATS = ("pdf", "svg", "png")

GRID = """
[experiment]
name = "figures_in_workers"
replications = 4
seed = 11

[scenario]
n_states = 10
periods = 30
window = 10
threshold = 0.6
strategies = ["ALLC", "ALLD", "TFT"]

[design]
kind = "grid"

[design.parameters]
"reciprocity.share" = [0.0, 0.5]
"iteration.continuation" = [0.5, 0.9]
"""


def _figure(title):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0.1, 0.7, 0.4], marker="o", label="emergence")
    ax.set_title(title)
    ax.legend()
    return fig


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and names
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_figures_written_by_workers_are_the_same_bytes(tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    with FigureWriter(2) as writer:
        for i in range(3):
            fig = _figure(f"figure {i} — ε")
            plots.save(fig, here / f"f{i}", FORMATS)
            writer.save(fig, there / f"f{i}", FORMATS)
            plt.close(fig)  # handed over as it was: closing it now changes nothing
    _same_files(here, there)


def test_a_report_with_its_figures_in_workers_is_the_same(tmp_path):
    result = run_experiment(loads_experiment(GRID), output=False, progress=False)
    write_report(result, tmp_path / "here")
    write_report(result, tmp_path / "there", workers=2)
    _same_files(tmp_path / "here" / "figures", tmp_path / "there" / "figures")
    for name in ("report.md", "summary.csv", "hypotheses.csv"):
        assert filecmp.cmp(tmp_path / "here" / name, tmp_path / "there" / name, shallow=False), name


def test_without_workers_a_figure_is_written_at_once(tmp_path):
    writer = FigureWriter(0)
    fig = _figure("now")
    writer.save(fig, tmp_path / "now", ("png",))
    assert (tmp_path / "now.png").stat().st_size > 0  # before close()
    plt.close(fig)


def test_a_figure_the_workers_cannot_write_raises_here(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    fig = _figure("nowhere")
    writer = FigureWriter(2)
    writer.save(fig, blocker / "sub" / "f", ("png",))  # its folder cannot be made
    plt.close(fig)
    with pytest.raises(OSError):
        writer.close()
