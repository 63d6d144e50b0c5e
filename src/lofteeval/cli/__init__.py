"""Command-line interface: ``lofteeval <command> ...``.

Each command group lives in its own module that exposes ``register(subparsers)``; this module
only wires them and turns every expected failure into one clear line on stderr with exit code 2,
never a traceback: lofteeval's own errors (the full message, hint included), files that cannot be
read or written (the file and the reason), files that cannot be parsed, and a closed output pipe
(``lofteeval lofte show ID | head -1`` ends quietly).  ``--debug`` shows the traceback instead.
Everything printed passes :func:`lofteeval.files.terminal_text`: registry and user text cannot
send escape sequences to the terminal.
"""

from __future__ import annotations

import os

# The estimators solve many small problems (placebo fits): multi-threaded BLAS only adds overhead
# there and oversubscribes small machines. Set before numpy is first imported; a user's own
# setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib
import importlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

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
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
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


class _CleanStream:
    """A text stream that drops ANSI escapes and control characters before writing (see ``terminal_text``)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from ..files import terminal_text

        self._stream.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _clean_output() -> Iterator[None]:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _CleanStream(out), _CleanStream(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def error_line(exc: BaseException) -> str:
    """The one line printed for an expected failure ``exc`` (without the ``lofteeval: error:`` head)."""
    import json
    import zipfile

    from ..errors import LofteevalError

    if isinstance(exc, LofteevalError):
        return str(exc)
    if isinstance(exc, OSError) and getattr(exc, "filename", None):
        return _os_error_line(exc)
    if isinstance(exc, UnicodeDecodeError):
        return (f"a file is not valid {exc.encoding} text (byte {exc.object[exc.start:exc.start + 1]!r} at "
                f"position {exc.start}); save it as UTF-8 or pass --encoding cp1252 where the command has it.")
    if isinstance(exc, (json.JSONDecodeError, zipfile.BadZipFile)):
        return f"a file could not be parsed ({exc.__class__.__name__}: {exc}); check that it is the file you meant."
    return (f"{exc.__class__.__name__}: {exc} (unexpected; run `lofteeval --debug ...` for the traceback "
            "and report it with the command you ran)")


def _os_error_line(exc: OSError) -> str:
    import errno

    name = exc.filename
    hints = {errno.ENOENT: "check the path (the file or its folder does not exist)",
             errno.EACCES: "choose a place you may read and write, or change the permissions",
             errno.EPERM: "choose a place you may read and write, or change the permissions",
             errno.EISDIR: "it is a folder: pass a file name",
             errno.ENOTDIR: "a part of the path is a file, not a folder",
             errno.ENOSPC: "the disk is full: free space or write elsewhere",
             errno.EROFS: "the file system is read-only: write elsewhere"}
    hint = hints.get(exc.errno or 0, "check the path and the permissions")
    return f"cannot use {str(name)!r}: {exc.strerror or exc}; {hint}."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    warnings.simplefilter("default")
    warnings.formatwarning = lambda msg, cat, *a, **k: f"{cat.__name__}: {msg}\n"  # type: ignore[assignment]
    with _clean_output():
        try:
            code = int(args.func(args) or 0)
            sys.stdout.flush()
            return code
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:  # output piped into `head` and closed early: not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except Exception as exc:  # every failure is one line; --debug shows the traceback
            if args.debug:
                raise
            print(f"lofteeval: error: {error_line(exc)}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
