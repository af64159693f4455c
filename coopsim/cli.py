"""The ``coopsim`` command line.

``coopsim demo``  a short Milner demo on a small default (the README's main job);
``coopsim info``  versions and optional components.

Exit codes: 0 success, 2 bad command-line or parameter, 1 other failure.
"""
from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from ._validation import ParameterError

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    out = demo.run_demo(Path(args.output), seed=args.seed, quick=args.quick, echo=print)
    print(f"\nWrote {', '.join(str(p) for p in out)}")
    return 0


def _info(args: argparse.Namespace) -> int:
    import coopsim

    print(f"coopsim {coopsim.__version__}  (python {sys.version.split()[0]})")
    for pkg in ("numpy", "scipy", "pandas", "matplotlib", "pyarrow", "networkx", "axelrod", "dask", "distributed",
                "SALib"):
        try:
            version = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            version = "not installed"
        print(f"  {pkg:<12} {version}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coopsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("demo", help="a short Milner demo: the shadow of the future and a tournament")
    p.add_argument("--output", default="results/demo", help="folder for the tables and figure (default: %(default)s)")
    p.add_argument("--seed", type=int, default=2026, help="root seed (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="smaller sizes")
    p.set_defaults(func=_demo)
    p = sub.add_parser("info", help="versions of coopsim and its dependencies")
    p.set_defaults(func=_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ParameterError as err:
        print(f"coopsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("coopsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
