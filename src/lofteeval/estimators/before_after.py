"""Before/after comparison in the treated unit(s) only, with no comparison group.

Three cases, chosen by the columns given:

- **counts with exposure** (``exposure=``): default counterfactual (``counterfactual="structural"``) is a
  structural time-series forecast: a local level model (random-walk level plus irregular noise,
  Harvey 1989) of the pre-period log rate ``log((y + 0.5) / exposure)``, the irregular variance being
  the known Poisson variance of a log count at the pre-period level (from the expected, not the
  observed, count: the observed one weighted high-count years more and biased small counts towards
  "crime fell") plus an estimated extra; the post-period mean log rate is
  compared with its posterior predictive distribution (both variances integrated out under
  half-Cauchy priors, see ``_local_level``), whose variance grows with the distance from the last
  pre-period year.  The estimate is ``exp(post mean - predictive median) - 1``, the interval is
  inverted from the same distribution (``p < alpha`` exactly when it excludes 0).  Needs
  ``MIN_STRUCTURAL_PRE`` (4) pre-period years, otherwise the stationary inference is used with a
  caveat.  ``counterfactual="mean"``: the post/pre rate ratio, with the post level as a new draw
  from a stationary pre-period process; on the log scale its variance is ``1 / E_post`` (Poisson
  noise, which averages over the post years) ``+ (phi - 1) / mean(E_post_year)`` (the year-level
  excess over Poisson, ``phi`` the quasi-Poisson dispersion of the pre-period years, one new draw)
  ``+ phi / count_pre`` (error of the pre-period level), with ``t(n_pre - 1)`` critical values.  In
  both, the exact conditional Poisson test (Clopper-Pearson) is kept as a diagnostic (``p_exact``,
  ``exact_interval``) and is reported instead when its interval is the wider one (tiny counts) or
  when there is a single pre-period year.  ``scale="relative"`` (ratio - 1).  Fewer than 10
  counts a pre-period year are refused (``SmallCountsError``, the rule of every count design:
  there the forecast's MDE is 70-80 % of the level and a fall of 30 % is practically never
  detected, ``docs/calibration.md``).
- **survey shares** (``n=``; outcome in percent, ``n`` respondents): difference of pooled post and
  pre proportions in percentage points, its binomial standard error inflated by the between-wave
  dispersion of the pre-period when that exceeds sampling noise.  ``scale="absolute"``.
- **rates without counts**: ``counterfactual="structural"`` (default): the same local level forecast
  on the rate itself (no known noise part), effect = post mean minus the predictive median.
  ``counterfactual="mean"``: the post-period mean minus the pre-period mean with the prediction
  standard error ``s_pre * sqrt(1 + 1 / n_pre)`` and ``t(n_pre - 1)`` critical values.  Welch's
  test is kept as a diagnostic (``p_welch``).  ``scale="absolute"``.

Assumption and honesty note: with no comparison group, the kommun's own past movement is the
only guide to what would have happened.  Common regional or national shocks are not removed; the
structural model treats them as part of the kommun's random-walk level, so they widen the interval
(the further from the start, the wider) instead of being attributed to the löfte with false
confidence (false positives, coverage and power on null panels: ``docs/calibration.md``).
A real effect cannot be told from a kommun-specific shock at the same time; prefer ``did`` or
``synthetic_control`` for causal claims; every result carries a caveat saying so.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DesignError, DesignWarning, ShortPrePeriodWarning, caveat
from ..inference.methods import resolve_counterfactual
from ..inference.power import mde_both_directions, mde_from_se
from ..results import EffectResult
from ._assemble import Fit, Uncertainty, assemble
from ._panel import Panel, prepare_panel
from ._common import check_uncertainty, period_diagnostics, standard_caveats
from ._warnings import refuse_small_counts, treated_counts
from .._types import alpha_of, check_level
from ._local_level import log_count_variance, structural_test

__all__ = ["before_after", "BaInference", "MIN_STRUCTURAL_PRE"]

BaInference = Literal["posterior_predictive", "prediction", "structural", "stationary"]
BaCounterfactual = Literal["structural", "mean"]
MIN_STRUCTURAL_PRE = 4

NO_COMPARISON = (
    "no comparison group: the kommun's own past movement is the only guide, and regional/national "
    "shocks after the start are not removed (the default structural interval counts them as "
    "uncertainty; a shock unlike the kommun's past is attributed to the löfte). Prefer did or "
    "synthetic_control for causal claims."
)


def before_after(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: Hashable | Iterable[Hashable],
    treatment_start: object,
    exposure: str | None = None,
    n: str | None = None,
    level: float = 0.95,
    pre_years: int | Sequence | None = None,
    inference: BaInference | None = None,
    counterfactual: BaCounterfactual | None = None,
) -> EffectResult:
    """Compare the treated unit(s) after ``treatment_start`` with before.

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame, one row per ``(unit, time)``; never modified.  Other units are ignored.
    unit, time, outcome : str
        Column names.  With ``exposure`` the outcome is a count; with ``n`` a percentage.
    treated : id or list of ids
        Treated unit(s); several are pooled (counts and exposure summed, respondents pooled,
        rates averaged per year).
    treatment_start : scalar
        First post-period time.
    exposure : str, optional
        Population column; selects the rate-ratio analysis of counts.
    n : str, optional
        Respondents column; selects the difference of proportions (outcome in percent).
    level : float
        Confidence level.
    pre_years : int or list, optional
        Use only the last ``pre_years`` pre-period years (or the listed ones).
    counterfactual : {"structural", "mean"}
        What would have happened: ``"structural"`` (default) the local level forecast of the
        pre-period years, ``"mean"`` the pre-period level.
    inference : {"posterior_predictive", "prediction"}, optional
        The interval that goes with the counterfactual (the structural forecast's posterior
        predictive, or the prediction interval of a new draw); older names ``"structural"`` and
        ``"stationary"`` choose the counterfactual as before.
        Counts and rates: forecast from a local level model fitted to the pre-period (default) or
        the post level as a new draw from a stationary pre-period process.  Ignored for shares.

    Returns
    -------
    EffectResult
        ``method="before_after"``; ``effects`` has one row per time (observed, counterfactual = the
        pre-period level, effect).

    Raises
    ------
    DataError, DesignError
        Missing columns, both ``exposure`` and ``n`` given, no pre/post period, zero counts;
        ``SmallCountsError`` (a ``DesignError``) below 10 counts a pre-period year.

    Examples
    --------
    >>> from lofteeval.datasets import simulate_null_panel
    >>> df = simulate_null_panel(n_units=5, seed=1)
    >>> res = before_after(df, unit="kommun", time="year", outcome="count", treated="0001",
    ...                    treatment_start=2020, exposure="population")
    >>> res.scale
    'relative'
    """
    if exposure is not None and n is not None:
        raise DesignError("pass exposure= (counts) or n= (survey shares), not both.")
    check_level(level)
    structural_asked = resolve_counterfactual("before_after", counterfactual, inference)[0] == "structural"
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated=treated,
                          treatment_start=treatment_start, exposure=exposure, n=n, pooled=False,
                          pre_years=pre_years)
    notes: list[str] = []
    standard_caveats(notes, panel, min_pre=3)
    caveat(notes, DesignWarning, NO_COMPARISON, topic="no_comparison")
    structural = structural_asked and n is None and _structural_ok(panel, notes)
    if exposure is not None:
        num = _counts(panel, level, notes, structural)
    elif n is not None:
        num = _shares(panel, level, notes)
    else:
        num = _rates(panel, level, notes, structural)
    fit = Fit(estimate=num["estimate"], effects=num["effects"], scale=num["scale"], counts=treated_counts(panel),
              diagnostics={"n_comparison": 0, "n_pre": panel.n_pre, "n_post": panel.n_post,
                           **mde_both_directions(num["mde"], relative=num["scale"] == "relative"),
                           **period_diagnostics(panel), **num["diag"],
                           "counterfactual": "structural" if num["id"] == "posterior_predictive" else "mean"})
    unc = Uncertainty(low=num["low"], high=num["high"], p_value=num["p"], mde=num["mde"],
                      inference_id=num["id"], label=num["label"], values=num.get("values", {}))
    return assemble("before_after", fit, unc, level=level, caveats=notes)


def _effects(panel: Panel, observed: np.ndarray, level_pre: float | np.ndarray,
             relative: bool) -> pd.DataFrame:
    cf = np.broadcast_to(np.asarray(level_pre, dtype=float), observed.shape)
    eff = observed / cf - 1 if relative else observed - cf
    return pd.DataFrame({"time": panel.times, "observed": observed, "counterfactual": cf, "effect": eff,
                         "post": panel.post})


def _exact_log_rr(k: int, total: int, e0: float, e1: float, alpha: float) -> tuple[float, float, float]:
    """Exact conditional test: ``(p, log low, log high)`` of the rate ratio (Clopper-Pearson)."""
    share = e1 / (e0 + e1)
    p = min(1.0, 2 * min(stats.binom.sf(k - 1, total, share), stats.binom.cdf(k, total, share)))
    lo = stats.beta.ppf(alpha / 2, k, total - k + 1) if k > 0 else 0.0
    hi = stats.beta.ppf(1 - alpha / 2, k + 1, total - k) if k < total else 1.0
    odds = e0 / e1
    with np.errstate(divide="ignore"):
        return float(p), float(np.log(lo / (1 - lo) * odds)), float(np.log(hi / (1 - hi) * odds))


def _structural_ok(panel: Panel, notes: list[str]) -> bool:
    if panel.n_pre >= MIN_STRUCTURAL_PRE:
        return True
    caveat(notes, ShortPrePeriodWarning,
           f"only {panel.n_pre} pre-period year(s): the local level model needs >= {MIN_STRUCTURAL_PRE} to "
           "estimate its two variances, so the stationary prediction interval is used instead.",
           n_pre=panel.n_pre, need=MIN_STRUCTURAL_PRE)
    return False


def _counts(panel: Panel, level: float, notes: list[str], structural: bool) -> dict:
    assert panel.exposure is not None  # counts come with their exposure (prepare_panel)
    y = panel.y.sum(axis=1).to_numpy()
    e = panel.exposure.sum(axis=1).to_numpy()
    post = panel.post
    refuse_small_counts(float(y[~post].mean()), "before/after on counts")
    y1, y0, e1, e0 = y[post].sum(), y[~post].sum(), e[post].sum(), e[~post].sum()
    if y0 == 0 or y1 == 0:
        raise DesignError(
            f"before/after needs counts in both periods (got {y0:g} before, {y1:g} after); a rate "
            "ratio with a zero count is undefined. Use a broader indicator or a longer window."
        )
    rr = (y1 / e1) / (y0 / e0)
    alpha = alpha_of(level)
    p_exact, *exact = _exact_log_rr(int(round(y1)), int(round(y0 + y1)), e0, e1, alpha)
    rate0 = y0 / e0
    cf = np.full(y.shape, rate0)
    if structural:
        z = np.log((y + 0.5) / e)
        known = log_count_variance(rate0 * e[~post])  # from the expected count, not the observed one
        num = structural_test(z[~post], known, z[post], e[post], trend=False, level=level)
        est, pred, p_pred, se, df = num["gap"], (num["low"], num["high"]), num["p"], num["se"], 0
        cf[post] = np.exp(num["forecast"])
        label = ("structural forecast: local level model of the pre-period log rate (random-walk level, "
                 "Poisson + extra irregular noise), post mean vs its posterior predictive distribution")
        diag = {"dispersion": float("nan"), **num["diag"]}
        inf_id = "posterior_predictive"
    else:
        est, pred, p_pred, se, df, label, diag = _counts_stationary(y, e, post, y0, rr, alpha, notes)
        inf_id = "prediction"
    use_exact = not np.isfinite(se) or (exact[1] - exact[0]) >= (pred[1] - pred[0])
    low, high = exact if use_exact else pred
    p = p_exact if use_exact else p_pred
    if use_exact:
        est, cf[:] = np.log(rr), rate0
        label, inf_id = "exact conditional binomial test, Clopper-Pearson", "binomial_exact"
    se_mde = se if np.isfinite(se) else float(np.sqrt(1 / y0 + 1 / (e[post] * rate0).sum()))
    mde = float(-np.expm1(-mde_from_se(se_mde, level=level, df=df if df > 0 else None)))
    obs = y / e * 1e5
    effects = pd.DataFrame({"time": panel.times, "observed": obs, "counterfactual": cf * 1e5,
                            "effect": obs / (cf * 1e5) - 1, "post": post})
    return {
        "estimate": float(np.expm1(est)), "low": float(np.expm1(low)), "high": float(np.expm1(high)),
        "p": float(p), "label": label, "id": inf_id, "scale": "relative", "mde": mde, "baseline": 1.0,
        "effects": effects,
        "diag": {"count_pre": float(y0), "count_post": float(y1), "se_log": se, "df": df,
                 "rate_ratio": float(rr), "p_exact": float(p_exact), "p_prediction": p_pred,
                 "exact_interval": (float(np.expm1(exact[0])), float(np.expm1(exact[1]))), **diag},
    }


def _counts_stationary(y: np.ndarray, e: np.ndarray, post: np.ndarray, y0: float, rr: float,
                       alpha: float, notes: list[str]) -> tuple:
    """Post level as a new draw from the stationary pre-period process (``counterfactual="mean"``)."""
    n_pre = int((~post).sum())
    rate0 = y0 / e[~post].sum()
    cf_post = e[post] * rate0
    if n_pre < 2:
        caveat(notes, ShortPrePeriodWarning,
               "one pre-period year: its year-to-year variation cannot be estimated, so the interval "
               "(exact Poisson) reflects count noise only and is too narrow.", n_pre=1, need=2)
        return np.log(rr), (np.inf, -np.inf), float("nan"), float("nan"), 0, "", {"dispersion": float("nan")}
    mu = e[~post] * rate0
    phi = max(1.0, float(np.sum((y[~post] - mu) ** 2 / mu) / (n_pre - 1)))
    # Poisson noise averages over post years; the year-level excess (phi - 1) does not: the
    # post level is one new draw from the pre-period process, plus the error of the pre level.
    se = float(np.sqrt(1 / cf_post.sum() + (phi - 1) / cf_post.mean() + phi / y0))
    df = n_pre - 1
    crit = stats.t.ppf(1 - alpha / 2, df)
    pred = (np.log(rr) - crit * se, np.log(rr) + crit * se)
    p_pred = float(2 * stats.t.sf(abs(np.log(rr)) / se, df))
    label = (f"prediction interval: post level as a new draw from the pre-period process "
             f"(year-level dispersion {phi:.2f}), t({df})")
    return np.log(rr), pred, p_pred, se, df, label, {"dispersion": phi}


def _shares(panel: Panel, level: float, notes: list[str]) -> dict:
    pct = panel.y.to_numpy()
    if (pct < 0).any() or (pct > 100).any():
        raise DesignError("survey shares must be percentages in [0, 100] (got values outside).")
    assert panel.n is not None  # shares come with their respondents (prepare_panel)
    w = panel.n.to_numpy()
    succ = (pct / 100 * w).sum(axis=1)
    resp = w.sum(axis=1)
    post = panel.post
    p0, p1 = succ[~post].sum() / resp[~post].sum(), succ[post].sum() / resp[post].sum()
    n0, n1 = resp[~post].sum(), resp[post].sum()
    yearly = succ / resp
    n_pre = int((~post).sum())
    phi = 1.0
    if n_pre >= 2 and 0 < p0 < 1:
        phi = max(1.0, float(np.sum(resp[~post] * (yearly[~post] - p0) ** 2) / (p0 * (1 - p0)) / (n_pre - 1)))
    pooled = (succ.sum()) / resp.sum()
    se = 100 * np.sqrt(phi * (p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1))
    se0 = 100 * np.sqrt(phi * pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    check_uncertainty(float(se), design="before/after on shares", what="shares strictly between 0 and 100")
    est = 100 * (p1 - p0)
    z = stats.norm.ppf(0.5 + level / 2)
    p = float(2 * stats.norm.sf(abs(est) / se))
    return {
        "estimate": float(est), "low": float(est - z * se), "high": float(est + z * se), "p": p,
        "label": f"difference of proportions, binomial SE x dispersion {phi:.2f}", "scale": "absolute",
        "id": "proportions", "values": {"phi": phi},
        "mde": mde_from_se(se0, level=level), "baseline": 100 * p0,
        "effects": _effects(panel, 100 * yearly, 100 * p0, False),
        "diag": {"respondents_pre": float(n0), "respondents_post": float(n1), "dispersion": phi},
    }


def _rates(panel: Panel, level: float, notes: list[str], structural: bool) -> dict:
    v = panel.y.mean(axis=1).to_numpy()
    post = panel.post
    a, b = v[~post], v[post]
    if a.size < 2:
        raise DesignError(
            f"a rate comparison without counts needs >= 2 pre-period years to estimate the year-to-year "
            f"variation (got {a.size}). Pass exposure= and counts, or widen the window."
        )
    cf = np.full(v.shape, a.mean())
    if structural and np.ptp(a) > 0:
        num = structural_test(a, np.zeros(a.size), b, None, trend=False, level=level)
        est, se, df, low, high, p = num["gap"], num["se"], None, num["low"], num["high"], num["p"]
        check_uncertainty(se, design="before/after on rates", what="year-to-year variation in the pre-period")
        cf[post] = num["forecast"]
        label = ("structural forecast: local level model of the pre-period rates, post mean vs its "
                 "posterior predictive distribution")
        diag, inf_id = num["diag"], "posterior_predictive"
    else:
        est = b.mean() - a.mean()
        df = a.size - 1
        # the post-period mean is one new draw from the pre-period process (persistent year deviations
        # do not average out), plus the error of the pre-period mean
        se = float(np.sqrt(a.var(ddof=1) * (1 + 1 / a.size)))
        check_uncertainty(se, design="before/after on rates", what="year-to-year variation in the pre-period")
        crit = stats.t.ppf(1 - alpha_of(level) / 2, df)
        low, high, p = est - crit * se, est + crit * se, float(2 * stats.t.sf(abs(est) / se, df))
        label = f"prediction interval: post level as a new draw from the pre-period years, t({df})"
        diag, inf_id = {"se": se, "df": df}, "prediction"
    welch = stats.ttest_ind(b, a, equal_var=False).pvalue if b.size >= 2 else float("nan")
    return {
        "estimate": float(est), "low": float(low), "high": float(high), "p": float(p), "label": label,
        "id": inf_id, "scale": "absolute", "mde": mde_from_se(se, level=level, df=df), "baseline": float(a.mean()),
        "effects": _effects(panel, v, cf, False),
        "diag": {**diag, "p_welch": float(welch)},
    }
