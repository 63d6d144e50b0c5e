"""Staggered difference-in-differences (Callaway & Sant'Anna 2021) on a long panel.

The estimator compares each treatment cohort ``g`` (units first treated in period ``g``) with
comparison units that are not (yet) treated, one 2x2 DiD per cohort and period: ATT(g,t).
These group-time effects are then aggregated into one number (``simple``), per cohort
(``group``), per event time (``dynamic``) or per calendar period (``calendar``).

Matching R ``did`` (``att_gt`` + ``aggte``), no covariates:

================================ ===============================================
lofteeval                        R ``did``
================================ ===============================================
``unit=``                        ``idname``
``time=``                        ``tname``
``outcome=``                     ``yname``
``cohort=`` (0 or NaN = never)   ``gname`` (0 = never treated)
``control_group="never_treated"`` ``control_group="nevertreated"``
``"not_yet_treated"``            ``"notyettreated"``
``aggregation=``                 ``aggte(type=)``
``bootstrap=False``              ``bstrap=FALSE`` (R's default is ``TRUE``)
``n_boot=999``                   ``biters`` (R: 1000)
``level=0.95``                   ``alp=0.05``
``anticipation=``                ``anticipation``
(always varying)                 ``base_period="varying"`` (R's default)
================================ ===============================================
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from .._types import Aggregation, ControlGroup, check_int, check_level, check_literal
from ..errors import DataError, DesignError, DesignWarning, DroppedRowsWarning, caveat
from ..inference.power import mde_from_se
from ..results import EffectResult
from ._assemble import Fit, Uncertainty, assemble
from . import _cs_core as core
from ._panel import check_columns, prepare_panel
from ._synth_data import RATE_COLUMN, rates_from_counts
from ._warnings import refuse_small_counts

__all__ = ["staggered_did", "MIN_COHORT_ANALYTIC"]

StaggeredInference = Literal["auto", "analytic", "placebo_cohort", "placebo"]  # "placebo": older name
MIN_COHORT_ANALYTIC = 10
"""Smallest cohort for which ``inference="auto"`` uses the analytic (influence-function) test.

Measured by ``benchmarks/battery.py`` (``docs/calibration.md``, staggered rows; four cohorts,
rate outcome, 100 null panels each): the analytic test rejected 34 % with 1 kommun per cohort,
17 % with 2, 11 % with 5, and 5 % / 4 % with 10 / 20, so ``auto`` uses the placebo-cohort test
below 10."""

_INDEX_NAME = {"simple": "event_time", "dynamic": "event_time", "group": "cohort",
               "calendar": "calendar_time"}


def staggered_did(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    control_group: ControlGroup = "never_treated",
    aggregation: Aggregation = "simple",
    bootstrap: bool = False,
    n_boot: int = 999,
    level: float = 0.95,
    anticipation: int = 0,
    seed: int | None = None,
    inference: StaggeredInference = "auto",
    n_placebo: int = 999,
    exposure: str | None = None,
    weights: str | None = None,
) -> EffectResult:
    """Estimate Callaway & Sant'Anna (2021) group-time effects and aggregate them.

    Parameters
    ----------
    data : pandas.DataFrame
        Long balanced panel, one row per unit and period. It is not modified.
    unit, time, outcome : str
        Column names of the unit id, the (numeric) period and the outcome.
    cohort : str
        Column with the first treated period of each unit, constant within unit; ``0`` or
        missing means never treated (R ``did``'s ``gname``).
    control_group : {"never_treated", "not_yet_treated"}
        Comparison units: only never-treated units, or also units first treated after both
        periods of the comparison (plus ``anticipation``).
    aggregation : {"simple", "group", "dynamic", "calendar"}
        Which summary is ``estimate``: cohort-size weighted mean of all post-treatment cells,
        mean over cohorts, mean over event times ``e >= 0``, or mean over calendar periods.
    bootstrap : bool
        Multiplier bootstrap (Mammen weights, clustered by unit) instead of analytic
        influence-function standard errors. Per-element intervals are then uniform bands.
    n_boot : int
        Bootstrap draws.
    level : float
        Confidence level of intervals.
    anticipation : int
        Periods before ``g`` in which units may already react; the base period becomes
        ``g - 1 - anticipation``.
    seed : int, optional
        Seed of the bootstrap weights and of the placebo-cohort draws.
    inference : {"auto", "analytic", "placebo_cohort"}
        Inference for the overall effect.  ``"analytic"``: influence-function standard error
        (or the bootstrap).  ``"placebo_cohort"`` (older name ``"placebo"``): studentised placebo-cohort rank test and its inverted
        interval (:mod:`lofteeval.inference.staggered_placebo`), valid with one unit per cohort.
        ``"auto"`` (default): ``"placebo_cohort"`` when the smallest cohort has fewer than
        :data:`MIN_COHORT_ANALYTIC` units and ``bootstrap`` is False, else ``"analytic"``.
        Per-cell and per-element intervals (``att_gt``, ``effects``) stay analytic.
    n_placebo : int
        Placebo assignments of the placebo-cohort test (smallest p-value ``1 / (n_placebo + 1)``).
    exposure : str, optional
        Population column when ``outcome`` holds counts: the design then works on the rate per
        100 000 (``outcome / exposure * 1e5``, as synthetic control does), and the treated counts
        feed the zero-count warning.
    weights : str, optional
        Column of unit weights (R ``did``'s ``weightsname``; e.g. population): constant within a
        unit, positive and finite.  Cells become weighted means and cohort shares weighted sums
        (normalised to mean 1); equal weights give the unweighted estimate.

    Returns
    -------
    EffectResult
        ``method="staggered"``, ``scale="absolute"``; ``att_gt`` has columns ``group, time,
        att, se, ci_low, ci_high, post, base_time, n_treated, n_control``; ``effects`` has
        ``time, effect, se, ci_low, ci_high`` indexed by event time (``dynamic``, and
        ``simple`` for display), cohort (``group``) or calendar period (``calendar``);
        ``diagnostics`` has the pre-trend Wald test (``pretrend_wald``, ``pretrend_df``,
        ``pretrend_p_value``), ``n_units``, ``n_groups``, ``n_comparison`` (never-treated
        units) and ``effects_index``; with ``aggregation="dynamic"`` also ``event_study``, the
        universal-base event study and its covariance
        (:class:`lofteeval.inference.honest.EventStudy`, used by
        :func:`lofteeval.inference.honest.honest_did`).

    Raises
    ------
    DataError
        Missing columns, non-numeric time/outcome/cohort, duplicated or missing unit-periods,
        missing outcomes, a cohort that varies within a unit or lies outside the time range,
        bad option values.
    DesignError
        No usable treated cohort, or no never-treated unit with ``control_group="never_treated"``.

    Notes
    -----
    Identifying assumptions: parallel trends (without covariates) between each cohort and its
    comparison units from the base period on, no anticipation beyond ``anticipation`` periods,
    staggered adoption (once treated, always treated), and comparison units untouched by the
    treatment.  Standard errors cluster by unit and treat cohort shares as estimated (R
    ``did::aggte``).  With very few treated units per cohort the influence-function standard
    errors ignore most treated-unit noise; prefer placebo or permutation inference then.

    Cohorts first treated in the first period (or within ``anticipation`` of it) have no
    pre-period; their units are dropped with a :class:`DroppedRowsWarning`, as R ``did`` does.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> rows = [(i, t, [0, 2003, 2005][i % 3], rng.normal() + (t >= [9e9, 2003, 2005][i % 3]))
    ...         for i in range(60) for t in range(2000, 2008)]
    >>> df = pd.DataFrame(rows, columns=["id", "year", "first", "y"])
    >>> res = staggered_did(df, unit="id", time="year", outcome="y", cohort="first")
    >>> bool(abs(res.estimate - 1) < 0.5)
    True
    """
    check_literal(control_group, ControlGroup, "control_group")
    check_literal(aggregation, Aggregation, "aggregation")
    check_literal(inference, StaggeredInference, "inference")
    inference = "placebo_cohort" if inference == "placebo" else inference
    _check_options(bootstrap=bootstrap, n_boot=n_boot, level=level, anticipation=anticipation)
    check_int(n_placebo, "n_placebo")
    check_int(seed, "seed", minimum=0, optional=True)
    collected: list[str] = []
    counts = None
    if exposure is not None:
        per_period = _treated_counts(data, unit=unit, time=time, outcome=outcome, cohort=cohort)
        _refuse_small_counts(per_period, data[cohort])
        counts = per_period.to_numpy(float)
        data, outcome = rates_from_counts(data, outcome, exposure), RATE_COLUMN
    y, coh, times, n_rows, units = _wide_panel(data, unit=unit, time=time, outcome=outcome,
                                               cohort=cohort, collected=collected)
    u = None if weights is None else _unit_weights(data, unit=unit, weights=weights, units=units)
    y, coh, times, u = _usable(y, coh, times, never_only=control_group == "never_treated",
                               anticipation=anticipation, n_rows=n_rows, collected=collected, weights=u)
    u = core.unit_weights(u)
    res = core.att_gt(y, coh, times, never_only=control_group == "never_treated",
                      anticipation=anticipation, weights=u)
    agg = core.aggregate(res, coh, aggregation, weights=u)
    out = _result(res, agg, coh, times, aggregation=aggregation, control_group=control_group,
                  bootstrap=bootstrap, n_boot=n_boot, level=level, anticipation=anticipation,
                  seed=seed, collected=collected, counts=counts, baseline=_baseline(y, coh, times), weights=u)
    if aggregation == "dynamic":  # universal-base event study for inference.honest.honest_did
        out = out.replace(diagnostics={**out.diagnostics, "event_study": core.event_study(
            y, coh, times, never_only=control_group == "never_treated", anticipation=anticipation)})
    small = [int(g) for g in np.unique(coh[coh > 0]) if np.sum(coh == g) < MIN_COHORT_ANALYTIC]
    use_placebo = inference == "placebo_cohort" or (inference == "auto" and small and not bootstrap)
    if use_placebo:
        from ._staggered_placebo_result import with_placebo_inference

        return with_placebo_inference(out, y, coh, times, cells=res, aggregation=aggregation,
                                      never_only=control_group == "never_treated",
                                      anticipation=anticipation, level=level, n_placebo=n_placebo,
                                      seed=seed, explicit=inference == "placebo_cohort", small=small,
                                      weights=u)
    if small:
        caveat(collected, DesignWarning,
               f"cohort(s) {small} have fewer than {MIN_COHORT_ANALYTIC} units: influence-function "
               "and bootstrap standard errors understate the uncertainty; use "
               "inference='placebo'.",
               topic="small_cohorts", cohorts=small, min_units=MIN_COHORT_ANALYTIC)
        out = out.replace(warnings=tuple(collected))
    return out


def _baseline(y: np.ndarray, coh: np.ndarray, times: np.ndarray) -> float | None:
    """The treated units' mean outcome before their own start (the level of a relative MDE)."""
    treated_pre = (coh[:, None] > 0) & (times[None, :] < coh[:, None])
    return float(np.mean(y[treated_pre])) if treated_pre.any() else None


def _treated_counts(data: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str) -> pd.Series:
    """Counts of the units with a cohort, summed per period (for the small-count rule and warning)."""
    check_columns(data, {"unit": unit, "time": time, "outcome": outcome, "cohort": cohort})
    rows = data.loc[pd.to_numeric(data[cohort], errors="coerce").fillna(0) > 0]
    return pd.to_numeric(rows[outcome], errors="coerce").groupby(rows[time]).sum().sort_index()


def _refuse_small_counts(per_period: pd.Series, cohort: pd.Series) -> None:
    """The small-count rule on the treated kommuner's counts (``per_period``) before the first cohort."""
    start = pd.to_numeric(cohort, errors="coerce").fillna(0)
    if not (start > 0).any():
        return
    before = per_period[pd.to_numeric(per_period.index, errors="coerce") < start[start > 0].min()]
    if len(before):
        refuse_small_counts(float(before.mean()), "staggered DiD")


def _check_options(*, bootstrap: bool, n_boot: int, level: float, anticipation: int) -> None:
    if not isinstance(bootstrap, bool | np.bool_):
        raise DataError(f"'bootstrap' must be True or False (got {bootstrap!r}).")
    if bootstrap and (not isinstance(n_boot, int | np.integer) or n_boot < 2):
        raise DataError(f"'n_boot' must be an integer >= 2 (got {n_boot!r}).")
    check_level(level)
    if not isinstance(anticipation, int | np.integer) or anticipation < 0:
        raise DataError(f"'anticipation' must be an integer >= 0 (got {anticipation!r}).")


def _numeric(series: pd.Series, name: str, role: str) -> np.ndarray:
    try:
        return pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{role} column {name!r} must be numeric (got dtype {series.dtype}); "
            f"convert it, e.g. data[{name!r}].astype(float)."
        ) from exc


def _unit_weights(data: pd.DataFrame, *, unit: str, weights: str, units: list) -> np.ndarray:
    """Each unit's weight from column ``weights`` (constant within unit, positive, finite)."""
    check_columns(data, {"weights": weights})
    w = pd.Series(_numeric(data[weights], weights, "weights"), index=data[unit].to_numpy())
    per = w.groupby(level=0).agg(["min", "max"])
    bad = per.index[(per["min"] != per["max"]) | ~np.isfinite(per["min"]) | (per["min"] <= 0)]
    if len(bad):
        raise DataError(f"weights column {weights!r} must be one positive, finite number per {unit!r} "
                        f"(time-invariant, as R did's weightsname); {len(bad)} units break it, e.g. "
                        f"{list(bad[:5])}. Use e.g. each unit's mean population in every row.")
    return per["min"].reindex(units).to_numpy(dtype=float)


def _wide_panel(data: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str,
                collected: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
    """Check the cohort column, then the one preparer (:func:`._panel.prepare_panel`, its
    missing-data policy: units with a cohort are the treated units); ``(y, cohort, times,
    rows_per_unit, units)`` with units in sorted order."""
    check_columns(data, {"unit": unit, "time": time, "outcome": outcome, "cohort": cohort})
    t_row = _numeric(data[time], time, "time")
    y_row = _numeric(data[outcome], outcome, "outcome")
    g_row = np.nan_to_num(_numeric(data[cohort], cohort, "cohort"), nan=0.0)
    u_code, u_levels = pd.factorize(data[unit], sort=True)
    if (u_code < 0).any() or np.isnan(t_row).any():
        raise DataError(f"unit column {unit!r} and time column {time!r} must not be missing "
                        f"({int((u_code < 0).sum() + np.isnan(t_row).sum())} missing).")
    times = np.unique(t_row)
    g_unit = np.zeros(len(u_levels))
    g_unit[u_code] = g_row
    _check_cohort(g_row, g_unit, u_code, u_levels, times, unit=unit, cohort=cohort)
    treated = [u for u, g in zip(u_levels, g_unit) if g > 0]
    if not treated:
        raise DesignError("no treated cohort: staggered_did needs units with a first treated period "
                          f"in {cohort!r} (0 or NaN = never treated).")
    if times.size < 2:
        raise DataError(f"need at least 2 periods in {time!r} (got {times.size}).")
    t_vals = data[time].to_numpy() if pd.api.types.is_numeric_dtype(data[time]) else t_row
    frame = pd.DataFrame({unit: data[unit].to_numpy(), time: t_vals, outcome: y_row})
    panel = prepare_panel(frame, unit=unit, time=time, outcome=outcome, treated=treated,
                          treatment_start=None, min_pool=0, staggered=True)
    collected.extend(panel.caveats)
    kept = set(panel.y.columns)
    order = [u for u in u_levels if u in kept]
    g_of = dict(zip(u_levels, g_unit))
    coh = np.array([g_of[u] for u in order], dtype=float)
    return panel.y[order].to_numpy().T, coh, panel.times.astype(float), np.full(len(order), times.size), order


def _check_cohort(g_row: np.ndarray, g_unit: np.ndarray, u_code: np.ndarray,
                  u_levels: pd.Index, times: np.ndarray, *, unit: str, cohort: str) -> None:
    varying = pd.unique(u_levels[u_code[g_row != g_unit[u_code]]])
    if varying.size:
        raise DataError(
            f"cohort column {cohort!r} must be constant within each {unit!r} (the first "
            f"treated period); {varying.size} units have several values, e.g. "
            f"{list(varying[:5])}. Use each unit's first treated period in every row."
        )
    tmin, tmax = times[0], times[-1]
    outside = np.unique(g_unit[(g_unit != 0) & ((g_unit < tmin) | (g_unit > tmax))])
    if outside.size:
        raise DataError(
            f"cohort values {outside[:5].tolist()} lie outside the time range "
            f"{tmin:g}-{tmax:g}; a cohort must be a period within the data, or 0/NaN for never "
            "treated. Recode units first treated after the last period as 0."
        )


def _drop_units(keep: np.ndarray, y: np.ndarray, coh: np.ndarray, n_rows: np.ndarray,
                reason: str, collected: list[str]) -> tuple[np.ndarray, np.ndarray]:
    if keep.all():
        return y, coh
    msg = (f"dropped {int(n_rows[~keep].sum())} rows ({int((~keep).sum())} units): {reason}")
    collected.append(f"{DroppedRowsWarning.__name__}: {msg}")
    warnings.warn(msg, DroppedRowsWarning, stacklevel=4)
    return y[keep], coh[keep]


def _usable(y: np.ndarray, coh: np.ndarray, times: np.ndarray, *, never_only: bool,
            anticipation: int, n_rows: np.ndarray, collected: list[str], weights: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Drop cohorts without a pre-period; handle 'no never-treated' as R ``did`` does.

    ``weights`` (one per unit, or None) lose the same units as ``y``."""
    no_pre = (coh > 0) & (coh - anticipation <= times[0])
    weights = None if weights is None else weights[~no_pre]
    y, coh = _drop_units(~no_pre, y, coh, n_rows,
                         f"first treated in or before the first period {times[0]:g} "
                         f"(+ anticipation {anticipation}), so no pre-period", collected)
    n_rows = np.full(coh.size, times.size)
    if not np.any(coh > 0):
        raise DesignError("no treated cohort with a pre-treatment period remains; "
                          "staggered_did needs units first treated after the first period.")
    if np.any(coh == 0):
        return y, coh, times, weights
    if never_only:
        raise DesignError(
            "no never-treated units (cohort 0 or NaN), so control_group='never_treated' has no "
            "comparison; pass control_group='not_yet_treated'."
        )
    last = coh.max()
    keep_t = times < last - anticipation
    msg = (f"dropped {int((~keep_t).sum()) * coh.size} rows (periods >= {last - anticipation:g}): "
           f"no never-treated units, so the last cohort {last:g} serves as comparison "
           "(as R did)")
    collected.append(f"{DroppedRowsWarning.__name__}: {msg}")
    warnings.warn(msg, DroppedRowsWarning, stacklevel=3)
    coh = np.where(coh == last, 0.0, coh)
    y, times = y[:, keep_t], times[keep_t]
    if times.size < 2 or not np.any((coh > 0) & (coh - anticipation > times[0])):
        raise DesignError("too few periods before the last cohort to compare not-yet-treated "
                          "units; add never-treated units or more periods.")
    return y, coh, times, weights


def _result(res: core.AttGt, agg: core.Aggregate, coh: np.ndarray, times: np.ndarray, *,
            aggregation: str, control_group: str, bootstrap: bool, n_boot: int, level: float,
            anticipation: int, seed: int | None, collected: list[str],
            counts: np.ndarray | None = None, baseline: float | None = None,
            weights: np.ndarray | None = None) -> EffectResult:
    n = coh.size
    z = float(special.ndtri(0.5 + level / 2))
    display = agg if aggregation != "simple" else core.aggregate(res, coh, "dynamic", weights=weights)
    se_cell = core.se_from_if(res.inf)
    se_eff = core.se_from_if(display.inf)
    se_all = float(core.se_from_if(agg.overall_inf[:, None])[0])
    crit_cell = crit_eff = z
    diagnostics: dict[str, object] = {}
    if bootstrap:
        rng = np.random.default_rng(seed)
        stacked = np.column_stack([res.inf, display.inf, agg.overall_inf])
        draws = core.multiplier_bootstrap(stacked, n_boot=n_boot, rng=rng)
        k, e = res.inf.shape[1], display.inf.shape[1]
        se_cell, crit_cell = core.bootstrap_se_and_band(draws[:, :k], n, level)
        se_eff, crit_eff = core.bootstrap_se_and_band(draws[:, k:k + e], n, level)
        se_all = float(core.bootstrap_se_and_band(draws[:, -1:], n, level)[0][0])
        crit_cell = crit_cell if np.isfinite(crit_cell) else z
        crit_eff = crit_eff if np.isfinite(crit_eff) else z
        diagnostics["uniform_critical_value_att_gt"] = crit_cell
        diagnostics["uniform_critical_value_effects"] = crit_eff
    att_gt = pd.DataFrame({
        "group": res.group, "time": res.time, "att": res.att, "se": se_cell,
        "ci_low": res.att - crit_cell * se_cell, "ci_high": res.att + crit_cell * se_cell,
        "post": res.post, "base_time": res.base, "n_treated": res.n_treated,
        "n_control": res.n_control,
    })
    effects = pd.DataFrame({
        "time": display.index, "effect": display.effect, "se": se_eff,
        "ci_low": display.effect - crit_eff * se_eff, "ci_high": display.effect + crit_eff * se_eff,
    })
    stat, df, p_pre = core.pretrend_wald(res)
    if df and not np.isfinite(p_pre):
        caveat(collected, DesignWarning,
               f"pre-trend Wald test not computed: the covariance of the {df} pre-treatment "
               "ATT(g,t) is singular (e.g. no variation in pre-period changes).", topic="pretrend_not_computed")
    first = float(np.min(coh[coh > 0])) if np.any(coh > 0) else float("nan")

    def _as_periods(values: np.ndarray) -> list:
        whole = np.all(np.mod(values, 1) == 0)
        return [int(v) for v in values] if whole else values.tolist()

    diagnostics.update({  # periods relative to the earliest cohort (the plots shade from there)
        "treatment_start": int(first) if np.isfinite(first) and first % 1 == 0 else first,
        "pre_periods": _as_periods(times[times < first]),
        "post_periods": _as_periods(times[times >= first]),
    })
    est = agg.overall
    diagnostics["baseline"] = baseline
    p_value = float(2 * special.ndtr(-abs(est / se_all))) if se_all > 0 else float("nan")
    diagnostics.update({
        "pretrend_wald": stat, "pretrend_df": df, "pretrend_p_value": p_pre,
        "n_units": int(n), "n_groups": int(np.unique(res.group).size),
        "n_comparison": int(np.sum(coh == 0)), "n_periods": int(times.size),
        "n_att_gt": int(res.att.size), "control_group": control_group,
        "aggregation": aggregation, "anticipation": int(anticipation),
        "base_period": "varying", "effects_index": _INDEX_NAME[aggregation], "se": se_all,
        "weighted": weights is not None,
    })
    inference = (f"multiplier bootstrap (Mammen), B={n_boot}" if bootstrap
                 else "analytic (influence function)")
    fit = Fit(estimate=est, effects=effects, diagnostics=diagnostics, att_gt=att_gt,
              term=f"att_{aggregation}", counts=counts, baseline=baseline)
    unc = Uncertainty(low=est - z * se_all, high=est + z * se_all, p_value=p_value,
                      mde=mde_from_se(se_all, level=level), label=inference,
                      inference_id="bootstrap" if bootstrap else "analytic", values={"n_boot": n_boot})
    return assemble("staggered", fit, unc, level=level, caveats=collected)
