"""coopsim.plots: every figure returns its Axes/Figure, draws what it should, honours ax=,
and save() writes non-empty PDF, SVG and PNG files."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection, QuadMesh  # noqa: E402
from scipy.special import expit  # noqa: E402

from coopsim import ParameterError, plots  # noqa: E402
from coopsim import analysis as an  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def polys(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def make_runs(param="iteration.continuation", levels=(0.1, 0.5, 0.9), second=None, reps=12, slope=3.0, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    seconds = second[1] if second else [None]
    point = 0
    for v in levels:
        for s in seconds:
            for r in range(reps):
                z = (v - min(levels)) / (max(levels) - min(levels))
                e = bool(rng.random() < expit(-1.5 + slope * z + (0.5 * s if s is not None else 0.0)))
                row = {"point": point, "replication": r, param: v, "emerged": e,
                       "window_cooperation": 0.3 + 0.5 * e, "status": "ok"}
                if second:
                    row[second[0]] = s
                rows.append(row)
            point += 1
    return pd.DataFrame(rows)


def make_periods(points=(0, 1), reps=3, periods=40, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for p in points:
        for r in range(reps):
            shares = rng.dirichlet(np.ones(3), size=periods)
            frames.append(pd.DataFrame({
                "point": p, "replication": r, "period": np.arange(periods),
                "cooperation": np.clip(0.3 + 0.01 * np.arange(periods) * (p + 1) + rng.normal(0, 0.05, periods), 0, 1),
                "share_ALLD": shares[:, 0], "share_TFT": shares[:, 1], "share_WSLS": shares[:, 2]}))
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- emergence_curve
def test_emergence_curve_lines_ribbons_and_labels():
    runs = make_runs(second=("noise", [0.0, 0.05]))
    ax = plots.emergence_curve(runs, "iteration.continuation", by="noise")
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.lines) == 2 and len(polys(ax)) == 2
    assert ax.get_xlabel() == plots.LABELS["iteration.continuation"]
    assert "emergence frequency" in ax.get_ylabel() and "Wilson" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "0.05"]
    table = an.emergence_table(runs, by=["iteration.continuation", "noise"])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table[table.noise == 0.0]["emergence"])
    # the ribbon spans the Wilson interval
    verts = polys(ax)[0].get_paths()[0].vertices
    low = table[table.noise == 0.0]["emergence_low"].to_numpy()
    assert np.isclose(verts[:, 1].min(), low.min())


def test_emergence_curve_from_summary_table_and_given_ax():
    runs = make_runs()
    table = an.emergence_table(runs)
    fig, (a1, a2) = plt.subplots(1, 2)
    out = plots.emergence_curve(table, "iteration.continuation", ax=a2)
    assert out is a2 and len(a2.lines) == 1 and len(a1.lines) == 0 and len(fig.axes) == 2
    np.testing.assert_allclose(a2.lines[0].get_ydata(), table["emergence"])
    ax = plots.emergence_curve(runs, "iteration.continuation", metric="window_cooperation")
    assert "t CI" in ax.get_ylabel() and len(ax.lines) == 1 and ax.get_legend() is None


# ----------------------------------------------------------------------------- phase_diagram
def test_phase_diagram_heatmap_colourbar_and_ticks():
    runs = make_runs(levels=(0.1, 0.5, 0.9), second=("actors.n_actors", [2, 4, 8]))
    ax = plots.phase_diagram(runs, "iteration.continuation", "actors.n_actors", annotate=True)
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1 and len(ax.figure.axes) == 2  # heatmap + colour bar
    cbar_ax = ax.figure.axes[1]
    assert cbar_ax.get_ylabel() == plots.LABELS["emergence"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.1", "0.5", "0.9"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "4", "8"]
    assert ax.get_xlabel() == plots.LABELS["iteration.continuation"]
    assert len(ax.texts) == 9
    table = an.emergence_table(runs).set_index(["actors.n_actors", "iteration.continuation"])["emergence"]
    data = meshes[0].get_array().reshape(3, 3)
    assert data[0, 2] == pytest.approx(table[2, 0.9]) and data[2, 0] == pytest.approx(table[8, 0.1])
    assert meshes[0].norm.vmin == 0 and meshes[0].norm.vmax == 1


def test_phase_diagram_mean_metric_missing_cell_and_ax():
    runs = make_runs(levels=(0.1, 0.9), second=("noise", [0.0, 0.1]))
    runs = runs[~((runs["iteration.continuation"] == 0.9) & (runs["noise"] == 0.1))]
    fig, ax = plt.subplots()
    out = plots.phase_diagram(runs, "iteration.continuation", "noise", value="window_cooperation", ax=ax,
                              colorbar=False)
    assert out is ax and len(fig.axes) == 1
    data = ax.collections[0].get_array()
    assert np.ma.is_masked(data) and data.mask.sum() == 1


# ----------------------------------------------------------------------------- over time
def test_cooperation_over_time_per_point_with_threshold():
    periods = make_periods(points=(0, 1, 2))
    ax = plots.cooperation_over_time(periods, by="point", threshold=0.7)
    assert len(polys(ax)) == 3 and len(ax.lines) == 4  # three means + the threshold
    assert ax.get_xlabel() == "period" and "cooperation rate" in ax.get_ylabel()
    mean0 = periods[periods.point == 0].groupby("period")["cooperation"].mean()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), mean0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["0", "1", "2", "threshold"]


def test_cooperation_over_time_pooled_on_given_ax():
    fig, ax = plt.subplots()
    out = plots.cooperation_over_time(make_periods(), ax=ax)
    assert out is ax and len(ax.lines) == 1 and len(polys(ax)) == 1 and ax.get_legend() is None


def test_strategy_shares_stacked_areas():
    periods = make_periods()
    ax = plots.strategy_shares(periods, point=1)
    assert len(polys(ax)) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["WSLS", "TFT", "ALLD"]
    top = polys(ax)[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)
    assert ax.get_ylabel() == "population share of strategy"
    fig, ax2 = plt.subplots()
    assert plots.strategy_shares(periods, strategies=["TFT", "ALLD"], ax=ax2) is ax2 and len(polys(ax2)) == 2
    with pytest.raises(ParameterError):
        plots.strategy_shares(periods[["period", "cooperation"]])
    with pytest.raises(ParameterError, match="point"):
        plots.strategy_shares(periods, point=7)


# ----------------------------------------------------------------------------- hypothesis panel
TABLES = {
    "reciprocity.share": make_runs("reciprocity.share", (0.2, 0.5, 0.8), slope=3.0, seed=1),
    "actors.n_actors": make_runs("actors.n_actors", (2, 4, 8), slope=-3.0, seed=2),
    "iteration.continuation": make_runs("iteration.continuation", (0.3, 0.7, 0.9), slope=3.0, seed=3),
    "regime.monitoring": make_runs("regime.monitoring", (0.0, 0.5, 1.0), slope=0.0, seed=4),
    "epistemic.reach": make_runs("epistemic.reach", (0.0, 0.5, 1.0), slope=-3.0, seed=5),
    "power.hegemon_share": make_runs("power.hegemon_share", (1 / 30, 0.2, 0.5), slope=3.0, seed=6),
}


def test_hypothesis_panel_six_panels_with_verdicts():
    fig = plots.hypothesis_panel(TABLES, title="Milner's hypotheses (synthetic)")
    assert isinstance(fig, matplotlib.figure.Figure)
    axes = fig.axes
    assert len(axes) == 6
    reports = an.hypothesis_reports(TABLES).set_index("hypothesis")
    for k, ax in enumerate(axes):
        h = f"H{k + 1}"
        title = ax.get_title(loc="left")
        assert title.startswith(h) and reports.loc[h, "verdict"] in title
        assert len(ax.lines) == 1 and len(polys(ax)) == 1
        assert ax.get_xlabel() == plots.LABELS[reports.loc[h, "parameter"]]
    assert axes[0].get_ylabel() == plots.LABELS["emergence"] and axes[1].get_ylabel() == ""
    assert fig.get_suptitle() == "Milner's hypotheses (synthetic)"


def test_hypothesis_panel_from_reports_marks_missing_hypotheses():
    reports = [an.hypothesis_report(TABLES[p], p) for p in ("iteration.continuation", "regime.monitoring")]
    fig = plots.hypothesis_panel(reports)
    assert len(fig.axes) == 6
    assert fig.axes[2].get_title(loc="left").startswith("H3") and fig.axes[3].get_title(loc="left").startswith("H4")
    assert not fig.axes[0].axison and fig.axes[0].texts[0].get_text() == "H1: not tested"
    # a report without a hypothesis label gets a further panel
    extra = an.hypothesis_report(TABLES["regime.monitoring"].rename(columns={"regime.monitoring": "noise"}),
                                 "noise", direction=-1)
    fig = plots.hypothesis_panel([*reports, extra])
    assert len(fig.axes) == 9 and fig.axes[6].get_title(loc="left").startswith("noise")


# ----------------------------------------------------------------------------- save
def test_save_writes_pdf_svg_png(tmp_path):
    ax = plots.emergence_curve(make_runs(), "iteration.continuation")
    paths = plots.save(ax, tmp_path / "figs" / "h3.pdf")
    assert [p.name for p in paths] == ["h3.pdf", "h3.svg", "h3.png"]
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000
    assert paths[0].read_bytes().startswith(b"%PDF")
    assert b"<svg" in paths[1].read_bytes()[:2000]
    assert paths[2].read_bytes().startswith(b"\x89PNG")
    fig = plots.hypothesis_panel(TABLES)
    (only,) = plots.save(fig, tmp_path / "panel.v1", formats="png", dpi=100)
    assert only.name == "panel.v1.png" and only.stat().st_size > 0
    with pytest.raises(ParameterError, match="formats"):
        plots.save(fig, tmp_path / "x", formats=("docx",))
    with pytest.raises(ParameterError):
        plots.save("not a figure", tmp_path / "x")


def test_save_lays_out_once_and_writes_what_savefig_writes(tmp_path):
    # three formats, one layout: the PNG is byte for byte what matplotlib's own tight savefig
    # writes, the vector files have its page size, and the figure is left as it was
    import re

    def figure():
        fig, axes = plt.subplots(1, 2, figsize=(7, 3), layout="constrained")
        for ax, levels in zip(axes, ((0.1, 0.5, 0.9), (0.2, 0.4)), strict=True):
            plots.emergence_curve(make_runs(levels=levels), "iteration.continuation", ax=ax)
        fig.text(0.0, -0.01, "a note below the axes", va="top")  # outside: only the tight box keeps it
        return fig

    reference = figure()
    reference.savefig(tmp_path / "reference.png", dpi=300, bbox_inches="tight")
    plt.close(reference)
    fig = figure()
    engine = fig.get_layout_engine()
    runs = []
    execute = engine.execute
    engine.execute = lambda f: runs.append(f) or execute(f)
    manager, resized = fig.canvas.manager, []
    manager.resize = lambda w, h: resized.append((w, h))  # a window would follow the dpi: it must not
    pdf, svg, png = plots.save(fig, tmp_path / "fig", dpi=300)
    assert len(runs) == 1  # one layout for the three files (savefig alone runs it per file)
    assert png.read_bytes() == (tmp_path / "reference.png").read_bytes()
    width, height = (float(v) for v in re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                  svg.read_bytes()).groups())
    box = [float(v) for v in re.search(rb"/MediaBox \[ ([\d. ]+) \]", pdf.read_bytes()).group(1).split()]
    assert box == pytest.approx([0, 0, width, height], abs=1e-4)
    from PIL import Image

    with Image.open(png) as im:  # 300 dpi: 300/72 pixels per point
        assert abs(im.size[0] - width * 300 / 72) <= 1 and abs(im.size[1] - height * 300 / 72) <= 1
    assert fig.get_layout_engine() is engine and fig.dpi == 100
    assert fig.canvas.manager is manager and not resized
    plt.close(fig)


def test_plots_do_not_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    plots.emergence_curve(make_runs(), "iteration.continuation")
    plots.cooperation_over_time(make_periods())
    plots.hypothesis_panel(TABLES)


def test_style_restores_only_what_it_sets():
    # matplotlib.rc_context would also restore `interactive`; switched on inside (as Jupyter's
    # backend set-up does on a session's first figure) it must stay on after the context
    before = matplotlib.rcParams["interactive"]
    try:
        with plots.style():
            matplotlib.rcParams["interactive"] = True
            assert matplotlib.rcParams["axes.spines.top"] == plots.STYLE.get("axes.spines.top",
                                                                            matplotlib.rcParams["axes.spines.top"])
        assert matplotlib.rcParams["interactive"] is True
        key = next(iter(plots.STYLE))
        outside = matplotlib.rcParams[key]
        with plots.style():
            pass
        assert matplotlib.rcParams[key] == outside
    finally:
        matplotlib.rcParams["interactive"] = before


def test_emergence_curve_refuses_a_categorical_x_and_clips_share_bands():
    runs = make_runs()
    runs["structure"] = np.where(runs["replication"] % 2 == 0, "ring", "random_matching")
    with pytest.raises(ParameterError, match="structure"):
        plots.emergence_curve(runs, "structure")
    ax = plots.emergence_curve(runs, "iteration.continuation", by="structure")  # categorical in by=: fine
    assert len(polys(ax)) == 2
    # a t interval of a share near 1 with few runs crosses 1; the band is clipped to [0, 1]
    few = make_runs(reps=3, seed=4)
    few["window_cooperation"] = np.where(few["replication"] == 0, 0.2, 0.99)
    ax = plots.emergence_curve(few, "iteration.continuation", metric="window_cooperation")
    ys = np.concatenate([p.vertices[:, 1] for c in polys(ax) for p in c.get_paths()])
    assert ys.min() >= 0.0 and ys.max() <= 1.0
