"""Interrupted time series: segmented regression of one treated series (or the sum of several).

Model, with ``tau = time - treatment_start`` and ``post = tau >= 0``::

    g(E y_t) = a + b tau + c post + d tau post  (+ log exposure_t)

- **counts** (``exposure=``): Poisson GLM with a ``log(exposure)`` offset (statsmodels), or a
  negative-binomial GLM (``family="negbin"``, dispersion fixed at its method-of-moments estimate
  from a Poisson fit); the headline is the *average relative effect over the post-period*,
  ``sum(fitted_t) / sum(counterfactual_t) - 1`` with the counterfactual the extrapolated pre-trend
  (``c = d = 0``); its interval comes from the delta method on the log scale.
- **rates** (no exposure): OLS; the headline is the average absolute effect ``c + d * mean(tau_post)``.

Default counterfactual (``counterfactual="structural"``): a local level model with drift (random-walk
level, fixed slope, irregular noise; statsmodels' ``"lldtrend"``) fitted to the pre-period log rate
``log((y + 0.5) / exposure)`` (counts; known Poisson variance of a log count at the pre-trend's
expected count plus an estimated extra; at least ``MIN_COUNTS_PER_YEAR`` counts a pre-period
year) or the rate (rates); the post-period mean is compared with its posterior predictive
distribution (variances integrated out, see ``_local_level``), whose variance grows with the horizon
and includes the uncertainty of the drift.  Counts: with at least ``_noise_pool.POOL_MIN`` other
kommuner of at least ``MIN_COUNTS_PER_YEAR`` counts a year in ``data``, the level variance is learned
from them (empirical Bayes, ``_noise_pool``); the forecast, its drift and the irregular noise stay the
treated kommun's own.  Headline = post mean minus predictive median
(``exp(.) - 1`` for counts); the interval is inverted from the same distribution, so ``p < alpha``
exactly when it excludes 0.  The segmented regression is still fitted: its level and slope changes
are diagnostics and its pre-trend is the pre-period counterfactual in ``effects``; post-period rows
show the structural forecast.  Needs ``MIN_STRUCTURAL_PRE`` (5) pre-period points, else the
stationary inference is used with a caveat.

``counterfactual="trend"``: the average post-period level is a new draw from the segmented model
fitted before the start.  Its variance is the year-level residual variance (counts: ``1 / E_post``
Poisson noise plus ``(phi - 1) / mean(E_post_year)`` with ``phi`` the quasi-Poisson Pearson
dispersion, as one draw; rates: the OLS residual variance ``s2`` as one draw) plus the forecast
error of the extrapolated pre-trend (delta method with the quasi-likelihood and the Newey–West HAC
covariance, lag ``L = floor(4 (T / 100)^(2/9))`` at least 1, whichever is larger), with Student-t
critical values on ``T - 4`` df.  With a single post-period point the slope change is not
identified: the level-change-only model ``a + b tau + c post`` is fitted (``T - 3`` df) with a caveat.

Assumption and honesty note: the kommun's own past movement (trend plus random-walk level) is the
only guide; common shocks are not removed but counted as uncertainty (false positives, coverage and
power on null panels: ``docs/calibration.md``).  Every result carries a caveat saying that there is
no comparison group.

Identifying assumption: without the löfte the pre-period trend would have continued unchanged.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._types import check_level, check_literal
from ..inference.methods import resolve_counterfactual
from ._local_level import log_count_variance, structural_test
from ._noise_pool import noise_pool, pool_label, pooled_predictive
from ..errors import DesignError, DesignWarning, caveat
from ..inference.power import mde_both_directions, mde_from_se
from ..results import EffectResult
from ._assemble import Fit, Uncertainty, assemble
from ._panel import Panel, prepare_panel
from ._common import check_uncertainty, period_diagnostics, standard_caveats
from ._warnings import SMALL_COUNT as MIN_COUNTS_PER_YEAR  # the one small-count rule (docs/calibration.md)
from ._warnings import refuse_small_counts, treated_counts

__all__ = ["its", "ItsFamily", "ItsInference", "hac_lag", "MIN_STRUCTURAL_PRE"]

ItsFamily = Literal["poisson", "negbin"]
ItsInference = Literal["posterior_predictive", "prediction", "structural", "stationary"]
ItsCounterfactual = Literal["structural", "trend"]
MIN_STRUCTURAL_PRE = 5
N_PARAMS = 4
NO_COMPARISON = (
    "no comparison group: the kommun's own past trend and movement are the only guide, and "
    "regional/national shocks after the start are not removed (the default structural interval "
    "counts them as uncertainty; a shock unlike the kommun's past is attributed to the löfte). "
    "Prefer did or synthetic_control for causal claims."
)


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
    inference: ItsInference | None = None,
    counterfactual: ItsCounterfactual | None = None,
) -> EffectResult:
    """Segmented-regression ITS estimate of a level and slope change at ``treatment_start``.

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame, one row per ``(unit, time)``; never modified.  Other units never enter the
        estimate; with counts they inform the level variance of the structural forecast.
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
        Count family of the segmented regression (ignored for rates).
    counterfactual : {"structural", "trend"}
        What would have happened: ``"structural"`` (default) the local level with drift forecast,
        ``"trend"`` the extrapolated segmented-regression trend.
    inference : {"posterior_predictive", "prediction"}, optional
        The interval that goes with the counterfactual; older names ``"structural"`` and
        ``"stationary"`` choose the counterfactual as before.
        Forecast from a local level model with drift fitted to the pre-period (default; needs
        ``MIN_STRUCTURAL_PRE`` pre-period points, otherwise the stationary one is used with a caveat)
        or the segmented-regression prediction interval.

    Returns
    -------
    EffectResult
        ``method="its"``; ``effects`` per time (observed, counterfactual from the pre-trend,
        effect); ``diagnostics`` hold the level and slope changes with their standard errors.

    Raises
    ------
    DataError, DesignError
        Bad columns, non-numeric time, fewer than 3 pre-periods, fewer than 2 residual degrees of
        freedom, zero counts before or after, or a series with no variation around its trend.

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
    cf_name = resolve_counterfactual("its", counterfactual, inference)[0]
    check_level(level)
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated=treated,
                          treatment_start=treatment_start, exposure=exposure, pooled=False)
    if not np.issubdtype(panel.times.dtype, np.number):
        raise DesignError(f"ITS needs a numeric time column (got dtype {panel.times.dtype}).")
    notes: list[str] = []
    x = _design_matrix(panel, notes)
    n_obs, n_params = x.shape
    if panel.n_pre < 3 or n_obs - n_params < 2:
        raise DesignError(
            f"ITS needs >= 3 pre-period points and >= {n_params + 2} in all to estimate a trend and "
            f"the year-level noise (got {panel.n_pre} pre, {n_obs} total). Use before_after or a "
            "longer series."
        )
    standard_caveats(notes, panel, min_pre=6)
    if exposure is not None:
        _check_counts_per_year(panel)
    caveat(notes, DesignWarning, NO_COMPARISON, topic="no_comparison")
    try:
        num = _fit_counts(panel, x, level, family) if exposure is not None else _fit_rates(panel, x, level)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as err:
        raise DesignError(
            f"the segmented regression could not be fitted to this series ({type(err).__name__}: {err}). "
            "It needs a numeric time with distinct periods and a series that varies; use before_after."
        ) from err
    df = n_obs - n_params
    label = (f"prediction interval: post level as a new draw from the segmented model's year-level "
             f"residual variance plus trend-forecast error (quasi-likelihood or Newey-West HAC, "
             f"lag {hac_lag(n_obs)}, the larger), t({df})")
    inference_id = "prediction_segmented"
    if cf_name == "structural" and _structural_ok(panel, notes):
        pool = None if exposure is None else noise_pool(
            data, unit=unit, time=time, outcome=outcome, exposure=exposure, treated=panel.treated,
            treatment_start=treatment_start, min_count=MIN_COUNTS_PER_YEAR, notes=notes)
        num, label = _structural(panel, num, level, counts=exposure is not None, pool=pool)
        inference_id = "posterior_predictive_drift"
    fit = Fit(estimate=num["estimate"], effects=num["effects"], counts=treated_counts(panel),
              scale="relative" if exposure is not None else "absolute",
              diagnostics={"n_comparison": 0, "n_pre": panel.n_pre, "n_post": panel.n_post,
                           **mde_both_directions(num["mde"], relative=exposure is not None),
                           **period_diagnostics(panel), "hac_lag": hac_lag(n_obs), "df": df,
                           "slope_change_identified": n_params == N_PARAMS, **num["diag"],
                           "counterfactual": ("structural" if inference_id == "posterior_predictive_drift"
                                              else "trend")})
    return assemble("its", fit, Uncertainty(low=num["low"], high=num["high"], p_value=num["p"],
                                            mde=num["mde"], inference_id=inference_id, label=label),
                    level=level, caveats=notes)


def _check_counts_per_year(panel: Panel) -> None:
    """Refuse counts below ``MIN_COUNTS_PER_YEAR`` a pre-period year (measured, docs/calibration.md)."""
    refuse_small_counts(float(panel.y.sum(axis=1).to_numpy()[~panel.post].mean()), "ITS on counts")


def _structural_ok(panel: Panel, notes: list[str]) -> bool:
    if panel.n_pre >= MIN_STRUCTURAL_PRE:
        return True
    caveat(notes, DesignWarning,
           f"only {panel.n_pre} pre-period points: the local level model with drift needs >= "
           f"{MIN_STRUCTURAL_PRE}, so the stationary segmented-regression interval is used instead.",
           topic="structural_short", n_pre=panel.n_pre, need=MIN_STRUCTURAL_PRE)
    return False


def _structural(panel: Panel, num: dict, level: float, *, counts: bool,
                pool: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[dict, str]:
    """Replace the headline inference by the local-level-with-drift forecast of the post period."""
    post = panel.post
    if counts:
        y = panel.y.sum(axis=1).to_numpy()
        assert panel.exposure is not None  # counts come with their exposure
        e = panel.exposure.sum(axis=1).to_numpy()
        # known variance from the pre-trend's expected count (the observed 1 / (y + 0.5) biased the
        # forecast upwards at small counts, see _local_level.log_count_variance)
        expected = num["effects"]["counterfactual"].to_numpy(dtype=float)
        z, known, exp_post = np.log((y + 0.5) / e), log_count_variance(expected), e[post]
    else:
        z = panel.y.mean(axis=1).to_numpy()
        known, exp_post = np.zeros(z.size), None
    mix = None if pool is None else pooled_predictive(z[~post], known[~post], z[post], exp_post, *pool,
                                                      trend=True)
    res = structural_test(z[~post], known[~post], z[post], exp_post, trend=True, level=level, mix=mix)
    check_uncertainty(res["se"], design="ITS", what="year-to-year variation around the pre-period trend")
    eff = num["effects"].copy()
    fc = res["forecast"]
    cf = np.exp(fc) * exp_post if counts else fc
    eff.loc[post, "counterfactual"] = cf
    obs = eff.loc[post, "observed"].to_numpy()
    eff.loc[post, "effect"] = obs / cf - 1 if counts else obs - cf
    tr = np.expm1 if counts else (lambda x: x)  # noqa: E731
    mde = mde_from_se(res["se"], level=level)
    out = {**num, "estimate": float(tr(res["gap"])), "low": float(tr(res["low"])),
           "high": float(tr(res["high"])), "p": res["p"], "effects": eff,
           "mde": float(-np.expm1(-mde)) if counts else mde,
           "diag": {**num["diag"], "se_stationary": num["diag"]["se"], **res["diag"]}}
    label = (f"structural forecast: local level model with drift of the pre-period "
             f"{'log rate' if counts else 'series'} (random-walk level, fixed slope), post mean vs "
             f"its posterior predictive distribution{pool_label(pool)}")
    return out, label


def _design_matrix(panel: Panel, notes: list[str]) -> np.ndarray:
    """``[1, tau, post, tau * post]``; without the slope change when there is one post period."""
    tau = (panel.times - float(np.asarray(panel.treatment_start))).astype(float)
    post = panel.post.astype(float)
    if panel.n_post >= 2:
        return np.column_stack([np.ones_like(tau), tau, post, tau * post])
    caveat(notes, DesignWarning,
           f"only {panel.n_post} post-period point: a slope change is not identified, so only the level "
           "change is estimated (the counterfactual is the extrapolated pre-period trend).",
           topic="level_only", n_post=panel.n_post)
    return np.column_stack([np.ones_like(tau), tau, post])


def _interval(est: float, se: float, df: int, level: float) -> tuple[float, float, float]:
    check_uncertainty(se, design="ITS", what="year-to-year variation around the segmented trend")
    crit = stats.t.ppf(0.5 + level / 2, df)
    p = float(2 * stats.t.sf(abs(est) / se, df))
    return est - crit * se, est + crit * se, p


def _forecast_var(grad: np.ndarray, *covs: np.ndarray) -> float:
    """Largest ``grad' C grad`` over the pre-trend blocks ``C[:2, :2]`` of the given covariances."""
    return max(float(grad @ np.asarray(c)[:2, :2] @ grad) for c in covs)


def _fit_rates(panel: Panel, x: np.ndarray, level: float) -> dict:
    import statsmodels.api as sm

    y = panel.y.mean(axis=1).to_numpy()
    n_obs, k = x.shape
    fit = sm.OLS(y, x).fit()
    hac = fit.get_robustcov_results(cov_type="HAC", maxlags=hac_lag(n_obs), use_correction=True)
    post = panel.post
    tau_post = x[post, 1]
    grad = np.array([0.0, 0.0, 1.0, tau_post.mean()])[:k]
    est = float(grad @ fit.params)
    s2 = float(fit.ssr / (n_obs - k))
    var = s2 + _forecast_var(np.array([1.0, tau_post.mean()]), fit.cov_params(), hac.cov_params())
    se = float(np.sqrt(var))
    df = n_obs - k
    low, high, p = _interval(est, se, df, level)
    cf = x[:, :2] @ fit.params[:2]
    pre_mean = float(y[~post].mean())
    return {
        "estimate": est, "low": float(low), "high": float(high), "p": p, "baseline": pre_mean,
        "mde": mde_from_se(se, level=level, df=df),
        "effects": pd.DataFrame({"time": panel.times, "observed": y, "counterfactual": cf,
                                 "effect": y - cf, "post": post}),
        "diag": {**_coef_diag(fit.params, hac.cov_params(), se), "residual_variance": s2},
    }


def _fit_counts(panel: Panel, x: np.ndarray, level: float, family: str) -> dict:
    import statsmodels.api as sm

    y = panel.y.sum(axis=1).to_numpy()
    assert panel.exposure is not None  # counts come with their exposure
    e = panel.exposure.sum(axis=1).to_numpy()
    post = panel.post
    if y[post].sum() == 0 or y[~post].sum() == 0:
        raise DesignError(
            f"ITS on counts needs non-zero counts before and after the start (got {y[~post].sum():g} "
            f"before, {y[post].sum():g} after). Use a broader indicator or a longer window.")
    n_obs, k = x.shape
    offset = np.log(e)
    pois = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
    phi = max(1.0, float(pois.pearson_chi2 / (n_obs - k)))
    fit = pois
    if family == "negbin":
        mu0 = pois.mu
        alpha = max(1e-8, float(np.sum(((y - mu0) ** 2 - mu0) / mu0**2) / (n_obs - k)))
        fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset).fit()
    hac = sm.GLM(y, x, family=fit.model.family, offset=offset).fit(
        cov_type="HAC", cov_kwds={"maxlags": hac_lag(n_obs), "use_correction": True})
    params = np.asarray(fit.params)
    cf = np.exp(x[:, :2] @ params[:2] + offset)
    fitted = np.exp(x @ params + offset)
    g = float(np.log(fitted[post].sum() / cf[post].sum()))
    cf_post = cf[post]
    # Poisson noise averages over the post years, the year-level excess (phi - 1) does not
    var_new = 1 / cf_post.sum() + (phi - 1) / cf_post.mean()
    grad = np.array([1.0, float(np.sum(cf_post * x[post, 1]) / cf_post.sum())])
    var = var_new + _forecast_var(grad, phi * np.asarray(pois.cov_params()), hac.cov_params())
    se = float(np.sqrt(var))
    df = n_obs - k
    low, high, p = _interval(g, se, df, level)
    return {
        "estimate": float(np.expm1(g)), "low": float(np.expm1(low)), "high": float(np.expm1(high)),
        "p": p, "baseline": 1.0, "mde": float(-np.expm1(-mde_from_se(se, level=level, df=df))),
        "effects": pd.DataFrame({"time": panel.times, "observed": y, "counterfactual": cf,
                                 "effect": y / cf - 1, "post": post}),
        "diag": {**_coef_diag(params, hac.cov_params(), se), "family": family, "dispersion": phi},
    }


def _coef_diag(params: np.ndarray, cov: np.ndarray, se: float) -> dict:
    params, cov = np.asarray(params), np.asarray(cov)
    slope = params.size > 3
    return {"level_change": float(params[2]), "level_change_se": float(np.sqrt(cov[2, 2])),
            "slope_change": float(params[3]) if slope else float("nan"),
            "slope_change_se": float(np.sqrt(cov[3, 3])) if slope else float("nan"),
            "se": se}
