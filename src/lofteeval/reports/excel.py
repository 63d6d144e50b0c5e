"""Excel workbook of a report (openpyxl): tidy results, the follow-up table and the provenance.

Sheets (Swedish / English names): ``Resultat``/``Results`` (one row per focus area × indicator,
``results.FRAME_COLUMNS`` plus ``focus_area`` and ``indicator_label``), ``Uppföljning``/``Follow-up``
and ``Proveniens``/``Provenance``.  With synthetic data, row 1 of every sheet and the printed
page header carry the synthetic-data label and the table starts on row 3 (``header=2`` when read
back with pandas); otherwise the table starts on row 1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .build import ReportContext

__all__ = ["write_excel", "write_sheet", "SHEETS", "header_row"]

SHEETS = {"sv": ("Resultat", "Uppföljning", "Proveniens"), "en": ("Results", "Follow-up", "Provenance")}


def header_row(synthetic: bool) -> int:
    """0-based header row of every table (for ``pd.read_excel(header=...)``)."""
    return 2 if synthetic else 0


def _provenance_frame(c: ReportContext) -> pd.DataFrame:
    rows = [(k, str(v)) for k, v in c.provenance.items() if k not in ("sources", "parameters")]
    rows += [(f"parameter.{k}", str(v)) for k, v in c.provenance.get("parameters", {}).items()]
    for i, s in enumerate(c.provenance.get("sources", []), start=1):
        rows += [(f"source{i}.{k}", str(v)) for k, v in s.items()]
    return pd.DataFrame(rows, columns=["key", "value"])


def write_excel(c: ReportContext, path: str | Path) -> None:
    """Write the three sheets of ``c`` to ``path`` (.xlsx)."""
    names = SHEETS[c.lang]
    frames = (c.results, c.followup, _provenance_frame(c))
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, frame in zip(names, frames):
            write_sheet(xl, name, frame, synthetic_text=c.synthetic_text if c.synthetic else None)


def write_sheet(xl: pd.ExcelWriter, name: str, frame: pd.DataFrame, *, synthetic_text: str | None) -> None:
    """One sheet as every lofteeval workbook has it: with ``synthetic_text``, row 1 and the printed
    page header carry the label and the table starts on row 3 (:func:`header_row`); registry text
    protected, page numbers, frozen header, column widths."""
    from openpyxl.styles import Font

    from ..files import protect_sheet, workbook_frame

    start = header_row(synthetic_text is not None)
    workbook_frame(frame).to_excel(xl, sheet_name=name, index=False, startrow=start)
    ws = xl.sheets[name]
    if synthetic_text is not None:
        ws["A1"] = synthetic_text
        ws["A1"].font = Font(bold=True, color="B2182B")
        ws.oddHeader.center.text = synthetic_text
    protect_sheet(ws)  # registry and follow-up text stays text, never a live formula
    ws.oddFooter.right.text = "&P / &N"
    ws.freeze_panes = ws.cell(row=start + 2, column=1)
    for col in ws.columns:
        width = max((len(str(cell.value)) for cell in col[start:] if cell.value is not None), default=8)
        ws.column_dimensions[col[0].column_letter].width = min(60, max(9, width + 2))
