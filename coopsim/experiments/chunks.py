"""The work of one chunk of a sweep, as a worker runs it.

A worker (a loky process, a Dask worker, or the sweep's own process when serial) imports
this module to run :func:`run_chunk`; it loads numpy, the world and the lockstep batching
only — not pandas, pydantic or the results store, which only the sweep's own process needs
(a process worker starts in about a third of the time the runner module would take).
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .batching import run_points

__all__ = ["run_chunk"]


def run_chunk(base, points: Mapping[int, dict], tasks: Sequence[tuple[int, int]], root_seed: int,
              record_periods: bool = False) -> dict:
    """Run ``tasks`` [(point, replication), ...]; ``points`` maps a point to its parameters.

    The replications of one point run in lockstep (:mod:`coopsim.world.batch`) when its
    scenario allows it, in batches of at most :data:`LOCKSTEP_STATES` states; each run
    keeps its own seed, so its numbers are those it has alone. Returns ``{"rows": [...],
    "periods": [DataFrame, ...]}``; a row has ``point``, ``replication``, ``summary``
    (None if the run failed), ``status``, ``error``, ``elapsed`` (a batch's time is shared
    equally by its runs). Executed on workers: it must stay a module-level function.
    """
    by_point: dict[int, list[int]] = {}
    for point, rep in tasks:
        by_point.setdefault(point, []).append(rep)
    done: dict[tuple[int, int], tuple] = {}  # (point, replication) -> (row, periods or None)
    scenarios = {}
    for point, reps in by_point.items():
        try:
            scenarios[point] = base.with_params(points[point]) if points[point] else base
        except Exception as err:  # noqa: BLE001 - recorded, the sweep goes on
            for rep in reps:
                done[point, rep] = ({"point": point, "replication": rep, "summary": None, "status": "error",
                                     "error": _message(err, "scenario: "), "elapsed": 0.0}, None)
    for point, rep, res, err, elapsed in run_points(scenarios, {p: by_point[p] for p in scenarios}, root_seed):
        if err is not None:
            done[point, rep] = ({"point": point, "replication": rep, "summary": None, "status": "error",
                                 "error": _message(err), "elapsed": elapsed}, None)
            continue
        summary = dict(res.summary)
        bad = _not_finite(summary)
        p = None
        if record_periods:
            p = res.periods.copy()
            p.insert(0, "replication", rep)
            p.insert(0, "point", point)
        done[point, rep] = ({"point": point, "replication": rep, "summary": summary,
                             "status": "error" if bad else "ok", "error": f"not finite: {bad}" if bad else None,
                             "elapsed": elapsed}, p)
    out = [done[task] for task in tasks]  # in the order of the tasks
    return {"rows": [row for row, _ in out], "periods": [p for _, p in out if p is not None]}


def _not_finite(summary: Mapping[str, Any]) -> str:
    """``"name=nan, other=inf"`` for the summary's NaN and infinite numbers ("" if none)."""
    bad = [f"{k}={v}" for k, v in summary.items()
           if isinstance(v, (float, np.floating)) and not math.isfinite(v)]
    return ", ".join(bad)


def _message(err: BaseException, prefix: str = "") -> str:
    text = " ".join(str(err).split())
    return f"{prefix}{type(err).__name__}: {text}" if text else f"{prefix}{type(err).__name__}"


def _chunk_with_tasks(base, points, chunk, seed, record_periods):
    return chunk, run_chunk(base, points, chunk, seed, record_periods)


def _worker_chunk(base, points, chunk, seed, record_periods):
    """:func:`_chunk_with_tasks` in a loky worker, which first ties its life to coopsim's."""
    _die_with_parent()
    return chunk, run_chunk(base, points, chunk, seed, record_periods)


_TIED: list[bool] = []


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker when the process that started it dies, so a
    ``kill -9`` of a run leaves no worker behind, and loky's resource tracker (whose pipe
    the workers hold) then removes the run's semaphores and folders from ``/dev/shm``."""
    if _TIED or not sys.platform.startswith("linux"):
        return
    _TIED.append(True)
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the call
        os._exit(1)


def loky_parallel(workers: int, **kwargs):
    """A joblib ``Parallel`` on ``workers`` loky processes with the sweep's settings (each
    worker tied to coopsim's life as it starts; no memory-mapped arguments: nothing of ours
    in /dev/shm that a killed run could leave behind). Call it from a thread that outlives
    the sweep (the main thread): on Linux a worker tied to coopsim's life is killed when the
    *thread* that started it ends (PR_SET_PDEATHSIG)."""
    from joblib import Parallel, parallel_config

    with parallel_config(backend="loky", initializer=_die_with_parent):
        return Parallel(n_jobs=workers, batch_size=1, max_nbytes=None, **kwargs)
