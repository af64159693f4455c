"""The documentation site builds with warnings treated as errors.

(The examples in docs/ run as doctests: the test command collects ``docs`` with
``--doctest-glob='*.md'``.)
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_nb")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"),
         str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / "html" / "index.html").exists()
    assert (tmp_path / "html" / "explanation" / "hypotheses.html").exists()
    # the tutorials show their figures; the API reference no pydantic internals
    page = (tmp_path / "html" / "tutorials" / "01_first_iterated_game.html").read_text(encoding="utf-8")
    assert page.count("<img") >= 3
    api = (tmp_path / "html" / "reference" / "api" / "experiments.html").read_text(encoding="utf-8")
    assert "model_config" not in api and "model_post_init" not in api


def _code(nb):
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_the_site_shows_the_tutorials_outputs_of_the_current_notebooks():
    """docs/tutorials/_executed holds an executed copy of every notebook (make docs-notebooks),
    with the notebook's current code, its figures and no error."""
    nbformat = pytest.importorskip("nbformat")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        stored = ROOT / "docs" / "tutorials" / "_executed" / path.name
        assert stored.exists(), f"{stored.name}: missing; run make docs-notebooks"
        nb, ran = nbformat.read(path, as_version=4), nbformat.read(stored, as_version=4)
        assert _code(ran) == _code(nb), f"{path.name} changed since it was executed for the site: " \
            "run make docs-notebooks"
        outputs = [o for c in ran.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], path.name
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no figures"


def test_no_page_points_outside_the_repository():
    pages = [*(ROOT / "docs").rglob("*.md"), *(ROOT / "notebooks").glob("*.ipynb"), ROOT / "README.md",
             *(ROOT / "docs" / "tutorials" / "_executed").glob("*.ipynb")]
    bad = [str(p.relative_to(ROOT)) for p in pages if "_build" not in p.parts
           and ("../shared" in p.read_text(encoding="utf-8") or "/work/" in p.read_text(encoding="utf-8"))]
    assert not bad
