"""Plots of effect results (matplotlib only): each function draws what it gets and returns the Axes.

Signature convention: ``plot_x(result, *, ax=None, lang="sv", ...) -> Axes``.  Functions never call
``show()`` or ``savefig()``.  Colours are fixed module-wide so every report looks the same, and all
axis labels exist in Swedish and English.  When ``synthetic=True`` the figure carries the note
*Syntetiska data – endast för demonstration* so that a plot copied out of a report keeps its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._types import Lang, check_literal

__all__ = [
    "COLOURS",
    "LABELS",
    "plot_effect",
    "plot_placebo",
    "plot_weights",
    "plot_results",
    "plot_lagesbild",
    "plot_event_study",
    "add_synthetic_note",
    "synthetic_text",
]

COLOURS = {
    "observed": "#1f4e79",  # dark blue
    "counterfactual": "#d95f02",  # orange, dashed
    "period": "#d9d9d9",  # grey shading of the löfte period
    "placebo": "#9ecae1",
    "treated": "#b2182b",
    "zero": "#555555",
    "ci": "#1f4e79",
    "synthetic": "#b2182b",
}

GROUP_STYLE = {  # lägesbild series: the löfte's kommun(er) strong, the comparisons lighter
    "kommun": {"color": "#1f4e79", "lw": 2.2, "marker": "o", "ms": 3.5, "zorder": 4},
    "lan": {"color": "#1b7837", "lw": 1.5, "ls": "-", "zorder": 3},
    "liknande": {"color": "#d95f02", "lw": 1.5, "ls": "--", "zorder": 3},
    "riket": {"color": "#555555", "lw": 1.5, "ls": ":", "zorder": 2},
}

LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "observed": "Observerat",
        "counterfactual": "Skattat utan löftet",
        "period": "Löftesperiod",
        "year": "År",
        "placebo_x": "Skattad effekt i jämförelsekommuner (placebo)",
        "placebo_y": "Antal kommuner",
        "placebo_treated": "Löfteskommunen",
        "weight": "Vikt i den syntetiska kontrollen",
        "effect": "Skattad effekt",
        "effect_pct": "Skattad effekt (%)",
        "effect_level": "Skattad effekt (% av den skattade nivån utan löftet)",
        "effect_points": "Skattad effekt (procentenheter)",
        "no_placebo": "Ingen placebofördelning för denna metod",
        "no_weights": "Inga vikter för denna metod",
        "synthetic": "Syntetiska data – endast för demonstration",
    },
    "en": {
        "observed": "Observed",
        "counterfactual": "Estimated without the promise",
        "period": "Promise period",
        "year": "Year",
        "placebo_x": "Estimated effect in comparison municipalities (placebo)",
        "placebo_y": "Number of municipalities",
        "placebo_treated": "Promise municipality",
        "weight": "Weight in the synthetic control",
        "effect": "Estimated effect",
        "effect_pct": "Estimated effect (%)",
        "effect_level": "Effect (% of the level expected without the promise)",
        "effect_points": "Estimated effect (percentage points)",
        "no_placebo": "No placebo distribution for this method",
        "no_weights": "No weights for this method",
        "synthetic": "Synthetic data – for demonstration only",
    },
}


def synthetic_text(lang: str = "sv") -> str:
    """The label every surface showing demo-panel numbers must carry."""
    return LABELS["en" if lang == "en" else "sv"]["synthetic"]


def _labels(lang: str) -> dict[str, str]:
    check_literal(lang, Lang, "lang")
    return LABELS[lang]


def _new_axes(ax: Any, figsize: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def add_synthetic_note(ax: Any, *, lang: str = "sv") -> None:
    """Write the synthetic-data label just above the top-right corner of ``ax`` (outside the data)."""
    ax.text(1.0, 1.015, synthetic_text(lang), transform=ax.transAxes, ha="right", va="bottom",
            fontsize=7.5, color=COLOURS["synthetic"], style="italic")


def _decimal_comma(ax: Any, lang: str) -> None:
    """Swedish tick labels: ``2,5`` instead of ``2.5`` on every numeric axis of ``ax``."""
    if lang != "sv":
        return
    from matplotlib.ticker import ScalarFormatter

    class _Comma(ScalarFormatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return _group_thousands(super().__call__(x, pos).replace(".", ","))

    for axis in (ax.xaxis, ax.yaxis):
        if type(axis.get_major_formatter()) is ScalarFormatter:
            axis.set_major_formatter(_Comma())


def _group_thousands(label: str) -> str:
    """``"10000"`` -> ``"10 000"`` (narrow no-break space; Swedish grouping from five digits)."""
    sign = label[:1] if label[:1] in "-\u2212" else ""
    head, sep, tail = label[len(sign):].partition(",")
    if head.isdigit() and len(head) >= 5:
        head = f"{int(head):,}".replace(",", "\u202f")
    return sign + head + sep + tail


def _period(result: Any, period: tuple[int, int] | None) -> tuple[float, float] | None:
    if period is not None:
        return float(period[0]), float(period[1])
    diag = getattr(result, "diagnostics", {}) or {}
    start = diag.get("treatment_start")
    eff = result.effects
    if start is None and diag.get("n_post") and eff is not None and "time" in eff:
        times = sorted(eff["time"].unique())
        n_post = int(diag["n_post"])
        start = times[-n_post] if 0 < n_post <= len(times) else None
    if start is None:
        return None
    end = diag.get("treatment_end", eff["time"].max() if "time" in eff else start)
    return float(start), float(end)


def plot_effect(result: Any, *, ax: Any = None, lang: str = "sv", period: tuple[int, int] | None = None,
                title: str | None = None, ylabel: str | None = None, synthetic: bool = False) -> Any:
    """Observed outcome vs the estimated counterfactual, with the löfte period shaded.

    Parameters
    ----------
    result : EffectResult
        Uses ``result.effects`` (columns ``time, observed, counterfactual``).
    ax : matplotlib Axes, optional
        Drawn into when given; otherwise a new figure is made.
    lang : {"sv", "en"}
        Language of the labels.
    period : (first_year, last_year), optional
        Löfte period to shade; defaults to ``diagnostics["treatment_start"]`` (or the last
        ``diagnostics["n_post"]`` periods) to the last year.
    title, ylabel : str, optional
        Axis title and y label (e.g. the indicator label and unit).
    synthetic : bool
        Add the synthetic-data note.

    Returns
    -------
    matplotlib Axes
    """
    lab = _labels(lang)
    ax = _new_axes(ax, (6.4, 3.4))
    eff = result.effects
    if eff is not None and len(eff) and {"time", "observed"} <= set(eff.columns):
        eff = eff.sort_values("time")
        ax.plot(eff["time"], eff["observed"], color=COLOURS["observed"], marker="o", ms=3.5, lw=1.8,
                label=lab["observed"])
        if "counterfactual" in eff.columns:
            ax.plot(eff["time"], eff["counterfactual"], color=COLOURS["counterfactual"], ls="--",
                    marker="s", ms=3, lw=1.6, label=lab["counterfactual"])
    span = _period(result, period)
    if span is not None:
        ax.axvspan(span[0] - 0.5, span[1] + 0.5, color=COLOURS["period"], alpha=0.6, lw=0,
                   label=lab["period"], zorder=0)
    ax.set_xlabel(lab["year"])
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10, loc="left", y=1.0)  # a fixed y: no search above the axes
    _year_axes(ax, lang)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.2), ncols=3)
    if synthetic:
        add_synthetic_note(ax, lang=lang)
    return ax


def _placebo_values(placebo: pd.DataFrame) -> np.ndarray:
    """The placebo effects (``results.PLACEBO_COLUMNS``: every placebo frame has ``effect``)."""
    return pd.to_numeric(placebo["effect"], errors="coerce").to_numpy(dtype=float)


def plot_placebo(result: Any, *, ax: Any = None, lang: str = "sv", synthetic: bool = False) -> Any:
    """Histogram of placebo estimates with the löfte kommun's estimate marked.

    Uses ``result.placebo["effect"]``; values on the relative scale are
    shown in percent.  Without a placebo frame the axes say so instead of staying empty.
    """
    lab = _labels(lang)
    ax = _new_axes(ax, (6.4, 2.8))
    pct = 100.0 if getattr(result, "scale", "absolute") == "relative" else 1.0
    vals = np.array([]) if result.placebo is None else _placebo_values(result.placebo)
    vals = vals[np.isfinite(vals)] * pct
    if vals.size == 0:
        ax.text(0.5, 0.5, lab["no_placebo"], ha="center", va="center", transform=ax.transAxes,
                fontsize=9, color="#555555")
        ax.set_axis_off()
        return ax
    counts, edges = np.histogram(vals, bins=min(30, max(8, vals.size // 3)))
    # one filled step patch instead of a bar patch per bin: same picture, a fraction of the draw time
    ax.stairs(counts, edges, fill=True, color=COLOURS["placebo"], lw=0)
    ax.set_ylim(0, max(1, int(counts.max())) * 1.08)
    ax.axvline(result.estimate * pct, color=COLOURS["treated"], lw=2.2, label=lab["placebo_treated"])
    ax.axvline(0, color=COLOURS["zero"], lw=0.8, ls=":")
    ax.set_xlabel(lab["placebo_x"] + (" (%)" if pct == 100.0 else ""))
    ax.set_ylabel(lab["placebo_y"])
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    _decimal_comma(ax, lang)
    if synthetic:
        add_synthetic_note(ax, lang=lang)
    return ax


def plot_weights(result: Any, *, ax: Any = None, lang: str = "sv", top: int = 8,
                 names: dict[str, str] | None = None, synthetic: bool = False) -> Any:
    """Horizontal bars of the largest donor weights (synthetic control, synthetic DiD)."""
    lab = _labels(lang)
    ax = _new_axes(ax, (6.4, 2.6))
    w = result.weights
    if w is None or len(w) == 0:
        ax.text(0.5, 0.5, lab["no_weights"], ha="center", va="center", transform=ax.transAxes,
                fontsize=9, color="#555555")
        ax.set_axis_off()
        return ax
    w = pd.Series(w, dtype=float).sort_values(ascending=False).head(top)[::-1]
    labels = [(names or {}).get(str(k), str(k)) for k in w.index]
    ax.barh(labels, w.to_numpy(), color=COLOURS["observed"])
    ax.set_xlabel(lab["weight"])
    ax.set_xlim(0, max(1e-9, float(w.max())) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    _decimal_comma(ax, lang)
    if synthetic:
        add_synthetic_note(ax, lang=lang)
    return ax


def _forest_values(result: Any, points: bool) -> tuple[float, float, float]:
    """Estimate and interval on the forest plot's axis: in percentage points as they are
    (``points=True``, survey shares), else in percent of the counterfactual over the evaluated
    post-period (``EffectResult.relative``, the one relative scale of the report)."""
    vals = (result.estimate, result.ci_low, result.ci_high)
    if points:
        return tuple(float(v) for v in vals)  # type: ignore[return-value]
    rel = [result.relative(v) for v in vals]
    return tuple(100 * v if v is not None else np.nan for v in rel)  # type: ignore[return-value]


def plot_results(results: Sequence[Any], *, ax: Any = None, lang: str = "sv",
                 labels: Sequence[str] | None = None, synthetic: bool = False, points: bool = False,
                 highlight: Sequence[bool] | None = None) -> Any:
    """Forest plot: one row per result, estimate and interval on one axis.

    By default in percent of the counterfactual over the evaluated post-period
    (``EffectResult.relative``: relative-scale results as they are, absolute ones divided by that
    level), so indicators in different units share one axis.  ``points=True`` draws the values as
    they are, in percentage points (survey shares, which are never shown in percent).  Interval
    ends beyond the axis (placebo inversions can be unbounded) are drawn to the edge with an arrow.
    ``highlight`` (one flag per result) marks the rows drawn in red; by default the significant
    ones (``result.significant``); the report passes its verdict (significant after adjustment).
    """
    import textwrap

    lab = _labels(lang)
    results = list(results)
    ax = _new_axes(ax, (6.4, 0.5 + 0.45 * max(1, len(results))))
    names = list(labels) if labels is not None else [str(r.indicator or r.method) for r in results]
    names = ["\n".join(textwrap.wrap(n, 30)) or n for n in names]
    ys = np.arange(len(results))[::-1]
    pts = np.array([_forest_values(r, points) for r in results], dtype=float).reshape(-1, 3)
    finite_est = np.abs(pts[:, 0][np.isfinite(pts[:, 0])])
    floor, cap = (10.0, 25.0) if points else (50.0, 100.0)
    # one very uncertain indicator must not squash the others: the axis stops at +-100 % (+-25 pe);
    # an estimate beyond it is drawn at the edge with its value written out
    limit = min(max(floor, 2.5 * float(finite_est.max())), cap) if finite_est.size else floor
    marked = [bool(r.significant) for r in results] if highlight is None else [bool(h) for h in highlight]
    if len(marked) != len(results):
        raise ValueError(f"highlight must have one flag per result ({len(results)}); got {len(marked)}.")
    for y, r, (est, lo, hi), red in zip(ys, results, pts, marked):
        if not np.isfinite(est):
            continue
        colour = COLOURS["treated"] if red else COLOURS["ci"]
        lo_c, hi_c = max(lo, -limit) if np.isfinite(lo) else -limit, min(hi, limit) if np.isfinite(hi) else limit
        ax.plot([lo_c, hi_c], [y, y], color=colour, lw=2)
        if abs(est) <= limit:
            ax.plot([est], [y], "o", color=colour, ms=5)
        else:  # the estimate itself is off the axis: its value at the edge
            edge = limit if est > 0 else -limit
            ax.annotate(_forest_value_text(est, points, lang), (edge, y), xytext=(-4 if est > 0 else 4, 5),
                        textcoords="offset points", ha="right" if est > 0 else "left", va="bottom",
                        fontsize=7, color=colour)
        if lo_c <= -limit:
            ax.plot([-limit], [y], marker="<", color=colour, ms=6)
        if hi_c >= limit:
            ax.plot([limit], [y], marker=">", color=colour, ms=6)
    ax.axvline(0, color=COLOURS["zero"], lw=0.8, ls=":")
    ax.set_xlim(-limit * 1.05, limit * 1.05)
    ax.set_ylim(-0.6, len(results) - 0.4)
    ax.set_yticks(ys, names)
    ax.set_xlabel(lab["effect_points" if points else "effect_level"])
    ax.spines[["top", "right"]].set_visible(False)
    _decimal_comma(ax, lang)
    if synthetic:
        add_synthetic_note(ax, lang=lang)
    return ax


def _forest_value_text(value: float, points: bool, lang: str) -> str:
    """``+150 %`` / ``+30 pe`` for an estimate drawn at the axis edge (whole numbers, a true minus sign)."""
    unit = (" pe" if lang == "sv" else " pp") if points else " %"
    return f"{value:+.0f}{unit}".replace("-", "−")


def plot_lagesbild(series: pd.DataFrame, *, ax: Any = None, lang: str = "sv",
                   period: tuple[int, int] | None = None, measure: str = "value", title: str | None = None,
                   groups: Sequence[str] | None = None, synthetic: bool = False) -> Any:
    """The lägesbild of one indicator: a line per comparison group, the löfte period shaded.

    Parameters
    ----------
    series : pandas.DataFrame
        ``group, label, year`` and the ``measure`` column
        (:func:`lofteeval.reports.lagesbild.lagesbild_series`).
    measure : {"value", "count"}
        ``"value"``: per 100 000 (or the survey share/index), one line per group;
        ``"count"``: bars of the counts (meant for the löfte's kommun(er) alone, ``groups=["kommun"]``,
        since län and riket counts are on another scale).
    period : (first_year, last_year), optional
        Löfte period to shade.
    groups : list of str, optional
        Groups to draw (default: all in ``series``).

    Returns
    -------
    matplotlib Axes
    """
    lab = _labels(lang)
    ax = _new_axes(ax, (6.4, 3.2))
    data = series if groups is None else series[series["group"].isin(groups)]
    for gid, sub in data.groupby("group", sort=False):
        sub = sub.sort_values("year")
        style = dict(GROUP_STYLE.get(str(gid), {"color": COLOURS["zero"], "lw": 1.2}))
        if measure == "count":
            ax.bar(sub["year"], sub["count"], color=style["color"], width=0.7, label=str(sub["label"].iloc[0]),
                   zorder=3)
        else:
            ax.plot(sub["year"], sub[measure], label=str(sub["label"].iloc[0]), **style)
    if period is not None:
        ax.axvspan(period[0] - 0.5, period[1] + 0.5, color=COLOURS["period"], alpha=0.6, lw=0,
                   label=lab["period"], zorder=0)
    if len(data):
        ax.set_xlim(float(data["year"].min()) - 0.7, float(data["year"].max()) + 0.7)
    if measure != "count":
        ax.set_ylim(bottom=0)
    if title:
        ax.set_title(title, fontsize=9, loc="left", y=1.0)  # fixed y: faster, the same place
    ax.tick_params(labelsize=8)
    _year_axes(ax, lang)
    if synthetic:
        add_synthetic_note(ax, lang=lang)
    return ax


def plot_event_study(frame: pd.DataFrame, *, ax: Any = None, lang: str = "sv", start: int | None = None,
                     ylabel: str | None = None, treated_label: str | None = None, synthetic: bool = False) -> Any:
    """Pre-trend / event-study plot: the löfte kommun's yearly gap to the comparison kommuner.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``year, gap, band_low, band_high`` (:func:`lofteeval.reports.diagnostics.event_study_frame`):
        the gap relative to the year before the start, and the middle 90 % of the same gap for
        each comparison kommun (the placebo band).
    start : int, optional
        First löfte year (a vertical line before it).
    treated_label : str, optional
        Legend label of the löfte kommun(er) (default: "Löfteskommunen").
    """
    labs = {"sv": ("Löfteskommunen", "Jämförelsekommunerna (mittersta 90 %)", "Löftet börjar"),
            "en": ("Promise municipality", "Comparison municipalities (middle 90%)", "Promise starts")}[_lang(lang)]
    ax = _new_axes(ax, (6.4, 2.8))
    f = frame.sort_values("year")
    ax.fill_between(f["year"], f["band_low"], f["band_high"], color=COLOURS["placebo"], alpha=0.7, lw=0,
                    label=labs[1], zorder=1)
    ax.plot(f["year"], f["gap"], color=COLOURS["treated"], marker="o", ms=3.5, lw=1.8, label=treated_label or labs[0],
            zorder=3)
    ax.axhline(0, color=COLOURS["zero"], lw=0.8, ls=":")
    if start is not None:
        ax.axvline(start - 0.5, color=COLOURS["zero"], lw=1, ls="--", label=labs[2])
    if ylabel:
        ax.set_title(ylabel, fontsize=9, loc="left", y=1.0)  # fixed y: faster, the same place
    ax.tick_params(labelsize=8)
    _year_axes(ax, lang)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.12), ncols=3)
    if synthetic:
        add_synthetic_note(ax, lang=lang)
    return ax


def _year_axes(ax: Any, lang: str) -> None:
    """The look of every plot over years: whole years on the x axis, a light y grid, no top or
    right spine, decimal comma in Swedish."""
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    _decimal_comma(ax, lang)


def _lang(lang: str) -> str:
    check_literal(lang, Lang, "lang")
    return lang
