"""Reading experiment files: :func:`load_experiment` (a path) and :func:`loads_experiment` (TOML text).

Both parse the TOML, validate it with the models of :mod:`~coopsim.experiments.schema` and
run every check of :mod:`~coopsim.experiments.checks`; any problem raises a one-line
:class:`~coopsim.experiments.errors.ExperimentError`.
"""
from __future__ import annotations

import contextlib
import json
import tomllib
from pathlib import Path

from .errors import MAX_DEPTH, ExperimentError, scan_nesting
from .schema import Experiment

__all__ = ["load_experiment", "loads_experiment", "stored_experiment"]


def loads_experiment(text: str, source: str | None = None) -> Experiment:
    """Parse and validate the TOML text of an experiment (``source`` names it in errors)."""
    if not text.strip():
        raise ExperimentError(source, "", "the file is empty: expected the tables [experiment] (name, replications, "
                                          "seed) and [scenario], optionally [design] and [quick]")
    scan_nesting(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ExperimentError(source, "", f"not valid TOML: {err}") from None
    except RecursionError:  # nesting the scan could not see (it counts brackets outside strings)
        raise ExperimentError(source, "", "nested too deeply to read: at most "
                                          f"{MAX_DEPTH} levels of tables and arrays") from None
    if not data:
        raise ExperimentError(source, "", "the file is empty (comments only): expected the tables [experiment] "
                                          "(name, replications, seed) and [scenario], optionally [design] and "
                                          "[quick]")
    return Experiment.from_dict(data, source=source, text=text)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; raise :class:`ExperimentError` (one line) if it is not valid.

    The file's scenario and the scenario of every design point (also with ``[quick]``) are
    constructed, so that a sweep never starts with a point that cannot run.
    """
    p = Path(path)
    source = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ExperimentError(source, "", "no such file") from None
    except IsADirectoryError:
        raise ExperimentError(source, "", "a folder, not an experiment file") from None
    except OSError as err:
        raise ExperimentError(source, "", f"cannot be read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ExperimentError(source, "", f"not UTF-8 text (byte {err.start}): TOML files are UTF-8") from None
    exp = loads_experiment(text, source=source)
    exp._path = p.resolve()
    return exp


def stored_experiment(folder: Path, manifest: dict) -> Experiment | None:
    """The copy of the experiment in a results folder (``experiment.toml`` or ``.json``),
    validated; None when it is missing or no longer valid."""
    source = manifest.get("experiment", {}).get("path") or str(folder / "experiment.toml")
    if (folder / "experiment.toml").exists():
        with contextlib.suppress(ExperimentError):
            return loads_experiment((folder / "experiment.toml").read_text("utf-8"), source=source)
    elif (folder / "experiment.json").exists():
        with contextlib.suppress(ExperimentError, ValueError):
            return Experiment.from_dict(json.loads((folder / "experiment.json").read_text("utf-8")))
    return None
