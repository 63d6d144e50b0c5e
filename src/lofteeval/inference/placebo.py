"""Placebo-in-space and placebo-in-time inference (Abadie, Diamond & Hainmueller 2010).

The building blocks work on plain arrays so any estimator that produces a counterfactual path
can use them:

- :func:`rmspe_table` turns gaps (observed minus counterfactual, one row per unit) into the
  placebo frame ``unit, pre_rmspe, post_rmspe, ratio, effect``;
- :func:`rank_p_value` is the permutation p-value ``(1 + #{placebo >= treated}) / (J + 1)``;
- :func:`ratio_interval` inverts that test for a constant post-period effect, so the interval and
  the p-value always agree (0 is outside the interval exactly when ``p < 1 - level``);
- :func:`studentised_interval` does the same for a signed studentised statistic
  ``(estimate - tau) / scale`` (each unit's placebo effect over its own noise scale), the
  calibrated choice when donors differ much in size and noise from the treated unit;
- :func:`placebo_in_space` and :func:`placebo_in_time` re-run a counterfactual function with each
  donor treated in turn, or with a backdated start.

Conventions: ``effect`` is the mean post-period gap; ``ratio = post_rmspe / max(pre_rmspe, floor)``.
With the default ``floor=0`` this is ADH's ratio (infinite when the pre-period fit is perfect).
When donors outnumber pre-periods, many units are interpolated exactly before the start and
their ratios explode, which makes the rank test reject far too often; a floor applied identically
to every unit keeps the permutation argument; synthetic control uses a per-unit floor from each
unit's own noise (see :func:`lofteeval.estimators.synthetic_control`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import Interval
from .._types import alpha_of

__all__ = [
    "PLACEBO_COLUMNS",
    "rmspe_table",
    "rank_p_value",
    "ratio_interval",
    "studentise",
    "studentised_interval",
    "placebo_in_space",
    "placebo_in_time",
]

PLACEBO_COLUMNS = ["unit", "pre_rmspe", "post_rmspe", "ratio", "effect"]

Counterfactual = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
"""``fit(target (T,), donors (J, T), pre (T,) bool) -> counterfactual (T,)``."""


def _ratio(post: np.ndarray, pre: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(pre > 0, post / np.where(pre > 0, pre, 1.0), np.where(post > 0, np.inf, 0.0))
    return out


def rmspe_table(units: Sequence[Any], gaps: np.ndarray, pre: np.ndarray, *,
                floor: float | np.ndarray = 0.0) -> pd.DataFrame:
    """Placebo frame from gaps.

    Parameters
    ----------
    units : sequence
        Unit ids, one per row of ``gaps``.
    gaps : numpy.ndarray
        ``(n_units, T)`` observed minus counterfactual.
    pre : numpy.ndarray
        ``(T,)`` boolean mask of pre-treatment periods; the rest are post-treatment.
    floor : float or numpy.ndarray
        Lower bound for the ratio's denominator, one for all or one per unit (``pre_rmspe``
        itself is reported unfloored).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit, pre_rmspe, post_rmspe, ratio, effect`` (``effect`` = mean post gap).
    """
    gaps = np.atleast_2d(np.asarray(gaps, dtype=float))
    pre = np.asarray(pre, dtype=bool)
    pre_r = np.sqrt(np.mean(gaps[:, pre] ** 2, axis=1))
    post_r = np.sqrt(np.mean(gaps[:, ~pre] ** 2, axis=1))
    return pd.DataFrame({
        "unit": list(units),
        "pre_rmspe": pre_r,
        "post_rmspe": post_r,
        "ratio": _ratio(post_r, np.maximum(pre_r, floor)),
        "effect": gaps[:, ~pre].mean(axis=1),
    })


def rank_p_value(statistic: float, placebo_statistics: np.ndarray, *, tol: float = 0.0) -> float:
    """The one rank p-value of lofteeval: ``(1 + #{placebo >= statistic - tol}) / (J + 1)``.

    Larger statistics are more extreme (pass absolute values for a two-sided test, as
    :func:`lofteeval.inference.permutation.rank_pvalue` does); ``tol`` counts near-ties against
    the actual.  With ``J`` placebos the smallest attainable value is ``1 / (J + 1)``.
    """
    stats = np.asarray(placebo_statistics, dtype=float)
    return float((1 + np.count_nonzero(stats >= statistic - tol)) / (stats.size + 1))


def _min_count(n_placebo: int, alpha: float) -> int:
    """Smallest placebo count ``c`` with ``(1 + c) / (J + 1) >= alpha`` (same float expression)."""
    for c in range(n_placebo + 1):
        if (1 + c) / (n_placebo + 1) >= alpha:
            return c
    return n_placebo + 1


def ratio_interval(post_gaps: np.ndarray, pre_rmspe: float, placebo_ratios: np.ndarray, *,
                   level: float = 0.95) -> Interval:
    """Interval for a constant post-period effect by inverting the RMSPE-ratio rank test.

    For a hypothesised effect ``tau`` the treated unit's post gaps become ``gaps - tau``; its
    pre-period fit, and every placebo (which never uses the treated unit), stay the same.  The
    statistic ``R(tau) = sqrt(mean((gaps - tau)^2)) / pre_rmspe`` is smallest at the mean gap and
    grows with ``|tau - mean gap|``, so the accepted set ``{tau : p(tau) >= 1 - level}`` is the
    interval ``mean gap ± sqrt((r_k * pre_rmspe)^2 - var(gaps))``, where ``r_k`` is the k-th largest
    placebo ratio and ``k`` the fewest placebos at least as extreme that keep ``p >= 1 - level``.

    ``pre_rmspe`` is the treated unit's ratio denominator (floored like the placebos' if they were).

    Returns
    -------
    Interval
        ``low, high`` (infinite when ``J + 1 < 1 / (1 - level)``: no effect size can be rejected),
        and ``p_value`` at ``tau = 0``.  When even ``tau = mean gap`` is rejected (gaps too uneven
        for any constant effect), the interval collapses to the point ``[mean gap, mean gap]``.
    """
    gaps = np.asarray(post_gaps, dtype=float)
    ratios = np.sort(np.asarray(placebo_ratios, dtype=float))[::-1]
    alpha = alpha_of(level)
    center = float(gaps.mean())
    spread2 = float(np.mean((gaps - center) ** 2))
    p0 = rank_p_value(float(_ratio(np.array([np.sqrt(np.mean(gaps ** 2))]),
                                   np.array([pre_rmspe]))[0]), ratios)
    k = _min_count(ratios.size, alpha)
    method = "placebo-in-space rank test inversion (RMSPE ratio)"
    if k == 0:
        return Interval(-np.inf, np.inf, p0, method)
    r_k = ratios[k - 1]
    if pre_rmspe <= 0 or not np.isfinite(r_k):
        return Interval(-np.inf, np.inf, p0, method) if np.isinf(r_k) else Interval(center, center, p0, method)
    half2 = (r_k * pre_rmspe) ** 2 - spread2
    half = float(np.sqrt(half2)) if half2 > 0 else 0.0
    return _agreeing_interval(center - half, center + half, center, p0, alpha, method)


def _agreeing_interval(low: float, high: float, center: float, p0: float, alpha: float,
                       method: str) -> Interval:
    """``Interval(low, high)`` nudged at floating-point ties so that 0 lies inside it exactly when
    ``p0 >= alpha`` (the p-value and the inverted interval must agree)."""
    if p0 >= alpha:
        low, high = min(low, 0.0), max(high, 0.0)
    elif low <= 0.0 <= high:
        low, high = (np.nextafter(0.0, 1.0), high) if center > 0 else (low, -np.nextafter(0.0, 1.0))
    return Interval(low, high, p0, method)


def studentise(effects: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """``effect / scale`` per unit; a zero scale gives 0 for a zero effect and ``±inf`` otherwise."""
    eff = np.asarray(effects, dtype=float)
    sc = np.asarray(scales, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sc > 0, eff / np.where(sc > 0, sc, 1.0), np.where(eff == 0, 0.0, np.sign(eff) * np.inf))


def studentised_interval(estimate: float, scale: float, placebo_statistics: np.ndarray, *,
                         level: float = 0.95, method: str = "studentised placebo-in-space rank test inversion",
                         ) -> Interval:
    """Interval and p-value of the two-sided rank test of ``|estimate - tau| / scale``.

    The placebo statistics are each placebo unit's effect over its own noise scale (they never
    involve the treated unit, so they do not move with ``tau``).  The treated statistic at ``tau``
    is ``(estimate - tau) / scale``; ``p(tau) = (1 + #{|t_j| >= |estimate - tau| / scale}) / (J + 1)``.
    The accepted set ``{tau : p(tau) >= 1 - level}`` is ``estimate ± r_k * scale`` with ``r_k`` the
    k-th largest ``|t_j|`` and ``k`` the fewest placebos at least as extreme that keep
    ``p >= 1 - level``; so 0 lies outside it exactly when ``p(0) < 1 - level``.

    Returns
    -------
    Interval
        Infinite when ``J + 1 < 1 / (1 - level)`` or the scale is not finite; a point when the
        scale is 0 (a noise-free fit).
    """
    stats = np.sort(np.abs(np.asarray(placebo_statistics, dtype=float)))[::-1]
    stats = np.where(np.isnan(stats), np.inf, stats)
    alpha = alpha_of(level)
    est, scale = float(estimate), float(scale)
    if not (scale >= 0 and np.isfinite(scale)):
        return Interval(-np.inf, np.inf, 1.0, method)
    p0 = rank_p_value(float(np.abs(studentise(np.array([est]), np.array([scale]))[0])), stats)
    k = _min_count(stats.size, alpha)
    if k == 0 or not np.isfinite(stats[k - 1]):
        return Interval(-np.inf, np.inf, p0, method)
    half = float(stats[k - 1] * scale)
    return _agreeing_interval(est - half, est + half, est, p0, alpha, method)


def placebo_in_space(target_and_donors: pd.DataFrame, *, pre: np.ndarray,
                     fit: Counterfactual) -> pd.DataFrame:
    """Treat each unit of a wide donor frame in turn, the others being its donors.

    Parameters
    ----------
    target_and_donors : pandas.DataFrame
        Wide frame, one row per donor unit (index = unit id), one column per period.  The
        treated unit(s) must not be in it.
    pre : numpy.ndarray
        Boolean mask of pre-treatment columns.
    fit : callable
        ``fit(target, donors, pre) -> counterfactual`` (see :data:`Counterfactual`).

    Returns
    -------
    pandas.DataFrame
        :data:`PLACEBO_COLUMNS`, one row per unit.
    """
    values = target_and_donors.to_numpy(dtype=float)
    gaps = np.empty_like(values)
    idx = np.arange(values.shape[0])
    for j in idx:
        gaps[j] = values[j] - fit(values[j], values[idx != j], pre)
    return rmspe_table(target_and_donors.index, gaps, pre)


def placebo_in_time(target: np.ndarray, donors: np.ndarray, *, pre: np.ndarray, fit: Counterfactual,
                    shift: int | None = None) -> dict[str, float] | None:
    """Backdate the start by ``shift`` periods and re-estimate on pre-treatment data only.

    ``shift`` defaults to ``min(n_post, n_pre // 2)`` (at least 1).  Returns ``None`` when fewer
    than two pre-periods are available.  The keys are ``placebo_time_shift``,
    ``placebo_time_effect`` (mean gap over the backdated "post" periods, all truly untreated) and
    ``placebo_time_ratio`` (their post/pre RMSPE ratio).
    """
    pre = np.asarray(pre, dtype=bool)
    n_pre = int(pre.sum())
    if n_pre < 2:
        return None
    if shift is None:
        shift = max(1, min(int((~pre).sum()), n_pre // 2))
    shift = min(shift, n_pre - 1)
    cols = np.flatnonzero(pre)
    fake_pre = np.zeros(n_pre, dtype=bool)
    fake_pre[: n_pre - shift] = True
    y = np.asarray(target, dtype=float)[cols]
    gaps = y - fit(y, np.asarray(donors, dtype=float)[:, cols], fake_pre)
    row = rmspe_table(["treated"], gaps[None, :], fake_pre).iloc[0]
    return {
        "placebo_time_shift": float(shift),
        "placebo_time_effect": float(row["effect"]),
        "placebo_time_ratio": float(row["ratio"]),
    }
