"""Execute the tutorial notebooks and store the results for the documentation site.

    python docs/execute_notebooks.py [--quick] [NAME ...]     (make docs-notebooks)

Each notebook in ``notebooks/`` runs from a copy in a temporary folder (so nothing it
writes lands in the repository) with the inline figure backend, and the executed copy,
outputs included, is written to ``docs/tutorials/_executed/``. ``docs/conf.py`` renders
those copies, so that the site shows every table and figure without running the
notebooks at each build. ``--quick`` sets ``COOPSIM_QUICK=1`` (smaller experiments; the
pages then say "quick mode" where the notebooks print it). Execution times, dates and
kernel ids are removed so that re-running changes only what the results change.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"
TARGET = ROOT / "docs" / "tutorials" / "_executed"


def _clean(nb) -> None:
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            out.get("metadata", {}).pop("execution", None)


def execute(path: Path, quick: bool) -> Path:
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="coopsim_docs_") as tmp:
        work = Path(tmp)
        shutil.copy(path, work / path.name)
        env = {"COOPSIM_QUICK": "1" if quick else "0", "TMPDIR": str(work), "MPLBACKEND": ""}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        os.environ.pop("MPLBACKEND")  # the kernel's inline backend: figures become PNG outputs
        try:
            client = nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                                             resources={"metadata": {"path": str(work)}})
            client.execute()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    _clean(nb)
    TARGET.mkdir(parents=True, exist_ok=True)
    out = TARGET / path.name
    nbformat.write(nb, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook names or stems (default: all)")
    parser.add_argument("--quick", action="store_true", help="COOPSIM_QUICK=1: smaller experiments")
    args = parser.parse_args(argv)
    paths = sorted(SOURCE.glob("*.ipynb"))
    if args.names:
        wanted = {Path(n).stem for n in args.names}
        paths = [p for p in paths if p.stem in wanted]
    # the kernel must import this checkout's coopsim
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    for path in paths:
        start = time.perf_counter()
        out = execute(path, args.quick)
        print(f"{out.relative_to(ROOT)}  ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
