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
           "own_groups", "summary_rows", "join_names", "lan_name", "SERIES_COLUMNS", "KOMMUNGRUPP_EN"]

GROUPS = ("kommun", "lan", "liknande", "riket")
SERIES_COLUMNS = ["group", "label", "year", "count", "population", "value", "n_kommuner", "n_members"]


KOMMUNGRUPP_EN = {  # SKR's kommungrupper 2023 in English (the reference holds the Swedish labels)
    "A1": "large cities", "A2": "commuter municipalities near a large city", "B3": "large towns",
    "B4": "commuter municipalities near a large town", "B5": "low-commuting municipalities near a large town",
    "C6": "small towns", "C7": "commuter municipalities near a small town", "C8": "rural municipalities",
    "C9": "rural municipalities with tourism"}


def lan_name(name: str, lang: str = "sv") -> str:
    """A län's name in ``lang``: ``"Västra Götalands län"`` stays in Swedish, in English it is
    ``"Västra Götaland County"`` (the genitive *s* of the Swedish name dropped)."""
    if lang == "sv" or not name.endswith(" län"):
        return name
    stem = name.removesuffix(" län")
    return (stem[:-1] if stem.endswith("s") else stem) + " County"


@dataclass(frozen=True)
class Group:
    """One comparison group: its id (one of :data:`GROUPS`), label and member kommun codes."""

    id: str
    label: str
    members: tuple[str, ...]
    detail: str = ""  # the kommungrupp(er) of the liknande group, for the text


def join_names(codes: tuple[str, ...], ref: pd.DataFrame, lang: str = "sv") -> str:
    names = [str(ref.loc[k, "name"]) if k in ref.index else k for k in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + (" och " if lang == "sv" else " and ") + names[-1]


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
    group_labels = [(str(ref.loc[ref["kommungrupp"] == g, "kommungrupp_label"].iloc[0]).lower() if sv
                     else KOMMUNGRUPP_EN.get(g, g)) for g in grps]
    out = [Group("kommun", join_names(codes, ref, lang) if len(codes) <= 2 else
                 (f"Löftets {len(codes)} kommuner" if sv else f"The promise's {len(codes)} municipalities"), codes)]
    if set(lan_members) != set(codes):
        out.append(Group("lan", lan_names([lan_name(str(ref.loc[ref["lan"] == x, "lan_name"].iloc[0]), lang)
                                    for x in lans]),
                         lan_members))
    if like:
        out.append(Group("liknande", "Liknande kommuner" if sv else "Similar municipalities", like,
                         detail=", ".join(group_labels)))
    out.append(Group("riket", "Riket" if sv else "Sweden", tuple(ref.index)))
    return out


def _wide(panel: pd.DataFrame, indicator: str, kind: str,
          pivots: Any = None) -> tuple[pd.Index, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Year × kommun frames of ``indicator``: count (crime), value and population, NaN where absent.

    A crime row without a count gets the count its rate implies (value × population / 100 000);
    a kommun-year counts as present when it has a value (and, for crime, a count).  The rows come
    from ``pivots`` (:class:`~lofteeval.design.pivots.PanelPivots` of ``panel``; built when None),
    and the population table is pivoted once per panel.
    """
    from ..design.pivots import PanelPivots

    shared = PanelPivots.of(panel, pivots)
    rows = shared.rows(indicator)
    if rows.empty:
        raise DataError(f"indicator {indicator!r} is not in the panel; a lägesbild needs its rows.")
    value = rows.pivot_table(index="year", columns="kommun", values="value", aggfunc="mean", dropna=False)
    pop = shared.memo("lagesbild_population", lambda: shared.rows("population").pivot_table(
        index="year", columns="kommun", values="value", aggfunc="mean")).reindex_like(value)
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
                     kind: str = "crime", pivots: Any = None) -> pd.DataFrame:
    """Yearly series of ``indicator`` for each group (columns :data:`SERIES_COLUMNS`).

    ``kind="crime"``: ``count`` is the summed count, ``population`` the summed population of the
    kommuner with data, ``value`` = count / population × 100 000.  Otherwise (survey): ``value`` is
    the population-weighted mean of the kommun values (``count`` NaN).  ``n_kommuner`` is how
    many of the group's ``n_members`` kommuner have data that year.  ``pivots``: the
    :class:`~lofteeval.design.pivots.PanelPivots` of ``panel`` to share (optional).

    Raises
    ------
    DataError
        The indicator is absent, or a population is missing where the aggregate needs it.
    """
    years, count, value, pop = _wide(panel, indicator, kind, pivots)
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
