"""Sobol' indices (first-order, total, second-order) of a runs table laid out as a Saltelli
design, computed by SALib (an optional dependency: ``pip install coopsim[sensitivity]``).

* Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and
  their Monte Carlo estimates. *Mathematics and Computers in Simulation* 55:271-280.
* Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity indices.
  *Computer Physics Communications* 145:280-297.
* Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
  *Computer Physics Communications* 181:259-270.
* Herman, J. & Usher, W. (2017). SALib: an open-source Python library for sensitivity
  analysis. *Journal of Open Source Software* 2(9):97.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._validation import ParameterError
from .columns import _check_columns, _numeric, ok_runs
from .hypotheses import _hypothesis_label
from .intervals import _check_confidence

__all__ = ["sobol_indices", "sobol_interactions", "sobol_report", "sobol_seed", "SOBOL_KEY"]

#: spawn key of the Sobol bootstrap's stream (derived from the experiment's root seed)
SOBOL_KEY = 0x50B01


def _import_salib():
    try:
        from SALib.analyze import sobol
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Sobol indices need SALib, an optional dependency: "
                          "pip install 'coopsim[sensitivity]' (or pip install SALib)") from exc
    return sobol


def _check_problem(problem: Mapping) -> dict:
    if not isinstance(problem, Mapping) or "names" not in problem:
        raise ParameterError("problem", problem, "a SALib problem dict with 'names' and 'bounds'")
    names = list(problem["names"])
    out = dict(problem)
    out.setdefault("num_vars", len(names))
    if out["num_vars"] != len(names):
        raise ParameterError("problem['num_vars']", out["num_vars"], f"the number of names ({len(names)})")
    return out


def _saltelli_fits(X: np.ndarray, second_order: bool) -> bool:
    """Whether the rows of X are laid out as SALib's Saltelli/Sobol sample."""
    n, d = X.shape
    block = 2 * d + 2 if second_order else d + 2
    if n == 0 or n % block:
        return False
    B3 = X.reshape(n // block, block, d)
    A, B = B3[:, 0, :], B3[:, -1, :]
    for j in range(d):
        ab = B3[:, 1 + j, :]
        expect = A.copy()
        expect[:, j] = B[:, j]
        if not np.allclose(ab, expect, rtol=1e-9, atol=1e-12, equal_nan=True):
            return False
        if second_order:
            ba = B3[:, 1 + d + j, :]
            expect = B.copy()
            expect[:, j] = A[:, j]
            if not np.allclose(ba, expect, rtol=1e-9, atol=1e-12, equal_nan=True):
                return False
    return True


def _point_means(runs: pd.DataFrame, metric: str, names: list[str]):
    """Mean metric per design point (rows in design order) and the points' parameter values."""
    _check_columns(runs, [metric])
    ok = ok_runs(runs).copy()
    ok["_y"] = _numeric(ok[metric])
    have = [n for n in names if n in ok.columns]
    if "point" in ok.columns:
        points = np.sort(runs["point"].unique())
        g = ok.groupby("point", sort=True)
        y = g["_y"].mean().reindex(points)
        X = g[have].first().reindex(points).to_numpy(float) if len(have) == len(names) else None
        missing = points[np.isnan(y.to_numpy())]
        if np.issubdtype(points.dtype, np.integer) and len(points) and \
                not np.array_equal(points, np.arange(points[0], points[0] + len(points))):
            gaps = np.setdiff1d(np.arange(points[0], points[-1] + 1), points)
            missing = np.union1d(missing, gaps)
        y = y.to_numpy()
    else:
        y = ok["_y"].to_numpy()
        X = ok[names].to_numpy(float) if len(have) == len(names) else None
        missing = np.flatnonzero(np.isnan(y))
    if len(missing):
        shown = ", ".join(str(m) for m in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise ParameterError("runs", f"<{len(missing)} design points without a successful run>",
                             f"a value of {metric} at every point of the Saltelli design (missing: points {shown}); "
                             "rerun the failed points")
    return y, X


def _sobol(runs, problem, metric, calc_second_order, confidence, num_resamples, seed, check_design):
    sobol = _import_salib()
    c = _check_confidence(confidence)
    problem = _check_problem(problem)
    names = list(problem["names"])
    d = len(names)
    y, X = _point_means(runs, metric, names)
    if calc_second_order is None:
        if X is not None and check_design:
            calc_second_order = _saltelli_fits(X, True) or not _saltelli_fits(X, False)
        else:
            calc_second_order = len(y) % (2 * d + 2) == 0
    block = 2 * d + 2 if calc_second_order else d + 2
    if len(y) % block:
        raise ParameterError("runs", f"<{len(y)} design points>",
                             f"a Saltelli design for {d} parameters: a multiple of {block} points "
                             f"({'with' if calc_second_order else 'without'} second-order terms)")
    if check_design and X is not None and not _saltelli_fits(X, calc_second_order):
        raise ParameterError("runs", "<design points>", "rows ordered as SALib's Saltelli/Sobol sample of "
                             f"{names} (A, AB_1..AB_d, {'BA_1..BA_d, ' if calc_second_order else ''}B per base "
                             "point); check the order of the points and problem['names']")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(problem, np.asarray(y, float), calc_second_order=bool(calc_second_order),
                           num_resamples=int(num_resamples), conf_level=c, print_to_console=False, seed=seed)
    return si, names, bool(calc_second_order)


def sobol_indices(runs: pd.DataFrame, problem: Mapping, metric: str = "window_cooperation", *,
                  calc_second_order: bool | None = None, confidence: float = 0.95, num_resamples: int = 100,
                  seed: int | None = None, check_design: bool = True) -> pd.DataFrame:
    """First-order and total Sobol' indices of ``metric`` with bootstrap confidence intervals.

    Variance-based global sensitivity analysis (Sobol' 2001): for output Y and parameter
    X_i, the first-order index S1_i = V[E(Y | X_i)] / V(Y) is the share of the output
    variance that X_i explains alone; the total index ST_i = E[V(Y | X_~i)] / V(Y) its
    share including all interactions. ST_i - S1_i measures how much X_i acts through
    interactions; Σ S1 < 1 means the parameters interact. Estimators: Saltelli (2002) /
    Saltelli et al. (2010), computed by ``SALib.analyze.sobol.analyze`` (SALib is an
    optional dependency, imported here); ``*_conf`` are half-widths of bootstrap intervals
    at ``confidence`` (``num_resamples`` resamples; ``seed`` fixes them).

    ``runs`` must come from a Saltelli design (``SALib.sample.sobol.sample(problem, N)``)
    whose rows became the design points ``point`` = 0, 1, ... in the same order;
    replications of a point are averaged first (the indices then describe the expected
    outcome, e.g. the emergence *probability* for ``metric="emerged"``). Every point needs
    at least one successful run. With ``calc_second_order=None`` the layout (with or
    without second-order blocks) is read off the parameter columns; ``check_design``
    verifies that layout (set False when the runner rounded integer parameters so that
    A and B rows cannot be told apart, or when parameter columns are absent).

    Returns one row per parameter: ``parameter``, ``hypothesis`` (H1..H6 from the
    registry, by section), ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    """
    si, names, _ = _sobol(runs, problem, metric, calc_second_order, confidence, num_resamples, seed, check_design)
    return pd.DataFrame({
        "parameter": names,
        "hypothesis": [_hypothesis_label(n) for n in names],
        "S1": np.asarray(si["S1"], float), "S1_conf": np.asarray(si["S1_conf"], float),
        "ST": np.asarray(si["ST"], float), "ST_conf": np.asarray(si["ST_conf"], float),
    })


def sobol_interactions(runs: pd.DataFrame, problem: Mapping, metric: str = "window_cooperation", *,
                       confidence: float = 0.95, num_resamples: int = 100, seed: int | None = None,
                       check_design: bool = True) -> pd.DataFrame:
    """Second-order Sobol' indices S2_ij (the variance share of the i-j interaction alone).

    Needs a Saltelli design with second-order blocks (``calc_second_order=True``, the
    SALib default). Returns ``parameter_1``, ``parameter_2``, ``S2``, ``S2_conf``, one row
    per pair. See :func:`sobol_indices`.
    """
    si, names, second = _sobol(runs, problem, metric, True, confidence, num_resamples, seed, check_design)
    rows = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            rows.append({"parameter_1": names[i], "parameter_2": names[j], "S2": float(si["S2"][i, j]),
                         "S2_conf": float(si["S2_conf"][i, j])})
    return pd.DataFrame(rows, columns=["parameter_1", "parameter_2", "S2", "S2_conf"])


def sobol_seed(seed: int) -> int:
    """SALib's bootstrap seed derived from an experiment's root ``seed`` (its own stream)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(SOBOL_KEY,))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def _first_half(runs: pd.DataFrame, problem: Mapping, second_order: bool) -> pd.DataFrame | None:
    """The runs of the first half of the base samples (whole Saltelli blocks), or None."""
    if "point" not in runs.columns:
        return None
    d = len(problem["names"])
    block = 2 * d + 2 if second_order else d + 2
    points = np.sort(runs["point"].unique())
    n_base = len(points) // block
    if n_base < 4:
        return None
    return runs[runs["point"] < points[0] + (n_base // 2) * block]


def sobol_report(runs: pd.DataFrame, problem: Mapping, metric: str = "window_cooperation", *, seed: int = 0,
                 confidence: float = 0.95, num_resamples: int = 1000, check_design: bool = True) -> dict:
    """Sobol' indices with seeded bootstrap intervals, their sums, a convergence check and the
    ranking the intervals allow.

    The bootstrap seed is :func:`sobol_seed` of the experiment's root ``seed``, so the
    intervals are the same on every run. Convergence: the indices are recomputed from the
    first half of the base samples; a parameter is flagged (``converged`` False) when an
    index moves by more than its interval half-width from the half to the whole design.
    Ranking (by ``ST``): parameter i is claimed above j only when their intervals separate,
    ``ST_i - ST_conf_i > ST_j + ST_conf_j``.

    Returns ``{"table", "sum_S1", "sum_ST", "ranking", "seed", "num_resamples"}``: the table has
    :func:`sobol_indices`' columns plus ``S1_half``, ``ST_half`` and ``converged``;
    ``ranking`` is a list of (higher, lower) pairs.
    """
    s = sobol_seed(seed)
    table = sobol_indices(runs, problem, metric, confidence=confidence, num_resamples=num_resamples, seed=s,
                          check_design=check_design)
    d = len(table)
    n_points = runs["point"].nunique() if "point" in runs.columns else len(runs)
    second = n_points % (2 * d + 2) == 0
    half = _first_half(runs, problem, second)
    if half is not None:
        h = sobol_indices(half, problem, metric, calc_second_order=second, confidence=confidence,
                          num_resamples=num_resamples, seed=s, check_design=check_design)
        table["S1_half"], table["ST_half"] = h["S1"].to_numpy(), h["ST"].to_numpy()
        table["converged"] = ((table["S1"] - table["S1_half"]).abs() <= table["S1_conf"]) & \
            ((table["ST"] - table["ST_half"]).abs() <= table["ST_conf"])
    else:
        table["S1_half"] = table["ST_half"] = np.nan
        table["converged"] = pd.NA
    ranking = []
    st, conf, names = table["ST"].to_numpy(), table["ST_conf"].to_numpy(), table["parameter"].tolist()
    for i in np.argsort(-st, kind="stable"):
        for j in range(d):
            if i != j and st[i] - conf[i] > st[j] + conf[j]:
                ranking.append((names[i], names[j]))
    return {"table": table, "sum_S1": float(table["S1"].sum()), "sum_ST": float(table["ST"].sum()),
            "ranking": ranking, "seed": s, "num_resamples": int(num_resamples)}
