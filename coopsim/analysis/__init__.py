"""Statistics on experiment results: emergence frequencies, hypothesis verdicts, Sobol indices.

Plain data in, tidy pandas out. The input is the experiment runner's *runs table*: one row
per (design point, replication) with the columns

* ``point``, ``replication`` (and perhaps ``seed``);
* one column per varied parameter, dotted names reaching into mechanisms
  (``regime.monitoring``, ``iteration.continuation``, ``actors.n_actors``, ...);
* the run's metrics: ``emerged`` (bool: the mean cooperation rate over the last ``window``
  periods reached ``threshold``), ``emergence_period`` (the period from which the trailing
  ``window``-period mean stayed at or above ``threshold`` to the end; NaN when cooperation
  did not emerge), ``window_cooperation``,
  ``final_cooperation``, ``mean_cooperation``, ``window_payoff``, ``window_inequality``,
  ``final_share_<strategy>``;
* ``status`` (``"ok"`` or ``"error"``). Failed runs are **counted** (``n_error``) but never
  enter a statistic.

Modules
-------
:mod:`~coopsim.analysis.intervals`
    :func:`wilson_interval`, :func:`newcombe_interval`, :func:`t_interval`: confidence
    intervals for a proportion (Wilson 1927), a difference of two proportions (Newcombe
    1998, method 10) and a mean (Student's t).
:mod:`~coopsim.analysis.logistic`
    :func:`logistic_regression`: binary logistic regression by Newton-Raphson (IRLS) with
    Wald standard errors from the observed information; Firth's (1993) penalised
    likelihood when the outcome is separated (perfectly predicted), where the
    maximum-likelihood slope is infinite.
:mod:`~coopsim.analysis.columns`
    :func:`parameter_columns`, :func:`ok_runs`: which columns are design parameters (the
    table's ``attrs["parameters"]``, set by the results store; a guess,
    :func:`infer_parameter_columns`, for tables built by hand), which runs succeeded.
:mod:`~coopsim.analysis.tables`
    :func:`emergence_table`, :func:`time_to_emergence`, :func:`period_summary`: per design
    point summaries.
:mod:`~coopsim.analysis.models`
    :func:`fit_design`: a logistic (or linear) model of the whole design, fitted once and
    to cluster-bootstrap replicates; average marginal effects, partial dependence,
    interactions.
:mod:`~coopsim.analysis.verdicts`
    :func:`holm` (Holm 1979) and :func:`verdict`: *supported / reversed / no effect /
    inconclusive* from an effect, its interval, an adjusted p-value and the smallest
    effect of interest.
:mod:`~coopsim.analysis.hypotheses`
    :func:`hypothesis_report`, :func:`hypothesis_reports`: for one of Milner's hypotheses,
    predicted vs measured direction, the average marginal effect with its bootstrap
    interval, Holm-adjusted p-values and the verdict.
:mod:`~coopsim.analysis.robust`
    :func:`robustness`, :func:`robust_summary`: the verdicts recomputed at emergence
    thresholds 0.5 ... 0.9 and on ``window_cooperation``, with the changes flagged;
    :func:`interaction_effects`: the AME of one parameter at the low and high end of
    another.
:mod:`~coopsim.analysis.sobol`
    :func:`sobol_indices`, :func:`sobol_interactions`: first-order, total and second-order
    Sobol indices from a Saltelli design (SALib, an optional dependency:
    ``pip install coopsim[sensitivity]``); :func:`sobol_report`: seeded intervals, sums,
    a convergence check and the ranking the intervals allow.

Every public name is importable from ``coopsim.analysis`` itself; each loads with its
module on first use (scipy.stats, for instance, only with the models and hypothesis reports).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load with their module on first use (PEP 562): ``coopsim plot`` needs the tables and
# intervals, not scipy.stats and the verdict machinery (a 0.5 s import).
_NAMES: dict[str, tuple[str, ...]] = {
    "columns": ("METRICS", "infer_parameter_columns", "ok_runs", "parameter_columns",
                # helpers that coopsim.plots shares (not public API)
                "_check_columns", "_groups", "_numeric"),
    "hypotheses": ("HypothesisReport", "adjust_family", "direction_words", "find_mechanism", "hypothesis_list",
                   "hypothesis_report", "hypothesis_reports", "_per_item", "_report_items"),
    "intervals": ("newcombe_interval", "t_interval", "wilson_interval"),
    "logistic": ("LogisticFit", "binomial_newton", "is_separated", "logistic_regression"),
    "models": ("DesignFit", "bootstrap_floor", "bootstrap_p", "fit_design", "percentile_interval"),
    "pvalues": ("format_p", "p_text"),
    "verdicts": ("VERDICTS", "holm", "verdict"),
    "robust": ("THRESHOLDS", "emerged_at", "interaction_effects", "robust_summary", "robustness"),
    "sobol": ("sobol_indices", "sobol_interactions", "sobol_report", "sobol_seed"),
    "tables": ("emergence_table", "period_summary", "time_to_emergence"),
}
_WHERE = {name: module for module, names in _NAMES.items() for name in names}

if TYPE_CHECKING:  # what static tools see; at run time __getattr__ imports on demand
    from .columns import METRICS, infer_parameter_columns, ok_runs, parameter_columns
    from .hypotheses import (
        HypothesisReport,
        adjust_family,
        direction_words,
        find_mechanism,
        hypothesis_list,
        hypothesis_report,
        hypothesis_reports,
    )
    from .intervals import newcombe_interval, t_interval, wilson_interval
    from .logistic import LogisticFit, binomial_newton, is_separated, logistic_regression
    from .models import DesignFit, bootstrap_floor, bootstrap_p, fit_design, percentile_interval
    from .pvalues import format_p, p_text
    from .robust import THRESHOLDS, emerged_at, interaction_effects, robust_summary, robustness
    from .sobol import sobol_indices, sobol_interactions, sobol_report, sobol_seed
    from .tables import emergence_table, period_summary, time_to_emergence
    from .verdicts import VERDICTS, holm, verdict


def __getattr__(name: str) -> Any:
    if name in _NAMES:  # a submodule: coopsim.analysis.hypotheses
        return importlib.import_module(f"{__name__}.{name}")
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value  # the next access is a plain lookup
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES) | set(_WHERE))


__all__ = [
    "METRICS",
    "parameter_columns",
    "infer_parameter_columns",
    "ok_runs",
    "wilson_interval",
    "newcombe_interval",
    "t_interval",
    "LogisticFit",
    "logistic_regression",
    "is_separated",
    "emergence_table",
    "time_to_emergence",
    "period_summary",
    "find_mechanism",
    "HypothesisReport",
    "hypothesis_report",
    "hypothesis_reports",
    "hypothesis_list",
    "adjust_family",
    "direction_words",
    "binomial_newton",
    "DesignFit",
    "fit_design",
    "percentile_interval",
    "bootstrap_p",
    "bootstrap_floor",
    "format_p",
    "p_text",
    "VERDICTS",
    "holm",
    "verdict",
    "sobol_indices",
    "sobol_interactions",
    "sobol_report",
    "sobol_seed",
    "THRESHOLDS",
    "emerged_at",
    "robustness",
    "robust_summary",
    "interaction_effects",
]
