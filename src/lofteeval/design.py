"""Design: who is treated, from when, over which years, compared with whom — and why.

:func:`make_design` turns a löfte, an indicator and a tidy panel into a frozen :class:`Design`:

- **treated**: the löfte's kommuner (or ``treated=`` for displacement analyses);
- **periods**: ``treatment_start`` is the löfte's start year; the post period is the löfte's years
  present in the data (or ``post_years`` years from the start); the pre period is every earlier year
  with data (or the last ``pre_years`` of them).  Later years are outside the window;
- **comparison pool** (``comparison="auto"``): kommuner with complete data in the window, in the
  treated kommuner's SKR kommungrupp, with a population within ``size_factor`` of theirs, ranked by
  pre-period fit (RMSPE of demeaned series: log rates for crime, values for surveys); kommuner whose
  fit is worse than ``2 x`` the pool median are dropped, or only the best ``n_comparison`` kept.  When
  fewer than ``MIN_POOL`` remain, the size and then the kommungrupp rule are relaxed (recorded in
  ``notes``);
- **exclusions**, each with its reason: kommuner with their own löfte (registry) in a focus area this
  indicator measures during the window (contamination), optionally neighbours (spillover,
  ``exclude_neighbours``) and other län (``same_lan``), and kommuner with missing data.

Identifying assumptions the comparison serves: without the löfte the treated kommuner would have
moved like the comparison kommuner (parallel trends / a good synthetic match), nothing happened to
them at the same time, and the comparison kommuner were untouched by the löfte.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._types import check_literal
from .errors import DesignError

__all__ = ["Design", "make_design", "select_comparison", "ComparisonRule", "MIN_PRE_YEARS", "MIN_POOL"]

ComparisonRule = Literal["auto", "kommungrupp", "size", "all"]
MIN_PRE_YEARS = 2
MIN_POOL = 19  # a permutation or placebo rank p-value reaches 0.05 only with >= 19 comparison units
SIZE_FACTOR = 3.0
FIT_CUTOFF = 2.0

_COMPARISON_COLUMNS = ["kommun", "name", "kommungrupp", "lan", "population", "pre_rmspe", "pre_corr",
                       "fit_rank", "reason"]


@dataclass(frozen=True, eq=False)
class Design:
    """A design for one löfte and one indicator (built by :func:`make_design`).

    Attributes
    ----------
    lofte_id, indicator : str
        What is evaluated.
    treated : tuple of str
        Treated kommun codes.
    treatment_start : int
        First treated year.
    pre_period, post_period : tuple of int
        Years used before and from the start.
    comparison : pandas.DataFrame
        ``kommun, name, kommungrupp, lan, population, pre_rmspe, pre_corr, fit_rank, reason``.
    excluded : pandas.DataFrame
        ``kommun, name, reason`` for every kommun left out of the pool.
    focus_areas : tuple of str
        The löfte's focus areas this indicator measures.
    notes : tuple of str
        How the pool was built (relaxed rules, cut-offs).
    """

    lofte_id: str
    indicator: str
    treated: tuple[str, ...]
    treatment_start: int
    pre_period: tuple[int, ...]
    post_period: tuple[int, ...]
    comparison: pd.DataFrame
    excluded: pd.DataFrame
    focus_areas: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def comparison_units(self) -> tuple[str, ...]:
        """Codes of the comparison kommuner."""
        return tuple(self.comparison["kommun"])

    @property
    def years(self) -> tuple[int, ...]:
        """Every year in the window (pre then post)."""
        return self.pre_period + self.post_period

    def summary(self) -> str:
        """Plain-text description of the design (never prints)."""
        lines = [
            f"design for {self.lofte_id} · {self.indicator}",
            f"  treated     {', '.join(self.treated)} from {self.treatment_start}",
            f"  pre period  {_span(self.pre_period)} ({len(self.pre_period)} years)",
            f"  post period {_span(self.post_period)} ({len(self.post_period)} years)",
            f"  comparison  {len(self.comparison)} kommuner; excluded {len(self.excluded)}",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _span(years: tuple[int, ...]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "none")


# ------------------------------------------------------------------------------------------------
def make_design(
    panel: pd.DataFrame,
    lofte: Any,
    indicator: str,
    *,
    pre_years: int | None = None,
    post_years: int | None = None,
    comparison: ComparisonRule | Iterable[str] = "auto",
    same_lan: bool = False,
    exclude_neighbours: bool = False,
    n_comparison: int | None = None,
    size_factor: float = SIZE_FACTOR,
    treated: Iterable[str] | None = None,
    exclude: dict[str, str] | None = None,
    registry: dict[str, Any] | None = None,
) -> Design:
    """Build the design for ``lofte`` and ``indicator`` on a tidy ``panel``.

    Parameters
    ----------
    panel : pandas.DataFrame
        Tidy panel (``kommun, year, indicator, value, ...``; see ``docs/architecture.md``).
    lofte : str or Lofte
        Registry id or a :class:`lofteeval.registry.Lofte`.
    indicator : str
        Indicator id from :mod:`lofteeval.indicators`.
    pre_years : int, optional
        Use only the last ``pre_years`` years before the start (default: every earlier year).
    post_years : int, optional
        Post period length from the start (default: the löfte's own years in the data).
    comparison : {"auto", "kommungrupp", "size", "all"} or list of codes
        Pool rule (see the module docstring) or explicit comparison kommuner.
    same_lan : bool
        Keep only comparison kommuner in the treated kommuner's län.
    exclude_neighbours : bool
        Leave out kommuner bordering a treated kommun (spillover), incl. bridge/ferry links.
    n_comparison : int, optional
        Keep only the best-fitting ``n_comparison`` kommuner.
    size_factor : float
        Population band for "similar size" (treated population / f .. x f).
    treated : list of codes, optional
        Override the treated kommuner (used by :func:`lofteeval.evaluation.displacement`).
    exclude : dict, optional
        ``{code: reason}`` of kommuner to leave out of the comparison pool.
    registry : dict, optional
        ``{id: Lofte}`` used for contamination (default: :func:`lofteeval.registry.load_registry`).

    Returns
    -------
    Design

    Raises
    ------
    DesignError
        The indicator is absent for a treated kommun, there are too few pre years or no post years,
        or no comparison kommun is left.
    """
    from .indicators import indicator as get_indicator
    from .registry import load_lofte

    lf = load_lofte(lofte)
    if getattr(lf, "kind", "lofte") != "lofte":
        raise DesignError(f"{lf.id!r} is a {lf.kind!r}, not a löfte; only löften are evaluated. "
                          "Pick a löfte id from list_loften(kind='lofte').")
    spec = get_indicator(indicator)
    if isinstance(comparison, str):
        check_literal(comparison, ComparisonRule, "comparison")
    wide = _indicator_wide(panel, indicator)
    treated_codes = tuple(str(k) for k in (treated if treated is not None else lf.kommuner))
    pre, post = _periods(wide, treated_codes, lf, indicator, pre_years, post_years)
    window = pre + post
    ref = _reference(panel, pre)
    excluded: list[tuple[str, str]] = []
    cand = [k for k in wide.index if k not in treated_codes]
    cand = _drop_with(cand, dict(exclude or {}), excluded)
    cand = _drop_incomplete(wide, cand, window, excluded)
    cand = _drop_contaminated(cand, lf, spec, window, registry, excluded)
    if exclude_neighbours:
        cand = _drop_neighbours(cand, treated_codes, excluded)
    if same_lan:
        lans = set(ref.loc[list(treated_codes), "lan"])
        cand = _drop(cand, lambda k: ref.at[k, "lan"] not in lans, "other län (same_lan=True)", excluded)
    fit = _pre_fit(wide, treated_codes, cand, pre, log_scale=spec.kind == "crime")
    pool, notes = _choose(cand, treated_codes, ref, fit, comparison, n_comparison, size_factor, excluded)
    if not pool:
        raise DesignError(
            f"no comparison kommuner left for {', '.join(treated_codes)} on {indicator!r} after "
            f"exclusions ({len(excluded)} excluded: {_reason_counts(excluded)}). Pass comparison='all', "
            "same_lan=False or exclude_neighbours=False.")
    comp = _comparison_frame(pool, ref, fit, treated_codes, comparison)
    focus = tuple(fa for fa in lf.focus_areas if fa in spec.focus_areas)
    opts = dict(pre_years=pre_years, post_years=post_years, same_lan=same_lan,
                exclude_neighbours=exclude_neighbours, n_comparison=n_comparison, size_factor=size_factor,
                comparison=comparison if isinstance(comparison, str) else "explicit")
    return Design(lofte_id=lf.id, indicator=indicator, treated=treated_codes,
                  treatment_start=lf.start_year, pre_period=pre, post_period=post, comparison=comp,
                  excluded=_excluded_frame(excluded, ref), focus_areas=focus, notes=tuple(notes),
                  options=opts)


def select_comparison(panel: pd.DataFrame, lofte: Any, indicator: str, **kwargs: Any) -> pd.DataFrame:
    """The comparison kommuner (with reasons) that :func:`make_design` would choose."""
    return make_design(panel, lofte, indicator, **kwargs).comparison


# ------------------------------------------------------------------------------------------------
def _indicator_wide(panel: pd.DataFrame, indicator: str) -> pd.DataFrame:
    missing = {"kommun", "year", "indicator", "value"} - set(panel.columns)
    if missing:
        raise DesignError(f"panel must have the tidy columns kommun, year, indicator, value (missing "
                          f"{sorted(missing)}); build it with build_panel() or datasets.demo_panel().")
    rows = panel[panel["indicator"] == indicator]
    if rows.empty:
        have = sorted(panel["indicator"].dropna().unique())
        raise DesignError(f"indicator {indicator!r} is not in the panel (it has {have}); add its source "
                          "or pick another indicator.")
    rows = rows.assign(kommun=rows["kommun"].astype(str), year=rows["year"].astype(int))
    return rows.pivot_table(index="kommun", columns="year", values="value", aggfunc="mean")


def _periods(wide: pd.DataFrame, treated: tuple[str, ...], lf: Any, indicator: str,
             pre_years: int | None, post_years: int | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    absent = [k for k in treated if k not in wide.index or wide.loc[k].isna().all()]
    if absent:
        raise DesignError(f"indicator {indicator!r} has no values for treated kommun(er) {absent}; "
                          "the panel must cover every treated kommun. Pick an indicator they report.")
    have = wide.loc[list(treated)].notna().all(axis=0)
    years = sorted(int(y) for y in have.index[have.to_numpy()])
    start = lf.start_year
    wanted_post = (range(start, start + post_years) if post_years is not None else lf.years)
    post = tuple(y for y in years if y in set(wanted_post))
    if not post:
        raise DesignError(f"no post-period data for {', '.join(treated)} on {indicator!r}: the löfte "
                          f"covers {list(wanted_post)} but the data have {_span(tuple(years))}. "
                          "Use a newer panel or pass post_years=.")
    pre = tuple(y for y in years if y < start)
    if pre_years is not None:
        if len(pre) < pre_years:
            raise DesignError(f"pre_years={pre_years} but only {len(pre)} pre-period years "
                              f"({_span(pre)}) have data for {', '.join(treated)}; pass a smaller pre_years.")
        pre = pre[-pre_years:]
    if len(pre) < MIN_PRE_YEARS:
        raise DesignError(
            f"kommun {', '.join(treated)} has {len(pre)} pre-period years ({_span(pre)}) for "
            f"{indicator!r}; every design needs >= {MIN_PRE_YEARS}. Use a panel that starts earlier.")
    return pre, post


def _reference(panel: pd.DataFrame, pre: tuple[int, ...]) -> pd.DataFrame:
    from .harmonise.kommuner import kommuner

    ref = kommuner()[["kommun", "name", "lan", "kommungrupp"]].copy()
    ref["kommun"] = ref["kommun"].astype(str)
    ref = ref.set_index("kommun")
    pop = panel[(panel["indicator"] == "population") & panel["year"].isin(pre)]
    if pop.empty:
        from .harmonise.kommuner import population

        pop = population(years=pre)
    size = pop.assign(kommun=pop["kommun"].astype(str)).groupby("kommun")["value"].mean()
    ref["population"] = size.reindex(ref.index)
    return ref


def _drop(cand: list[str], test: Any, reason: str, excluded: list[tuple[str, str]]) -> list[str]:
    keep = []
    for k in cand:
        if test(k):
            excluded.append((k, reason))
        else:
            keep.append(k)
    return keep


def _drop_incomplete(wide: pd.DataFrame, cand: list[str], window: tuple[int, ...],
                     excluded: list[tuple[str, str]]) -> list[str]:
    sub = wide.reindex(index=cand, columns=list(window))
    n_missing = sub.isna().sum(axis=1)
    return _drop(cand, lambda k: n_missing[k] > 0,
                 f"missing values in the window {_span(window)}", excluded)


def _drop_contaminated(cand: list[str], lf: Any, spec: Any, window: tuple[int, ...],
                       registry: dict[str, Any] | None, excluded: list[tuple[str, str]]) -> list[str]:
    from .registry import load_registry

    reg = load_registry() if registry is None else registry
    areas = set(spec.focus_areas)
    hits: dict[str, str] = {}
    for other in reg.values():
        if other.id == lf.id or getattr(other, "kind", "lofte") != "lofte":
            continue
        shared = sorted(areas & set(other.focus_areas))
        overlap = other.start_year <= window[-1] and other.end_year >= window[0]
        if shared and overlap:
            for k in other.kommuner:
                hits.setdefault(str(k), f"own löfte {other.id!r} ({_span(other.years)}) in focus area "
                                        f"{', '.join(shared)} during the window (contamination)")
    return _drop_with(cand, hits, excluded)


def _drop_with(cand: list[str], reasons: dict[str, str], excluded: list[tuple[str, str]]) -> list[str]:
    excluded.extend((k, reasons[k]) for k in cand if k in reasons)
    return [k for k in cand if k not in reasons]


def _drop_neighbours(cand: list[str], treated: tuple[str, ...], excluded: list[tuple[str, str]]) -> list[str]:
    from .harmonise.kommuner import neighbours

    reasons: dict[str, str] = {}
    for t in treated:
        for k in neighbours(t, include_links=True):
            reasons.setdefault(k, f"neighbour of {t} (possible spillover; exclude_neighbours=True)")
    return _drop_with(cand, reasons, excluded)


def _pre_fit(wide: pd.DataFrame, treated: tuple[str, ...], cand: list[str], pre: tuple[int, ...], *,
             log_scale: bool) -> pd.DataFrame:
    """RMSPE and correlation of each candidate's demeaned pre-period series with the treated mean."""
    sub = wide.reindex(columns=list(pre))
    if log_scale:
        sub = np.log(sub.clip(lower=0) + 1.0)
    target = sub.loc[list(treated)].mean(axis=0).to_numpy()
    x = sub.reindex(cand).to_numpy(float)
    xd = x - x.mean(axis=1, keepdims=True)
    td = target - target.mean()
    rmspe = np.sqrt(np.mean((xd - td) ** 2, axis=1)) if cand else np.array([])
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (xd @ td) / (np.linalg.norm(xd, axis=1) * np.linalg.norm(td))
    out = pd.DataFrame({"pre_rmspe": rmspe, "pre_corr": corr}, index=pd.Index(cand, name="kommun"))
    out["fit_rank"] = out["pre_rmspe"].rank(method="first").astype("Int64")
    return out


def _choose(cand: list[str], treated: tuple[str, ...], ref: pd.DataFrame, fit: pd.DataFrame,
            comparison: Any, n_comparison: int | None, size_factor: float,
            excluded: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    if not isinstance(comparison, str):
        chosen = [str(k) for k in comparison]
        unknown = [k for k in chosen if k not in cand]
        if unknown:
            notes.append(f"requested comparison kommuner not usable (excluded or missing): {unknown}")
        pool = [k for k in cand if k in set(chosen)]
        excluded.extend((k, "not in the requested comparison list") for k in cand if k not in set(chosen))
        return pool, notes
    groups = set(ref.loc[list(treated), "kommungrupp"])
    pops = ref.loc[list(treated), "population"]
    lo, hi = pops.min() / size_factor, pops.max() * size_factor
    in_group = {k for k in cand if ref.at[k, "kommungrupp"] in groups}
    in_size = {k for k in cand if lo <= ref.at[k, "population"] <= hi}
    options = {"all": [(set(cand), "")], "kommungrupp": [(in_group, "g")], "size": [(in_size, "s")],
               "auto": [(in_group & in_size, "gs"), (in_size, "s"), (in_group, "g"), (set(cand), "")]}
    labels = {"gs": "kommungrupp and size", "s": "size only", "g": "kommungrupp only", "": "all kommuner"}
    for i, (pool_set, used) in enumerate(options[comparison]):
        if comparison != "auto" or len(pool_set) >= MIN_POOL:
            break
    if comparison == "auto" and i > 0:
        notes.append(f"fewer than {MIN_POOL} kommuner matched kommungrupp and size; rule relaxed to "
                     f"{labels[used]}")
    for k in cand:
        if k in pool_set:
            continue
        why = []
        if "g" in used and k not in in_group:
            why.append(f"other kommungrupp ({ref.at[k, 'kommungrupp']})")
        if "s" in used and k not in in_size:
            why.append(f"population {ref.at[k, 'population']:,.0f} outside {lo:,.0f}-{hi:,.0f}")
        excluded.append((k, "; ".join(why)))
    pool = sorted(pool_set, key=lambda k: fit.at[k, "pre_rmspe"])
    return _trim_by_fit(pool, fit, n_comparison, notes, excluded), notes


def _trim_by_fit(pool: list[str], fit: pd.DataFrame, n_comparison: int | None, notes: list[str],
                 excluded: list[tuple[str, str]]) -> list[str]:
    if n_comparison is not None:
        if n_comparison < 1:
            raise DesignError(f"n_comparison must be >= 1 (got {n_comparison}).")
        excluded.extend((k, f"pre-period fit rank beyond n_comparison={n_comparison}") for k in pool[n_comparison:])
        return pool[:n_comparison]
    if len(pool) <= MIN_POOL:
        return pool
    med = float(fit.loc[pool, "pre_rmspe"].median())
    good = [k for k in pool if fit.at[k, "pre_rmspe"] <= FIT_CUTOFF * med]
    if len(good) < MIN_POOL:
        good = pool[:MIN_POOL]
    for k in pool:
        if k not in good:
            excluded.append((k, f"poor pre-period fit (RMSPE {fit.at[k, 'pre_rmspe']:.3g} > "
                                f"{FIT_CUTOFF:g} x pool median {med:.3g})"))
    if len(good) < len(pool):
        notes.append(f"{len(pool) - len(good)} kommuner dropped for pre-period RMSPE > {FIT_CUTOFF:g} x median")
    return good


def _comparison_frame(pool: list[str], ref: pd.DataFrame, fit: pd.DataFrame, treated: tuple[str, ...],
                      comparison: Any) -> pd.DataFrame:
    groups = set(ref.loc[list(treated), "kommungrupp"])
    tpop = float(ref.loc[list(treated), "population"].mean())
    fit = fit.loc[pool].assign(fit_rank=lambda f: f["pre_rmspe"].rank(method="first").astype("Int64"))
    rows = []
    for k in pool:
        bits = ["requested"] if not isinstance(comparison, str) else []
        g = ref.at[k, "kommungrupp"]
        bits.append(f"same kommungrupp {g}" if g in groups else f"kommungrupp {g}")
        bits.append(f"population {ref.at[k, 'population'] / tpop:.2g} x treated")
        bits.append(f"pre-period RMSPE rank {int(fit.at[k, 'fit_rank'])}")
        rows.append({"kommun": k, "name": ref.at[k, "name"], "kommungrupp": g, "lan": ref.at[k, "lan"],
                     "population": ref.at[k, "population"], "pre_rmspe": fit.at[k, "pre_rmspe"],
                     "pre_corr": fit.at[k, "pre_corr"], "fit_rank": fit.at[k, "fit_rank"],
                     "reason": "; ".join(bits)})
    return pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)


def _excluded_frame(excluded: list[tuple[str, str]], ref: pd.DataFrame) -> pd.DataFrame:
    names = ref["name"].to_dict()
    rows = [{"kommun": k, "name": names.get(k, ""), "reason": r} for k, r in excluded]
    return pd.DataFrame(rows, columns=["kommun", "name", "reason"])


def _reason_counts(excluded: list[tuple[str, str]]) -> str:
    counts: dict[str, int] = {}
    for _, r in excluded:
        key = r.split(" (")[0].split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{v} {k}" for k, v in counts.items()) or "none"
