"""Results of an experiment on disk: incremental Parquet datasets, a manifest, resume.

An output folder holds

``manifest.json``
    the experiment file (path, SHA-256), coopsim and library versions, start and end
    time, status (``running`` / ``complete`` / ``interrupted``), design size, seed, one
    entry per session (a resumed run adds a session), the SALib problem of a Sobol design,
    and which columns of the runs table are ``parameters`` and which are ``metrics``;
``experiment.toml`` (or ``experiment.json``)
    a copy of the experiment as it was run;
``design.parquet``
    the design points (``point`` and one column per parameter);
``runs/part-*.parquet``
    the runs table, one row per (point, replication), written part by part as runs
    complete — each part is written to a hidden temporary name and renamed, so a part
    file is either complete or absent. Each part's Parquet schema metadata holds, under
    the key ``coopsim``, the JSON ``{"format", "parameters", "metrics"}`` of its columns;
``periods/part-*.parquet`` (when ``record_periods``)
    per-period time series, one row per (point, replication, period).

The runs table (see :func:`runs_frame` and :mod:`~coopsim.experiments.columns`):
``point``, ``replication``, ``seed_entropy``, ``seed_spawn_key``, one column per design
parameter, every summary metric, ``status``, ``error`` and ``elapsed``. Reading sorts by
(point, replication) and drops duplicates, so a resumed folder reads exactly like an
uninterrupted one, and sets ``runs.attrs["parameters"]`` and ``runs.attrs["metrics"]``
from what was stored (:func:`stored_columns`; folders written by coopsim 0.1, without
that metadata, fall back to the manifest's design parameters).
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .columns import BOOKKEEPING, BOOLEAN_METRICS, HEAD, KEY, PERIOD, TAIL, metric_order
from .errors import ExperimentError
from .loading import loads_experiment
from .schema import Experiment
from .designs.base import STR

__all__ = ["ResultStore", "ExperimentResult", "runs_frame", "periods_frame", "read_runs", "read_periods",
           "load_results", "stored_columns", "part_metadata", "MANIFEST", "FORMAT_VERSION", "METADATA_KEY"]

MANIFEST = "manifest.json"
#: 2: the manifest and every part record the parameter and metric columns (1: coopsim 0.1)
FORMAT_VERSION = 2
RUNS, PERIODS, DESIGN = "runs", "periods", "design.parquet"
#: the key of the Parquet schema metadata holding a part's columns
METADATA_KEY = b"coopsim"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ============================================================================ tables
def canonical(df: pd.DataFrame, parameters: Sequence[str], metrics: Sequence[str] = ()) -> pd.DataFrame:
    """Columns in the canonical order: bookkeeping, parameters, metrics, status."""
    head = [c for c in HEAD if c in df.columns] + [p for p in parameters if p in df.columns]
    tail = [c for c in TAIL if c in df.columns]
    middle = metric_order([c for c in df.columns if c not in head and c not in tail], metrics)
    return df[head + middle + tail]


def runs_frame(rows: list[dict], design_table: pd.DataFrame, root_seed: int,
               metrics: Sequence[str]) -> pd.DataFrame:
    """One tidy row per run from the runner's records.

    ``rows``: dicts with ``point``, ``replication``, ``summary`` (the run's summary dict,
    None if it failed), ``status``, ``error``, ``elapsed``. ``metrics``: the metric
    columns to write (present in every part, NaN for failed runs).
    """
    points = np.array([r["point"] for r in rows], dtype=np.int64)
    reps = np.array([r["replication"] for r in rows], dtype=np.int64)
    data: dict[str, Any] = {
        "point": points, "replication": reps,
        "seed_entropy": np.full(len(rows), int(root_seed), dtype=np.int64),
        "seed_spawn_key": pd.Series([f"({p}, {r})" for p, r in zip(points, reps, strict=True)], dtype=STR),
    }
    params = design_table.set_index("point")
    for name in params.columns:
        data[name] = params[name].reindex(points).to_numpy() if len(rows) else params[name].iloc[:0].to_numpy()
        data[name] = pd.Series(data[name], dtype=params[name].dtype)
    for m in metrics:
        values = [(r["summary"] or {}).get(m) for r in rows]
        if m in BOOLEAN_METRICS or (any(isinstance(v, (bool, np.bool_)) for v in values)
                                    and all(v is None or isinstance(v, (bool, np.bool_)) for v in values)):
            data[m] = pd.array(values, dtype="boolean")
        else:
            try:
                data[m] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            except (TypeError, ValueError):
                data[m] = pd.Series(values, dtype=object)
    data["status"] = pd.Series([r["status"] for r in rows], dtype=STR)
    data["error"] = pd.Series([r["error"] for r in rows], dtype=STR)
    data["elapsed"] = np.array([r["elapsed"] for r in rows], dtype=np.float64)
    return pd.DataFrame({k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v) for k, v in data.items()})


def periods_frame(frames: list[pd.DataFrame], design_table: pd.DataFrame) -> pd.DataFrame | None:
    """Per-period tables (each with ``point`` and ``replication``) with the design's parameters."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return None
    df = pd.concat(frames, ignore_index=True)
    params = design_table.set_index("point")
    out = {"point": df["point"].to_numpy(np.int64), "replication": df["replication"].to_numpy(np.int64)}
    for name in params.columns:
        out[name] = pd.Series(params[name].reindex(out["point"]).to_numpy(), dtype=params[name].dtype)
    rest = {c: df[c].to_numpy() for c in df.columns if c not in ("point", "replication")}
    return pd.DataFrame({**out, **rest})


# ============================================================================ files
def _fsync_write(path: Path, write) -> None:
    """Write through ``write(fh)`` to a hidden temporary file, fsync, then rename onto ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_parquet(df: pd.DataFrame, path: Path, metadata: dict | None = None) -> None:
    """Atomically write a DataFrame as Parquet (temporary name, then rename); ``metadata``
    (JSON) goes into the schema metadata under :data:`METADATA_KEY`."""
    if metadata is None:
        _fsync_write(path, lambda fh: df.to_parquet(fh, index=False, engine="pyarrow"))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           METADATA_KEY: json.dumps(metadata).encode("utf-8")})
    _fsync_write(path, lambda fh: pq.write_table(table, fh))


def part_metadata(path: Path) -> dict | None:
    """The ``{"format", "parameters", "metrics"}`` a part was written with (None before format 2)."""
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    return json.loads(raw) if raw else None


def write_json(data: dict, path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
    _fsync_write(path, lambda fh: fh.write(text.encode("utf-8")))


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []


def _read_parts(folder: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    parts = _parts(folder)
    if not parts:
        return None
    frames = [pd.read_parquet(p, columns=columns, engine="pyarrow") for p in parts]
    frames = [f for f in frames if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else None


# ============================================================================ the store
class ResultStore:
    """Where the runner puts its results: an output folder, or memory (``folder=None``)."""

    def __init__(self, folder: str | Path | None):
        self.folder = Path(folder) if folder is not None else None
        self._runs: list[pd.DataFrame] = []
        self._periods: list[pd.DataFrame] = []
        self.session = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(2)}"
        self._seq = 0
        self.manifest: dict = {}
        #: the parameter columns, and the metric columns declared or written so far
        self.parameters: list[str] = []
        self.metrics: list[str] = []

    # ------------------------------------------------------------------ layout
    @property
    def runs_dir(self) -> Path:
        return self.folder / RUNS

    @property
    def periods_dir(self) -> Path:
        return self.folder / PERIODS

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def has_results(self) -> bool:
        if self.folder is None:
            return bool(self._runs)
        return self.manifest_path.exists() or bool(_parts(self.runs_dir))

    def read_manifest(self) -> dict | None:
        if self.folder is None or not self.manifest_path.exists():
            return None
        try:
            return json.loads(self.manifest_path.read_text("utf-8"))
        except (OSError, ValueError) as err:
            raise ExperimentError(str(self.manifest_path), "", f"cannot be read: {err}") from None

    def write_manifest(self, manifest: dict) -> None:
        """Write the manifest, with this store's ``parameters`` and ``metrics`` lists."""
        manifest.update(format=FORMAT_VERSION, parameters=list(self.parameters), metrics=list(self.metrics))
        self.manifest = manifest
        if self.folder is not None:
            write_json(manifest, self.manifest_path)

    def clean_temporary(self) -> None:
        """Remove temporary files left by a killed run (never complete parts)."""
        if self.folder is None:
            return
        for d in (self.folder, self.runs_dir, self.periods_dir):
            if d.is_dir():
                for tmp in d.glob(".*.tmp"):
                    with contextlib.suppress(OSError):
                        tmp.unlink()

    def clear(self) -> None:
        """Delete the results this store wrote (parts, design, manifest, experiment copy)."""
        self._runs, self._periods = [], []
        if self.folder is None:
            return
        for d in (self.runs_dir, self.periods_dir):
            if d.is_dir():
                shutil.rmtree(d)
        for name in (MANIFEST, DESIGN, "experiment.toml", "experiment.json"):
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()

    # ------------------------------------------------------------------ writing
    def start(self, experiment: Experiment | None, design_table: pd.DataFrame, parameters: Sequence[str] = (),
              metrics: Sequence[str] = ()) -> None:
        """Begin writing: the design, a copy of the experiment; ``parameters`` and
        ``metrics`` are the columns the runs parts will hold (more metrics may follow)."""
        self.parameters = list(parameters)
        self.metrics = list(dict.fromkeys(metrics))
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.runs_dir.mkdir(exist_ok=True)
        write_parquet(design_table, self.folder / DESIGN)
        if experiment is not None:
            if experiment.text is not None:
                target = self.folder / "experiment.toml"
                _fsync_write(target, lambda fh: fh.write(experiment.text.encode("utf-8")))
            else:
                write_json(experiment.model_dump(mode="json", exclude_none=True), self.folder / "experiment.json")

    def _columns(self, df: pd.DataFrame, skip: Sequence[str]) -> dict:
        params = [p for p in self.parameters if p in df.columns]
        metrics = [c for c in df.columns if c not in skip and c not in params]
        return {"format": FORMAT_VERSION, "parameters": params, "metrics": metrics}

    def write(self, runs: pd.DataFrame, periods: pd.DataFrame | None = None) -> None:
        """One part: the periods first, then the runs (the runs part marks the runs done).
        Each part records its parameter and metric columns (see the module docstring)."""
        meta = self._columns(runs, BOOKKEEPING)
        self.metrics += [m for m in meta["metrics"] if m not in self.metrics]
        if self.folder is None:
            self._runs.append(runs)
            if periods is not None:
                self._periods.append(periods)
            return
        name = f"part-{self.session}-{self._seq:05d}.parquet"
        self._seq += 1
        if periods is not None and len(periods):
            self.periods_dir.mkdir(exist_ok=True)
            write_parquet(periods, self.periods_dir / name, self._columns(periods, (*KEY, PERIOD)))
        write_parquet(runs, self.runs_dir / name, meta)

    # ------------------------------------------------------------------ reading
    def done(self) -> set[tuple[int, int]]:
        """(point, replication) of the runs already recorded (ok or error)."""
        if self.folder is None:
            df = pd.concat(self._runs, ignore_index=True) if self._runs else None
        else:
            df = _read_parts(self.runs_dir, columns=list(KEY))
        if df is None or not len(df):
            return set()
        return set(zip(df["point"].astype(int), df["replication"].astype(int), strict=True))

    def stored_columns(self, manifest: dict | None = None) -> tuple[list[str], list[str]]:
        """(parameters, metrics) as stored: this store's lists in memory; for a folder the
        manifest's lists, else those of the runs parts, else (coopsim 0.1) the manifest's
        design parameters, else the columns of ``design.parquet``."""
        if self.folder is None:
            return list(self.parameters), list(self.metrics)
        manifest = self.read_manifest() if manifest is None else manifest
        manifest = manifest or {}
        metas = [m for m in (part_metadata(p) for p in _parts(self.runs_dir)) if m is not None]
        parameters = manifest.get("parameters")
        if parameters is None and metas:
            parameters = list(dict.fromkeys(p for m in metas for p in m["parameters"]))
        if parameters is None:
            parameters = manifest.get("design", {}).get("parameters")
        if parameters is None and (self.folder / DESIGN).exists():
            parameters = [c for c in pd.read_parquet(self.folder / DESIGN).columns if c != "point"]
        metrics = list(manifest.get("metrics") or []) + [c for m in metas for c in m["metrics"]]
        return list(parameters or []), list(dict.fromkeys(metrics))

    def runs(self, parameters: Sequence[str] | None = None, metrics: Sequence[str] | None = None
             ) -> pd.DataFrame | None:
        """The runs table; ``attrs["parameters"]`` and ``attrs["metrics"]`` name its columns
        (from what was stored unless ``parameters``/``metrics`` are given)."""
        df = (pd.concat(self._runs, ignore_index=True) if self._runs else None) if self.folder is None \
            else _read_parts(self.runs_dir)
        if df is None:
            return None
        if parameters is None or metrics is None:
            stored = self.stored_columns()
            parameters = stored[0] if parameters is None else parameters
            metrics = stored[1] if metrics is None else metrics
        df = df.drop_duplicates(list(KEY), keep="last").sort_values(list(KEY), kind="stable").reset_index(drop=True)
        df = canonical(df, parameters, metrics)
        return _label(df, parameters, BOOKKEEPING)

    def periods(self, parameters: Sequence[str] | None = None) -> pd.DataFrame | None:
        """The periods table (None if not recorded), with ``attrs["parameters"]`` and
        ``attrs["metrics"]`` (the per-period outcome columns)."""
        df = (pd.concat(self._periods, ignore_index=True) if self._periods else None) if self.folder is None \
            else _read_parts(self.periods_dir)
        if df is None:
            return None
        key = [*KEY, PERIOD]
        df = df.drop_duplicates(key, keep="last").sort_values(key, kind="stable").reset_index(drop=True)
        return _label(df, self.stored_columns()[0] if parameters is None else parameters, key)


def _label(df: pd.DataFrame, parameters: Sequence[str], bookkeeping: Sequence[str]) -> pd.DataFrame:
    """Set ``df.attrs["parameters"]`` and ``df.attrs["metrics"]`` (in column order)."""
    params = [c for c in df.columns if c in set(parameters)]
    df.attrs["parameters"] = params
    df.attrs["metrics"] = [c for c in df.columns if c not in set(bookkeeping) and c not in set(params)]
    return df


def stored_columns(folder: str | Path) -> tuple[list[str], list[str]]:
    """(parameters, metrics) of an output folder, as stored (see :meth:`ResultStore.stored_columns`)."""
    return ResultStore(folder).stored_columns()


def read_runs(folder: str | Path) -> pd.DataFrame:
    """The runs table of an output folder (sorted by point and replication), with
    ``attrs["parameters"]`` and ``attrs["metrics"]`` as stored."""
    df = ResultStore(folder).runs()
    if df is None:
        raise ExperimentError(str(folder), "", "holds no runs (no runs/part-*.parquet)")
    return df


def read_periods(folder: str | Path) -> pd.DataFrame | None:
    """The per-period table of an output folder, or None if periods were not recorded."""
    return ResultStore(folder).periods()


# ============================================================================ the result
@dataclass
class ExperimentResult:
    """What :func:`~coopsim.experiments.run_experiment` returns (and :func:`load_results` reads).

    ``runs``: one row per run (see this module's docstring); ``periods``: one row per
    (point, replication, period) when the experiment records periods, else None;
    ``design``: the design points; ``output``: the folder (None when kept in memory);
    ``manifest``: the manifest's content.
    """

    experiment: Experiment | None
    runs: pd.DataFrame
    periods: pd.DataFrame | None
    design: pd.DataFrame
    output: Path | None
    manifest: dict = field(default_factory=dict)
    quick: bool = False

    @property
    def parameters(self) -> list[str]:
        """The design's parameter columns (as stored with the runs, else the design's columns)."""
        stored = self.runs.attrs.get("parameters")
        return list(stored) if stored is not None else [c for c in self.design.columns if c != "point"]

    @property
    def n_errors(self) -> int:
        return int((self.runs["status"].astype(str) != "ok").sum()) if len(self.runs) else 0

    @property
    def errors(self) -> pd.DataFrame:
        """The runs that raised (status "error"), with their messages."""
        return self.runs[self.runs["status"].astype(str) != "ok"]

    @property
    def complete(self) -> bool:
        return self.manifest.get("status") == "complete"

    def sobol_problem(self) -> dict | None:
        """SALib's problem dict for a Saltelli design (for :func:`coopsim.analysis.sobol_indices`)."""
        return self.manifest.get("sobol_problem")

    def __repr__(self) -> str:
        name = self.manifest.get("experiment", {}).get("name") or (self.experiment.name if self.experiment else "?")
        return (f"ExperimentResult({name!r}: {len(self.design)} points, {len(self.runs)} runs, "
                f"{self.n_errors} errors, output={str(self.output) if self.output else None!r})")


def load_results(folder: str | Path) -> ExperimentResult:
    """Read an output folder written by :func:`~coopsim.experiments.run_experiment`."""
    folder = Path(folder)
    store = ResultStore(folder)
    manifest = store.read_manifest()
    if manifest is None:
        raise ExperimentError(str(folder), "", f"no {MANIFEST}: not an experiment output folder")
    experiment = None
    source = manifest.get("experiment", {}).get("path") or str(folder / "experiment.toml")
    if (folder / "experiment.toml").exists():
        with contextlib.suppress(ExperimentError):
            experiment = loads_experiment((folder / "experiment.toml").read_text("utf-8"), source=source)
    elif (folder / "experiment.json").exists():
        with contextlib.suppress(ExperimentError, ValueError):
            experiment = Experiment.from_dict(json.loads((folder / "experiment.json").read_text("utf-8")))
    design = pd.read_parquet(folder / DESIGN) if (folder / DESIGN).exists() else pd.DataFrame({"point": []})
    parameters, metrics = store.stored_columns(manifest)
    runs = store.runs(parameters, metrics)
    if runs is None:
        runs = _label(pd.DataFrame(columns=[*HEAD, *TAIL]), parameters, BOOKKEEPING)
    return ExperimentResult(experiment, runs, store.periods(parameters), design, folder, manifest,
                            bool(manifest.get("quick", False)))


def versions() -> dict:
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for pkg in ("coopsim", "numpy", "scipy", "pandas", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = None
    import coopsim

    out["coopsim"] = coopsim.__version__
    return out
