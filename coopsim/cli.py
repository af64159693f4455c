"""The ``coopsim`` command line.

    coopsim run FILE [--output DIR] [--workers N] [--dask ADDRESS] [--quick] [--resume]
    coopsim validate FILE [FILE ...]
    coopsim schema [--output FILE]
    coopsim report DIR
    coopsim plot DIR [--kind curve|phase|time|shares|panel] [--parameter P] [--metric M] [--by Q]
                     [--where KEY=VALUE ...] [--annotate]
    coopsim export DIR [--format csv|stata|parquet] [--output FILE] [--periods] [--codebook FILE]
    coopsim examples DIR
    coopsim info
    coopsim demo [--output DIR] [--quick]

Exit codes: 0 success; 1 the command ran but something failed (e.g. some runs raised);
2 bad input (a malformed experiment file, a bad option, a missing file), with a one-line
message and no traceback; 130 interrupted (finished runs are kept: ``--resume``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._validation import ParameterError

__all__ = ["main", "console", "build_parser"]


class UsageError(Exception):
    """Bad command-line input: one line, exit code 2."""


def _load(path: str):
    if not Path(path).exists():  # before the experiments' imports: a typo is refused at once
        raise UsageError(f"{path}: no such file")
    from .experiments import load_experiment

    return load_experiment(path)


def _cmd_run(args: argparse.Namespace) -> int:
    import os

    exp = _load(args.file)  # a missing file is refused before the imports below
    from .experiments import run_experiment
    from .experiments.preparation import output_folder
    from .experiments.runner import WorkerDied, clamp_workers
    from .experiments.store_lock import folder_lock

    if args.workers < 1 and args.workers != -1:
        raise UsageError(f"--workers={args.workers} is not allowed: an integer >= 1, or -1 for every core")
    if args.repair and not args.resume:
        raise UsageError("--repair is not allowed without --resume (it repairs a folder being resumed)")
    workers = clamp_workers(args.workers, args.dask, warn=False)
    if workers != args.workers:
        print(f"coopsim: warning: --workers {args.workers} is more than the {os.cpu_count()} CPUs: using {workers}",
              file=sys.stderr)
    folder = output_folder(exp, args.output, args.quick)
    with folder_lock(folder):  # the run and its report: one writer in the folder
        # the workers run the sweep and this process waits: it loads the report's modules meanwhile
        # (a serial sweep runs here, in this process: nothing to gain)
        imports = _preload_report(bool(args.dask) or ((os.cpu_count() or 1) if workers == -1 else workers) > 1)
        try:
            result = run_experiment(exp, output=folder, workers=workers, dask=args.dask, quick=args.quick,
                                    resume=args.resume, force=args.force, overwrite=args.overwrite,
                                    repair=args.repair,
                                    progress=False if args.quiet else None if sys.stderr.isatty() else "lines")
        except WorkerDied as err:
            print(f"coopsim: error: {folder}: {err}", file=sys.stderr)
            return 1
        if imports is not None:
            imports.join()  # (an interrupted run leaves at once: the thread is a daemon)
        report = _write_report(result, folder)
    runs = result.runs
    failed = int((runs["status"] != "ok").sum()) if "status" in runs else 0
    if not args.quiet:
        print(f"{len(runs)} runs -> {result.output}")
        print(f"report: {report}")
        summary = Path(result.output) / "summary.csv"
        if summary.exists():
            print(f"summary table: {summary}")
    if failed:
        print(f"coopsim: {failed} of {len(runs)} runs failed (see the 'error' column in the runs table)",
              file=sys.stderr)
        return 1
    return 0


def _preload_report(start: bool = True):
    """A started thread importing the report's modules (:func:`coopsim.reporting.preload`) while
    the workers run the sweep and this process waits for their results (None unless ``start``).
    An import that fails here fails again, with its message, when the report imports it."""
    import threading

    def work() -> None:
        try:
            from .reporting import preload

            preload()
        except Exception:  # noqa: BLE001, S110 - the report's own imports raise it where it is handled
            pass

    if not start:
        return None
    thread = threading.Thread(target=work, name="coopsim-report-imports", daemon=True)
    thread.start()
    return thread


#: how to install what an experiment file may need beyond the core dependencies
EXTRAS = {"SALib": "pip install 'coopsim[sensitivity]' (or: pip install SALib)",
          "dask": "pip install 'coopsim[dask]'", "distributed": "pip install 'coopsim[dask]'",
          "axelrod": "pip install 'axelrod>=4.13.1,<4.14'"}


def _cmd_validate(args: argparse.Namespace) -> int:
    from .experiments import ExperimentError

    failed = 0
    for path in args.files:
        try:
            exp = _load(path)
            n_points = exp.n_points()  # counted, not built: validation never materialises a huge design
            n_quick = exp.n_points(True) if exp.quick is not None else None
        except (ExperimentError, UsageError) as err:
            msg = str(err)
            line = msg if msg.startswith(str(path)) else f"{path}: {msg}"
        except ModuleNotFoundError as err:
            name = (err.name or "").split(".")[0]
            how = EXTRAS.get(name, f"pip install {name}")
            line = f"{path}: needs the Python package {name}, which is not installed: {how}"
        except Exception as err:  # noqa: BLE001 - one line per file, the next file is still checked
            line = f"{path}: {type(err).__name__}: {' '.join(str(err).split())}"
        else:
            quick = f"; --quick: {n_quick} points x {exp.replications(True)}" if n_quick is not None else ""
            print(f"{path}: ok ({n_points} design points x {exp.experiment.replications} replications{quick})")
            continue
        failed += 1
        print(line, file=sys.stderr)
    if len(args.files) > 1:
        print(f"{len(args.files) - failed} of {len(args.files)} files ok" + (f", {failed} failed" if failed else ""))
    return 2 if failed else 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export_results

    if not Path(args.folder).is_dir():
        raise UsageError(f"{args.folder}: no such folder")
    table, book = export_results(args.folder, args.format, args.output, periods=args.periods,
                                 codebook_path=args.codebook)
    print(f"table: {table}")
    print(f"codebook: {book}")
    return 0


def _cmd_examples(args: argparse.Namespace) -> int:
    from .examples import copy_examples

    written = copy_examples(args.folder, overwrite=args.overwrite)
    for p in written:
        print(p)
    first = Path(args.folder) / "experiments" / "h3_iteration.toml"
    print(f"{len(written)} files -> {args.folder}; try: coopsim run {first} --quick")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from .experiments import json_schema

    text = json.dumps(json_schema(), indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def _load_results(folder: str, experiment: bool = True):
    from .experiments.results import load_results

    if not Path(folder).is_dir():
        raise UsageError(f"{folder}: no such folder")
    return load_results(folder, experiment=experiment)


def _write_report(result, folder) -> Path:
    """The report of ``result`` in ``folder`` (locked by the caller); its files are listed in
    the manifest as coopsim's (``--overwrite`` may delete them)."""
    from .experiments.results import record_written
    from .reporting import write_report

    with record_written(folder):
        return write_report(result, folder)


def _cmd_report(args: argparse.Namespace) -> int:
    from .experiments.store_lock import folder_lock

    if not Path(args.folder).is_dir():
        raise UsageError(f"{args.folder}: no such folder")
    with folder_lock(args.folder):
        result = _load_results(args.folder)
        path = _write_report(result, args.folder)
    print(path.read_text(encoding="utf-8"))
    return 0


#: most panels ``coopsim plot`` draws for the conditions a figure does not otherwise show
MAX_PANELS = 12


def _parse_where(items: list[str] | None, runs, params: list[str]) -> dict:
    """``--where KEY=VALUE`` -> {parameter: the matching stored value}; one-line refusals."""
    import numpy as np

    chosen: dict = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            raise UsageError(f"--where {item!r} is not allowed: KEY=VALUE, e.g. --where noise=0.01")
        if key not in params:
            raise UsageError(f"--where {key}=...: {key!r} is not a varied parameter; one of " + ", ".join(params))
        levels = list(runs[key].dropna().unique())
        match = [v for v in levels if str(v) == raw]
        if not match:
            try:
                x = float(raw)
                match = [v for v in levels if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                         and np.isclose(float(v), x, rtol=1e-9, atol=1e-12)]
            except ValueError:
                match = []
        if not match:
            raise UsageError(f"--where {key}={raw}: no runs; {key} takes "
                             + ", ".join(map(_fmt, sorted(levels, key=str))))
        chosen[key] = match[0]
    return chosen


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _select(df, chosen: dict):
    if df is None:
        return None
    mask = None
    for key, value in chosen.items():
        m = df[key] == value
        mask = m if mask is None else mask & m
    return df if mask is None else df[mask]


def _facets(runs, params: list[str], used: list[str], kind: str) -> list[str]:
    """Varied parameters the figure does not show: one panel per combination, or a refusal."""
    rest = [p for p in params if p not in used and runs[p].nunique(dropna=False) > 1]
    if not rest:
        return []
    combos = len(runs[rest].drop_duplicates())
    if combos > MAX_PANELS:
        levels = ", ".join(f"{p} ({runs[p].nunique(dropna=False)} values)" for p in rest)
        hint = f"--where {rest[0]}={_fmt(sorted(runs[rest[0]].dropna().unique())[0])}"
        by = "" if kind in ("phase", "shares") else ", or show one of them with --by"
        raise UsageError(f"--kind {kind} would pool {combos} conditions: {levels} vary; choose them with "
                         f"{hint} (repeatable){by}")
    return rest


def _pyplot():
    """matplotlib.pyplot on the Agg backend: files only, no GUI toolkit is imported."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _cmd_plot(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # before coopsim.plots (and pyplot, imported once the arguments are checked)

    from . import analysis, plots

    result = _load_results(args.folder, experiment=False)  # the tables and the manifest are enough
    runs = result.runs[result.runs["status"] == "ok"] if "status" in result.runs else result.runs
    params = analysis.parameter_columns(result.runs)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in ("pdf", "svg", "png")]
    if bad:
        raise UsageError(f"--format={args.format!r} is not allowed: a comma-separated list of pdf, svg, png")
    for opt, p in (("--parameter", args.parameter), ("--by", args.by)):
        if p is not None and p not in params:
            raise UsageError(f"{opt}={p!r} is not allowed: one of the varied parameters " + ", ".join(params))
    kind = args.kind
    chosen = _parse_where(args.where, runs, params)
    runs = _select(runs, chosen)
    periods = _select(result.periods, chosen)
    if kind in ("time", "shares") and periods is None:
        raise UsageError(f"--kind {kind} needs per-period data: set record_periods = true in [experiment]")
    metric = args.metric or ("cooperation" if kind == "time" else "emerged")
    table = periods if kind == "time" else runs
    if kind not in ("shares", "panel") and metric not in ("emerged", "emergence") and metric not in table.columns:
        names = [c for c in table.attrs.get("metrics", []) if c in table.columns] or \
            [c for c in table.columns if c not in params]
        raise UsageError(f"--metric={metric!r} is not allowed: one of " + ", ".join(names))
    varied = [p for p in params if p not in chosen and runs[p].nunique(dropna=False) > 1]
    parameter = args.parameter or (varied[0] if varied else (params[0] if params else None))
    if kind == "panel":
        # one parameter per panel: in a grid the others' levels would be averaged together;
        # in a sampled design (sobol, random, latin hypercube) each panel is a main effect
        design_kind = result.manifest.get("design", {}).get("kind", "grid")
        if len(varied) > 1 and design_kind in ("grid", "list"):
            raise UsageError(f"--kind panel would average over the other varied parameters ({', '.join(varied)}); "
                             f"choose their values with --where, e.g. --where {varied[1]}="
                             f"{_fmt(sorted(runs[varied[1]].dropna().unique())[0])}")
        if len(varied) > 1:
            print(f"each panel: the main effect of its parameter, averaged over the {design_kind} design's "
                  "other parameters", file=sys.stderr)
        fig = plots.hypothesis_panel(runs, varied or params)
        panels = []
    else:
        if kind == "curve" and parameter is None:
            raise UsageError("this experiment varies no parameter: nothing to plot against (try --kind time)")
        if kind == "phase" and (parameter is None or args.by is None):
            raise UsageError("--kind phase needs --parameter and --by (two varied parameters: "
                             + ", ".join(varied) + ")")
        used = {"curve": [parameter, args.by], "phase": [parameter, args.by], "time": [args.by],
                "shares": []}[kind]
        rest = _facets(runs, params, [u for u in used if u], kind)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure  # not pyplot: a figure for files, nothing to show or close

        groups = [((), runs)] if not rest else list(runs.groupby(rest, sort=True, dropna=False))
        ncols = min(3, len(groups))
        nrows = -(-len(groups) // ncols)
        fig = Figure(figsize=(4.6 * ncols, 3.3 * nrows), layout="constrained")
        FigureCanvasAgg(fig)  # its renderer lays the figure out and draws the PNG: text measured once
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax in axes.flat[len(groups):]:
            ax.set_visible(False)
        panels = []
        for ax, (key, sub) in zip(axes.flat, groups, strict=False):
            key = key if isinstance(key, tuple) else (key,)
            cond = dict(zip(rest, key, strict=True))
            _draw(plots, kind, ax, sub, _select(periods, cond), parameter, args.by, metric, args.annotate,
                  legend=ax is axes.flat[0])
            if cond:
                ax.set_title(", ".join(f"{k} = {_fmt(v)}" for k, v in cond.items()), fontsize=9)
            panels.append(cond)
    if args.annotate:
        fixed = {**chosen, **{p: runs[p].iloc[0] for p in params if p not in chosen and len(runs)
                              and runs[p].nunique(dropna=False) == 1}}
        note = f"{result.manifest.get('experiment', {}).get('name', '')}: {len(runs)} runs"
        if fixed:
            note += "; fixed: " + ", ".join(f"{k} = {_fmt(v)}" for k, v in fixed.items())
        fig.text(0.0, -0.01, note, ha="left", va="top", fontsize=7, color="0.3")
    stem = kind + "".join(f"_{k.replace('.', '-')}-{_fmt(v)}" for k, v in chosen.items())
    out = Path(args.output) if args.output else Path(args.folder) / "figures" / stem
    if args.output:
        paths = plots.save(fig, out, formats)
    else:  # into the results folder: one writer at a time, the figures listed as coopsim's
        from .experiments.results import record_written
        from .experiments.store_lock import folder_lock

        with folder_lock(args.folder), record_written(args.folder):
            paths = plots.save(fig, out, formats)
    if kind == "panel":  # hypothesis_panel's figure is pyplot's
        _pyplot().close(fig)
    if len(panels) > 1:
        print(f"{len(panels)} panels, one per value of " + ", ".join(panels[0]), file=sys.stderr)
    for p in paths:
        print(p)
    return 0


def _draw(plots, kind, ax, runs, periods, parameter, by, metric, annotate, legend=True) -> None:
    """One panel of ``coopsim plot``."""
    if kind == "curve":
        plots.emergence_curve(runs, parameter, by=by, metric=metric, ax=ax, legend=legend)
        if annotate:
            for line in ax.get_lines():
                for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
                    ax.annotate(f"{y:.2f}", (x, y), textcoords="offset points", xytext=(0, 5), ha="center",
                                fontsize=6, color=line.get_color())
    elif kind == "phase":
        plots.phase_diagram(runs, parameter, by, value=metric, ax=ax, annotate=annotate)
    elif kind == "time":
        plots.cooperation_over_time(periods, by=by, value=metric, ax=ax, legend=legend)
        if annotate:
            for line in ax.get_lines():
                x, y = line.get_xdata(), line.get_ydata()
                if len(x):
                    ax.annotate(f"{y[-1]:.2f}", (x[-1], y[-1]), textcoords="offset points", xytext=(3, 0),
                                va="center", fontsize=6, color=line.get_color())
    else:
        plots.strategy_shares(periods, ax=ax, legend=legend)


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    out = demo.run_demo(Path(args.output), seed=args.seed, quick=args.quick, echo=print)
    print(f"\nWrote {', '.join(str(p) for p in out)}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from importlib import metadata

    import coopsim

    print(f"coopsim {coopsim.__version__}  (python {sys.version.split()[0]})")
    for pkg in ("numpy", "scipy", "pandas", "matplotlib", "pyarrow", "networkx", "pydantic", "joblib", "axelrod",
                "dask", "distributed", "SALib"):
        try:
            version = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            version = "not installed"
        print(f"  {pkg:<12} {version}")
    import dataclasses

    from .world.mechanisms import REGISTRY

    print("\nMechanisms (Milner's hypotheses and beyond): [scenario.<name>] tables, dotted names in designs")
    for name, cls in REGISTRY.items():
        print(f"  {cls.HYPOTHESIS} {name}: {cls.PREDICTION}")
        for f in dataclasses.fields(cls):
            value = f.default_factory() if f.default is dataclasses.MISSING else f.default  # e.g. a table: {}
            default = "(none)" if value is None else repr(value)
            print(f"      {name}.{f.name} = {default}")
    return 0


#: examples shown by each subcommand's --help
EXAMPLES = {
    "run": """examples:
  coopsim run experiments/h3_iteration.toml --quick        # a fast smoke run -> results/h3_iteration-quick/
  coopsim run experiments/h3_iteration.toml --workers -1   # the full sweep on every core
  coopsim run my.toml --output results/my --resume         # continue an interrupted sweep
  coopsim run my.toml > run.log 2>&1                        # in a log: a progress line with ETA every ~10 s""",
    "validate": """examples:
  coopsim validate experiments/h3_iteration.toml
  coopsim validate experiments/*.toml      # every file is checked; exit code 2 if any failed""",
    "schema": """examples:
  coopsim schema --output coopsim-schema.json   # point your editor's TOML/JSON support at it""",
    "report": """examples:
  coopsim report results/h3_iteration-quick     # rewrite summary.csv, report.md and figures/""",
    "plot": """examples:
  coopsim plot results/h3_iteration-quick                           # emergence vs the varied parameter
  coopsim plot results/milner --parameter iteration.continuation --where noise=0.01
  coopsim plot results/h4 --kind phase --parameter regime.monitoring --by regime.sanction --annotate
  coopsim plot results/my --metric window_cooperation --by n_states --format png
  coopsim plot results/my --kind shares --where iteration.continuation=0.9

Conditions the figure does not show are never averaged together: each combination of the
other varied parameters gets its own panel (at most 12), or the command refuses and names
them; pick values with --where KEY=VALUE (repeatable) or put one on the lines with --by.""",
    "export": """examples:
  coopsim export results/h3_iteration-quick --format stata       # -> results/.../export/runs.dta
  coopsim export results/h3_iteration-quick --format csv --output h3.csv --codebook h3_codebook.md
  coopsim export results/my --format csv --periods                # one row per run and period

Variable names are made valid for Stata/R/SPSS (iteration.continuation -> iteration_continuation,
at most 32 characters); the original names are Stata variable labels and in the codebook
(exported name, original name, role, meaning, unit, values or range of every column).""",
    "examples": """examples:
  coopsim examples my_coopsim          # -> my_coopsim/experiments/*.toml, my_coopsim/notebooks/*.ipynb
  cd my_coopsim && coopsim run experiments/h3_iteration.toml --quick""",
    "info": """examples:
  coopsim info      # versions (for bug reports) and the mechanisms' parameters for [design.parameters]""",
    "demo": """examples:
  coopsim demo --quick --output results/demo""",
}


def _add(sub, name: str, help: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".", epilog=EXAMPLES[name],
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coopsim", description="Simulate cooperation between states: "
                                     "Milner's hypotheses as parameters of iterated games.",
                                     epilog="examples:\n  coopsim examples my_coopsim\n"
                                     "  coopsim run my_coopsim/experiments/h3_iteration.toml --quick\n"
                                     "  coopsim export results/h3_iteration-quick --format stata\n\n"
                                     "coopsim COMMAND --help shows each command's options and examples.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _add(sub, "run", "run an experiment file; write runs, summary, figures and report")
    p.add_argument("file", help="experiment file (TOML)")
    p.add_argument("--output", help="output folder (default: [experiment] output or results/<name>)")
    p.add_argument("--workers", type=int, default=1, help="local processes (default 1; -1: every core)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster (scheduler address, e.g. tcp://host:8786)")
    p.add_argument("--quick", action="store_true", help="apply the file's [quick] overrides (a fast smoke run)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in the same folder")
    p.add_argument("--force", action="store_true", help="with --resume: when the file has changed, resume the "
                   "experiment the folder holds (its own copy)")
    p.add_argument("--repair", action="store_true", help="with --resume: delete damaged parts and run their runs "
                   "again")
    p.add_argument("--overwrite", action="store_true", help="delete earlier results in the output folder first "
                   "(only the files coopsim wrote there)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary lines")
    p.set_defaults(func=_cmd_run)

    p = _add(sub, "validate", "check experiment files without running them")
    p.add_argument("files", nargs="+", metavar="FILE", help="experiment files; each is reported (ok or its error)")
    p.set_defaults(func=_cmd_validate)

    p = _add(sub, "schema", "print the JSON Schema of experiment files (for editors)")
    p.add_argument("--output", help="write it to this file")
    p.set_defaults(func=_cmd_schema)

    p = _add(sub, "report", "(re)write the summary, hypothesis report and figures of a results folder")
    p.add_argument("folder", metavar="DIR", help="a results folder (written by coopsim run)")
    p.set_defaults(func=_cmd_report)

    p = _add(sub, "plot", "one figure from a results folder")
    p.add_argument("folder", metavar="DIR", help="a results folder (written by coopsim run)")
    p.add_argument("--kind", choices=("curve", "phase", "time", "shares", "panel"), default="curve",
                   help="curve: metric vs a parameter; phase: heatmap over two; time: per period; shares: "
                   "strategies over time; panel: the six hypotheses (default: %(default)s)")
    p.add_argument("--parameter", help="x-axis parameter (default: the first varied one)")
    p.add_argument("--metric", help="what to show: a metric of the runs table (default: emerged, i.e. "
                   "emergence frequency) or, for --kind time, of the periods table (default: cooperation)")
    p.add_argument("--by", help="second parameter (one line per level; y-axis of a phase diagram)")
    p.add_argument("--where", action="append", metavar="KEY=VALUE",
                   help="keep only runs with this parameter value (repeatable)")
    p.add_argument("--annotate", action="store_true",
                   help="write the values on the figure and a note of the runs and fixed conditions")
    p.add_argument("--format", default="pdf,svg,png", help="comma-separated formats (default: %(default)s)")
    p.add_argument("--output", help="file stem (default: DIR/figures/KIND)")
    p.set_defaults(func=_cmd_plot)

    p = _add(sub, "export", "one table of a results folder for Stata, R or SPSS, with a codebook")
    p.add_argument("folder", metavar="DIR", help="a results folder (written by coopsim run)")
    p.add_argument("--format", choices=("csv", "stata", "parquet"), default="csv",
                   help="csv, stata (.dta, version 118) or parquet (default: %(default)s)")
    p.add_argument("--output", help="the table's file (default: DIR/export/runs.EXT, or periods.EXT)")
    p.add_argument("--periods", action="store_true", help="one row per run and period (needs record_periods)")
    p.add_argument("--codebook", help="the codebook's file, .csv or .md (default: next to the table, "
                   "<stem>_codebook.csv)")
    p.set_defaults(func=_cmd_export)

    p = _add(sub, "examples", "copy the shipped experiment files and tutorial notebooks into a folder")
    p.add_argument("folder", metavar="DIR", help="where to put experiments/ and notebooks/")
    p.add_argument("--overwrite", action="store_true", help="replace files copied earlier")
    p.set_defaults(func=_cmd_examples)

    p = _add(sub, "info", "versions of coopsim and its dependencies; the mechanisms and their parameters")
    p.set_defaults(func=_cmd_info)

    p = _add(sub, "demo", "a short Milner demo: the shadow of the future")
    p.add_argument("--output", default="results/demo", help="folder for the tables and figure (default: %(default)s)")
    p.add_argument("--seed", type=int, default=2026, help="root seed (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="smaller sizes")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as err:
        print(f"coopsim: error: {err}", file=sys.stderr)
        return 2
    except ParameterError as err:  # ExperimentError is a ParameterError: one line, no traceback
        msg = str(err)
        print(msg if msg.split(":", 1)[0].endswith((".toml", ".json")) else f"coopsim: error: {msg}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("coopsim: interrupted; finished runs are saved (continue with --resume)", file=sys.stderr)
        return 130


def console(argv: list[str] | None = None) -> None:
    """The ``coopsim`` program: :func:`main`, then an exit that skips native teardown
    (:func:`coopsim._exit.leave`: pyarrow's thread pools can abort a finished command)."""
    from ._exit import leave

    leave(main(argv))


if __name__ == "__main__":  # pragma: no cover
    console()
