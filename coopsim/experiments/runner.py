"""Running an experiment: every (point, replication) is one seeded run, on any backend.

Seeds. Run (point p, replication r) calls ``scenario.run(seed=SeedSequence(seed,
spawn_key=(p, r)))`` where ``seed`` is the experiment's root seed: its random stream
depends on nothing else — not on the backend, the number of workers, the order in which
runs finish, nor on which runs a resumed sweep still had to do. The same file gives the
same numbers serially, on local processes and on a Dask cluster.

Backends. ``"serial"`` (one process), ``"processes"`` (``workers`` local processes
through joblib's loky backend, which also works inside notebooks, where raw
multiprocessing can hang) and ``"dask"`` (a ``dask.distributed`` scheduler address, an
existing ``Client``, or ``True`` for a local cluster of ``workers`` processes). Runs are
sent in chunks (consecutive runs, mostly of one point, so each worker builds a point's
scenario once per chunk); each completed chunk is handed to the results store, which
writes a Parquet part at most every ``FLUSH_SECONDS`` (and at the end).

Failures. A run that raises is recorded with ``status = "error"`` and the exception in
``error``; the sweep goes on. A point whose scenario cannot be built fails all its runs.
A run whose summary holds NaN or an infinity is recorded as failed too, naming the
metrics. A worker process that dies (killed by the system, out of memory) stops the sweep
cleanly with :class:`WorkerDied`: the finished runs are kept, ``--resume`` continues.

The output folder (see :mod:`~coopsim.experiments.results`) is locked for the whole run
(:mod:`~coopsim.experiments.store_lock`); what it holds is checked before anything is
written (:mod:`~coopsim.experiments.provenance`).
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pandas as pd

from .._validation import ParameterError, check_int
from .batching import lockstep_limit, lockstep_points, plan_chunks, run_seed
from .chunks import _chunk_with_tasks, _message, _worker_chunk, loky_parallel, run_chunk
from .columns import run_metrics
from .loading import load_experiment
from .preparation import output_folder, prepare
from .provenance import content_hash, versions
from .progress import progress_reporter
from .schema import Experiment
from .store_lock import folder_lock
from .designs.base import Design, single_point
from .designs.grid import grid
from .results import FORMAT_VERSION, ExperimentResult, ResultStore, now, periods_frame, runs_frame

__all__ = ["run_experiment", "sweep", "run_seed", "declared_metrics", "clamp_workers", "WorkerDied", "BACKENDS",
           "FLUSH_SECONDS"]

BACKENDS = ("serial", "processes", "dask")
#: a part file is written when this many seconds have passed since the last one (or at the end)
FLUSH_SECONDS = 2.0
#: ... or when this many runs are waiting to be written
FLUSH_RUNS = 20_000
#: largest automatic chunk (runs sent to a worker at once; a point's runs in it go in lockstep)
MAX_CHUNK = 256


class WorkerDied(RuntimeError):
    """A worker process died during a sweep; the message is one line (which runs, why)."""


# ============================================================================ backends
def _serial(base, design: Design, chunks, seed, record_periods) -> Iterator[tuple[list, dict]]:
    for chunk in chunks:
        yield chunk, run_chunk(base, _points(design, chunk), chunk, seed, record_periods)


def _points(design: Design, chunk) -> dict[int, dict]:
    return {p: design.params[p] for p in {p for p, _ in chunk}}


def _processes(base, design: Design, chunks, seed, record_periods, workers: int):
    from joblib import delayed

    chunks = list(chunks)

    def job(chunk):
        return delayed(_worker_chunk)(base, _points(design, chunk), chunk, seed, record_periods)

    # loky_parallel: max_nbytes=None, so nothing of ours in /dev/shm (joblib_memmapping_*) that a
    # killed run could leave behind (the arguments are small: a scenario, a few points); each
    # worker ties its life to coopsim's as it starts (initializer), not at its first chunk: a run
    # killed before a worker received work leaves no worker behind
    parallel = loky_parallel(workers, return_as="generator_unordered", pre_dispatch="2*n_jobs")
    gen = parallel(job(c) for c in chunks)
    try:
        yield from gen
    finally:
        close = getattr(gen, "close", None)
        if close is not None:
            close()


def _dask_client(dask: Any, workers: int):
    """(client, owned): connect to an address, use a Client, or start a local cluster."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - optional dependency
        raise ParameterError("dask", dask, "dask.distributed installed (pip install 'coopsim[dask]')") from None
    if isinstance(dask, Client):
        return dask, False
    if dask is True:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), True
    if isinstance(dask, str):
        return Client(dask), True
    raise ParameterError("dask", dask, "a scheduler address ('tcp://host:8786'), a distributed.Client or True "
                                       "(a local cluster of `workers` processes)")


def _dask(base, design: Design, chunks, seed, record_periods, client):
    from distributed import as_completed

    base_f = client.scatter(base, broadcast=True)
    futures = [client.submit(_chunk_with_tasks, base_f, _points(design, c), c, seed, record_periods, pure=False)
               for c in chunks]
    try:
        for fut in as_completed(futures):
            out = fut.result()
            fut.release()
            yield out
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


# ============================================================================ driving a sweep
def _progress(enabled: bool | str | None, total: int, initial: int, desc: str):
    """The progress display (a tqdm bar, plain lines or nothing): see :mod:`.progress`."""
    return progress_reporter(enabled, total, initial, desc)


def _metric_filter(patterns: Sequence[str] | None):
    if patterns is None:
        return lambda name: True
    return lambda name: any(fnmatch(name, p) for p in patterns)


def declared_metrics(base, patterns: Sequence[str] | None = None) -> list[str]:
    """The metric columns runs of ``base`` write: every metric it reports
    (:func:`~coopsim.experiments.columns.run_metrics`) that matches one of ``patterns``."""
    keep = _metric_filter(patterns)
    return [m for m in run_metrics(base) if keep(m)]


def clamp_workers(workers: int, dask: Any = None, warn: bool = True) -> int:
    """``workers``, at most the number of CPUs for local processes (a warning when clamped)."""
    cpus = os.cpu_count() or 1
    local = dask is None or dask is False or dask is True
    if isinstance(workers, int) and not isinstance(workers, bool) and workers > cpus and local:
        if warn:
            warnings.warn(f"workers={workers} is more than the {cpus} CPUs of this machine: using {cpus}",
                          RuntimeWarning, stacklevel=3)
        return cpus
    return workers


_DEATH = ("TerminatedWorkerError", "BrokenProcessPool", "KilledWorker")


def _worker_died(err: BaseException, pending: list, finished: int, total: int) -> WorkerDied:
    """One line: the runs that were in flight, why the worker died, what is kept."""
    codes = re.search(r"exit codes of the workers are \{(.*?)\}", str(err))
    why = f"exit {codes.group(1)}" if codes else _message(err)
    if codes and "SIGKILL" in codes.group(1):
        why += ": killed by the system (out of memory?)"
    flights = [f"({p}, {r})" for chunk in pending for p, r in chunk]
    shown = ", ".join(flights[:6]) + (f" and {len(flights) - 6} more" if len(flights) > 6 else "")
    return WorkerDied(f"a worker process died ({why}) while running one of the runs (point, replication) "
                      f"{shown}; the sweep stopped: {finished} of {total} runs are saved, --resume continues")


def _check_backend(workers: Any, dask: Any) -> tuple[str, int]:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers == 0 or workers < -1:
        raise ParameterError("workers", workers, "an integer >= 1 (or -1: one per CPU core)")
    n = (os.cpu_count() or 1) if workers == -1 else workers
    if dask is not None and dask is not False:
        return "dask", n
    return ("processes" if n > 1 else "serial"), n


def execute(base, design: Design, replications: int, seed: int, store: ResultStore, *,
            workers: int = 1, dask: Any = None, progress: bool | None = None, record_periods: bool = False,
            metrics: Sequence[str] | None = None, chunk_size: int | None = None, desc: str = "runs") -> dict:
    """Run every (point, replication) not yet in ``store``; return counts and the backend used."""
    replications = check_int("replications", replications, minimum=1)
    lockstep_limit()  # a bad COOPSIM_LOCKSTEP_STATES (or _POINTS) is refused here, not in a worker
    lockstep_points()
    backend, n_workers = _check_backend(workers, dask)
    done = store.done()
    tasks = [(p, r) for p in range(len(design)) for r in range(replications) if (p, r) not in done]
    total = len(design) * replications
    if chunk_size is None:
        size = max(1, min(MAX_CHUNK, math.ceil(len(tasks) / (2 * max(1, n_workers)))))
    else:
        size = check_int("chunk_size", chunk_size, minimum=1)
    keep = _metric_filter(metrics)
    metric_columns = declared_metrics(base, metrics)
    table = design.table
    bar = _progress(progress, total, total - len(tasks), desc)
    buffer_runs: list[pd.DataFrame] = []
    buffer_periods: list[pd.DataFrame] = []
    pending = 0
    last_flush = time.monotonic()
    counts = {"ok": 0, "error": 0}

    def flush() -> None:
        nonlocal pending, last_flush
        if buffer_runs:
            runs = pd.concat(buffer_runs, ignore_index=True) if len(buffer_runs) > 1 else buffer_runs[0]
            periods = (pd.concat(buffer_periods, ignore_index=True) if len(buffer_periods) > 1
                       else buffer_periods[0]) if buffer_periods else None
            store.write(runs, periods)
        buffer_runs.clear()
        buffer_periods.clear()
        pending = 0
        last_flush = time.monotonic()

    client, owned = None, False
    try:
        chunks = plan_chunks(tasks, size, design.params, base)  # points that can share batches side by side
        if not tasks:
            results: Iterable = ()
        elif backend == "serial":
            results = _serial(base, design, chunks, seed, record_periods)
        elif backend == "processes":
            results = _processes(base, design, chunks, seed, record_periods, n_workers)
        else:
            client, owned = _dask_client(dask, n_workers)
            results = _dask(base, design, chunks, seed, record_periods, client)
        index = {c[0]: i for i, c in enumerate(chunks)}
        returned: set[int] = set()
        results = iter(results)
        while True:
            try:
                _chunk, out = next(results)
            except StopIteration:
                break
            except Exception as err:
                if type(err).__name__ not in _DEATH:
                    raise
                flying = len(returned) + 2 * max(1, n_workers)
                flights = [c for i, c in enumerate(chunks[:flying]) if i not in returned]
                raise _worker_died(err, flights, total - len(tasks) + sum(counts.values()), total) from None
            returned.add(index.get(tuple(_chunk[0]), -1) if len(_chunk) else -1)
            rows = out["rows"]
            extra = sorted({k for r in rows if r["summary"] for k in r["summary"]
                            if k not in metric_columns and keep(k)})
            metric_columns += extra
            buffer_runs.append(runs_frame(rows, table, seed, metric_columns))
            p = periods_frame(out["periods"], table) if record_periods else None
            if p is not None:
                buffer_periods.append(p)
            n_err = sum(r["status"] != "ok" for r in rows)
            counts["error"] += n_err
            counts["ok"] += len(rows) - n_err
            pending += len(rows)
            bar.update(len(rows), n_err)
            if time.monotonic() - last_flush >= FLUSH_SECONDS or pending >= FLUSH_RUNS:
                flush()
    finally:
        flush()  # whatever completed is kept, also on an interrupt
        bar.close()
        if owned and client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return {"backend": backend, "workers": n_workers, "chunk_size": size, "runs": len(tasks),
            "already_done": total - len(tasks), "metrics": metric_columns, **counts}


# ============================================================================ public entry points
def _as_experiment(obj: Any) -> Experiment:
    if isinstance(obj, Experiment):
        if not obj._cache.get(("checked",)):
            obj.check()
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return load_experiment(obj)
    if isinstance(obj, Mapping):
        return Experiment.from_dict(dict(obj))
    raise ParameterError("path_or_experiment", obj, "an experiment file path, an Experiment or a table (dict)")


def run_experiment(path_or_experiment: Any, *, output: str | Path | None | bool = None, workers: int = 1,
                   dask: Any = None, quick: bool = False, resume: bool = False, progress: bool | None = None,
                   force: bool = False, overwrite: bool = False, chunk_size: int | None = None,
                   repair: bool = False) -> ExperimentResult:
    """Run an experiment file (or an :class:`~coopsim.experiments.config.Experiment` or a dict).

    Parameters
    ----------
    output
        The output folder; default ``[experiment] output`` (a relative folder below the
        working directory) or ``results/<name>`` (``results/<name>-quick`` in quick mode).
        ``False`` keeps everything in memory. Not a filesystem root, not an existing file.
        The folder is locked for the whole run: a second run on it is refused.
    workers
        Local processes (joblib/loky) when > 1; -1 for one per CPU core; more than the
        CPUs is clamped to their number with a warning.
    dask
        A ``dask.distributed`` scheduler address, an existing ``Client``, or ``True`` for a
        local cluster of ``workers`` processes. The numbers do not depend on the backend.
    quick
        Apply the file's ``[quick]`` overrides (fewer replications, periods, points).
    resume
        Continue in a folder that holds part of this experiment's runs: only the missing
        (point, replication) pairs run. Refused when the folder's manifest records another
        experiment (content hash of the validated experiment) or another mode (quick/full),
        and when a part is damaged or foreign.
    force
        With ``resume``: when the file has changed, resume the experiment the folder holds
        (its own copy of the experiment file) instead of refusing.
    repair
        With ``resume``: delete the damaged parts the manifest lists and run their runs again.
    progress
        ``None`` (default): a progress bar with ETA (tqdm) when stderr is a terminal;
        ``True``: the bar; ``"notebook"``: a notebook widget bar; ``"lines"``: a plain
        line with ETA every 10 s or 10 % of the runs (for logs); ``False``: nothing.
    overwrite
        Delete the results in the output folder first — only the files its manifest lists;
        a folder holding anything else is refused (without it, a folder that holds results
        is refused unless resuming).
    chunk_size
        Runs sent to a worker at once (default: automatic, at most 16).

    Returns
    -------
    ExperimentResult
        ``runs`` (one row per run), ``periods``, ``design``, ``output``, ``manifest``.
    """
    exp = _as_experiment(path_or_experiment)
    folder = output_folder(exp, output, bool(quick))
    workers = clamp_workers(workers, dask)
    lock = folder_lock(folder) if folder is not None else contextlib.nullcontext()
    with lock:
        return _run_locked(exp, folder, workers=workers, dask=dask, quick=bool(quick), resume=resume,
                           progress=progress, force=force, overwrite=overwrite, chunk_size=chunk_size, repair=repair)


def _run_locked(exp: Experiment, folder: Path | None, *, workers, dask, quick, resume, progress, force, overwrite,
                chunk_size, repair) -> ExperimentResult:
    store = ResultStore(folder, content_hash(exp), exp.replications(quick))
    old = None
    if folder is not None:
        old, exp, quick = prepare(store, exp, quick, resume, force, overwrite, repair)
    quick_note = "no [quick] table: quick mode runs the full experiment" if quick and exp.quick is None else None
    base = exp.base_scenario(quick)
    design = exp.design_points(quick)
    replications = exp.replications(quick)
    seed = exp.experiment.seed
    store.clean_temporary()
    started = now()
    backend, n_workers = _check_backend(workers, dask)
    manifest = {
        "format": FORMAT_VERSION,
        "experiment": {"name": exp.name, "path": str(exp.path) if exp.path else exp.source, "sha256": exp.sha256,
                       "content_sha256": store.content},
        "quick": quick,
        "status": "running",
        "started": (old or {}).get("started", started),
        "finished": None,
        "seed": seed,
        "design": {"kind": design.kind, "points": len(design), "replications": replications,
                   "runs": len(design) * replications, "parameters": list(design.parameters)},
        "sobol_problem": design.problem,
        "record_periods": exp.experiment.record_periods,
        "versions": versions(),
        "sessions": list((old or {}).get("sessions", [])),
    }
    if quick_note:
        manifest["note"] = quick_note
    session = {"started": started, "finished": None, "backend": backend, "workers": n_workers,
               "sha256": exp.sha256, "host": os.uname().nodename if hasattr(os, "uname") else None,
               "pid": os.getpid()}
    manifest["sessions"].append(session)
    declared = list((old or {}).get("metrics", [])) + declared_metrics(base, exp.experiment.metrics)
    store.start(exp, design.table, design.parameters, declared)
    store.write_manifest(manifest)
    status = "interrupted"
    try:
        info = execute(base, design, replications, seed, store, workers=workers, dask=dask, progress=progress,
                       record_periods=exp.experiment.record_periods, metrics=exp.experiment.metrics,
                       chunk_size=chunk_size, desc=exp.name + (" (quick)" if quick else ""))
        status = "complete"
    except WorkerDied as err:
        session["error"] = str(err)
        raise
    finally:
        end = now()
        session.update(finished=end, status=status)
        manifest.update(status=status, finished=end)
        if status == "complete":
            session.update(runs=info["runs"], ok=info["ok"], errors=info["error"], chunk_size=info["chunk_size"])
        store.write_manifest(manifest)
    runs = store.runs(design.parameters, store.metrics)
    runs = runs if runs is not None else pd.DataFrame(columns=["point", "replication", "status"])
    manifest["runs_ok"] = int((runs["status"].astype(str) == "ok").sum())
    manifest["runs_error"] = int(len(runs) - manifest["runs_ok"])
    store.write_manifest(manifest)
    return ExperimentResult(exp, runs, store.periods(), design.table, folder, manifest, quick)


def sweep(scenario, parameters: Mapping[str, Sequence[Any]] | Design | None = None, *, replications: int = 10,
          seed: int = 0, workers: int = 1, dask: Any = None, progress: bool | None = None,
          record_periods: bool = False) -> ExperimentResult:
    """A grid sweep of a :class:`~coopsim.world.scenario.Scenario` in memory, for notebooks.

    >>> from coopsim.world.scenario import Scenario
    >>> res = sweep(Scenario(n_states=10, periods=20, window=5), {"iteration.continuation": [0.2, 0.9]},
    ...             replications=2, seed=1, progress=False)
    >>> res.runs[["point", "replication", "iteration.continuation"]].shape
    (4, 3)
    """
    from ..world.scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_dict(dict(scenario))
    design = parameters if isinstance(parameters, Design) else grid(parameters) if parameters else None
    if design is None:
        design = single_point()
    for i, params in enumerate(design.params):
        if params:
            try:
                scenario.with_params(params)
            except ParameterError as err:
                raise ParameterError(err.name, err.value, f"{err.allowed} (design point {i})") from None
    seed = check_int("seed", seed, minimum=0)
    workers = clamp_workers(workers, dask)
    store = ResultStore(None)
    store.start(None, design.table, design.parameters, declared_metrics(scenario))
    info = execute(scenario, design, replications, seed, store, workers=workers, dask=dask, progress=progress,
                   record_periods=record_periods)
    runs = store.runs(design.parameters, info["metrics"])
    manifest = {"status": "complete", "seed": seed, "design": {"kind": design.kind, "points": len(design),
                                                               "replications": replications},
                "sobol_problem": design.problem}
    return ExperimentResult(None, runs, store.periods(), design.table, None, manifest)
