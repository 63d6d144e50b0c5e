"""Synthetic control (Abadie, Diamond & Hainmueller 2010) with exact weights and placebo inference.

The weights solve the *outcome-only* problem with a fixed identity ``V``: the convex combination
of donors closest, in squared error, to the treated unit's pre-period outcomes::

    w = argmin_{w >= 0, sum w = 1}  sum_{t < start} (y_t - sum_j w_j Y_jt)^2

solved exactly by :func:`lofteeval.estimators._simplex.simplex_lstsq` (an active-set QP that
terminates on the KKT conditions).  The Gram matrix of all units' pre-period outcomes is
computed once; each placebo solves its own small QP on a sub-matrix of it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._types import check_level
from ..inference.methods import resolve_inference
from ..inference.placebo import (
    placebo_in_time,
    ratio_interval,
    rmspe_table,
    studentise,
    studentised_interval,
)
from ..errors import DataError
from ..inference.power import mde_both_directions, mde_from_permutation, mde_from_placebo
from ..inference import conformal
from ..results import EffectResult
from ._simplex import simplex_lstsq, simplex_start
from ._panel import one_pool
from ._synth_data import MIN_DONORS, MIN_PRE_PERIODS, _Panel, _prepare, positive_scales, weighted_result  # noqa: F401

__all__ = ["synthetic_control"]

SynthInference = Literal["placebo_rank", "placebo_rank_rmspe", "conformal", "conformal_iid", "studentised",
                         "rmspe_ratio"]
"""Placebo-in-space statistic: the signed effect over the unit's noise scale (default), or ADH's
post/pre RMSPE ratio."""

SynthScale = Literal["pre_rmspe", "in_time"]
"""Studentising scale of each unit's effect in the rank test: the per-year ``max(pre-period RMSPE,
noise floor)`` (default), or the placebo-in-time RMS of its mean gap (:func:`_in_time_scales`)."""

RATIO_FLOOR_FRACTION = 1.0
"""Floor of the ratio's denominator, as a multiple of the gap's sd from idiosyncratic noise."""

DEFAULT_SCALE: SynthScale = "pre_rmspe"
"""Measured on the calibration battery (``docs/calibration.md``, session of 2026-12-02): the per-year
scale holds its size over 300 null panels of base and AR 0.7, and the placebo-in-time scale,
which is more robust when persistent noise dominates large kommuner, costs about a fifth more MDE
and four times the CPU there; so the per-year scale stays the default."""

MIN_FIT_YEARS = 3
"""Fewest pre-period years a backdated fit of the placebo-in-time scale uses (as the linear DiD's
placebo-in-time scale); with fewer than ``MIN_FIT_YEARS + 1`` pre-years the per-year scale is used."""


def _pre_rows(panel: _Panel) -> np.ndarray:
    """Pre-period outcomes of all units (treated series first), centred per period and scaled.

    A per-period constant does not change simplex-weighted gaps and a common scale does not
    change the minimiser, so this only improves conditioning.
    """
    z = np.vstack([panel.y1, panel.y0])[:, panel.pre]
    z = z - z.mean(axis=0)
    s = float(np.std(z)) or 1.0
    return z / s


def _solve(z: np.ndarray, gram: np.ndarray, target: int, pool: np.ndarray) -> np.ndarray:
    """Exact weights of ``pool`` (row indices of ``z``) for unit ``target``, warm-started."""
    start = simplex_start(z[pool].T, z[target])
    return simplex_lstsq(gram[np.ix_(pool, pool)], gram[pool, target], start=start)


def _fit_all(panel: _Panel, placebo: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Treated weights, treated gaps, every placebo's gaps, and each unit's ratio floor.

    The Gram matrix of all units' pre-period outcomes is computed once; each placebo uses a
    sub-matrix of it.  Floors: treated first, then donors (see :func:`_gap_noise`).
    """
    z = _pre_rows(panel)
    gram = z @ z.T
    noise = _unit_noise(panel)
    pools = _pools(len(panel.donors))
    w = _solve(z, gram, 0, pools[0])
    gaps = panel.y1 - w @ panel.y0
    floors = np.empty(len(pools))
    floors[0] = _gap_noise(noise, 0, pools[0], w)
    if not placebo or len(pools) < 3:
        return w, gaps, None, floors
    pl = np.empty((len(pools) - 1, panel.times.size))
    for k, pool in enumerate(pools[1:]):
        wk = _solve(z, gram, k + 1, pool)
        pl[k] = panel.y0[k] - wk @ panel.y0[pool - 1]
        floors[k + 1] = _gap_noise(noise, k + 1, pool, wk)
    return w, gaps, pl, floors


def _pools(n_donors: int) -> list[np.ndarray]:
    """Each unit's donor rows (treated = row 0: every donor; donor ``k``: the other donors)."""
    donors = np.arange(1, n_donors + 1)
    return [donors, *(np.delete(donors, k) for k in range(n_donors))]


def _in_time_scales(panel: _Panel) -> np.ndarray | None:
    """Each unit's placebo-in-time scale (treated first, then donors), or None when too short.

    For every backdated start ``c`` from :data:`MIN_FIT_YEARS` to ``n_pre - 1`` the unit's weights
    are refitted (same pool, same problem) on the years before ``c``, and the statistic is the
    mean gap over the ``n_post`` years from ``c`` (cut short at the end of the pre-period): the
    post-period statistic's own definition, moved back into the pre-period.  The scale is the
    root mean square of these statistics over the cuts, so it measures how far a *mean* gap of
    the post-period's length moves for that unit — persistent noise (AR, drifts) included — not a
    per-year noise level.  The same rule for every unit keeps the permutation argument.
    """
    y = np.vstack([panel.y1, panel.y0])
    cols = np.flatnonzero(panel.pre)
    n_post = int((~panel.pre).sum())
    cuts = range(MIN_FIT_YEARS, cols.size)
    if len(cuts) == 0 or n_post == 0:
        return None
    pools = _pools(len(panel.donors))
    acc = np.zeros(y.shape[0])
    for c in cuts:
        fit, win = cols[:c], cols[c:c + n_post]
        z = y[:, fit] - y[:, fit].mean(axis=0)
        z = z / (float(np.std(z)) or 1.0)
        gram = z @ z.T
        for i, pool in enumerate(pools):
            wi = _solve(z, gram, i, pool)
            acc[i] += float(np.mean(y[i, win] - wi @ y[pool][:, win])) ** 2
    return np.sqrt(acc / len(cuts))


def _gap_noise(noise: np.ndarray, target: int, pool: np.ndarray, w: np.ndarray) -> float:
    """Floor of a unit's ratio denominator: the sd of its gap from idiosyncratic noise alone."""
    return RATIO_FLOOR_FRACTION * float(np.sqrt(noise[target] ** 2 + np.sum((w * noise[pool]) ** 2)))


def _unit_noise(panel: _Panel) -> np.ndarray:
    """Each unit's idiosyncratic noise sd (treated first, then donors), from pre-period data.

    ``sd(first differences of y_it - mean_i y_it) / sqrt(2)``: removing the cross-unit mean of each
    period takes out common shocks; differencing takes out the unit's level.
    """
    z = np.vstack([panel.y1, panel.y0])[:, panel.pre]
    if z.shape[1] < 3:
        return np.zeros(z.shape[0])
    d = np.diff(z - z.mean(axis=0), axis=1)
    return d.std(axis=1, ddof=1) / np.sqrt(2.0)


def _fit_counterfactual(target: np.ndarray, donors: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """Counterfactual path of ``target`` from ``donors`` (placebo-in-time helper)."""
    z = np.vstack([target, donors])[:, pre]
    z = z - z.mean(axis=0)
    g = z @ z.T
    w = simplex_lstsq(g[1:, 1:], g[1:, 0], start=simplex_start(z[1:].T, z[0]))
    return w @ donors


def synthetic_control(data: pd.DataFrame, *, unit: str, time: str, outcome: str, treated: Any,
                      treatment_start: Any, pool: Sequence[Hashable] | None = None,
                      level: float = 0.95, inference: SynthInference = "placebo_rank",
                      placebo_in_time: bool = True, exposure: str | None = None,
                      donors: Sequence[Hashable] | None = None, scale: SynthScale = DEFAULT_SCALE) -> EffectResult:
    """Synthetic control with exact simplex weights and placebo-in-space inference.

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame with one row per (unit, time); it is not modified.  Units outside
        ``treated`` and ``donors`` are ignored (not part of the design).
    unit, time, outcome : str
        Column names.
    treated : hashable or list
        Treated unit id(s).  Several treated units are averaged (equal weights, per period) into
        one treated series, which is then matched.
    treatment_start : same type as the time column
        First treated period; earlier periods are the pre-period.
    pool : list, optional
        Donor pool; default: every unit that is not treated (``donors=`` is its older name).
    level : float
        Confidence level of the interval.
    inference : {"placebo_rank", "placebo_rank_rmspe", "conformal", "conformal_iid"}
        Ids of :data:`lofteeval.inference.methods.INFERENCE` (older names ``"studentised"``, ``"rmspe_ratio"``).
        Placebo-in-space statistic (see Notes): each unit's mean post-period gap over its own
        noise scale (default; calibrated when donors differ in size), or ADH's post/pre RMSPE
        ratio.  ``"conformal"`` / ``"conformal_iid"``: the conformal test over time of
        Chernozhukov, Wüthrich & Zhu (2021) with moving-block or random permutations
        (:mod:`lofteeval.inference.conformal`, ``docs/sensitivity.md``); the point estimate and
        placebos stay those of the synthetic control.
    scale : {"pre_rmspe", "in_time"}
        Studentising scale of each unit's effect in the rank test (``inference="placebo_rank"``
        only; see Notes): ``"pre_rmspe"`` (default) the per-year ``max(pre_rmspe, floor)``,
        ``"in_time"`` the root mean square of the unit's own placebo-in-time mean gaps (weights
        refitted at each backdated start), which also measures persistent noise.  With fewer than
        ``MIN_FIT_YEARS + 1`` pre-periods ``"in_time"`` falls back to ``"pre_rmspe"``
        (``diagnostics["scale_kind"]`` says which was used).
    placebo_in_time : bool
        Also backdate the start (see :func:`lofteeval.inference.placebo.placebo_in_time`) and
        report it in ``diagnostics``.
    exposure : str, optional
        Population column when ``outcome`` holds counts: the design then works on the rate per
        100 000 (``outcome / exposure * 1e5``), and the effect is on that scale.  Counts below
        ``SMALL_COUNT`` (10) a pre-period year in the treated kommun(er) are refused.

    Returns
    -------
    EffectResult
        ``method="synth"``, ``scale="absolute"`` (the outcome's own unit); ``estimate`` is the mean
        post-period gap; ``weights`` (donor Series, >= 0, sum 1); ``placebo`` (one row per donor
        treated in turn); ``effects`` per period; ``mde`` from the spread of placebo effects.

    Raises
    ------
    DataError
        Missing columns, unknown units, duplicate or missing unit-periods.
    DesignError
        No pre- or post-period, no donors, a unit both treated and donor; with ``exposure``,
        fewer than 10 treated counts a pre-period year on average.

    Notes
    -----
    Identifying assumptions: without the löfte the treated unit would have followed the same
    weighted combination of donors after the start as before it; donors are untouched by the
    löfte (no spillover, no own löfte); no anticipation before ``treatment_start``.

    Inference: every donor is treated in turn with the remaining donors as its pool (the treated
    unit never enters a placebo pool).  Each unit's noise scale is ``max(pre_rmspe, floor)``, the
    floor being the sd that the unit's gap would have from idiosyncratic noise alone,
    ``sqrt(s_i^2 + sum_j w_j^2 s_j^2)`` with ``s_i`` the sd of the unit's pre-period first
    differences net of the cross-unit mean, over ``sqrt(2)`` (``diagnostics["ratio_floor"]`` for
    the treated unit).  With more donors than pre-periods many units are fitted exactly before
    the start, and an unfloored pre-RMSPE then makes their statistics explode; the same rule
    applies to every unit, so the permutation argument is unchanged.  ``scale="in_time"`` replaces
    it, for every unit, by the root mean square of the unit's mean gap over backdated windows of
    the post-period's length (:func:`_in_time_scales`): a scale for a *mean* of ``n_post`` gaps
    rather than a per-year noise level, so persistent kommun-year noise (which moves a large
    kommun's mean gap more, relative to its per-year RMSPE, than a small kommun's counting noise)
    is measured as well.  ``diagnostics["per_year_scale"]`` is the treated unit's per-year scale
    either way; ``diagnostics["mde_decrease"]`` and ``["mde_increase"]`` are both the MDE (the
    test is symmetric on the absolute scale).

    ``"studentised"`` (default): the statistic is ``t_i = effect_i / scale_i`` (the studentisation
    of DiD's permutation test and synthetic DiD), ``p = (1 + #{|t_j| >= |t|}) / (J + 1)``; the
    interval inverts that test for a constant post-period effect ``tau`` (subtracting ``tau``
    from the treated post-period moves only its own statistic): ``estimate ± r_k * scale``
    (:func:`lofteeval.inference.placebo.studentised_interval`).  ``"rmspe_ratio"``: ADH's
    statistic ``post_rmspe / scale``, interval by the same inversion
    (:func:`lofteeval.inference.placebo.ratio_interval`); their size on null panels is in
    ``docs/calibration.md``.  Either way 0 lies outside
    the interval exactly when ``p < 1 - level``; the interval is infinite when
    ``J + 1 < 1 / (1 - level)``.

    Known answer on the demo panel (synthetic data): Uppsala's injected -20 % in
    ``reported_criminal_damage`` from 2019 is recovered (observed over counterfactual, post-period
    sums) as -16 % to -24 %, mean -19.8 %, over demo seeds 0-9 with the size-matched pool that
    ``evaluate`` builds, and as -15 % to -23 %, mean -19.7 %, over seeds 0-5 with all 289 other
    kommuner as donors.  With all donors and 9 pre-years the fit interpolates the pre-period
    exactly (pre-RMSPE ~ 0) through small, noisy kommuner, whose noise then lands in the
    counterfactual; an earlier draw of the demo panel gave -25.2 % that way.  An intercept
    (demeaned) fit, a noise penalty ``T0 * sum_j w_j^2 s_j^2`` or both moved single seeds by a few
    points either way without a better mean (-19.1 % to -19.7 %), so the textbook fit is kept; a
    size-matched ``pool=`` keeps the interpolation noise down.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [(u, t, 10.0 + i + 0.5 * t) for i, u in enumerate("bcdef") for t in range(8)]
    >>> rows += [("a", t, 11.5 + 0.5 * t - (3.0 if t >= 6 else 0.0)) for t in range(8)]
    >>> df = pd.DataFrame(rows, columns=["unit", "time", "y"])
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = synthetic_control(df, unit="unit", time="time", outcome="y", treated="a",
    ...                             treatment_start=6)
    >>> round(res.estimate, 6), round(float(res.weights.sum()), 6)
    (-3.0, 1.0)
    """
    check_level(level)
    inference_id = resolve_inference("synth", inference)
    if scale not in ("in_time", "pre_rmspe"):
        raise DataError(f"'scale' must be 'in_time' or 'pre_rmspe' (got {scale!r}).")
    panel = _prepare(data, unit=unit, time=time, outcome=outcome, treated=treated,
                     treatment_start=treatment_start, donors=one_pool(pool, donors=donors),
                     exposure=exposure)
    w, gaps, pl_gaps, floor_all = _fit_all(panel, placebo=True)
    pre = panel.pre
    floor = float(floor_all[0])
    own = rmspe_table(["treated"], gaps[None, :], pre, floor=floor).iloc[0]
    if pl_gaps is not None:
        placebo = rmspe_table(panel.donors, pl_gaps, pre, floor=floor_all[1:])
    else:
        placebo = pd.DataFrame({c: pd.Series(dtype=float) for c in ("pre_rmspe", "post_rmspe", "ratio", "effect")})
        placebo.insert(0, "unit", pd.Series(dtype=object))
    per_year = np.maximum(np.concatenate([[own["pre_rmspe"]], placebo["pre_rmspe"].to_numpy()]), floor_all)
    scales, scale_kind = _scales(panel, per_year, scale if inference_id == "placebo_rank" else "pre_rmspe")
    scale_t = float(scales[0])
    placebo["statistic"] = studentise(placebo["effect"].to_numpy(), scales[1:])
    conf, mde = None, None
    if inference_id in conformal.SCHEMES:  # a test over time, not over donors: its own module
        conf = conformal.conformal_interval(panel.y1, panel.y0, ~pre, _proxy, center=float(own["effect"]),
                                            spread=float(per_year[0]), level=level,
                                            scheme=conformal.SCHEMES[inference_id])
        interval, mde = conf.interval, conformal.conformal_mde(conf, level=level)
        conformal.conformal_caveats(conf, panel.warnings, n_periods=panel.times.size)
    elif inference_id == "placebo_rank_rmspe":
        interval = ratio_interval(gaps[~pre], float(per_year[0]), placebo["ratio"].to_numpy(), level=level)
        mde = mde_from_placebo(placebo["effect"].to_numpy(), level=level) if len(placebo) > 1 else None
    else:
        interval = studentised_interval(float(own["effect"]), scale_t, placebo["statistic"].to_numpy(),
                                        level=level, method=f"studentised placebo-in-space rank test inversion "
                                                            f"({len(placebo)} placebos)")
        mde = mde_from_permutation(placebo["statistic"].to_numpy(), se=scale_t, level=level) \
            if len(placebo) > 1 else None
    diagnostics = _diagnostics(panel, own, placebo, w)
    stat = float(studentise(np.array([own["effect"]]), np.array([scale_t]))[0])
    diagnostics.update(ratio_floor=floor, scale=scale_t, scale_kind=scale_kind, per_year_scale=float(per_year[0]),
                       statistic=stat, **mde_both_directions(mde, relative=False),
                       inference_statistic="rmspe_ratio" if inference_id == "placebo_rank_rmspe"
                       else "studentised" if conf is None else "conformal_s1")
    if inference_id == "placebo_rank":
        diagnostics["rank"] = int(1 + np.count_nonzero(np.abs(placebo["statistic"].to_numpy()) >= abs(stat)))
    if placebo_in_time:
        pit = _placebo_time(panel)
        if pit is not None:
            diagnostics.update(pit)
    res = weighted_result("synth", panel, estimate=float(own["effect"]), interval=interval, level=level,
                          inference_id=inference_id, path=gaps, mde=mde, diagnostics=diagnostics,
                          weights=w, unit=unit, placebo=placebo)
    return res if conf is None else res.replace(inference_values=conf.values)


def _scales(panel: _Panel, per_year: np.ndarray, scale: SynthScale) -> tuple[np.ndarray, str]:
    """Every unit's studentising scale (treated first) and its kind: the placebo-in-time scale
    (:func:`_in_time_scales`) or, on request or with too short a pre-period, ``per_year``."""
    if scale == "in_time" and per_year.size > 2:
        pit = _in_time_scales(panel)
        if pit is not None:
            return positive_scales(pit, per_year), "placebo_in_time"
    return per_year, "pre_rmspe"


def _proxy(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """The conformal proxy: simplex weights fitted on every period (CWZ 2021, eqs 3-4)."""
    return _fit_counterfactual(target, donors, np.ones(target.size, dtype=bool))


def _diagnostics(panel: _Panel, own: pd.Series, placebo: pd.DataFrame, w: np.ndarray) -> dict[str, Any]:
    pre_rmspe = float(own["pre_rmspe"])
    ratios = placebo["ratio"].to_numpy()
    return {
        **panel.period_diagnostics(),
        "pre_rmspe": pre_rmspe,
        "post_rmspe": float(own["post_rmspe"]),
        "rmspe_ratio": float(own["ratio"]),
        "rank": int(1 + np.count_nonzero(ratios >= own["ratio"])),
        "ratio_rank": int(1 + np.count_nonzero(ratios >= own["ratio"])),
        "n_placebo": int(len(placebo)),
        "p_value_min": 1.0 / (len(placebo) + 1),
        "n_comparison": len(panel.donors),
        "n_donors_weighted": int(np.count_nonzero(w > 1e-10)),
        "n_pre": panel.n_pre,
        "n_post": int((~panel.pre).sum()),
        "n_treated": len(panel.treated),
        "treated_units": panel.treated,
        "pre_rmspe_rank": int(1 + np.count_nonzero(placebo["pre_rmspe"].to_numpy() <= pre_rmspe)),
        "weights_method": "exact simplex least squares on pre-period outcomes (V = identity)",
    }


def _placebo_time(panel: _Panel) -> dict[str, float] | None:
    out = placebo_in_time(panel.y1, panel.y0, pre=panel.pre, fit=_fit_counterfactual)
    if out is None:
        return None
    shift = int(out["placebo_time_shift"])
    out["placebo_time_start"] = panel.times[np.flatnonzero(panel.pre)[panel.n_pre - shift]].item()
    return out
