"""Reports that fit the design: the quick Milner (Sobol) run shows no verdict that contradicts
its interval, no per-point table and reproducible Sobol intervals; a small grid gets per-point
tables, integer formatting, interactions and the [analysis] settings."""
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from coopsim import analysis as an  # noqa: E402
from coopsim import modelplots  # noqa: E402
from coopsim.experiments import ExperimentError, load_experiment, loads_experiment, run_experiment  # noqa: E402
from coopsim.reporting import write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SESOI = 0.05


@pytest.fixture(scope="module")
def milner_quick(tmp_path_factory):
    pytest.importorskip("SALib")
    exp = load_experiment(ROOT / "experiments" / "milner.toml")
    result = run_experiment(exp, output=False, quick=True, progress=False)
    folder = tmp_path_factory.mktemp("milner-quick")
    write_report(result, folder, formats=("png",))
    return result, folder


def _consistent(row, sesoi=SESOI, alpha=0.05):
    lo, hi, eff, v = row["effect_low"], row["effect_high"], row["effect"], row["verdict"]
    if v == "no effect":
        return -sesoi <= lo and hi <= sesoi
    if v in ("supported", "reversed"):
        return row["p_holm"] < alpha and (lo > 0 and eff > 0 or hi < 0 and eff < 0)
    return v == "inconclusive"


def test_milner_quick_verdicts_never_contradict_their_intervals(milner_quick):
    _, folder = milner_quick
    hyp = pd.read_csv(folder / "hypotheses.csv")
    assert hyp["hypothesis"].tolist() == ["H1", "H2", "H3", "H4", "H5", "H6"]
    assert all(_consistent(row) for _, row in hyp.iterrows())
    for _, row in hyp.iterrows():  # supported means the interval is on the predicted side
        if row["verdict"] == "supported":
            assert row["predicted_direction"] * row["effect_low"] > 0 or row["predicted_direction"] * \
                row["effect_high"] > 0
            assert (row["effect_low"] > 0) == (row["predicted_direction"] > 0)
    assert (hyp["family"] == ", ".join(hyp["parameter"])).all() and (hyp["p_holm"] >= hyp["p_value"]).all()
    assert (hyp["resample"] == "points").all() and (hyp["bootstrap"] == 1000).all() and (hyp["seed"] == 1992).all()
    rob = pd.read_csv(folder / "robustness.csv")
    assert sorted(rob["analysis"].unique()) == sorted([f"emerged >= {t:g}" for t in an.THRESHOLDS]
                                                      + ["window_cooperation"])
    assert all(_consistent(row) for _, row in rob.iterrows())
    # the primary analysis (the scenario's threshold 0.7) is the 0.7 row of the robustness table
    at07 = rob[rob["analysis"] == "emerged >= 0.7"].set_index("parameter")
    assert hyp.set_index("parameter")["effect"].to_numpy() == pytest.approx(
        at07.loc[hyp["parameter"], "effect"].to_numpy(), abs=1e-12)
    robust = rob.groupby("parameter")["verdict"].nunique() == 1
    assert hyp.set_index("parameter")["robust"].to_dict() == robust.to_dict()


def test_milner_quick_report_fits_a_sampled_design(milner_quick):
    _, folder = milner_quick
    text = (folder / "report.md").read_text()
    assert "## Emergence of cooperation per design point" not in text
    assert "| hypothesis | parameter | prediction | measured | AME [interval] | Holm p | verdict |" in text
    assert "raises cooperation" in text and "lowers cooperation" in text
    assert "Holm-adjusted over the family" in text and "Robustness across thresholds" in text
    assert "emergence_0_" not in text  # no lines joining sampled points
    assert (folder / "figures" / "hypotheses.png").exists()
    sob = pd.read_csv(folder / "sobol.csv")
    assert {"S1_half", "ST_half", "converged"} <= set(sob.columns)
    assert "Sum of first-order indices" in text and ("Ranking claimed" in text or "No ranking claimed" in text)


def test_sobol_intervals_are_seeded_from_the_experiment(milner_quick):
    result, _ = milner_quick
    problem = result.sobol_problem()
    a = an.sobol_report(result.runs, problem, seed=1992, num_resamples=200)
    b = an.sobol_report(result.runs, problem, seed=1992, num_resamples=200)
    c = an.sobol_report(result.runs, problem, seed=1993, num_resamples=200)
    pd.testing.assert_frame_equal(a["table"], b["table"])
    assert not np.allclose(a["table"]["S1_conf"], c["table"]["S1_conf"])
    assert a["seed"] == an.sobol_seed(1992)
    # a ranking pair is claimed only where the intervals separate
    t = a["table"].set_index("parameter")
    for hi, lo in a["ranking"]:
        assert t.loc[hi, "ST"] - t.loc[hi, "ST_conf"] > t.loc[lo, "ST"] + t.loc[lo, "ST_conf"]


GRID = """
[experiment]
name = "grid_report"
replications = 4
seed = 7

[scenario]
n_states = 12
periods = 40
window = 10
threshold = 0.6
game = "public_goods"
strategies = ["ALLC", "ALLD", "TFT", "CondCoop50"]

[scenario.actors]
per_capita_return = 0.75

[scenario.regime]
membership = 1.0
sanction = 1.0

[design]
kind = "grid"

[design.parameters]
"regime.monitoring" = [0.0, 1.0]
"actors.n_actors" = [2, 3]
"""


def test_grid_report_per_point_table_integers_and_interactions(tmp_path):
    exp = loads_experiment(GRID + '\n[analysis]\nbootstrap = 200\nsmallest_effect = 0.1\n'
                           'interactions = [["regime.monitoring", "actors.n_actors"]]\n')
    result = run_experiment(exp, output=False, progress=False)
    write_report(result, tmp_path, formats=("png",))
    text = (tmp_path / "report.md").read_text()
    assert "## Emergence of cooperation per design point" in text
    table = text.split("## Emergence of cooperation per design point")[1].split("##")[0]
    assert "| 2 |" in table and "| 3 |" in table and "2.000" not in table  # integers print as integers
    assert "| 4 |" in table  # n
    hyp = pd.read_csv(tmp_path / "hypotheses.csv")
    assert set(hyp["hypothesis"]) == {"H2", "H4"} and (hyp["smallest_effect"] == 0.1).all()
    assert (hyp["bootstrap"] == 200).all() and (hyp["resample"] == "runs").all()
    inter = pd.read_csv(tmp_path / "interactions.csv")
    assert inter.loc[0, "x"] == "regime.monitoring" and inter.loc[0, "z"] == "actors.n_actors"
    # 2 x 2 grid with the product term: saturated, so the conditional effects are the cell differences
    cells = result.runs.groupby(["actors.n_actors", "regime.monitoring"])["emerged"].mean()
    assert inter.loc[0, "ame_at_z_low"] == pytest.approx(cells[(2, 1.0)] - cells[(2, 0.0)], abs=1e-8)
    assert inter.loc[0, "ame_at_z_high"] == pytest.approx(cells[(3, 1.0)] - cells[(3, 0.0)], abs=1e-8)
    assert (tmp_path / "figures" / "phase_model_0.png").exists()


def test_analysis_section_errors_name_the_key():
    with pytest.raises(ExperimentError, match=r"analysis\.interactions\[0\]\[1\].*\"regime\.monitorin\".*"
                                              r"a parameter of the design"):
        loads_experiment(GRID + '\n[analysis]\ninteractions = [["actors.n_actors", "regime.monitorin"]]\n')
    with pytest.raises(ExperimentError, match=r"analysis\.smallest_effect"):
        loads_experiment(GRID + "\n[analysis]\nsmallest_effect = 0\n")
    with pytest.raises(ExperimentError, match=r"analysis\.interactions\[0\].*a pair"):
        loads_experiment(GRID + '\n[analysis]\ninteractions = [["actors.n_actors"]]\n')
    assert loads_experiment(GRID).analysis.smallest_effect == 0.05


def test_verdict_panel_shows_only_the_hypotheses_tested():
    rng = np.random.default_rng(2)
    x = np.repeat([0.0, 0.5, 1.0], 30)
    runs = pd.DataFrame({"point": np.repeat([0, 1, 2], 30), "regime.monitoring": x,
                         "emerged": rng.random(x.size) < 0.2 + 0.6 * x})
    reps = an.hypothesis_list(runs, ["regime.monitoring"], bootstrap=100)
    fig = modelplots.verdict_panel(reps)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 1 and "H4" in visible[0].get_title(loc="left")
    assert "supported" in visible[0].get_title(loc="left")


def test_preload_imports_what_the_report_needs(tmp_path):
    """`coopsim run` imports the report's modules (coopsim.reporting.preload) while the workers
    run the sweep: after it, writing a report loads no module of scipy, statsmodels, matplotlib
    or coopsim (only small parts of Pillow, fontTools and pandas' CSV writer)."""
    import subprocess
    import sys

    code = f"""
import sys
from coopsim.experiments import loads_experiment, run_experiment
from coopsim.reporting import preload, write_report
exp = loads_experiment({GRID!r} + "\\n[analysis]\\nbootstrap = 100\\n")
result = run_experiment(exp, output=False, progress=False)
preload()
before = set(sys.modules)
write_report(result, {str(tmp_path)!r})
print(" ".join(sorted(set(sys.modules) - before)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    late = [m for m in out.split() if m.split(".")[0] in ("scipy", "statsmodels", "matplotlib", "coopsim")]
    assert late == [] and (tmp_path / "report.md").exists()
