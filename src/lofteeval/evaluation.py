"""Evaluation: registry + panel → design → estimator → :class:`~lofteeval.results.EffectResult`.

- :func:`evaluate` — one löfte, one indicator, one design (``method="auto"`` chooses and says why);
- :func:`evaluate_focus_area` — every indicator of a focus area, p-values BH-adjusted;
- :func:`evaluate_lofte` — every measurable focus area of a löfte, BH across all its indicators;
- :func:`displacement` — the same design on the treated kommuner's neighbours (did the problem move
  next door?).

Each result carries its identity (löfte, kommun, indicator), the comparison kommuner with reasons,
the design's periods and notes in ``diagnostics``, and caveats: enforcement-driven or ambiguous
indicators, and — for the demo panel — *Syntetiska data – endast för demonstration*.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._types import check_int, check_level
from .design import Design, make_design
from .design.make import _load_lofte
from .design.pivots import PanelPivots
from .registry.cache import cached_registry
from .estimators.registry import REGISTRY, auto_candidates, design_spec
from .errors import (SYNTHETIC_DATA, Caveat, DataError, DesignError, DesignWarning, EnforcementDrivenWarning,
                     caveat)

__all__ = ["evaluate", "evaluate_areas", "Evaluated", "evaluate_focus_area", "evaluate_lofte", "evaluate_staggered", "displacement", "choose_method", "choose_design",
           "estimator_frame", "treated_handling", "MethodOrAuto", "ESTIMATOR_NAMES"]

MethodOrAuto = Literal["auto", "before_after", "its", "did", "synth", "sdid", "staggered"]
ESTIMATOR_NAMES: dict[str, str] = {m: spec.function for m, spec in REGISTRY.items()}
MIN_SYNTH_DONORS = REGISTRY["synth"].min_pool
MIN_SYNTH_PRE = REGISTRY["synth"].auto_min_pre
MIN_DID_COMPARISON = REGISTRY["did"].min_pool
SYNTHETIC_NOTE = Caveat(SYNTHETIC_DATA, "Syntetiska data – endast för demonstration (synthetic demo panel)")


# ------------------------------------------------------------------------------------------------
def evaluate(panel: pd.DataFrame, lofte: Any, indicator: str, *, method: MethodOrAuto = "auto",
             level: float = 0.95, design: Design | None = None, through: int | None = None,
             pivots: PanelPivots | None = None, **design_kwargs: Any) -> Any:
    """Estimate the effect of ``lofte`` on ``indicator`` with one design.

    Parameters
    ----------
    panel : pandas.DataFrame
        Tidy panel (``docs/architecture.md``); crime indicators need ``n`` (counts) and the
        ``population`` indicator for count models, else their rates are used.
    lofte : str or Lofte
        Registry id or a :class:`lofteeval.registry.Lofte`.
    indicator : str
        Indicator id.
    method : {"auto", "before_after", "its", "did", "synth", "sdid", "staggered"}
        ``"auto"``: the eligible designs are synthetic control (one treated kommun on a crime
        indicator with at least 20 comparison kommuner, so that a placebo rank p-value can fall
        below 0.05, and 5 pre years) and DiD (at least 5 comparison kommuner); when both are,
        the one with the smaller MDE in a placebo fit on the pre-period alone is chosen
        (:mod:`lofteeval.estimators._auto`: no post-period value is read); with neither,
        before/after.  The choice and why is in ``diagnostics["method_reason"]`` (Swedish:
        ``method_reason_sv``), the criterion's numbers in ``diagnostics["method_choice"]``.
    level : float
        Confidence level.
    design : Design, optional
        A prebuilt design (else :func:`lofteeval.design.make_design` with ``design_kwargs``).
    through : int, optional
        Follow the löfte up to this year (inclusive): the post period runs from the start to
        ``through`` (``post_years = through - start_year + 1``), so years after the löfte are
        included.  Default: the löfte's own years.
    **design_kwargs
        Passed to :func:`~lofteeval.design.make_design` (``pre_years``, ``comparison``, ...).

    Returns
    -------
    EffectResult
        With ``lofte_id``, ``kommun`` (codes joined by ``","``), ``indicator`` and ``comparison``.
        With several treated kommuner, ``diagnostics["treated_handling"]`` (and ``_sv``) says how the
        design combines them (DiD: one joint treatment; synthetic control / SDID: their averaged
        series; ITS, before/after: pooled counts) and ``method_reason`` repeats it.

    Raises
    ------
    DesignError
        The design cannot be built, or the requested estimator is unavailable or unsuited.
    """
    from .indicators import indicator as get_indicator

    check_level(level)
    check_int(through, "through", minimum=1000, optional=True)
    if method != "auto":
        if method not in REGISTRY:
            raise DataError(f"'method' must be one of {('auto', *REGISTRY)} (got {method!r}).")
    lf = _load_lofte(lofte)
    spec = get_indicator(indicator)
    if through is not None:
        design_kwargs["post_years"] = _post_years_through(lf, through)
    shared = PanelPivots.of(panel, pivots)
    d = design if design is not None else make_design(panel, lf, indicator, pivots=shared, **design_kwargs)
    base = _design_frame(panel, d, pivots=shared)
    chosen, reason, choice = choose_design(panel, d, spec, method, level=level, frame=base)
    frame, cols = _with_roles(base, spec, chosen)
    result = _run(chosen, frame, d, cols, level)
    out = _finish(result, shared.synthetic, lf, spec, d, chosen, reason, cols)
    return out.replace(diagnostics={**out.diagnostics, **choice}) if choice else out


def _post_years_through(lf: Any, through: int) -> int:
    """``post_years`` for a follow-up through ``through`` (at least the löfte's own years)."""
    if int(through) < lf.start_year:
        raise DesignError(f"through={through} is before the löfte {lf.id} starts ({lf.start_year}); "
                          f"pass a year from {lf.start_year} on (e.g. {lf.end_year}).")
    return int(through) - lf.start_year + 1


def choose_method(design: Design, spec: Any, method: str = "auto") -> tuple[str, str]:
    """Return ``(method, reason)`` for ``design``; explicit methods pass through with their reason.

    ``"auto"`` reads the registry: the eligible design (:meth:`DesignSpec.auto_refusal`) with the
    lowest ``DesignSpec.auto``; the reason names the designs passed over and why.
    """
    if method != "auto":
        return method, f"requested method={method!r}"
    n_pool, n_pre = len(design.comparison), len(design.pre_period)
    passed_over: list[str] = []
    for cand in sorted((s for s in REGISTRY.values() if s.auto is not None), key=lambda s: s.auto or 0):
        why_not = cand.auto_refusal(n_treated=len(design.treated), kind=spec.kind, n_pool=n_pool, n_pre=n_pre)
        if why_not is None and not _available(cand.method):
            why_not = "not available"
        if why_not is None:
            return cand.method, "; ".join([*passed_over, f"{cand.auto_grounds(n_pool=n_pool, n_pre=n_pre)}: "
                                                        f"{cand.label}"])
        passed_over.append(f"not {cand.label}: {why_not}")
    raise DesignError("no design is eligible for method='auto' (" + "; ".join(passed_over) + ").")


def choose_design(panel: pd.DataFrame, design: Design, spec: Any, method: str = "auto", *,
                  level: float = 0.95, frame: pd.DataFrame | None = None) -> tuple[str, str, dict[str, Any]]:
    """:func:`choose_method`, then, for ``"auto"`` with several eligible designs that have a
    comparison group, the pre-period rule (:func:`lofteeval.estimators._auto.choose_by_pre_period`).

    Returns ``(method, reason, diagnostics)``; the diagnostics (``method_choice`` with the
    criterion, the placebo start and each design's pre-period MDE, and ``method_reason_sv``) are
    empty when no rule beyond eligibility was needed.  ``frame``: the design's long frame when
    the caller has it already.
    """
    from .estimators._auto import CRITERION, choose_by_pre_period

    chosen, reason = choose_method(design, spec, method)
    if method != "auto":
        return chosen, reason, {}
    n_pool, n_pre = len(design.comparison), len(design.pre_period)
    eligible, passed_over = auto_candidates(n_treated=len(design.treated), kind=spec.kind, n_pool=n_pool,
                                            n_pre=n_pre)
    rivals = [s for s in eligible if s.pool is not None and _available(s.method)]
    if len(rivals) < 2:
        return chosen, reason, {}
    base = _design_frame(panel, design) if frame is None else frame
    arguments, frames = {}, {}
    for s in rivals:
        frames[s.method], cols = _with_roles(base, spec, s.method)
        arguments[s.method] = s.arguments(outcome=cols["outcome"] or "value", treated=design.treated,
                                          treatment_start=design.treatment_start, pool=design.comparison_units,
                                          level=level, exposure=cols["exposure"], n=cols["n"])
    pick = choose_by_pre_period(rivals, frames, pre_period=design.pre_period, n_post=len(design.post_period),
                                arguments=arguments)
    grounds = "; ".join(f"{s.label} eligible ({s.auto_grounds(n_pool=n_pool, n_pre=n_pre)})" for s in rivals)
    reason = "; ".join([*passed_over, grounds, pick.reason])
    return pick.method, reason, {
        "method_reason_sv": pick.reason_sv,
        "method_choice": {"criterion": CRITERION, "placebo_start": pick.placebo_start,
                          "relative_mde": dict(pick.scores), "chosen": pick.method},
    }


def _available(method: str) -> bool:
    try:
        REGISTRY[method].estimator()
    except (ImportError, AttributeError, KeyError):
        return False
    return True


def estimator_frame(panel: pd.DataFrame, design: Design, spec: Any, method: str, *,
                    pivots: PanelPivots | None = None) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """Pivot the tidy panel into the estimators' long frame for ``design``.

    Returns the frame (``kommun, year, value, count, population, n, cohort``) restricted to the
    treated and comparison kommuner and the design's years, and the column roles
    (``outcome``, ``exposure``, ``n``) for ``method``: count + population exposure for crime
    indicators in every design that takes counts with an exposure, the value (rate, share or
    index) otherwise.  Rows come from ``pivots`` (the panel split once by indicator) when given.
    """
    return _with_roles(_design_frame(panel, design, pivots=pivots), spec, method)


def _design_frame(panel: pd.DataFrame, design: Design, *, pivots: PanelPivots | None = None) -> pd.DataFrame:
    """The long frame of :func:`estimator_frame`, for every method alike."""
    shared = PanelPivots.of(panel, pivots)
    units = list(design.treated) + list(design.comparison_units)
    rows = shared.select(design.indicator, units, design.years)
    cols = ["kommun", "year", "value"] + (["n"] if "n" in panel.columns else [])
    frame = rows[cols].reset_index(drop=True)
    pop = shared.rows("population")
    pop = pop[pop["year"].isin(design.years)]
    if not pop.empty:
        looked = shared.lookup("population", frame["kommun"], frame["year"])
        if looked is not None and not shared.duplicated(design.indicator):
            frame["population"] = looked
        else:  # duplicate (kommun, year) rows: the merge refuses them (validate="1:1")
            frame = frame.merge(pop[["kommun", "year", "value"]].rename(columns={"value": "population"}),
                                on=["kommun", "year"], how="left", validate="1:1")
    frame["cohort"] = np.where(frame["kommun"].isin(design.treated), design.treatment_start, 0)
    return frame


def _with_roles(frame: pd.DataFrame, spec: Any, method: str) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """``frame`` (a copy with ``count`` when counts are modelled) and the column roles for ``method``."""
    has_counts = ("n" in frame.columns and "population" in frame.columns
                  and frame[["n", "population"]].notna().all().all())
    design_ = design_spec(method)
    roles: dict[str, str | None] = {"outcome": "value", "exposure": None, "n": None}
    if spec.kind == "crime" and has_counts and design_.exposure:
        frame = frame.assign(count=frame["n"])
        roles = {"outcome": "count", "exposure": "population", "n": None}
    elif spec.kind == "survey" and "n" in frame.columns and spec.unit == "percent" and design_.shares:
        roles["n"] = "n"
    return frame, roles


def _run(method: str, frame: pd.DataFrame, design: Design, cols: dict[str, str | None], level: float) -> Any:
    spec = design_spec(method)
    try:
        fn = spec.estimator()
    except (ImportError, AttributeError) as err:
        raise DesignError(f"estimator {spec.function!r} (method={method!r}) is not available ({err}); use "
                          "method='auto' or another method.") from None
    outcome = cols["outcome"] or "value"
    return fn(frame, **spec.arguments(outcome=outcome, treated=design.treated,
                                      treatment_start=design.treatment_start, pool=design.comparison_units,
                                      level=level, exposure=cols["exposure"], n=cols["n"]))


def treated_handling(method: str, n_treated: int, *, counts: bool) -> tuple[str, str]:
    """How ``method`` treats several treated kommuner, in English and Swedish (empty for one)."""
    if n_treated < 2:
        return "", ""
    n = n_treated
    if method == "did":
        model = ("Poisson counts with each kommun's population as exposure, so larger kommuner weigh "
                 "more" if counts else "a linear model on the values, each kommun weighing the same")
        model_sv = ("antal brott med folkmängden som exponering, så större kommuner väger tyngre" if counts
                    else "alla kommuner väger lika")
        return (f"{n} treated kommuner, one joint treatment: a common effect in the two-way fixed-effects "
                f"model ({model}); the permutation test reassigns all {n} at once",
                f"{n} löfteskommuner behandlas gemensamt: en gemensam effekt i modellen med kommun- och "
                f"årseffekter ({model_sv}); permutationstestet flyttar alla {n} samtidigt")
    if method in ("synth", "sdid"):
        name = "synthetic control" if method == "synth" else "synthetic DiD"
        name_sv = "den syntetiska kontrollen" if method == "synth" else "syntetisk DiD"
        return (f"{n} treated kommuner averaged (equal weights, per year) into one treated series that the "
                f"{name} matches; the estimate is for that average kommun",
                f"de {n} löfteskommunernas värden har medelvärdesbildats (lika vikt, per år) till en serie som "
                f"{name_sv} matchar; skattningen gäller den genomsnittliga kommunen")
    if method in ("its", "before_after"):
        how = ("counts and populations summed into one series for the whole area" if counts
               else "values averaged per year into one series")
        how_sv = ("antal brott och folkmängd summerade till en serie för hela området" if counts
                  else "värdena medelvärdesbildade per år till en serie")
        return f"{n} treated kommuner pooled: {how}", f"{n} löfteskommuner slås ihop: {how_sv}"
    return (f"{n} treated kommuner, each a unit of the same cohort; the effect averages over them",
            f"{n} löfteskommuner, var och en en enhet i samma kohort; effekten är ett genomsnitt över dem")


def _finish(result: Any, synthetic: bool, lf: Any, spec: Any, d: Design, method: str, reason: str,
            cols: dict[str, str | None]) -> Any:
    notes = list(result.warnings)
    if spec.enforcement_driven or spec.better == "ambiguous":
        text = spec.caveats_en[0] if spec.caveats_en else "the indicator moves with police activity or trust"
        if not any(getattr(n, "kind", "") == "EnforcementDrivenWarning" for n in notes):
            caveat(notes, EnforcementDrivenWarning, f"{spec.id}: {text}", indicator=spec.id)
    if synthetic:
        notes.append(SYNTHETIC_NOTE)
    diag = dict(result.diagnostics)
    diag.setdefault("n_comparison", len(d.comparison))
    handling, handling_sv = treated_handling(method, len(d.treated), counts=cols.get("exposure") is not None)
    if handling:
        reason = f"{reason}; {handling}"
    diag.update(treated_handling=handling, treated_handling_sv=handling_sv, n_treated=len(d.treated))
    diag.update(method_reason=reason, treatment_start=d.treatment_start, pre_period=d.pre_period,
                post_period=d.post_period, design_notes=d.notes, synthetic=synthetic,
                focus_areas=d.focus_areas, excluded=_excluded_pairs(d))
    out = result.replace(warnings=tuple(notes), diagnostics=diag, comparison=d.comparison)
    return out.with_identity(lofte_id=lf.id, kommun=",".join(d.treated), indicator=spec.id)


def _excluded_pairs(d: Design) -> tuple[tuple[str, str], ...]:
    """``Design.excluded`` as ``((kommun, reason), ...)``: the kommuner left out of the pool and why,
    kept on the result so a report need not rebuild the design to list them."""
    ex = d.excluded
    if ex is None or not len(ex):
        return ()
    return tuple(zip(ex["kommun"].astype(str), ex["reason"].astype(str)))


# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evaluated:
    """Results of one löfte: per focus area, ``(result, spec)`` pairs and ``(spec, reason)`` failures."""

    areas: tuple[str, ...]
    pairs: Mapping[str, tuple[tuple[Any, Any], ...]]
    failures: Mapping[str, tuple[tuple[Any, str], ...]]

    def results(self) -> list[Any]:
        """Each distinct result once (an indicator can serve several focus areas)."""
        seen: dict[str, Any] = {}
        for area in self.areas:
            for res, spec in self.pairs.get(area, ()):
                seen.setdefault(spec.id, res)
        return list(seen.values())


_NOT_IN_PANEL = {"sv": "saknas i panelen", "en": "not in the panel"}


def evaluate_areas(panel: pd.DataFrame, lofte: Any, areas: Iterable[str] | None = None, *,
                   method: MethodOrAuto = "auto", level: float = 0.95, lang: str = "en",
                   quiet: bool = False, pivots: PanelPivots | None = None, **design_kwargs: Any) -> Evaluated:
    """The evaluation loop: every indicator of every focus area, each estimated once, BH-adjusted.

    ``areas`` defaults to the löfte's focus areas.  An indicator missing from the panel, or whose
    design cannot be estimated, is recorded in ``failures`` with the reason (in ``lang`` for a
    missing indicator, the error's first clause otherwise) instead of stopping the loop; nothing
    is left out silently.  p-values are Benjamini–Hochberg adjusted across all results
    (``p_adjusted``).  ``quiet`` keeps design caveats on the results without emitting them as
    Python warnings (the report does so).  A problem picture is never evaluated (no pairs).
    The panel is pivoted once (``pivots``, :class:`~lofteeval.design.pivots.PanelPivots`; pass the
    one built from ``panel`` to share it across löften) and every design reads that pivot.
    """
    from .errors import LofteevalError, Refusal
    from .indicators import indicators_for
    from .inference.multiple import adjust_results

    lf = _load_lofte(lofte)
    areas = tuple(lf.focus_areas if areas is None else areas)
    if not lf.is_lofte:  # context only, never evaluated
        return Evaluated(areas=areas, pairs={}, failures={})
    design_kwargs.setdefault("registry", cached_registry())
    shared = PanelPivots.of(panel, pivots)
    present = shared.indicators
    done: dict[str, Any] = {}
    for area in areas:
        for spec in indicators_for(area):
            if spec.id in done:
                continue
            if spec.id not in present:
                done[spec.id] = _NOT_IN_PANEL.get(lang, _NOT_IN_PANEL["en"])
                continue
            try:
                with warnings.catch_warnings():
                    if quiet:
                        warnings.simplefilter("ignore", DesignWarning)
                    done[spec.id] = evaluate(panel, lf, spec.id, method=method, level=level, pivots=shared,
                                             **design_kwargs)
            except (LofteevalError, ValueError, np.linalg.LinAlgError) as exc:
                done[spec.id] = Refusal.of(exc)
    ids = [k for k, v in done.items() if not isinstance(v, str)]
    fixed = dict(zip(ids, adjust_results([done[k] for k in ids], method="bh")))
    pairs = {a: tuple((fixed[s.id], s) for s in indicators_for(a) if s.id in fixed) for a in areas}
    failures = {a: tuple((s, done[s.id]) for s in indicators_for(a) if isinstance(done.get(s.id), str))
                for a in areas}
    return Evaluated(areas=areas, pairs=pairs, failures=failures)


def _evaluate_many(panel: pd.DataFrame, lf: Any, areas: tuple[str, ...], method: MethodOrAuto,
                   level: float, design_kwargs: dict[str, Any]) -> list[Any]:
    """:func:`evaluate_areas` as a list, with one ``DesignWarning`` naming what was not evaluated."""
    if not lf.is_lofte:
        warnings.warn(f"{lf.id!r} is a problem picture, not a löfte; it is not evaluated.", DesignWarning,
                      stacklevel=3)
    got = evaluate_areas(panel, lf, areas, method=method, level=level, **design_kwargs)
    skipped = list(dict.fromkeys(f"{s.id} ({why})" for a in got.areas for s, why in got.failures.get(a, ())))
    if skipped:
        warnings.warn(f"{len(skipped)} indicator(s) of {lf.id!r} not evaluated: " + "; ".join(skipped),
                      DesignWarning, stacklevel=3)
    return got.results()


def evaluate_focus_area(panel: pd.DataFrame, lofte: Any, focus_area: str, *,
                        method: MethodOrAuto = "auto", level: float = 0.95, **design_kwargs: Any) -> list[Any]:
    """Evaluate every indicator of ``focus_area``; p-values BH-adjusted within the list (``p_adjusted``).

    Indicators absent from the panel or whose design fails are skipped with one ``DesignWarning``
    listing them and why; a non-measurable focus area (``psykisk_ohalsa``) gives an empty list and a
    warning.
    """
    from .indicators import focus_area as get_area

    lf = _load_lofte(lofte)
    area = get_area(focus_area)
    if not area.measurable:
        warnings.warn(f"focus area {focus_area!r} is not measurable with crime or survey data "
                      f"({area.note}); follow it up through activities.", DesignWarning, stacklevel=2)
        return []
    return _evaluate_many(panel, lf, (focus_area,), method, level, dict(design_kwargs))


def evaluate_lofte(panel: pd.DataFrame, lofte: Any, *, method: MethodOrAuto = "auto",
                   level: float = 0.95, **design_kwargs: Any) -> list[Any]:
    """Evaluate every indicator of every measurable focus area of ``lofte`` (each indicator once).

    p-values are BH-adjusted across all of the löfte's indicators (``p_adjusted``).
    """
    from .indicators import FOCUS_AREAS

    lf = _load_lofte(lofte)
    areas = tuple(fa for fa in lf.focus_areas if fa in FOCUS_AREAS and FOCUS_AREAS[fa].measurable)
    return _evaluate_many(panel, lf, areas, method, level, dict(design_kwargs))


def displacement(panel: pd.DataFrame, lofte: Any, indicator: str, *, method: MethodOrAuto = "auto",
                 level: float = 0.95, include_links: bool = True, **design_kwargs: Any) -> Any:
    """Estimate the löfte's "effect" on its kommuner's neighbours (displacement or diffusion).

    The neighbours (``harmonise.kommuner.neighbours``; bridge and ferry links with
    ``include_links``) are treated as one group from the löfte's start, with the same comparison
    rules; the löfte's own kommuner are excluded from the comparison.  A rise next door alongside a
    fall in the löfte's kommun suggests the problem moved; a fall suggests diffusion of benefits.
    ``term="displacement"``.
    """
    from .harmonise.kommuner import neighbours

    lf = _load_lofte(lofte)
    own = set(lf.kommuner)
    nb = sorted({k for t in lf.kommuner for k in neighbours(t, include_links=include_links)} - own)
    if not nb:
        raise DesignError(f"kommun(er) {sorted(own)} of {lf.id!r} have no neighbours"
                          f"{'' if include_links else ' by land; pass include_links=True'}.")
    design_kwargs.setdefault("exclude", {k: (f"the löfte's own kommun ({lf.id})", f"löftets egen kommun ({lf.id})")
                                         for k in own})
    shared = PanelPivots(panel)
    d = make_design(panel, lf, indicator, treated=nb, pivots=shared, **design_kwargs)
    res = evaluate(panel, lf, indicator, method=method, level=level, design=d, pivots=shared)
    diag = dict(res.diagnostics, displacement_of=tuple(lf.kommuner))
    return res.replace(term="displacement", diagnostics=diag)


# ------------------------------------------------------------------------------------------------
def evaluate_staggered(panel: pd.DataFrame, indicator: str, loften: Any = None, *,
                       control_group: str = "never_treated", aggregation: str = "dynamic",
                       level: float = 0.95, registry: dict[str, Any] | None = None,
                       weights: str | None = None) -> Any:
    """Callaway–Sant'Anna staggered DiD across several löften acting on one indicator.

    Each löfte's kommuner form the cohort of its start year (a kommun in several löften joins
    the earliest). Comparison kommuner are those with no löfte in the registry touching any focus
    area the indicator measures; kommuner with such a löfte that is not among ``loften`` are
    excluded (contamination) and listed in ``comparison``-style rows of ``result.comparison``
    with their reason. The outcome is the indicator's value (rate, share or index).

    Parameters
    ----------
    panel : pandas.DataFrame
        Tidy panel.
    indicator : str
        Indicator id; it must measure at least one focus area.
    loften : list of ids or Lofte, optional
        The löften to pool; default every löfte (not problem pictures) in the registry whose focus
        areas include one the indicator measures.
    control_group : {"never_treated", "not_yet_treated"}
    aggregation : {"simple", "group", "dynamic", "calendar"}
    level : float
    registry : dict, optional
        ``load_registry()`` result; the package registry by default.
    weights : {None, "population"}
        ``"population"``: each kommun weighs by its mean population over the panel's years (the
        panel's ``population`` indicator), so the effect is per resident rather than per kommun.

    Notes
    -----
    Identifying assumptions: parallel trends between each cohort and the comparison kommuner, no
    anticipation, and no spillover to the comparison kommuner. With one or a few kommuner per
    cohort the analytic standard errors rest on few treated units and are optimistic; the result
    says so.
    """
    from . import estimators
    from .harmonise.schema import is_synthetic
    from .design.cohorts import staggered_cohorts
    from .indicators import indicator as get_indicator

    spec = get_indicator(indicator)
    reg = registry if registry is not None else cached_registry()
    chosen = None if loften is None else [_load_lofte(x) for x in loften]
    cohorts = staggered_cohorts(spec, reg, chosen)
    cohort, excluded, chosen_ids = cohorts.cohort, cohorts.excluded, set(cohorts.loften)
    rows = panel[panel["indicator"] == indicator]
    frame = pd.DataFrame({"kommun": rows["kommun"].astype(str), "year": rows["year"].astype(int),
                          "value": rows["value"].astype(float)})
    frame = frame[~frame["kommun"].isin(list(excluded))]
    wide = frame.pivot(index="kommun", columns="year", values="value")
    incomplete = wide.index[wide.isna().any(axis=1)]
    missing_treated = sorted(set(cohort) - set(wide.index) | (set(cohort) & set(incomplete)))
    if missing_treated:
        raise DesignError(f"löfte kommuner {missing_treated} lack {indicator!r} for some years in "
                          f"{wide.columns.min()}-{wide.columns.max()}; the staggered design needs a "
                          "balanced panel. Restrict the panel's years or fill the gaps.")
    notes: list[str] = []
    if len(incomplete):
        caveat(notes, DesignWarning, f"{len(incomplete)} comparison kommun(er) dropped: {indicator!r} is "
               f"missing in some years ({', '.join(map(str, incomplete[:5]))}{' ...' if len(incomplete) > 5 else ''}).",
               topic="dropped_comparison", n=len(incomplete))
        frame = frame[~frame["kommun"].isin(list(incomplete))]
    frame["cohort"] = frame["kommun"].map(cohort).fillna(0).astype(int)
    if weights is not None:
        frame["weight"] = frame["kommun"].map(_population_weights(panel, frame["kommun"].unique(), weights))
    result = estimators.staggered_did(frame, unit="kommun", time="year", outcome="value", cohort="cohort",
                                      control_group=control_group, aggregation=aggregation, level=level,
                                      weights=None if weights is None else "weight")
    if is_synthetic(panel):
        notes.append(SYNTHETIC_NOTE)
    comparison = pd.DataFrame(
        [{"kommun": k, "reason": f"löfte kommun, cohort {c}", "role": "treated"} for k, c in sorted(cohort.items())]
        + [{"kommun": k, "reason": why, "role": "excluded"} for k, why in sorted(excluded.items())])
    diag = dict(result.diagnostics)
    diag.update(loften=sorted(chosen_ids), cohorts=dict(sorted(cohort.items())), n_excluded=len(excluded))
    out = result.replace(warnings=tuple(result.warnings) + tuple(notes), diagnostics=diag, comparison=comparison)
    return out.with_identity(lofte_id="+".join(sorted(chosen_ids)), kommun=",".join(sorted(cohort)),
                             indicator=indicator)


def _population_weights(panel: pd.DataFrame, kommuner: Any, weights: str) -> pd.Series:
    """Each kommun's mean population over the panel's years (``weights="population"``)."""
    if weights != "population":
        raise DataError(f"weights must be None or 'population' (got {weights!r}).")
    pop = panel[panel["indicator"] == "population"]
    size = pop.groupby(pop["kommun"].astype(str))["value"].mean()
    lacking = sorted(set(map(str, kommuner)) - set(size.index[size.notna() & (size > 0)]))
    if lacking:
        raise DataError(f"weights='population' needs the population indicator for every kommun of the design; "
                        f"{len(lacking)} lack it (e.g. {lacking[:5]}). Add population rows (SCB) to the panel "
                        "or leave weights= out.")
    return size
