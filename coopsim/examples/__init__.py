"""The experiment files and tutorial notebooks that ship with coopsim.

In the repository they live in ``experiments/`` and ``notebooks/``; building the wheel
copies them into this package (``coopsim/examples/experiments``,
``coopsim/examples/notebooks``; see ``setup.py``), so that an installed coopsim has them
too. ``coopsim examples DIR`` (:func:`copy_examples`) copies them out, keeping the
layout (the notebooks find ``../experiments``).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .._validation import ParameterError

__all__ = ["KINDS", "example_folders", "example_files", "copy_examples"]

#: the sub-folders and the files each holds
KINDS = {"experiments": ("*.toml",), "notebooks": ("*.ipynb", "README.md")}

_HERE = Path(__file__).resolve().parent


def example_folders() -> dict[str, Path]:
    """``{"experiments": folder, "notebooks": folder}``: the installed copies, or in a source
    checkout (an editable install) the repository's own folders."""
    out = {}
    for kind in KINDS:
        inside = _HERE / kind
        repo = _HERE.parents[1] / kind
        out[kind] = inside if inside.is_dir() and any(inside.iterdir()) else repo
    return out


def example_files() -> dict[str, list[Path]]:
    """The shipped files per kind, sorted by name."""
    out = {}
    for kind, folder in example_folders().items():
        files = {p for pattern in KINDS[kind] for p in folder.glob(pattern)} if folder.is_dir() else set()
        out[kind] = sorted(files)
    return out


def copy_examples(dest: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the experiment files and notebooks into ``dest/experiments`` and
    ``dest/notebooks``; returns the files written. Refuses to replace existing files
    unless ``overwrite``."""
    dest = Path(dest)
    files = example_files()
    if not any(files.values()):
        raise ParameterError("examples", str(_HERE), "an installed coopsim with its example files "
                             "(reinstall coopsim)")
    targets = [(src, dest / kind / src.name) for kind, srcs in files.items() for src in srcs]
    clash = [str(t) for _, t in targets if t.exists()]
    if clash and not overwrite:
        raise ParameterError("examples", clash[0], f"a folder without earlier copies ({len(clash)} files "
                             "exist; use --overwrite to replace them)")
    for src, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return [t for _, t in targets]
