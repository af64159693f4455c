"""Robustness of the verdicts and interactions between parameters.

:func:`robustness` recomputes every verdict with emergence defined at several thresholds
(emerged at t: ``window_cooperation >= t``, from the stored window mean) and on the
threshold-free outcome ``window_cooperation`` itself (a linear model; its AME is on the
cooperation rate), each with its own Holm family, and flags the hypotheses whose verdict
changes (the verdicts alone: the pooled trend statistics of the full reports are not computed). :func:`interaction_effects` gives, for a pair (x, z), the AME of x at the low and at
the high end of z from a model with the x·z product term, and the bootstrap test of their
difference — the interaction on the probability scale, which a logit product coefficient
is not (Ai & Norton 2003, *Economics Letters* 80:123).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._validation import ParameterError
from .columns import _check_columns, _numeric, ok_runs, parameter_columns
from .hypotheses import hypothesis_list
from .models import bootstrap_floor, bootstrap_p, fit_design, percentile_interval

__all__ = ["THRESHOLDS", "emerged_at", "robustness", "robust_summary", "interaction_effects"]

#: the thresholds at which every report recomputes its verdicts
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
#: the label of the threshold-free analysis
CONTINUOUS = "window_cooperation"


def emerged_at(runs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """A copy of ``runs`` whose ``emerged`` is ``window_cooperation >= threshold`` (NaN where the
    window mean is missing); ``attrs`` are kept."""
    _check_columns(runs, ["window_cooperation"])
    t = float(threshold)
    if not 0.0 < t <= 1.0:
        raise ParameterError("threshold", threshold, "a number in (0, 1]")
    wc = _numeric(runs["window_cooperation"])
    out = runs.copy()
    out["emerged"] = pd.array(np.where(np.isnan(wc), pd.NA, wc >= t - 1e-12), dtype="boolean")
    out.attrs = dict(runs.attrs)
    return out


def robustness(runs: pd.DataFrame, parameters: Sequence[str], *, thresholds: Sequence[float] = THRESHOLDS,
               continuous: bool = True, **kwargs) -> pd.DataFrame:
    """Verdicts of ``parameters`` at every threshold and on ``window_cooperation``: one row per
    (analysis, parameter) with ``analysis`` (``"emerged >= 0.7"``, ..., ``"window_cooperation"``),
    ``threshold`` (NaN for the continuous outcome), ``hypothesis``, ``effect``, ``effect_low``,
    ``effect_high``, ``p_value``, ``p_holm`` (with its floor ``p_holm_floor``), ``verdict``. ``kwargs`` go to
    :func:`~coopsim.analysis.hypotheses.hypothesis_list` (directions, bootstrap, seed, ...)."""
    kwargs = dict(kwargs, n_curve=0, trend=False)  # the verdicts alone: no curves, no pooled trend statistics
    keep = ["hypothesis", "parameter", "effect", "effect_low", "effect_high", "p_value", "p_holm", "p_holm_floor",
            "verdict"]
    frames = []
    for t in thresholds:
        reps = hypothesis_list(emerged_at(runs, t), list(parameters), metric="emerged", **kwargs)
        frames.append(pd.DataFrame([{k: getattr(r, k) for k in keep} for r in reps])
                      .assign(analysis=f"emerged >= {t:g}", threshold=float(t)))
    if continuous:
        reps = hypothesis_list(runs, list(parameters), metric=CONTINUOUS, **kwargs)
        frames.append(pd.DataFrame([{k: getattr(r, k) for k in keep} for r in reps])
                      .assign(analysis=CONTINUOUS, threshold=np.nan))
    out = pd.concat(frames, ignore_index=True)
    return out[["analysis", "threshold", *keep]]


def robust_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: the verdict in each analysis (wide), ``robust`` (the same everywhere) and
    ``changes`` (empty when robust; else each verdict with the analyses that give it)."""
    wide = table.pivot(index="parameter", columns="analysis", values="verdict")
    wide = wide[list(dict.fromkeys(table["analysis"]))]
    rows = []
    for p, row in wide.iterrows():
        groups = {v: [a for a, w in row.items() if w == v] for v in dict.fromkeys(row.tolist())}
        text = "; ".join(f"{v} with {', '.join(a)}" for v, a in groups.items()) if len(groups) > 1 else ""
        rows.append({"parameter": p, "robust": len(groups) == 1, "changes": text})
    return wide.reset_index().merge(pd.DataFrame(rows), on="parameter")


def interaction_effects(runs: pd.DataFrame, pairs: Sequence[Sequence[str]], metric: str = "emerged", *,
                        parameters: Sequence[str] | None = None, confidence: float = 0.95, bootstrap: int = 1000,
                        seed: int = 0, ranges: Mapping[str, Sequence[float]] | None = None,
                        coding: str = "auto") -> pd.DataFrame:
    """For each pair (x, z): the AME of x with z held at its low and at its high end, and the
    difference (high minus low: the interaction), from one model with all pairs' product
    terms; percentile intervals and bootstrap p-values from the cluster bootstrap.

    Returns ``x``, ``z``, ``z_low``, ``z_high``, ``ame_at_z_low`` (with ``_lo``/``_hi``),
    ``ame_at_z_high`` (idem), ``interaction``, ``interaction_low``, ``interaction_high``,
    ``p_value`` (interaction = 0; :func:`~coopsim.analysis.models.bootstrap_p`) and ``p_floor``, the
    smallest p-value the bootstrap resolves, 1 / (B + 1).
    """
    pairs = [tuple(p) for p in pairs]
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ParameterError("interactions", list(pair), "pairs of two different design parameters")
    declared = parameter_columns(runs) if parameters is None else list(parameters)
    ok = ok_runs(runs)
    varied = [p for p in declared if p in ok.columns and ok[p].nunique(dropna=True) > 1]
    for pair in pairs:
        for name in pair:
            if name not in varied:
                raise ParameterError("interactions", list(pair),
                                     f"pairs of varied design parameters ({', '.join(varied)}); {name!r} is not one")
    fit = fit_design(runs, metric, parameters=varied, interactions=pairs, ranges=ranges, coding=coding,
                     bootstrap=bootstrap, seed=seed, confidence=confidence)
    rows = []
    for x, z in pairs:
        tz = fit.term(z)
        lo_est, lo_boot = fit.effect(x, at={z: tz.low})
        hi_est, hi_boot = fit.effect(x, at={z: tz.high})
        row = {"x": x, "z": z, "z_low": tz.low, "z_high": tz.high}
        for name, est, boot in (("ame_at_z_low", lo_est, lo_boot), ("ame_at_z_high", hi_est, hi_boot),
                                ("interaction", hi_est - lo_est, hi_boot - lo_boot)):
            a, b = percentile_interval(boot, confidence)
            row.update({name: est, f"{name}_low": a, f"{name}_high": b})
        row["p_value"] = bootstrap_p(hi_est - lo_est, hi_boot - lo_boot)
        row["p_floor"] = bootstrap_floor(hi_boot - lo_boot)
        rows.append(row)
    return pd.DataFrame(rows)
