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
    complete — each part is written to a hidden temporary name, fsynced and renamed, so
    a part file is either complete or absent. Each part's Parquet schema metadata holds,
    under the key ``coopsim``, the JSON ``{"format", "parameters", "metrics",
    "experiment", "session"}``: its columns and the content hash of the experiment it
    belongs to. The manifest lists every part with its SHA-256 and the runs it holds
    (``parts``) and every other file coopsim wrote (``files``): see
    :mod:`~coopsim.experiments.provenance`;
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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .columns import BOOKKEEPING, BOOLEAN_METRICS, HEAD, KEY, PERIOD, TAIL, metric_order
from .errors import ExperimentError
from .provenance import check_manifest, check_parts, damaged_error, encode_runs, file_sha256
from .designs.base import STR

if TYPE_CHECKING:  # the file format's models load only to read the experiment file back
    from .schema import Experiment

__all__ = ["ResultStore", "ExperimentResult", "runs_frame", "periods_frame", "read_runs", "read_periods",
           "load_results", "stored_columns", "part_metadata", "checked_store", "record_written", "MANIFEST",
           "FORMAT_VERSION", "METADATA_KEY"]

MANIFEST = "manifest.json"
#: 3: the manifest lists every part (SHA-256, runs) and file; parts record the experiment's
#: content hash. 2: the manifest and every part record the parameter and metric columns.
#: 1: coopsim 0.1
FORMAT_VERSION = 3
#: the temporary names of the files the store writes (``.<name>.<pid>.tmp``)
TEMPORARY = (".part-*.parquet.*.tmp", ".manifest.json.*.tmp", ".design.parquet.*.tmp",
             ".experiment.toml.*.tmp", ".experiment.json.*.tmp")
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


def _read_parts(parts: Sequence[Path], columns: list[str] | None = None,
                key: Sequence[str] = KEY) -> pd.DataFrame | None:
    """The parts' rows; a part that cannot be read, or lacks the key columns, is a one-line error."""
    frames = []
    for p in parts:
        try:
            frame = pd.read_parquet(p, columns=columns, engine="pyarrow")
        except Exception as err:  # noqa: BLE001 - any damage is reported as one line
            raise ExperimentError(str(p.parent.parent), f"{p.parent.name}/{p.name}",
                                  f"cannot be read ({type(err).__name__}): the part is damaged; "
                                  "coopsim run FILE --resume --repair recomputes its runs") from None
        missing = [c for c in key if c not in frame.columns]
        if missing:
            raise ExperimentError(str(p.parent.parent), f"{p.parent.name}/{p.name}",
                                  f"has no {', '.join(missing)} column: not a coopsim part; move it out of the folder")
        frames.append(frame)
    if not frames:
        return None
    try:
        return pd.concat(frames, ignore_index=True)
    except (TypeError, ValueError) as err:
        raise ExperimentError(str(parts[0].parent.parent), parts[0].parent.name,
                              f"parts with incompatible columns ({err}): move foreign parts out of the folder") from None


# ============================================================================ the store
class ResultStore:
    """Where the runner puts its results: an output folder, or memory (``folder=None``).

    ``content``: the content hash of the experiment being written (recorded in every
    part); ``replications``: runs per point (to record each part's runs as ranges).
    """

    def __init__(self, folder: str | Path | None, content: str | None = None, replications: int = 1):
        self.folder = Path(folder) if folder is not None else None
        self.content, self.replications = content, int(replications)
        self._runs: list[pd.DataFrame] = []
        self._periods: list[pd.DataFrame] = []
        self.session = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(2)}"
        self._seq = 0
        self.manifest: dict = {}
        #: the parameter columns, and the metric columns declared or written so far
        self.parameters: list[str] = []
        self.metrics: list[str] = []
        #: the parts ({name: {"sha256", "rows", "runs"}}) and other files ({name: sha256}) written here
        self.parts: dict[str, dict] = {}
        self.files: dict[str, str] = {}
        #: the part names that passed :meth:`verify` (None: not checked, every part on disk)
        self._good: list[str] | None = None

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
            data = json.loads(self.manifest_path.read_text("utf-8"))
        except (OSError, ValueError) as err:
            raise ExperimentError(str(self.manifest_path), "", f"cannot be read: {' '.join(str(err).split())}: "
                                  "the folder's manifest is damaged; use another output folder") from None
        return check_manifest(data, self.manifest_path)

    def write_manifest(self, manifest: dict) -> None:
        """Write the manifest (atomically), with this store's columns, parts and files."""
        manifest.update(format=FORMAT_VERSION, parameters=list(self.parameters), metrics=list(self.metrics),
                        parts=self.parts, files=self.files)
        self.manifest = manifest
        if self.folder is not None:
            write_json(manifest, self.manifest_path)

    def clean_temporary(self) -> None:
        """Remove the temporary files of a killed run (only the store's own names)."""
        if self.folder is None:
            return
        for d in (self.folder, self.runs_dir, self.periods_dir):
            if d.is_dir():
                for pattern in TEMPORARY:
                    for tmp in d.glob(pattern):
                        with contextlib.suppress(OSError):
                            tmp.unlink()

    def clear(self, manifest: dict) -> None:
        """Delete the files ``manifest`` lists (its parts and files, then itself); the
        caller has checked that the folder holds nothing else
        (:func:`~coopsim.experiments.provenance.foreign_files`)."""
        self._runs, self._periods = [], []
        if self.folder is None:
            return
        for name in [*manifest.get("parts", {}), *manifest.get("files", {}), MANIFEST]:
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()
        self.clean_temporary()
        for d in (self.runs_dir, self.periods_dir, self.folder / "figures"):
            with contextlib.suppress(OSError):
                d.rmdir()  # only when empty

    # ------------------------------------------------------------------ checking
    def verify(self, manifest: dict, *, repair: bool = False, adopt: bool = False) -> list[str]:
        """Check the parts against ``manifest`` (see :func:`~coopsim.experiments.provenance.check_parts`).

        A bad part is a one-line :class:`ExperimentError`, unless ``repair``: then the bad
        parts the manifest lists are deleted (with their sibling runs/periods part) so that
        their runs run again; a bad part it does not list is never deleted. ``adopt``
        records unlisted good parts (of a killed run) in ``self.parts``. Returns the names
        of the deleted parts.
        """
        good, problems = check_parts(self.folder, manifest)
        self.parts = dict(manifest.get("parts") or {})
        removed: list[str] = []
        if problems and (not repair or not all(p.listed for p in problems)):
            raise damaged_error(self.folder, problems, repairable=not repair)
        for p in problems:
            stem = p.name.split("/", 1)[1]
            for name in (f"{RUNS}/{stem}", f"{PERIODS}/{stem}"):
                if name in self.parts or (self.folder / name).exists():
                    self.parts.pop(name, None)
                    with contextlib.suppress(FileNotFoundError):
                        (self.folder / name).unlink()
                    removed.append(name)
                if name in good:
                    good.remove(name)
        if adopt:  # parts of a killed run, or of a folder written before format 3
            for name in good:
                if name not in self.parts:
                    self._record(name, self.folder / name)
        self._good = good
        return removed

    def _record(self, name: str, path: Path, frame: pd.DataFrame | None = None) -> None:
        """List a part in ``self.parts``: its SHA-256, rows and (runs parts) the runs it holds."""
        entry: dict[str, Any] = {"sha256": file_sha256(path)}
        if name.startswith(RUNS + "/"):
            keys = frame if frame is not None else pd.read_parquet(path, columns=list(KEY))
            entry["rows"] = len(keys)
            entry["runs"] = encode_runs(zip(keys["point"], keys["replication"], strict=True), self.replications)
        self.parts[name] = entry

    def _part_paths(self, kind: str) -> list[Path]:
        if self._good is None:
            return _parts(self.folder / kind)
        return [self.folder / n for n in self._good if n.startswith(kind + "/")]

    def record_file(self, name: str) -> None:
        """List a file coopsim wrote in the folder (``--overwrite`` may delete it)."""
        self.files[name] = file_sha256(self.folder / name)

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
        if self._good is None:
            self._good = []
        write_parquet(design_table, self.folder / DESIGN)
        self.record_file(DESIGN)
        if experiment is not None:
            if experiment.text is not None:
                target = self.folder / "experiment.toml"
                _fsync_write(target, lambda fh: fh.write(experiment.text.encode("utf-8")))
            else:
                target = self.folder / "experiment.json"
                write_json(experiment.model_dump(mode="json", exclude_none=True), target)
            self.record_file(target.name)

    def _columns(self, df: pd.DataFrame, skip: Sequence[str]) -> dict:
        params = [p for p in self.parameters if p in df.columns]
        metrics = [c for c in df.columns if c not in skip and c not in params]
        return {"format": FORMAT_VERSION, "parameters": params, "metrics": metrics, "experiment": self.content,
                "session": self.session}

    def write(self, runs: pd.DataFrame, periods: pd.DataFrame | None = None) -> None:
        """One part: the periods first, then the runs (the runs part marks the runs done),
        then the manifest listing both. Each part records its columns and the experiment's
        content hash (see the module docstring)."""
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
            self._record(f"{PERIODS}/{name}", self.periods_dir / name)
            self._good.append(f"{PERIODS}/{name}")
        write_parquet(runs, self.runs_dir / name, meta)
        self._record(f"{RUNS}/{name}", self.runs_dir / name, runs)
        self._good.append(f"{RUNS}/{name}")
        if self.manifest:
            self.write_manifest(self.manifest)

    # ------------------------------------------------------------------ reading
    def done(self) -> set[tuple[int, int]]:
        """(point, replication) of the runs already recorded (ok or error)."""
        if self.folder is None:
            df = pd.concat(self._runs, ignore_index=True) if self._runs else None
        else:
            df = _read_parts(self._part_paths(RUNS), columns=list(KEY))
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
        metas = []
        for p in self._part_paths(RUNS):
            try:
                meta = part_metadata(p)
            except Exception:  # noqa: BLE001 - reading the part itself names the damage
                meta = None
            if meta is not None:
                metas.append(meta)
        parameters = manifest.get("parameters")
        if parameters is None and metas:
            parameters = list(dict.fromkeys(p for m in metas for p in m.get("parameters", [])))
        if parameters is None:
            parameters = manifest.get("design", {}).get("parameters")
        if parameters is None and (self.folder / DESIGN).exists():
            parameters = [c for c in pd.read_parquet(self.folder / DESIGN).columns if c != "point"]
        metrics = list(manifest.get("metrics") or []) + [c for m in metas for c in m.get("metrics", [])]
        return list(parameters or []), list(dict.fromkeys(metrics))

    def runs(self, parameters: Sequence[str] | None = None, metrics: Sequence[str] | None = None
             ) -> pd.DataFrame | None:
        """The runs table; ``attrs["parameters"]`` and ``attrs["metrics"]`` name its columns
        (from what was stored unless ``parameters``/``metrics`` are given)."""
        df = (pd.concat(self._runs, ignore_index=True) if self._runs else None) if self.folder is None \
            else _read_parts(self._part_paths(RUNS))
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
        key = [*KEY, PERIOD]
        df = (pd.concat(self._periods, ignore_index=True) if self._periods else None) if self.folder is None \
            else _read_parts(self._part_paths(PERIODS), key=key)
        if df is None:
            return None
        df = df.drop_duplicates(key, keep="last").sort_values(key, kind="stable").reset_index(drop=True)
        return _label(df, self.stored_columns()[0] if parameters is None else parameters, key)


def _label(df: pd.DataFrame, parameters: Sequence[str], bookkeeping: Sequence[str]) -> pd.DataFrame:
    """Set ``df.attrs["parameters"]`` and ``df.attrs["metrics"]`` (in column order)."""
    params = [c for c in df.columns if c in set(parameters)]
    df.attrs["parameters"] = params
    df.attrs["metrics"] = [c for c in df.columns if c not in set(bookkeeping) and c not in set(params)]
    return df


def checked_store(folder: str | Path) -> tuple[ResultStore, dict | None]:
    """A store on ``folder`` whose parts were checked against its manifest (one-line
    errors for a damaged manifest, a damaged or foreign part), and the manifest."""
    store = ResultStore(folder)
    manifest = store.read_manifest()
    if manifest is not None:
        store.verify(manifest)
        store.manifest = manifest
    return store, manifest


def stored_columns(folder: str | Path) -> tuple[list[str], list[str]]:
    """(parameters, metrics) of an output folder, as stored (see :meth:`ResultStore.stored_columns`)."""
    return ResultStore(folder).stored_columns()


def read_runs(folder: str | Path) -> pd.DataFrame:
    """The runs table of an output folder (sorted by point and replication), with
    ``attrs["parameters"]`` and ``attrs["metrics"]`` as stored; its parts are checked."""
    df = checked_store(folder)[0].runs()
    if df is None:
        raise ExperimentError(str(folder), "", "holds no runs (no runs/part-*.parquet)")
    return df


def read_periods(folder: str | Path) -> pd.DataFrame | None:
    """The per-period table of an output folder, or None if periods were not recorded."""
    return checked_store(folder)[0].periods()


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


def load_results(folder: str | Path, *, experiment: bool = True) -> ExperimentResult:
    """Read an output folder written by :func:`~coopsim.experiments.run_experiment`; its parts
    are checked against the manifest. ``experiment=False`` leaves the copy of the experiment
    file unread (``result.experiment`` is None): a figure or an export needs the tables, and
    validating the file again would load the file format's models for nothing."""
    folder = Path(folder)
    store, manifest = checked_store(folder)
    if manifest is None:
        raise ExperimentError(str(folder), "", f"no {MANIFEST}: not an experiment output folder")
    exp = None
    if experiment:
        from .loading import stored_experiment

        exp = stored_experiment(folder, manifest)
    design = pd.read_parquet(folder / DESIGN) if (folder / DESIGN).exists() else pd.DataFrame({"point": []})
    parameters, metrics = store.stored_columns(manifest)
    runs = store.runs(parameters, metrics)
    if runs is None:
        runs = _label(pd.DataFrame(columns=[*HEAD, *TAIL]), parameters, BOOKKEEPING)
    return ExperimentResult(exp, runs, store.periods(parameters), design, folder, manifest,
                            bool(manifest.get("quick", False)))


@contextlib.contextmanager
def record_written(folder: str | Path):
    """List in the manifest every file written in ``folder`` during the block (a report,
    its figures), so that ``--overwrite`` knows them as coopsim's. The caller holds the lock."""
    folder = Path(folder)

    def snapshot() -> dict[str, tuple[int, int]]:
        return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
                for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}

    before = snapshot()
    yield
    store = ResultStore(folder)
    manifest = store.read_manifest()
    if manifest is None or "parts" not in manifest:
        return
    store.parameters, store.metrics = manifest.get("parameters", []), manifest.get("metrics", [])
    store.parts, store.files = manifest["parts"], manifest.get("files", {})
    for name, stamp in snapshot().items():
        if name != MANIFEST and name not in store.parts and before.get(name) != stamp:
            store.record_file(name)
    store.write_manifest(manifest)
