"""The tutorial notebooks run top to bottom, are committed clean, and are in the docs.

Each notebook in ``notebooks/`` is executed with nbclient in quick mode
(``COOPSIM_QUICK=1``, ``MPLBACKEND=Agg``) from a copy in a temporary folder, so that
nothing it writes lands in the repository (``TMPDIR`` points into that folder too, for
the notebooks' ``tempfile`` output folders). The committed files must carry no outputs
and no execution counts, and every notebook must be listed in the toctree of
``docs/tutorials/index.md``.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
INDEX = ROOT / "docs" / "tutorials" / "index.md"
CELL_TIMEOUT = 600  # seconds per cell


def _ids(paths):
    return [p.stem for p in paths]


def test_there_are_tutorial_notebooks():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_quick_mode(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    work = tmp_path / "notebooks"
    work.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    shutil.copy(path, work / path.name)
    # the kernel inherits this process's environment
    monkeypatch.setenv("COOPSIM_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TMPDIR", str(scratch))
    # the "python3" kernel of the interpreter running the tests (jupyter_client replaces a
    # kernel command "python" by sys.executable; the PATH entry covers other launchers)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))

    nb = nbformat.read(work / path.name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    # nothing but the notebook itself in its folder (outputs go to temporary folders)
    assert sorted(p.name for p in work.iterdir()) == [path.name]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_without_outputs(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts (clear them)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_headings_are_well_formed(path):
    """One H1 title, in the first cell; no skipped heading levels (the docs render them)."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    assert nb.cells and nb.cells[0].cell_type == "markdown", f"{path.name}: first cell is not markdown"
    levels = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            m = None if in_fence else re.match(r"^(#{1,6})\s", line)
            if m:
                levels.append((i, len(m.group(1))))
    assert levels and levels[0] == (0, 1), f"{path.name}: the first cell must start with a '# Title'"
    assert [lv for _, lv in levels].count(1) == 1, f"{path.name}: more than one H1 title"
    for (_, prev), (cell, lv) in zip(levels, levels[1:], strict=False):
        assert lv <= prev + 1, f"{path.name}: heading level jumps from {prev} to {lv} in cell {cell}"


def test_every_notebook_is_in_the_tutorials_toctree():
    text = INDEX.read_text(encoding="utf-8")
    blocks = re.findall(r"```\{toctree\}(.*?)```", text, flags=re.S)
    assert blocks, "docs/tutorials/index.md has no toctree"
    entries = {line.strip() for block in blocks for line in block.splitlines()
               if line.strip() and not line.strip().startswith(":")}
    missing = [p.stem for p in NOTEBOOKS if p.stem not in entries and p.name not in entries]
    assert not missing, f"notebooks missing from the toctree of docs/tutorials/index.md: {missing}"
