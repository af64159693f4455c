"""A plain ``pip install coopsim`` runs every shipped experiment: the wheel carries the
experiment files and notebooks, and a fresh virtual environment (not the test one: no
--system-site-packages) installs it with its dependencies and runs a Sobol file."""
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["coopsim", "experiments", "notebooks", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md"]


def _sh(*args, cwd=None, timeout=900):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{args}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


def test_licence_is_an_spdx_expression_and_salib_is_a_core_dependency():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "MIT"
    assert any(dep.startswith("SALib") for dep in meta["project"]["dependencies"])
    assert meta["build-system"]["requires"] == ["setuptools>=77"]  # the first to take license = "MIT"


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_runs_a_shipped_sobol_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:  # a copy: building leaves build/ and *.egg-info behind
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(path, src / name)
    dist = tmp_path / "dist"
    proc = _sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, src)
    assert "SetuptoolsDeprecationWarning" not in proc.stdout + proc.stderr
    wheel = next(dist.glob("coopsim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {p.name for p in (ROOT / "experiments").glob("*.toml")}
    assert {n.rsplit("/", 1)[-1] for n in names if n.startswith("coopsim/examples/experiments/")} == shipped
    assert sum(n.startswith("coopsim/examples/notebooks/") and n.endswith(".ipynb") for n in names) >= 6

    venv = tmp_path / "venv"
    _sh(sys.executable, "-m", "venv", venv)
    py = venv / "bin" / "python"
    _sh(py, "-m", "pip", "install", "--quiet", wheel)
    coopsim = venv / "bin" / "coopsim"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the installed package is the one that runs, not the repository's
    where = _sh(py, "-c", "import coopsim; print(coopsim.__file__)", cwd=elsewhere).stdout.strip()
    assert where.startswith(str(venv)), where
    _sh(coopsim, "examples", "mine", cwd=elsewhere)
    assert {p.name for p in (elsewhere / "mine" / "experiments").glob("*.toml")} == shipped
    _sh(coopsim, "validate", *sorted((elsewhere / "mine" / "experiments").glob("*.toml")), cwd=elsewhere)
    run = _sh(coopsim, "run", "mine/experiments/milner.toml", "--quick", "--output", "res", cwd=elsewhere)
    assert "runs -> res" in run.stdout
    assert (elsewhere / "res" / "summary.csv").exists() and (elsewhere / "res" / "report.md").exists()
