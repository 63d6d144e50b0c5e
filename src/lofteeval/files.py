"""Safe file writing and safe text: the one atomic writer, spreadsheet cells, terminal lines.

Every file lofteeval writes (reports, workbooks, panels, imports, caches, follow-up templates)
goes through :func:`atomic_path` or :func:`atomic_group`: the content is written under a unique
temporary name in the target folder (``tempfile.mkstemp``), flushed to disk, and renamed into
place with ``os.replace``.  A run that fails or is killed leaves the previous complete file (or
none) under the final name, never a truncated one; two concurrent writers of one path each write
their own temporary file, and the last rename wins with a complete file.

Text from registry entries and user files is untrusted: :func:`spreadsheet_text` keeps a cell
that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) from becoming a live
formula in Excel or LibreOffice, and :func:`terminal_text` removes ANSI escape sequences and
other control characters before a line reaches a terminal.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["atomic_path", "atomic_group", "write_bytes", "write_text", "inside",
           "spreadsheet_text", "spreadsheet_frame", "is_formula_like", "protect_sheet", "workbook_frame", "terminal_text", "FORMULA_PREFIXES"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _temp_name(path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".part{path.suffix}")
    os.close(fd)
    return Path(tmp)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a unique temporary path next to ``path``; on success rename it to ``path``.

    The writer inside the ``with`` block writes the whole file to the yielded path (any library:
    ``to_parquet``, ``ExcelWriter``, WeasyPrint).  On an exception the temporary file is removed
    and ``path`` is left as it was.  The parent folder is created.

    Examples
    --------
    >>> with atomic_path(out) as tmp:  # doctest: +SKIP
    ...     frame.to_parquet(tmp)
    """
    with atomic_group({"file": path}) as tmps:
        yield tmps["file"]


@contextlib.contextmanager
def atomic_group(paths: Mapping[str, str | os.PathLike[str]]) -> Iterator[dict[str, Path]]:
    """Yield ``{key: temporary path}``; when the block succeeds, rename every one into place.

    The files are renamed together at the end (HTML, PDF and workbook of one report), so a run
    that fails leaves the previous complete set.  Temporary files are removed on failure.
    """
    finals = {k: Path(p) for k, p in paths.items()}
    tmps: dict[str, Path] = {}
    try:
        for key, final in finals.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            tmps[key] = _temp_name(final)
        yield tmps
        for key, tmp in tmps.items():
            _fsync(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
        for key, tmp in tmps.items():
            os.replace(tmp, finals[key])
    finally:
        for tmp in tmps.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    return write_bytes(path, text.encode(encoding))


def inside(base: str | os.PathLike[str], *parts: str) -> Path:
    """``base / parts`` resolved, refusing any result outside ``base`` (``..``, absolute parts, links).

    Raises
    ------
    DataError
        The joined path leaves ``base``.
    """
    from .errors import DataError

    root = Path(base).resolve()
    target = root.joinpath(*parts).resolve()
    if target != root and root not in target.parents:
        raise DataError(f"output path {'/'.join(parts)!r} must stay inside {str(root)!r} but resolves to "
                        f"{str(target)!r}; use a registry id of a-z, 0-9 and '-' only.")
    return target


def spreadsheet_text(value: Any) -> Any:
    """``value`` as a spreadsheet cell: text that a spreadsheet would run as a formula is escaped.

    Strings starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
    apostrophe (shown as text; ``'`` is how Excel and LibreOffice mark a text cell), unless the
    string is a plain number such as ``-3`` or ``+2,5``.  Numbers and other values are returned
    unchanged.
    """
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula (see :data:`FORMULA_PREFIXES`)."""
    return (text.startswith(FORMULA_PREFIXES) and text not in ("-", "+")
            and not _NUMBER.fullmatch(text))


def protect_sheet(ws: Any) -> int:
    """Mark every formula-like text cell of an openpyxl worksheet as text; return how many.

    The cell keeps its exact text (read back unchanged) but is stored as a string with Excel's
    *quote prefix*, so neither opening nor editing the workbook turns it into a formula.
    """
    n = 0
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
                n += 1
    return n


def spreadsheet_frame(frame: Any) -> Any:
    """A copy of a DataFrame with every text cell (and column name) passed through :func:`spreadsheet_text`."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(spreadsheet_text)
    out.columns = [spreadsheet_text(c) for c in out.columns]
    return out


def workbook_frame(frame: Any) -> Any:
    """A copy of a DataFrame whose text cells a workbook can hold: escape sequences and control
    characters removed (openpyxl refuses them), newline and tab kept.  Use :func:`protect_sheet`
    after writing, so formula-like text stays text."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(lambda v: terminal_text(v) if isinstance(v, str) else v)
    out.columns = [terminal_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def terminal_text(text: str) -> str:
    """``text`` without ANSI escape sequences and control characters (newline and tab are kept)."""
    return _CONTROL.sub("", _ANSI.sub("", str(text)))
