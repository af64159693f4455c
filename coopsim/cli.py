"""The ``coopsim`` command line.

    coopsim run FILE [--output DIR] [--workers N] [--dask ADDRESS] [--quick] [--resume]
    coopsim validate FILE [FILE ...]
    coopsim schema [--output FILE]
    coopsim report DIR
    coopsim plot DIR [--kind curve|phase|time|shares|panel] [--parameter P] [--by Q]
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
from importlib import metadata
from pathlib import Path

from ._validation import ParameterError

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """Bad command-line input: one line, exit code 2."""


def _load(path: str):
    from .experiments import load_experiment

    if not Path(path).exists():
        raise UsageError(f"{path}: no such file")
    return load_experiment(path)


def _cmd_run(args: argparse.Namespace) -> int:
    from .experiments import run_experiment
    from .reporting import write_report

    exp = _load(args.file)
    if args.workers < 1 and args.workers != -1:
        raise UsageError(f"--workers={args.workers} is not allowed: an integer >= 1, or -1 for every core")
    result = run_experiment(exp, output=args.output, workers=args.workers, dask=args.dask, quick=args.quick,
                            resume=args.resume, force=args.force, overwrite=args.overwrite,
                            progress=False if args.quiet else None)
    report = write_report(result)
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


def _cmd_validate(args: argparse.Namespace) -> int:
    from .experiments import ExperimentError

    status = 0
    for path in args.files:
        try:
            exp = _load(path)
        except (ExperimentError, UsageError) as err:
            print(f"{err}", file=sys.stderr)
            status = 2
            continue
        design = exp.design_points() if hasattr(exp, "design_points") else None
        n_points = len(design) if design is not None else "?"
        print(f"{path}: ok ({n_points} design points x {exp.experiment.replications} replications)")
    return status


def _cmd_schema(args: argparse.Namespace) -> int:
    from .experiments import json_schema

    text = json.dumps(json_schema(), indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def _load_results(folder: str):
    from .experiments import load_results

    if not Path(folder).is_dir():
        raise UsageError(f"{folder}: no such folder")
    return load_results(folder)


def _cmd_report(args: argparse.Namespace) -> int:
    from .reporting import write_report

    result = _load_results(args.folder)
    path = write_report(result, args.folder)
    print(path.read_text(encoding="utf-8"))
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import analysis, plots

    result = _load_results(args.folder)
    runs = result.runs[result.runs["status"] == "ok"] if "status" in result.runs else result.runs
    params = analysis.parameter_columns(runs)
    parameter = args.parameter or (params[0] if params else None)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in ("pdf", "svg", "png")]
    if bad:
        raise UsageError(f"--format={args.format!r} is not allowed: a comma-separated list of pdf, svg, png")
    for p in (parameter, args.by):
        if p is not None and p not in runs.columns:
            raise UsageError(f"--parameter/--by={p!r} is not allowed: one of the varied parameters "
                             + ", ".join(params))
    kind = args.kind
    if kind == "panel":
        fig = plots.hypothesis_panel(runs, params)
    else:
        fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
        if kind == "curve":
            if parameter is None:
                raise UsageError("this experiment varies no parameter: nothing to plot against")
            plots.emergence_curve(runs, parameter, by=args.by, ax=ax)
        elif kind == "phase":
            if parameter is None or args.by is None:
                raise UsageError("--kind phase needs --parameter and --by (two varied parameters)")
            plots.phase_diagram(runs, parameter, args.by, ax=ax)
        else:
            if result.periods is None:
                raise UsageError(f"--kind {kind} needs per-period data: set record_periods = true in [experiment]")
            if kind == "time":
                plots.cooperation_over_time(result.periods, by=args.by, ax=ax)
            else:
                plots.strategy_shares(result.periods, ax=ax)
    out = Path(args.output) if args.output else Path(args.folder) / "figures" / f"{kind}"
    paths = plots.save(fig, out, formats)
    plt.close(fig)
    for p in paths:
        print(p)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    out = demo.run_demo(Path(args.output), seed=args.seed, quick=args.quick, echo=print)
    print(f"\nWrote {', '.join(str(p) for p in out)}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
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
            default = "(none)" if f.default is None else repr(f.default)
            print(f"      {name}.{f.name} = {default}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coopsim", description="Simulate cooperation between states: "
                                     "Milner's hypotheses as parameters of iterated games.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="run an experiment file; write runs, summary, figures and report")
    p.add_argument("file", help="experiment file (TOML)")
    p.add_argument("--output", help="output folder (default: [experiment] output or results/<name>)")
    p.add_argument("--workers", type=int, default=1, help="local processes (default 1; -1: every core)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster (scheduler address, e.g. tcp://host:8786)")
    p.add_argument("--quick", action="store_true", help="apply the file's [quick] overrides (a fast smoke run)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in the same folder")
    p.add_argument("--force", action="store_true", help="with --resume: accept a changed experiment file")
    p.add_argument("--overwrite", action="store_true", help="delete earlier results in the output folder first")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary lines")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("validate", help="check experiment files without running them")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of experiment files (for editors)")
    p.add_argument("--output", help="write it to this file")
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("report", help="(re)write the summary, hypothesis report and figures of a results folder")
    p.add_argument("folder")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("plot", help="one figure from a results folder")
    p.add_argument("folder")
    p.add_argument("--kind", choices=("curve", "phase", "time", "shares", "panel"), default="curve")
    p.add_argument("--parameter", help="x-axis parameter (default: the first varied one)")
    p.add_argument("--by", help="second parameter (one line per level; y-axis of a phase diagram)")
    p.add_argument("--format", default="pdf,svg,png", help="comma-separated formats (default: %(default)s)")
    p.add_argument("--output", help="file stem (default: DIR/figures/KIND)")
    p.set_defaults(func=_cmd_plot)

    p = sub.add_parser("info", help="versions of coopsim and its dependencies; the mechanisms and their parameters")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("demo", help="a short Milner demo: the shadow of the future")
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
