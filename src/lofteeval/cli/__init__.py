"""Command-line interface: ``lofteeval <command> ...``.

Each command group lives in its own module that exposes ``register(subparsers)``; this module
only wires them and turns user mistakes (:class:`~lofteeval.errors.LofteevalError`) into one clear
line on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import os

# The estimators solve many small problems (placebo fits): multi-threaded BLAS only adds overhead
# there and oversubscribes small machines. Set before numpy is first imported; a user's own
# setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib
import sys
import warnings
from collections.abc import Sequence

from .. import __version__
from ..errors import LofteevalError

# modules under lofteeval.cli that each define register(subparsers)
_COMMAND_MODULES = ("data", "sources", "registry", "evaluate", "report", "national")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="lofteeval",
        description="Evaluate Swedish medborgarlöften: panels, estimators and Swedish reports.",
    )
    parser.add_argument("--version", action="version", version=f"lofteeval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:  # a command group not built yet
            if exc.name and exc.name.startswith(f"{__name__}.{name}"):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    warnings.simplefilter("default")
    warnings.formatwarning = lambda msg, cat, *a, **k: f"{cat.__name__}: {msg}\n"  # type: ignore[assignment]
    try:
        return int(args.func(args) or 0)
    except LofteevalError as exc:
        print(f"lofteeval: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"lofteeval: error: file not found: {exc.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
