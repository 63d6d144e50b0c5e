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

import pandas as pd

from . import comparison as _cmp
from ..formatting import span as _span
from ..registry.cache import cached_registry
from .comparison import FIT_CUTOFF, MIN_POOL
from .pivots import PanelPivots, object_text
from .._types import check_int, check_literal
from ..errors import DesignError

__all__ = ["Design", "make_design", "select_comparison", "ComparisonRule", "MIN_PRE_YEARS", "MIN_POOL",
           "FIT_CUTOFF", "SIZE_FACTOR"]

ComparisonRule = Literal["auto", "kommungrupp", "size", "all"]
MIN_PRE_YEARS = 2
SIZE_FACTOR = 3.0


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
        ``kommun, name, kommungrupp, kommungrupp_label, same_group, lan, population, size_ratio,
        pre_rmspe, pre_corr, fit_rank, requested, reason, reason_sv``: why each was chosen, as data
        (same kommungrupp as a treated kommun, population over the treated mean, rank of the pre-period
        fit, named by the user) and in English and plain Swedish sentences.
    excluded : pandas.DataFrame
        ``kommun, name, reason, reason_sv`` for every kommun left out of the pool.
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
    exclude: dict[str, Any] | None = None,
    registry: dict[str, Any] | None = None,
    pivots: PanelPivots | None = None,
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
        ``{code: reason}`` or ``{code: (reason_en, reason_sv)}`` of kommuner to leave out of the
        comparison pool.
    registry : dict, optional
        ``{id: Lofte}`` used for contamination (default: :func:`lofteeval.registry.load_registry`).
    pivots : PanelPivots, optional
        The panel pivoted once (:mod:`lofteeval.design.pivots`), shared by the designs of a loop;
        it must have been built from ``panel``.

    Returns
    -------
    Design

    Raises
    ------
    DesignError
        The indicator is absent for a treated kommun, there are too few pre years or no post years,
        or no comparison kommun is left.
    """
    from ..indicators import indicator as get_indicator

    lf = _load_lofte(lofte)
    if getattr(lf, "kind", "lofte") != "lofte":
        raise DesignError(f"{lf.id!r} is a {lf.kind!r}, not a löfte; only löften are evaluated. "
                          "Pick a löfte id from list_loften(kind='lofte').")
    check_int(pre_years, "pre_years", optional=True)
    check_int(post_years, "post_years", optional=True)
    spec = get_indicator(indicator)
    if isinstance(comparison, str):
        check_literal(comparison, ComparisonRule, "comparison")
    shared = PanelPivots.of(panel, pivots)
    wide = shared.wide(indicator)
    treated_codes = tuple(str(k) for k in (treated if treated is not None else lf.kommuner))
    pre, post = _periods(wide, treated_codes, lf, indicator, pre_years, post_years)
    window = pre + post
    ref = shared.memo(("reference", pre), lambda: _cmp.ref_maps(object_text(_cmp.reference(panel, pre))))
    excluded: list[_cmp.Why] = []
    cand = [k for k in wide.index if k not in treated_codes]
    cand = _cmp.drop_with(cand, _cmp.user_reasons(exclude), excluded)
    cand = _cmp.drop_incomplete(wide, cand, window, excluded)
    cand = _cmp.drop_contaminated(cand, lf, spec, window, registry, excluded, _rivals(shared, registry, spec))
    if exclude_neighbours:
        cand = _cmp.drop_neighbours(cand, treated_codes, ref, excluded)
    if same_lan:
        cand = _cmp.drop_other_lan(cand, treated_codes, ref, excluded)
    fit = _cmp.pre_fit(wide, treated_codes, cand, pre, log_scale=spec.kind == "crime")
    pool, notes = _cmp.choose(cand, treated_codes, ref, fit, comparison, n_comparison, size_factor, excluded)
    if not pool:
        raise DesignError(
            f"no comparison kommuner left for {', '.join(treated_codes)} on {indicator!r} after "
            f"exclusions ({len(excluded)} excluded: {_cmp.reason_counts(excluded)}). Pass comparison='all', "
            "same_lan=False or exclude_neighbours=False.")
    focus = tuple(fa for fa in lf.focus_areas if fa in spec.focus_areas)
    opts = dict(pre_years=pre_years, post_years=post_years, same_lan=same_lan,
                exclude_neighbours=exclude_neighbours, n_comparison=n_comparison, size_factor=size_factor,
                comparison=comparison if isinstance(comparison, str) else "explicit")
    return Design(lofte_id=lf.id, indicator=indicator, treated=treated_codes,
                  treatment_start=lf.start_year, pre_period=pre, post_period=post,
                  comparison=_cmp.comparison_frame(pool, ref, fit, treated_codes, comparison),
                  excluded=_cmp.excluded_frame(excluded, ref), focus_areas=focus, notes=tuple(notes),
                  options=opts)


def _rivals(shared: PanelPivots, registry: dict[str, Any] | None, spec: Any) -> list[_cmp.Rival]:
    """:func:`comparison.rivals` for ``spec``'s focus areas, memoised for the same registry entries.

    The registry is a new dict on every call (``cached_registry``) but holds the same (frozen)
    entries while its files are unchanged: the memo is reused only when every entry is the same object.
    """
    reg = cached_registry() if registry is None else registry
    areas = tuple(spec.focus_areas)
    entries = tuple(reg.values())
    held, found = shared.memo(("rivals", tuple(reg), areas), lambda: (entries, _cmp.rivals(reg, areas)))
    if len(held) == len(entries) and all(a is b for a, b in zip(held, entries)):
        return found
    return _cmp.rivals(reg, areas)


def select_comparison(panel: pd.DataFrame, lofte: Any, indicator: str, **kwargs: Any) -> pd.DataFrame:
    """The comparison kommuner (with reasons) that :func:`make_design` would choose."""
    return make_design(panel, lofte, indicator, **kwargs).comparison


def _load_lofte(lofte: Any) -> Any:
    """A registry id via the cached registry (unknown ids fall through to ``load_lofte``'s error)."""
    from ..registry import load_lofte

    if isinstance(lofte, str):
        found = cached_registry().get(lofte)
        if found is not None:
            return found
    return load_lofte(lofte)


# ------------------------------------------------------------------------------------------------
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
