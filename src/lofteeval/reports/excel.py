"""Excel workbook of a report (openpyxl) and the people's CSV of ``lofteeval evaluate --out``.

Sheets (Swedish / English names): ``Resultat``/``Results`` (one row per focus area × indicator,
one effect column per scale: relative change, per 100 000 inhabitants, offences per year,
percentage points, index points — see :mod:`.scale`), ``År för år``/``Year by year``
(observed, counterfactual and effect per indicator and year), ``Uppföljning``/``Follow-up`` and
``Proveniens``/``Provenance``.  Headers are in the report's language; numbers keep their type
and get number formats (percent format for relative effects and levels, thousands separators,
one or two decimals).  With synthetic data, row 1 of every sheet and the printed page header
carry the synthetic-data label and the table starts on row 3 (``header=2`` when read back with
pandas); otherwise the table starts on row 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .build import ReportContext
from .scale import rate_path, scale_numbers

__all__ = ["write_excel", "write_csv", "write_sheets", "write_sheet", "results_sheet", "years_sheet",
           "effects_table", "people_numbers", "SHEETS", "header_row", "COLUMNS"]

SHEETS = {"sv": ("Resultat", "År för år", "Uppföljning", "Proveniens"),
          "en": ("Results", "Year by year", "Follow-up", "Provenance")}

# key -> (Swedish header, English header, number format); the scale columns are dropped when empty
COLUMNS: dict[str, tuple[str, str, str]] = {
    "area": ("Fokusområde", "Focus area", "@"), "indicator": ("Indikator", "Indicator", "@"),
    "kommuner": ("Kommun(er)", "Municipalities", "@"), "design": ("Design", "Design", "@"),
    "pct_est": ("Effekt (%)", "Effect (%)", "0.0%"), "pct_low": ("Nedre gräns (%)", "Lower bound (%)", "0.0%"),
    "pct_high": ("Övre gräns (%)", "Upper bound (%)", "0.0%"), "pct_mde": ("MDE (%)", "MDE (%)", "0.0%"),
    "per100k_est": ("Effekt per 100 000 inv.", "Effect per 100,000 inhabitants", "#,##0.0"),
    "per100k_low": ("Nedre gräns per 100 000 inv.", "Lower bound per 100,000", "#,##0.0"),
    "per100k_high": ("Övre gräns per 100 000 inv.", "Upper bound per 100,000", "#,##0.0"),
    "per100k_mde": ("MDE per 100 000 inv.", "MDE per 100,000", "#,##0.0"),
    "count_est": ("Effekt (antal brott per år)", "Effect (offences per year)", "#,##0"),
    "count_low": ("Nedre gräns (antal per år)", "Lower bound (offences per year)", "#,##0"),
    "count_high": ("Övre gräns (antal per år)", "Upper bound (offences per year)", "#,##0"),
    "count_mde": ("MDE (antal per år)", "MDE (offences per year)", "#,##0"),
    "pp_est": ("Effekt (procentenheter)", "Effect (percentage points)", "0.0"),
    "pp_low": ("Nedre gräns (procentenheter)", "Lower bound (percentage points)", "0.0"),
    "pp_high": ("Övre gräns (procentenheter)", "Upper bound (percentage points)", "0.0"),
    "pp_mde": ("MDE (procentenheter)", "MDE (percentage points)", "0.0"),
    "index_est": ("Effekt (indexenheter)", "Effect (index points)", "0.00"),
    "index_low": ("Nedre gräns (indexenheter)", "Lower bound (index points)", "0.00"),
    "index_high": ("Övre gräns (indexenheter)", "Upper bound (index points)", "0.00"),
    "index_mde": ("MDE (indexenheter)", "MDE (index points)", "0.00"),
    "p": ("p-värde", "p-value", "0.000"), "p_adj": ("Justerat p-värde (BH)", "Adjusted p-value (BH)", "0.000"),
    "claimed": ("Säkerställd (efter justering)", "Significant (after adjustment)", "@"), "level": ("Konfidensnivå", "Confidence level", "0%"),
    "n_comparison": ("Jämförelsekommuner", "Comparison municipalities", "0"),
    "inference": ("Osäkerhet skattad med", "Uncertainty from", "@"),
    "caveats": ("Förbehåll", "Caveats", "@"),
    "indicator_id": ("Indikator-id", "Indicator id", "@"), "area_id": ("Fokusområde-id", "Focus area id", "@"),
    "lofte_id": ("Löfte-id", "Promise id", "@"),
    # year by year
    "year": ("År", "Year", "0"), "period": ("Period", "Period", "@"), "unit": ("Enhet", "Unit", "@"),
    "observed": ("Observerat", "Observed", "#,##0.0"), "counterfactual": ("Kontrafaktiskt", "Counterfactual", "#,##0.0"),
    "effect": ("Effekt", "Effect", "#,##0.0"), "low": ("Nedre gräns", "Lower bound", "#,##0.0"),
    "high": ("Övre gräns", "Upper bound", "#,##0.0"), "effect_pct": ("Effekt (%)", "Effect (%)", "0.0%"),
}
_SCALE_KEYS = [k for k in COLUMNS if k.split("_")[0] in ("pct", "per100k", "count", "pp", "index")]
_RESULT_KEYS = ["area", "indicator", "kommuner", "design", *_SCALE_KEYS, "p", "p_adj", "claimed", "level",
                "n_comparison", "inference", "caveats", "indicator_id", "area_id", "lofte_id"]
_YEAR_KEYS = ["indicator", "year", "period", "unit", "observed", "counterfactual", "effect", "low", "high",
              "effect_pct", "indicator_id"]
_UNIT_WORDS = {"sv": {"per_100k": "per 100 000 inv.", "percent": "procent (effekt i procentenheter)",
                      "index": "index 0–6", "count": "antal"},
               "en": {"per_100k": "per 100,000 inhabitants", "percent": "percent (effect in percentage points)",
                      "index": "index 0–6", "count": "count"}}


def header_row(synthetic: bool) -> int:
    """0-based header row of every table (for ``pd.read_excel(header=...)``)."""
    return 2 if synthetic else 0


def _headed(rows: list[dict[str, Any]], keys: list[str], lang: str, *, drop_empty: Iterable[str] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=keys)
    empty = [k for k in drop_empty if frame[k].isna().all()]
    frame = frame.drop(columns=empty)
    return frame.rename(columns={k: COLUMNS[k][0 if lang == "sv" else 1] for k in frame.columns})


def _caveats(res: Any, lang: str) -> str:
    from .text import WARNING_TEXT

    words = WARNING_TEXT[lang]
    return " ".join(dict.fromkeys(words[w.kind] for w in res.warnings if w.kind in words))


def results_sheet(rows: Iterable[tuple[str, Any, Any]], *, lang: str = "sv") -> pd.DataFrame:
    """One row per ``(focus area id, EffectResult, IndicatorSpec)``: labels, one column per scale, tests."""
    from ..registry.display import focus_area_label, kommun_names
    from .caveats import inference_text
    from .scale import confirmed
    from .text import METHOD_NAME

    out = []
    for area, res, spec in rows:
        out.append({
            "area": focus_area_label(area, lang=lang), "indicator": spec.label_sv if lang == "sv" else spec.label_en,
            "kommuner": kommun_names(str(res.kommun or "").split(",")),
            "design": METHOD_NAME[lang].get(res.method, res.method), **scale_numbers(res, spec),
            "p": res.p_value, "p_adj": res.p_adjusted,
            "claimed": ("ja" if lang == "sv" else "yes") if confirmed(res) else ("nej" if lang == "sv" else "no"),
            "level": res.level, "n_comparison": res.diagnostics.get("n_comparison"),
            "inference": inference_text(res, lang=lang), "caveats": _caveats(res, lang),
            "indicator_id": spec.id, "area_id": area, "lofte_id": res.lofte_id})
    return _headed(out, _RESULT_KEYS, lang, drop_empty=_SCALE_KEYS)


def _period(year: Any, start: int, end: int, lang: str) -> str:
    sv = lang == "sv"
    if year < start:
        return "före löftet" if sv else "before the promise"
    if year <= end:
        return "löftesår" if sv else "promise year"
    return "uppföljning efter löftet" if sv else "follow-up after the promise"


def years_sheet(rows: Iterable[tuple[str, Any, Any]], period: tuple[int, int], *, lang: str = "sv") -> pd.DataFrame:
    """Per indicator and year: observed, counterfactual, effect (indicator's unit), interval, relative effect.

    An indicator measured under several focus areas appears once.  Intervals per year exist only
    where the design gives them (staggered DiD); the period's interval is on the results sheet.
    """
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _, res, spec in rows:
        if spec.id in seen or res.effects is None:
            continue
        seen.add(spec.id)
        path = rate_path(res, spec)
        eff = res.effects
        has_ci = {"ci_low", "ci_high"} <= set(eff.columns)
        relative = res.scale == "relative"
        label = spec.label_sv if lang == "sv" else spec.label_en
        for i, t in enumerate(eff["time"]):
            obs = cf = None
            match = path.loc[path["time"] == t]
            if len(match):
                obs, cf = float(match["observed"].iloc[0]), float(match["counterfactual"].iloc[0])
            scale = cf if relative else 1.0  # a relative interval in the unit of the path
            ci = ((eff["ci_low"].iloc[i] * scale, eff["ci_high"].iloc[i] * scale)
                  if has_ci and scale is not None else (None, None))
            event_time = res.method == "staggered"
            out.append({"indicator": label, "year": int(t),
                        "period": ("tid från start" if lang == "sv" else "time from start") if event_time
                        else _period(int(t), *period, lang),
                        "unit": _UNIT_WORDS[lang].get(spec.unit, spec.unit),
                        "observed": obs, "counterfactual": cf,
                        "effect": (obs - cf) if obs is not None and cf is not None else
                        (None if relative else float(eff["effect"].iloc[i])),
                        "low": ci[0], "high": ci[1],
                        "effect_pct": (obs / cf - 1) if spec.kind == "crime" and obs is not None and cf else None,
                        "indicator_id": spec.id})
    return _headed(out, _YEAR_KEYS, lang)


def _rows_of(c: ReportContext) -> list[tuple[str, Any, Any]]:
    return [(f.id, s.result, s.spec) for f in c.focus for s in f.indicators]


def followup_sheet(c: ReportContext) -> pd.DataFrame:
    """The follow-up table with labels (owner, focus area, status in the report's language)."""
    from ..registry.display import cell, focus_area_label, owner_label, status_label

    sv = c.lang == "sv"
    heads = (["Aktivitet", "Text", "Ansvar", "Fokusområde", "Mål", "Utfört", "Status", "Senast", "Kommentar"]
             if sv else ["Activity", "Text", "Owner", "Focus area", "Target", "Done", "Status", "Deadline", "Comment"])
    rows = [[cell(r.get("activity")), cell(r.get("text")),
             owner_label(cell(r.get("owner")), c.lofte.kommuner, lang=c.lang),
             focus_area_label(cell(r.get("focus_area")), lang=c.lang), cell(r.get("target")), cell(r.get("done")),
             status_label(cell(r.get("status")), lang=c.lang), cell(r.get("deadline")), cell(r.get("comment"))]
            for r in c.followup.to_dict("records")]
    return pd.DataFrame(rows, columns=heads)


def provenance_sheet(c: ReportContext) -> pd.DataFrame:
    """Provenance rows and every cited source (publisher, title, table, date, address), then the technical lines."""
    from ..registry.display import cell
    from .provenance import citations, provenance_rows

    sv = c.lang == "sv"
    rows = provenance_rows(c.provenance, lang=c.lang, synthetic=c.synthetic)
    rows += [(f"Parameter {k}", cell(v, empty="–")) for k, v in c.provenance.get("parameters", {}).items()]
    shown = c.lagesbild.blocks if c.lagesbild else []  # a problem picture: the lägesbild's indicators
    ids = list(dict.fromkeys([s.spec.id for f in c.focus for s in f.indicators] + [b.indicator for b in shown]))
    for cit in citations(c.lofte, ids, c.provenance, lang=c.lang):
        rows.append((cit["what"], cit["text"]))
        if cit["technical"]:
            rows.append(("  " + ("teknisk uppgift" if sv else "technical"), cit["technical"]))
    return pd.DataFrame(rows, columns=["Uppgift", "Värde"] if sv else ["Item", "Value"])


def _format_sheet(ws: Any, frame: pd.DataFrame, start: int, lang: str) -> None:
    """Number formats by column, bold frozen header, widths from the content."""
    from openpyxl.styles import Alignment, Font

    by_header = {v[0 if lang == "sv" else 1]: v[2] for v in COLUMNS.values()}
    head = start + 1  # 1-based header row
    for j, name in enumerate(frame.columns, start=1):
        fmt = by_header.get(str(name))
        letter = ws.cell(row=head, column=j).column_letter
        ws.cell(row=head, column=j).font = Font(bold=True)
        ws.cell(row=head, column=j).alignment = Alignment(wrap_text=True, vertical="top")
        values = [str(v) for v in frame[name] if v is not None and not (isinstance(v, float) and v != v)]
        longest = max((len(v) for v in values), default=0)
        text_col = fmt in (None, "@")
        width = min(60 if text_col else 16, max(10, min(longest, 60) + 2, min(len(str(name)), 24) + 2))
        ws.column_dimensions[letter].width = width
        if fmt and fmt != "@":
            for row in ws.iter_rows(min_row=head + 1, min_col=j, max_col=j):
                row[0].number_format = fmt
        elif longest > 60:
            for row in ws.iter_rows(min_row=head + 1, min_col=j, max_col=j):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=head + 1, column=1)


def write_excel(c: ReportContext, path: str | Path) -> None:
    """Write the four sheets of ``c`` to ``path`` (.xlsx)."""
    rows = _rows_of(c)
    frames = (results_sheet(rows, lang=c.lang),
              years_sheet(rows, (c.lofte.start_year, c.lofte.end_year), lang=c.lang),
              followup_sheet(c), provenance_sheet(c))
    write_sheets(dict(zip(SHEETS[c.lang], frames)), path, lang=c.lang,
                 banner=c.synthetic_text if c.synthetic else None)


def write_sheets(sheets: dict[str, pd.DataFrame], path: str | Path, *, lang: str, banner: str | None) -> None:
    """Write ``sheets`` (name -> frame) with formats; ``banner`` (the synthetic label) in row 1 and the page header."""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            write_sheet(xl, name, frame, synthetic_text=banner, lang=lang)


def write_sheet(xl: pd.ExcelWriter, name: str, frame: pd.DataFrame, *, synthetic_text: str | None,
                lang: str = "en") -> None:
    """One sheet as every lofteeval workbook has it: with ``synthetic_text``, row 1 and the printed
    page header carry the label and the table starts on row 3 (:func:`header_row`); registry text
    protected, page numbers, number formats, frozen header, column widths."""
    from openpyxl.styles import Font

    from ..files import protect_sheet, workbook_frame

    start = header_row(synthetic_text is not None)
    workbook_frame(frame).to_excel(xl, sheet_name=name, index=False, startrow=start)
    ws = xl.sheets[name]
    if synthetic_text:
        ws["A1"] = synthetic_text
        ws["A1"].font = Font(bold=True, color="B2182B")
        ws.oddHeader.center.text = synthetic_text
    protect_sheet(ws)  # registry and follow-up text stays text, never a live formula
    ws.oddFooter.right.text = "&P / &N"
    _format_sheet(ws, frame, start, lang)


def people_numbers(frame: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """``frame`` (a sheet of this module) with percent-format columns in percent (``-35.0`` under
    ``Effekt (%)``) and every number rounded to the workbook's precision (for CSV and notebooks)."""
    formats = {v[0 if lang == "sv" else 1]: v[2] for v in COLUMNS.values()}
    out = frame.copy()
    for col in out.columns:
        fmt = formats.get(col, "@")
        if fmt == "@":
            continue
        values = pd.to_numeric(out[col], errors="coerce") * (100 if fmt.endswith("%") else 1)
        out[col] = values.round(len(fmt.rstrip("%").split(".")[1]) if "." in fmt else 0)
    return out


def effects_table(results: Iterable[Any], *, lang: str = "en") -> pd.DataFrame:
    """Several ``EffectResult`` objects side by side, one column per scale (what the workbook shows),
    percent columns in percent: compare designs on the same scale in a notebook."""
    from ..indicators import INDICATORS

    rows = [("", r, INDICATORS[r.indicator]) for r in results]
    frame = people_numbers(results_sheet(rows, lang=lang), lang=lang)
    drop = [COLUMNS[k][0 if lang == "sv" else 1] for k in ("area", "area_id", "lofte_id", "caveats", "inference")]
    return frame.drop(columns=[c for c in drop if c in frame.columns])


def write_csv(frame: pd.DataFrame, path: str | Path, *, lang: str) -> None:
    """A results table as CSV for people, atomically: Swedish ``;`` + decimal comma + UTF-8 BOM
    (what Swedish Excel opens in columns), English ``,`` + ``.``.  Percent-format columns are
    written in percent (``-35.0`` under ``Effekt (%)``); text that looks like a formula gets ``'``."""
    from ..files import atomic_path, spreadsheet_frame

    out = people_numbers(frame, lang=lang)
    sv = lang == "sv"
    with atomic_path(path) as tmp:
        spreadsheet_frame(out).to_csv(tmp, index=False, sep=";" if sv else ",", decimal="," if sv else ".",
                                      encoding="utf-8-sig" if sv else "utf-8")
