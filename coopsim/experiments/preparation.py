"""Before a run writes anything: where its output folder is, and what the folder holds.

:func:`output_folder` refuses an experiment file's output that is not a relative folder
below the working directory, and any output that is a filesystem root or an existing
file. :func:`prepare` (called with the folder's lock held) decides from the folder's
manifest whether the run may start: a fresh folder; ``--overwrite`` of a folder whose
every file the manifest lists (anything else: refused, listing it); ``--resume`` of the
same experiment (content hash) and mode, with every part checked (``--repair`` deletes
the damaged parts the manifest lists, so their runs run again); ``--force`` resumes the
experiment the folder holds (its own copy) when the file has changed.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._validation import ParameterError
from .errors import ExperimentError
from .loading import loads_experiment
from .provenance import check_output_folder, content_hash, foreign_files
from .results import ResultStore
from .schema import Experiment

__all__ = ["output_folder", "prepare"]


def _recorded_experiment(folder: Path, old: dict) -> Experiment:
    """The experiment a folder holds (its copy), checked against the manifest's content hash."""
    source = old.get("experiment", {}).get("path") or str(folder / "experiment.toml")
    try:
        if (folder / "experiment.toml").exists():
            exp = loads_experiment((folder / "experiment.toml").read_text("utf-8"), source=source)
        else:
            exp = Experiment.from_dict(json.loads((folder / "experiment.json").read_text("utf-8")))
    except (OSError, ValueError) as err:
        raise ExperimentError(str(folder), "experiment.toml", f"the folder's copy of its experiment cannot be "
                              f"read ({type(err).__name__}): it cannot be resumed; use another output folder") from None
    if content_hash(exp) != old.get("experiment", {}).get("content_sha256"):
        raise ExperimentError(str(folder), "experiment.toml", "the folder's copy of its experiment does not match "
                              "its manifest: it cannot be resumed; use another output folder")
    return exp


def prepare(store: ResultStore, exp: Experiment, quick: bool, resume: bool, force: bool, overwrite: bool,
             repair: bool = False) -> tuple[dict | None, Experiment, bool]:
    """Check what the output folder holds (the caller holds its lock); return the previous
    manifest when resuming, and the experiment and quick mode to run."""
    if resume and overwrite:
        raise ParameterError("overwrite", True, "False with resume=True (resume keeps the runs, overwrite "
                                                "deletes them)")
    if repair and not resume:
        raise ParameterError("repair", True, "only with resume=True (--resume --repair)")
    folder = store.folder
    if not store.has_results():
        leftovers = foreign_files(folder, {}) if overwrite and folder.is_dir() else []
        if leftovers:
            raise ExperimentError(str(folder), "", f"--overwrite refused: no coopsim manifest, and the folder holds "
                                  f"{_listing(leftovers)}: coopsim deletes only what it wrote; use another output "
                                  "folder")
        return None, exp, quick
    old = store.read_manifest()
    if overwrite:
        if old is None:
            raise ExperimentError(str(folder), "", "--overwrite refused: run parts but no manifest.json, so nothing "
                                  "shows that coopsim wrote them; use another output folder")
        if "parts" not in old:
            raise ExperimentError(str(folder), "", "--overwrite refused: written by an older coopsim that did not "
                                  "list its files; delete the folder yourself or use another output folder")
        found = foreign_files(folder, old)
        if found:
            raise ExperimentError(str(folder), "", f"--overwrite refused: the folder holds {_listing(found)}, not "
                                  "written by coopsim (coopsim deletes only the files its manifest lists); move "
                                  "them away or use another output folder")
        store.clear(old)
        return None, exp, quick
    if not resume:
        raise ExperimentError(str(folder), "", "already holds results: resume=True (--resume) continues them, "
                                               "overwrite=True (--overwrite) replaces them, or choose another output")
    if old is None:
        raise ExperimentError(str(folder), "", "holds run parts but no manifest.json: cannot tell which experiment "
                                               "they belong to; use another output folder")
    recorded = old["experiment"].get("content_sha256")
    same = recorded == content_hash(exp) if recorded else old["experiment"].get("sha256") == exp.sha256
    if (not same or bool(old.get("quick", False)) != bool(quick)) and not force:
        what = (f"a different experiment (content sha256 {str(recorded or old['experiment'].get('sha256'))[:12]}..., "
                f"{exp.source} now has {content_hash(exp)[:12]}...)" if not same else
                f"a {'quick' if old.get('quick') else 'full'} run, this is a {'quick' if quick else 'full'} run")
        raise ExperimentError(str(folder), "manifest.json", f"holds results of {what}: use another output folder, "
                              "or resume the folder's own experiment with force=True (--force)")
    if not same:
        if not recorded:
            raise ExperimentError(str(folder), "manifest.json", "written by an older coopsim without a content hash: "
                                  "--force cannot tell which experiment it holds; use another output folder")
        exp = _recorded_experiment(folder, old)
        print(f"coopsim: warning: {folder}: the experiment file has changed; resuming the experiment the folder "
              "holds (its experiment.toml)", file=sys.stderr)
    quick = bool(old.get("quick", False))
    store.content, store.replications = content_hash(exp), exp.replications(quick)
    removed = store.verify(old, repair=repair, adopt=True)
    for name in removed:
        print(f"coopsim: {folder}: removed the damaged part {name}; its runs run again", file=sys.stderr)
    store.files = {k: v for k, v in (old.get("files") or {}).items() if (folder / k).exists()}
    return old, exp, quick


def _listing(names: Sequence[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def output_folder(exp: Experiment, output: Any, quick: bool) -> Path | None:
    """The output folder: ``output`` (anywhere but a root or a file) or the file's relative one."""
    if output is False:
        return None
    if output not in (None, True):
        folder = Path(output)
        check_output_folder(folder, "the output folder")
        return folder
    folder = exp.output_folder(quick)
    if folder.is_absolute() or ".." in folder.parts or folder.resolve() == Path.cwd().resolve():
        raise ExperimentError(exp.source, "experiment.output", f"{str(folder)!r} is not allowed: a relative folder "
                              "below the working directory (e.g. results/<name>); use --output for any other place")
    check_output_folder(folder, "[experiment] output")
    return folder
