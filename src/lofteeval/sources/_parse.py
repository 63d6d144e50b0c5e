"""Low-level parsing shared by the source readers: bytes → text → table → numbers.

- :func:`read_text` reads a path or bytes, detects the encoding (UTF-8 with BOM, UTF-8,
  UTF-16 with BOM as Excel's "Unicode text" writes it, cp1252) and refuses inputs that are not
  text tables (empty, HTML error pages, Excel/zip/PDF/archives, binary, a bad byte in UTF-8,
  double-encoded UTF-8; see :mod:`._sniff`) with one :class:`~lofteeval.errors.DataError` naming the problem.
- :func:`read_table` sniffs the separator (``;``, tab or ``,``) and returns a string frame.
- :func:`parse_numbers` turns Swedish number strings (space / NBSP / narrow-NBSP thousands
  separators, decimal comma, Unicode minus) into floats and special codes into NaN plus a flag.

Special codes (``../shared/SOURCES.md`` §0).  Each reader passes its own table; the defaults are

========  ==================  =========================================================
marker    flag                meaning
========  ==================  =========================================================
``..``    ``suppressed``      sekretess / too few / not available (Brå, SCB, Kolada)
``...``   ``missing``         not available (seen in SCB statuses)
``.``     ``not_applicable``  ej tillämplig
``x``     ``suppressed``      suppressed (``x``/``X``)
``XX``    ``suppressed``      Brå NTU tables: too few answers
(empty)   ``missing``         empty cell
``-``     per source          Brå: read as **zero** (Swedish official-statistics convention
                              "inget finns att redovisa"; also what the Brå importer in
                              SOURCES.md does); everywhere else: ``missing`` (bortfall)
========  ==================  =========================================================
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ._sniff import decode, head_text, load_bytes, refuse_non_text

__all__ = [
    "ZERO",
    "DEFAULT_CODES",
    "BRA_CODES",
    "read_text",
    "sniff_separator",
    "read_table",
    "parse_number",
    "parse_numbers",
    "check_whole_counts",
    "table_note",
    "describe_input",
]

ZERO = "__zero__"
"""Pseudo-flag in a code table: the marker means a true zero, not a missing value."""

DEFAULT_CODES: dict[str, str] = {
    "..": "suppressed",
    "...": "missing",
    ".": "not_applicable",
    "x": "suppressed",
    "X": "suppressed",
    "XX": "suppressed",
    "xx": "suppressed",
    "": "missing",
    "-": "missing",
    "–": "missing",
    "—": "missing",
}
BRA_CODES: dict[str, str] = {**DEFAULT_CODES, "-": ZERO, "–": ZERO, "—": ZERO}

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MOJIBAKE = ("Ã¥", "Ã¤", "Ã¶", "Ã…", "Ã„", "Ã–", "Ã©")


def describe_input(source: object) -> str:
    """A short name for error messages: the file name, or ``'<bytes>'``."""
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    return Path(str(source)).name


def read_text(source: str | Path | bytes | bytearray, *, encoding: str | None = None) -> tuple[str, str]:
    """Read ``source`` as text and return ``(text, encoding_used)``.

    Parameters
    ----------
    source
        A path or the raw bytes.
    encoding
        Force an encoding; ``None`` (default) detects UTF-8 with BOM, UTF-8, then cp1252
        (:func:`._sniff.decode`).

    Raises
    ------
    DataError
        Empty, HTML, Excel/zip, binary or double-encoded input, or bytes that do not decode with a
        forced ``encoding``.
    """
    name = describe_input(source)
    data = load_bytes(source)
    if encoding is None and data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel "Unicode text"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(f"{name}: starts with a UTF-16 byte-order mark but does not decode as "
                            "UTF-16; save it again as CSV (UTF-8).") from None
        refuse_non_text(text.encode("utf-8"), name)
        return text.removeprefix("\ufeff"), "utf-16"
    refuse_non_text(data, name)
    if encoding is not None:
        try:
            text, used = data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                f"{name}: does not decode as {encoding!r} ({exc.__class__.__name__} at byte "
                f"{getattr(exc, 'start', '?')}); pass encoding=None to detect it "
                "(UTF-8, UTF-8 with BOM and cp1252 are recognised)."
            ) from None
        text = text.removeprefix("\ufeff")
    else:
        text, used = decode(data, name)
    bad = [m for m in _MOJIBAKE if m in text]
    if bad:
        raise DataError(
            f"{name}: text looks double-encoded ({bad[0]!r} where a Swedish letter should be): it was "
            f"UTF-8, read as Latin-1 and saved again. Re-download the original file, or fix it with "
            f"text.encode('cp1252').decode('utf-8')."
        )
    return text, used


def _field_counts(lines: list[str], sep: str) -> list[int]:
    try:
        return [len(row) for row in csv.reader(lines, delimiter=sep)]
    except csv.Error:  # an open quote or a giant field: not this separator's problem
        return [len(ln.split(sep)) for ln in lines]


def _csv_rows(text: str, sep: str, name: str) -> list[list[str]]:
    """All rows of ``text``; an unbalanced quote or a malformed quoted field is one DataError."""
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    last = 0
    try:
        for row in reader:
            rows.append(row)
            last = reader.line_num
    except csv.Error as exc:
        raise DataError(
            f"{name}: cannot split line {last + 1} into fields ({exc}): a cell opens a quote (\") "
            "that is never closed, or has text after its closing quote. Fix the quoting in that line "
            "(write a quote inside a cell as \"\"), or export the file again."
        ) from None
    return rows


def sniff_separator(text: str, *, candidates: str = ";\t,") -> str:
    """Return the separator that splits the first lines into the same number (> 1) of fields.

    Among consistent candidates the one giving most fields wins; ties go to the order in
    ``candidates`` (``;`` first, because Swedish files use the decimal comma).

    Raises
    ------
    DataError
        No candidate splits the lines consistently.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()][:30]
    best: tuple[int, int, str] | None = None
    for rank, sep in enumerate(candidates):
        counts = _field_counts(lines, sep)
        body = counts[:-1] if len(counts) > 2 else counts  # the last line may be truncated
        if body and min(body) > 1 and len(set(body)) == 1:
            key = (body[0], -rank, sep)
            best = key if best is None or key > best else best
    if best is None:  # no clean split: take a separator most lines agree on, so that
        # read_table can name the odd lines (an unquoted separator inside a cell)
        for sep in candidates:
            counts = _field_counts(lines, sep)
            mode = max(set(counts), key=counts.count) if counts else 0
            if mode > 1 and counts.count(mode) * 2 > len(counts) and counts[0] == mode:
                return sep
        for sep in candidates:  # an unclosed quote hides the rest: split ignoring quotes, so
            naive = {len(ln.split(sep)) for ln in lines}  # that read_table names the line
            if len(naive) == 1 and min(naive) > 1 and '"' in text:
                return sep
        shown = " | ".join(lines[:2])[:120]
        raise DataError(
            f"cannot find the column separator: no one of {list(candidates)} splits the first "
            f"lines into the same number of columns (first lines: {shown!r}). Is this a CSV file?"
        )
    return best[2]


def read_table(
    source: str | Path | bytes,
    *,
    header: bool = True,
    names: list[str] | None = None,
    sep: str | None = None,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a delimited text table into an all-string frame.

    Returns the frame (empty cells as ``""``, every column ``str``) and ``info`` with the
    ``encoding`` and ``sep`` used and the number of ``blank_lines`` skipped (lines whose cells
    are all empty; readers report them with :func:`table_note`).  A last line with fewer fields than the header is a truncated
    download and raises :class:`DataError`.
    """
    name = describe_input(source)
    try:
        head = head_text(source) if sep is None and encoding is None else None
        if head is not None:  # refuse a big file that is no table before reading it whole
            sniff_separator(head)
        text, used = read_text(source, encoding=encoding)
        sep = sep or sniff_separator(text)
    except DataError as exc:
        raise DataError(str(exc) if str(exc).startswith(f"{name}: ") else f"{name}: {exc}") from None
    every = _csv_rows(text, sep, name)
    rows = [r for r in every if any(c.strip() for c in r)]
    blank = len(every) - len(rows)
    if not rows:
        raise DataError(f"{name}: no rows after the header.")
    width = len(rows[0])
    odd = [i for i, r in enumerate(rows) if len(r) != width]
    if odd == [len(rows) - 1] and len(rows[-1]) < width:
        raise DataError(
            f"{name}: the last line has {len(rows[-1])} of {width} fields; the file looks "
            "truncated. Download it again."
        )
    if odd:
        raise DataError(
            f"{name}: {len(odd)} line(s) do not have the {width} fields of the first line (first: "
            f"line {odd[0] + 1}, {len(rows[odd[0]])} fields, separator {sep!r}); an unquoted "
            "separator inside a cell, or a truncated file?"
        )
    if header:
        cols, body = [c.strip() for c in rows[0]], rows[1:]
        _check_header(cols, body, name)
    else:
        cols, body = [f"col{i}" for i in range(width)], rows
    if names is not None:
        if len(names) != width:
            raise DataError(f"{name}: expected {len(names)} columns {names}, found {width}.")
        cols = names
    frame = pd.DataFrame(body, columns=cols, dtype=object).astype(str)
    info = {"encoding": used, "sep": sep, "blank_lines": str(blank)}
    return frame, info


def _check_header(cols: list[str], body: list[list[str]], name: str) -> None:
    """Refuse a header without data rows and repeated column names (which column would count?)."""
    if not body:
        raise DataError(f"{name}: only a header line ({', '.join(cols)[:80]}), no data rows; the export "
                        "or download stopped early. Download or export it again.")
    seen: dict[str, str] = {}
    for col in cols:
        key = col.lower()
        if key and key in seen:
            raise DataError(f"{name}: the column {col!r} appears twice in the header (as {seen[key]!r} and "
                            f"{col!r}); a reader cannot know which to use. Delete or rename one of them.")
        seen[key] = col


def table_note(info: Mapping[str, str]) -> str:
    """The reader's first report note: encoding, separator and blank lines skipped (if any)."""
    blank = int(info.get("blank_lines", "0") or 0)
    return (f"encoding {info['encoding']}, separator {info['sep']!r}"
            + (f", {blank} blank line(s) skipped (no cells)" if blank else ""))


def parse_number(text: object) -> float:
    """Parse one Swedish-formatted number; raise ``ValueError`` when it is not a number.

    ``"2 537"`` (space/NBSP/narrow NBSP thousands), ``"8 547,3"`` (decimal comma), ``"1.234,5"``,
    ``"−12"`` (Unicode minus) and ``"12 %"`` are accepted.
    """
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        return float(text)
    s = _SPACES.sub("", str(text)).replace("\u2212", "-").rstrip("%")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    if not _NUMBER.match(s):
        raise ValueError(f"not a number: {text!r}")
    return float(s)


def parse_numbers(
    values: pd.Series, *, codes: Mapping[str, str] = DEFAULT_CODES, column: str = "value",
    where: str = "",
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of number strings; special codes become NaN and a flag.

    Parameters
    ----------
    values
        Strings (or numbers) as read from the file.
    codes
        Marker → flag; the flag :data:`ZERO` means the marker is a true zero (value 0, no flag).
    column, where
        Column and file names for the error message.

    Returns
    -------
    (numbers, flags)
        Float series (NaN where a code stood) and a string series (``""`` = no flag).

    Raises
    ------
    DataError
        Listing every cell that is neither a number nor a known code (count and examples).
    """
    out = np.full(len(values), np.nan)
    flags = [""] * len(values)
    bad: list[str] = []
    for i, raw in enumerate(values.tolist()):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            raw = ""
        key = str(raw).strip() if not isinstance(raw, (int, float)) else None
        if key is not None and key in codes:
            flag = codes[key]
            if flag == ZERO:
                out[i] = 0.0
            else:
                flags[i] = flag
            continue
        try:
            out[i] = parse_number(raw)
        except ValueError:
            bad.append(f"{raw!r} (row {i + 1})")
    if bad:
        known = ", ".join(repr(k) for k in codes if k)
        raise DataError(
            f"{where + ': ' if where else ''}column {column!r} has {len(bad)} value(s) that are neither "
            f"numbers nor known special codes: {', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}. "
            f"Known codes: {known}. Fix the cells or report the new code."
        )
    return pd.Series(out, index=values.index, dtype=float), pd.Series(flags, index=values.index, dtype=str)


_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def check_whole_counts(counts: pd.Series, column: str, where: str, raw: pd.Series | None = None) -> pd.Series:
    """Return ``counts`` unchanged; raise ``DataError`` if a count is not a whole number.

    A count such as ``2.731`` or ``1,000`` (in ``raw``, the cells as written) is almost always a
    thousands separator that is not Swedish (Brå and SCB write thousands with a space), so it is
    refused rather than guessed.
    """
    frac = counts.notna() & np.isfinite(counts) & (counts != np.floor(counts))
    if raw is not None:  # "1,000" parses as 1.0, but nobody writes a count with three decimals
        frac |= raw.astype(str).str.strip().str.fullmatch(_GROUPED.pattern).fillna(False).astype(bool).to_numpy()
    if frac.any():
        shown = raw[frac] if raw is not None else counts[frac]
        rows = [f"{v!r} (row {i + 1})" for i, v in zip(np.flatnonzero(frac.to_numpy())[:5], shown.head(5))]
        raise DataError(
            f"{where + ': ' if where else ''}column {column!r} must hold whole counts; {int(frac.sum())} "
            f"value(s) are not: {', '.join(rows)}. A '.' or ',' thousands separator? Swedish files "
            "write 2 731 (space); fix the file or remove the separator."
        )
    return counts

