"""Interrupted time series: segmented regression of one treated series (or the sum of several).

Model, with ``tau = time - treatment_start`` and ``post = tau >= 0``::

    g(E y_t) = a + b tau + c post + d tau post  (+ log exposure_t)

- **counts** (``exposure=``): Poisson GLM with a ``log(exposure)`` offset (statsmodels), or a
  negative-binomial GLM (``family="negbin"``, dispersion fixed at its method-of-moments estimate
  from a Poisson fit); the headline is the *average relative effect over the post-period*,
  ``sum(fitted_t) / sum(counterfactual_t) - 1`` with the counterfactual the extrapolated pre-trend
  (``c = d = 0``); its interval comes from the delta method on the log scale.
- **rates** (no exposure): OLS; the headline is the average absolute effect ``c + d * mean(tau_post)``.

Standard errors are Newey–West HAC with lag ``L = floor(4 (T / 100)^(2/9))`` (Newey & West 1994),
at least 1, with the small-sample correction; because annual series are short (10–15 points), the
critical values are Student-t with ``T - 4`` degrees of freedom, not normal.  Even so, HAC with so
few points underestimates the variance and a single series cannot tell a löfte from a year shock:
on null kommun panels with common year effects this design **over-rejects** (see
``tests/inference/test_calibration_small.py``).  Every result carries a caveat saying so.

Identifying assumption: without the löfte the pre-period trend would have continued unchanged.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._types import check_literal
from ..errors import DesignError, DesignWarning, caveat
from ..inference.power import mde_from_se
from ..results import EffectResult
from ._common import low_power_caveat, prepare_panel, standard_caveats

__all__ = ["its", "ItsFamily", "hac_lag"]

ItsFamily = Literal["poisson", "negbin"]
N_PARAMS = 4


def hac_lag(n_obs: int) -> int:
    """Newey–West (1994) plug-in lag ``floor(4 (T/100)^(2/9))``, at least 1."""
    return max(1, int(np.floor(4 * (n_obs / 100) ** (2 / 9))))


def its(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: Hashable | Iterable[Hashable],
    treatment_start: object,
    exposure: str | None = None,
    level: float = 0.95,
    family: ItsFamily = "poisson",
) -> EffectResult:
    """Segmented-regression ITS estimate of a level and slope change at ``treatment_start``.

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame, one row per ``(unit, time)``; never modified.  Other units are ignored.
    unit, time, outcome : str
        Column names; ``time`` must be numeric (years).
    treated : id or list of ids
        Treated unit(s); several are summed (counts, exposure) or averaged (rates) per time.
    treatment_start : scalar
        First post-period time.
    exposure : str, optional
        Population column; selects the count model with ``log(exposure)`` offset.
    level : float
        Confidence level.
    family : {"poisson", "negbin"}
        Count family (ignored for rates).

    Returns
    -------
    EffectResult
        ``method="its"``; ``effects`` per time (observed, counterfactual from the pre-trend,
        effect); ``diagnostics`` hold the level and slope changes with their standard errors.

    Raises
    ------
    DataError, DesignError
        Bad columns, non-numeric time, fewer than 3 pre-periods or 1 post-period, too few points.

    Examples
    --------
    >>> from lofteeval.datasets import simulate_null_panel
    >>> df = simulate_null_panel(n_units=5, seed=1)
    >>> res = its(df, unit="kommun", time="year", outcome="count", treated="0001",
    ...           treatment_start=2020, exposure="population")
    >>> res.scale
    'relative'
    """
    check_literal(family, ItsFamily, "family")
    if not 0 < level < 1:
        raise DesignError(f"level must be in (0, 1) (got {level}).")
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated=treated,
                          treatment_start=treatment_start, exposure=exposure, controls=[],
                          require_controls=False)
    if not np.issubdtype(panel.times.dtype, np.number):
        raise DesignError(f"ITS needs a numeric time column (got dtype {panel.times.dtype}).")
    n_obs = panel.times.size
    if panel.n_pre < 3 or n_obs < N_PARAMS + 2:
        raise DesignError(
            f"ITS needs >= 3 pre-period points and >= {N_PARAMS + 2} in all "
            f"(got {panel.n_pre} pre, {n_obs} total). Use before_after or a longer series."
        )
    notes: list[str] = []
    standard_caveats(notes, panel, min_pre=6, counts=exposure is not None)
    caveat(notes, DesignWarning,
           f"single-series ITS with {n_obs} annual points: HAC standard errors (lag {hac_lag(n_obs)}) "
           f"and t({n_obs - N_PARAMS}) critical values are approximate, and a year shock after the "
           "start is attributed to the löfte; on null panels this design over-rejects.")
    tau = (panel.times - float(treatment_start)).astype(float)
    post = panel.post.astype(float)
    x = np.column_stack([np.ones_like(tau), tau, post, tau * post])
    if exposure is not None:
        num = _fit_counts(panel, x, level, family)
    else:
        num = _fit_rates(panel, x, level)
    low_power_caveat(notes, num["mde"], relative=exposure is not None, baseline=num["baseline"])
    return EffectResult(
        method="its",
        estimate=num["estimate"],
        ci_low=num["low"],
        ci_high=num["high"],
        p_value=num["p"],
        level=level,
        inference=f"Newey-West HAC (lag {hac_lag(n_obs)}), t({n_obs - N_PARAMS}), delta method",
        scale="relative" if exposure is not None else "absolute",
        effects=num["effects"],
        mde=num["mde"],
        diagnostics={"n_comparison": 0, "n_pre": panel.n_pre, "n_post": panel.n_post,
                     "hac_lag": hac_lag(n_obs), "df": n_obs - N_PARAMS, **num["diag"]},
        warnings=tuple(notes),
    )


def _interval(est: float, se: float, df: int, level: float) -> tuple[float, float, float]:
    crit = stats.t.ppf(0.5 + level / 2, df)
    p = float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else float("nan")
    return est - crit * se, est + crit * se, p


def _fit_rates(panel, x: np.ndarray, level: float) -> dict:
    import statsmodels.api as sm

    y = panel.y.mean(axis=1).to_numpy()
    n_obs = y.size
    fit = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": hac_lag(n_obs), "use_correction": True})
    tau_post = x[panel.post, 1]
    grad = np.array([0.0, 0.0, 1.0, tau_post.mean()])
    est = float(grad @ fit.params)
    se = float(np.sqrt(grad @ fit.cov_params() @ grad))
    df = n_obs - N_PARAMS
    low, high, p = _interval(est, se, df, level)
    cf = x[:, :2] @ fit.params[:2]
    pre_mean = float(y[~panel.post].mean())
    return {
        "estimate": est, "low": float(low), "high": float(high), "p": p, "baseline": pre_mean,
        "mde": mde_from_se(se, level=level, df=df),
        "effects": pd.DataFrame({"time": panel.times, "observed": y, "counterfactual": cf,
                                 "effect": y - cf, "post": panel.post}),
        "diag": _coef_diag(fit.params, fit.cov_params(), se),
    }


def _fit_counts(panel, x: np.ndarray, level: float, family: str) -> dict:
    import statsmodels.api as sm

    y = panel.y.sum(axis=1).to_numpy()
    e = panel.exposure.sum(axis=1).to_numpy()
    if y[panel.post].sum() == 0 or y[~panel.post].sum() == 0:
        raise DesignError("ITS on counts needs non-zero counts before and after the start.")
    n_obs = y.size
    offset = np.log(e)
    fam = sm.families.Poisson()
    if family == "negbin":
        mu0 = sm.GLM(y, x, family=fam, offset=offset).fit().mu
        alpha = max(1e-8, float(np.sum(((y - mu0) ** 2 - mu0) / mu0**2) / (n_obs - N_PARAMS)))
        fam = sm.families.NegativeBinomial(alpha=alpha)
    fit = sm.GLM(y, x, family=fam, offset=offset).fit(
        cov_type="HAC", cov_kwds={"maxlags": hac_lag(n_obs), "use_correction": True})
    params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    post = panel.post

    def log_avg(theta: np.ndarray) -> float:
        cf = np.exp(x[post, :2] @ theta[:2] + offset[post])
        fitted = np.exp(x[post] @ theta + offset[post])
        return float(np.log(fitted.sum() / cf.sum()))

    g = log_avg(params)
    grad = np.array([(log_avg(params + h) - log_avg(params - h)) / (2 * 1e-6)
                     for h in np.eye(N_PARAMS) * 1e-6])
    se = float(np.sqrt(grad @ cov @ grad))
    df = n_obs - N_PARAMS
    low, high, p = _interval(g, se, df, level)
    cf = np.exp(x[:, :2] @ params[:2] + offset)
    return {
        "estimate": float(np.expm1(g)), "low": float(np.expm1(low)), "high": float(np.expm1(high)),
        "p": p, "baseline": 1.0, "mde": float(-np.expm1(-mde_from_se(se, level=level, df=df))),
        "effects": pd.DataFrame({"time": panel.times, "observed": y, "counterfactual": cf,
                                 "effect": y / cf - 1, "post": post}),
        "diag": {**_coef_diag(params, cov, se), "family": family},
    }


def _coef_diag(params: np.ndarray, cov: np.ndarray, se: float) -> dict:
    params, cov = np.asarray(params), np.asarray(cov)
    return {"level_change": float(params[2]), "level_change_se": float(np.sqrt(cov[2, 2])),
            "slope_change": float(params[3]), "slope_change_se": float(np.sqrt(cov[3, 3])),
            "se": se}
