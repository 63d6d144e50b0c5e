"""Sensitivity of an event study to violations of parallel trends (Rambachan & Roth 2023).

Rambachan, A. & Roth, J. (2023), "A more credible approach to parallel trends", *Review of
Economic Studies* 90(5), 2555-2591.

An event study gives coefficients ``beta = (beta_pre, beta_post)`` relative to one reference
period (``beta_0 = 0``, omitted) with covariance ``sigma``.  Write ``beta = tau + delta``: ``tau``
the effects (zero before the start), ``delta`` the difference in trends that parallel trends
assumes away.  Instead of ``delta_post = 0`` the analysis bounds ``delta`` by what the pre-period
shows and asks how the interval for ``theta = l' tau_post`` (default: the mean post-period
effect) widens:

- **relative magnitudes** ``Delta^RM(Mbar)``: every post-period change of ``delta`` is at most
  ``Mbar`` times the largest pre-period change ``max_s |delta_{s+1} - delta_s|`` (the change into
  the reference period counted).  ``Mbar = 1``: the post-period may drift as much as the worst
  pre-period year did.
- **smoothness** ``Delta^SD(M)``: the second differences of ``delta`` are at most ``M`` in
  absolute value.  ``M = 0`` allows exactly a linear trend continued from the pre-period.

Intervals, as diff-diff 3.13 (``HonestDiD``) computes them:

- smoothness: the *optimal fixed-length confidence interval* (FLCI, the paper's section 4.1): the
  affine estimator ``v' beta`` (``v_post = l``) whose half-length ``cv_alpha(b / sd) * sd`` is
  smallest, ``b`` its worst-case bias over ``Delta^SD(M)`` and ``cv_alpha(t)`` the ``1 - alpha``
  quantile of ``|N(t, 1)|``;
- relative magnitudes: the identified set of ``theta`` given the estimated pre-period changes,
  widened by ``z_{1-alpha/2}`` standard errors of ``l' beta_post`` on each side.  This is *not*
  the paper's conditional / hybrid (ARP) confidence set, which R's HonestDiD uses; it treats the
  largest pre-period change as known (diff-diff 3.13 does the same and says so).  On simulated
  event studies at the edge of ``Delta^RM(1)`` it covers 99 % for 95 % (``docs/sensitivity.md``).

The *breakdown value* is the smallest ``M`` (or ``Mbar``) at which the interval contains 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .._types import alpha_of, check_level
from ..errors import DataError, DesignWarning

__all__ = ["EventStudy", "Restriction", "DEFAULT_GRIDS", "robust_interval", "sensitivity",
           "breakdown_value", "honest_did", "folded_normal_quantile"]

Restriction = Literal["relative_magnitude", "smoothness"]

DEFAULT_GRIDS: dict[str, tuple[float, ...]] = {
    "relative_magnitude": (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0),
    "smoothness": (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
}
"""diff-diff 3.13's default grids (``M`` for smoothness is on the outcome's scale: rescale it)."""


@dataclass(frozen=True)
class EventStudy:
    """Event-study coefficients against one reference period, with their covariance.

    Attributes
    ----------
    event_time : numpy.ndarray
        ``(k,)`` consecutive event times without the reference, ascending.
    estimate : numpy.ndarray
        ``(k,)`` coefficients.
    vcov : numpy.ndarray
        ``(k, k)`` covariance.
    reference : int
        The omitted reference event time (``-1 - anticipation``); times below it are the
        pre-period block, times above it the post-period block.
    """

    event_time: np.ndarray
    estimate: np.ndarray
    vcov: np.ndarray
    reference: int = -1

    @property
    def n_pre(self) -> int:
        return int(np.sum(self.event_time < self.reference))


def _check_inputs(beta: np.ndarray, sigma: np.ndarray, n_pre: int,
                  l_vec: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    beta = np.asarray(beta, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    n_post = beta.size - int(n_pre)
    if beta.ndim != 1 or sigma.shape != (beta.size, beta.size) or n_pre < 1 or n_post < 1:
        raise DataError(f"an event study needs >= 1 pre- and >= 1 post-period coefficient and a "
                        f"square covariance of the same size (got {beta.size} coefficients, n_pre="
                        f"{n_pre}, covariance {sigma.shape}).")
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(sigma))):
        raise DataError("event-study coefficients and covariance must be finite.")
    lv = np.full(n_post, 1.0 / n_post) if l_vec is None else np.asarray(l_vec, dtype=float)
    if lv.shape != (n_post,):
        raise DataError(f"'l_vec' must have one weight per post-period coefficient ({n_post}), "
                        f"got shape {lv.shape}.")
    return beta, sigma, lv


def folded_normal_quantile(t: float, alpha: float) -> float:
    """``cv_alpha(t)``: the ``1 - alpha`` quantile of ``|N(t, 1)|`` (Rambachan & Roth eq. 18)."""
    t = abs(float(t))

    def excess(x: float) -> float:
        return float(special.ndtr(x - t) - special.ndtr(-x - t) - (1 - alpha))

    hi = t + float(special.ndtri(1 - alpha / 2)) + 1.0
    return float(optimize.brentq(excess, 0.0, hi, xtol=1e-14))


# -- relative magnitudes ------------------------------------------------------------------------

def _rm_bound(beta_pre: np.ndarray, mbar: float) -> float:
    """``Mbar * max |pre-period change|``, the change into the reference (``0 - beta_{-1}``) included."""
    changes = np.abs(np.diff(np.append(beta_pre, 0.0)))
    return float(mbar * changes.max())


def _rm_identified_set(beta: np.ndarray, n_pre: int, lv: np.ndarray, mbar: float) -> tuple[float, float]:
    """Bounds of ``l' (beta_post - delta_post)`` over ``|delta_1|, |delta_{t+1} - delta_t| <= bound``."""
    theta = float(lv @ beta[n_pre:])
    bound = _rm_bound(beta[:n_pre], mbar)
    n_post = lv.size
    d = np.eye(n_post) - np.eye(n_post, k=-1)  # rows: delta_1 - 0, delta_2 - delta_1, ...
    a_ub, b_ub = np.vstack([d, -d]), np.full(2 * n_post, bound)
    top = optimize.linprog(-lv, A_ub=a_ub, b_ub=b_ub, bounds=(None, None), method="highs")
    bottom = optimize.linprog(lv, A_ub=a_ub, b_ub=b_ub, bounds=(None, None), method="highs")
    return theta + float(top.fun), theta - float(bottom.fun)


# -- smoothness ---------------------------------------------------------------------------------

def _sd_identified_set(beta: np.ndarray, n_pre: int, lv: np.ndarray, m: float) -> tuple[float, float]:
    """Bounds of ``theta`` with ``delta_pre = beta_pre`` and ``|second differences| <= M``
    (``delta_0 = 0``); ``(nan, nan)`` when the pre-period itself is not that smooth."""
    n_post = lv.size
    full = np.concatenate([beta[:n_pre], [0.0]])  # pre-period path with delta_0 = 0 appended
    # second differences over (pre..., 0, post...): a row per interior point
    k = n_pre + 1 + n_post
    d2 = np.zeros((k - 2, k))
    for i in range(k - 2):
        d2[i, i:i + 3] = (1.0, -2.0, 1.0)
    fixed, free = d2[:, :n_pre + 1], d2[:, n_pre + 1:]
    a_ub = np.vstack([free, -free])
    b_ub = np.concatenate([m - fixed @ full, m + fixed @ full])
    theta = float(lv @ beta[n_pre:])
    top = optimize.linprog(-lv, A_ub=a_ub, b_ub=b_ub, bounds=(None, None), method="highs")
    bottom = optimize.linprog(lv, A_ub=a_ub, b_ub=b_ub, bounds=(None, None), method="highs")
    if top.status == 2 or bottom.status == 2:
        return float("nan"), float("nan")
    return theta + float(top.fun), theta - float(bottom.fun)


@dataclass(frozen=True)
class _Flci:
    """The FLCI problem in slope weights ``w`` (one per pre-period change, the last into the
    reference): ``theta_hat = l' beta_post - sum_s w_s (beta_s - beta_{s-1})``."""

    q: np.ndarray       # variance = w'Qw + q'w + c0
    lin: np.ndarray
    c0: float
    target: float       # sum(w) that removes a linear trend: sum_t t * l_t
    constant: float     # worst-case bias / M = constant + sum |cumsum(w)|

    @classmethod
    def of(cls, sigma: np.ndarray, lv: np.ndarray, n_pre: int) -> _Flci:
        n_post = lv.size
        d = np.eye(n_pre) - np.eye(n_pre, k=-1)
        s_pre, s_pp = sigma[:n_pre, :n_pre], sigma[:n_pre, n_pre:]
        t = np.arange(1, n_post + 1)
        constant = sum(abs(float(np.arange(1, s + 1) @ lv[n_post - s:])) for s in range(1, n_post + 1))
        return cls(d.T @ s_pre @ d, 2.0 * d.T @ s_pp @ lv, float(lv @ sigma[n_pre:, n_pre:] @ lv),
                   float(t @ lv), constant - float(t @ lv))

    def var(self, w: np.ndarray) -> float:
        return float(w @ self.q @ w + self.lin @ w + self.c0)

    def bias(self, w: np.ndarray) -> float:
        """Worst-case bias over ``Delta^SD(1)`` (multiply by ``M``)."""
        return self.constant + float(np.abs(np.cumsum(w)).sum())

    def min_variance(self) -> np.ndarray:
        k = self.lin.size
        kkt = np.block([[2.0 * self.q, np.ones((k, 1))], [np.ones((1, k)), np.zeros((1, 1))]])
        rhs = np.concatenate([-self.lin, [self.target]])
        return np.linalg.lstsq(kkt, rhs, rcond=None)[0][:k]

    def min_bias_given_sd(self, h: float, start: np.ndarray) -> np.ndarray:
        """``argmin bias(w)`` subject to ``sum(w) = target`` and ``sd(w) <= h`` (SLSQP, x = [U; w])."""
        k = self.lin.size
        if k == 1:
            return np.array([self.target])
        low = np.tril(np.ones((k, k)))
        eye = np.eye(k)
        cons = [  # U >= |L w|, sum(w) = target, var(w) <= h^2
            {"type": "ineq", "fun": lambda x: x[:k] - low @ x[k:], "jac": lambda x: np.hstack([eye, -low])},
            {"type": "ineq", "fun": lambda x: x[:k] + low @ x[k:], "jac": lambda x: np.hstack([eye, low])},
            {"type": "eq", "fun": lambda x: np.sum(x[k:]) - self.target,
             "jac": lambda x: np.concatenate([np.zeros(k), np.ones(k)])},
            {"type": "ineq", "fun": lambda x: h * h - self.var(x[k:]),
             "jac": lambda x: np.concatenate([np.zeros(k), -(2.0 * self.q @ x[k:] + self.lin)])},
        ]
        c = np.concatenate([np.ones(k), np.zeros(k)])
        x0 = np.concatenate([np.abs(low @ start), start])
        res = optimize.minimize(lambda x: float(c @ x), x0, jac=lambda x: c, constraints=cons,
                                method="SLSQP", options={"ftol": 1e-13, "maxiter": 500})
        return np.asarray(res.x[k:])


def _w_to_v(w: np.ndarray, lv: np.ndarray) -> np.ndarray:
    """The estimator's direction ``v`` (``theta_hat = v' beta``) of slope weights ``w``."""
    return np.concatenate([w - np.concatenate([[0.0], w[:-1]]), lv])


def _flci(beta: np.ndarray, sigma: np.ndarray, n_pre: int, lv: np.ndarray, m: float,
          alpha: float) -> tuple[float, float]:
    """The optimal FLCI: minimise ``cv_alpha(M b(h) / h) h`` over the estimator's sd ``h``."""
    prob = _Flci.of(sigma, lv, n_pre)
    w_min = prob.min_variance()
    h_min = np.sqrt(max(prob.var(w_min), 0.0))
    w_last = np.zeros(n_pre)
    w_last[-1] = prob.target
    h_max = np.sqrt(max(prob.var(w_last), 0.0))
    if h_min <= 0:
        raise DataError("the event-study covariance gives an estimator of variance 0; check 'sigma'.")

    def half_length(h: float) -> tuple[float, np.ndarray]:
        w = prob.min_bias_given_sd(h, w_min)
        sd = np.sqrt(max(prob.var(w), 0.0))
        return folded_normal_quantile(m * prob.bias(w) / sd, alpha) * sd, w

    if m == 0 or h_max - h_min < 1e-12 * h_min:
        w = w_min if m == 0 else w_last
        chi = folded_normal_quantile(m * prob.bias(w) / np.sqrt(prob.var(w)), alpha) * np.sqrt(prob.var(w))
    else:
        grid = np.linspace(h_min, h_max, 15)
        vals = [half_length(h)[0] for h in grid]
        i = int(np.argmin(vals))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        best = optimize.minimize_scalar(lambda h: half_length(h)[0], bounds=(lo, hi), method="bounded",
                                        options={"xatol": 1e-10 * h_min})
        h_star = float(best.x) if best.fun <= vals[i] else float(grid[i])
        chi, w = half_length(h_star)
    centre = float(_w_to_v(w, lv) @ beta)
    return centre - chi, centre + chi


# -- public -------------------------------------------------------------------------------------

def robust_interval(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int, restriction: Restriction,
                    m: float, level: float = 0.95, l_vec: np.ndarray | None = None) -> dict[str, float]:
    """Identified set and robust confidence interval of ``theta = l' tau_post`` for one ``M``.

    Parameters
    ----------
    beta : numpy.ndarray
        Event-study coefficients, the ``n_pre`` pre-period ones first (ascending event time,
        reference omitted), then the post-period ones.
    sigma : numpy.ndarray
        Their covariance.
    n_pre : int
        Number of pre-period coefficients.
    restriction : {"relative_magnitude", "smoothness"}
        ``Delta^RM(Mbar)`` or ``Delta^SD(M)`` (module docstring).
    m : float
        ``Mbar`` or ``M`` (>= 0).
    level : float
        Confidence level.
    l_vec : numpy.ndarray, optional
        Weights of ``theta`` on the post-period coefficients; default their mean.

    Returns
    -------
    dict
        ``m, id_low, id_high`` (identified set at the estimated pre-period; NaN when the
        pre-period violates ``Delta^SD(M)`` itself), ``ci_low, ci_high``.
    """
    check_level(level)
    beta, sigma, lv = _check_inputs(beta, sigma, n_pre, l_vec)
    if not (np.isfinite(m) and m >= 0):
        raise DataError(f"'M' must be a finite number >= 0 (got {m!r}).")
    alpha = alpha_of(level)
    if restriction == "relative_magnitude":
        lo, hi = _rm_identified_set(beta, n_pre, lv, float(m))
        z = float(stats.norm.ppf(1 - alpha / 2)) * float(np.sqrt(lv @ sigma[n_pre:, n_pre:] @ lv))
        ci = (lo - z, hi + z)
    elif restriction == "smoothness":
        lo, hi = _sd_identified_set(beta, n_pre, lv, float(m))
        ci = _flci(beta, sigma, n_pre, lv, float(m), alpha)
    else:
        raise DataError(f"'restriction' must be 'relative_magnitude' or 'smoothness' (got {restriction!r}).")
    return {"m": float(m), "id_low": lo, "id_high": hi, "ci_low": ci[0], "ci_high": ci[1]}


def sensitivity(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int, restriction: Restriction,
                m_grid: Any = None, level: float = 0.95, l_vec: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`robust_interval` over a grid of ``M`` (default :data:`DEFAULT_GRIDS`).

    Returns
    -------
    pandas.DataFrame
        One row per ``M``: ``m, id_low, id_high, ci_low, ci_high, significant`` (0 outside the
        interval).
    """
    grid = DEFAULT_GRIDS.get(restriction, ()) if m_grid is None else m_grid
    rows = [robust_interval(beta, sigma, n_pre=n_pre, restriction=restriction, m=float(m), level=level,
                            l_vec=l_vec) for m in grid]
    out = pd.DataFrame(rows, columns=["m", "id_low", "id_high", "ci_low", "ci_high"])
    out["significant"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out


def breakdown_value(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int, restriction: Restriction,
                    level: float = 0.95, l_vec: np.ndarray | None = None, tol: float = 1e-6,
                    m_max: float = 1e6) -> float:
    """The smallest ``M`` at which the robust interval contains 0.

    0 when the interval at ``M = 0`` already contains 0; ``inf`` when it excludes 0 for every
    ``M`` up to ``m_max``.  The interval widens with ``M``, so the set of ``M`` with a significant
    effect is ``[0, breakdown)``; the value is bracketed by doubling (from 0.25 for relative
    magnitudes, a tenth of the standard error of ``l' beta_post`` for smoothness) and bisected to
    a relative precision ``tol``.
    """
    beta, sigma, lv = _check_inputs(beta, sigma, n_pre, l_vec)

    def covers(m: float) -> bool:
        r = robust_interval(beta, sigma, n_pre=n_pre, restriction=restriction, m=m, level=level, l_vec=lv)
        return bool(r["ci_low"] <= 0.0 <= r["ci_high"])

    if covers(0.0):
        return 0.0
    se = float(np.sqrt(lv @ sigma[n_pre:, n_pre:] @ lv))
    lo, hi = 0.0, 0.25 if restriction == "relative_magnitude" else 0.1 * se
    while not covers(hi):
        if hi > m_max:
            return float("inf")
        lo, hi = hi, 2.0 * hi
    while hi - lo > tol * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if covers(mid) else (mid, hi)
    return 0.5 * (lo + hi)


def honest_did(result: Any, *, restriction: Restriction = "relative_magnitude", m_grid: Any = None,
               level: float | None = None) -> pd.DataFrame:
    """Rambachan-Roth sensitivity of a staggered-DiD event study (``aggregation="dynamic"``).

    Parameters
    ----------
    result : lofteeval.results.EffectResult
        From :func:`lofteeval.estimators.staggered_did` with ``aggregation="dynamic"``; its
        ``diagnostics["event_study"]`` (an :class:`EventStudy` with a universal base period,
        coefficients against the last period before each cohort's start) is used, not the
        varying-base per-period effects.
    restriction, m_grid
        As :func:`sensitivity`.
    level : float, optional
        Default: the result's level.

    Returns
    -------
    pandas.DataFrame
        :func:`sensitivity`'s frame for the mean effect over event times ``0..E``, with
        ``attrs["breakdown"]`` (:func:`breakdown_value`), ``attrs["estimate"]`` (``l' beta_post``)
        and ``attrs["restriction"]``.

    Warns
    -----
    DesignWarning
        When the result's cohorts are too small for the analytic covariance (its overall
        inference is the placebo-cohort test, or it carries the small-cohort caveat): the
        covariance used here is the analytic one and understates the uncertainty.
    """
    es = result.diagnostics.get("event_study") if hasattr(result, "diagnostics") else None
    if not isinstance(es, EventStudy):
        raise DataError("honest_did needs a staggered-DiD event study: run staggered_did(..., "
                        "aggregation='dynamic') (its diagnostics['event_study'] holds the "
                        "coefficients and their covariance).")
    level = float(result.level) if level is None else level
    _warn_small_cohorts(result)
    n_pre = es.n_pre
    post_times = es.event_time[n_pre:]
    lv = np.where(post_times >= 0, 1.0, 0.0)  # anticipation periods carry no weight
    lv = lv / lv.sum()
    frame = sensitivity(es.estimate, es.vcov, n_pre=n_pre, restriction=restriction, m_grid=m_grid,
                        level=level, l_vec=lv)
    frame.attrs.update(breakdown=breakdown_value(es.estimate, es.vcov, n_pre=n_pre, restriction=restriction,
                                                 level=level, l_vec=lv),
                       estimate=float(lv @ es.estimate[n_pre:]), restriction=restriction, level=level)
    return frame


def _warn_small_cohorts(result: Any) -> None:
    small = result.inference_id == "placebo_cohort" or any(
        getattr(c, "values", {}).get("topic") == "small_cohorts" for c in result.warnings)
    if small:
        import warnings

        warnings.warn("the event study's covariance is analytic (influence functions), which "
                      "understates the uncertainty with few kommuner per cohort "
                      "(docs/calibration.md); these robust intervals inherit that.",
                      DesignWarning, stacklevel=3)
