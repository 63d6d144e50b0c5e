"""Placebo-cohort inference for staggered DiD with few treated units per cohort.

With one kommun per cohort the influence-function standard error of Callaway & Sant'Anna never
sees the treated kommun's own noise (its deviation from a cohort mean of one unit is zero), so the
analytic test over-rejects badly.  This module gives the studentised placebo analogue of what the
single-löfte designs do:

1. The aggregated effect is linear in the outcomes for a fixed cohort structure:
   ``theta = sum_it A_it y_it``.  The cell weights of the aggregation (``w_k`` of each ATT(g,t))
   depend only on the cohort sizes and timing, so :func:`cell_weights` extracts them once from
   :func:`lofteeval.estimators._cs_core.aggregate`.
2. Each unit's noise variance ``sigma_i^2`` is estimated from two-way fixed-effect residuals over
   the periods before the earliest cohort (no unit is treated there), and the statistic is
   ``T = theta / sqrt(sum_it A_it^2 sigma_i^2)`` — the estimate over its own noise scale.
3. Placebo assignments give the same cohort sizes and start periods to randomly drawn units of the
   comparison pool (never-treated units; the actually treated units are left out, so the placebo
   statistics do not depend on the true effect).  ``p = (1 + #{|T_b| >= |T|}) / (1 + B)`` is never 0,
   and the interval inverts the same rank test (:func:`~lofteeval.inference.placebo.studentised_interval`):
   ``theta ± r_k * scale``, so p-value and interval agree.

The test is exact under the sharp null when cohort assignment is exchangeable across the units
(studentisation makes large and small kommuner comparable); it remains approximate when the
treated kommuner differ systematically from the pool.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DesignError
from .placebo import studentise, studentised_interval
from .power import mde_from_permutation

if TYPE_CHECKING:  # annotations only: the estimator passes its group-time cells in
    from ..estimators._cs_core import AttGt

__all__ = ["PlaceboCohortTest", "cell_weights", "n_assignments", "unit_noise_variance", "placebo_cohort_test"]

MIN_PRE_PERIODS = 3
"""Periods before the earliest cohort needed to estimate each unit's noise variance."""


@dataclass(frozen=True)
class PlaceboCohortTest:
    """Result of :func:`placebo_cohort_test` (``estimate`` equals the CS aggregate)."""

    estimate: float
    scale: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    mde: float
    placebo_statistics: np.ndarray
    n_pool: int
    exhaustive: bool = False
    """Every distinct placebo assignment was used once (there were no more than ``n_placebo``)."""


def cell_weights(res: AttGt, cohort: np.ndarray, kind: str, weights: np.ndarray | None = None) -> np.ndarray:
    """Weight of each ATT(g,t) cell in the overall aggregate (linear for a fixed structure).

    The same weights as :func:`lofteeval.estimators._cs_core.aggregate` (R ``did::aggte``):
    cohort-share weights ``P(G = g)`` (``mean(u * 1{G = g})`` with unit weights ``u``) within
    each element, then the element mean.
    """
    glist = np.unique(res.group)
    u = np.ones(cohort.size) if weights is None else np.asarray(weights, dtype=float)
    pgg = np.array([np.mean(cohort == g) for g in glist]) if weights is None else \
        np.array([np.mean(u * (cohort == g)) for g in glist])
    pg = pgg[np.searchsorted(glist, res.group)]
    post = res.post
    w = np.zeros(res.att.size)

    def share(mask: np.ndarray) -> np.ndarray:
        return np.where(mask, pg, 0.0) / pg[mask].sum()

    if kind == "simple":
        return share(post)
    if kind == "group":
        for g, p in zip(glist, pgg / pgg.sum(), strict=True):
            cells = (res.group == g) & post
            w[cells] += p / cells.sum()
        return w
    if kind == "dynamic":
        event = res.time - res.group
        elements = [event == e for e in np.unique(event) if e >= 0]
    elif kind == "calendar":
        elements = [(res.time == t) & post for t in np.unique(res.time[res.time >= res.group.min()])]
    else:
        raise ValueError(f"unknown aggregation {kind!r}")
    for cells in elements:
        w += share(cells) / len(elements)
    return w


def unit_noise_variance(y: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """Per-unit residual variance of a two-way fixed-effect fit over the periods ``pre``."""
    z = y[:, pre]
    r = z - z.mean(axis=1, keepdims=True) - z.mean(axis=0, keepdims=True) + z.mean()
    n, t = z.shape
    dof = (t - 1) * (1 - 1 / n)
    return np.asarray(np.sum(r**2, axis=1) / dof)


def _contrast(cohorts: np.ndarray, res: AttGt, w: np.ndarray, times: np.ndarray, *,
              never_only: bool, anticipation: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Weights ``A`` of shape ``(B, n, T)`` with ``theta_b = sum A_b * y`` for cohort rows ``cohorts``.

    ``w`` holds the cell weights, one row for all assignments ``(K,)`` or one per row ``(B, K)``;
    ``weights`` are unit weights (the cells' means become weighted means).
    """
    b_, n = cohorts.shape
    col = {float(v): j for j, v in enumerate(times)}
    a = np.zeros((b_, n, times.size))
    w2 = np.atleast_2d(w)
    for k, (g, t, base) in enumerate(zip(res.group, res.time, res.base, strict=True)):
        wk = w2[:, k:k + 1] if w2.shape[0] > 1 else w2[0, k]
        if np.all(wk == 0):
            continue
        jt, jb = col[float(t)], col[float(base)]
        treat = cohorts == g
        later = max(t, base) + anticipation
        ctrl = cohorts == 0
        if not never_only:
            ctrl = ctrl | ((cohorts > later) & (cohorts != g))
        if weights is not None:
            treat, ctrl = treat * weights[None, :], ctrl * weights[None, :]
        wt = treat * (wk / treat.sum(axis=1, keepdims=True))
        with np.errstate(divide="ignore", invalid="ignore"):
            wc = ctrl * np.nan_to_num(wk / ctrl.sum(axis=1, keepdims=True))
        diff = wt - wc
        a[:, :, jt] += diff
        a[:, :, jb] -= diff
    return a


def n_assignments(cohort: np.ndarray, n_pool: int) -> int:
    """Distinct ways to give the treated cohorts (their sizes and start periods) to ``n_pool`` units.

    Units of one cohort are interchangeable, so the count is a product of binomials:
    ``C(n_pool, m_1) * C(n_pool - m_1, m_2) * ...`` for cohort sizes ``m_1, m_2, ...``.
    """
    _, sizes = np.unique(cohort[cohort > 0], return_counts=True)
    count, left = 1, n_pool
    for m in sizes:
        count *= math.comb(left, int(m))
        left -= int(m)
    return count


def _enumerate(cohort: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Every distinct placebo cohort vector, once each (call only when there are few)."""
    labels, sizes = np.unique(cohort[cohort > 0], return_counts=True)
    rows: list[np.ndarray] = []

    def place(k: int, free: tuple[int, ...], row: np.ndarray) -> None:
        if k == labels.size:
            rows.append(row.copy())
            return
        for chosen in itertools.combinations(free, int(sizes[k])):
            row[list(chosen)] = labels[k]
            place(k + 1, tuple(u for u in free if u not in chosen), row)
            row[list(chosen)] = 0

    place(0, tuple(int(u) for u in pool), np.zeros(cohort.size))
    return np.stack(rows)


def _draw(cohort: np.ndarray, pool: np.ndarray, n_placebo: int,
          rng: np.random.Generator) -> np.ndarray:
    """``n_placebo`` placebo cohort vectors drawn at random: the treated cohort sizes given to pool units."""
    labels = np.sort(cohort[cohort > 0])
    out = np.zeros((n_placebo, cohort.size))
    for b in range(n_placebo):
        out[b, rng.choice(pool, size=labels.size, replace=False)] = labels
    return out


def placebo_cohort_test(y: np.ndarray, cohort: np.ndarray, times: np.ndarray, *, cells: AttGt,
                        aggregation: str, never_only: bool, anticipation: int = 0,
                        level: float = 0.95, n_placebo: int = 999,
                        seed: int | None = 0, weights: np.ndarray | None = None) -> PlaceboCohortTest:
    """Studentised placebo-cohort test and interval for the aggregated staggered effect.

    Parameters
    ----------
    y : numpy.ndarray
        Balanced wide panel ``(n_units, n_periods)``.
    cohort : numpy.ndarray
        First treated period per unit, ``0`` for never treated.
    times : numpy.ndarray
        Sorted periods.
    cells : AttGt
        The estimator's group-time cells for ``y`` (``estimators._cs_core.att_gt``); the test
        re-weights them, it never re-estimates (inference sits below the estimators).
    aggregation : {"simple", "group", "dynamic", "calendar"}
        The aggregation whose overall effect is tested.
    never_only : bool
        Comparison units are never-treated only (else also not-yet-treated).
    anticipation, level : see :func:`lofteeval.estimators.staggered_did`.
    n_placebo : int
        Placebo assignments ``B`` drawn at random; the smallest p-value is ``1 / (B + 1)``.  When
        the pool admits no more than ``B`` distinct assignments (one treated kommun among 80
        comparisons admits 80), each is used exactly once instead: draws with replacement from
        so few would only add noise to the p-value around its exact value.
    seed : int or None
        Seed of the placebo draws.
    weights : numpy.ndarray, optional
        Unit weights (mean 1) of a weighted estimate; each placebo assignment then has its own
        cohort shares (its units' weights), computed as for the actual cohorts.

    Returns
    -------
    PlaceboCohortTest

    Raises
    ------
    DesignError
        Fewer than :data:`MIN_PRE_PERIODS` periods before the earliest cohort, or a comparison
        pool too small to hold the treated cohorts plus two comparison units.
    """
    pre = times + anticipation < np.min(cohort[cohort > 0])
    if pre.sum() < MIN_PRE_PERIODS:
        raise DesignError(
            f"placebo-cohort inference needs >= {MIN_PRE_PERIODS} periods before the earliest "
            f"cohort to estimate each unit's noise (got {int(pre.sum())}); use "
            "inference='analytic' with many units per cohort.")
    pool = np.flatnonzero(cohort == 0)
    n_treated = int(np.sum(cohort > 0))
    if pool.size < n_treated + 2:
        raise DesignError(
            f"placebo-cohort inference needs at least {n_treated + 2} never-treated units "
            f"(the {n_treated} treated units plus 2 comparisons); got {pool.size}.")
    res = cells
    w = cell_weights(res, cohort, aggregation, weights)
    sigma2 = unit_noise_variance(y, pre)
    a_obs = _contrast(cohort[None, :], res, w, times, never_only=never_only,
                      anticipation=anticipation, weights=weights)[0]
    estimate = float(np.sum(a_obs * y))
    scale = float(np.sqrt(np.sum(a_obs**2 * sigma2[:, None])))
    exhaustive = n_assignments(cohort, pool.size) <= n_placebo
    placebo = _enumerate(cohort, pool) if exhaustive else \
        _draw(cohort, pool, n_placebo, np.random.default_rng(seed))
    keep = cohort == 0  # the actually treated units take no part in the placebo panels
    u = None if weights is None else np.asarray(weights, dtype=float)[keep]
    w_pl = w if u is None else np.stack([cell_weights(res, row, aggregation, u) for row in placebo[:, keep]])
    a_pl = _contrast(placebo[:, keep], res, w_pl, times, never_only=never_only,
                     anticipation=anticipation, weights=u)
    theta_b = np.einsum("bnt,nt->b", a_pl, y[keep])
    scale_b = np.sqrt(np.einsum("bnt,n->b", a_pl**2, sigma2[keep]))
    t_b = studentise(theta_b, scale_b)
    stat = float(studentise(np.array([estimate]), np.array([scale]))[0])
    interval = studentised_interval(estimate, scale, t_b, level=level,
                                    method="studentised placebo-cohort rank test inversion")
    return PlaceboCohortTest(
        estimate=estimate, scale=scale, statistic=stat, p_value=float(interval.p_value),
        ci_low=float(interval.low), ci_high=float(interval.high),
        mde=mde_from_permutation(t_b, se=scale, level=level), placebo_statistics=t_b,
        n_pool=int(pool.size), exhaustive=exhaustive)
