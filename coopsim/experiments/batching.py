"""How a sweep's runs are grouped: chunks sent to a worker, lockstep batches within them.

A chunk keeps a point's replications together; within a chunk the replications of one
point run in lockstep (:mod:`coopsim.world.batch`) in batches of at most
:data:`LOCKSTEP_STATES` states, each run with its own seed, so that its numbers are those
it has alone.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator

import numpy as np

from .._validation import check_int

__all__ = ["LOCKSTEP_STATES", "lockstep_limit", "run_seed"]


def run_seed(root_seed: int, point: int, replication: int) -> np.random.SeedSequence:
    """The seed of run (point, replication): ``SeedSequence(root_seed, spawn_key=(point, replication))``."""
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(point), int(replication)))


def _chunks(tasks: list[tuple[int, int]], size: int) -> Iterator[list[tuple[int, int]]]:
    """Chunks of at most ``size`` tasks that keep a point's replications together (they run
    in lockstep): a point with more is cut into equal pieces; small points are packed."""
    from itertools import groupby

    chunk: list[tuple[int, int]] = []
    for _, group in groupby(tasks, key=lambda task: task[0]):
        group = list(group)
        if len(chunk) + len(group) <= size:
            chunk += group
            continue
        if chunk:
            yield chunk
            chunk = []
        if len(group) <= size:
            chunk = group
            continue
        step = math.ceil(len(group) / math.ceil(len(group) / size))
        for i in range(0, len(group), step):
            yield group[i:i + step]
    if chunk:
        yield chunk



#: at most this many states (runs x states per run) advance together in one lockstep batch;
#: the environment variable COOPSIM_LOCKSTEP_STATES overrides it (0: every run alone, the
#: per-run path, as benchmarks/lockstep_vs_per_run.py compares)
LOCKSTEP_STATES = 60_000


def lockstep_limit() -> int:
    """:data:`LOCKSTEP_STATES`, or the environment's COOPSIM_LOCKSTEP_STATES (validated:
    the runner checks it before any run starts, so a bad value is one clear error)."""
    env = os.environ.get("COOPSIM_LOCKSTEP_STATES")
    if env is None:
        return LOCKSTEP_STATES
    return check_int("COOPSIM_LOCKSTEP_STATES", int(env) if env.strip().lstrip("-").isdigit() else env, minimum=0)


def _batches(sc, reps: list[int]) -> list[list[int]]:
    """The replications of one point cut into lockstep batches (single runs if the
    scenario cannot run in lockstep)."""
    from ..world.batch import supports_lockstep

    limit = lockstep_limit()
    try:
        lockstep = limit > 0 and len(reps) > 1 and supports_lockstep(sc)
    except Exception:  # noqa: BLE001 - the run itself will report the error
        lockstep = False
    size = max(1, limit // max(1, sc.n_states)) if lockstep else 1
    return [reps[i:i + size] for i in range(0, len(reps), size)]


def _run_batch(sc, point: int, reps: list[int], root_seed: int):
    """``[(replication, result | None, error | None, elapsed)]``: the batch in lockstep, or
    run by run (also when the batch fails, so that each run's error is its own)."""
    t0 = time.perf_counter()
    if len(reps) > 1:
        from ..world.loop import simulate_runs

        try:
            results = simulate_runs(sc, [run_seed(root_seed, point, rep) for rep in reps])
        except Exception:  # noqa: BLE001 - rerun one by one: each run reports its own error
            results = None
        if results is not None:
            share = (time.perf_counter() - t0) / len(reps)
            return [(rep, res, None, share) for rep, res in zip(reps, results, strict=True)]
    out = []
    for rep in reps:
        t0 = time.perf_counter()
        try:
            out.append((rep, sc.run(seed=run_seed(root_seed, point, rep)), None, time.perf_counter() - t0))
        except Exception as err:  # noqa: BLE001 - recorded, the sweep goes on
            out.append((rep, None, err, time.perf_counter() - t0))
    return out
