"""Read a Brå SOL table a user downloaded by hand: ``lofteeval import bra-sol FILE``.

SOL offers its result table as a web page (save it as HTML) and as an Excel file
(``anmalda/resultat/excel``).  :func:`read_bra_sol_file` recognises the file by its bytes:

- **HTML** (the saved ``soktabell`` page, or an "XLS" that is really that HTML table, as older Java
  web applications often send): the result cells are read by :func:`.sol_parse.parse_result_page`;
  the crime comes from each row's label, the kommun from its SOL region id (shipped table) or label;
- **XLS** (BIFF, read with ``xlrd``) and **XLSX** (``openpyxl``): the sheet is turned into a table —
  the header row is the first holding a period label (``2023``, ``2024 prel.``) — and read as the
  wide SOL layout (``Brott``, ``Region``/``Kommun`` and one column per period) by
  :func:`.bra.read_bra_sol_export`;
- anything else (CSV/TSV in the long or wide layout) goes to :func:`.bra.read_bra_sol_export`.

Categories map to indicators with :func:`.bra.category_indicator` (the last label segment).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ._finish import ImportResult, finish
from .sol_parse import cells_to_raw, parse_result_page

__all__ = ["read_bra_sol_file"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _bytes(source: str | Path | bytes) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "<bytes>"
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path} does not exist; pass the file you downloaded from SOL.")
    return path.read_bytes(), path.name


def read_bra_sol_file(source: str | Path | bytes, **kwargs: object) -> ImportResult:
    """Read a hand-downloaded SOL export (HTML, XLS, XLSX or CSV) into tidy rows.

    Parameters
    ----------
    source
        Path or bytes of the file.
    **kwargs
        Passed to :func:`.bra.read_bra_sol_export` for spreadsheet/CSV layouts (``dash``,
        ``unknown``, ``encoding``, ``population``).

    Returns
    -------
    ImportResult
        ``source="bra"``; per 100 000 as ``value`` when the table has it, else counts turned into
        rates with population; ``prel`` periods flagged ``provisional``, ``..`` NaN ``suppressed``.
    """
    from .bra import read_bra_sol_export

    data, where = _bytes(source)
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<table", b"<?xml")) or b"resultatantal" in data[:200000].lower():
        return _read_html(data, where, population=kwargs.get("population"))  # type: ignore[arg-type]
    if data.startswith((_OLE2, b"PK\x03\x04")):
        return read_bra_sol_export(_sheet_to_csv(data, where), **kwargs)  # type: ignore[arg-type]
    return read_bra_sol_export(data, **kwargs)  # type: ignore[arg-type]


def _sheet_rows(data: bytes, where: str) -> list[list[str]]:
    if data.startswith(_OLE2):
        import xlrd
        import xlrd.compdoc

        try:
            book = xlrd.open_workbook(file_contents=data)
        except (xlrd.XLRDError, xlrd.compdoc.CompDocError, ValueError, IndexError) as exc:
            raise DataError(f"{where}: not a readable .xls workbook ({exc}).") from None
        sheet = book.sheet_by_index(0)
        return [[_cell(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    return [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _sheet_to_csv(data: bytes, where: str) -> bytes:
    """The sheet as ``;``-separated CSV starting at its header row (first row with a period label)."""
    rows = _sheet_rows(data, where)
    start = next((i for i, r in enumerate(rows) if any(re.match(r"^\d{4}( prel\.?)?$", c) for c in r)), None)
    if start is None:
        raise DataError(f"{where}: no header row with period labels (e.g. '2023', '2024 prel.') in the first "
                        "sheet; export the table from SOL with years as columns.")
    header = rows[start]
    names = [h or ("Brott" if i == 0 else "Region" if i == 1 else f"_{i}") for i, h in enumerate(header)]
    body, last = [], ["", ""]
    for r in rows[start + 1:]:
        if not any(r):
            continue
        r = r + [""] * (len(names) - len(r))
        filled = [r[i] or (last[i] if i < 2 and any(r[2:]) else r[i]) for i in range(2)] + r[2:]
        last = filled[:2]
        if any(c for c in r[2:]):
            body.append(filled)
    frame = pd.DataFrame(body, columns=names)
    return frame.to_csv(sep=";", index=False).encode("utf-8")


def _read_html(data: bytes, where: str, population: pd.DataFrame | None = None) -> ImportResult:
    from .bra import category_indicator
    from .sol import sol_region_ids

    cells = parse_result_page(data)
    codes = sol_region_ids().set_index("sol_region_id")["kommunkod"].replace({"1917": "0331"})
    indicator = cells["crime_label"].map(category_indicator)
    mapped = indicator.notna()
    c = cells[mapped].assign(indicator=indicator[mapped],
                             kommun=[codes.get(i, lab) for i, lab in zip(cells.loc[mapped, "region_id"],
                                                                          cells.loc[mapped, "region_label"])])
    raw = cells_to_raw(c)
    dropped: Counter[str] = Counter()
    if (~mapped).any():
        dropped["category not mapped to an indicator"] = int((~mapped).sum())
    merged = int(mapped.sum()) - len(raw)
    if merged:
        dropped["cell combined into an indicator row (count + per 100 000, summed categories)"] = merged
    unmapped = sorted(set(cells.loc[~mapped, "crime_label"]))
    notes = [f"SOL HTML table: {len(cells)} cells"]
    if unmapped:
        notes.append(f"unmapped categories: {'; '.join(unmapped[:8])}")
    return finish(raw, source="bra", where=where, rows_in=len(cells), dropped=dropped, notes=notes,
                  population=population, unknown="raise")
