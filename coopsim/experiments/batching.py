"""How a sweep's runs are grouped: chunks sent to a worker, lockstep batches within them.

A chunk keeps a point's replications together; tasks are ordered so that points that
differ only in per-run parameters (:mod:`coopsim.world.points`) sit in the same chunks.
Within a chunk, runs of points that share a batch key — the replications of one point,
and those of other points that share every array shape — run in lockstep
(:mod:`coopsim.world.batch`) in batches of at most :data:`LOCKSTEP_STATES` states, each
run with its own seed, so that its numbers are those it has alone. A batch of several
points that fails (for instance because a mechanism reads a per-run parameter as one
number) is run again point by point.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator

import numpy as np

from .._validation import check_int

__all__ = ["LOCKSTEP_STATES", "lockstep_limit", "lockstep_points", "run_seed", "run_points", "order_tasks",
           "point_families", "plan_chunks", "task_cost"]


def run_seed(root_seed: int, point: int, replication: int) -> np.random.SeedSequence:
    """The seed of run (point, replication): ``SeedSequence(root_seed, spawn_key=(point, replication))``."""
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(point), int(replication)))


def _chunks(tasks: list[tuple[int, int]], size: int, family=None) -> Iterator[list[tuple[int, int]]]:
    """Chunks of at most ``size`` tasks. Consecutive tasks of one *family* (``family(point)``
    equal; by default each point is its own) form a group. A family is a set of points whose
    runs may share lockstep batches (:func:`point_families`), so a chunk may end in the
    middle of a point without costing a batch; a point alone keeps its replications
    together (they run in lockstep). A group with more tasks than a chunk holds is cut into
    equal pieces; groups under a quarter of a chunk are packed together (many small points:
    fewer, larger chunks); others are a chunk each (so that uneven points spread over the
    workers)."""
    from itertools import groupby

    key = (lambda task: task[0]) if family is None else (lambda task: family(task[0]))
    chunk: list[tuple[int, int]] = []
    for _, group in groupby(tasks, key=key):
        group = list(group)
        if 4 * len(group) < size:
            if len(chunk) + len(group) > size:
                yield chunk
                chunk = []
            chunk += group
            continue
        if chunk:
            yield chunk
            chunk = []
        step = math.ceil(len(group) / math.ceil(len(group) / size))
        for i in range(0, len(group), step):
            yield group[i:i + step]
    if chunk:
        yield chunk


def plan_chunks(tasks: list[tuple[int, int]], size: int, params: list[dict], base=None) -> list[list[tuple[int, int]]]:
    """The chunks of a sweep, in the order they are sent: ``tasks`` ordered by
    :func:`order_tasks`, cut by :func:`_chunks` along :func:`point_families`, the costliest
    chunks first (:func:`task_cost`, an estimate), so that the last chunks a worker takes
    are short and the workers finish together. The order of chunks changes no number: each
    run has its own seed, whatever chunk or batch it is in."""
    families = point_families(params)
    chunks = list(_chunks(order_tasks(tasks, params, families), size, families.__getitem__))
    per_point = {p: task_cost(base, params[p]) for p in {p for p, _ in tasks}}
    costs = [sum(per_point[p] for p, _ in chunk) for chunk in chunks]
    order = sorted(range(len(chunks)), key=lambda i: -costs[i])  # stable: equal costs keep their order
    return [chunks[i] for i in order]


def task_cost(base, params: dict) -> float:
    """A run's cost, roughly: periods x encounters per period (n states; n (n - 1) / 2 when
    all pairs meet), from the point's parameters over the ``base`` scenario's (1 when
    unknown). Only the order of chunks uses it."""
    def value(name, default):
        return params.get(name, getattr(base, name, default))

    try:
        n = float(value("n_states", 1))
        cost = float(value("periods", 1)) * n
        if value("structure", None) == "all_pairs":
            cost *= max(1.0, (n - 1) / 2)
        return cost if math.isfinite(cost) and cost > 0 else 1.0
    except (TypeError, ValueError):
        return 1.0


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


def lockstep_points() -> bool:
    """Whether runs of different points share lockstep batches: yes, unless the environment
    sets COOPSIM_LOCKSTEP_POINTS=0 (benchmarks/lockstep_vs_per_run.py compares both)."""
    env = os.environ.get("COOPSIM_LOCKSTEP_POINTS")
    if env is None:
        return True
    if env.strip() not in ("0", "1"):
        from .._validation import ParameterError

        raise ParameterError("COOPSIM_LOCKSTEP_POINTS", env, "0 (each point in its own batches) or 1")
    return env.strip() == "1"


def _per_run_names() -> frozenset:
    """Dotted names of the parameters that may differ within a batch."""
    from ..world.mechanisms import REGISTRY
    from ..world.points import PER_RUN

    return frozenset(PER_RUN) | {f"{name}.{f}" for name, cls in REGISTRY.items() for f in getattr(cls, "PER_RUN", ())}


def point_families(params: list[dict]) -> list:
    """For each point, a key shared by the points that differ from it only in per-run
    parameters (their runs may share lockstep batches, :mod:`coopsim.world.points`); each
    point its own key when COOPSIM_LOCKSTEP_POINTS=0."""
    if not lockstep_points():
        return list(range(len(params)))
    names = _per_run_names()
    return [repr(sorted((k, repr(v)) for k, v in p.items() if k not in names)) for p in params]


def order_tasks(tasks: list[tuple[int, int]], params: list[dict],
                families: list | None = None) -> list[tuple[int, int]]:
    """``tasks`` (point, replication) with points that differ only in per-run parameters
    next to each other (a point's replications stay together and in order), so that chunks
    hold points that can share lockstep batches; the order of runs changes no number.
    ``families``: :func:`point_families` of ``params``, when already computed."""
    if not lockstep_points():
        return tasks
    families = point_families(params) if families is None else families
    return sorted(tasks, key=lambda task: families[task[0]])  # stable: points, and their replications, keep their order


#: batch keys (coopsim.world.points.batch_key) whose mixed batches failed in this process:
#: their points run point by point from then on
_UNBATCHABLE: set[str] = set()


def run_points(scenarios: dict, reps: dict, root_seed: int) -> Iterator[tuple]:
    """``(point, replication, result | None, error | None, elapsed)`` for every replication
    in ``reps`` {point: [replication, ...]} of the points' ``scenarios`` {point: Scenario}:
    points that share a batch key in lockstep batches together, others point by point."""
    from ..world.batch import supports_lockstep
    from ..world.points import batch_key

    limit = lockstep_limit()
    groups: dict[str, list[int]] = {}
    for point, sc in scenarios.items():
        key = None
        if limit > 0 and lockstep_points():
            try:
                key = batch_key(sc) if supports_lockstep(sc) else None
            except Exception:  # noqa: BLE001 - the run itself will report the error
                key = None
        groups.setdefault(key if key not in _UNBATCHABLE else None, []).append(point)
    for key, points in groups.items():
        if key is None or len(points) == 1:
            for point in points:
                for batch in _batches(scenarios[point], reps[point]):
                    for out in _run_batch(scenarios[point], point, batch, root_seed):
                        yield (point, *out)
            continue
        tasks = [(p, r) for p in points for r in reps[p]]
        size = max(1, limit // max(1, scenarios[points[0]].n_states))
        for i in range(0, len(tasks), size):
            yield from _run_mixed(scenarios, tasks[i:i + size], key, root_seed)


def _run_mixed(scenarios: dict, tasks: list[tuple[int, int]], key: str, root_seed: int) -> Iterator[tuple]:
    """One lockstep batch of runs of several points (point by point if it fails)."""
    from ..world.points import VaryingParameterError

    points = list(dict.fromkeys(p for p, _ in tasks))
    if len(points) > 1:
        from ..world.loop import simulate_points

        t0 = time.perf_counter()
        try:
            results = simulate_points([scenarios[p] for p, _ in tasks], [run_seed(root_seed, p, r) for p, r in tasks])
        except VaryingParameterError:  # a hook reads a per-run parameter as one number
            _UNBATCHABLE.add(key)
            results = None
        except Exception:  # noqa: BLE001 - rerun point by point: each run reports its own error
            results = None
        if results is not None:
            share = (time.perf_counter() - t0) / len(tasks)
            for (p, r), res in zip(tasks, results, strict=True):
                yield p, r, res, None, share
            return
    for point in points:
        reps = [r for p, r in tasks if p == point]
        for batch in _batches(scenarios[point], reps):
            for out in _run_batch(scenarios[point], point, batch, root_seed):
                yield (point, *out)


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
