"""The national HTML report: per focus area a forest plot of every löfte, detectability, pooled estimate.

Consumes the tables of :mod:`lofteeval.national` only.  Figures are matplotlib PNGs embedded in
one self-contained HTML file; numbers from the demo panel carry the synthetic label on the page
and in every figure.
"""

from __future__ import annotations

import base64
import html
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["forest_plot", "event_study_plot", "map_plot", "kommun_rings", "national_html", "write_national_report",
           "write_national_tables", "area_summary"]

SYNTHETIC_SV = "Syntetiska data – endast för demonstration"


def _relative_interval(t: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    rel = t["scale"] == "relative"
    lo = t["ci_low"].where(rel, t["ci_low"] / t["baseline"])
    hi = t["ci_high"].where(rel, t["ci_high"] / t["baseline"])
    return lo, hi


def forest_plot(rows: pd.DataFrame, *, title: str, pooled: dict[str, Any] | None = None,
                synthetic: bool = False) -> Any:
    """Every löfte's effect (relative to its pre-period level) with interval and ± MDE, sorted."""
    import matplotlib.pyplot as plt

    t = rows[rows["status"] == "ok"].sort_values("estimate_relative").reset_index(drop=True)
    lo, hi = _relative_interval(t)
    height = max(2.5, 0.16 * len(t) + 1.2)
    fig, ax = plt.subplots(figsize=(7.5, height))  # fixed margins: a layout engine costs more than the plot
    fig.subplots_adjust(left=1.75 / 7.5, right=0.97, bottom=0.6 / height, top=1 - 0.35 / height)
    y = np.arange(len(t))
    ax.barh(y, 2 * t["mde_relative"] * 100, left=-t["mde_relative"] * 100, color="#dde6f0", height=0.8,
            label="± MDE (80 % styrka)")
    ax.hlines(y, lo * 100, hi * 100, color="#2b5c8a", lw=1.2, label="95 %-intervall")
    ax.plot(t["estimate_relative"] * 100, y, "o", color="#1b3a57", ms=3.5, label="skattning")
    if pooled is not None and np.isfinite(pooled.get("estimate_relative", np.nan)):
        ax.axvspan(pooled["ci_low_relative"] * 100, pooled["ci_high_relative"] * 100, color="#f2c14e", alpha=0.35,
                   label="poolad skattning (CS), 95 %")
        ax.axvline(pooled["estimate_relative"] * 100, color="#c48a00", lw=1.5)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, t["lofte_id"], fontsize=6)
    ax.set_ylim(-0.8, len(t) - 0.2)
    ax.set_xlabel("effekt, % av nivån före löftet")
    ax.set_xlim(-100, 100)
    ax.set_title(title, fontsize=10, y=1.0)  # a fixed y: no search for decorations above the axes at draw time
    ax.legend(fontsize=7, loc="lower right")
    if synthetic:
        fig.text(0.5, 0.5, SYNTHETIC_SV, ha="center", va="center", fontsize=14, color="red", alpha=0.25,
                 rotation=20)
    return fig


def event_study_plot(result: Any, *, title: str, synthetic: bool = False) -> Any:
    """The pooled estimate's effects by year relative to the cohort's start, with intervals."""
    import matplotlib.pyplot as plt

    e = result.effects
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.18, top=0.9)
    if {"ci_low", "ci_high"} <= set(e.columns):
        ax.fill_between(e["time"], e["ci_low"], e["ci_high"], color="#dde6f0", step=None)
    ax.plot(e["time"], e["effect"], "o-", color="#1b3a57", ms=3)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("år i förhållande till kohortens startår")
    ax.set_ylabel("effekt (indikatorns enhet)")
    ax.set_title(title, fontsize=10, y=1.0)  # a fixed y: no search for decorations above the axes at draw time
    if synthetic:
        fig.text(0.5, 0.5, SYNTHETIC_SV, ha="center", va="center", fontsize=12, color="red", alpha=0.25)
    return fig


@lru_cache(maxsize=1)
def kommun_rings() -> dict[str, list[np.ndarray]]:
    """The vendored SCB kommun boundaries: ``{code: [ring (n x 2, km, SWEREF 99 TM), ...]}``, read once
    per process (shared: callers never modify it)."""
    import json
    from importlib.resources import files

    doc = json.loads(files("lofteeval").joinpath("data/kommun_boundaries.json").read_text(encoding="utf-8"))
    return {k: [np.asarray(r, dtype=float).reshape(-1, 2) for r in rings] for k, rings in doc["kommuner"].items()}


def map_plot(effects: pd.Series, *, title: str, synthetic: bool = False, limit: float = 0.5) -> Any:
    """Sweden's kommuner: grey without a löfte, coloured by the estimated relative effect with one.

    ``effects`` maps kommun codes to relative effects (mean over the kommun's löften); colours
    are clipped at ``± limit``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize

    rings = kommun_rings()
    fig, ax = plt.subplots(figsize=(3.6, 6.4))
    fig.subplots_adjust(left=0.02, right=0.7, bottom=0.04, top=0.95)
    grey = [r for k, rs in rings.items() if k not in effects.index for r in rs]
    ax.add_collection(PolyCollection(grey, facecolor="#eeeeee", edgecolor="#bbbbbb", linewidths=0.2))
    codes = [k for k in effects.index if k in rings]
    polys = [r for k in codes for r in rings[k]]
    values = [float(effects[k]) * 100 for k in codes for _ in rings[k]]
    norm = Normalize(-100 * limit, 100 * limit)
    coll = PolyCollection(polys, array=np.clip(values, -100 * limit, 100 * limit), cmap="RdBu_r", norm=norm,
                          edgecolor="#555555", linewidths=0.3)
    ax.add_collection(coll)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.axis("off")
    fig.colorbar(coll, cax=fig.add_axes((0.72, 0.3, 0.04, 0.4)), label="effekt, % (grå: inget löfte)")
    ax.set_title(title, fontsize=9, y=1.0)
    if synthetic:
        fig.text(0.5, 0.02, SYNTHETIC_SV, ha="center", fontsize=7, color="red")
    return fig


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, pil_kwargs={"compress_level": 3})  # fast zlib level: encoding was ~12 % of a figure
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def area_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per focus area and indicator: löften, evaluated, refused for too few counts (``refused``: the
    question cannot be decided), how many and which share of the evaluated could detect a 20 %
    change (``n_detect_20``, ``detect_20``), significant after BH within the area."""
    keys = ["focus_area", "indicator"]
    ok = table[table["status"] == "ok"]
    g = ok.groupby(keys)
    out = pd.DataFrame({"loften": table.groupby(keys).size()})
    out["evaluated"] = g.size().reindex(out.index, fill_value=0)
    out["refused"] = table[table["status"] == "refused"].groupby(keys).size().reindex(out.index, fill_value=0)
    out["n_detect_20"] = g["detect_20"].sum().reindex(out.index, fill_value=0).astype(int)
    out["detect_20"] = g["detect_20"].mean().reindex(out.index)
    out["significant_bh"] = g["p_bh_area"].apply(lambda p: int((p < 0.05).sum())).reindex(out.index, fill_value=0)
    return out.reset_index()


def _fmt(x: Any, pct: bool = True) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    return f"{100 * x:+.1f} %".replace(".", ",").replace("-", "−") if pct else f"{x:.3f}".replace(".", ",")


def _img(fig: Any, alt: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<img{klass} alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def _summary_table(area: str, summ: pd.DataFrame, pooled: pd.DataFrame) -> str:
    """Per indicator: löften, evaluated, share able to detect 20 %, significant, pooled estimate."""
    from ..indicators import indicator as get_indicator

    parts = ["<table><tr><th>indikator</th><th>löften</th><th>skattade</th><th>kan inte avgöras (för få brott)</th>"
             "<th>kan upptäcka 20 %</th>"
             "<th>signifikanta (BH inom området)</th><th>poolad effekt [95 %]</th><th>p (poolad)</th>"
             "<th>p (poolad, BH)</th></tr>"]
    for _, s in summ.iterrows():
        pr = pooled[(pooled["focus_area"] == area) & (pooled["indicator"] == s["indicator"])]
        p0 = pr.iloc[0] if len(pr) and pr.iloc[0]["status"] == "ok" else None
        pooled_txt = ("–" if p0 is None else
                      f"{_fmt(p0['estimate_relative'])} [{_fmt(p0['ci_low_relative'])}, {_fmt(p0['ci_high_relative'])}]")
        ptxt = "–" if p0 is None else _fmt(p0["p_value"], pct=False)
        bhtxt = "–" if p0 is None else _fmt(p0.get("p_bh", np.nan), pct=False)
        label = get_indicator(str(s["indicator"])).label_sv
        parts.append(f"<tr><td>{html.escape(label)}</td><td>{s['loften']}</td><td>{s['evaluated']}</td>"
                     f"<td>{s['refused']}</td><td>{s['n_detect_20']} av {s['evaluated']} ({_share(s['detect_20'])})</td>"
                     f"<td>{s['significant_bh']}</td>"
                     f"<td>{pooled_txt}</td><td>{ptxt}</td><td>{bhtxt}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts)


def _share(x: Any) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.0f} %"


def _indicator_figures(area: str, indicator: str, rows: pd.DataFrame, pooled_row: dict[str, Any] | None,
                       result: Any, synthetic: bool) -> str:
    """One indicator of one area: the forest plot beside the map, the pooled event study below."""
    from ..indicators import indicator as get_indicator

    label = get_indicator(indicator).label_sv
    ok = rows[rows["status"] == "ok"]
    detect = _share(ok["detect_20"].mean()) if len(ok) else "–"
    parts = [f"<h3>{html.escape(label)} <small>({html.escape(indicator)}; {len(ok)} av {len(rows)} löften "
             f"skattade, {detect} kan upptäcka en förändring på 20 %)</small></h3>"]
    if not len(ok):
        return parts[0] + "<p>Ingen skattning för indikatorn (skälen finns i national.csv).</p>"
    per_kommun = (ok.assign(kommun=ok["kommuner"].str.split(",")).explode("kommun")
                  .groupby("kommun")["estimate_relative"].mean())
    parts.append('<div class="row">' + _img(forest_plot(rows, title=f"{area}: {label}", synthetic=synthetic,
                                                        pooled=pooled_row), f"forest plot {area} {indicator}")
                 + _img(map_plot(per_kommun, title=f"{area}: {label}", synthetic=synthetic),
                        f"map {area} {indicator}", "map") + "</div>")
    if result is not None:
        parts.append(_img(event_study_plot(result, title=f"poolad händelsestudie: {label}", synthetic=synthetic),
                          f"event study {area} {indicator}"))
    return "\n".join(parts)


def _area_parts(area: str, table: pd.DataFrame, pooled: pd.DataFrame,
                results: dict[tuple[str, str], Any], synthetic: bool) -> list[tuple[str, str, tuple[Any, ...]]]:
    """The figure jobs of one area, one per indicator with rows: ``(area, indicator, arguments)``."""
    from ..indicators import indicators_for

    rows = table[table["focus_area"] == area]
    jobs = []
    for spec in indicators_for(area):
        ind_rows = rows[rows["indicator"] == spec.id]
        if not len(ind_rows):
            continue
        pr = pooled[(pooled["focus_area"] == area) & (pooled["indicator"] == spec.id) & (pooled["status"] == "ok")]
        jobs.append((area, spec.id, (area, spec.id, ind_rows, pr.iloc[0].to_dict() if len(pr) else None,
                                     results.get((area, spec.id)), synthetic)))
    return jobs


def _render_figures(jobs: list[tuple[str, str, tuple[Any, ...]]], n_jobs: int) -> dict[tuple[str, str], str]:
    """Every indicator's figures as HTML, on loky workers when ``n_jobs > 1`` (same pages either way)."""
    if n_jobs <= 1 or len(jobs) < 2:
        return {(a, i): _indicator_figures(*args) for a, i, args in jobs}
    from joblib import Parallel, delayed

    done = Parallel(n_jobs=n_jobs, backend="loky")(delayed(_indicator_figures)(*args) for _, _, args in jobs)
    return {(a, i): text for (a, i, _), text in zip(jobs, done)}


def national_html(table: pd.DataFrame, pooled: pd.DataFrame, results: dict[tuple[str, str], Any], *,
                  synthetic: bool, n_jobs: int = 1) -> str:
    """The whole national report as one HTML string (figures rendered on ``n_jobs`` workers)."""
    from ..indicators import FOCUS_AREAS

    banner = (f'<p class="synthetic"><strong>{SYNTHETIC_SV}.</strong> Siffrorna kommer från den syntetiska '
              "demopanelen, inte från verkliga kommuner.</p>") if synthetic else ""
    areas = sorted(set(table["focus_area"]))
    n_ok = int((table["status"] == "ok").sum())
    n_refused = int((table["status"] == "refused").sum())
    intro = (f"<p>{table['lofte_id'].nunique()} löften, {len(table)} kombinationer av löfte, fokusområde och "
             f"indikator, varav {n_ok} skattade, {n_refused} som inte kan avgöras (för få anmälda brott per år "
             f"före löftet, minst 10 behövs) och {len(table) - n_ok - n_refused} inte skattade (skälen finns i "
             "tabellen national.csv). För varje fokusområde visas varje indikator: löftenas effekter sorterade efter "
             "storlek med ± minsta upptäckbara effekt (MDE, 80 % styrka), en karta och den poolade "
             "händelsestudien. p-värden för enskilda löften justeras med Benjamini–Hochberg inom varje "
             "fokusområde i hela landet. Den poolade skattningen är Callaway–Sant'Anna med kohort = första året "
             "ett löfte i kommunen nämner området (förnyelser är inte nya kohorter), ännu inte och aldrig "
             "behandlade kommuner som jämförelse, och distriktslöften utanför (kommundata späder ut deras "
             "effekt). Med få kommuner per kohort används ett placebokohorttest (studentiserat, rangbaserat "
             "p-värde). De poolade p-värdena justeras också med Benjamini–Hochberg, över alla poolade "
             "skattningar i rapporten (alla områden och indikatorer).</p>")
    jobs = [job for a in areas for job in _area_parts(a, table, pooled, results, synthetic)]
    figures = _render_figures(jobs, n_jobs)
    sections = []
    for area in areas:
        label = FOCUS_AREAS[area].label_sv if area in FOCUS_AREAS else area
        summ = area_summary(table[table["focus_area"] == area])
        pr = pooled[(pooled["focus_area"] == area) & pooled["district"].fillna("").astype(bool)] \
            if "district" in pooled.columns else pooled.iloc[:0]
        district = (f"<p>Distriktslöften utanför den poolade skattningen: {html.escape(str(pr.iloc[0]['district']))}.</p>"
                    if len(pr) else "")
        body = [figures[(a, i)] for a, i, _ in jobs if a == area]
        sections.append(f"<h2>{html.escape(label)}</h2>{_summary_table(area, summ, pooled)}{district}" + "\n".join(body))
    css = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;}table{border-collapse:collapse;"
           "font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px}.synthetic{background:#fde2e2;"
           "border:2px solid #c00;padding:0.5em}img{max-width:100%;display:block;margin:1em 0}"
           ".row{display:flex;gap:1em;align-items:flex-start}.row img{max-width:64%}.row img.map{max-width:34%}"
           "h3 small{font-weight:normal;color:#555}")
    title = "Medborgarlöften i hela landet" + (f" – {SYNTHETIC_SV}" if synthetic else "")
    return (f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{css}</style></head><body><h1>{html.escape(title)}</h1>{banner}{intro}{''.join(sections)}"
            f"{banner}</body></html>")


def write_national_report(table: pd.DataFrame, pooled: pd.DataFrame, results: dict[tuple[str, str], Any],
                          out: Path, *, synthetic: bool, n_jobs: int = 1) -> Path:
    """Write ``national.html`` into ``out`` (temp name, then rename) and return its path."""
    from ..files import write_text

    return write_text(out / "national.html", national_html(table, pooled, results, synthetic=synthetic,
                                                           n_jobs=n_jobs))


def write_national_tables(table: pd.DataFrame, pooled: pd.DataFrame, out: Path, *, synthetic: bool,
                          lang: str = "sv") -> list[Path]:
    """The national and pooled tables as parquet and CSV (sv: ``;`` and decimal comma), and one XLSX.

    The workbook has the sheets ``national``, ``pooled`` and ``areas`` (:func:`area_summary`: per
    focus area and indicator the share of löften whose data could detect a 20 % change); on demo
    data every sheet carries the synthetic banner as the löfte workbooks do
    (:func:`lofteeval.reports.excel.write_sheet`; the table then starts on row 3).
    """
    from ..files import atomic_path, spreadsheet_frame
    from ..plots import synthetic_text
    from .excel import write_sheet

    label = "syntetiska data – endast för demonstration" if synthetic else ""  # the tables' data column
    banner = synthetic_text(lang) if synthetic else None  # the workbook's, as in the löfte workbooks
    frames = {"national": table.assign(data=label), "pooled": pooled.assign(data=label)}
    sep, dec = (";", ",") if lang == "sv" else (",", ".")
    paths: list[Path] = []
    for name, frame in frames.items():
        pq, csv = out / f"{name}.parquet", out / f"{name}.csv"
        with atomic_path(pq) as tmp:
            frame.to_parquet(tmp, index=False)
        with atomic_path(csv) as tmp:  # registry text reaches the CSV: never as a formula
            spreadsheet_frame(frame).to_csv(tmp, index=False, sep=sep, decimal=dec)
        paths += [pq, csv]
    if {"status", "focus_area", "indicator", "detect_20", "p_bh_area"} <= set(table.columns):
        frames["areas"] = area_summary(table).assign(data=label)
    xlsx = out / "national.xlsx"
    with atomic_path(xlsx) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in frames.items():
            write_sheet(writer, name, frame, synthetic_text=banner)
    return paths + [xlsx]
