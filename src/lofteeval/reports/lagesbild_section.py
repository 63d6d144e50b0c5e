"""The lägesbild section of a report: per indicator a plot, a table of selected years and notes, in words.

The numbers come from :mod:`.lagesbild` (groups and series); this module words and draws them
(:func:`lofteeval.plots.plot_lagesbild`) for ``templates/_lagesbild.html.j2``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .lagesbild import (Group, join_names, comparison_groups, coverage_gaps, lagesbild_series, own_groups,
                        selected_years, summary_rows)

__all__ = ["LagesbildBlock", "LagesbildSection", "lagesbild_section", "LEGEND_WIDTH"]

LEGEND_WIDTH = 24
"""Characters of a legend line of the lägesbild plot (longer group labels wrap)."""


@dataclass(frozen=True)
class LagesbildBlock:
    """One indicator in the report: plot, table header and rows (all text), notes."""

    label: str
    areas: str
    plot: str
    years: list[int]
    rows: list[dict[str, Any]]
    notes: list[str]
    crime: bool  # counts and per 100 000 per year; otherwise one value (percent or index) per year
    columns: list[str]  # sub-headers under each year
    change: str  # header of the change column
    indicator: str = ""  # the indicator id (the report cites its source)


@dataclass(frozen=True)
class LagesbildSection:
    """The lägesbild section: heading, intro and one block per indicator."""

    heading: str
    intro: str
    blocks: list[LagesbildBlock]
    skipped: list[str]


def _fmt(x: float, lang: str, digits: int = 0) -> str:
    from .text import fmt_number

    return fmt_number(x, lang=lang, digits=digits) if np.isfinite(x) else "–"


def _change(first: float, last: float, lang: str, crime: bool, digits: int = 1) -> str:
    """Change from the first to the latest year: percent for rates, units (pe) for survey values.

    A change that rounds to zero is written without a sign (``0 %``, never ``−0 %``).
    """
    from .text import fmt_number

    if not (np.isfinite(first) and np.isfinite(last)) or (crime and first <= 0):
        return "–"
    value, places = (100 * (last / first - 1), 0) if crime else (last - first, digits)
    value = round(value, places) or 0.0  # -0.0 -> 0.0
    text = fmt_number(value, lang=lang, digits=places, sign=value != 0)
    return text + ("\u00a0%" if lang == "sv" else "%") if crime else text


def _table_rows(series: pd.DataFrame, years: list[int], *, lang: str, crime: bool,
                indent: bool = False, digits: int = 1) -> list[dict[str, Any]]:
    rows = []
    for r in summary_rows(series, years):
        cells = []
        for y in years:
            count, value = r["cells"][y]
            cells += [_fmt(count, lang), _fmt(value, lang)] if crime else [_fmt(value, lang, digits)]
        first, last = r["cells"][years[0]][1], r["cells"][years[-1]][1]
        rows.append({"label": r["label"], "group": r["group"], "cells": cells, "sub": indent,
                     "change": _change(first, last, lang, crime, digits)})
    return rows


_TEXT = {
    "sv": {"heading": "Lägesbild", "count": "Antal", "per100k": "Per 100\u00a0000", "percent": "Procent",
           "index": "Index", "group": "Område", "change": "Förändring", "areas": "Fokusområde",
           "rate_title": "Anmälda brott per 100\u00a0000 invånare", "count_title": "Antal anmälda brott",
           "share_title": "Andel (procent)", "index_title": "Index",
           "change_rate": "Förändring {first}–{last} (per 100\u00a0000)",
           "change_pe": "Förändring {first}–{last} (procentenheter)",
           "change_index": "Förändring {first}–{last} (indexenheter)"},
    "en": {"heading": "Situation overview", "count": "Count", "per100k": "Per 100,000",
           "percent": "Percent", "index": "Index", "group": "Area", "change": "Change", "areas": "Focus area",
           "rate_title": "Reported offences per 100,000 inhabitants", "count_title": "Reported offences (count)",
           "share_title": "Share (percent)", "index_title": "Index",
           "change_rate": "Change {first}–{last} (per 100,000)",
           "change_pe": "Change {first}–{last} (percentage points)",
           "change_index": "Change {first}–{last} (index points)"},
}


def _intro(groups: list[Group], first: int, last: int, *, lang: str, survey: bool, member_names: str) -> str:
    ids = {g.id: g for g in groups}
    k = ids["kommun"]
    sv = lang == "sv"
    who = k.label if len(k.members) <= 2 else (f"löftets {len(k.members)} kommuner" if sv else
                                                f"the promise's {len(k.members)} municipalities")
    cmp_ = [ids["lan"].label] if "lan" in ids else []
    if "liknande" in ids:
        cmp_.append(f"{'liknande kommuner' if sv else 'similar municipalities'} ({ids['liknande'].detail})")
    if sv:
        text = (f"Lägesbilden visar hur varje indikator har utvecklats {first}–{last} i {who} jämfört med "
                + (", ".join(cmp_) + " och " if cmp_ else "") + "riket. Talen per 100\u00a0000 invånare går "
                "att jämföra mellan områden av "
                "olika storlek; antalen visar hur många anmälningar det gäller. Löftesperioden är grå. ")
        text += ("Länet omfattar alla sina kommuner, också löftets. " if "lan" in ids else
                 "Länet består bara av löftets kommun och visas därför inte för sig. ")
        text += "Liknande kommuner är de övriga kommunerna i samma kommungrupp enligt SKR:s indelning."
        if len(k.members) > 1:
            text += (f" Löftets kommuner ({member_names}) räknas samman: antalen och "
                     "folkmängden summeras; varje kommun visas också för sig i tabellen.")
        if survey:
            text += (" Enkätindikatorerna är andelar i procent eller index, medelvärden viktade med folkmängden; "
                     "de har inga antal.")
        if first <= 2020 <= last:
            text += (" Under pandemiåren 2020–2021 ändrades brottslighet och anmälningsmönster i hela landet; "
                     "jämför därför gärna med länet och riket samma år.")
        return text
    text = (f"The overview shows how each indicator developed {first}–{last} in {who} compared with "
            + (", ".join(cmp_) + " and " if cmp_ else "") + "Sweden as a whole. Rates per 100,000 inhabitants "
            "compare areas of different size; counts show how many reports are involved. The promise period is "
            "shaded grey. ")
    text += ("The county covers all its municipalities, the promise's included. " if "lan" in ids else
             "The county consists of the promise's municipality alone and is therefore not shown separately. ")
    text += ("Similar municipalities are the other municipalities of the same municipality group in the "
             "classification of SKR (the Swedish Association of Local Authorities and Regions).")
    if len(k.members) > 1:
        text += (f" The promise's municipalities ({member_names}) are combined: counts and populations "
                 "are summed; each municipality is also shown on its own in the table.")
    if survey:
        text += (" Survey indicators are shares in percent or indices, population-weighted means; they have no "
                 "counts.")
    if first <= 2020 <= last:
        text += (" In the pandemic years 2020–2021 crime and reporting patterns shifted across the country; "
                 "compare with the county and Sweden in the same years.")
    return text


def _skipped(spec: Any, lang: str) -> str:
    """The line for an indicator the lägesbild cannot show (its data are incomplete)."""
    if lang == "sv":
        return (f"{spec.label_sv}: uppgifterna räcker inte för en lägesbild (t.ex. saknas folkmängden "
                "för några kommuner och år).")
    return (f"{spec.label_en}: the data are not complete enough for an overview (e.g. the population is "
            "missing for some municipalities and years).")


def _figure(series: pd.DataFrame, spec: Any, *, lang: str, period: tuple[int, int], synthetic: bool) -> str:
    """Rates (or survey values) of every group, one line each; the counts are in the table below."""
    from .. import plots
    from .build import figure_uri

    t = _TEXT[lang]
    title = (t["rate_title"] if spec.kind == "crime" else
             (t["share_title"] if spec.unit == "percent" else t["index_title"]))

    # the legend has ~24 characters of room right of the axes: longer labels wrap, never clip
    series = series.assign(label=series["label"].map(lambda x: textwrap.fill(str(x), LEGEND_WIDTH)))

    def draw(ax: Any) -> None:
        plots.plot_lagesbild(series, ax=ax, lang=lang, period=period, title=title)
        ax.legend(fontsize=7.2, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=1.8)
        if synthetic:  # under the legend, clear of the title
            ax.figure.text(0.735, 0.12, plots.synthetic_text(lang).replace(" – ", " –\n"), ha="left",
                           va="bottom", fontsize=7, color=plots.COLOURS["synthetic"], style="italic")

    # the legend sits right of the axes: no rows under the plot, and the labels never collide
    return figure_uri(draw, size=(6.6, 2.1), dpi=100,
                      margins={"left": 0.08, "right": 0.72, "top": 0.88, "bottom": 0.12})


def _indicators(lofte: Any, present: frozenset[str], lang: str) -> list[tuple[Any, str]]:
    """Every indicator of the löfte's focus areas that the panel has (``present``), once, with its focus areas."""
    from ..indicators import focus_area, indicators_for

    found: dict[str, tuple[Any, list[str]]] = {}
    for area in lofte.focus_areas:
        fa = focus_area(area)
        for spec in indicators_for(area):
            if spec.id in present:
                found.setdefault(spec.id, (spec, []))[1].append(fa.label_sv if lang == "sv" else fa.label_en)
    return [(spec, ", ".join(areas)) for spec, areas in found.values()]


def _notes(series: pd.DataFrame, *, lang: str) -> list[str]:
    gaps = coverage_gaps(series)
    if not gaps:
        return []
    label, year, have, of = gaps[0]
    more = len(gaps) - 1
    if lang == "sv":
        return [f"Uppgifter saknas för några kommuner vissa år (t.ex. {label} {year}: {have} av {of} kommuner"
                + (f"; {more} fler område-år" if more else "") + "). Summor och snitt gäller kommunerna med "
                "uppgifter."]
    return [f"Some municipalities lack data in some years (e.g. {label} {year}: {have} of {of} municipalities"
            + (f"; {more} more area-years" if more else "") + "). Sums and means cover the municipalities with "
            "data."]


def _block(panel: pd.DataFrame, lofte: Any, spec: Any, areas: str, groups: list[Group], *, lang: str,
           synthetic: bool, names: dict[str, str], pivots: Any = None) -> LagesbildBlock:
    crime = spec.kind == "crime"
    kind = "crime" if crime else "survey"
    members = groups[0].members
    every = lagesbild_series(panel, spec.id, groups + (own_groups(members, names) if len(members) > 1 else []),
                             kind=kind, pivots=pivots)
    series = every[every["group"] != "own"]
    years = selected_years(series, lofte.start_year)
    digits = 2 if spec.unit == "index" else 1
    rows = _table_rows(series, years, lang=lang, crime=crime, digits=digits)
    if len(members) > 1:
        rows[1:1] = _table_rows(every[every["group"] == "own"], years, lang=lang, crime=crime, indent=True,
                                digits=digits)
    t = _TEXT[lang]
    columns = [t["count"], t["per100k"]] if crime else [t["percent"] if spec.unit == "percent" else t["index"]]
    change = t["change_rate"] if crime else (t["change_pe"] if spec.unit == "percent" else t["change_index"])
    return LagesbildBlock(label=spec.label_sv if lang == "sv" else spec.label_en, areas=areas,
                          plot=_figure(series, spec, lang=lang, period=(lofte.start_year, lofte.end_year),
                                       synthetic=synthetic),
                          years=years, rows=rows, notes=_notes(series, lang=lang), crime=crime, columns=columns,
                          change=change.format(first=years[0], last=years[-1]) if years else "",
                          indicator=spec.id)


def lagesbild_section(panel: pd.DataFrame, lofte: Any, *, lang: str = "sv",
                      synthetic: bool = False, pivots: Any = None) -> LagesbildSection | None:
    """The report's lägesbild for ``lofte`` (None when the panel has none of its indicators).

    ``pivots``: the :class:`~lofteeval.design.pivots.PanelPivots` of ``panel`` to share (optional).
    """
    from ..design.pivots import PanelPivots
    from ..errors import LofteevalError
    from ..harmonise.kommuner import kommuner as reference_frame

    pivots = PanelPivots.of(panel, pivots)
    ref = reference_frame()
    names = dict(zip(ref["kommun"].astype(str), ref["name"].astype(str)))
    groups = comparison_groups(tuple(lofte.kommuner), lang=lang, reference=ref)
    blocks, skipped = [], []
    for spec, areas in _indicators(lofte, pivots.indicators, lang):
        try:
            blocks.append(_block(panel, lofte, spec, areas, groups, lang=lang, synthetic=synthetic, names=names,
                                 pivots=pivots))
        except LofteevalError:  # the error names ids and columns; the reader gets the gist in words
            skipped.append(_skipped(spec, lang))
    if not blocks and not skipped:
        return None
    years = sorted(int(y) for b in blocks for y in b.years) or [lofte.start_year]
    member_names = join_names(groups[0].members, ref.set_index(ref["kommun"].astype(str)), lang)
    intro = _intro(groups, years[0], years[-1], lang=lang,
                   survey=any(not b.crime for b in blocks),
                   member_names=member_names)
    return LagesbildSection(heading=_TEXT[lang]["heading"], intro=intro, blocks=blocks, skipped=skipped)
