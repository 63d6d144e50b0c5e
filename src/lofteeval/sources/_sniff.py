"""Byte-level checks the readers run before parsing: is this a text table at all, and in which encoding?

- :func:`load_bytes` reads a file's first :data:`HEAD_BYTES` bytes, refuses binary content
  from them (:func:`refuse_non_text`) and only then reads the rest, so a 300 MB spreadsheet,
  archive or random-bytes file is refused without being read whole.
- :func:`refuse_non_text` knows the signatures of zip/xlsx, OLE2 (old .xls), PDF, gzip, 7z, RAR,
  bzip2, PNG, JPEG, ELF, SQLite and Parquet files, NUL bytes, HTML pages and control characters.
- :func:`decode` detects UTF-8 (with or without BOM) and Windows-1252 and refuses a UTF-8 file
  with a bad byte (naming the byte, its line and its offset) instead of silently reading the whole
  file as Windows-1252.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import DataError

__all__ = ["HEAD_BYTES", "load_bytes", "refuse_non_text", "refuse_non_json", "decode", "head_text"]

HEAD_BYTES = 65_536
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel/zip file (.xlsx)"),
    (b"PK\x05\x06", "an (empty) zip file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (.xls) / Office file"),
    (b"%PDF-", "a PDF"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "a program (ELF binary)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)
_HOW = {
    "a PDF": "download the CSV/Excel version from the publisher (Brå and Kolada offer both)",
    "an Excel/zip file (.xlsx)": "open it and save as CSV (UTF-8, ';'), or export CSV from the publisher",
    "an old Excel (.xls) / Office file": "open it and save as CSV (UTF-8, ';')",
}
_CONTROL = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _signature(head: bytes) -> str | None:
    for magic, what in _SIGNATURES:
        if head.startswith(magic) and not (magic == b"BZh" and not head[3:4].isdigit()):
            return what
    return None


def refuse_non_text(data: bytes, name: str, *, utf16: bool = False) -> None:
    """Raise one :class:`DataError` naming ``name`` unless ``data`` (a file's head) looks like a text table.

    ``utf16`` skips the NUL check (UTF-16 text is half NUL bytes).
    """
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise DataError(f"{name}: the file is empty; download it again or check the path.")
    what = _signature(data)
    if what:
        how = _HOW.get(what, "unpack or convert it and pass the CSV/JSON data file itself")
        raise DataError(f"{name}: this is {what}, not a text data file (CSV/JSON); {how}.")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in head:
        title = re.search(rb"<title>(.*?)</title>", data[:4096], re.I | re.S)
        shown = f" (page title: {title.group(1).decode('utf-8', 'replace').strip()[:80]!r})" if title else ""
        raise DataError(
            f"{name}: got an HTML page instead of a data file{shown}; the download probably failed "
            "or hit a login/error page. Download the file again in a browser and save the CSV itself."
        )
    if not utf16 and b"\x00" in data:
        at = data.index(b"\x00")
        raise DataError(
            f"{name}: binary content (NUL byte at byte {at}, line {_line_of(data, at)}), not a "
            "text table; UTF-16 without a byte-order mark, a spreadsheet or a damaged download? "
            "Save it as CSV in UTF-8."
        )
    head = data[:HEAD_BYTES]
    controls = len(_CONTROL.findall(head))
    if controls >= 8 and controls > 0.01 * len(head):
        raise DataError(
            f"{name}: {controls} control characters in the first {len(head)} bytes: binary content, "
            "not a text table. Check that this is the CSV/JSON file and not a spreadsheet, archive "
            "or damaged download."
        )


def load_bytes(source: str | Path | bytes | bytearray) -> bytes:
    """The bytes of ``source``, refusing binary files from their first bytes before reading the rest."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    path = Path(source)
    if path.is_dir():
        raise DataError(f"expected a file, got the folder {path.name!r}.")
    with path.open("rb") as fh:  # FileNotFoundError is reported by the CLI as 'file not found'
        head = fh.read(HEAD_BYTES)
        if head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
            refuse_non_text(head, path.name)
        return head + fh.read()


def head_text(source: str | Path | bytes, limit: int = HEAD_BYTES) -> str | None:
    """The first complete lines of ``source`` as text (for sniffing), or ``None`` when it is small.

    Returns ``None`` when the whole input fits in ``limit`` bytes (the caller reads it whole
    anyway) or when the head holds fewer than two complete lines.
    """
    if isinstance(source, (bytes, bytearray)):
        if len(source) <= limit:
            return None
        head = bytes(source[:limit])
    else:
        path = Path(source)
        if not path.is_file() or path.stat().st_size <= limit:
            return None
        with path.open("rb") as fh:
            head = fh.read(limit)
    if head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        refuse_non_text(head, "<bytes>" if isinstance(source, (bytes, bytearray)) else Path(source).name)
    enc = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    if enc == "utf-16":
        head = head[: len(head) // 2 * 2]
    text = head.decode(enc, errors="replace").removeprefix("\ufeff")
    lines = text.splitlines()[:-1]  # the last line is probably cut
    return "\n".join(lines) if len(lines) >= 2 else None


def _line_of(data: bytes, at: int) -> int:
    return data.count(b"\n", 0, at) + 1


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode ``data``: UTF-8 with BOM, UTF-8, else Windows-1252; return ``(text, encoding)``.

    Raises
    ------
    DataError
        A UTF-8 file (it holds valid multi-byte UTF-8 sequences) with a byte that is not UTF-8,
        or bytes that are neither UTF-8 nor Windows-1252; the message names byte, offset and line.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        at = exc.start
        if bom or _UTF8_SEQ.search(data):
            n_bad = data.decode("utf-8", errors="replace").count("\ufffd")
            raise DataError(
                f"{name}: not valid UTF-8: byte 0x{data[at]:02x} at offset {at + 3 * bom} (line "
                f"{_line_of(data, at)}){f' and {n_bad - 1} more' if n_bad > 1 else ''}, in a file that is "
                "otherwise UTF-8 (a damaged download, or text pasted in another encoding). Re-download "
                "it, or fix that line and save as UTF-8."
            ) from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        at = exc.start
        raise DataError(
            f"{name}: byte 0x{data[at]:02x} at offset {at} (line {_line_of(data, at)}) is neither UTF-8 "
            "nor Windows-1252 text; a damaged or binary file? Save it as CSV in UTF-8."
        ) from None


def refuse_non_json(source: str | Path | bytes | bytearray, name: str) -> None:
    """Refuse a file that is not JSON from its first bytes: binary, or text that no JSON value starts with."""
    if isinstance(source, (bytes, bytearray)):
        head = bytes(source[:HEAD_BYTES])
    else:
        path = Path(source)
        if not path.is_file():
            return  # load_bytes reports folders and missing files
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    refuse_non_text(head, name)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (body[:1] in b'{["-0123456789' and body[:1] or body.startswith((b"true", b"false", b"null"))):
        shown = body[:40].decode("utf-8", "replace")
        raise DataError(f"{name}: not JSON: it starts with {shown!r} where a JSON response starts with "
                        "'{' or '['. Is this a CSV export or an error page? Download the JSON response again.")
