"""The columns of the results tables, defined once: bookkeeping, metrics, period outcomes.

The runs table (one row per (point, replication)) is ``HEAD`` + one column per design
parameter + the metrics + ``TAIL``:

``HEAD``
    ``point``, ``replication``, ``seed_entropy`` (the root seed) and ``seed_spawn_key``
    (``"(point, replication)"``: the run used ``SeedSequence(seed_entropy, spawn_key=(point,
    replication))``);
metrics
    :data:`METRICS` (``emerged`` a nullable boolean, the others floats,
    ``emergence_period`` NaN when cooperation never emerged), then one ``final_<label>``
    per population column of the scenario (:func:`final_columns`: ``final_share_TFT``, ...;
    ``final_mean_p_CC``, ... for a continuous strategy space);
``TAIL``
    ``status`` (``"ok"`` / ``"error"``), ``error`` (the exception, NaN when ok), ``elapsed``
    (seconds).

The periods table (one row per (point, replication, period)) is ``point``,
``replication``, the parameters, ``period``, :data:`PERIOD_COLUMNS` and one column per
population label (``share_TFT``, ...).

Which columns are parameters and which are metrics is stored with the data (see
:mod:`~coopsim.experiments.results`): readers use ``runs.attrs["parameters"]`` and
``runs.attrs["metrics"]`` rather than guessing from names.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..world.outcomes import CORE_PERIOD_COLUMNS, SUMMARY_METRICS

# PERIOD_COLUMNS comes from __getattr__ (below)
__all__ = ["KEY", "HEAD", "TAIL", "BOOKKEEPING", "METRICS", "BOOLEAN_METRICS", "FINAL_PREFIX", "PERIOD",
           "PERIOD_COLUMNS", "period_columns", "final_columns", "run_metrics", "metric_order"]  # noqa: F822

#: the key of a run
KEY = ("point", "replication")
#: bookkeeping columns before the parameters
HEAD = ("point", "replication", "seed_entropy", "seed_spawn_key")
#: bookkeeping columns after the metrics
TAIL = ("status", "error", "elapsed")
#: every bookkeeping column of the runs table
BOOKKEEPING = HEAD + TAIL
#: the summary metrics every run reports (plus :func:`final_columns`); the world declares them
METRICS = SUMMARY_METRICS
#: metrics stored as nullable booleans (NA for failed runs)
BOOLEAN_METRICS = ("emerged",)
#: prefix of the per-label final population metrics
FINAL_PREFIX = "final_"
#: the period index of the periods table
PERIOD = "period"


def __getattr__(name: str):
    # PERIOD_COLUMNS: the per-period outcomes of the package's world (besides one column per
    # population label): the loop's own, then each built-in mechanism's; see period_columns()
    # for the columns of mechanisms registered at run time. Computed on first use (PEP 562):
    # reading a results folder does not load the mechanisms.
    if name == "PERIOD_COLUMNS":
        from ..world.mechanisms import BUILTIN, REGISTRY

        return CORE_PERIOD_COLUMNS + tuple(c for n in BUILTIN for c in REGISTRY[n].PERIOD_COLUMNS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "PERIOD_COLUMNS"])


def period_columns() -> tuple[str, ...]:
    """The per-period outcome columns with every mechanism registered now."""
    from ..world.mechanisms import REGISTRY

    return CORE_PERIOD_COLUMNS + tuple(c for cls in REGISTRY.values() for c in cls.PERIOD_COLUMNS)


def final_columns(labels: Sequence[str]) -> list[str]:
    """``final_<label>`` for each population label (``Scenario.trait_labels()``).

    >>> final_columns(["share_TFT", "share_ALLD"])
    ['final_share_TFT', 'final_share_ALLD']
    """
    return [FINAL_PREFIX + label for label in labels]


def run_metrics(scenario) -> list[str]:
    """Every metric a run of ``scenario`` reports: :data:`METRICS`, then :func:`final_columns`."""
    return list(METRICS) + final_columns(scenario.trait_labels())


def metric_order(columns: Sequence[str], known: Sequence[str] = ()) -> list[str]:
    """Metrics in a stable order: :data:`METRICS`, then ``known`` (e.g. final shares in
    strategy order), then the rest alphabetically.

    >>> metric_order(["zeta", "final_share_B", "emerged", "final_share_A"], ["final_share_B"])
    ['emerged', 'final_share_B', 'final_share_A', 'zeta']
    """
    first = [m for m in METRICS if m in columns] + [m for m in known if m in columns and m not in METRICS]
    return first + sorted(c for c in columns if c not in first)
