"""Lägesbild: each indicator's development for the löfte's kommun(er), their län, liknande kommuner and riket.

What lag 2023:196 § 4 and Brå's guidance ask a kommun to start from: the level and trend of a
problem compared with its surroundings.  For every indicator, four series from the panel's first
to its latest year (frames only; plotting is :func:`lofteeval.plots.plot_lagesbild`):

- ``kommun``: the löfte's kommun(er), summed when there are several;
- ``lan``: every kommun of their län (the löfte's kommuner included, as in official län figures);
- ``liknande``: the other kommuner of the same SKR kommungrupp (the löfte's kommuner left out, so
  the comparison is with *other* similar kommuner);
- ``riket``: every kommun.

Crime indicators are aggregated by summing counts (``n``; where a row has only a rate, the count the
rate implies, ``value × population / 100 000``) and population, then per 100 000 = count /
population × 100 000.  Survey indicators (shares in percent, indices) are population-weighted means
of the kommun values; they have no counts.  A group-year covers the kommuner with a value that year;
``n_kommuner`` and ``n_members`` say how many, so incomplete coverage is shown, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["GROUPS", "Group", "comparison_groups", "lagesbild_series", "selected_years", "coverage_gaps",
           "own_groups", "summary_rows", "lagesbild_section", "SERIES_COLUMNS"]

GROUPS = ("kommun", "lan", "liknande", "riket")
SERIES_COLUMNS = ["group", "label", "year", "count", "population", "value", "n_kommuner", "n_members"]


@dataclass(frozen=True)
class Group:
    """One comparison group: its id (one of :data:`GROUPS`), label and member kommun codes."""

    id: str
    label: str
    members: tuple[str, ...]
    detail: str = ""  # the kommungrupp(er) of the liknande group, for the text


def _names(codes: tuple[str, ...], ref: pd.DataFrame) -> str:
    names = [str(ref.loc[k, "name"]) if k in ref.index else k for k in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]


def comparison_groups(kommuner: tuple[str, ...] | list[str], *, lang: str = "sv",
                      reference: pd.DataFrame | None = None) -> list[Group]:
    """The four groups of a lägesbild for ``kommuner`` (codes), from the kommun reference.

    ``reference`` is a frame like :func:`lofteeval.harmonise.kommuner.kommuner` (``kommun, name,
    lan, lan_name, kommungrupp, kommungrupp_label``); default: the vendored reference.  A län that
    consists of the löfte's kommuner alone (Gotland) is left out, since its series would repeat
    the kommun's; so is an empty liknande group.
    """
    if reference is None:
        from ..harmonise.kommuner import kommuner as reference_frame

        reference = reference_frame()
    ref = reference.assign(kommun=reference["kommun"].astype(str)).set_index("kommun")
    codes = tuple(dict.fromkeys(str(k) for k in kommuner))
    unknown = [k for k in codes if k not in ref.index]
    if not codes or unknown:
        raise DataError(f"a lägesbild needs kommun codes in the kommun reference (got {list(codes)}; unknown "
                        f"{unknown}); pass 4-digit codes such as '0980'.")
    sv = lang == "sv"
    lans = sorted(set(ref.loc[list(codes), "lan"]))
    grps = sorted(set(ref.loc[list(codes), "kommungrupp"]))
    lan_members = tuple(ref.index[ref["lan"].isin(lans)])
    like = tuple(k for k in ref.index[ref["kommungrupp"].isin(grps)] if k not in codes)
    lan_names = " och ".join if sv else " and ".join
    group_labels = [str(ref.loc[ref["kommungrupp"] == g, "kommungrupp_label"].iloc[0]).lower() for g in grps]
    out = [Group("kommun", _names(codes, ref) if len(codes) <= 2 else
                 (f"Löftets {len(codes)} kommuner" if sv else f"The löfte's {len(codes)} kommuner"), codes)]
    if set(lan_members) != set(codes):
        out.append(Group("lan", lan_names([str(ref.loc[ref["lan"] == x, "lan_name"].iloc[0]) for x in lans]),
                         lan_members))
    if like:
        out.append(Group("liknande", "Liknande kommuner" if sv else "Similar kommuner", like,
                         detail=", ".join(group_labels)))
    out.append(Group("riket", "Riket" if sv else "Sweden", tuple(ref.index)))
    return out


def _wide(panel: pd.DataFrame, indicator: str, kind: str) -> tuple[pd.Index, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Year × kommun frames of ``indicator``: count (crime), value and population, NaN where absent.

    A crime row without a count gets the count its rate implies (value × population / 100 000);
    a kommun-year counts as present when it has a value (and, for crime, a count).
    """
    rows = panel[panel["indicator"] == indicator]
    if rows.empty:
        raise DataError(f"indicator {indicator!r} is not in the panel; a lägesbild needs its rows.")
    rows = rows.assign(kommun=rows["kommun"].astype(str), year=rows["year"].astype(int))
    value = rows.pivot_table(index="year", columns="kommun", values="value", aggfunc="mean", dropna=False)
    pop = panel[panel["indicator"] == "population"]
    pop = pop.assign(kommun=pop["kommun"].astype(str), year=pop["year"].astype(int)).pivot_table(
        index="year", columns="kommun", values="value", aggfunc="mean").reindex_like(value)
    if "n" in rows.columns and rows["n"].notna().any():
        count = rows.pivot_table(index="year", columns="kommun", values="n", aggfunc="mean",
                                 dropna=False).reindex_like(value)
    else:
        count = pd.DataFrame(np.nan, index=value.index, columns=value.columns)
    if kind == "crime":
        count = count.where(count.notna(), value * pop / 1e5)
        value = value.where(count.notna())
    missing = value.notna() & pop.isna()
    if missing.to_numpy().any():
        year, code = missing.stack().loc[lambda m: m].index[0]
        raise DataError(f"a lägesbild aggregates by population, but {int(missing.to_numpy().sum())} kommun-years "
                        f"of {indicator!r} have none (e.g. kommun {code} in {int(year)}); add the 'population' "
                        "indicator for those kommun-years to the panel.")
    return value.index, count, value, pop


def lagesbild_series(panel: pd.DataFrame, indicator: str, groups: list[Group], *,
                     kind: str = "crime") -> pd.DataFrame:
    """Yearly series of ``indicator`` for each group (columns :data:`SERIES_COLUMNS`).

    ``kind="crime"``: ``count`` is the summed count, ``population`` the summed population of the
    kommuner with data, ``value`` = count / population × 100 000.  Otherwise (survey): ``value`` is
    the population-weighted mean of the kommun values (``count`` NaN).  ``n_kommuner`` is how
    many of the group's ``n_members`` kommuner have data that year.

    Raises
    ------
    DataError
        The indicator is absent, or a population is missing where the aggregate needs it.
    """
    years, count, value, pop = _wide(panel, indicator, kind)
    frames = [_group_series(g, years, count, value, pop, kind=kind) for g in groups]
    return pd.concat(frames, ignore_index=True)[SERIES_COLUMNS] if frames else pd.DataFrame(columns=SERIES_COLUMNS)


def _group_series(group: Group, years: pd.Index, count: pd.DataFrame, value: pd.DataFrame, pop: pd.DataFrame,
                  *, kind: str) -> pd.DataFrame:
    cols = [k for k in group.members if k in value.columns]
    v = value[cols].to_numpy(float)
    have = np.isfinite(v)
    w = np.where(have, pop[cols].to_numpy(float), 0.0)
    total_pop = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "crime":
            total = np.where(have, count[cols].to_numpy(float), 0.0).sum(axis=1)
            out_count = np.where(have.any(axis=1), total, np.nan)
            out_value = out_count / total_pop * 1e5
        else:
            out_count = np.full(len(years), np.nan)
            out_value = np.where(have, v * w, 0.0).sum(axis=1) / total_pop
    return pd.DataFrame({"group": group.id, "label": group.label, "year": np.asarray(years, dtype=int),
                         "count": out_count, "population": np.where(have.any(axis=1), total_pop, np.nan),
                         "value": np.where(have.any(axis=1), out_value, np.nan),
                         "n_kommuner": have.sum(axis=1).astype(int), "n_members": len(group.members)})


def selected_years(series: pd.DataFrame, start_year: int) -> list[int]:
    """The table's years: the first, the year before the löfte (when inside the data) and the latest."""
    years = sorted(int(y) for y in series["year"].unique())
    if not years:
        return []
    wanted = [years[0], start_year - 1, years[-1]]
    return sorted({y for y in wanted if years[0] <= y <= years[-1] and y in years})


def coverage_gaps(series: pd.DataFrame) -> list[tuple[str, int, int, int]]:
    """``(label, year, n_kommuner, n_members)`` for every group-year that lacks some kommuner."""
    gaps = series[series["n_kommuner"] < series["n_members"]]
    return [(str(r.label), int(r.year), int(r.n_kommuner), int(r.n_members)) for r in gaps.itertuples()]


def own_groups(kommuner: tuple[str, ...], names: dict[str, str] | None = None) -> list[Group]:
    """One group (id ``"own"``) per löfte kommun: the supplement of a löfte with several kommuner."""
    return [Group("own", (names or {}).get(k, k), (k,)) for k in kommuner]


def summary_rows(series: pd.DataFrame, years: list[int]) -> list[dict[str, Any]]:
    """One row per group: label and ``{year: (count, value)}`` for ``years`` (NaN where absent)."""
    out = []
    for label, sub in series.groupby("label", sort=False):
        by_year = sub.set_index("year")
        cells = {y: (float(by_year.loc[y, "count"]), float(by_year.loc[y, "value"])) if y in by_year.index
                 else (np.nan, np.nan) for y in years}
        out.append({"label": str(label), "group": str(sub["group"].iloc[0]), "cells": cells})
    return out


# -- the report section ---------------------------------------------------------------------
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
    """Change from the first to the latest year: percent for rates, units (pe) for survey values."""
    from .text import fmt_number

    if not (np.isfinite(first) and np.isfinite(last)):
        return "–"
    if crime:
        return (fmt_number(100 * (last / first - 1), lang=lang, digits=0, sign=True) + ("\u00a0%" if lang == "sv"
                else "%")) if first > 0 else "–"
    return fmt_number(last - first, lang=lang, digits=digits, sign=True)


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
    "en": {"heading": "Situation overview (lägesbild)", "count": "Count", "per100k": "Per 100,000",
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
                                                f"the löfte's {len(k.members)} kommuner")
    cmp_ = [ids["lan"].label] if "lan" in ids else []
    if "liknande" in ids:
        cmp_.append(f"{'liknande' if sv else 'similar'} kommuner ({ids['liknande'].detail})")
    if sv:
        text = (f"Lägesbilden visar hur varje indikator har utvecklats {first}–{last} i {who} jämfört med "
                + (", ".join(cmp_) + " och " if cmp_ else "") + "riket. Talen per 100\u00a0000 invånare går att jämföra mellan områden av "
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
        return text
    text = (f"The overview shows how each indicator developed {first}–{last} in {who} compared with "
            + (", ".join(cmp_) + " and " if cmp_ else "") + "Sweden as a whole. Rates per 100,000 inhabitants "
            "compare areas of different size; counts show how many reports are involved. The löfte period is "
            "shaded grey. ")
    text += ("The län covers all its kommuner, the löfte's included. " if "lan" in ids else
             "The län consists of the löfte's kommun alone and is therefore not shown separately. ")
    text += "Similar kommuner are the other kommuner of the same SKR kommungrupp."
    if len(k.members) > 1:
        text += (f" The löfte's kommuner ({member_names}) are combined: counts and populations "
                 "are summed; each kommun is also shown on its own in the table.")
    if survey:
        text += (" Survey indicators are shares in percent or indices, population-weighted means; they have no "
                 "counts.")
    return text




def _figure(series: pd.DataFrame, spec: Any, *, lang: str, period: tuple[int, int], synthetic: bool) -> str:
    """Rates (or survey values) of every group, one line each; the counts are in the table below."""
    from .. import plots
    from .build import figure_uri

    t = _TEXT[lang]
    title = (t["rate_title"] if spec.kind == "crime" else
             (t["share_title"] if spec.unit == "percent" else t["index_title"]))

    def draw(ax: Any) -> None:
        plots.plot_lagesbild(series, ax=ax, lang=lang, period=period, title=title)
        ax.legend(fontsize=7.2, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=1.8)
        if synthetic:  # under the legend, clear of the title
            ax.figure.text(0.99, 0.03, plots.synthetic_text(lang), ha="right", va="bottom", fontsize=7,
                           color=plots.COLOURS["synthetic"], style="italic")

    # the legend sits right of the axes: no rows under the plot, and the labels never collide
    return figure_uri(draw, size=(6.6, 2.1), dpi=100,
                      margins={"left": 0.08, "right": 0.72, "top": 0.88, "bottom": 0.12})


def _indicators(lofte: Any, panel: pd.DataFrame, lang: str) -> list[tuple[Any, str]]:
    """Every indicator of the löfte's focus areas that the panel has, once, with its focus areas."""
    from ..indicators import focus_area, indicators_for

    present = set(panel["indicator"].astype(str).unique())
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
    return [f"Some kommuner lack data in some years (e.g. {label} {year}: {have} of {of} kommuner"
            + (f"; {more} more area-years" if more else "") + "). Sums and means cover the kommuner with data."]


def _block(panel: pd.DataFrame, lofte: Any, spec: Any, areas: str, groups: list[Group], *, lang: str,
           synthetic: bool, names: dict[str, str]) -> LagesbildBlock:
    crime = spec.kind == "crime"
    kind = "crime" if crime else "survey"
    members = groups[0].members
    every = lagesbild_series(panel, spec.id, groups + (own_groups(members, names) if len(members) > 1 else []),
                             kind=kind)
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
                          change=change.format(first=years[0], last=years[-1]) if years else "")


def lagesbild_section(panel: pd.DataFrame, lofte: Any, *, lang: str = "sv",
                      synthetic: bool = False) -> LagesbildSection | None:
    """The report's lägesbild for ``lofte`` (None when the panel has none of its indicators)."""
    from ..errors import LofteevalError
    from ..harmonise.kommuner import kommuner as reference_frame

    ref = reference_frame()
    names = dict(zip(ref["kommun"].astype(str), ref["name"].astype(str)))
    groups = comparison_groups(tuple(lofte.kommuner), lang=lang, reference=ref)
    blocks, skipped = [], []
    for spec, areas in _indicators(lofte, panel, lang):
        try:
            blocks.append(_block(panel, lofte, spec, areas, groups, lang=lang, synthetic=synthetic, names=names))
        except LofteevalError as err:
            label = spec.label_sv if lang == "sv" else spec.label_en
            skipped.append(f"{label}: {str(err).split(';')[0]}")
    if not blocks and not skipped:
        return None
    years = sorted(int(y) for b in blocks for y in b.years) or [lofte.start_year]
    member_names = _names(groups[0].members, ref.set_index(ref["kommun"].astype(str)))
    intro = _intro(groups, years[0], years[-1], lang=lang,
                   survey=any(not b.crime for b in blocks),
                   member_names=member_names)
    return LagesbildSection(heading=_TEXT[lang]["heading"], intro=intro, blocks=blocks, skipped=skipped)
