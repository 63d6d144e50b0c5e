"""The national HTML report: per focus area a forest plot of every löfte, detectability, pooled estimate.

Consumes the tables of :mod:`lofteeval.national` only.  Figures are matplotlib PNGs embedded in
one self-contained HTML file; numbers from the demo panel carry the synthetic label on the page
and in every figure.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["forest_plot", "event_study_plot", "map_plot", "kommun_rings", "national_html", "write_national_report",
           "area_summary"]

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
    fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.22 * len(t) + 1.4)), layout="constrained")
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
    ax.set_yticks(y, t["lofte_id"], fontsize=6.5)
    ax.set_xlabel("effekt, % av nivån före löftet")
    ax.set_xlim(-100, 100)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    if synthetic:
        fig.text(0.5, 0.5, SYNTHETIC_SV, ha="center", va="center", fontsize=14, color="red", alpha=0.25,
                 rotation=20)
    return fig


def event_study_plot(result: Any, *, title: str, synthetic: bool = False) -> Any:
    """The pooled estimate's effects by year relative to the cohort's start, with intervals."""
    import matplotlib.pyplot as plt

    e = result.effects
    fig, ax = plt.subplots(figsize=(6.5, 2.8), layout="constrained")
    if {"ci_low", "ci_high"} <= set(e.columns):
        ax.fill_between(e["time"], e["ci_low"], e["ci_high"], color="#dde6f0", step=None)
    ax.plot(e["time"], e["effect"], "o-", color="#1b3a57", ms=3)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("år i förhållande till kohortens startår")
    ax.set_ylabel("effekt (indikatorns enhet)")
    ax.set_title(title, fontsize=10)
    if synthetic:
        fig.text(0.5, 0.5, SYNTHETIC_SV, ha="center", va="center", fontsize=12, color="red", alpha=0.25)
    return fig


def kommun_rings() -> dict[str, list[np.ndarray]]:
    """The vendored SCB kommun boundaries: ``{code: [ring (n x 2, km, SWEREF 99 TM), ...]}``."""
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
    fig, ax = plt.subplots(figsize=(3.6, 6.4), layout="constrained")
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
    fig.colorbar(coll, ax=ax, shrink=0.5, label="effekt, % (grå: inget löfte)")
    ax.set_title(title, fontsize=9)
    if synthetic:
        fig.text(0.5, 0.02, SYNTHETIC_SV, ha="center", fontsize=7, color="red")
    return fig


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def area_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per focus area and indicator: löften, evaluated, share whose data could detect a 20 % change."""
    ok = table[table["status"] == "ok"]
    g = ok.groupby(["focus_area", "indicator"])
    out = pd.DataFrame({"evaluated": g.size(), "detect_20": g["detect_20"].mean(),
                        "significant_bh": g["p_bh_area"].apply(lambda p: int((p < 0.05).sum()))})
    out["loften"] = table.groupby(["focus_area", "indicator"]).size()
    return out.reset_index()


def _fmt(x: Any, pct: bool = True) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    return f"{100 * x:+.1f} %".replace(".", ",").replace("-", "−") if pct else f"{x:.3f}".replace(".", ",")


def _area_section(area: str, table: pd.DataFrame, pooled: pd.DataFrame, results: dict[tuple[str, str], Any],
                  synthetic: bool) -> str:
    from ..indicators import indicators_for

    parts = [f"<h2>{html.escape(area)}</h2>"]
    summ = area_summary(table[table["focus_area"] == area])
    parts.append("<table><tr><th>indikator</th><th>löften</th><th>skattade</th><th>kan upptäcka 20 %</th>"
                 "<th>signifikanta (BH inom området)</th><th>poolad effekt [95 %]</th><th>p (poolad)</th></tr>")
    for _, s in summ.iterrows():
        pr = pooled[(pooled["focus_area"] == area) & (pooled["indicator"] == s["indicator"])]
        p0 = pr.iloc[0] if len(pr) else None
        pooled_txt = ("–" if p0 is None or p0["status"] != "ok" else
                      f"{_fmt(p0['estimate_relative'])} [{_fmt(p0['ci_low_relative'])}, {_fmt(p0['ci_high_relative'])}]")
        ptxt = "–" if p0 is None or p0["status"] != "ok" else _fmt(p0["p_value"], pct=False)
        parts.append(f"<tr><td>{html.escape(s['indicator'])}</td><td>{s['loften']}</td><td>{s['evaluated']}</td>"
                     f"<td>{100 * s['detect_20']:.0f} %</td><td>{s['significant_bh']}</td>"
                     f"<td>{pooled_txt}</td><td>{ptxt}</td></tr>")
    parts.append("</table>")
    primary = next((s.id for s in indicators_for(area) if s.id in set(summ["indicator"])), None)
    if primary is not None:
        rows = table[(table["focus_area"] == area) & (table["indicator"] == primary)]
        pr = pooled[(pooled["focus_area"] == area) & (pooled["indicator"] == primary) & (pooled["status"] == "ok")]
        fig = forest_plot(rows, title=f"{area}: {primary}", synthetic=synthetic,
                          pooled=pr.iloc[0].to_dict() if len(pr) else None)
        parts.append(f'<img alt="forest plot {html.escape(area)}" src="data:image/png;base64,{_png(fig)}">')
        ok = rows[rows["status"] == "ok"]
        per_kommun = (ok.assign(kommun=ok["kommuner"].str.split(",")).explode("kommun")
                      .groupby("kommun")["estimate_relative"].mean())
        fig = map_plot(per_kommun, title=f"{area}: {primary}", synthetic=synthetic)
        parts.append(f'<img class="map" alt="map {html.escape(area)}" src="data:image/png;base64,{_png(fig)}">')
        if (area, primary) in results:
            fig = event_study_plot(results[(area, primary)], title=f"poolad händelsestudie: {primary}",
                                   synthetic=synthetic)
            parts.append(f'<img alt="event study {html.escape(area)}" src="data:image/png;base64,{_png(fig)}">')
    return "\n".join(parts)


def national_html(table: pd.DataFrame, pooled: pd.DataFrame, results: dict[tuple[str, str], Any], *,
                  synthetic: bool) -> str:
    """The whole national report as one HTML string."""
    banner = (f'<p class="synthetic"><strong>{SYNTHETIC_SV}.</strong> Siffrorna kommer från den syntetiska '
              "demopanelen, inte från verkliga kommuner.</p>") if synthetic else ""
    areas = sorted(set(table["focus_area"]))
    n_ok = int((table["status"] == "ok").sum())
    intro = (f"<p>{table['lofte_id'].nunique()} löften, {len(table)} kombinationer av löfte, fokusområde och "
             f"indikator, varav {n_ok} skattade och {len(table) - n_ok} inte skattade (skälen finns i tabellen "
             "national.csv). p-värden justeras med Benjamini–Hochberg inom varje fokusområde i hela landet. "
             "Den poolade skattningen är Callaway–Sant'Anna med kohort = första året ett löfte i kommunen "
             "nämner området (förnyelser är inte nya kohorter), ännu inte och aldrig behandlade kommuner som "
             "jämförelse, och distriktslöften utanför (kommundata späder ut deras effekt). Med få kommuner per "
             "kohort används ett placebokohorttest (studentiserat, rangbaserat p-värde). De poolade p-värdena är "
             "inte justerade för att flera indikatorer och områden prövas.</p>")
    body = "\n".join(_area_section(a, table, pooled, results, synthetic) for a in areas)
    css = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;}table{border-collapse:collapse;"
           "font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px}.synthetic{background:#fde2e2;"
           "border:2px solid #c00;padding:0.5em}img{max-width:100%;display:block;margin:1em 0}img.map{max-width:22em}")
    title = "Medborgarlöften i hela landet" + (f" – {SYNTHETIC_SV}" if synthetic else "")
    return (f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{css}</style></head><body><h1>{html.escape(title)}</h1>{banner}{intro}{body}{banner}"
            "</body></html>")


def write_national_report(table: pd.DataFrame, pooled: pd.DataFrame, results: dict[tuple[str, str], Any],
                          out: Path, *, synthetic: bool) -> Path:
    """Write ``national.html`` into ``out`` (temp name, then rename) and return its path."""
    from ..files import write_text

    return write_text(out / "national.html", national_html(table, pooled, results, synthetic=synthetic))
