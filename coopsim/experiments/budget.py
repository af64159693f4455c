"""Resources of an experiment, bounded before anything starts.

:func:`design_size` counts a design's points from its input without building it (a grid:
the product of its value counts; a list: its points; a sampled kind: ``samples``, or
N (2d + 2) for a Saltelli layout); :func:`check_budget` refuses, in one line naming the
key, a design whose points and results would not fit in memory (the machine's available
memory, or ``[experiment] max_memory``), more runs than ``[experiment] max_runs``, and a
base scenario beyond ``max_memory`` / ``max_run_time`` per run
(:mod:`coopsim._resources` estimates a run from its parameters). Every design point's
scenario is checked against the same limits when the points are checked.
"""
from __future__ import annotations

import math

from .._resources import check_run, format_bytes, format_seconds, limits
from .._validation import ParameterError
from .designs import registry
from .errors import ExperimentError, key_path

__all__ = ["design_size", "check_budget", "experiment_limits", "BYTES_PER_POINT", "BYTES_PER_RUN",
           "BYTES_PER_PERIOD_ROW", "LAZY_POINTS", "describe_budget"]

#: memory of one design point (its parameter dict and table row; measured: 220-450 B)
BYTES_PER_POINT = 500
#: memory of one run's row of results (summary metrics, status, seeds) in the store and the result
BYTES_PER_RUN = 1000
#: memory of one period of one run with ``record_periods = true`` (a row of the periods table)
BYTES_PER_PERIOD_ROW = 200
#: designs with more points are checked without building them (a bounded sample and the extremes)
LAZY_POINTS = 100_000


def experiment_limits(exp) -> dict:
    """``memory`` (bytes), ``run_seconds`` and ``runs`` (None: no limit) for ``exp``: the
    file's ``max_memory`` / ``max_run_time`` / ``max_runs`` within the machine's limits."""
    lim = limits()
    e = exp.experiment
    out = {"memory": lim["memory"], "run_seconds": lim["run_seconds"], "runs": e.max_runs}
    if e.max_memory is not None:
        out["memory"] = min(out["memory"], e.max_memory_bytes)
    if e.max_run_time is not None:
        out["run_seconds"] = min(out["run_seconds"], e.max_run_seconds)
    return out


def design_size(inp) -> int | None:
    """Number of points of the design whose input is ``inp`` (a
    :class:`~coopsim.experiments.designs.registry.DesignInput`; None: no design, 1 point),
    counted without building it; None if the kind's size is known only once built."""
    if inp is None:
        return 1
    kind = registry.get(inp.kind)
    if kind.takes == "parameters" and kind.name == "grid":
        return math.prod(len(v) for v in inp.values.values())
    if kind.takes == "points":
        return len(inp.points)
    samples = inp.options.get("samples")
    if kind.takes == "ranges" and isinstance(samples, int):
        if kind.name == "sobol" and inp.options.get("analysis") == "sobol":
            dims = len(inp.ranges)
            return samples * (2 * dims + 2 if inp.options.get("second_order", True) else dims + 2)
        return samples
    return None


def _design_key(exp) -> str:
    d = exp.design
    if d is None:
        return "experiment.replications"
    kind = registry.get(d.kind)
    return key_path("design", "samples" if kind.takes == "ranges" else kind.takes)


def check_budget(exp, inp, quick: bool = False) -> int | None:
    """Refuse ``exp`` (design input ``inp``) if its design, runs or base run are beyond the
    limits; return the design size."""
    lim = experiment_limits(exp)
    src = exp.source
    mode = " in quick mode" if quick else ""
    base = exp.base_scenario(quick)
    if exp.experiment.max_memory is not None or exp.experiment.max_run_time is not None:
        try:
            check_run(base, memory=lim["memory"], run_seconds=lim["run_seconds"])
        except ParameterError as err:
            raise ExperimentError(src, key_path("scenario", *err.name.split(".")),
                                  f"{err.value!r} is not allowed{mode}: {err.allowed}", value=err.value,
                                  allowed=err.allowed) from None
    points = design_size(inp)
    if points is None:
        return None
    reps = exp.replications(quick)
    runs = points * reps
    what = f"{points} point{'s' if points != 1 else ''} x {reps} replication{'s' if reps != 1 else ''} = {runs} runs"
    key = _design_key(exp) if points > 1 or exp.design is not None else "experiment.replications"
    if points == 1 or reps > points:
        key = "experiment.replications" if not quick or exp.quick.replications is None else "quick.replications"
    elif quick and exp.quick is not None and key != "experiment.replications":
        quick_key = {"design.samples": "quick.samples", "design.parameters": "quick.parameters",
                     "design.points": "quick.points"}[key]
        if getattr(exp.quick, quick_key.split(".")[1]) is not None:
            key = quick_key
    how = ("fewer values per parameter" if key.endswith("parameters") else "fewer points" if key.endswith("points")
           else "fewer samples" if key.endswith("samples") else "fewer replications")
    if not key.endswith("replications") and reps > 1:
        how += " or replications"
    if lim["runs"] is not None and runs > lim["runs"]:
        raise ExperimentError(src, key, f"{what} is not allowed{mode}: at most experiment.max_runs = {lim['runs']} "
                                        f"runs; use {how}", value=runs, allowed=f"at most {lim['runs']} runs")
    periods = base.periods if exp.experiment.record_periods else 0
    memory = points * BYTES_PER_POINT + runs * (BYTES_PER_RUN + periods * BYTES_PER_PERIOD_ROW)
    if memory > lim["memory"]:
        if exp.experiment.record_periods and periods * BYTES_PER_PERIOD_ROW > BYTES_PER_RUN:
            how += ", fewer periods or record_periods = false"
        raise ExperimentError(src, key, f"{what} is not allowed{mode}: a design whose points and results fit in the "
                                        f"memory limit of {format_bytes(lim['memory'])} (estimated "
                                        f"{format_bytes(memory)}); use {how}", value=runs,
                              allowed=f"at most {format_bytes(lim['memory'])}")
    return points


def describe_budget(exp, inp, quick: bool = False) -> str:
    """One line: the estimated memory and time of a run of the base scenario and of the whole design."""
    from .._resources import estimate_run

    est = estimate_run(exp.base_scenario(quick))
    points = design_size(inp)
    if points is None:
        return f"  estimated ~{format_bytes(est.memory)} and ~{format_seconds(est.seconds)} per run (base scenario)"
    runs = points * exp.replications(quick)
    return (f"  estimated ~{format_bytes(est.memory)} and ~{format_seconds(est.seconds)} per run (base scenario); "
            f"~{format_seconds(est.seconds * runs)} of CPU for {runs} runs")
