"""Put the placebo-cohort inference into a staggered-DiD result (internal to ``staggered``)."""

from __future__ import annotations

import numpy as np

from ..errors import DesignError, DesignWarning, caveat
from ..inference.staggered_placebo import placebo_cohort_test
from ..results import EffectResult
from ._cs_core import AttGt
from ._warnings import low_power


def with_placebo_inference(out: EffectResult, y: np.ndarray, coh: np.ndarray, times: np.ndarray,
                           *, cells: AttGt, aggregation: str, never_only: bool, anticipation: int, level: float,
                           n_placebo: int, seed: int | None, explicit: bool,
                           small: list[int], weights: np.ndarray | None = None) -> EffectResult:
    """``out`` with the overall p-value, interval and MDE from the placebo-cohort test.

    When the test cannot run (too few pre-periods or never-treated units) an explicit
    ``inference="placebo"`` raises; ``"auto"`` keeps the analytic numbers and says why.
    ``small`` lists the cohorts below the analytic threshold (named in a caveat); ``cells`` are
    the estimator's group-time cells of ``y`` (re-weighted by the test, never re-estimated).
    """
    from .staggered import MIN_COHORT_ANALYTIC

    notes = list(out.warnings)
    try:
        test = placebo_cohort_test(y, coh, times, cells=cells, aggregation=aggregation, never_only=never_only,
                                   anticipation=anticipation, level=level, n_placebo=n_placebo,
                                   seed=0 if seed is None else seed, weights=weights)
    except DesignError as err:
        if explicit:
            raise
        caveat(notes, DesignWarning,
               f"cohorts are small, but placebo-cohort inference is not possible ({err}); the "
               "analytic standard error understates the uncertainty.")
        return out.replace(warnings=tuple(notes))
    if small:
        caveat(notes, DesignWarning,
               f"cohort(s) {small} have fewer than {MIN_COHORT_ANALYTIC} units: the overall "
               "p-value and interval come from the placebo-cohort test; the per-cohort and "
               "per-period intervals are analytic and understate the uncertainty.")
    if not np.isclose(test.estimate, out.estimate, rtol=1e-9, atol=1e-9 * max(1.0, abs(out.estimate))):
        raise AssertionError(  # pragma: no cover - guards the linear form against the CS core
            f"placebo-cohort estimate {test.estimate} differs from the CS aggregate {out.estimate}")
    low_power(notes, test.mde, scale=out.scale, effects=None, post_periods=None,
              baseline=out.diagnostics.get("baseline"))  # the placebo test's MDE replaces the analytic one
    diag = dict(out.diagnostics)
    diag.update(analytic_se=diag.get("se"), analytic_p_value=out.p_value,
                placebo_scale=test.scale, placebo_statistic=test.statistic,
                n_placebo=int(test.placebo_statistics.size), n_placebo_pool=test.n_pool,
                placebo_exhaustive=test.exhaustive,
                inference_overall="placebo")
    every = "all " if test.exhaustive else ""
    label = (f"studentised placebo-cohort rank test ({every}{test.placebo_statistics.size} placebo "
             f"assignments over {test.n_pool} never-treated units); cells analytic")
    return out.replace(p_value=test.p_value, ci_low=test.ci_low, ci_high=test.ci_high,
                       mde=test.mde, inference=label, diagnostics=diag, warnings=tuple(notes),
                       inference_id="placebo_cohort",
                       inference_values={"n": int(test.placebo_statistics.size), "pool": test.n_pool})
